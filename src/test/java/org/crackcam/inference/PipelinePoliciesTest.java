package org.crackcam.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.crackcam.bundle.ModelBundle;
import org.crackcam.bundle.RuntimeOptions;
import org.crackcam.bundle.TestBundles;
import org.crackcam.capture.FileFrameSource;
import org.crackcam.capture.FrameSelector;
import org.crackcam.capture.TestVideos;
import org.crackcam.pipeline.DetectionListener;
import org.crackcam.pipeline.FrameResult;
import org.crackcam.settings.TilingSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loop's policies: failing listeners (stop or skip), back-pressure (drop-oldest, counted). */
class PipelinePoliciesTest {

    /** Throws a plain RuntimeException (not a CrackcamException) on frames from {@code from} on. */
    static final class Failing implements DetectionListener {
        final long from;
        int ends;

        Failing(long from) {
            this.from = from;
        }

        @Override
        public void onFrame(FrameResult r) {
            if (r.frameIndex() >= from) {
                throw new IllegalStateException("listener broke on frame " + r.frameIndex());
            }
        }

        @Override
        public void onEnd() {
            ends++;
        }
    }

    static Path video(Path tmp) throws Exception {
        return TestVideos.ffmpeg(tmp.resolve("v.mp4"), "-f", "lavfi", "-i", "testsrc=size=960x540:rate=15",
                "-t", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p");
    }

    @Test
    void aListenerErrorThatIsNotACrackcamExceptionStopsTheLoopAndEveryListenerStillGetsOnEnd(@TempDir Path tmp)
            throws Exception {
        Path v = video(tmp);
        PipelineTest.Recorder rec = new PipelineTest.Recorder();
        Failing failing = new Failing(3);
        try (ModelBundle b = ModelBundle.open(TestBundles.EDGE_SYNTHETIC, RuntimeOptions.defaults());
             Detector d = new Detector(b, TilingSettings.DEFAULTS);
             FileFrameSource s = FileFrameSource.open(v, FrameSelector.all())) {
            var e = assertThrows(IllegalStateException.class,
                    () -> new Pipeline(s, d, List.of(rec, failing), null, false).run());
            assertTrue(e.getMessage().contains("frame 3"), e.getMessage());
        }
        assertEquals(List.of(0L, 1L, 2L, 3L), rec.frames, "frames up to the failing one reached the first listener");
        assertEquals(1, rec.ends);
        assertEquals(1, failing.ends, "the failing listener is ended too");
    }

    @Test
    void underSkipAFailingListenerIsCountedAndTheOthersGetEveryFrame(@TempDir Path tmp) throws Exception {
        Path v = video(tmp);
        PipelineTest.Recorder rec = new PipelineTest.Recorder();
        Failing failing = new Failing(5);
        try (ModelBundle b = ModelBundle.open(TestBundles.EDGE_SYNTHETIC, RuntimeOptions.defaults());
             Detector d = new Detector(b, TilingSettings.DEFAULTS);
             FileFrameSource s = FileFrameSource.open(v, FrameSelector.all());
             PackingPrefetcher p = PackingPrefetcher.of(s, d, 2)) {
            Pipeline.Summary sum = new Pipeline(p, d, List.of(failing, rec), null, false,
                    Pipeline.Policies.live(java.time.Duration.ofMillis(50))).run();
            assertEquals(15, sum.framesProcessed());
            assertEquals(10, sum.skippedErrors(), "frames 5..14 failed in the listener");
        }
        assertEquals(15, rec.frames.size());
        assertEquals(1, rec.ends);
        assertEquals(1, failing.ends);
    }

    @Test
    void dropOldestDropsWhatTheConsumerIsTooSlowForAndCountsIt(@TempDir Path tmp) throws Exception {
        Path v = video(tmp);
        try (FileFrameSource s = FileFrameSource.open(v, FrameSelector.all());
             PackingPrefetcher p = new PackingPrefetcher(s, TilingSettings.DEFAULTS, 112, 112, 1, 1,
                     PackingPrefetcher.BackPressure.DROP_OLDEST)) {
            PackedFrame first = p.take();
            assertEquals(0, first.frame().index);
            Thread.sleep(1500); // the packing thread reads the whole second meanwhile
            p.release(first);
            long taken = 1;
            long last = 0;
            for (PackedFrame f = p.take(); f != null; f = p.take()) {
                assertTrue(f.frame().index > last, "still in order");
                last = f.frame().index;
                taken++;
                p.release(f);
            }
            assertTrue(p.dropped() > 0, "frames were dropped");
            assertEquals(15, taken + p.dropped(), "every frame is taken or counted as dropped");
            assertEquals(14, last, "the newest frame is kept");
        }
    }

    @Test
    void blockLosesNoFrame(@TempDir Path tmp) throws Exception {
        Path v = video(tmp);
        try (FileFrameSource s = FileFrameSource.open(v, FrameSelector.all());
             PackingPrefetcher p = new PackingPrefetcher(s, TilingSettings.DEFAULTS, 112, 112, 1, 1)) {
            PackedFrame first = p.take();
            Thread.sleep(500);
            p.release(first);
            long taken = 1;
            for (PackedFrame f = p.take(); f != null; f = p.take()) {
                taken++;
                p.release(f);
            }
            assertEquals(15, taken);
            assertSame(0L, p.dropped());
        }
    }
}
