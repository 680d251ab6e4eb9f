package org.crackcam.delivery;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code crackcam listen} in a child JVM (a real office process), stopped with SIGTERM. What it
 * stored is read back from its folder: the (alert_id, revision) pairs of the {@code <id>.json}
 * files.
 */
final class ListenProcess implements AutoCloseable {

    private final Process process;
    private final Path out;
    private final CompletableFuture<String> stdout;
    private final CompletableFuture<String> stderr;

    private ListenProcess(Process process, Path out) {
        this.process = process;
        this.out = out;
        this.stdout = ChildJvm.readAsync(process.getInputStream());
        this.stderr = ChildJvm.readAsync(process.getErrorStream());
    }

    /** Starts listen and waits until the broker has seen it subscribe. */
    static ListenProcess start(Mosquitto broker, Path out, String clientId, String... extra) throws Exception {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("listen", "--broker", broker.tcpUrl(),
                "--out", out.toString(), "--client-id", clientId));
        args.addAll(java.util.List.of(extra));
        ListenProcess p = new ListenProcess(ChildJvm.builder("org.crackcam.cli.Main", args.toArray(String[]::new)).start(), out);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!broker.readLog().contains("as " + clientId) && System.nanoTime() < end) {
            if (!p.process.isAlive()) {
                throw new IllegalStateException("listen exited: " + p.stderr.join());
            }
            Thread.sleep(100);
        }
        Thread.sleep(500); // SUBSCRIBE follows CONNECT
        return p;
    }

    /** The (alert_id, revision) pairs stored in {@code out} ("id#revision"). */
    static Set<String> storedPairs(Path out) throws IOException {
        Set<String> pairs = new TreeSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(out, "*.json")) {
            for (Path p : ds) {
                if (!p.getFileName().toString().startsWith(".")) {
                    pairs.add(TestAlerts.pair(TestAlerts.JSON.readTree(p.toFile())));
                }
            }
        }
        return pairs;
    }

    /** Waits until every pair in {@code want} is stored or the timeout passes; returns what is stored. */
    Set<String> awaitStored(Set<String> want, Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            Set<String> got = storedPairs(out);
            if (got.containsAll(want) || System.nanoTime() > end || !process.isAlive()) {
                return got;
            }
            Thread.sleep(200);
        }
    }

    /** SIGTERM, then the summary line ("listen: …") from its standard output. */
    String stop() throws Exception {
        new ProcessBuilder("kill", "-TERM", String.valueOf(process.pid())).start().waitFor();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        return stdout.join().lines().filter(l -> l.startsWith("listen: ")).findFirst()
                .orElse("(no summary) stdout: " + stdout.join() + " stderr: " + stderr.join());
    }

    String stderr() {
        return process.isAlive() ? "(running)" : stderr.join();
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor();
        }
    }
}
