package org.crackcam.explain;

import java.nio.ByteBuffer;
import java.nio.IntBuffer;

import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * The project's one connected-components labelling: the 8-connected components of a binary
 * mask, by OpenCV {@code connectedComponentsWithStats}. Used by C1C (the component holding the
 * arg-max), the crack-shaped mask (specks removed by size) and the tracker (a crack's parts in a
 * frame).
 *
 * <p>{@link #label} fills this object's label map and per-component statistics, valid until the
 * next call. Label 0 is the background; components are numbered 1..{@code count()-1} in the
 * order OpenCV finds them (callers must not depend on it).
 *
 * <p>Not thread-safe (reuses its Java arrays); the native buffers are made and freed inside each
 * call, so there is nothing to close.
 */
public final class Components {

    private int[] labels = new int[0];
    private int[] stats = new int[0];
    private int count;
    private int width;

    /**
     * Labels the 8-connected components of {@code mask} (row-major {@code h × w}; non-zero is
     * foreground). Returns the number of labels including the background.
     */
    public int label(byte[] mask, int h, int w) {
        int n = h * w;
        if (mask.length < n) {
            throw new IllegalArgumentException("mask holds " + mask.length + " values, need " + n + " (" + h + "x" + w + ")");
        }
        width = w;
        if (n == 0) {
            count = 1;
            return count;
        }
        if (labels.length < n) {
            labels = new int[n];
        }
        try (Mat m = new Mat(h, w, opencv_core.CV_8UC1); Mat lab = new Mat(); Mat st = new Mat();
             Mat centroids = new Mat()) {
            ((ByteBuffer) m.createBuffer()).put(0, mask, 0, n);
            count = opencv_imgproc.connectedComponentsWithStats(m, lab, st, centroids, 8, opencv_core.CV_32S);
            ((IntBuffer) lab.createBuffer()).get(0, labels, 0, n);
            int k = count * opencv_imgproc.CC_STAT_MAX;
            if (stats.length < k) {
                stats = new int[k];
            }
            ((IntBuffer) st.createBuffer()).get(0, stats, 0, k);
        }
        return count;
    }

    /** Number of labels of the last call, background included. */
    public int count() {
        return count;
    }

    /** The label of pixel {@code i} (row-major) in the last call; 0 = background. */
    public int labelAt(int i) {
        return labels[i];
    }

    /** The label of pixel ({@code x}, {@code y}) in the last call; 0 = background. */
    public int labelAt(int x, int y) {
        return labels[y * width + x];
    }

    /** Pixels of component {@code c}. */
    public int area(int c) {
        return stat(c, opencv_imgproc.CC_STAT_AREA);
    }

    /** Leftmost column of component {@code c}. */
    public int left(int c) {
        return stat(c, opencv_imgproc.CC_STAT_LEFT);
    }

    /** Top row of component {@code c}. */
    public int top(int c) {
        return stat(c, opencv_imgproc.CC_STAT_TOP);
    }

    /** Width of component {@code c}'s bounding box. */
    public int width(int c) {
        return stat(c, opencv_imgproc.CC_STAT_WIDTH);
    }

    /** Height of component {@code c}'s bounding box. */
    public int height(int c) {
        return stat(c, opencv_imgproc.CC_STAT_HEIGHT);
    }

    private int stat(int c, int which) {
        if (c < 0 || c >= count) {
            throw new IndexOutOfBoundsException("component " + c + " of " + count);
        }
        return stats[c * opencv_imgproc.CC_STAT_MAX + which];
    }
}
