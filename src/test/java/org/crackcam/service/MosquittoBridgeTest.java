package org.crackcam.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * device-config/mosquitto-bridge.conf with two real mosquitto brokers: the vehicle's (the shipped
 * file, with loopback ports, a temporary persistence directory and TLS lines removed) and a
 * stand-in backend. Alerts published while the backend is down are stored and forwarded once it is up.
 */
class MosquittoBridgeTest {

    @TempDir
    Path dir;

    static boolean waitPort(int port, long ms) throws InterruptedException {
        long end = System.nanoTime() + ms * 1_000_000;
        while (System.nanoTime() < end) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            } catch (java.io.IOException e) {
                Thread.sleep(50);
            }
        }
        return false;
    }

    static Process broker(Path conf, Path log) throws Exception {
        return new ProcessBuilder("mosquitto", "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
    }

    @Test
    void bridgeStoresWhileTheBackendIsDownAndForwardsAfterwards() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/mosquitto")) && ServiceRunnerTest.onPath("mosquitto_pub"),
                "mosquitto / mosquitto-clients missing");
        int local = Ports.free();
        int backend = Ports.free();
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("device-config/mosquitto-bridge.conf"))) {
            String t = line.trim();
            if (t.startsWith("bridge_cafile") || t.startsWith("bridge_certfile") || t.startsWith("bridge_keyfile")
                    || t.startsWith("bridge_tls_version")) {
                continue; // the stand-in backend has no TLS
            }
            if (t.startsWith("listener ")) {
                line = "listener " + local + " 127.0.0.1";
            } else if (t.startsWith("address ")) {
                line = "address 127.0.0.1:" + backend;
            } else if (t.startsWith("persistence_location")) {
                line = "persistence_location " + dir + "/";
            }
            out.add(line);
        }
        Path localConf = dir.resolve("local.conf");
        Files.write(localConf, out);
        Path backendConf = dir.resolve("backend.conf");
        Files.writeString(backendConf, "listener " + backend + " 127.0.0.1\nallow_anonymous true\n");
        Process vehicle = broker(localConf, dir.resolve("local.log"));
        Process server = null;
        try {
            assertTrue(waitPort(local, 10_000), "vehicle broker up: " + Files.readString(dir.resolve("local.log")));
            for (int i = 0; i < 5; i++) {
                Process p = new ProcessBuilder("mosquitto_pub", "-h", "127.0.0.1", "-p", Integer.toString(local),
                        "-q", "1", "-t", "crackcam/van-07/alerts", "-m", "{\"alert\":" + i + "}").start();
                assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0);
            }
            server = broker(backendConf, dir.resolve("backend.log"));
            assertTrue(waitPort(backend, 10_000));
            Process sub = new ProcessBuilder("mosquitto_sub", "-h", "127.0.0.1", "-p", Integer.toString(backend),
                    "-q", "1", "-t", "crackcam/#", "-C", "5", "-W", "90").start();
            String got = new String(sub.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(sub.waitFor(100, TimeUnit.SECONDS));
            assertEquals(List.of("{\"alert\":0}", "{\"alert\":1}", "{\"alert\":2}", "{\"alert\":3}", "{\"alert\":4}"),
                    got.lines().toList(), "stored while offline, forwarded in order: "
                            + Files.readString(dir.resolve("local.log")));
        } finally {
            vehicle.destroy();
            vehicle.waitFor(5, TimeUnit.SECONDS);
            vehicle.destroyForcibly();
            if (server != null) {
                server.destroy();
                server.waitFor(5, TimeUnit.SECONDS);
                server.destroyForcibly();
            }
        }
    }

    /** Free ports. */
    static final class Ports {
        static int free() throws java.io.IOException {
            try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
                return s.getLocalPort();
            }
        }
    }
}
