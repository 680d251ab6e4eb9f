package org.crackcam.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.crackcam.bundle.ModelBundle;
import org.crackcam.bundle.RuntimeOptions;
import org.crackcam.capture.FrameSelector;
import org.crackcam.pipeline.DetectionListener;
import org.crackcam.pipeline.FrameResult;
import org.crackcam.pipeline.TileResult;
import org.crackcam.report.Replay;
import org.crackcam.settings.TilingSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service (a file as its camera, no sampling) and {@code replay} run the same frame loop: on
 * the same file they must produce the same detections, frame by frame — probabilities bit for
 * bit, the same C1C region mask and the same crack-shaped mask.
 */
class ServiceReplayParityTest {

    @TempDir
    Path dir;

    /** One line per frame: index, every tile's probability (exact bits), hashes of both masks. */
    static final class Rows implements DetectionListener {
        final List<String> rows = new ArrayList<>();
        int ends;

        @Override
        public void onFrame(FrameResult r) {
            StringBuilder b = new StringBuilder().append(r.frameIndex()).append(' ').append(r.width()).append('x')
                    .append(r.height());
            for (TileResult t : r.tiles()) {
                b.append(' ').append(Integer.toHexString(Float.floatToIntBits(t.probability())));
            }
            b.append(" mask=").append(r.crackMask() == null ? "-" : Integer.toHexString(Arrays.hashCode(r.crackMask())));
            b.append(" shape=").append(r.crackShape() == null ? "-" : Integer.toHexString(Arrays.hashCode(r.crackShape())));
            rows.add(b.toString());
        }

        @Override
        public void onEnd() {
            ends++;
        }
    }

    @Test
    void serviceOnAFileCameraDetectsExactlyWhatReplayDetects() throws Exception {
        assumeTrue(Files.isDirectory(ServiceRunnerTest.BUNDLE), "no model bundle");
        assumeTrue(ServiceRunnerTest.onPath("ffmpeg"), "ffmpeg missing");
        // SYNTHETIC: the first 2 s of the synthetic e2e drive (30 frames, 960x540), re-encoded
        Path video = dir.resolve("drive.mp4");
        Process p = new ProcessBuilder("ffmpeg", "-v", "error", "-y", "-i",
                ServiceRunnerTest.DRIVE.toAbsolutePath().toString(), "-t", "2", "-c:v", "libx264", "-pix_fmt",
                "yuv420p", video.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, log);

        Path cfg = dir.resolve("service.yaml");
        Files.writeString(cfg, String.join("\n",
                "device:", "  id: test-van",
                "camera:", "  kind: file", "  url: " + video.getFileName(),
                "model:", "  bundle: " + ServiceRunnerTest.BUNDLE, "  threads: 1", "  state_dir: state",
                "sampling:", "  mode: every_frames", "  every_frames: 1",
                "mqtt:", "  enabled: false", "outbox:", "  dir: outbox", "health:", "  enabled: false", ""));
        ServiceConfig config = ConfigLoader.load(cfg);
        Rows service = new Rows();
        try (ServiceRunner s = ServiceRunner.open(config, new SystemdNotifier(Map.of(), "true"), List.of(service))) {
            s.run(); // a non-looping file ends the loop
            assertEquals(0, s.metrics().dropped(), "a file camera waits for the loop");
            assertEquals(0, s.metrics().errors());
        }

        Rows replay = new Rows();
        TilingSettings tiling = config.tiles();
        try (ModelBundle b = ModelBundle.open(ServiceRunnerTest.BUNDLE, RuntimeOptions.defaults())) {
            Replay.Options o = new Replay.Options(video, dir.resolve("replay"), FrameSelector.all(), false, 0, false,
                    false, null);
            Replay.Result r = Replay.run(b, tiling, o, new PrintStream(PrintStream.nullOutputStream()), List.of(replay));
            assertEquals(null, r.failure());
        }

        assertEquals(30, replay.rows.size(), "every frame of the 2 s clip");
        assertTrue(replay.rows.stream().anyMatch(r -> !r.contains("mask=-")), "the clip has flagged frames");
        for (int i = 0; i < Math.min(service.rows.size(), replay.rows.size()); i++) {
            assertEquals(replay.rows.get(i), service.rows.get(i), "frame " + i);
        }
        assertEquals(replay.rows.size(), service.rows.size(), "frames delivered");
        assertEquals(1, service.ends);
        assertEquals(1, replay.ends);
    }
}
