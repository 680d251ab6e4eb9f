package org.crackcam.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.crackcam.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped device profiles and the command-line behaviour of check-config and run. */
class DeviceConfigTest {

    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
    }

    static Result cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void everyShippedProfilePassesCheckConfig() throws Exception {
        List<Path> profiles;
        try (Stream<Path> s = Files.list(Path.of("device-config"))) {
            profiles = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(profiles.size() >= 5, "reference + four device profiles: " + profiles);
        for (Path p : profiles) {
            Result r = cli("check-config", p.toString());
            assertEquals(0, r.code(), p + ": " + r.err());
            assertTrue(r.out().startsWith(p + ": ok"), r.out());
        }
    }

    @Test
    void cpuDevProfileIsCompleteOnThisMachineExceptTheDemoDrive() {
        Result r = cli("check-config", "--strict", "device-config/cpu-dev.yaml");
        // The bundle is in the repository; the demo drive may not be (it arrives with the data engineers).
        assertFalse(r.err().contains("model.bundle"), r.err());
    }

    @Test
    void badConfigurationIsOneLinePerProblemWithExitTwo() throws Exception {
        Path bad = dir.resolve("config.yaml");
        Files.writeString(bad, "device:\n  id: x\ncamera:\n  kind: rtsp\n  url: rtsp://h/s\nmodel:\n  bundle: b\n"
                + "tiles:\n  rows: 0\nsampling:\n  mode: sometimes\n");
        Result r = cli("check-config", bad.toString());
        assertEquals(2, r.code());
        assertEquals(List.of(bad + ":9: tiles.rows must be ≥ 1, got 0",
                bad + ":11: sampling.mode must be one of every_frames|target_fps|distance, got \"sometimes\""),
                r.err().lines().toList());

        Result run = cli("run", "--config", bad.toString());
        assertEquals(2, run.code());
        assertEquals(1, run.err().lines().count(), run.err());
        assertTrue(run.err().startsWith("crackcam: " + bad + ":9: tiles.rows must be ≥ 1, got 0 (1 more problem(s): "
                + "crackcam check-config " + bad + ")"), run.err());
    }

    @Test
    void missingBrokerFilesAreListedByCheckConfigAndStopRunWithTheirKey() throws Exception {
        Path cfg = dir.resolve("tls.yaml");
        Files.writeString(cfg, "device:\n  id: x\ncamera:\n  kind: rtsp\n  url: rtsp://127.0.0.1:1/s\n"
                + "model:\n  bundle: " + Path.of("models/edge-synthetic").toAbsolutePath() + "\n"
                + "mqtt:\n  broker: ssl://127.0.0.1:1\n  credentials_file: creds.properties\n"
                + "  tls:\n    ca_file: ca.pem\noutbox:\n  dir: outbox\nhealth:\n  enabled: false\n");
        Result check = cli("check-config", "--strict", cfg.toString());
        assertEquals(2, check.code(), check.err());
        assertTrue(check.err().contains("mqtt.tls.ca_file cannot read " + dir.resolve("ca.pem")), check.err());
        assertTrue(check.err().contains("mqtt.credentials_file cannot read " + dir.resolve("creds.properties")),
                check.err());

        Result run = cli("run", "--config", cfg.toString());
        assertEquals(2, run.code(), run.err());
        assertEquals(1, run.err().lines().count(), run.err());
        assertTrue(run.err().startsWith("crackcam: " + cfg + ": mqtt.tls.ca_file cannot read "), run.err());
    }

    @Test
    void runWithAMissingBundleIsExitFourOneLine() throws Exception {
        Path cfg = dir.resolve("c.yaml");
        Files.writeString(cfg, "device:\n  id: x\ncamera:\n  kind: rtsp\n  url: rtsp://127.0.0.1:1/s\n"
                + "model:\n  bundle: no-such-bundle\nmqtt:\n  enabled: false\noutbox:\n  dir: outbox\n"
                + "health:\n  enabled: false\n");
        Result r = cli("run", "--config", cfg.toString());
        assertEquals(4, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("no-such-bundle"), r.err());
    }
}
