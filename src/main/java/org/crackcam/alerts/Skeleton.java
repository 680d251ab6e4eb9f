package org.crackcam.alerts;

/**
 * Zhang–Suen thinning of a binary image (T. Y. Zhang and C. Y. Suen, "A fast parallel algorithm
 * for thinning digital patterns", CACM 27(3), 1984) and the length of the resulting skeleton.
 * Images are row-major byte arrays, non-zero = foreground.
 */
public final class Skeleton {

    private Skeleton() {
    }

    /** A new 0/1 image holding the one-pixel-wide skeleton of {@code img} ({@code w × h}). */
    public static byte[] thin(byte[] img, int w, int h) {
        // Work on a copy padded by one pixel so that neighbours never leave the array.
        int pw = w + 2;
        byte[] a = new byte[pw * (h + 2)];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                a[(y + 1) * pw + x + 1] = img[y * w + x] != 0 ? (byte) 1 : 0;
            }
        }
        int[] marked = new int[w * h];
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int pass = 0; pass < 2; pass++) {
                int count = 0;
                for (int y = 1; y <= h; y++) {
                    for (int x = 1; x <= w; x++) {
                        int i = y * pw + x;
                        if (a[i] == 0) {
                            continue;
                        }
                        // Neighbours P2..P9, clockwise from north.
                        int p2 = a[i - pw], p3 = a[i - pw + 1], p4 = a[i + 1], p5 = a[i + pw + 1];
                        int p6 = a[i + pw], p7 = a[i + pw - 1], p8 = a[i - 1], p9 = a[i - pw - 1];
                        int b = p2 + p3 + p4 + p5 + p6 + p7 + p8 + p9;
                        if (b < 2 || b > 6) {
                            continue;
                        }
                        int transitions = (p2 == 0 && p3 == 1 ? 1 : 0) + (p3 == 0 && p4 == 1 ? 1 : 0)
                                + (p4 == 0 && p5 == 1 ? 1 : 0) + (p5 == 0 && p6 == 1 ? 1 : 0)
                                + (p6 == 0 && p7 == 1 ? 1 : 0) + (p7 == 0 && p8 == 1 ? 1 : 0)
                                + (p8 == 0 && p9 == 1 ? 1 : 0) + (p9 == 0 && p2 == 1 ? 1 : 0);
                        if (transitions != 1) {
                            continue;
                        }
                        boolean remove = pass == 0
                                ? p2 * p4 * p6 == 0 && p4 * p6 * p8 == 0
                                : p2 * p4 * p8 == 0 && p2 * p6 * p8 == 0;
                        if (remove) {
                            marked[count++] = i;
                        }
                    }
                }
                for (int k = 0; k < count; k++) {
                    a[marked[k]] = 0;
                }
                changed |= count > 0;
            }
        }
        byte[] out = new byte[w * h];
        for (int y = 0; y < h; y++) {
            System.arraycopy(a, (y + 1) * pw + 1, out, y * w, w);
        }
        return out;
    }

    /**
     * Length of a one-pixel-wide curve in pixels: every pair of 4-adjacent skeleton pixels adds 1,
     * every diagonal pair adds √2 unless the two pixels are already joined through a shared
     * 4-neighbour (so an L-shaped step is not counted twice).
     */
    public static double length(byte[] skel, int w, int h) {
        double len = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (skel[y * w + x] == 0) {
                    continue;
                }
                boolean east = x + 1 < w && skel[y * w + x + 1] != 0;
                boolean south = y + 1 < h && skel[(y + 1) * w + x] != 0;
                if (east) {
                    len += 1;
                }
                if (south) {
                    len += 1;
                }
                if (y + 1 < h) {
                    boolean west = x > 0 && skel[y * w + x - 1] != 0;
                    if (x + 1 < w && skel[(y + 1) * w + x + 1] != 0 && !east && skel[(y + 1) * w + x] == 0) {
                        len += Math.sqrt(2);
                    }
                    if (x > 0 && skel[(y + 1) * w + x - 1] != 0 && !west && skel[(y + 1) * w + x] == 0) {
                        len += Math.sqrt(2);
                    }
                }
            }
        }
        return len;
    }

    /** Skeleton pixels with three or more skeleton neighbours (junctions of a crack network). */
    public static int branchPoints(byte[] skel, int w, int h) {
        int n = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (skel[y * w + x] == 0) {
                    continue;
                }
                int nb = 0;
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int xx = x + dx, yy = y + dy;
                        if ((dx != 0 || dy != 0) && xx >= 0 && yy >= 0 && xx < w && yy < h && skel[yy * w + xx] != 0) {
                            nb++;
                        }
                    }
                }
                if (nb >= 3) {
                    n++;
                }
            }
        }
        return n;
    }
}
