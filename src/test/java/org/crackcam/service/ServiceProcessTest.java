package org.crackcam.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code crackcam run} as systemd runs it: a separate JVM with NOTIFY_SOCKET pointing at a real
 * Unix datagram socket, journal log format, stopped by SIGTERM. Checks READY=1 (on behalf of the
 * JVM's pid), WATCHDOG=1 while frames flow, STOPPING=1 and a clean exit within the bound.
 */
class ServiceProcessTest {

    @TempDir
    Path dir;

    @Test
    void sigtermFinishesTheFrameNotifiesAndExitsWithinTheBound() throws Exception {
        assumeTrue(Files.isDirectory(ServiceRunnerTest.BUNDLE), "no model bundle");
        assumeTrue(ServiceRunnerTest.onPath("ffmpeg") && Files.isExecutable(Path.of("/usr/bin/systemd-notify"))
                && Files.isExecutable(Path.of("/usr/bin/python3")), "ffmpeg/systemd-notify/python3 missing");
        Path video = ServiceRunnerTest.video(dir, 4);
        Path socket = dir.resolve("notify.sock");
        Path received = dir.resolve("received.txt");
        Process listener = new ProcessBuilder("/usr/bin/python3",
                Path.of("src/test/resources/service/notify_listener.py").toAbsolutePath().toString(),
                socket.toString(), received.toString()).redirectErrorStream(true).start();
        assertEquals("READY", new BufferedReader(new InputStreamReader(listener.getInputStream(),
                StandardCharsets.UTF_8)).readLine());
        Path cfg = dir.resolve("config.yaml");
        Files.writeString(cfg, String.join("\n",
                "device:", "  id: test-van",
                "camera:", "  kind: file", "  url: " + video, "  loop: true", "  realtime: true",
                "model:", "  bundle: " + ServiceRunnerTest.BUNDLE, "  threads: 1", "  state_dir: state",
                "sampling:", "  mode: target_fps", "  target_fps: 3",
                "mqtt:", "  enabled: false", "outbox:", "  dir: outbox",
                "health:", "  enabled: false",
                "shutdown:", "  timeout_s: 8", ""));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "org.crackcam.cli.Main", "--log-format=journal", "run", "--config", cfg.toString());
        pb.environment().put("NOTIFY_SOCKET", socket.toString());
        pb.environment().put("WATCHDOG_USEC", "2000000");
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("service.log").toFile());
        Process service = pb.start();
        try {
            assertTrue(ServiceRunnerTest.await(() -> count(received, "WATCHDOG=1") >= 2, 300_000), // slow under load
                    "watchdog fed while frames flow: " + read(received) + "\n" + read(dir.resolve("service.log")));
            String ready = Files.readAllLines(received).stream().filter(l -> l.contains("READY=1")).findFirst()
                    .orElseThrow();
            assertTrue(ready.contains("MAINPID=" + service.pid()), ready);
            long t0 = System.nanoTime();
            new ProcessBuilder("kill", "-TERM", Long.toString(service.pid())).start().waitFor();
            assertTrue(service.waitFor(20, TimeUnit.SECONDS), "stopped");
            double stopS = (System.nanoTime() - t0) / 1e9;
            System.out.printf("SIGTERM to exit: %.2f s (bound 8 s)%n", stopS);
            assertTrue(stopS < 8 + 2, "within shutdown.timeout_s");
            assertEquals(143, service.exitValue(), "terminated by SIGTERM (SuccessExitStatus=143 in the unit)");
            assertTrue(ServiceRunnerTest.await(() -> count(received, "STOPPING=1") == 1, 5_000), read(received));
            String log = read(dir.resolve("service.log"));
            assertTrue(log.lines().anyMatch(l -> l.startsWith("<6>") && l.contains("stopping: finishing the current frame")),
                    "journal priorities: " + log);
            assertTrue(log.lines().noneMatch(l -> l.startsWith("<3>")), "no error on a clean stop: " + log);
        } finally {
            service.destroyForcibly();
            listener.destroyForcibly();
            listener.waitFor(5, TimeUnit.SECONDS);
        }
    }

    static long count(Path f, String s) throws Exception {
        return Files.exists(f) ? Files.readAllLines(f).stream().filter(l -> l.contains(s)).count() : 0;
    }

    static String read(Path f) throws Exception {
        return Files.exists(f) ? Files.readString(f) : "";
    }
}
