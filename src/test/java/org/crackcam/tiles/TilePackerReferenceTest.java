package org.crackcam.tiles;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Random;

import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;
import org.crackcam.capture.VideoFrame;
import org.junit.jupiter.api.Test;

/**
 * The packer (resize, convertTo and split in OpenCV, straight into the direct buffer) against
 * two straightforward references on random frames:
 * <ul>
 *   <li>OpenCV {@code resize} of each tile, bytes read back, then the plain-Java BGR → planar
 *   RGB /255 loop ({@link TilePacker#toFloatsRgb}): the packer before it went native. Tolerance
 *   1e-6 absolute (the same float product; in practice bit-identical).</li>
 *   <li>A plain-Java bilinear resize (half-pixel centres, edge clamped, rounded to 8 bits):
 *   independent of OpenCV. Tolerance one 8-bit level (1/255), since OpenCV's bilinear resize of
 *   8-bit images uses 11-bit fixed-point weights.</li>
 * </ul>
 */
class TilePackerReferenceTest {

    private static final int H = 112;
    private static final int W = 112;

    @Test
    void matchesOpenCvResizePlusJavaConversionOnRandomFrames() {
        Random rnd = new Random(7);
        // Several grids (default, overlap, polygon, other frame sizes) through ONE packer, so a
        // change of grid and of frame size is exercised too; each frame packed twice.
        List<Case> cases = List.of(
                new Case(960, 540, Roi.DEFAULT, 2, 0.0),
                new Case(960, 540, Roi.DEFAULT, 2, 0.25),
                new Case(1280, 720, Roi.parse("poly:0.3,0.5;0.7,0.5;0.95,0.95;0.05,0.95"), 2, 0.0),
                new Case(640, 480, Roi.rect(0.0, 0.3, 1.0, 1.0), 3, 0.5),
                new Case(960, 540, Roi.DEFAULT, 2, 0.0));
        try (TilePacker packer = new TilePacker(H, W, 40)) {
            for (Case c : cases) {
                TileGrid g = TileGrid.compute(c.roi, c.w, c.h, c.rows, c.overlap);
                assertTrue(g.size() <= 40, "test grid fits the packer");
                for (int rep = 0; rep < 2; rep++) {
                    VideoFrame f = randomFrame(rnd, c.w, c.h);
                    FloatBuffer got = packer.pack(f, g);
                    assertEquals(g.size() * 3 * H * W, got.limit());
                    FloatBuffer want = referenceOpenCv(f, g);
                    float max = maxAbsDiff(got, want, g.size() * 3 * H * W);
                    assertTrue(max <= 1e-6f, c + ": max |packer − OpenCV reference| = " + max);
                    float maxJava = maxAbsDiff(got, referenceJava(f, g), g.size() * 3 * H * W);
                    assertTrue(maxJava <= 1f / 255f + 1e-6f,
                            c + ": max |packer − plain-Java bilinear| = " + maxJava * 255 + " levels");
                }
            }
        }
    }

    @Test
    void packMatMatchesTheReferenceForAnImageOfAnySize() {
        Random rnd = new Random(3);
        try (TilePacker packer = new TilePacker(H, W, 2);
             Mat img = new Mat(301, 197, opencv_core.CV_8UC3)) {
            byte[] px = new byte[301 * 197 * 3];
            rnd.nextBytes(px);
            img.data().put(px);
            packer.packMat(img, 1);
            FloatBuffer want = direct(3 * H * W);
            try (Mat r = new Mat(); Size s = new Size(W, H)) {
                opencv_imgproc.resize(img, r, s, 0, 0, opencv_imgproc.INTER_LINEAR);
                byte[] b = new byte[3 * H * W];
                r.data().get(b);
                TilePacker.toFloatsRgb(b, H, W, want, 0);
            }
            FloatBuffer slot1 = packer.buffer().duplicate();
            slot1.clear().position(3 * H * W);
            float max = maxAbsDiff(slot1.slice(), want, 3 * H * W);
            assertTrue(max <= 1e-6f, "max |packMat − reference| = " + max);
        }
    }

