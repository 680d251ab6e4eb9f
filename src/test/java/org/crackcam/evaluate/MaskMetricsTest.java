package org.crackcam.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Tolerant precision/recall/F1 and the distance transform against values counted by hand. */
class MaskMetricsTest {
    /** Parses rows of '#' (set) and '.' into a row-major mask. */
    static boolean[] mask(String... rows) {
        boolean[] m = new boolean[rows.length * rows[0].length()];
        for (int y = 0; y < rows.length; y++) {
            for (int x = 0; x < rows[y].length(); x++) {
                m[y * rows[0].length() + x] = rows[y].charAt(x) == '#';
            }
        }
        return m;
    }

    // truth: a vertical line in column 2; prediction: the same line shifted right by one, plus a
    // stray pixel far away (top-left) and one missing pixel at the bottom.
    static final boolean[] TRUTH = mask(
            "..#...",
            "..#...",
            "..#...",
            "..#...",
            "..#...");
    static final boolean[] PRED = mask(
            "#..#..",
            "...#..",
            "...#..",
            "...#..",
            "......");

    @Test
    void zeroToleranceGivesTheStrictCounts() {
        var c = MaskMetrics.of(PRED, TRUTH, 5, 6, 0);
        assertEquals(5, c.predicted());
        assertEquals(5, c.truth());
        assertEquals(0, c.predictedMatched());   // no overlap at all
        assertEquals(0, c.truthMatched());
        assertEquals(0.0, c.precision());
        assertEquals(0.0, c.recall());
        assertEquals(0.0, c.f1());
        assertEquals(0.0, c.iou());
        boolean[] half = mask(
                "..#...",
                "..#...",
                "......",
                "......",
                "......");
        var h = MaskMetrics.of(half, TRUTH, 5, 6, 0);
        assertEquals(1.0, h.precision());
        assertEquals(2.0 / 5, h.recall(), 1e-12);
        assertEquals(2 * 1.0 * 0.4 / 1.4, h.f1(), 1e-12);
        assertEquals(2.0 / 5, h.iou(), 1e-12);
    }

    @Test
    void oneAndTwoPixelTolerancesCountNeighbours() {
        // k = 1: the 4 shifted pixels are 1 px from the line; the stray (0,0) is 2 px away.
        var k1 = MaskMetrics.of(PRED, TRUTH, 5, 6, 1);
        assertEquals(4, k1.predictedMatched());
        // truth rows 0..3 have a prediction 1 px to the right; row 4 is √2 from (3,3): not within 1
        assertEquals(4, k1.truthMatched());
        assertEquals(0.8, k1.precision(), 1e-12);
        assertEquals(0.8, k1.recall(), 1e-12);
        assertEquals(0.8, k1.f1(), 1e-12);
        assertEquals(0.0, k1.iou());              // IoU stays strict
        var k2 = MaskMetrics.of(PRED, TRUTH, 5, 6, 2);
        assertEquals(5, k2.predictedMatched());    // the stray is exactly 2 px from (0,2)
        assertEquals(5, k2.truthMatched());        // (4,2) is √2 from (3,3)
        assertEquals(1.0, k2.f1(), 1e-12);
        var k15 = MaskMetrics.of(PRED, TRUTH, 5, 6, 1.5);
        assertEquals(4, k15.predictedMatched());
        assertEquals(5, k15.truthMatched());
    }

    @Test
    void emptyPredictionScoresZero() {
        var c = MaskMetrics.of(new boolean[30], TRUTH, 5, 6, 2);
        assertEquals(0.0, c.precision());
        assertEquals(0.0, c.recall());
        assertEquals(0.0, c.f1());
        assertEquals(0.0, c.iou());
    }

    @Test
    void distanceTransformEqualsBruteForce() {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
        int h = 13;
        int w = 17;
        for (int trial = 0; trial < 20; trial++) {
            boolean[] m = new boolean[h * w];
            for (int i = 0; i < m.length; i++) {
                m[i] = rng.nextDouble() < (trial % 4 == 0 ? 0.01 : 0.1);
            }
            m[rng.nextInt(m.length)] = true;
            double[] d = DistanceTransform.squared(m, h, w);
            for (int p = 0; p < m.length; p++) {
                double best = Double.POSITIVE_INFINITY;
                for (int q = 0; q < m.length; q++) {
                    if (m[q]) {
                        double dy = p / w - q / w;
                        double dx = p % w - q % w;
                        best = Math.min(best, dy * dy + dx * dx);
                    }
                }
                assertEquals(best, d[p], 1e-9, "pixel " + p);
            }
        }
        assertTrue(Double.isInfinite(DistanceTransform.squared(new boolean[4], 2, 2)[0]));
    }
}
