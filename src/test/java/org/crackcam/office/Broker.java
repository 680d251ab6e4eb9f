package org.crackcam.office;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A real Debian mosquitto on a free loopback port for the office tests (persistence on, anonymous). */
final class Broker implements AutoCloseable {

    private final Path dir;
    private final int port;
    private Process process;

    Broker(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        try (ServerSocket s = new ServerSocket(0)) {
            this.port = s.getLocalPort();
        }
    }

    String url() {
        return "tcp://127.0.0.1:" + port;
    }

    Broker start() throws IOException, InterruptedException {
        String cfg = "user root\npersistence true\npersistence_location " + dir.toAbsolutePath() + "/\n"
                + "autosave_interval 1\nmax_queued_messages 200000\nmax_inflight_messages 100\n"
                + "log_dest file " + dir.resolve("mosquitto.log").toAbsolutePath() + "\n"
                + "listener " + port + " 127.0.0.1\nallow_anonymous true\n";
        Path conf = dir.resolve("mosquitto.conf");
        Files.writeString(conf, cfg);
        process = new ProcessBuilder("mosquitto", "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout.log").toFile()).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IOException("mosquitto exited with " + process.exitValue());
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return this;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IOException("mosquitto did not open port " + port);
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
