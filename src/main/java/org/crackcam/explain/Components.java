package org.crackcam.explain;

import java.util.Arrays;

/**
 * The project's one connected-components labelling: the 8-connected components of a binary mask
 * with each component's bounding box and area. Used by C1C (the component holding the arg-max),
 * the crack-shaped mask (specks removed by size) and the tracker (a crack's parts in a frame).
 *
 * <p>A flood fill in Java rather than OpenCV's {@code connectedComponentsWithStats}, which it is
 * tested against ({@code ComponentsTest}): on random 112×112 masks (the shipped bundle's tile size)
 * OpenCV took 120–145 µs a mask on this project's shared 2-core machine against 76–138 µs here,
 * and its labels would have to be copied out of native memory and its Mats closed by every owner.
 *
 * <p>{@link #label} fills this object's label map and per-component statistics, valid until the
 * next call. Label 0 is the background; components are numbered 1..{@code count()-1} in row-major
 * order of their first pixel.
 *
 * <p>Not thread-safe (reuses its arrays); no native memory.
 */
public final class Components {

    private static final int LEFT = 0;
    private static final int TOP = 1;
    private static final int RIGHT = 2;
    private static final int BOTTOM = 3;
    private static final int AREA = 4;
    private static final int STATS = 5;

    private int[] labels = new int[0];
    private int[] stack = new int[0];
    private int[] stats = new int[STATS * 16];
    private int count;
    private int width;

    /**
     * Labels the 8-connected components of {@code mask} (row-major {@code h × w}; non-zero is
     * foreground). Returns the number of labels including the background.
     */
    public int label(byte[] mask, int h, int w) {
        int n = h * w;
        if (h < 0 || w < 0 || mask.length < n) {
            throw new IllegalArgumentException("mask holds " + mask.length + " values, need " + h + "x" + w);
        }
        width = w;
        if (labels.length < n) {
            labels = new int[n];
            stack = new int[n];
        }
        Arrays.fill(labels, 0, n, 0);
        count = 1;
        for (int s = 0; s < n; s++) {
            if (mask[s] == 0 || labels[s] != 0) {
                continue;
            }
            int c = count++;
            if (stats.length < STATS * count) {
                stats = Arrays.copyOf(stats, stats.length * 2);
            }
            int minX = s % w, maxX = minX, minY = s / w, maxY = minY, area = 0;
            int top = 0;
            stack[top++] = s;
            labels[s] = c;
            while (top > 0) {
                int p = stack[--top];
                area++;
                int px = p % w, py = p / w;
                minX = Math.min(minX, px);
                maxX = Math.max(maxX, px);
                minY = Math.min(minY, py);
                maxY = Math.max(maxY, py);
                for (int yy = Math.max(0, py - 1); yy <= Math.min(h - 1, py + 1); yy++) {
                    for (int xx = Math.max(0, px - 1); xx <= Math.min(w - 1, px + 1); xx++) {
                        int q = yy * w + xx;
                        if (mask[q] != 0 && labels[q] == 0) {
                            labels[q] = c;
                            stack[top++] = q;
                        }
                    }
                }
            }
            int o = STATS * c;
            stats[o + LEFT] = minX;
            stats[o + TOP] = minY;
            stats[o + RIGHT] = maxX;
            stats[o + BOTTOM] = maxY;
            stats[o + AREA] = area;
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

    /** Pixels of component {@code c} (1..count()-1). */
    public int area(int c) {
        return stat(c, AREA);
    }

    /** Leftmost column of component {@code c}. */
    public int left(int c) {
        return stat(c, LEFT);
    }

    /** Top row of component {@code c}. */
    public int top(int c) {
        return stat(c, TOP);
    }

    /** Width of component {@code c}'s bounding box. */
    public int width(int c) {
        return stat(c, RIGHT) - stat(c, LEFT) + 1;
    }

    /** Height of component {@code c}'s bounding box. */
    public int height(int c) {
        return stat(c, BOTTOM) - stat(c, TOP) + 1;
    }

    private int stat(int c, int which) {
        if (c < 1 || c >= count) {
            throw new IndexOutOfBoundsException("component " + c + " of 1.." + (count - 1));
        }
        return stats[STATS * c + which];
    }
}
