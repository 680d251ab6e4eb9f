package org.crackcam.evaluate;

import java.util.Arrays;

/**
 * Exact squared Euclidean distance from every pixel to the nearest set pixel of a mask
 * (Felzenszwalb &amp; Huttenlocher's two-pass lower-envelope algorithm: columns, then rows).
 * Used by the {@code truth} anchor (pixels ranked by distance to the crack) and by the
 * tolerant mask metrics. Pixel units; distances between pixel centres.
 */
public final class DistanceTransform {
    private DistanceTransform() {
    }

    /**
     * @param mask H×W row-major, true = a feature pixel
     * @return squared distance per pixel; {@code Double.POSITIVE_INFINITY} everywhere when the mask is empty
     */
    public static double[] squared(boolean[] mask, int h, int w) {
        if (mask.length != h * w) {
            throw new IllegalArgumentException("mask has " + mask.length + " pixels, expected " + h + "x" + w);
        }
        double inf = 1e20;
        double[] d = new double[h * w];
        for (int i = 0; i < d.length; i++) {
            d[i] = mask[i] ? 0 : inf;
        }
        int n = Math.max(h, w);
        double[] f = new double[n];
        double[] out = new double[n];
        int[] v = new int[n];
        double[] z = new double[n + 1];
        for (int x = 0; x < w; x++) {
            for (int y = 0; y < h; y++) {
                f[y] = d[y * w + x];
            }
            envelope(f, h, out, v, z);
            for (int y = 0; y < h; y++) {
                d[y * w + x] = out[y];
            }
        }
        for (int y = 0; y < h; y++) {
            System.arraycopy(d, y * w, f, 0, w);
            envelope(f, w, out, v, z);
            System.arraycopy(out, 0, d, y * w, w);
        }
        boolean any = false;
        for (boolean b : mask) {
            any |= b;
        }
        if (!any) {
            Arrays.fill(d, Double.POSITIVE_INFINITY);
        }
        return d;
    }

    private static double intersection(double[] f, int q, int p) {
        return ((f[q] + (double) q * q) - (f[p] + (double) p * p)) / (2.0 * q - 2.0 * p);
    }

    /** 1-D squared distance transform of sampled function f[0..n). */
    private static void envelope(double[] f, int n, double[] out, int[] v, double[] z) {
        int k = 0;
        v[0] = 0;
        z[0] = Double.NEGATIVE_INFINITY;
        z[1] = Double.POSITIVE_INFINITY;
        for (int q = 1; q < n; q++) {
            double s = intersection(f, q, v[k]);
            while (s <= z[k]) {   // z[0] = -inf stops this at k = 0
                k--;
                s = intersection(f, q, v[k]);
            }
            k++;
            v[k] = q;
            z[k] = s;
            z[k + 1] = Double.POSITIVE_INFINITY;
        }
        k = 0;
        for (int q = 0; q < n; q++) {
            while (z[k + 1] < q) {
                k++;
            }
            double dq = q - v[k];
            out[q] = dq * dq + f[v[k]];
        }
    }
}
