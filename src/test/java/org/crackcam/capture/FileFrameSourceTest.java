package org.crackcam.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.crackcam.pipeline.CrackcamException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileFrameSourceTest {

    @TempDir
    static Path tmp;
    static Path solid;
    static Path noisy;

    @BeforeAll
    static void videos() throws Exception {
        solid = TestVideos.solidH264(tmp.resolve("solid.mp4"), "3060C0");
        noisy = TestVideos.noisyH264(tmp.resolve("noisy.mp4"));
    }

    static List<long[]> readAll(Path p, FrameSelector sel) {
        List<long[]> out = new ArrayList<>();
        try (FileFrameSource s = FileFrameSource.open(p, sel)) {
            VideoFrame f = new VideoFrame();
            while (s.next(f)) {
                out.add(new long[] {f.index, f.timestampMicros});
            }
        }
        return out;
    }

    @Test
    void decodesEveryFrameAsBgrWithMicrosecondTimestamps() {
        try (FileFrameSource s = FileFrameSource.open(solid, FrameSelector.all())) {
            assertEquals(320, s.width());
            assertEquals(15.0, s.frameRate(), 1e-6);
            assertEquals(2_000_000, s.durationMicros(), 70_000);
            VideoFrame f = new VideoFrame();
            int n = 0;
            byte[] first = null;
            while (s.next(f)) {
                assertEquals(n, f.index);
                assertEquals(n * 1_000_000L / 15, f.timestampMicros, 1000, "timestamp of frame " + n);
                if (first == null) {
                    first = f.bgr;
                }
                assertTrue(first == f.bgr, "the frame buffer is reused");
                int p = (120 * 320 + 160) * 3;
                assertEquals(0xC0, f.bgr[p] & 0xff, 6, "blue");
                assertEquals(0x60, f.bgr[p + 1] & 0xff, 6, "green");
                assertEquals(0x30, f.bgr[p + 2] & 0xff, 6, "red");
                n++;
            }
            assertEquals(30, n);
        }
    }

    @Test
    void everyKthFrameAndTargetRate() {
        List<long[]> every3 = readAll(solid, new FrameSelector(3, 0));
        assertEquals(10, every3.size());
        for (int i = 0; i < every3.size(); i++) {
            assertEquals(3L * i, every3.get(i)[0]);
        }
        List<long[]> fps5 = readAll(solid, new FrameSelector(1, 5));
        assertEquals(10, fps5.size(), "15 fps -> 5 fps keeps every third frame");
        for (int i = 1; i < fps5.size(); i++) {
            assertEquals(200_000, fps5.get(i)[1] - fps5.get(i - 1)[1], 1000);
        }
    }

    @Test
    void h265InMatroskaDecodes() throws Exception {
        Path mkv = TestVideos.ffmpeg(tmp.resolve("h265.mkv"), "-f", "lavfi", "-i", "color=c=0x20A040:size=320x240:rate=10",
                "-t", "1", "-c:v", "libx265", "-pix_fmt", "yuv420p", "-x265-params", "log-level=none");
        List<long[]> frames = readAll(mkv, FrameSelector.all());
        assertEquals(10, frames.size());
    }

    @Test
    void missingFileIsOneClearInputError() {
        var e = assertThrows(CrackcamException.class, () -> FileFrameSource.open(tmp.resolve("nope.mp4"), FrameSelector.all()));
        org.junit.jupiter.api.Assertions.assertInstanceOf(org.crackcam.capture.UnreadableInputException.class, e);
        assertEquals("video " + tmp.resolve("nope.mp4") + ": file not found", e.getMessage());
    }

    @Test
    void textFileIsNotAVideo() throws Exception {
        Path txt = Files.writeString(tmp.resolve("notes.mp4"), "this is not a video\n".repeat(50));
        var e = assertThrows(CrackcamException.class, () -> FileFrameSource.open(txt, FrameSelector.all()));
        org.junit.jupiter.api.Assertions.assertInstanceOf(org.crackcam.capture.UnreadableInputException.class, e);
        assertTrue(e.getMessage().startsWith("video " + txt + ": not a readable video"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void truncatedFileDeliversTheFramesBeforeTheCutThenFails() throws Exception {
        Path cut = TestVideos.truncate(noisy, tmp.resolve("cut.mp4"), 0.5);
        List<Long> seen = new ArrayList<>();
        try (FileFrameSource s = FileFrameSource.open(cut, FrameSelector.all())) {
            VideoFrame f = new VideoFrame();
            var e = assertThrows(CrackcamException.class, () -> {
                while (s.next(f)) {
                    seen.add(f.index);
                }
            });
            org.junit.jupiter.api.Assertions.assertInstanceOf(org.crackcam.capture.UnreadableInputException.class, e);
            assertTrue(e.getMessage().contains("truncated or corrupt"), e.getMessage());
        }
        assertTrue(seen.size() >= 10 && seen.size() < 60, "frames before the cut: " + seen.size());
    }

    /** Decodes every frame; returns {frames, decode errors}. */
    static long[] decodeAll(Path p) {
        try (FileFrameSource s = FileFrameSource.open(p, FrameSelector.all())) {
            VideoFrame f = new VideoFrame();
            long n = 0;
            while (s.next(f)) {
                n++;
            }
            return new long[] {n, s.decodeErrors()};
        }
    }

    @Test
    void damageMidFileIsCountedAndAnIntactFileHasNone(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path intact = TestVideos.noisyH264(tmp.resolve("noisy.mp4"));
        long[] clean = decodeAll(intact);
        assertEquals(60, clean[0]);
        assertEquals(0, clean[1], "no decode errors in an intact file");
        Path bad = TestVideos.corruptMiddle(intact, tmp.resolve("corrupt.mp4"), 20_000);
        long[] damaged;
        try (FileFrameSource s = FileFrameSource.open(bad, FrameSelector.all())) {
            VideoFrame f = new VideoFrame();
            long n = 0;
            while (s.next(f)) {
                n++;
            }
            damaged = new long[] {n, s.decodeErrors()};
            System.out.println("corrupt mid-file: " + n + " frames, " + s.decodeErrors() + " with decode errors, first: "
                    + s.firstDecodeError());
            assertTrue(s.firstDecodeError() != null && s.firstDecodeError().startsWith("frame "), s.firstDecodeError());
        }
        assertTrue(damaged[1] > 0, "20 kB of garbage mid-file: decode errors counted");
        assertTrue(damaged[1] < damaged[0], "the decoder got past the damage");
    }
}
