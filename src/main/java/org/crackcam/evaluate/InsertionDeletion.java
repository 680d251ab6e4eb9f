package org.crackcam.evaluate;

/**
 * Insertion and Deletion (method.md §5, eq. 7–8) with every open choice made explicit.
 *
 * <ul>
 *   <li>Order: {@link PixelRanking#descending} (ties by row-major index).</li>
 *   <li>Steps: {@code n_k = min(k·step, H·W)}, k = 0 … ⌈H·W/step⌉; both ends included, the last
 *       interval may be shorter. A pixel is all of its colour channels.</li>
 *   <li>Insertion input {@code i_n}: the image on the first n pixels, the insertion substrate
 *       elsewhere. Deletion input {@code d_n}: the deletion substrate on the first n pixels,
 *       the image elsewhere.</li>
 *   <li>Score: the scorer's probability of the class given by the caller.</li>
 *   <li>Area: trapezoid rule over x = n / (H·W) ∈ [0, 1]; scores are probabilities in [0, 1],
 *       so both areas lie in [0, 1]. ID = Insertion − Deletion.</li>
 * </ul>
 */
public final class InsertionDeletion {
    /**
     * @param stepPixels pixels added (insertion) or removed (deletion) per step, ≥ 1
     * @param insertionSubstrate what a not-yet-inserted pixel is
     * @param deletionSubstrate what a deleted pixel becomes
     */
    public record Config(int stepPixels, Substrate insertionSubstrate, Substrate deletionSubstrate) {
        public Config {
            if (stepPixels < 1) {
                throw new IllegalArgumentException("stepPixels must be >= 1, got " + stepPixels);
            }
            if (insertionSubstrate == null || deletionSubstrate == null) {
                throw new IllegalArgumentException("substrates must be given");
            }
        }

        /** {@code steps} equal steps over the image ({@code step = ⌈H·W / steps⌉}), black substrate. */
        public static Config ofSteps(int steps, ImageShape shape) {
            if (steps < 1) {
                throw new IllegalArgumentException("steps must be >= 1, got " + steps);
            }
            return new Config(ceilDiv(shape.pixels(), steps), Substrate.BLACK, Substrate.BLACK);
        }

        public Config withSubstrates(Substrate insertion, Substrate deletion) {
            return new Config(stepPixels, insertion, deletion);
        }
    }

    /** Both curves of one image and their normalised areas. */
    public record Curves(int[] pixels, double[] insertion, double[] deletion,
                         double insertionAuc, double deletionAuc) {
        public double id() {
            return insertionAuc - deletionAuc;
        }
    }

    private final Config config;

    public InsertionDeletion(Config config) {
        this.config = config;
    }

    public Config config() {
        return config;
    }

    /** The pixel counts n_k at which the curves are sampled, for an image of {@code pixels} pixels. */
    public static int[] stepCounts(int pixels, int stepPixels) {
        int k = ceilDiv(pixels, stepPixels);
        int[] n = new int[k + 1];
        for (int i = 0; i <= k; i++) {
            n[i] = (int) Math.min((long) i * stepPixels, pixels);
        }
        return n;
    }

    /** Trapezoid area under y(n), with n normalised by {@code total} to [0, 1]. */
    public static double normalisedArea(int[] n, double[] y, int total) {
        if (n.length != y.length || n.length == 0) {
            throw new IllegalArgumentException("n and y must have the same non-zero length");
        }
        double area = 0;
        for (int i = 0; i + 1 < n.length; i++) {
            area += (double) (n[i + 1] - n[i]) * (y[i] + y[i + 1]) / 2.0;
        }
        return area / total;
    }

    /**
     * Both curves for one image.
     *
     * @param scorer the model, scoring class {@code cls}
     * @param image CHW RGB [0, 1], {@code scorer.shape()}
     * @param map H×W explanation (larger = more important)
     * @param cls the class whose probability is the score
     */
    public Curves evaluate(Scorer scorer, float[] image, float[] map, int cls) throws EvaluationException {
        ImageShape shape = scorer.shape();
        int hw = shape.pixels();
        if (image.length != shape.values()) {
            throw new IllegalArgumentException("image has " + image.length + " values, expected " + shape.values());
        }
        if (map.length != hw) {
            throw new IllegalArgumentException("map has " + map.length + " values, expected " + hw);
        }
        int[] order = PixelRanking.descending(map);
        int[] n = stepCounts(hw, config.stepPixels());
        float[] insBase = config.insertionSubstrate().of(image, shape);
        float[] delBase = config.deletionSubstrate().of(image, shape);
        int k = n.length;
        float[][] inputs = new float[2 * k][];
        float[] ins = insBase.clone();
        float[] del = image.clone();
        int done = 0;
        for (int s = 0; s < k; s++) {
            for (; done < n[s]; done++) {
                int p = order[done];
                for (int c = 0; c < shape.channels(); c++) {
                    int idx = c * hw + p;
                    ins[idx] = image[idx];
                    del[idx] = delBase[idx];
                }
            }
            inputs[s] = ins.clone();
            inputs[k + s] = del.clone();
        }
        float[][] probs = scorer.probabilities(inputs);
        double[] insertion = new double[k];
        double[] deletion = new double[k];
        for (int s = 0; s < k; s++) {
            insertion[s] = probs[s][cls];
            deletion[s] = probs[k + s][cls];
        }
        return new Curves(n, insertion, deletion, normalisedArea(n, insertion, hw), normalisedArea(n, deletion, hw));
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
