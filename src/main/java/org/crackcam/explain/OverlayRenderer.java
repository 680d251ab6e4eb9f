package org.crackcam.explain;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import org.crackcam.pipeline.OutputException;
import org.crackcam.pipeline.TileResult;

/**
 * Renders an overlay of one frame: the explanation heat map (JET colour map of the positive
 * explanation, blended) on flagged tiles, the C1C region's outline (green), the crack-shaped
 * mask ({@link CrackMask}) painted magenta, tile boxes (red when flagged, grey otherwise) with
 * p(crack), and an optional label (e.g. "SYNTHETIC DATA"). Written as JPEG or PNG by the file's
 * extension.
 */
public final class OverlayRenderer {

    private static final Scalar RED = new Scalar(40, 40, 230, 0);
    private static final Scalar GREY = new Scalar(170, 170, 170, 0);
    private static final Scalar GREEN = new Scalar(60, 230, 60, 0);
    private static final Scalar WHITE = new Scalar(255, 255, 255, 0);
    private static final Scalar BLACK = new Scalar(0, 0, 0, 0);
    /** Crack-shaped mask colour (BGR magenta) and its opacity. */
    private static final int[] CRACK_BGR = {255, 0, 255};
    private static final double CRACK_ALPHA = 0.8;

    private OverlayRenderer() {
    }

    /**
     * Renders and writes an overlay.
     *
     * @param explanations per tile of {@code tiles} (same order): the H×W explanation map of a
     *                     flagged tile, or null
     * @param crackMask    frame mask (0/1), or null
     */
    public static void write(Path file, byte[] bgr, int width, int height, List<TileResult> tiles,
                             List<float[]> explanations, int mapHeight, int mapWidth, byte[] crackMask,
                             String label) {
        write(file, bgr, width, height, tiles, explanations, mapHeight, mapWidth, crackMask, null, label);
    }

    /**
     * As {@link #write(Path, byte[], int, int, List, List, int, int, byte[], String)} with the
     * crack-shaped mask painted too.
     *
     * @param regionMask frame C1C region mask (0/1, outlined), or null
     * @param crackShape frame crack-shaped mask (0/1, painted), or null
     */
    public static void write(Path file, byte[] bgr, int width, int height, List<TileResult> tiles,
                             List<float[]> explanations, int mapHeight, int mapWidth, byte[] regionMask,
                             byte[] crackShape, String label) {
        try (Mat img = render(bgr, width, height, tiles, explanations, mapHeight, mapWidth, regionMask, label)) {
            if (crackShape != null) {
                paint(img, crackShape, width, height);
            }
            writeImage(file, img);
        }
    }

    /** Paints the set pixels of a frame-sized 0/1 mask in the crack colour over {@code img} (BGR, same size). */
    private static void paint(Mat img, byte[] mask, int width, int height) {
        ByteBuffer px = img.createBuffer();
        int n = width * height;
        for (int i = 0; i < n; i++) {
            if (mask[i] != 0) {
                for (int c = 0; c < 3; c++) {
                    int v = px.get(3 * i + c) & 0xff;
                    px.put(3 * i + c, (byte) Math.round(v * (1 - CRACK_ALPHA) + CRACK_BGR[c] * CRACK_ALPHA));
                }
            }
        }
    }

