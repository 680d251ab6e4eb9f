package org.crackcam.evaluate;

import java.util.SplittableRandom;

/**
 * ROAD's noisy linear imputation (Rong, Leemann et al., ICML 2022): every removed pixel becomes
 * the weighted mean of its 8 neighbours inside the image — weight 1/6 for the 4 direct and 1/12
 * for the 4 diagonal ones — solved jointly for all removed pixels, plus Gaussian noise.
 *
 * <p>For removed pixel i with in-image neighbours N(i) the equation is
 * {@code (Σ_{j∈N(i)} w_ij)·x_i − Σ_{j∈N(i) removed} w_ij·x_j = Σ_{j∈N(i) kept} w_ij·v_j}. The
 * matrix is symmetric and, when at least one pixel is kept, positive definite (every connected
 * set of removed pixels touches a kept one, the 8-neighbour grid being connected), so it is
 * solved by conjugate gradients, each channel separately, in double precision, started from the
 * caller's guess. When every pixel is removed the system is singular; the image is then filled
 * with its mean colour (documented in docs/evaluation.md; tools/eval_reference.py does the same).
 *
 * <p>Noise: {@code σ · N(0, 1)} added to the removed pixels only; the noise field is drawn for
 * every value of the image from {@code noiseSeed} (row-major, channel-major), so two calls with
 * the same seed and the same removed set give the same image. Not thread-safe: one instance per
 * thread (it keeps work arrays).
 */
public final class LinearImputer {
    /** ROAD's (and Quantus's) default noise σ, in the RGB [0, 1] input space. */
    public static final double DEFAULT_NOISE = 0.01;
    static final double DIRECT = 1.0 / 6.0;
    static final double DIAGONAL = 1.0 / 12.0;
    private static final int[] DY = {-1, -1, -1, 0, 0, 1, 1, 1};
    private static final int[] DX = {-1, 0, 1, -1, 1, -1, 0, 1};
    private static final double[] W = {DIAGONAL, DIRECT, DIAGONAL, DIRECT, DIRECT, DIAGONAL, DIRECT, DIAGONAL};

    private final ImageShape shape;
    private final double noise;
    private final double tolerance;
    private final int maxIterations;
    private long iterations;
    private long solves;

    /**
     * @param noise σ of the added Gaussian noise (0 = the plain linear imputation)
     * @param tolerance CG stops when ‖r‖ ≤ tolerance·‖b‖ (per channel)
     */
    public LinearImputer(ImageShape shape, double noise, double tolerance) {
        if (noise < 0 || !(tolerance > 0)) {
            throw new IllegalArgumentException("noise must be >= 0 and tolerance > 0, got " + noise + ", " + tolerance);
        }
        this.shape = shape;
        this.noise = noise;
        this.tolerance = tolerance;
        this.maxIterations = 20 * shape.pixels();
    }

    public LinearImputer(ImageShape shape) {
        this(shape, DEFAULT_NOISE, 1e-7);
    }

    public ImageShape shape() {
        return shape;
    }

    /** CG iterations summed over all solves and channels so far (for the cost report). */
    public long iterations() {
        return iterations;
    }

    public long solves() {
        return solves;
    }

    /**
     * The image with its removed pixels imputed.
     *
     * @param image CHW values, not modified
     * @param removed H×W, true = impute this pixel
     * @param guess CHW starting values for the removed pixels (e.g. the previous step's result), or
     *              null to start from a pull-push fill; only speeds up the solve
     * @param noiseSeed seed of the noise field
     * @return a new CHW array: kept pixels as in {@code image}, removed ones imputed
     */
    public float[] impute(float[] image, boolean[] removed, float[] guess, long noiseSeed) {
        int hw = shape.pixels();
        int h = shape.height();
        int w = shape.width();
        if (image.length != shape.values() || removed.length != hw) {
            throw new IllegalArgumentException("image/mask size does not match " + shape);
        }
        float[] out = image.clone();
        int m = 0;
        int[] index = new int[hw];     // pixel -> unknown number, -1 if kept
        for (int p = 0; p < hw; p++) {
            index[p] = removed[p] ? m++ : -1;
        }
        if (m == 0) {
            return out;
        }
        int[] pixel = new int[m];
        for (int p = 0; p < hw; p++) {
            if (index[p] >= 0) {
                pixel[index[p]] = p;
            }
        }
        solves++;
        // the matrix's off-diagonal part in CSR form: removed neighbours of each unknown and weights
        int[] rowStart = new int[m + 1];
        int[] col = new int[8 * m];
        double[] wgt = new double[8 * m];
        int nnz = 0;
        for (int u = 0; u < m; u++) {
            rowStart[u] = nnz;
            int p = pixel[u];
            int y = p / w;
            int xx = p % w;
            for (int k = 0; k < 8; k++) {
                int yy = y + DY[k];
                int xk = xx + DX[k];
                if (yy >= 0 && yy < h && xk >= 0 && xk < w && index[yy * w + xk] >= 0) {
                    col[nnz] = index[yy * w + xk];
                    wgt[nnz] = W[k];
                    nnz++;
                }
            }
        }
        rowStart[m] = nnz;
        for (int c = 0; c < shape.channels(); c++) {
            int base = c * hw;
            double[] x = new double[m];
            if (m == hw) {
                double mean = 0;
                for (int p = 0; p < hw; p++) {
                    mean += image[base + p];
                }
                java.util.Arrays.fill(x, mean / hw);
            } else {
                double[] diag = new double[m];
                double[] b = new double[m];
                for (int u = 0; u < m; u++) {
                    int p = pixel[u];
                    int y = p / w;
                    int xx = p % w;
                    double d = 0;
                    double s = 0;
                    for (int k = 0; k < 8; k++) {
                        int yy = y + DY[k];
                        int xk = xx + DX[k];
                        if (yy < 0 || yy >= h || xk < 0 || xk >= w) {
                            continue;
                        }
                        d += W[k];
                        int q = yy * w + xk;
                        if (index[q] < 0) {
                            s += W[k] * image[base + q];
                        }
                    }
                    diag[u] = d;
                    b[u] = s;
                    x[u] = guess != null ? guess[base + p] : Double.NaN;
                }
                if (guess == null) {
                    double[] fill = pushPull(image, base, removed, h, w);
                    for (int u = 0; u < m; u++) {
                        x[u] = fill[pixel[u]];
                    }
                }
                conjugateGradient(rowStart, col, wgt, diag, b, x);
            }
            for (int u = 0; u < m; u++) {
                out[base + pixel[u]] = (float) x[u];
            }
        }
        if (noise > 0) {
            SplittableRandom rng = new SplittableRandom(noiseSeed);
            for (int c = 0; c < shape.channels(); c++) {
                for (int p = 0; p < hw; p++) {
                    double z = gaussian(rng);
                    if (removed[p]) {
                        out[c * hw + p] += (float) (noise * z);
                    }
                }
            }
        }
        return out;
    }

