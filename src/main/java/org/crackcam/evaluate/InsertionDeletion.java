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
 *       the image elsewhere. A per-step substrate ({@link Substrate#ROAD}) is imputed afresh for
 *       each input from the pixels not yet inserted / already deleted.</li>
 *   <li>Score: the scorer's probability of the class given by the caller.</li>
 *   <li>Area: trapezoid rule over x = n / (H·W) ∈ [0, 1]; scores are probabilities in [0, 1],
 *       so both areas lie in [0, 1]. ID = Insertion − Deletion.</li>
 * </ul>
 *
 * <p>Not thread-safe (keeps the ROAD imputer's work state); one instance per thread.
 */
public final class InsertionDeletion {
    /**
     * CG's relative residual for the ROAD substrate: measured on 112×112 tiles it leaves a largest
     * error of about 2e-3 in [0, 1] units against a converged solve, a fifth of ROAD's noise σ.
     */
    public static final double ROAD_TOLERANCE = 1e-4;

    /**
     * @param stepPixels pixels added (insertion) or removed (deletion) per step, ≥ 1
     * @param insertionSubstrate what a not-yet-inserted pixel is
     * @param deletionSubstrate what a deleted pixel becomes
     */
    public record Config(int stepPixels, Substrate insertionSubstrate, Substrate deletionSubstrate,
                         double roadNoise, double roadTolerance) {
        public Config(int stepPixels, Substrate insertionSubstrate, Substrate deletionSubstrate) {
            this(stepPixels, insertionSubstrate, deletionSubstrate, LinearImputer.DEFAULT_NOISE, ROAD_TOLERANCE);
        }

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
            return new Config(stepPixels, insertion, deletion, roadNoise, roadTolerance);
        }

        /** The substrate's report name: its id when both curves share it, "rise" for blur/black. */
        public String name() {
            if (insertionSubstrate == deletionSubstrate) {
                return insertionSubstrate.id();
            }
            if (insertionSubstrate == Substrate.BLUR && deletionSubstrate == Substrate.BLACK) {
                return "rise";
            }
            return insertionSubstrate.id() + "/" + deletionSubstrate.id();
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
        return evaluate(scorer, image, map, cls, 0L);
    }

    /**
     * Both curves for one image; {@code seed} seeds the {@link Substrate#ROAD} noise (the noise
     * of a step depends only on the seed and the number of removed pixels, so the fully removed
     * image is the same in both curves and for every map).
     */
    public Curves evaluate(Scorer scorer, float[] image, float[] map, int cls, long seed) throws EvaluationException {
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
        int k = n.length;
        float[][] inputs = new float[2 * k][];
        fill(inputs, 0, image, order, n, config.insertionSubstrate(), true, shape, seed);
        fill(inputs, k, image, order, n, config.deletionSubstrate(), false, shape, seed);
        float[][] probs = scorer.probabilities(inputs);
        double[] insertion = new double[k];
        double[] deletion = new double[k];
        for (int s = 0; s < k; s++) {
            insertion[s] = probs[s][cls];
            deletion[s] = probs[k + s][cls];
        }
        return new Curves(n, insertion, deletion, normalisedArea(n, insertion, hw), normalisedArea(n, deletion, hw));
    }

    /**
     * Writes the k inputs of one curve into {@code inputs[offset..offset+k)}. Insertion step s:
     * the first n_s pixels of {@code order} are the image, the rest substrate; deletion: the
     * first n_s are substrate.
     */
    private void fill(float[][] inputs, int offset, float[] image, int[] order, int[] n, Substrate substrate,
                      boolean insertion, ImageShape shape, long seed) {
        int hw = shape.pixels();
        int channels = shape.channels();
        if (!substrate.perStep()) {
            float[] base = substrate.of(image, shape);
            float[] cur = insertion ? base.clone() : image.clone();
            int done = 0;
            for (int s = 0; s < n.length; s++) {
                for (; done < n[s]; done++) {
                    int p = order[done];
                    for (int c = 0; c < channels; c++) {
                        cur[c * hw + p] = insertion ? image[c * hw + p] : base[c * hw + p];
                    }
                }
                inputs[offset + s] = cur.clone();
            }
            return;
        }
        LinearImputer imputer = imputer(shape);
        float[] guess = null;
        boolean[] removed = new boolean[hw];
        if (insertion) {
            java.util.Arrays.fill(removed, true);
        }
        int done = 0;
        for (int s = 0; s < n.length; s++) {
            for (; done < n[s]; done++) {
                removed[order[done]] = !insertion;
            }
            int removedCount = insertion ? hw - n[s] : n[s];
            // insertion: the removed set only shrinks, so the previous solution is a close start;
            // deletion: it grows, so start from the imputer's own smooth fill
            float[] out = imputer.impute(image, removed, insertion && s > 0 ? guess : null,
                    noiseSeed(seed, removedCount));
            inputs[offset + s] = out;
            guess = out;
        }
    }

    private LinearImputer imputer;

    private LinearImputer imputer(ImageShape shape) {
        if (imputer == null || !imputer.shape().equals(shape)) {
            imputer = new LinearImputer(shape, config.roadNoise(), config.roadTolerance());
        }
        return imputer;
    }

    /** The ROAD imputer of the last image (for its iteration counts), or null. */
    public LinearImputer imputer() {
        return imputer;
    }

    static long noiseSeed(long seed, int removedCount) {
        long z = seed * 0x9E3779B97F4A7C15L + removedCount;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
