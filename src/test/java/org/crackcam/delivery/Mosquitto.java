package org.crackcam.delivery;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Debian mosquitto broker for tests, on a free loopback port, with a generated config,
 * persistence in its own directory, and optional TLS / password file. {@link #stop()} ends it
 * with SIGTERM (mosquitto saves its persistence on a clean exit) and {@link #start()} brings it
 * back on the same port.
 */
final class Mosquitto implements AutoCloseable {

    private final Path dir;
    private final int port;
    private final List<String> extra = new ArrayList<>();
    private Process process;

    Mosquitto(Path dir) throws IOException {
        this(dir, freePort());
    }

    Mosquitto(Path dir, int port) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.port = port;
    }

    /** Adds config lines for the listener (e.g. "cafile ...", "require_certificate true"). */
    Mosquitto with(String line) {
        extra.add(line);
        return this;
    }

    int port() {
        return port;
    }

    String tcpUrl() {
        return "tcp://127.0.0.1:" + port;
    }

    Path log() {
        return dir.resolve("mosquitto.log");
    }

    Mosquitto start() throws IOException, InterruptedException {
        boolean anonymous = extra.stream().noneMatch(l -> l.startsWith("password_file"));
        StringBuilder cfg = new StringBuilder();
        cfg.append("user root\n")
                .append("persistence true\n")
                .append("persistence_location ").append(dir.toAbsolutePath()).append("/\n")
                .append("autosave_interval 1\n")
                .append("max_queued_messages 200000\n")
                .append("max_inflight_messages 100\n")
                .append("log_dest file ").append(log().toAbsolutePath()).append('\n')
                .append("log_type error\nlog_type warning\nlog_type notice\nlog_type information\n")
                .append("connection_messages true\n")
                .append("listener ").append(port).append(" 127.0.0.1\n")
                .append("allow_anonymous ").append(anonymous).append('\n');
        for (String l : extra) {
            cfg.append(l).append('\n');
        }
        Path conf = dir.resolve("mosquitto.conf");
        Files.writeString(conf, cfg);
        process = new ProcessBuilder("mosquitto", "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IOException("mosquitto exited with " + process.exitValue() + ": "
                        + Files.readString(dir.resolve("stdout.log")) + readLog());
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return this;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IOException("mosquitto did not open port " + port);
    }

    /** SIGTERM and wait: mosquitto writes its persistence file on the way out. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    String readLog() {
        try {
            return Files.exists(log()) ? Files.readString(log()) : "";
        } catch (IOException ex) {
            return "";
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
