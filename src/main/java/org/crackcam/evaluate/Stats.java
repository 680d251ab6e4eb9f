package org.crackcam.evaluate;

import org.apache.commons.math3.stat.inference.TestUtils;
import org.apache.commons.math3.stat.inference.WilcoxonSignedRankTest;

/** Mean, sample standard deviation and the paired tests used to compare methods per image. */
public final class Stats {
    private Stats() {
    }

    /**
     * A paired comparison of two methods on the same images (a − b).
     *
     * @param n pairs
     * @param meanDifference mean of a − b
     * @param wilcoxonW Wilcoxon signed-rank statistic (the larger of W+ and W−, Commons Math)
     * @param wilcoxonP two-sided p-value (exact for n ≤ 30, normal approximation above)
     * @param pairedT paired t statistic
     * @param pairedTP two-sided p-value of the paired t-test
     */
    public record Paired(int n, double meanDifference, double wilcoxonW, double wilcoxonP,
                         double pairedT, double pairedTP) {
    }

    public static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return x.length == 0 ? Double.NaN : s / x.length;
    }

    /** Sample standard deviation (n − 1); NaN for fewer than two values. */
    public static double std(double[] x) {
        if (x.length < 2) {
            return Double.NaN;
        }
        double m = mean(x);
        double s = 0;
        for (double v : x) {
            s += (v - m) * (v - m);
        }
        return Math.sqrt(s / (x.length - 1));
    }

    /** Largest sample for Wilcoxon's exact p-value (2^n work); larger samples use the normal approximation. */
    static final int EXACT_WILCOXON_MAX_N = 20;

    /** Paired tests of a against b; needs at least two pairs that are not all equal. */
    public static Paired paired(double[] a, double[] b) {
        if (a.length != b.length || a.length < 2) {
            throw new IllegalArgumentException("paired test needs two equal-length samples of >= 2, got "
                    + a.length + " and " + b.length);
        }
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        WilcoxonSignedRankTest w = new WilcoxonSignedRankTest();
        double wStat = w.wilcoxonSignedRank(a, b);
        // commons-math's exact p-value enumerates all 2^n sign patterns: n = 30 is 10^9 patterns
        // (minutes per test); the normal approximation is accurate well before n = 20.
        double wP = w.wilcoxonSignedRankTest(a, b, a.length <= EXACT_WILCOXON_MAX_N);
        double t = TestUtils.pairedT(a, b);
        double tP = TestUtils.pairedTTest(a, b);
        return new Paired(a.length, mean(d), wStat, wP, t, tP);
    }
}
