package org.crackcam.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relevance graph batched over the flagged tiles of several frames: every frame's result
 * (probabilities, explanation maps, mask, pixels) is the one of the unbatched run, delivered in
 * frame order, and the end of the stream and a decode error flush the frames still waiting.
 */
class RelevanceBatchingTest {

    static final Path DRIVE = Path.of("models/demo/drive.mp4");
    static ModelBundle bundle;

    @BeforeAll
    static void open() {
        bundle = ModelBundle.open(TestBundles.EDGE_SYNTHETIC, RuntimeOptions.defaults().withIntraOpThreads(1));
    }

    @org.junit.jupiter.api.AfterAll
    static void close() {
        bundle.close();
    }

    /** Per delivered frame: index, probabilities, hashes of the mask, the flagged tiles' maps and the pixels. */
    static final class Rows implements DetectionListener {
        final Detector detector;
        final List<String> rows = new ArrayList<>();
        int ends;
        String problem;
        long last = -1;

        Rows(Detector detector) {
            this.detector = detector;
        }

        @Override
        public void onFrame(FrameResult r) {
            if (r.frameIndex() <= last) {
                problem = "frame " + r.frameIndex() + " after " + last;
            }
            last = r.frameIndex();
            StringBuilder row = new StringBuilder().append(r.frameIndex());
            for (TileResult t : r.tiles()) {
                row.append(' ').append(t.probability());
            }
            row.append(" mask ").append(r.crackMask() == null ? "-" : Arrays.hashCode(r.crackMask()));
            List<float[]> maps = detector.explanations();
            for (int i = 0; i < maps.size(); i++) {
                if ((maps.get(i) != null) != r.tiles().get(i).flagged()) {
                    problem = "frame " + r.frameIndex() + ": explanation map of tile " + i;
                }
                row.append(maps.get(i) == null ? " -" : " " + Arrays.hashCode(maps.get(i)));
            }
            row.append(" pixels ").append(Arrays.hashCode(r.frameBgr()));
            rows.add(row.toString());
        }

        @Override
        public void onEnd() {
            ends++;
        }
    }

    record Run(Rows rows, List<Integer> runTiles, long frames, CrackcamException failure) {
    }

    static Run replay(Path video, FrameSelector selector, int batch) throws Exception {
        try (FileFrameSource s = FileFrameSource.open(video, selector);
             Detector d = new Detector(bundle, TilingSettings.DEFAULTS)) {
            d.relevanceBatching(batch);
            try (PackingPrefetcher p = PackingPrefetcher.of(s, d, 2)) {
                Rows rows = new Rows(d);
                List<Integer> runTiles = new ArrayList<>();
                Pipeline pl = new Pipeline(p, d, List.of(rows), (r, t, dec) -> {
                    if (t.relevanceRunTiles > 0) {
                        runTiles.add(t.relevanceRunTiles);
                    }
                }, false);
                try {
                    Pipeline.Summary sum = pl.run();
                    return new Run(rows, runTiles, sum.framesProcessed(), null);
                } catch (CrackcamException e) {
                    return new Run(rows, runTiles, rows.rows.size(), e);
                }
            }
        }
    }

    /** Equal lists; on a difference, names the first differing frame only (rows are long). */
    static void assertSameRows(List<String> want, List<String> got, String what) {
        for (int i = 0; i < Math.min(want.size(), got.size()); i++) {
            assertEquals(want.get(i), got.get(i), what + " (row " + i + ")");
        }
        assertEquals(want.size(), got.size(), what + ": frames delivered");
    }

    @Test
    void batchedResultsAreTheUnbatchedOnesInFrameOrderAndTheEndFlushes() throws Exception {
        FrameSelector every3 = new FrameSelector(3, 0); // 100 frames of the demo drive
        Run one = replay(DRIVE, every3, 1);
        Run eight = replay(DRIVE, every3, 8);
        assertEquals(100, one.frames());
        assertEquals(100, eight.frames(), "frames still waiting at the end are delivered");
        assertSameRows(one.rows().rows, eight.rows().rows, "same probabilities, maps, masks and pixels per frame");
        assertEquals(null, eight.rows().problem);
        assertEquals(1, eight.rows().ends);
        long flagged = one.runTiles().size();
        int tiles = one.runTiles().stream().mapToInt(Integer::intValue).sum();
        assertTrue(flagged > 20, "the drive has flagged frames: " + flagged);
        assertEquals(tiles, eight.runTiles().stream().mapToInt(Integer::intValue).sum(), "every flagged tile ran once");
        assertTrue(eight.runTiles().size() < flagged / 2, "runs batched over frames: " + eight.runTiles());
        assertTrue(eight.runTiles().stream().allMatch(n -> n <= 12), "at most max(8, tiles of one frame)");
    }

    @Test
    void aDecodeErrorDeliversTheFramesBeforeItThenEndsAndRethrows(@TempDir Path tmp) throws Exception {
        Path cut = TestVideos.truncate(Files.copy(DRIVE, tmp.resolve("drive.mp4")), tmp.resolve("cut.mp4"), 0.3);
        Run one = replay(cut, new FrameSelector(2, 0), 1);
        Run eight = replay(cut, new FrameSelector(2, 0), 8);
        assertTrue(one.failure() != null && eight.failure() != null, "the cut video fails");
        org.junit.jupiter.api.Assertions.assertInstanceOf(org.crackcam.capture.UnreadableInputException.class, eight.failure());
        assertTrue(one.rows().rows.size() > 10);
        assertSameRows(one.rows().rows, eight.rows().rows, "frames waiting for a batch when the error came are delivered");
        assertEquals(1, eight.rows().ends);
    }

    @Test
    void stopFlushesAndProcessRefusesWhileFramesWait() throws Exception {
        try (FileFrameSource s = FileFrameSource.open(DRIVE, FrameSelector.all());
             Detector d = new Detector(bundle, TilingSettings.DEFAULTS)) {
            d.relevanceBatching(8);
            assertEquals(8, d.maxPendingFrames());
            try (PackingPrefetcher p = PackingPrefetcher.of(s, d, 2)) {
                Rows rows = new Rows(d);
                Pipeline[] pl = new Pipeline[1];
                List<Integer> pendingAtDelivery = new ArrayList<>();
                pl[0] = new Pipeline(p, d, List.of(rows), (r, t, dec) -> {
                    pendingAtDelivery.add(d.pendingFrames());
                    assertThrows(IllegalStateException.class, () -> d.relevanceBatching(1), "not while delivering");
                    if (r.frameIndex() == 40) {
                        pl[0].stop();
                    }
                }, false);
                Pipeline.Summary sum = pl[0].run();
                assertEquals(rows.rows.size(), sum.framesProcessed());
                assertEquals(sum.lastFrameIndex() + 1, sum.framesProcessed(), "no frame lost");
                assertTrue(sum.framesProcessed() >= 41 && sum.framesProcessed() <= 48, "stops within 8 frames");
                assertEquals(0, d.pendingFrames());
                assertTrue(pendingAtDelivery.stream().allMatch(n -> n < 8), "at most 8 frames wait");
                assertEquals(null, rows.problem);
            }
        }
    }
}
