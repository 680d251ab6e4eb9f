package org.crackcam.evaluate;

import java.util.Arrays;

/**
 * The order in which Insertion and Deletion visit pixels: by map value, largest first.
 *
 * <p>Ties are broken deterministically by the pixel's row-major index, smaller first (the
 * order numpy's {@code argsort(-map, kind="stable")} gives). NaN counts as smaller than every
 * number (visited last). {@code -0.0} and {@code 0.0} are equal.
 */
public final class PixelRanking {
    private PixelRanking() {
    }

    /** Row-major pixel indices sorted by descending {@code map} value, ties by index. */
    public static int[] descending(float[] map) {
        int n = map.length;
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = ((long) orderKeyDescending(map[i]) << 32) | i;
        }
        Arrays.sort(keys);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = (int) keys[i];
        }
        return order;
    }

    /**
     * An int that sorts ascending exactly as {@code v} sorts descending (NaN last, -0 == 0);
     * the IEEE bit pattern made monotonic, then negated in order.
     */
    private static int orderKeyDescending(float v) {
        if (Float.isNaN(v)) {
            return Integer.MAX_VALUE;
        }
        if (v == 0.0f) {
            v = 0.0f; // fold -0.0 into +0.0
        }
        int bits = Float.floatToIntBits(v);
        int ascending = bits >= 0 ? bits : bits ^ Integer.MAX_VALUE; // monotonic in v
        // descending: ~ascending reverses the order; keep within int range (no overflow).
        return ~ascending == Integer.MAX_VALUE ? Integer.MAX_VALUE - 1 : ~ascending;
    }
}
