package org.crackcam.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sd_notify messages as the service manager receives them: a real Unix datagram socket
 * (bound by a Python listener, since Java 17 cannot) and the real systemd-notify binary.
 */
class SystemdNotifierTest {

    @TempDir
    Path dir;
    private Process listener;
    private Path socket;
    private Path out;

    @BeforeEach
    void listen() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-notify")), "systemd-notify missing");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 missing");
        socket = dir.resolve("notify.sock");
        out = dir.resolve("received.txt");
        listener = new ProcessBuilder("/usr/bin/python3",
                Path.of("src/test/resources/service/notify_listener.py").toAbsolutePath().toString(),
                socket.toString(), out.toString()).redirectErrorStream(true).start();
        String line = new BufferedReader(new InputStreamReader(listener.getInputStream(), StandardCharsets.UTF_8))
                .readLine();
        assertEquals("READY", line);
    }

    @AfterEach
    void stop() throws Exception {
        if (listener != null) {
            listener.destroyForcibly();
            listener.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private List<String> received() throws Exception {
        return Files.exists(out) ? Files.readAllLines(out) : List.of();
    }

    private boolean awaitLine(String fragment) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (received().stream().anyMatch(l -> l.contains(fragment))) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    @Test
    void readyWatchdogStatusAndStoppingReachTheSocket() throws Exception {
        long pid = ProcessHandle.current().pid();
        var env = Map.of("NOTIFY_SOCKET", socket.toString(), "WATCHDOG_USEC", "400000");
        try (SystemdNotifier n = new SystemdNotifier(env, "systemd-notify")) {
            assertTrue(n.enabled());
            assertEquals(200, n.watchdogIntervalMillis(), "half of WATCHDOG_USEC");
            n.ready("warming up");
            assertTrue(awaitLine("READY=1"), received().toString());
            String ready = received().stream().filter(l -> l.contains("READY=1")).findFirst().orElseThrow();
            assertTrue(ready.contains("MAINPID=" + pid), "sent on behalf of the JVM: " + ready);
            assertTrue(ready.contains("STATUS=warming up"), ready);

            // Called for every frame for 1 s: sent about every 200 ms, not 1000 times.
            long end = System.nanoTime() + 1_000_000_000L;
            int calls = 0;
            while (System.nanoTime() < end) {
                n.watchdog();
                calls++;
                Thread.sleep(1);
            }
            n.status("12.0 fps");
            n.stopping("stopping: SIGTERM");
            assertTrue(awaitLine("STOPPING=1"));
            long watchdogs = received().stream().filter(l -> l.contains("WATCHDOG=1")).count();
            assertTrue(watchdogs >= 4 && watchdogs <= 7, watchdogs + " WATCHDOG=1 for " + calls + " calls");
            assertTrue(received().stream().anyMatch(l -> l.contains("STATUS=12.0 fps")));
        }
    }

    @Test
    void withoutNotifySocketNothingIsSent() throws Exception {
        try (SystemdNotifier n = new SystemdNotifier(Map.of(), "systemd-notify")) {
            assertFalse(n.enabled());
            n.ready("x");
            n.watchdog();
        }
        Thread.sleep(200);
        assertTrue(received().isEmpty());
    }

    @Test
    void watchdogForAnotherPidIsIgnored() {
        var env = Map.of("NOTIFY_SOCKET", socket.toString(), "WATCHDOG_USEC", "400000", "WATCHDOG_PID", "1");
        try (SystemdNotifier n = new SystemdNotifier(env, "systemd-notify")) {
            assertEquals(5000, n.watchdogIntervalMillis(), "default pace when the watchdog is not ours");
        }
    }
}
