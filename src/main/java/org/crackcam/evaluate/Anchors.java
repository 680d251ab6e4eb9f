package org.crackcam.evaluate;

import java.util.SplittableRandom;

/**
 * The two sanity anchors every table carries (docs/evaluation.md "Anchors"):
 * <ul>
 *   <li>{@code truth}: pixels ranked by their distance to the crack mask (mask pixels first, then
 *       ever farther ones) — the best ranking any explanation could give, the ceiling; defined on
 *       crack images with a non-empty mask only;</li>
 *   <li>{@code random}: a seeded uniform random ranking — the floor, ID ≈ 0 under a sound
 *       substrate.</li>
 * </ul>
 */
public final class Anchors {
    private Anchors() {
    }

    /** −(Euclidean distance to the nearest mask pixel): 0 on the mask, lower farther away; null if no mask. */
    public static float[] truth(boolean[] mask, int h, int w) {
        if (mask == null || Iou.count(mask) == 0) {
            return null;
        }
        double[] d2 = DistanceTransform.squared(mask, h, w);
        float[] out = new float[d2.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = d2[i] == 0 ? 0f : (float) -Math.sqrt(d2[i]);
        }
        return out;
    }

    /** Uniform random values in [0, 1) from {@code seed} (the same image gets the same map in every run). */
    public static float[] random(long seed, int pixels) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] out = new float[pixels];
        for (int i = 0; i < pixels; i++) {
            out[i] = (float) rng.nextDouble();
        }
        return out;
    }

    /** A per-image seed from the sample id and a run seed (stable across bundles and substrates). */
    public static long imageSeed(String sampleId, long runSeed) {
        long h = 1125899906842597L;
        for (int i = 0; i < sampleId.length(); i++) {
            h = 31 * h + sampleId.charAt(i);
        }
        return InsertionDeletion.noiseSeed(runSeed, 0) ^ h;
    }
}
