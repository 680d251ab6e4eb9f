package org.crackcam.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole service with the real detector (models/edge-synthetic, ONNX Runtime CPU): a live RTSP
 * camera served by a real RTSP server that is killed and restarted, an unreachable gpsd, the
 * health endpoint; and a file replay with an SRT position sidecar and frame sampling.
 * Videos are synthetic: the e2e drive (src/test/resources/drives/e2e, when present) over RTSP,
 * ffmpeg testsrc otherwise.
 */
class ServiceRunnerTest {

    static final Path BUNDLE = Path.of("models/edge-synthetic").toAbsolutePath();

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
        return false;
    }

    static Path video(Path dir, int seconds) throws Exception {
        Path out = dir.resolve("synthetic-testsrc.mp4");
        Process p = new ProcessBuilder("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                "testsrc=size=320x240:rate=15", "-t", Integer.toString(seconds), "-c:v", "libx264", "-preset",
                "ultrafast", "-g", "15", "-pix_fmt", "yuv420p", out.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, log);
        return out;
    }

    static final Path DRIVE = Path.of("src/test/resources/drives/e2e/drive.mp4");

    /** The synthetic e2e drive (8 s, 960x540) looped 8 times without re-encoding. */
    static Path loopedDrive(Path dir) throws Exception {
        Path out = dir.resolve("drive-looped.mp4");
        Process p = new ProcessBuilder("ffmpeg", "-v", "error", "-y", "-stream_loop", "7", "-i",
                DRIVE.toAbsolutePath().toString(), "-c", "copy", out.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, log);
        return out;
    }

    /** False for an interim bundle exported from random weights ({@code provenance.untrained}). */
    static boolean trainedBundle() throws IOException {
        var m = new com.fasterxml.jackson.databind.ObjectMapper().readTree(BUNDLE.resolve("manifest.json").toFile());
        return !m.path("provenance").path("untrained").asBoolean(false);
    }

    static Map<String, Double> metrics(int port) throws Exception {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        return org.crackcam.health.HealthServerTest.parse(body);
    }

    static int healthz(int port) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/healthz")).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    interface Check {
        boolean holds() throws Exception;
    }

    static boolean await(Check c, long ms) throws Exception {
        long end = System.nanoTime() + ms * 1_000_000;
        while (System.nanoTime() < end) {
            if (c.holds()) {
                return true;
            }
            Thread.sleep(100);
        }
        return c.holds();
    }

    static Process rtspServer(int port, Path video) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/python3",
                Path.of("src/test/resources/live/rtsp_server.py").toAbsolutePath().toString(), Integer.toString(port),
                video.toString()).redirectErrorStream(true).start();
        var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("READY", r.readLine());
        Thread t = new Thread(() -> {
            try {
                while (r.readLine() != null) {
                    // drain
                }
            } catch (IOException ignored) {
                // ended
            }
        });
        t.setDaemon(true);
        t.start();
        return p;
    }

    static void kill(Process p) throws InterruptedException {
        if (p != null) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void liveRtspServiceSurvivesServerRestartsWithoutGpsd() throws Exception {
        assumeTrue(Files.isDirectory(BUNDLE), "no model bundle");
        assumeTrue(onPath("ffmpeg") && Files.isExecutable(Path.of("/usr/bin/python3")), "ffmpeg/python3 missing");
        boolean drive = Files.isRegularFile(DRIVE);
        Path video = drive ? loopedDrive(dir) : video(dir, 60);
        int rtsp = freePort();
        int health = freePort();
        int gpsd = freePort(); // nothing listens: gpsd unreachable
        Path cfg = dir.resolve("config.yaml");
        Files.writeString(cfg, String.join("\n",
                "device:", "  id: test-van",
                "camera:", "  kind: rtsp", "  url: rtsp://127.0.0.1:" + rtsp + "/live",
                "  reconnect:", "    initial_ms: 200", "    max_ms: 1000", "    io_timeout_s: 2", "    watchdog_s: 8",
                "model:", "  bundle: " + BUNDLE, "  threads: 1", "  state_dir: state",
                "sampling:", "  mode: target_fps", "  target_fps: 4",
                "gps:", "  source: gpsd", "  port: " + gpsd, "  reconnect_s: 0.5",
                "mqtt:", "  enabled: false",
                "outbox:", "  dir: outbox",
                "health:", "  port: " + health, "  stale_after_s: 2",
                "shutdown:", "  timeout_s: 5", ""));
        Process server = rtspServer(rtsp, video);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (ServiceRunner service = ServiceRunner.open(ConfigLoader.load(cfg))) {
            Thread loop = new Thread(() -> {
                try {
                    service.run();
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "test-service");
            loop.start();
            assertTrue(await(() -> metrics(health).get("crackcam_frames_processed_total") >= 5, 60_000),
                    "frames through the detector: " + metrics(health) + " " + failure.get());
            assertEquals(200, healthz(health));
            Map<String, Double> m = metrics(health);
            assertEquals(0.0, m.get("crackcam_position_fix"), "no gpsd, no position");
            assertEquals(0.0, m.get("crackcam_frames_positioned_total"));
            assertTrue(m.get("crackcam_frames_skipped_total") + m.get("crackcam_frames_dropped_total") > 0,
                    "15 fps cannot all be processed at ≤ 4 fps: sampled away or dropped, and counted");
            double reconnects = m.get("crackcam_source_reconnects_total");

            kill(server);
            assertTrue(await(() -> healthz(health) == 503, 30_000), "unhealthy while the camera is gone");
            assertTrue(await(() -> metrics(health).get("crackcam_source_reconnects_total") >= reconnects + 1, 30_000));
            server = rtspServer(rtsp, video);
            double before = metrics(health).get("crackcam_frames_processed_total");
            assertTrue(await(() -> metrics(health).get("crackcam_frames_processed_total") >= before + 5, 60_000),
                    "processing again after the server restart");
            assertEquals(200, healthz(health));
            // and at its rate again: the sampler's schedule follows the capture clock across the reconnect
            double p0 = metrics(health).get("crackcam_frames_processed_total");
            Thread.sleep(5000);
            double rate = (metrics(health).get("crackcam_frames_processed_total") - p0) / 5;
            System.out.printf("rtsp service after the restart: %.1f frames/s processed (target 4)%n", rate);
            assertTrue(rate >= 0.4 * 4 && rate <= 4 * 1.25, "processed rate after the restart: " + rate);
            m = metrics(health);
            System.out.printf("rtsp service (%s): processed %.0f, with crack %.0f, skipped %.0f, dropped %.0f, "
                            + "reconnects %.0f%n", drive ? "synthetic e2e drive" : "testsrc",
                    m.get("crackcam_frames_processed_total"), m.get("crackcam_frames_with_crack_total"),
                    m.get("crackcam_frames_skipped_total"), m.get("crackcam_frames_dropped_total"),
                    m.get("crackcam_source_reconnects_total"));
            if (drive && trainedBundle()) {
                assertTrue(m.get("crackcam_frames_with_crack_total") > 0, "cracks in the synthetic drive");
            }
            assertTrue(m.get("crackcam_frames_captured_total") >= m.get("crackcam_frames_processed_total")
                    + m.get("crackcam_frames_skipped_total"), "conservation: captured ≥ processed + skipped");

            service.requestStop();
            loop.join(15_000);
            assertTrue(!loop.isAlive(), "loop stops after the current frame");
            assertEquals(null, failure.get());
        } finally {
            kill(server);
        }
    }

    @Test
    void fileReplayWithSrtPositionsAndSamplingEndsByItself() throws Exception {
        assumeTrue(Files.isDirectory(BUNDLE), "no model bundle");
        assumeTrue(onPath("ffmpeg"), "ffmpeg missing");
        Path video = video(dir, 4); // 60 frames at 15 fps
        StringBuilder srt = new StringBuilder();
        for (int s = 0; s < 5; s++) {
            srt.append(s + 1).append('\n').append(String.format("00:00:%02d,000 --> 00:00:%02d,000%n", s, s + 1))
                    .append(String.format("2026/05/01 08:30:%02d N:48.%06d E:11.500000 36 km/h%n%n", s, 100000 + s * 100));
        }
        Files.writeString(dir.resolve("drive.srt"), srt);
        Path cfg = dir.resolve("replay.yaml");
        Files.writeString(cfg, String.join("\n",
                "device:", "  id: test-van",
                "camera:", "  kind: file", "  url: " + video.getFileName(),
                "model:", "  bundle: " + BUNDLE, "  threads: 1", "  state_dir: state",
                "sampling:", "  mode: every_frames", "  every_frames: 6",
                "gps:", "  source: file", "  file: drive.srt", "  max_gap_s: 2",
                "mqtt:", "  enabled: false",
                "outbox:", "  dir: outbox",
                "health:", "  enabled: false", ""));
        try (ServiceRunner service = ServiceRunner.open(ConfigLoader.load(cfg))) {
            service.run(); // a non-looping file ends the loop
            var m = service.metrics();
            assertEquals(10, m.processed(), "60 frames, every 6th");
            assertEquals(50, m.skipped());
            assertEquals(10, m.positioned(), "every frame lies inside the SRT track");
            assertEquals(0, m.dropped(), "a replay waits for the loop instead of dropping");
            assertTrue(Files.isDirectory(dir.resolve("outbox")));
        }
    }

    static String healthzBody(int port) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/healthz")).build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /** A looping, real-time file camera (device-config style) on a 2 s synthetic video, target_fps sampling. */
    private Path loopingFileConfig(Path video, int health, double targetFps, double stallAfterS) throws IOException {
        Path cfg = dir.resolve("loop.yaml");
        Files.writeString(cfg, String.join("\n",
                "device:", "  id: test-van",
                "camera:", "  kind: file", "  url: " + video.getFileName(), "  loop: true", "  realtime: true",
                "model:", "  bundle: " + BUNDLE, "  threads: 1", "  state_dir: state",
                "sampling:", "  mode: target_fps", "  target_fps: " + targetFps,
                "mqtt:", "  enabled: false", "outbox:", "  dir: outbox",
                "health:", "  port: " + health, "  stale_after_s: 60", "  stall_after_s: " + stallAfterS,
                "shutdown:", "  timeout_s: 5", ""));
        return cfg;
    }

    /**
     * Issue 14: a looped file restarts its timestamps at 0. The target-rate sampler re-bases on
     * each restart, so processed frames keep growing at the target rate through every loop (the
     * old sampler processed the first loop's frames and skipped every frame after it while
     * /healthz said ok).
     */
    @Test
    void loopingFileCameraKeepsItsTargetRateAfterEachRestart() throws Exception {
        assumeTrue(Files.isDirectory(BUNDLE), "no model bundle");
        assumeTrue(onPath("ffmpeg"), "ffmpeg missing");
        video(dir, 2); // 30 frames at 15 fps, timestamps 0..1.93 s, then again from 0
        int health = freePort();
        double fps = 2;
        Path cfg = loopingFileConfig(dir.resolve("synthetic-testsrc.mp4"), health, fps, 5);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (ServiceRunner service = ServiceRunner.open(ConfigLoader.load(cfg))) {
            Thread loop = new Thread(() -> {
                try {
                    service.run();
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "test-service");
            loop.start();
            var m = service.metrics();
            assertTrue(await(() -> m.processed() >= 2, 60_000), "first frames: " + failure.get());
            // four windows of 4 s: each spans two restarts of the file's timestamps
            for (int w = 0; w < 4; w++) {
                long p0 = m.processed();
                long r0 = m.clockResets();
                Thread.sleep(4000);
                long got = m.processed() - p0;
                System.out.printf("looping file, window %d: %d frames processed in 4 s (target %.0f fps), "
                        + "%d restarts, healthz %d%n", w, got, fps, m.clockResets() - r0, healthz(health));
                assertTrue(got >= 0.5 * fps * 4 && got <= fps * 4 + 1,
                        "window " + w + ": " + got + " frames at a target of " + fps + " fps over 4 s");
                assertTrue(m.clockResets() - r0 >= 1, "the 2 s file restarted within 4 s");
                assertEquals(200, healthz(health), healthzBody(health));
            }
            assertEquals(m.clockResets(), metrics(health).get("crackcam_sampling_resets_total"));
            service.requestStop();
            loop.join(15_000);
            assertEquals(null, failure.get());
        }
    }

    /**
     * /healthz turns unhealthy when frames arrive but none is processed (here: a processor that
     * blocks on purpose), says why, and turns healthy again when processing resumes.
     */
    @Test
    void stalledProcessingTurnsHealthzUnhealthy() throws Exception {
        assumeTrue(onPath("ffmpeg"), "ffmpeg missing");
        video(dir, 2);
        int health = freePort();
        Path cfg = loopingFileConfig(dir.resolve("synthetic-testsrc.mp4"), health, 5, 1.5);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicLong calls = new java.util.concurrent.atomic.AtomicLong();
        org.crackcam.pipeline.DetectionListener blocking = new org.crackcam.pipeline.DetectionListener() {
            @Override
            public void onFrame(org.crackcam.pipeline.FrameResult r) {
                if (calls.incrementAndGet() == 4) {
                    try {
                        release.await(); // stalls the loop on purpose
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }

            @Override
            public void onEnd() {
            }
        };
        // sd_notify through a stand-in for systemd-notify that records its arguments
        Path notifyLog = dir.resolve("notify.log");
        Path notify = dir.resolve("fake-systemd-notify");
        Files.writeString(notify, "#!/bin/sh\necho \"$@\" >> '" + notifyLog + "'\n");
        notify.toFile().setExecutable(true);
        SystemdNotifier notifier = new SystemdNotifier(Map.of("NOTIFY_SOCKET", "fake-socket", "WATCHDOG_USEC", "1000000"),
                notify.toString());
        Check watchdogs = () -> Files.exists(notifyLog)
                && Files.readAllLines(notifyLog).stream().filter(l -> l.contains("WATCHDOG=1")).count() > 0;
        try (ServiceRunner service = ServiceRunner.open(ConfigLoader.load(cfg), notifier, List.of(blocking))) {
            Thread loop = new Thread(() -> {
                try {
                    service.run();
                } catch (InterruptedException ignored) {
                    // stopped
                }
            }, "test-service");
            loop.start();
            assertTrue(await(() -> calls.get() >= 4, 30_000));
            assertTrue(await(() -> healthz(health) == 503, 10_000), "unhealthy once stalled > 1.5 s");
            String body = healthzBody(health);
            assertTrue(body.contains("frames arrive but none processed"), body);
            assertTrue(metrics(health).get("crackcam_processing_stalled_seconds") > 1.5);
            assertTrue(watchdogs.holds(), "WATCHDOG=1 sent while frames were processed");
            Thread.sleep(1500); // let the sender thread finish what was queued before the stall
            long fed = Files.readAllLines(notifyLog).stream().filter(l -> l.contains("WATCHDOG=1")).count();
            Thread.sleep(1500); // three watchdog intervals of 0.5 s, still stalled
            assertEquals(fed, Files.readAllLines(notifyLog).stream().filter(l -> l.contains("WATCHDOG=1")).count(),
                    "no WATCHDOG=1 while processing is stalled");
            release.countDown();
            assertTrue(await(() -> healthz(health) == 200, 10_000), "healthy again: " + healthzBody(health));
            assertTrue(await(() -> Files.readAllLines(notifyLog).stream().filter(l -> l.contains("WATCHDOG=1"))
                    .count() > fed, 10_000), "fed again once frames are processed");
            service.requestStop();
            loop.join(15_000);
        }
    }

    /**
     * A camera whose frame size is known only at the first frame (here a file camera opened
     * without the start-up check): an ROI that holds no tile in that frame ends the run with one
     * CONFIGURATION error, instead of an error logged for every frame.
     */
    @Test
    void roiThatHoldsNoTileStopsTheRunAtTheFirstFrame() throws Exception {
        assumeTrue(onPath("ffmpeg"), "ffmpeg missing");
        video(dir, 2);
        Path cfg = dir.resolve("roi.yaml");
        Files.writeString(cfg, String.join("\n",
                "device:", "  id: test-van",
                "camera:", "  kind: file", "  url: synthetic-testsrc.mp4", "  loop: true",
                "tiles:", "  roi: \"rect:0.1,0.5,0.12,0.9\"", "  rows: 2",
                "model:", "  bundle: " + BUNDLE,
                "mqtt:", "  enabled: false", "outbox:", "  dir: outbox", "health:", "  enabled: false", ""));
        ServiceConfig config = ConfigLoader.load(cfg);
        // the real detector, opened without the start-up check: it meets the ROI at the first frame
        try (ServiceRunner service = ServiceRunner.open(config, new SystemdNotifier(Map.of(), "true"), List.of())) {
            var e = org.junit.jupiter.api.Assertions.assertThrows(org.crackcam.pipeline.CrackcamException.class,
                    service::run);
            org.junit.jupiter.api.Assertions.assertInstanceOf(org.crackcam.settings.InvalidSettingException.class, e);
            assertTrue(e.getMessage().contains("frame 320x240") && e.getMessage().contains("too small"),
                    e.getMessage());
            assertEquals(0, service.metrics().processed());
            assertEquals(0, service.metrics().errors(), "one error for the run, not one per frame");
        }
        // the real start-up path finds it before the model loads (file camera: size known)
        var e = org.junit.jupiter.api.Assertions.assertThrows(org.crackcam.pipeline.CrackcamException.class,
                () -> ServiceRunner.open(config));
        assertTrue(e.getMessage().contains("camera frame 320x240"), e.getMessage());
    }

    /** An outbox that cannot be written is found when the service starts, not at its first alert. */
    @Test
    void unwritableOutboxIsFoundAtStartUp() throws Exception {
        assumeTrue(onPath("ffmpeg"), "ffmpeg missing");
        video(dir, 1);
        Files.writeString(dir.resolve("not-a-dir"), "x");
        Path cfg = dir.resolve("outbox.yaml");
        Files.writeString(cfg, String.join("\n",
                "device:", "  id: test-van",
                "camera:", "  kind: file", "  url: synthetic-testsrc.mp4",
                "model:", "  bundle: " + BUNDLE,
                "mqtt:", "  enabled: false", "outbox:", "  dir: not-a-dir/outbox", "health:", "  enabled: false", ""));
        var e = org.junit.jupiter.api.Assertions.assertThrows(org.crackcam.pipeline.CrackcamException.class,
                () -> ServiceRunner.open(ConfigLoader.load(cfg), new SystemdNotifier(Map.of(), "true"), List.of()));
        org.junit.jupiter.api.Assertions.assertInstanceOf(org.crackcam.delivery.DeliveryException.class, e);
        assertTrue(e.getMessage().contains("outbox") && e.getMessage().contains("cannot create"), e.getMessage());
    }

    @Test
    void missingCameraKeepsTheServiceUpAndUnhealthy() throws Exception {
        assumeTrue(Files.isDirectory(BUNDLE), "no model bundle");
        int health = freePort();
        Path cfg = dir.resolve("nocam.yaml");
        Files.writeString(cfg, String.join("\n",
                "device:", "  id: test-van",
                "camera:", "  kind: v4l2", "  device: /dev/video-missing",
                "  reconnect:", "    initial_ms: 50", "    max_ms: 200",
                "model:", "  bundle: " + BUNDLE, "  threads: 1", "  state_dir: state",
                "mqtt:", "  enabled: false", "outbox:", "  dir: outbox",
                "health:", "  port: " + health, ""));
        try (ServiceRunner service = ServiceRunner.open(ConfigLoader.load(cfg))) {
            Thread loop = new Thread(() -> {
                try {
                    service.run();
                } catch (InterruptedException ignored) {
                    // stopped
                }
            });
            loop.start();
            assertTrue(await(() -> metrics(health).get("crackcam_source_reconnects_total") >= 3, 20_000));
            assertEquals(503, healthz(health));
            assertEquals(0.0, metrics(health).get("crackcam_source_connected"));
            service.requestStop();
            loop.join(10_000);
            assertTrue(!loop.isAlive());
        }
    }
}
