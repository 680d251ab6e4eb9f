package org.crackcam.position;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.crackcam.pipeline.Position;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gpsd client against a real gpsd fed by gpsfake (Debian packages gpsd, gpsd-clients). */
class GpsdClientTest {

    @TempDir
    Path dir;

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static boolean onPath(String exe) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, exe))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", exe));
    }

    @Test
    void realGpsdDeliversFixesFromAnNmeaLog() throws Exception {
        assumeTrue(onPath("gpsfake") && onPath("gpsd"), "gpsd/gpsfake not installed");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            String t = String.format("0830%02d.00", i % 60);
            String lat = String.format("4807.%04d", 380 + i * 10);
            lines.add(SidecarTest.nmea("GPRMC," + t + ",A," + lat + ",N,01131.0000,E,019.4,045.0,010526,,,A"));
            lines.add(SidecarTest.nmea("GPGGA," + t + "," + lat + ",N,01131.0000,E,1,08,0.9,545.4,M,46.9,M,,"));
        }
        Path log = dir.resolve("drive.nmea");
        Files.writeString(log, String.join("\r\n", lines) + "\r\n");
        int port = freePort();
        ProcessBuilder pb = new ProcessBuilder("gpsfake", "-q", "-c", "0.05", "-P", Integer.toString(port),
                log.toString());
        pb.environment().put("PATH", System.getenv("PATH") + ":/usr/sbin");
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("gpsfake.log").toFile());
        Process gpsfake = pb.start();
        try (GpsdClient c = new GpsdClient("127.0.0.1", port, 3.0, 0.2).start()) {
            assertTrue(c.awaitFirstFix(30, TimeUnit.SECONDS), "no fix from gpsd; gpsfake log: "
                    + Files.readString(dir.resolve("gpsfake.log")));
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (c.fixes() < 5 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(c.fixes() >= 5, "fixes: " + c.fixes());
            Position p = c.at(0, 0).orElseThrow();
            assertEquals(48.12, p.latitude(), 0.01);
            assertEquals(11 + 31.0 / 60, p.longitude(), 1e-6);
            assertEquals(19.4 * 1852 / 3600, p.speedMps(), 0.05, "gpsd reports m/s");
            assertEquals(45.0, p.headingDeg(), 1e-6);
        } finally {
            gpsfake.destroy();
            if (!gpsfake.waitFor(5, TimeUnit.SECONDS)) {
                gpsfake.destroyForcibly();
            }
            gpsfake.descendants().forEach(ProcessHandle::destroy);
        }
    }

    @Test
    void unreachableGpsdMeansNoPositionAndRetries() throws Exception {
        int port = freePort(); // nothing listens here
        try (GpsdClient c = new GpsdClient("127.0.0.1", port, 3.0, 0.1).start()) {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (c.reconnects() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(c.reconnects() >= 3, "keeps retrying");
            assertFalse(c.connected());
            assertFalse(c.at(0, 0).isPresent());
        }
    }

    @Test
    void tpvParsing() {
        GpsdClient c = new GpsdClient("127.0.0.1", 1, 1.0, 1.0);
        c.handle("{\"class\":\"TPV\",\"mode\":1}");
        c.handle("not json");
        c.handle("{\"class\":\"SKY\"}");
        assertEquals(0, c.fixes());
        assertEquals(1, c.badReports());
        c.handle("{\"class\":\"TPV\",\"mode\":2,\"lat\":1.5,\"lon\":-2.5,\"time\":\"2026-05-01T08:30:00.000Z\"}");
        Position p = c.at(0, 0).orElseThrow();
        assertEquals(1.5, p.latitude());
        assertTrue(Double.isNaN(p.speedMps()));
        c.close();
    }
}