    private record Case(int w, int h, Roi roi, int rows, double overlap) {
    }

    private static VideoFrame randomFrame(Random rnd, int w, int h) {
        VideoFrame f = new VideoFrame();
        f.ensureSize(w, h);
        // smooth-ish content plus noise, so the bilinear weights matter
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = (y * w + x) * 3;
                f.bgr[p] = (byte) (x * 7 + rnd.nextInt(40));
                f.bgr[p + 1] = (byte) (y * 5 + rnd.nextInt(40));
                f.bgr[p + 2] = (byte) rnd.nextInt(256);
            }
        }
        return f;
    }

    private static FloatBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** OpenCV resize of each tile of a fresh Mat of the whole frame, then the plain-Java conversion. */
    private static FloatBuffer referenceOpenCv(VideoFrame f, TileGrid g) {
        FloatBuffer out = direct(g.size() * 3 * H * W);
        try (Mat frame = new Mat(f.height, f.width, opencv_core.CV_8UC3); Mat r = new Mat(); Size s = new Size(W, H)) {
            frame.data().put(f.bgr, 0, f.width * f.height * 3);
            byte[] b = new byte[3 * H * W];
            for (int i = 0; i < g.size(); i++) {
                Tile t = g.tiles().get(i);
                try (Rect rect = new Rect(t.x(), t.y(), t.size(), t.size()); Mat view = new Mat(frame, rect)) {
                    opencv_imgproc.resize(view, r, s, 0, 0, opencv_imgproc.INTER_LINEAR);
                }
                r.data().get(b);
                TilePacker.toFloatsRgb(b, H, W, out, i * 3 * H * W);
            }
        }
        return out;
    }

    /** Plain-Java bilinear (half-pixel centres, clamped at the tile's edges), rounded to 8 bits, /255. */
    private static FloatBuffer referenceJava(VideoFrame f, TileGrid g) {
        FloatBuffer out = direct(g.size() * 3 * H * W);
        int hw = H * W;
        for (int i = 0; i < g.size(); i++) {
            Tile t = g.tiles().get(i);
            double scale = t.size() / (double) W;
            for (int v = 0; v < H; v++) {
                double sy = Math.min(Math.max((v + 0.5) * scale - 0.5, 0), t.size() - 1);
                int y0 = (int) Math.floor(sy);
                int y1 = Math.min(y0 + 1, t.size() - 1);
                double wy = sy - y0;
                for (int u = 0; u < W; u++) {
                    double sx = Math.min(Math.max((u + 0.5) * scale - 0.5, 0), t.size() - 1);
                    int x0 = (int) Math.floor(sx);
                    int x1 = Math.min(x0 + 1, t.size() - 1);
                    double wx = sx - x0;
                    for (int c = 0; c < 3; c++) {
                        double a = px(f, t.x() + x0, t.y() + y0, c), b = px(f, t.x() + x1, t.y() + y0, c);
                        double d = px(f, t.x() + x0, t.y() + y1, c), e = px(f, t.x() + x1, t.y() + y1, c);
                        double val = (1 - wy) * ((1 - wx) * a + wx * b) + wy * ((1 - wx) * d + wx * e);
                        int plane = 2 - c; // B, G, R -> planes 2, 1, 0
                        out.put(i * 3 * hw + plane * hw + v * W + u, (int) Math.round(val) / 255f);
                    }
                }
            }
        }
        return out;
    }

    private static int px(VideoFrame f, int x, int y, int c) {
        return f.bgr[(y * f.width + x) * 3 + c] & 0xff;
    }

    private static float maxAbsDiff(FloatBuffer a, FloatBuffer b, int n) {
        float max = 0;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, Math.abs(a.get(i) - b.get(i)));
        }
        return max;
    }
}
