package org.crackcam.evaluate;

import java.util.SplittableRandom;

/**
 * RISE (Petsiuk et al. 2018), written from the paper's description: N random binary s×s grids
 * (each cell kept with probability p1), upsampled bilinearly to (s+1)·cell pixels
 * (cell = ⌈H/s⌉), cropped to H×W at a random shift in [0, cell) on each axis. The saliency of
 * class c is Σ_i p_c(x ⊙ M_i)·M_i / (N·p1). Masked-out pixels become 0 in the RGB [0, 1] input
 * space (black), the same substrate as Insertion/Deletion.
 *
 * <p>Masks are drawn once per instance from {@code seed} and reused for every image. Cost: N
 * scorer passes per image, run in chunks of {@code batch}.
 */
public final class Rise {
    /**
     * @param masks N, number of masks
     * @param grid s, cells per side
     * @param keep p1, probability that a cell is kept
     * @param seed seed of the mask generator
     * @param batch masked images per scorer call
     */
    public record Config(int masks, int grid, double keep, long seed, int batch) {
        public Config {
            if (masks < 1 || grid < 1 || batch < 1) {
                throw new IllegalArgumentException("RISE needs masks, grid and batch >= 1, got N=" + masks
                        + " s=" + grid + " batch=" + batch);
            }
            if (!(keep > 0 && keep <= 1)) {
                throw new IllegalArgumentException("RISE p1 must be in (0, 1], got " + keep);
            }
        }
    }

    private final Config config;
    private final ImageShape shape;
    private final float[][] masks;

    public Rise(Config config, ImageShape shape) {
        this.config = config;
        this.shape = shape;
        this.masks = generate(config, shape.height(), shape.width());
    }

    public Config config() {
        return config;
    }

    /** The masks, {@code [N][H·W]} in [0, 1] (shared; do not modify). */
    float[][] masks() {
        return masks;
    }

    static float[][] generate(Config config, int h, int w) {
        SplittableRandom rng = new SplittableRandom(config.seed());
        int s = config.grid();
        int cellH = (h + s - 1) / s;
        int cellW = (w + s - 1) / s;
        int upH = (s + 1) * cellH;
        int upW = (s + 1) * cellW;
        float[][] out = new float[config.masks()][];
        float[] grid = new float[s * s];
        for (int m = 0; m < config.masks(); m++) {
            for (int i = 0; i < grid.length; i++) {
                grid[i] = rng.nextDouble() < config.keep() ? 1f : 0f;
            }
            int dy = rng.nextInt(cellH);
            int dx = rng.nextInt(cellW);
            float[] mask = new float[h * w];
            for (int y = 0; y < h; y++) {
                double gy = sourceCoordinate(y + dy, s, upH);
                for (int x = 0; x < w; x++) {
                    double gx = sourceCoordinate(x + dx, s, upW);
                    mask[y * w + x] = (float) bilinear(grid, s, gy, gx);
                }
            }
            out[m] = mask;
        }
        return out;
    }

    /** Half-pixel-centre mapping of an output pixel of a {@code from}→{@code to} resize, clamped. */
    private static double sourceCoordinate(int dst, int src, int dstSize) {
        double v = (dst + 0.5) * src / dstSize - 0.5;
        return Math.max(0, Math.min(src - 1, v));
    }

    private static double bilinear(float[] grid, int s, double y, double x) {
        int y0 = (int) Math.floor(y);
        int x0 = (int) Math.floor(x);
        int y1 = Math.min(y0 + 1, s - 1);
        int x1 = Math.min(x0 + 1, s - 1);
        double fy = y - y0;
        double fx = x - x0;
        double top = grid[y0 * s + x0] * (1 - fx) + grid[y0 * s + x1] * fx;
        double bottom = grid[y1 * s + x0] * (1 - fx) + grid[y1 * s + x1] * fx;
        return top * (1 - fy) + bottom * fy;
    }

    /** The saliency map of class {@code cls} for one image, {@code float[H·W]}. */
    public float[] saliency(Scorer scorer, float[] image, int cls) throws EvaluationException {
        int hw = shape.pixels();
        int channels = shape.channels();
        double[] sal = new double[hw];
        int n = masks.length;
        for (int start = 0; start < n; start += config.batch()) {
            int end = Math.min(n, start + config.batch());
            float[][] batch = new float[end - start][];
            for (int m = start; m < end; m++) {
                float[] mask = masks[m];
                float[] masked = new float[image.length];
                for (int c = 0; c < channels; c++) {
                    int base = c * hw;
                    for (int p = 0; p < hw; p++) {
                        masked[base + p] = image[base + p] * mask[p];
                    }
                }
                batch[m - start] = masked;
            }
            float[][] probs = scorer.probabilities(batch);
            for (int m = start; m < end; m++) {
                double p = probs[m - start][cls];
                float[] mask = masks[m];
                for (int i = 0; i < hw; i++) {
                    sal[i] += p * mask[i];
                }
            }
        }
        float[] out = new float[hw];
        double norm = n * config.keep();
        for (int i = 0; i < hw; i++) {
            out[i] = (float) (sal[i] / norm);
        }
        return out;
    }
}
