package org.crackcam.evaluate;

/**
 * Intersection over union of a binarised explanation and a pixel mask (Table 3).
 *
 * <p>How a map is binarised is a {@link Binarisation}: the LRP-BN explanation uses its C1C
 * mask (C1C output &gt; 0, the runtime's crack mask); every other map is cut at its mean
 * (strictly above, the same rule C1C uses inside) or, as an option, keeps its top-k pixels with
 * k = the mask's area ("oracle-sized", ties by {@link PixelRanking}).
 */
public final class Iou {
    /** How a continuous map becomes a binary mask. */
    public enum Binarisation {
        /** map &gt; 0: for maps that are already masks with values (C1C output). */
        POSITIVE,
        /** map &gt; mean(map). */
        MEAN,
        /** the k highest pixels, k = the truth mask's area. */
        TOP_K_MASK_AREA;

        public boolean[] apply(float[] map, boolean[] truth) {
            return switch (this) {
                case POSITIVE -> positive(map);
                case MEAN -> aboveMean(map);
                case TOP_K_MASK_AREA -> topK(map, count(truth));
            };
        }
    }

    private Iou() {
    }

    public static boolean[] positive(float[] map) {
        boolean[] out = new boolean[map.length];
        for (int i = 0; i < map.length; i++) {
            out[i] = map[i] > 0f;
        }
        return out;
    }

    public static boolean[] aboveMean(float[] map) {
        double sum = 0;
        for (float v : map) {
            sum += v;
        }
        double mean = sum / map.length;
        boolean[] out = new boolean[map.length];
        for (int i = 0; i < map.length; i++) {
            out[i] = map[i] > mean;
        }
        return out;
    }

    public static boolean[] topK(float[] map, int k) {
        int[] order = PixelRanking.descending(map);
        boolean[] out = new boolean[map.length];
        for (int i = 0; i < Math.min(k, map.length); i++) {
            out[order[i]] = true;
        }
        return out;
    }

    public static int count(boolean[] mask) {
        int n = 0;
        for (boolean b : mask) {
            if (b) {
                n++;
            }
        }
        return n;
    }

    /** |a ∩ b| / |a ∪ b|; NaN when both are empty (the caller skips such a sample). */
    public static double iou(boolean[] a, boolean[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("masks differ in size: " + a.length + " vs " + b.length);
        }
        int inter = 0;
        int union = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] && b[i]) {
                inter++;
            }
            if (a[i] || b[i]) {
                union++;
            }
        }
        return union == 0 ? Double.NaN : (double) inter / union;
    }
}
