package org.crackcam.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The crack-shaped mask on hand-made relevance maps (issue 13 part 4). */
class CrackMaskTest {

    static final int H = 112, W = 112;

    /** A diagonal band of relevance 1.0, 3 px wide, from (10, 20) to (100, 90); truth mask in {@code truth}. */
    static float[] lineWithNoise(long seed, byte[] truth, double noise) {
        Random r = new Random(seed);
        float[] rel = new float[H * W];
        for (int i = 0; i < rel.length; i++) {
            rel[i] = (float) ((r.nextDouble() * 2 - 1) * noise);
        }
        for (int t = 0; t <= 400; t++) {
            double x = 10 + 90 * t / 400.0, y = 20 + 70 * t / 400.0;
            for (int d = -1; d <= 1; d++) {
                int xx = (int) Math.round(x), yy = (int) Math.round(y) + d;
                rel[yy * W + xx] = 0.8f + 0.2f * r.nextFloat();
                truth[yy * W + xx] = 1;
            }
        }
        return rel;
    }

    static float[] fullRegion() {
        float[] region = new float[H * W];
        Arrays.fill(region, 0.5f);
        return region;
    }

    static int count(byte[] m) {
        int n = 0;
        for (byte b : m) {
            n += b;
        }
        return n;
    }

    static int overlap(byte[] a, byte[] b) {
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            n += a[i] != 0 && b[i] != 0 ? 1 : 0;
        }
        return n;
    }

    @Test
    void aLineOfRelevanceInNoiseGivesAMaskThatFollowsTheLine() {
        for (CrackMask.Method method : CrackMask.Method.values()) {
            byte[] truth = new byte[H * W];
            float[] rel = lineWithNoise(7, truth, 0.3);
            byte[] out = new byte[H * W];
            CrackMask cm = new CrackMask(new CrackMask.Settings(method, 0.05, 8, 0));
            int area = cm.apply(rel, fullRegion(), H, W, out);
            assertEquals(count(out), area);
            double precision = overlap(out, truth) / (double) count(out);
            double recall = overlap(out, truth) / (double) count(truth);
            System.out.printf("%s: line %d px, mask %d px, precision %.3f, recall %.3f%n", method, count(truth), area,
                    precision, recall);
            assertTrue(precision >= 0.95, method + " precision " + precision);
            assertTrue(recall >= 0.95, method + " recall " + recall);
        }
    }

    @Test
    void withoutCleaningTheTopFractionAlsoKeepsNoiseSpecksThatCleaningRemoves() {
        byte[] truth = new byte[H * W];
        float[] rel = lineWithNoise(7, truth, 0.3);
        byte[] raw = new byte[H * W];
        byte[] clean = new byte[H * W];
        int k = (int) Math.round(0.05 * H * W);
        int rawArea = new CrackMask(new CrackMask.Settings(CrackMask.Method.TOP_FRACTION, 0.05, 0, 0))
                .apply(rel, fullRegion(), H, W, raw);
        assertEquals(k, rawArea, "exactly the top 5 % of the tile (no ties in random values)");
        int cleanArea = new CrackMask(CrackMask.Settings.DEFAULTS).apply(rel, fullRegion(), H, W, clean);
        assertTrue(cleanArea < rawArea && overlap(clean, truth) == overlap(raw, truth),
                "cleaning removes only specks: " + rawArea + " -> " + cleanArea);
    }

    @Test
    void theMaskStaysInsideTheRegion() {
        byte[] truth = new byte[H * W];
        float[] rel = lineWithNoise(3, truth, 0.1);
        float[] region = new float[H * W];
        for (int y = 0; y < 56; y++) { // upper half only
            for (int x = 0; x < W; x++) {
                region[y * W + x] = 1f;
            }
        }
        byte[] out = new byte[H * W];
        new CrackMask(new CrackMask.Settings(CrackMask.Method.TOP_FRACTION, 0.05, 8, 2)).apply(rel, region, H, W, out);
        assertTrue(count(out) > 0);
        for (int i = 0; i < out.length; i++) {
            if (out[i] != 0) {
                assertTrue(region[i] > 0, "pixel " + i + " outside the region");
            }
        }
    }

    @Test
    void emptyRegionOrNoPositiveRelevanceGivesAnEmptyMask() {
        byte[] truth = new byte[H * W];
        float[] rel = lineWithNoise(1, truth, 0.3);
        byte[] out = new byte[H * W];
        Arrays.fill(out, (byte) 1); // stale content must be cleared
        CrackMask cm = new CrackMask(CrackMask.Settings.DEFAULTS);
        assertEquals(0, cm.apply(rel, new float[H * W], H, W, out));
        assertEquals(0, count(out));
        float[] negative = new float[H * W];
        Arrays.fill(negative, -1f);
        assertEquals(0, cm.apply(negative, fullRegion(), H, W, out));
        float[] nan = new float[H * W];
        Arrays.fill(nan, Float.NaN);
        nan[5] = Float.POSITIVE_INFINITY;
        assertEquals(0, cm.apply(nan, fullRegion(), H, W, out));
        assertEquals(0, new CrackMask(new CrackMask.Settings(CrackMask.Method.OTSU, 0.05, 0, 0))
                .apply(new float[H * W], fullRegion(), H, W, out));
    }

    @Test
    void thresholdEdgeCases() {
        byte[] out = new byte[H * W];
        // fraction 1: every positive pixel of the region
        float[] rel = new float[H * W];
        for (int i = 0; i < rel.length; i++) {
            rel[i] = i % 3 == 0 ? -1f : (i % 3 == 1 ? 0f : 0.5f + i * 1e-6f);
        }
        assertEquals(H * W / 3, new CrackMask(new CrackMask.Settings(CrackMask.Method.TOP_FRACTION, 1.0, 0, 0))
                .apply(rel, fullRegion(), H, W, out));
        // ties with the k-th value are all kept: a constant map keeps every pixel
        float[] flat = new float[H * W];
        Arrays.fill(flat, 0.25f);
        assertEquals(H * W, new CrackMask(new CrackMask.Settings(CrackMask.Method.TOP_FRACTION, 0.01, 0, 0))
                .apply(flat, fullRegion(), H, W, out));
        assertEquals(H * W, new CrackMask(new CrackMask.Settings(CrackMask.Method.OTSU, 0.05, 0, 0))
                .apply(flat, fullRegion(), H, W, out), "Otsu on equal values keeps them all");
        // fewer candidates than k: all kept; one pixel: kept (k >= 1), unless cleaning removes it
        float[] one = new float[H * W];
        one[56 * W + 56] = 3f;
        assertEquals(1, new CrackMask(new CrackMask.Settings(CrackMask.Method.TOP_FRACTION, 1e-9, 0, 0))
                .apply(one, fullRegion(), H, W, out));
        assertEquals(1, out[56 * W + 56]);
        assertEquals(0, new CrackMask(new CrackMask.Settings(CrackMask.Method.TOP_FRACTION, 0.05, 2, 0))
                .apply(one, fullRegion(), H, W, out));
        // one dilation of that pixel: a 3x3 square
        assertEquals(9, new CrackMask(new CrackMask.Settings(CrackMask.Method.TOP_FRACTION, 0.05, 0, 1))
                .apply(one, fullRegion(), H, W, out));
        // Otsu on two levels keeps the upper one exactly
        float[] two = new float[H * W];
        for (int i = 0; i < two.length; i++) {
            two[i] = i % 10 == 0 ? 2f : 0.1f;
        }
        int n = new CrackMask(new CrackMask.Settings(CrackMask.Method.OTSU, 0.05, 0, 0)).apply(two, fullRegion(), H, W, out);
        assertEquals((H * W + 9) / 10, n);
    }

    @Test
    void badSettingsAreRefusedWithTheValue() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new CrackMask.Settings(CrackMask.Method.TOP_FRACTION, 0, 8, 0));
        assertTrue(e.getMessage().contains("(0, 1]"));
        assertThrows(IllegalArgumentException.class, () -> new CrackMask.Settings(CrackMask.Method.TOP_FRACTION, 1.5, 8, 0));
        assertThrows(IllegalArgumentException.class, () -> new CrackMask.Settings(CrackMask.Method.OTSU, 0.05, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> new CrackMask.Settings(CrackMask.Method.OTSU, 0.05, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> CrackMask.Method.parse("mean"));
        assertEquals(CrackMask.Method.OTSU, CrackMask.Method.parse("otsu"));
        assertThrows(IllegalArgumentException.class,
                () -> new CrackMask(CrackMask.Settings.DEFAULTS).apply(new float[4], new float[4], 3, 3, new byte[9]));
    }
}
