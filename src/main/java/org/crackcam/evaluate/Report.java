package org.crackcam.evaluate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Results over all bundles (trained seeds), one table per substrate.
 *
 * <p>Per substrate and method: Insertion, Deletion, ID as mean ± sample std over bundles; the ID
 * on the {@code truth} anchor's images (crack images with a mask) and that ID as a fraction of
 * truth's ID on the same images; a sanity verdict from the anchors (random ≈ 0 and truth best);
 * paired tests per image (each image's value first averaged over the bundles) of LRP-BN against
 * every baseline on all images and of every method against truth on truth's images. Mask metrics
 * do not depend on the substrate and form one table.
 */
public record Report(String createdAt, Map<String, Object> settings, Stat accuracy, List<Table> tables,
                     String anchorSubstrate, String anchorReason, List<MaskRow> masks, List<CostRow> costs,
                     List<Evaluation.BundleResult> bundles, double wallSeconds) {

    /** |random ID| at most this is "≈ 0". */
    public static final double RANDOM_TOLERANCE = 0.05;

    /** Mean and sample std over bundles (std NaN with one bundle). */
    public record Stat(double mean, double std) {
        static Stat of(double[] values) {
            return new Stat(Stats.mean(values), Stats.std(values));
        }
    }

    /**
     * One method under one substrate over all bundles.
     *
     * @param idOnTruthImages ID averaged over the crack images with a mask only
     * @param fractionOfTruth idOnTruthImages / truth's ID on the same images, per bundle
     */
    public record Row(String method, String role, String description, int bundles, int images, Stat insertion,
                      Stat deletion, Stat id, Stat idOnTruthImages, Stat fractionOfTruth) {
    }

    /**
     * What the anchors say about a substrate.
     *
     * @param broken true when random is not ≈ 0 or truth is not the best row
     * @param verdict one sentence for the report
     */
    public record Sanity(double randomId, double truthId, String bestOther, double bestOtherId, boolean randomNearZero,
                         boolean truthBest, boolean broken, String verdict) {
    }

    /** One paired comparison (a − b) on per-image ID; {@code images} says which images. */
    public record Comparison(String a, String b, String images, Stats.Paired test) {
    }

    /** One substrate's table. */
    public record Table(String substrate, List<Row> rows, Sanity sanity, String bestBaseline,
                        List<Comparison> comparisons) {
        public Row row(String method) {
            for (Row r : rows) {
                if (r.method().equals(method)) {
                    return r;
                }
            }
            return null;
        }
    }

    /** Mask metrics of one method (substrate-independent). */
    public record MaskRow(String method, String role, int images, double tolerance, Stat iou, Stat precision,
                          Stat recall, Stat f1) {
    }

    /** Seconds per image, averaged over bundles: making the map, and all curves + mask metrics. */
    public record CostRow(String method, double mapSecondsPerImage, double metricSecondsPerImage) {
    }

    public static Report of(String createdAt, Map<String, Object> settings, List<Evaluation.BundleResult> bundles,
                            double wallSeconds) {
        List<String> order = new ArrayList<>();
        List<String> substrates = new ArrayList<>();
        for (var b : bundles) {
            for (var m : b.methods()) {
                if (!order.contains(m.method())) {
                    order.add(m.method());
                }
                for (var c : m.curves()) {
                    if (!substrates.contains(c.substrate())) {
                        substrates.add(c.substrate());
                    }
                }
            }
        }
        double[] acc = new double[bundles.size()];
        for (int i = 0; i < acc.length; i++) {
            acc[i] = bundles.get(i).accuracy();
        }
        List<Table> tables = new ArrayList<>();
        for (String sub : substrates) {
            tables.add(table(sub, order, bundles));
        }
        String anchor = null;
        double best = Double.NEGATIVE_INFINITY;
        boolean bestSound = false;
        for (Table t : tables) {
            Sanity s = t.sanity();
            if (Double.isNaN(s.truthId()) || Double.isNaN(s.randomId())) {
                continue;
            }
            boolean sound = !s.broken();
            double score = s.truthId() - Math.abs(s.randomId());
            if ((sound && !bestSound) || (sound == bestSound && score > best)) {
                best = score;
                anchor = t.substrate();
                bestSound = sound;
            }
        }
        String reason = anchor == null ? "no substrate has both anchors (no crack images with masks?)"
                : (bestSound ? "the sound substrate (random ≈ 0, truth best) with the highest truth ID − |random ID|"
                : "no substrate passes both anchor checks; highest truth ID − |random ID|");
        List<MaskRow> masks = new ArrayList<>();
        List<CostRow> costs = new ArrayList<>();
        for (String id : order) {
            List<Evaluation.MethodResult> rs = results(bundles, id);
            int k = rs.size();
            double[] iou = new double[k];
            double[] pr = new double[k];
            double[] re = new double[k];
            double[] f1 = new double[k];
            double mapS = 0;
            double metS = 0;
            for (int i = 0; i < k; i++) {
                var mk = rs.get(i).mask();
                iou[i] = mk.iou();
                pr[i] = mk.precision();
                re[i] = mk.recall();
                f1[i] = mk.f1();
                int imgs = Math.max(1, rs.get(i).mapImages());
                mapS += rs.get(i).mapSeconds() / imgs / k;
                metS += rs.get(i).metricSeconds() / imgs / k;
            }
            var first = rs.get(0);
            masks.add(new MaskRow(id, first.role(), first.mask().images(), first.mask().tolerance(), Stat.of(iou),
                    Stat.of(pr), Stat.of(re), Stat.of(f1)));
            costs.add(new CostRow(id, mapS, metS));
        }
        return new Report(createdAt, new LinkedHashMap<>(settings), Stat.of(acc), List.copyOf(tables), anchor, reason,
                List.copyOf(masks), List.copyOf(costs), bundles, wallSeconds);
    }

    private static List<Evaluation.MethodResult> results(List<Evaluation.BundleResult> bundles, String method) {
        List<Evaluation.MethodResult> rs = new ArrayList<>();
        for (var b : bundles) {
            var r = b.method(method);
            if (r != null) {
                rs.add(r);
            }
        }
        return rs;
    }

    private static Table table(String sub, List<String> order, List<Evaluation.BundleResult> bundles) {
        List<Row> rows = new ArrayList<>();
        for (String id : order) {
            List<double[]> vals = new ArrayList<>();   // per bundle: ins, del, id, idTruth, fraction
            String role = null;
            String description = null;
            int images = 0;
            for (var b : bundles) {
                var m = b.method(id);
                if (m == null || m.curve(sub) == null) {
                    continue;
                }
                var c = m.curve(sub);
                role = m.role();
                description = m.description();
                images = c.images();
                double idTruth = meanOver(c.perImageId(), b.truthImages());
                var t = b.method(Method.TRUTH.id());
                double truthId = t == null || t.curve(sub) == null ? Double.NaN
                        : meanOver(t.curve(sub).perImageId(), b.truthImages());
                vals.add(new double[] {c.insertion(), c.deletion(), c.id(), idTruth, idTruth / truthId});
            }
            if (vals.isEmpty()) {
                continue;
            }
            rows.add(new Row(id, role, description, vals.size(), images, column(vals, 0), column(vals, 1),
                    column(vals, 2), column(vals, 3), column(vals, 4)));
        }
        Sanity sanity = sanity(rows);
        String best = null;
        double bestId = Double.NEGATIVE_INFINITY;
        for (Row r : rows) {
            if (r.role().equals("baseline") && r.id().mean() > bestId) {
                bestId = r.id().mean();
                best = r.method();
            }
        }
        List<Comparison> comparisons = new ArrayList<>();
        double[] ours = perImageMeanId(bundles, Method.LRP_BN.id(), sub);
        for (Row r : rows) {
            if (ours != null && r.role().equals("baseline")) {
                double[] theirs = perImageMeanId(bundles, r.method(), sub);
                addPaired(comparisons, Method.LRP_BN.id(), r.method(), "all images", ours, theirs);
            }
        }
        double[] truth = perImageMeanId(bundles, Method.TRUTH.id(), sub);
        if (truth != null) {
            for (Row r : rows) {
                if (!r.method().equals(Method.TRUTH.id())) {
                    addPaired(comparisons, r.method(), Method.TRUTH.id(), "crack images with a mask",
                            perImageMeanId(bundles, r.method(), sub), truth);
                }
            }
        }
        return new Table(sub, List.copyOf(rows), sanity, best, List.copyOf(comparisons));
    }

    /** Paired test on the images where both values exist; skipped with fewer than 2 pairs or no differences. */
    private static void addPaired(List<Comparison> out, String a, String b, String images, double[] x, double[] y) {
        if (x == null || y == null) {
            return;
        }
        List<double[]> pairs = new ArrayList<>();
        boolean differs = false;
        for (int i = 0; i < x.length; i++) {
            if (!Double.isNaN(x[i]) && !Double.isNaN(y[i])) {
                pairs.add(new double[] {x[i], y[i]});
                differs |= x[i] != y[i];
            }
        }
        if (pairs.size() < 2 || !differs) {
            return;
        }
        double[] xa = new double[pairs.size()];
        double[] ya = new double[pairs.size()];
        for (int i = 0; i < xa.length; i++) {
            xa[i] = pairs.get(i)[0];
            ya[i] = pairs.get(i)[1];
        }
        out.add(new Comparison(a, b, images, Stats.paired(xa, ya)));
    }

    static Sanity sanity(List<Row> rows) {
        Row random = null;
        Row truth = null;
        Row bestOther = null;
        for (Row r : rows) {
            if (r.method().equals(Method.RANDOM.id())) {
                random = r;
            } else if (r.method().equals(Method.TRUTH.id())) {
                truth = r;
            }
            if (!r.role().equals("anchor") && !Double.isNaN(r.idOnTruthImages().mean())
                    && (bestOther == null || r.idOnTruthImages().mean() > bestOther.idOnTruthImages().mean())) {
                bestOther = r;
            }
        }
        double rid = random == null ? Double.NaN : random.id().mean();
        double tid = truth == null ? Double.NaN : truth.idOnTruthImages().mean();
        double oid = bestOther == null ? Double.NaN : bestOther.idOnTruthImages().mean();
        boolean nearZero = !Double.isNaN(rid) && Math.abs(rid) <= RANDOM_TOLERANCE;
        boolean truthBest = !Double.isNaN(tid) && (Double.isNaN(oid) || tid >= oid);
        boolean broken = !nearZero || !truthBest;
        String verdict;
        if (random == null || truth == null) {
            verdict = "anchors not run (need both truth and random, and crack images with masks)";
            broken = true;
        } else if (!broken) {
            verdict = String.format(java.util.Locale.ROOT,
                    "anchors sound: random ID %.3f (within ±%.2f), truth ID %.3f is the best on crack images",
                    rid, RANDOM_TOLERANCE, tid);
        } else {
            List<String> why = new ArrayList<>();
            if (!nearZero) {
                why.add(String.format(java.util.Locale.ROOT, "random ID %.3f is not ≈ 0", rid));
            }
            if (!truthBest) {
                why.add(String.format(java.util.Locale.ROOT, "truth ID %.3f is below %s's %.3f on the same images",
                        tid, bestOther.method(), oid));
            }
            verdict = "metric broken under this substrate: " + String.join("; ", why);
        }
        return new Sanity(rid, tid, bestOther == null ? null : bestOther.method(), oid, nearZero, truthBest, broken,
                verdict);
    }

    private static Stat column(List<double[]> vals, int c) {
        double[] x = new double[vals.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = vals.get(i)[c];
        }
        return Stat.of(x);
    }

    private static double meanOver(double[] values, boolean[] where) {
        double s = 0;
        int k = 0;
        for (int i = 0; i < values.length; i++) {
            if (where[i] && !Double.isNaN(values[i])) {
                s += values[i];
                k++;
            }
        }
        return k == 0 ? Double.NaN : s / k;
    }

    /** Per-image ID averaged over the bundles that ran the method (same samples in every bundle); NaN kept. */
    static double[] perImageMeanId(List<Evaluation.BundleResult> bundles, String method, String substrate) {
        double[] sum = null;
        int k = 0;
        for (var b : bundles) {
            var r = b.method(method);
            if (r == null || r.curve(substrate) == null) {
                continue;
            }
            double[] v = r.curve(substrate).perImageId();
            if (sum == null) {
                sum = new double[v.length];
            }
            for (int i = 0; i < sum.length; i++) {
                sum[i] += v[i];
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
