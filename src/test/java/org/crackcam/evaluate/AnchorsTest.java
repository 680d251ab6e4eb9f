package org.crackcam.evaluate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The anchors on a toy scorer whose answer is known (p = fraction of the crack pixels kept):
 * the truth ranking beats every other ranking tried, a random ranking gives ID ≈ 0.
 */
class AnchorsTest {
    static final int H = 24;
    static final int W = 24;
    static final ImageShape SHAPE = new ImageShape(3, H, W);

    /** A thin diagonal "crack" of 2-px width. */
    static boolean[] crack() {
        boolean[] m = new boolean[H * W];
        for (int y = 2; y < 22; y++) {
            m[y * W + y] = true;
            m[y * W + y + 1] = true;
        }
        return m;
    }

    static float[] ones() {
        float[] img = new float[SHAPE.values()];
        java.util.Arrays.fill(img, 1f);
        return img;
    }

    @Test
    void truthBeatsEveryOtherRankingAndRandomIsNearZero() throws Exception {
        boolean[] mask = crack();
        Scorer toy = ToyScorers.importantFraction(SHAPE, mask);
        InsertionDeletion id = new InsertionDeletion(new InsertionDeletion.Config(8, Substrate.BLACK, Substrate.BLACK));
        float[] img = ones();
        double truth = id.evaluate(toy, img, Anchors.truth(mask, H, W), 1).id();
        assertTrue(truth > 0.9, "truth ID " + truth);
        SplittableRandom rng = new SplittableRandom(9);
        double randomSum = 0;
        int trials = 40;
        for (int t = 0; t < trials; t++) {
            double r = id.evaluate(toy, img, Anchors.random(rng.nextLong(), H * W), 1).id();
            assertTrue(r < truth, "random " + r + " vs truth " + truth);
            randomSum += r;
        }
        assertEquals(0.0, randomSum / trials, 0.05, "mean random ID");
        // other rankings: a blurred crack, a shifted crack, a smooth ramp, the reversed truth
        float[][] others = new float[4][H * W];
        for (int p = 0; p < H * W; p++) {
            int y = p / W;
            int x = p % W;
            others[0][p] = (float) -Math.abs(x - y) + (float) (0.1 * Math.sin(p));
            others[1][p] = mask[(p + 3) % (H * W)] ? 1f : 0f;
            others[2][p] = x + y;
            others[3][p] = -Anchors.truth(mask, H, W)[p];
        }
        for (float[] m : others) {
            assertTrue(id.evaluate(toy, img, m, 1).id() < truth);
        }
    }

    @Test
    void truthMapIsMinusTheDistanceAndRandomIsReproducible() {
        boolean[] m = new boolean[9];
        m[4] = true;
        float[] t = Anchors.truth(m, 3, 3);
        assertEquals(0f, t[4]);
        assertEquals(-1f, t[1]);
        assertEquals((float) -Math.sqrt(2), t[0]);
        assertNull(Anchors.truth(new boolean[9], 3, 3));
        assertNull(Anchors.truth(null, 3, 3));
        assertArrayEquals(Anchors.random(7, 50), Anchors.random(7, 50));
        assertEquals(Anchors.imageSeed("a", 42), Anchors.imageSeed("a", 42));
        assertTrue(Anchors.imageSeed("a", 42) != Anchors.imageSeed("b", 42));
    }

    @Test
    void roadNoiseIsSeededAndOnlyOnRemovedPixels() throws Exception {
        float[] img = new float[SHAPE.values()];
        SplittableRandom rng = new SplittableRandom(1);
        for (int i = 0; i < img.length; i++) {
            img[i] = (float) rng.nextDouble();
        }
        boolean[] removed = new boolean[H * W];
        for (int p = 0; p < removed.length; p += 2) {
            removed[p] = true;
        }
        LinearImputer noisy = new LinearImputer(SHAPE, 0.01, 1e-10);
        LinearImputer plain = new LinearImputer(SHAPE, 0.0, 1e-10);
        float[] a = noisy.impute(img, removed, null, 5);
        float[] b = noisy.impute(img, removed, null, 5);
        float[] c = plain.impute(img, removed, null, 5);
        assertArrayEquals(a, b);
        double ss = 0;
        int n = 0;
        for (int ch = 0; ch < 3; ch++) {
            for (int p = 0; p < H * W; p++) {
                int i = ch * H * W + p;
                if (removed[p]) {
                    ss += (a[i] - c[i]) * (a[i] - c[i]);
                    n++;
                } else {
                    assertEquals(img[i], a[i]);
                }
            }
        }
        assertEquals(0.01, Math.sqrt(ss / n), 0.001, "noise σ");
        // the ROAD curves meet at their ends for any map: the fully removed image is the same
        Scorer toy = ToyScorers.linearSoftmax(SHAPE, new double[][] {new double[SHAPE.values()], weights()},
                new double[] {0, 0});
        InsertionDeletion road = new InsertionDeletion(new InsertionDeletion.Config(50, Substrate.ROAD, Substrate.ROAD));
        var c1 = road.evaluate(toy, img, Anchors.random(1, H * W), 1, 77);
        var c2 = road.evaluate(toy, img, Anchors.random(2, H * W), 1, 77);
        int last = c1.insertion().length - 1;
        assertEquals(c1.insertion()[0], c1.deletion()[last], 1e-7);
        assertEquals(c1.insertion()[0], c2.insertion()[0], 1e-7);
        assertEquals(c1.deletion()[0], c2.insertion()[last], 1e-7);
    }

    private static double[] weights() {
        double[] w = new double[SHAPE.values()];
        SplittableRandom rng = new SplittableRandom(2);
        for (int i = 0; i < w.length; i++) {
            w[i] = rng.nextGaussian() * 0.1;
        }
        return w;
    }
}
