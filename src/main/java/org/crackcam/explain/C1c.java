package org.crackcam.explain;

import java.nio.FloatBuffer;
import java.util.OptionalDouble;

import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * "Choice 1 Component" (docs/architecture.md, C1C): the explanation map (H×W) is shrunk to
 * {@code size × size} (INTER_AREA), binarised at its mean (or a fixed number), split into
 * 8-connected components ({@link Components}); the component holding the
 * arg-max pixel of the shrunk map (ties: the first in row-major order) is kept with its values
 * and everything else zeroed; the result is resized back to H×W (bilinear). The crack mask is
 * that map {@code > 0}.
 *
 * <p>Edge cases (tested):
 * <ul>
 *   <li>Binarisation is strict: a pixel is foreground when its value is {@code > threshold}.</li>
 *   <li>An empty map (H·W = 0) gives an empty result.</li>
 *   <li>A constant map (all-zero relevance included) has no pixel above its mean: the result is
 *       all zeros (empty mask).</li>
 *   <li>A single non-zero pixel survives as one component; after the bilinear resize back its
 *       mask covers roughly one shrunk cell (H/size pixels square) around it.</li>
 *   <li>Non-finite values (NaN, ±∞) count as 0.</li>
 *   <li>Kept values can be ≤ 0 (when the mean is negative); such pixels are not in the mask.</li>
 * </ul>
 *
 * <p>Not thread-safe (reuses native buffers); owns native memory: close it.
 */
public final class C1c implements AutoCloseable {

    private final int size;
    private final OptionalDouble fixedThreshold;
    private final Mat small;
    private final Mat kept;
    private final Size smallSize;
    private final float[] smallValues;
    private final byte[] binaryValues;
    private final Components components = new Components();
    private Mat full;
    private Size fullSize;
    private boolean closed;

    /** @param threshold a fixed binarisation threshold, or empty for the map's mean */
    public C1c(int size, OptionalDouble threshold) {
        if (size < 1) {
            throw new IllegalArgumentException("C1C size must be >= 1, got " + size);
        }
        this.size = size;
        this.fixedThreshold = threshold;
        this.small = new Mat(size, size, opencv_core.CV_32FC1);
        this.kept = new Mat(size, size, opencv_core.CV_32FC1);
        this.smallSize = new Size(size, size);
        this.smallValues = new float[size * size];
        this.binaryValues = new byte[size * size];
    }

    public int size() {
        return size;
    }

    /**
     * Applies C1C to {@code map} (row-major {@code h × w}) and writes the kept map, resized back
     * to {@code h × w}, into {@code out} (length ≥ h·w). Returns {@code out}.
     */
    public float[] apply(float[] map, int h, int w, float[] out) {
        if (closed) {
            throw new IllegalStateException("C1C is closed");
        }
        int n = h * w;
        if (n == 0) {
            return out;
        }
        Mat src = fullSize(h, w);
        keepSmall(map, h, w, src);
        ((FloatBuffer) kept.createBuffer()).put(0, smallValues, 0, size * size);
        opencv_imgproc.resize(kept, src, fullSize, 0, 0, opencv_imgproc.INTER_LINEAR);
        ((FloatBuffer) src.createBuffer()).get(0, out, 0, n);
        return out;
    }

    /**
     * The kept component on the shrunk {@code size × size} grid (values, zeros elsewhere),
     * row-major; valid until the next call. Computed by {@link #apply}; exposed for tests.
     */
    public float[] keptSmall() {
        return smallValues;
    }

    /** The reused full-size buffer (reallocated only when the map size changes). */
    private Mat fullSize(int h, int w) {
        if (full == null || full.rows() != h || full.cols() != w) {
            if (full != null) {
                full.close();
                fullSize.close();
            }
            full = new Mat(h, w, opencv_core.CV_32FC1);
            fullSize = new Size(w, h);
        }
        return full;
    }

    private void keepSmall(float[] map, int h, int w, Mat src) {
        int n = h * w;
        FloatBuffer fb = (FloatBuffer) src.createBuffer();
        for (int i = 0; i < n; i++) {
            float v = map[i];
            fb.put(i, Float.isFinite(v) ? v : 0f);
        }
        opencv_imgproc.resize(src, small, smallSize, 0, 0, opencv_imgproc.INTER_AREA);
        int m = size * size;
        ((FloatBuffer) small.createBuffer()).get(0, smallValues, 0, m);
        double threshold;
        if (fixedThreshold.isPresent()) {
            threshold = fixedThreshold.getAsDouble();
        } else {
            double sum = 0;
            for (int i = 0; i < m; i++) {
                sum += smallValues[i];
            }
            threshold = sum / m;
        }
        int argmax = 0;
        for (int i = 1; i < m; i++) {
            if (smallValues[i] > smallValues[argmax]) {
                argmax = i;
            }
        }
        if (!(smallValues[argmax] > threshold)) {
            java.util.Arrays.fill(smallValues, 0f);
            return;
        }
        for (int i = 0; i < m; i++) {
            binaryValues[i] = smallValues[i] > threshold ? (byte) 1 : 0;
        }
        components.label(binaryValues, size, size);
        int keep = components.labelAt(argmax);
        for (int i = 0; i < m; i++) {
            if (components.labelAt(i) != keep) {
                smallValues[i] = 0f;
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        small.close();
        kept.close();
        smallSize.close();
        if (full != null) {
            full.close();
            fullSize.close();
        }
    }
}
