package org.crackcam.delivery;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain {@code mosquitto_sub} child process (QoS 1, persistent session under a fixed client
 * id) collecting one payload per line.
 */
final class MosquittoSub implements AutoCloseable {

    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    MosquittoSub(int port, String topic, String clientId, String... extra) throws IOException {
        java.util.List<String> cmd = new ArrayList<>(java.util.List.of("mosquitto_sub", "-h", "127.0.0.1", "-p",
                String.valueOf(port), "-t", topic, "-q", "1", "-c", "-i", clientId, "-k", "5"));
        cmd.addAll(java.util.List.of(extra));
        process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(l);
                        lines.notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // process ended
            }
        }, "mosquitto_sub-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Waits until at least {@code n} lines arrived or the timeout passes; returns a copy. */
    List<String> await(int n, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            while (lines.size() < n) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                lines.wait(Math.max(1, left / 1_000_000));
            }
            return new ArrayList<>(lines);
        }
    }

    List<String> lines() {
        synchronized (lines) {
            return new ArrayList<>(lines);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
