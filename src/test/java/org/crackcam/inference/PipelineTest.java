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
import org.crackcam.settings.TilingSettings;
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
             Detector d = new Detector(b, TilingSettings.DEFAULTS);
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
             Detector d = new Detector(b, new TilingSettings(org.crackcam.tiles.Roi.DEFAULT, 2, 0));
             FileFrameSource s = FileFrameSource.open(cut, new FrameSelector(4, 0))) {
            var e = assertThrows(CrackcamException.class, () -> new Pipeline(s, d, List.of(rec), null, false).run());
            org.junit.jupiter.api.Assertions.assertInstanceOf(org.crackcam.capture.UnreadableInputException.class, e);
        }
        assertTrue(rec.frames.size() > 0, "frames before the cut were delivered");
        assertEquals(1, rec.ends);
    }

    /** Per frame: index, probabilities, mask area; and whether frame pixels or batch changed under a listener. */
    static final class Snapshot implements DetectionListener {
        final Detector detector;
        final List<String> rows = new ArrayList<>();
        String problem;

        Snapshot(Detector detector) {
            this.detector = detector;
        }

        @Override
        public void onFrame(FrameResult r) {
            java.nio.FloatBuffer b = detector.lastBatch().duplicate();
            int bh = hash(b);
            int fh = java.util.Arrays.hashCode(r.frameBgr());
            try {
                Thread.sleep(15); // a slow listener: the packer runs ahead meanwhile
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (bh != hash(b) || fh != java.util.Arrays.hashCode(r.frameBgr())) {
                problem = "frame " + r.frameIndex() + ": batch or pixels changed while a listener used them";
            }
            StringBuilder row = new StringBuilder().append(r.frameIndex());
            for (TileResult t : r.tiles()) {
                row.append(' ').append(t.probability());
            }
            int area = 0;
            if (r.crackMask() != null) {
                for (byte m : r.crackMask()) {
                    area += m;
                }
            }
            rows.add(row.append(" mask ").append(area).toString());
        }

        static int hash(java.nio.FloatBuffer b) {
            int h = 1;
            for (int i = 0; i < b.limit(); i++) {
                h = 31 * h + Float.floatToIntBits(b.get(i));
            }
            return h;
        }

        @Override
        public void onEnd() {
        }
    }

    @Test
    void packingAheadGivesTheSameResultsAsPackingInlineAndKeepsTheFrameWhileListenersRun(@TempDir Path tmp)
            throws Exception {
        Path v = TestVideos.ffmpeg(tmp.resolve("v.mp4"), "-f", "lavfi", "-i", "testsrc=size=960x540:rate=15",
                "-t", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p");
        try (ModelBundle b = ModelBundle.open(TestBundles.EDGE_SYNTHETIC, RuntimeOptions.defaults())) {
            Snapshot inline;
            try (Detector d = new Detector(b, TilingSettings.DEFAULTS);
                 FileFrameSource s = FileFrameSource.open(v, FrameSelector.all())) {
                inline = new Snapshot(d);
                new Pipeline(s, d, List.of(inline), null, false).run();
            }
            Snapshot ahead;
            List<Long> tilingOnPackingThread = new ArrayList<>();
            try (FileFrameSource s = FileFrameSource.open(v, FrameSelector.all());
                 Detector d = new Detector(b, TilingSettings.DEFAULTS);
                 PackingPrefetcher p = PackingPrefetcher.of(s, d, 2)) {
                ahead = new Snapshot(d);
                Pipeline.Summary sum = new Pipeline(p, d, List.of(ahead), (r, t, dec) -> tilingOnPackingThread.add(t.tilingNanos),
                        false).run();
                assertEquals(15, sum.framesProcessed());
            }
            assertEquals(15, inline.rows.size());
            assertEquals(inline.rows, ahead.rows, "same frames, same probabilities, same masks");
            assertEquals(null, ahead.problem);
            assertTrue(tilingOnPackingThread.stream().allMatch(n -> n > 0), "tiling time reported");
        }
    }
}