    /** Writes an image; the extension (.png, .jpg) picks the format. */
    public static void writeImage(Path file, Mat img) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
        } catch (java.io.IOException e) {
            throw new OutputException("cannot create " + file.getParent(), e);
        }
        if (!opencv_imgcodecs.imwrite(file.toString(), img)) {
            throw new OutputException("cannot write image " + file);
        }
    }

    /** Renders an overlay into a new BGR Mat (the caller closes it). */
    public static Mat render(byte[] bgr, int width, int height, List<TileResult> tiles, List<float[]> explanations,
                             int mapHeight, int mapWidth, byte[] crackMask, String label) {
        Mat img = new Mat(height, width, opencv_core.CV_8UC3);
        img.data().put(bgr, 0, width * height * 3);
        for (int i = 0; i < tiles.size(); i++) {
            TileResult t = tiles.get(i);
            float[] map = explanations == null ? null : explanations.get(i);
            if (map != null) {
                blendHeat(img, t, map, mapHeight, mapWidth);
            }
        }
        if (crackMask != null) {
            drawOutline(img, crackMask, width, height);
        }
        double scale = Math.max(0.4, Math.min(1.0, width / 1600.0 + 0.2));
        for (TileResult t : tiles) {
            try (Point p1 = new Point(t.x(), t.y()); Point p2 = new Point(t.x() + t.size() - 1, t.y() + t.size() - 1)) {
                opencv_imgproc.rectangle(img, p1, p2, t.flagged() ? RED : GREY, t.flagged() ? 2 : 1,
                        opencv_imgproc.LINE_8, 0);
            }
            String text = String.format(Locale.ROOT, "%.2f", t.probability());
            try (Point org = new Point(t.x() + 4, t.y() + (int) (18 * scale) + 2)) {
                opencv_imgproc.putText(img, text, org, opencv_imgproc.FONT_HERSHEY_SIMPLEX, scale * 0.6,
                        BLACK, 3, opencv_imgproc.LINE_AA, false);
                opencv_imgproc.putText(img, text, org, opencv_imgproc.FONT_HERSHEY_SIMPLEX, scale * 0.6,
                        t.flagged() ? RED : WHITE, 1, opencv_imgproc.LINE_AA, false);
            }
        }
        if (label != null && !label.isEmpty()) {
            try (Point org = new Point(10, (int) (28 * scale) + 4)) {
                opencv_imgproc.putText(img, label, org, opencv_imgproc.FONT_HERSHEY_SIMPLEX, scale,
                        BLACK, 4, opencv_imgproc.LINE_AA, false);
                opencv_imgproc.putText(img, label, org, opencv_imgproc.FONT_HERSHEY_SIMPLEX, scale,
                        WHITE, 1, opencv_imgproc.LINE_AA, false);
            }
        }
        return img;
    }

    private static void blendHeat(Mat img, TileResult t, float[] map, int mh, int mw) {
        int n = mh * mw;
        float max = 0f;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, map[i]);
        }
        byte[] gray = new byte[n];
        if (max > 0f) {
            for (int i = 0; i < n; i++) {
                gray[i] = (byte) Math.round(Math.max(0f, map[i]) / max * 255f);
            }
        }
        try (Mat g = new Mat(mh, mw, opencv_core.CV_8UC1); Mat color = new Mat(); Mat scaled = new Mat();
             Size sz = new Size(t.size(), t.size()); Rect r = new Rect(t.x(), t.y(), t.size(), t.size());
             Mat roi = new Mat(img, r)) {
            g.data().put(gray);
            opencv_imgproc.applyColorMap(g, color, opencv_imgproc.COLORMAP_JET);
            opencv_imgproc.resize(color, scaled, sz, 0, 0, opencv_imgproc.INTER_LINEAR);
            opencv_core.addWeighted(roi, 0.55, scaled, 0.45, 0.0, roi);
        }
    }

    private static void drawOutline(Mat img, byte[] mask, int width, int height) {
        try (Mat m = new Mat(height, width, opencv_core.CV_8UC1); MatVector contours = new MatVector();
             Mat hierarchy = new Mat()) {
            ByteBuffer bb = m.createBuffer();
            bb.put(0, mask, 0, width * height);
            opencv_imgproc.findContours(m, contours, hierarchy, opencv_imgproc.RETR_EXTERNAL,
                    opencv_imgproc.CHAIN_APPROX_SIMPLE);
            opencv_imgproc.drawContours(img, contours, -1, GREEN, 2, opencv_imgproc.LINE_8, null, Integer.MAX_VALUE, null);
        }
    }

    /** Alert overlay: box colour (BGR yellow), crack tint (BGR red) and its strongest opacity. */
    private static final Scalar YELLOW = new Scalar(0, 255, 255, 0);
    private static final double ALERT_ALPHA = 0.75;

    /**
     * The overlay of one alert: the frame scaled down to at most {@code maxWidth} pixels wide
     * (INTER_AREA), the crack's mask pixels <em>inside its box</em> tinted red in proportion to
     * their share of each output pixel (3× share, capped, times 0.75), the box outlined in yellow.
     * Mask pixels outside the box (other cracks of the frame) are not painted.
     *
     * @param bgr  frame pixels (BGR, {@code height × width}), or null for a black frame
     * @param mask frame-sized 0/1 mask (crack-shaped, or the C1C region), or null for none
     * @return a new BGR Mat (the caller closes it)
     */
    public static Mat renderAlert(byte[] bgr, int width, int height, byte[] mask, int boxX, int boxY, int boxWidth,
                                  int boxHeight, int maxWidth) {
        int ow = Math.max(1, Math.min(maxWidth, width));
        int oh = Math.max(1, (int) Math.round((double) height * ow / width));
        Mat out = new Mat(oh, ow, opencv_core.CV_8UC3);
        try (Mat frame = new Mat(height, width, opencv_core.CV_8UC3); Mat crack = new Mat(height, width,
                opencv_core.CV_8UC1); Mat share = new Mat(); Size sz = new Size(ow, oh)) {
            ByteBuffer fb = frame.createBuffer();
            if (bgr != null) {
                fb.put(0, bgr, 0, width * height * 3);
            } else {
                frame.put(BLACK);
            }
            crack.put(BLACK);
            if (mask != null) {
                ByteBuffer cb = crack.createBuffer();
                int x0 = Math.max(0, boxX), x1 = Math.min(width, boxX + boxWidth);
                for (int y = Math.max(0, boxY); y < Math.min(height, boxY + boxHeight); y++) {
                    for (int x = x0; x < x1; x++) {
                        if (mask[y * width + x] != 0) {
                            cb.put(y * width + x, (byte) 255);
                        }
                    }
                }
            }
            opencv_imgproc.resize(frame, out, sz, 0, 0, opencv_imgproc.INTER_AREA);
            opencv_imgproc.resize(crack, share, sz, 0, 0, opencv_imgproc.INTER_AREA);
            ByteBuffer ob = out.createBuffer();
            ByteBuffer sb = share.createBuffer();
            for (int i = 0; i < ow * oh; i++) {
                int s = sb.get(i) & 0xff;
                if (s == 0) {
                    continue;
                }
                double a = Math.min(1.0, 3.0 * s / 255.0) * ALERT_ALPHA;
                for (int c = 0; c < 3; c++) {
                    int v = ob.get(3 * i + c) & 0xff;
                    ob.put(3 * i + c, (byte) Math.round(v * (1 - a) + (c == 2 ? 255 * a : 0)));
                }
            }
        }
        double scale = (double) ow / width;
        int rx = (int) Math.floor(boxX * scale);
        int ry = (int) Math.floor(boxY * scale);
        int rw = Math.max(1, (int) Math.ceil(boxWidth * scale));
        int rh = Math.max(1, (int) Math.ceil(boxHeight * scale));
        try (Point p1 = new Point(rx, ry); Point p2 = new Point(rx + rw, ry + rh)) {
            opencv_imgproc.rectangle(out, p1, p2, YELLOW, 1, opencv_imgproc.LINE_8, 0);
        }
        return out;
    }

    /** Writes a 0/1 mask as a black/white PNG. */
    public static void writeMask(Path file, byte[] mask, int width, int height) {
        byte[] px = new byte[width * height];
        for (int i = 0; i < px.length; i++) {
            px[i] = mask[i] != 0 ? (byte) 255 : 0;
        }
        try (Mat m = new Mat(height, width, opencv_core.CV_8UC1)) {
            m.data().put(px);
            writeImage(file, m);
        }
    }

    /**
     * Overlay of a whole image explained as one tile: heat map and mask stretched to the image,
     * the mask outline, p(crack) text. Returns the image-sized 0/1 mask (nearest-neighbour).
     */
    public static byte[] writeImageOverlay(Path file, Mat bgr, float[] explanation, float[] c1cMap, int mh, int mw,
                                           float probability, boolean flagged, String label) {
        return writeImageOverlay(file, bgr, explanation, c1cMap, null, mh, mw, probability, flagged, label).region();
    }

    /** The image-sized 0/1 masks of {@link #writeImageOverlay}: crack-shaped and C1C region. */
    public record ImageMasks(byte[] crack, byte[] region) {
    }

    /**
     * Overlay of a whole image explained as one tile: heat map stretched to the image, the C1C
     * region outlined, the crack-shaped mask ({@code crackShape}, H×W 0/1; null: none) painted,
     * p(crack) text. Returns both masks at image size (nearest-neighbour); without a crack-shaped
     * mask its slot holds the region.
     */
    public static ImageMasks writeImageOverlay(Path file, Mat bgr, float[] explanation, float[] c1cMap,
                                               byte[] crackShape, int mh, int mw, float probability, boolean flagged,
                                               String label) {
        int w = bgr.cols();
        int h = bgr.rows();
        byte[] mask = new byte[w * h];
        byte[] crack = crackShape == null ? mask : new byte[w * h];
        for (int y = 0; y < h; y++) {
            int v = (int) ((long) y * mh / h);
            for (int x = 0; x < w; x++) {
                int u = (int) ((long) x * mw / w);
                mask[y * w + x] = c1cMap[v * mw + u] > 0f ? (byte) 1 : 0;
                if (crackShape != null) {
                    crack[y * w + x] = crackShape[v * mw + u];
                }
            }
        }
        try (Mat img = bgr.clone()) {
            float max = 0f;
            for (float e : explanation) {
                max = Math.max(max, e);
            }
            byte[] gray = new byte[mh * mw];
            if (max > 0f) {
                for (int i = 0; i < gray.length; i++) {
                    gray[i] = (byte) Math.round(Math.max(0f, explanation[i]) / max * 255f);
                }
            }
            try (Mat g = new Mat(mh, mw, opencv_core.CV_8UC1); Mat color = new Mat(); Mat scaled = new Mat();
                 Size sz = new Size(w, h)) {
                g.data().put(gray);
                opencv_imgproc.applyColorMap(g, color, opencv_imgproc.COLORMAP_JET);
                opencv_imgproc.resize(color, scaled, sz, 0, 0, opencv_imgproc.INTER_LINEAR);
                opencv_core.addWeighted(img, 0.55, scaled, 0.45, 0.0, img);
            }
            drawOutline(img, mask, w, h);
            if (crackShape != null) {
                paint(img, crack, w, h);
            }
            String text = String.format(Locale.ROOT, "p(crack) %.2f%s", probability, flagged ? " FLAGGED" : "");
            double scale = Math.max(0.35, Math.min(1.0, w / 600.0));
            try (Point org = new Point(6, (int) (22 * scale) + 2)) {
                opencv_imgproc.putText(img, text, org, opencv_imgproc.FONT_HERSHEY_SIMPLEX, scale * 0.6, BLACK, 3,
                        opencv_imgproc.LINE_AA, false);
                opencv_imgproc.putText(img, text, org, opencv_imgproc.FONT_HERSHEY_SIMPLEX, scale * 0.6,
                        flagged ? RED : WHITE, 1, opencv_imgproc.LINE_AA, false);
            }
            if (label != null && !label.isEmpty()) {
                try (Point org = new Point(6, h - 8)) {
                    opencv_imgproc.putText(img, label, org, opencv_imgproc.FONT_HERSHEY_SIMPLEX, scale * 0.5, BLACK, 3,
                            opencv_imgproc.LINE_AA, false);
                    opencv_imgproc.putText(img, label, org, opencv_imgproc.FONT_HERSHEY_SIMPLEX, scale * 0.5, WHITE, 1,
                            opencv_imgproc.LINE_AA, false);
                }
            }
            writeImage(file, img);
        }
        return new ImageMasks(crack, mask);
    }
}