    /**
     * A cheap smooth fill of the removed pixels (pull-push over a 2×2 pyramid: each coarse cell is
     * the mean of its kept fine cells, removed fine cells take their parent's value), used only as
     * the starting point of the solve: it removes the low frequencies CG is slow to find.
     */
    static double[] pushPull(float[] image, int base, boolean[] removed, int h, int w) {
        double[] val = new double[h * w];
        double[] wt = new double[h * w];
        for (int p = 0; p < h * w; p++) {
            if (!removed[p]) {
                val[p] = image[base + p];
                wt[p] = 1;
            }
        }
        fillLevel(val, wt, h, w);
        return val;
    }

    /** Fills cells with weight 0 from the next coarser level (recursively), in place. */
    private static void fillLevel(double[] val, double[] wt, int h, int w) {
        boolean holes = false;
        for (double v : wt) {
            if (v == 0) {
                holes = true;
                break;
            }
        }
        if (!holes || (h == 1 && w == 1)) {
            return;
        }
        int h2 = (h + 1) / 2;
        int w2 = (w + 1) / 2;
        double[] cv = new double[h2 * w2];
        double[] cw = new double[h2 * w2];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int c = (y / 2) * w2 + x / 2;
                cv[c] += val[y * w + x] * wt[y * w + x];
                cw[c] += wt[y * w + x];
            }
        }
        for (int c = 0; c < cv.length; c++) {
            if (cw[c] > 0) {
                cv[c] /= cw[c];
                cw[c] = 1;
            }
        }
        fillLevel(cv, cw, h2, w2);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (wt[y * w + x] == 0) {
                    val[y * w + x] = cv[(y / 2) * w2 + x / 2];
                }
            }
        }
    }

    /** y = A·x = diag·x − (off-diagonal weights)·x. */
    private static void multiply(int[] rowStart, int[] col, double[] wgt, double[] diag, double[] x, double[] y) {
        for (int u = 0; u < x.length; u++) {
            double s = diag[u] * x[u];
            for (int e = rowStart[u]; e < rowStart[u + 1]; e++) {
                s -= wgt[e] * x[col[e]];
            }
            y[u] = s;
        }
    }

    private void conjugateGradient(int[] rowStart, int[] col, double[] wgt, double[] diag, double[] b, double[] x) {
        int m = x.length;
        double[] r = new double[m];
        double[] p = new double[m];
        double[] ap = new double[m];
        multiply(rowStart, col, wgt, diag, x, ap);
        double bb = 0;
        double rr = 0;
        for (int i = 0; i < m; i++) {
            r[i] = b[i] - ap[i];
            p[i] = r[i];
            rr += r[i] * r[i];
            bb += b[i] * b[i];
        }
        double stop = tolerance * tolerance * Math.max(bb, 1e-30);
        for (int it = 0; it < maxIterations && rr > stop; it++) {
            multiply(rowStart, col, wgt, diag, p, ap);
            double pap = 0;
            for (int i = 0; i < m; i++) {
                pap += p[i] * ap[i];
            }
            double alpha = rr / pap;
            double rrNew = 0;
            for (int i = 0; i < m; i++) {
                x[i] += alpha * p[i];
                r[i] -= alpha * ap[i];
                rrNew += r[i] * r[i];
            }
            double beta = rrNew / rr;
            for (int i = 0; i < m; i++) {
                p[i] = r[i] + beta * p[i];
            }
            rr = rrNew;
            iterations++;
        }
    }

    /** A standard normal variate (Box–Muller, one of the pair; deterministic for a seed). */
    private static double gaussian(SplittableRandom rng) {
        double u1 = rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
