package org.crackcam.office;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL with PostGIS from Debian's packages (postgresql-NN, postgresql-NN-postgis-3),
 * started once per test JVM: initdb into a temporary folder (as the user postgres through runuser
 * when the tests run as root, since PostgreSQL refuses root), trust authentication, loopback only,
 * fsync off. {@link #available()} is false only when the binaries or PostGIS are not installed.
 */
final class PgServer {

    private static PgServer instance;
    private static String unavailable;
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final Path dir;
    private final int port;
    private final Process process;

    private PgServer(Path bin, Path dir, int port, boolean asPostgres) throws IOException, InterruptedException {
        this.dir = dir;
        this.port = port;
        run(cmd(asPostgres, bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", "postgres",
                "--auth=trust", "-E", "UTF8", "--no-sync"), dir.resolve("initdb.log"));
        process = new ProcessBuilder(cmd(asPostgres, bin.resolve("postgres").toString(), "-D",
                dir.resolve("data").toString(), "-p", Integer.toString(port), "-k", dir.toString(),
                "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off", "-c", "max_connections=100"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("postgres.log").toFile()).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Connection c = DriverManager.getConnection(url("postgres"), "postgres", "")) {
                break;
            } catch (SQLException notYet) {
                if (!process.isAlive() || System.nanoTime() > end) {
                    throw new IOException("postgres did not start: " + Files.readString(dir.resolve("postgres.log")));
                }
                Thread.sleep(100);
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop));
    }

    /** The shared server, started on first use; null (with {@link #whyUnavailable()}) when not installed. */
    static synchronized PgServer get() {
        if (instance != null || unavailable != null) {
            return instance;
        }
        try {
            Path bin = findBin();
            if (bin == null) {
                unavailable = "PostgreSQL binaries (initdb, postgres) not installed";
                return null;
            }
            String version = bin.getParent().getFileName().toString();
            if (!Files.exists(Path.of("/usr/share/postgresql", version, "extension", "postgis.control"))) {
                unavailable = "PostGIS for PostgreSQL " + version + " not installed";
                return null;
            }
            boolean root = "root".equals(System.getProperty("user.name"));
            Path dir = Files.createTempDirectory("crackcam-pg");
            if (root) {
                new ProcessBuilder("chown", "-R", "postgres:postgres", dir.toString()).inheritIO().start().waitFor();
            }
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            instance = new PgServer(bin, dir, port, root);
            return instance;
        } catch (IOException | InterruptedException ex) {
            throw new IllegalStateException("PostgreSQL is installed but did not start: " + ex.getMessage(), ex);
        }
    }

    static String whyUnavailable() {
        return unavailable;
    }

    /**
     * A new empty database; returns its JDBC URL (user postgres, no password). Copied from a
     * template that already has the postgis extension (creating it takes seconds; the office's
     * migration then finds it and goes on).
     */
    synchronized String newDatabase() throws SQLException {
        if (DATABASES.get() == 0) {
            try (Connection c = DriverManager.getConnection(url("postgres"), "postgres", "");
                 Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE office_template");
            }
            try (Connection c = DriverManager.getConnection(url("office_template"), "postgres", "");
                 Statement s = c.createStatement()) {
                s.execute("CREATE EXTENSION postgis");
            }
        }
        String name = "office_" + DATABASES.incrementAndGet();
        try (Connection c = DriverManager.getConnection(url("postgres"), "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name + " TEMPLATE office_template");
        }
        return url(name);
    }

    String url(String db) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + db;
    }

    private void stop() {
        process.destroy();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException ignored) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> w = Files.walk(dir)) {
            w.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException ignored) {
            // temporary folder
        }
    }

    private static Path findBin() throws IOException {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.map(p -> p.resolve("bin")).filter(p -> Files.isExecutable(p.resolve("initdb"))
                    && Files.isExecutable(p.resolve("postgres")))
                    .max(Comparator.comparingInt(p -> Integer.parseInt(p.getParent().getFileName().toString())))
                    .orElse(null);
        }
    }

    private static List<String> cmd(boolean asPostgres, String... args) {
        List<String> c = new ArrayList<>();
        if (asPostgres) {
            c.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        c.addAll(List.of(args));
        return c;
    }

    private static void run(List<String> cmd, Path log) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + Files.readString(log));
        }
    }
}
