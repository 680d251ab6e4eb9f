package org.crackcam.evaluate;

/**
 * Crack-mask scores as crack segmentation benchmarks (CrackForest, DeepCrack, CrackFormer)
 * report them: precision, recall and F1 with a pixel tolerance k, beside the strict IoU.
 *
 * <p>A predicted pixel is correct when a truth pixel lies within Euclidean distance k of it
 * (between pixel centres); a truth pixel is found when a predicted pixel lies within k of it.
 * precision = correct predicted / predicted, recall = found truth / truth, F1 their harmonic
 * mean. With k = 0 both counts are the strict intersection. Conventions for empty sets: no
 * predicted pixel gives precision 0 (and F1 0) when there is truth; callers skip images
 * without truth pixels. IoU is always strict.
 */
public final class MaskMetrics {
    private MaskMetrics() {
    }

    /**
     * Counts of one predicted mask against one truth mask.
     *
     * @param predictedMatched predicted pixels with a truth pixel within k
     * @param truthMatched truth pixels with a predicted pixel within k
     */
    public record Counts(int predicted, int truth, int predictedMatched, int truthMatched, int intersection,
                         int union) {
        public double precision() {
            return predicted == 0 ? 0.0 : (double) predictedMatched / predicted;
        }

        public double recall() {
            return truth == 0 ? Double.NaN : (double) truthMatched / truth;
        }

        public double f1() {
            double p = precision();
            double r = recall();
            return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
        }

        /** Strict IoU; NaN when both masks are empty. */
        public double iou() {
            return union == 0 ? Double.NaN : (double) intersection / union;
        }
    }

    /**
     * @param predicted H×W row-major
     * @param truth H×W row-major
     * @param tolerance k in pixels, &gt;= 0
     */
    public static Counts of(boolean[] predicted, boolean[] truth, int h, int w, double tolerance) {
        if (predicted.length != h * w || truth.length != h * w) {
            throw new IllegalArgumentException("masks must be " + h + "x" + w + ", got " + predicted.length + " and "
                    + truth.length + " pixels");
        }
        if (tolerance < 0) {
            throw new IllegalArgumentException("tolerance must be >= 0, got " + tolerance);
        }
        double k2 = tolerance * tolerance + 1e-9;
        double[] toTruth = DistanceTransform.squared(truth, h, w);
        double[] toPredicted = DistanceTransform.squared(predicted, h, w);
        int np = 0;
        int nt = 0;
        int pm = 0;
        int tm = 0;
        int inter = 0;
        int union = 0;
        for (int i = 0; i < predicted.length; i++) {
            if (predicted[i]) {
                np++;
                if (toTruth[i] <= k2) {
                    pm++;
                }
            }
            if (truth[i]) {
                nt++;
                if (toPredicted[i] <= k2) {
                    tm++;
                }
            }
            if (predicted[i] && truth[i]) {
                inter++;
            }
            if (predicted[i] || truth[i]) {
                union++;
            }
        }
        return new Counts(np, nt, pm, tm, inter, union);
    }
}
