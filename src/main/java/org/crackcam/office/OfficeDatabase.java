package org.crackcam.office;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.crackcam.pipeline.CrackcamException;
import org.crackcam.settings.InvalidSettingException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.tinylog.Logger;

/**
 * The office database: an embedded SQLite file (default) or PostgreSQL with PostGIS, migrated
 * by Flyway from {@code db/office/<dialect>/} at open. Holds a small fixed pool of connections
 * ({@link #borrow()} / {@link #release}); thread-safe. {@link #close()} closes them all.
 */
public final class OfficeDatabase implements AutoCloseable {

    /** Which database engine. */
    public enum Dialect { SQLITE, POSTGRESQL }

    private final String url;
    private final Dialect dialect;
    private final Properties props;
    private final BlockingQueue<Connection> pool;
    private final List<Connection> all = new ArrayList<>();
    private volatile boolean closed;
    /** When each connection was last given back; one idle longer than 10 s is checked before use. */
    private final java.util.Map<Connection, Long> lastUsed = new java.util.concurrent.ConcurrentHashMap<>();
    private static final long IDLE_CHECK_NANOS = 10_000_000_000L;

    private OfficeDatabase(String url, Dialect dialect, Properties props, int size) throws SQLException {
        this.url = url;
        this.dialect = dialect;
        this.props = props;
        this.pool = new ArrayBlockingQueue<>(size);
        for (int i = 0; i < size; i++) {
            Connection c = DriverManager.getConnection(url, props);
            if (dialect == Dialect.SQLITE) {
                try (Statement s = c.createStatement()) {
                    s.execute("PRAGMA foreign_keys = ON");
                    s.execute("PRAGMA busy_timeout = 10000");
                    s.execute("PRAGMA synchronous = NORMAL");
                }
            }
            all.add(c);
            pool.add(c);
        }
    }

    /**
     * Opens (creating and migrating) a database.
     *
     * @param target a file path for SQLite, or a {@code jdbc:postgresql://} URL
     * @param user   PostgreSQL user, or null (SQLite ignores it)
     * @param password PostgreSQL password, or null
     */
    public static OfficeDatabase open(String target, String user, String password) {
        String url;
        Dialect d;
        if (target.startsWith("jdbc:postgresql:")) {
            url = target;
            d = Dialect.POSTGRESQL;
        } else if (target.startsWith("jdbc:sqlite:")) {
            url = target;
            d = Dialect.SQLITE;
        } else if (target.startsWith("jdbc:")) {
            throw new InvalidSettingException("--db '" + target
                    + "': only a SQLite file path, jdbc:sqlite:FILE or jdbc:postgresql://HOST/DB are supported");
        } else {
            Path p = Path.of(target).toAbsolutePath();
            try {
                Files.createDirectories(p.getParent());
            } catch (java.io.IOException ex) {
                throw new InvalidSettingException("--db: cannot create the folder of " + p + ": " + ex.getMessage(), ex);
            }
            url = "jdbc:sqlite:" + p;
            d = Dialect.SQLITE;
        }
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        if (d == Dialect.SQLITE) {
            props.setProperty("journal_mode", "WAL");
        }
        try {
            migrate(url, d, props);
            return new OfficeDatabase(url, d, props, d == Dialect.SQLITE ? 4 : 8);
        } catch (SQLException | RuntimeException ex) {
            if (ex instanceof CrackcamException ce) {
                throw ce;
            }
            throw new InvalidSettingException("cannot open the office database " + redact(url) + ": " + rootMessage(ex), ex);
        }
    }

    private static void migrate(String url, Dialect d, Properties props) {
        Flyway fw = Flyway.configure(OfficeDatabase.class.getClassLoader())
                .dataSource(url, props.getProperty("user"), props.getProperty("password"))
                .locations("classpath:db/office/" + d.name().toLowerCase(java.util.Locale.ROOT))
                .table("office_schema_history")
                .load();
        MigrateResult r = fw.migrate();
        if (r.migrationsExecuted > 0) {
            Logger.info("office database {}: {} migration(s) applied, now at version {}", redact(url),
                    r.migrationsExecuted, r.targetSchemaVersion);
        }
    }

    public Dialect dialect() {
        return dialect;
    }

    /** The JDBC URL without credentials. */
    public String describe() {
        return redact(url);
    }

    /** A connection from the pool (waits up to 30 s); give it back with {@link #release}. */
    public Connection borrow() throws SQLException {
        if (closed) {
            throw new IllegalStateException("office database is closed");
        }
        try {
            Connection c = pool.poll(30, TimeUnit.SECONDS);
            if (c == null) {
                throw new SQLException("no free database connection within 30 s");
            }
            Long last = lastUsed.get(c);
            boolean idle = last == null || System.nanoTime() - last > IDLE_CHECK_NANOS;
            if (c.isClosed() || (dialect == Dialect.POSTGRESQL && idle && !c.isValid(2))) {
                all.remove(c);
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // replacing it anyway
                }
                c = DriverManager.getConnection(url, props);
                synchronized (all) {
                    all.add(c);
                }
            }
            return c;
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for a database connection", ex);
        }
    }

    /** Returns a borrowed connection, rolling back anything left open. */
    public void release(Connection c) {
        try {
            if (!c.getAutoCommit()) {
                c.rollback();
                c.setAutoCommit(true);
            }
        } catch (SQLException ex) {
            Logger.debug("office database: rollback on release failed: {}", ex.getMessage());
        }
        lastUsed.put(c, System.nanoTime());
        pool.offer(c);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        synchronized (all) {
            for (Connection c : all) {
                try {
                    c.close();
                } catch (SQLException ex) {
                    Logger.debug("office database close: {}", ex.getMessage());
                }
            }
        }
    }

    static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        return r.getMessage() == null ? r.getClass().getSimpleName() : r.getMessage();
    }
}
