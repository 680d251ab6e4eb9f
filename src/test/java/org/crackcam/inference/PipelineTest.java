package org.crackcam.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.crackcam.bundle.ModelBundle;
import org.crackcam.bundle.RuntimeOptions;
import org.crackcam.bundle.TestBundles;
import org.crackcam.capture.FileFrameSource;
import org.crackcam.capture.FrameSelector;
import org.crackcam.capture.TestVideos;
import org.crackcam.pipeline.CrackcamException;
import org.crackcam.pipeline.DetectionListener;
import org.crackcam.pipeline.FrameResult;
import org.crackcam.pipeline.TileResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The detection loop with the shipped bundle on real video: listener contract and frame results. */
class PipelineTest {

    static final class Recorder implements DetectionListener {
        final List<Long> frames = new ArrayList<>();
        int ends;
        String problem;

        @Override
        public void onFrame(FrameResult r) {
            frames.add(r.frameIndex());
            if (r.tiles().size() != 12) {
                problem = "tiles " + r.tiles().size();
            }
            boolean anyFlagged = r.tiles().stream().anyMatch(TileResult::flagged);
            if (anyFlagged != (r.crackMask() != null)) {
                problem = "crackMask must be non-null exactly when a tile is flagged";
            }
            if (r.crackMask() != null && r.crackMask().length != r.width() * r.height()) {
                problem = "mask size";
            }
            for (TileResult t : r.tiles()) {
                if (t.probability() < 0 || t.probability() > 1) {
                    problem = "probability " + t.probability();
                }
            }
        }

        @Override
        public void onEnd() {
            ends++;
        }
    }

    @Test
    void listenersGetEveryFrameInOrderThenOneEnd(@TempDir Path tmp) throws Exception {
        Path v = TestVideos.ffmpeg(tmp.resolve("v.mp4"), "-f", "lavfi", "-i", "testsrc=size=960x540:rate=15",
                "-t", "0.6", "-c:v", "libx264", "-pix_fmt", "yuv420p");
        Recorder rec = new Recorder();
        try (ModelBundle b = ModelBundle.open(TestBundles.EDGE_SYNTHETIC, RuntimeOptions.defaults());
             Detector d = new Detector(b, Detector.TilingConfig.defaults());
             FileFrameSource s = FileFrameSource.open(v, new FrameSelector(2, 0))) {
            Pipeline.Summary sum = new Pipeline(s, d, List.of(rec), null, false).run();
            assertEquals(5, sum.framesProcessed());
        }
        assertEquals(List.of(0L, 2L, 4L, 6L, 8L), rec.frames);
        assertEquals(1, rec.ends);
        assertEquals(null, rec.problem);
    }

    @Test
    void decodeErrorEndsListenersAndIsRethrown(@TempDir Path tmp) throws Exception {
        Path cut = TestVideos.truncate(TestVideos.noisyH264(tmp.resolve("n.mp4")), tmp.resolve("cut.mp4"), 0.4);
        Recorder rec = new Recorder();
        try (ModelBundle b = ModelBundle.open(TestBundles.EDGE_SYNTHETIC, RuntimeOptions.defaults());
             Detector d = new Detector(b, new Detector.TilingConfig(org.crackcam.tiles.Roi.DEFAULT, 2, 0));
             FileFrameSource s = FileFrameSource.open(cut, new FrameSelector(4, 0))) {
            var e = assertThrows(CrackcamException.class, () -> new Pipeline(s, d, List.of(rec), null, false).run());
            assertEquals(CrackcamException.Kind.INPUT, e.kind());
        }
        assertTrue(rec.frames.size() > 0, "frames before the cut were delivered");
        assertEquals(1, rec.ends);
    }
}
