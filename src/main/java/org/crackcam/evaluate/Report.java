package org.crackcam.evaluate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Results over all bundles (trained seeds): mean ± std over bundles per method, and paired
 * tests of LRP-BN against every baseline on per-image ID (each image's ID averaged over the
 * bundles first).
 */
public record Report(String createdAt, Map<String, Object> settings, List<Summary> summary,
                     List<Comparison> comparisons, String bestBaseline, List<Evaluation.BundleResult> bundles,
                     double wallSeconds) {

    /** Mean and sample std over bundles (std NaN with one bundle). */
    public record Stat(double mean, double std) {
        static Stat of(double[] values) {
            return new Stat(Stats.mean(values), Stats.std(values));
        }
    }

    /**
     * One method over all bundles; seconds are per image, averaged over bundles.
     *
     * @param mapSecondsPerImage time to make the map (graph run, C1C, or RISE's N ABN passes)
     * @param metricSecondsPerImage time of Insertion + Deletion + IoU for one map
     */
    public record Summary(String method, String role, String description, int bundles, Stat accuracy,
                          Stat insertion, Stat deletion, Stat id, Stat iou, int iouImages,
                          double mapSecondsPerImage, double metricSecondsPerImage) {
    }

    /** LRP-BN against one baseline on per-image ID. */
    public record Comparison(String ours, String baseline, Stats.Paired test) {
    }

    public static Report of(String createdAt, Map<String, Object> settings, List<Evaluation.BundleResult> bundles,
                            double wallSeconds) {
        List<String> order = new ArrayList<>();
        for (var b : bundles) {
            for (var m : b.methods()) {
                if (!order.contains(m.method())) {
                    order.add(m.method());
                }
            }
        }
        List<Summary> summary = new ArrayList<>();
        for (String id : order) {
            List<Evaluation.MethodResult> rs = new ArrayList<>();
            List<Double> acc = new ArrayList<>();
            for (var b : bundles) {
                var r = b.method(id);
                if (r != null) {
                    rs.add(r);
                    acc.add(b.accuracy());
                }
            }
            int k = rs.size();
            double[] a = new double[k];
            double[] ins = new double[k];
            double[] del = new double[k];
            double[] idv = new double[k];
            double[] iou = new double[k];
            double mapS = 0;
            double metS = 0;
            for (int i = 0; i < k; i++) {
                var r = rs.get(i);
                a[i] = acc.get(i);
                ins[i] = r.insertion();
                del[i] = r.deletion();
                idv[i] = r.id();
                iou[i] = r.iou();
                mapS += r.mapSeconds() / r.images() / k;
                metS += r.metricSeconds() / r.images() / k;
            }
            var first = rs.get(0);
            summary.add(new Summary(id, first.role(), first.description(), k, Stat.of(a), Stat.of(ins),
                    Stat.of(del), Stat.of(idv), Stat.of(iou), first.iouImages(), mapS, metS));
        }
        String best = null;
        double bestId = Double.NEGATIVE_INFINITY;
        for (Summary s : summary) {
            if (s.role().equals("baseline") && s.id().mean() > bestId) {
                bestId = s.id().mean();
                best = s.method();
            }
        }
        List<Comparison> comparisons = new ArrayList<>();
        double[] ours = perImageMeanId(bundles, Method.LRP_BN.id());
        if (ours != null && ours.length >= 2) {
            for (Summary s : summary) {
                if (s.role().equals("baseline")) {
                    double[] theirs = perImageMeanId(bundles, s.method());
                    if (theirs != null) {
                        comparisons.add(new Comparison(Method.LRP_BN.id(), s.method(), Stats.paired(ours, theirs)));
                    }
                }
            }
        }
        return new Report(createdAt, new LinkedHashMap<>(settings), summary, comparisons, best, bundles, wallSeconds);
    }

    /** Per-image ID averaged over the bundles that ran the method (same samples in every bundle). */
    static double[] perImageMeanId(List<Evaluation.BundleResult> bundles, String method) {
        double[] sum = null;
        int k = 0;
        for (var b : bundles) {
            var r = b.method(method);
            if (r == null) {
                continue;
            }
            if (sum == null) {
                sum = new double[r.perImageId().length];
            }
            for (int i = 0; i < sum.length; i++) {
                sum[i] += r.perImageId()[i];
            }
            k++;
        }
        if (sum == null) {
            return null;
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] /= k;
        }
        return sum;
    }
}
