package org.crackcam.evaluate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

import com.fasterxml.jackson.annotation.JsonIgnore;
import org.crackcam.explain.CrackMask;
import org.tinylog.Logger;

/**
 * Runs every method on every sample of one bundle and collects the metrics per image, method
 * and substrate: accuracy; Insertion, Deletion and ID under each substrate; strict IoU and
 * tolerant precision/recall/F1 of the binarised map against the crack mask.
 *
 * <p>Per batch of samples: the ABN gives accuracy and the predicted class; each method makes
 * one map per image for the scored class (see {@link ScoreClass}); Insertion/Deletion score
 * those maps with the ABN's p_PB under every configured substrate; the mask metrics compare the
 * binarised map with the mask on crack images that have one. The {@code truth} anchor exists
 * only on crack images with a non-empty mask: its per-image values are NaN elsewhere. Graph
 * outputs are computed once per batch and shared by the methods that read them; each method's
 * map time counts its graph's full run time (the cost it would have alone). One thread.
 */
public final class Evaluation {
    /** Which class C is scored (and explained) for an image. */
    public enum ScoreClass {
        /** the image's true class (the paper: "the class C of x"). */
        TRUE,
        /** the ABN's predicted class (RISE's evaluation code). */
        PREDICTED,
        /** always the crack class (the runtime's target). */
        CRACK
    }

    /**
     * @param methods methods to run, in table order
     * @param curves one Insertion/Deletion setting per substrate, in report order
     * @param rise RISE's N, s, p1, seed, batch
     * @param scoreClass the class scored and explained
     * @param binarisation how maps without their own mask (all but C1C maps) are cut for the mask metrics
     * @param tolerance k of the tolerant mask metrics, in pixels at the model input
     * @param batch samples per batch (graph runs for maps)
     * @param scorerBatch images per ABN call when scoring curves
     * @param examples how many samples keep their maps for the example grid
     * @param seed seed of the random anchor and of ROAD's noise (per image: mixed with the sample id)
     */
    public record Config(List<Method> methods, List<InsertionDeletion.Config> curves, Rise.Config rise,
                         ScoreClass scoreClass, Iou.Binarisation binarisation, double tolerance, int batch,
                         int scorerBatch, int examples, long seed) {
        public Config {
            if (curves.isEmpty()) {
                throw new IllegalArgumentException("at least one substrate is needed");
            }
            methods = List.copyOf(methods);
            curves = List.copyOf(curves);
        }
    }

    /**
     * One method under one substrate on one bundle. Per-image arrays follow
     * {@link BundleResult#sampleIds}; NaN where the method has no map (truth off crack images).
     */
    public record CurveResult(String substrate, int images, double insertion, double deletion, double id,
                              double[] perImageInsertion, double[] perImageDeletion, double[] perImageId,
                              double[] meanInsertionCurve, double[] meanDeletionCurve) {
    }

    /** Mask metrics of one method on crack images with a mask; per-image NaN elsewhere. */
    public record MaskResult(int images, double tolerance, double iou, double precision, double recall, double f1,
                             double[] perImageIou, double[] perImagePrecision, double[] perImageRecall,
                             double[] perImageF1) {
    }

    /** One method's results on one bundle. */
    public record MethodResult(String method, String role, String description, List<CurveResult> curves,
                               MaskResult mask, double mapSeconds, double metricSeconds, int mapImages) {
        public CurveResult curve(String substrate) {
            for (CurveResult c : curves) {
                if (c.substrate().equals(substrate)) {
                    return c;
                }
            }
            return null;
        }
    }

    /** One bundle's results; {@code examples} (maps kept for the figure) is not written to JSON. */
    public record BundleResult(String bundle, int images, double accuracy, List<String> sampleIds, int[] labels,
                               int[] predictions, boolean[] truthImages, double[] curveFraction,
                               List<MethodResult> methods, long scorerPasses, long imputerIterations,
                               long imputerSolves, double wallSeconds, @JsonIgnore Examples examples) {
        public MethodResult method(String id) {
            for (MethodResult m : methods) {
                if (m.method().equals(id)) {
                    return m;
                }
            }
            return null;
        }
    }

    /** Inputs, masks and maps of the first few samples, for the example grid (a map may be null). */
    public record Examples(List<String> ids, List<Integer> labels, List<float[]> images, List<boolean[]> masks,
                           Map<String, List<float[]>> maps) {
    }

    private final Config config;
    private final MapTransform c1c;

    /** @param c1c the runtime's C1C, applied to maps of methods with {@link Method#c1c()} */
    public Evaluation(Config config, MapTransform c1c) {
        this.config = config;
        this.c1c = c1c;
    }

    /**
     * Evaluates one bundle.
     *
     * @param progress called with the number of samples finished so far
     */
    public BundleResult run(Graphs graphs, List<EvalDataset.Sample> samples, IntConsumer progress)
            throws EvaluationException {
        long t0 = System.nanoTime();
        ImageShape shape = graphs.shape();
        List<Method> methods = new ArrayList<>();
        for (Method m : config.methods()) {
            if (m.graph() != null && !graphs.has(m.graph())) {
                Logger.warn("bundle {} has no graph '{}': method {} skipped", graphs.label(), m.graph(), m.id());
                continue;
            }
            methods.add(m);
        }
        GraphScorer scorer = new GraphScorer(graphs, config.scorerBatch());
        List<InsertionDeletion> ids = new ArrayList<>();
        for (InsertionDeletion.Config c : config.curves()) {
            ids.add(new InsertionDeletion(c));
        }
        Rise rise = methods.contains(Method.RISE) ? new Rise(config.rise(), shape) : null;
        int n = samples.size();
        int[] curveN = InsertionDeletion.stepCounts(shape.pixels(), config.curves().get(0).stepPixels());
        for (InsertionDeletion.Config c : config.curves()) {
            if (c.stepPixels() != config.curves().get(0).stepPixels()) {
                throw new IllegalArgumentException("every substrate must use the same step");
            }
        }
        Map<Method, Acc> acc = new LinkedHashMap<>();
        for (Method m : methods) {
            acc.put(m, new Acc(n, curveN.length, ids.size()));
        }
        int[] labels = new int[n];
        int[] predictions = new int[n];
        boolean[] truthImages = new boolean[n];
        List<String> sampleIds = new ArrayList<>(n);
        Examples examples = new Examples(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
                new LinkedHashMap<>());
        List<Integer> exampleIdx = exampleIndices(samples, config.examples());
        int correct = 0;
        for (int start = 0; start < n; start += config.batch()) {
            int end = Math.min(n, start + config.batch());
            int b = end - start;
            EvalDataset.Loaded[] loaded = new EvalDataset.Loaded[b];
            float[][] images = new float[b][];
            long[] seeds = new long[b];
            for (int i = 0; i < b; i++) {
                loaded[i] = EvalDataset.load(samples.get(start + i), shape);
                images[i] = loaded[i].image();
                labels[start + i] = loaded[i].sample().label();
                sampleIds.add(loaded[i].sample().id());
                seeds[i] = Anchors.imageSeed(loaded[i].sample().id(), config.seed());
                boolean[] mask = loaded[i].mask();
                truthImages[start + i] = labels[start + i] == 1 && mask != null && Iou.count(mask) > 0;
            }
            float[][] p = scorer.probabilities(images);
            int[] target = new int[b];
            for (int i = 0; i < b; i++) {
                int pred = p[i][1] > p[i][0] ? 1 : 0;
                predictions[start + i] = pred;
                if (pred == labels[start + i]) {
                    correct++;
                }
                target[i] = switch (config.scoreClass()) {
                    case TRUE -> labels[start + i];
                    case PREDICTED -> pred;
                    case CRACK -> 1;
                };
            }
            Map<String, Map<String, float[][]>> outputs = new HashMap<>();
            Map<String, Double> graphSeconds = new HashMap<>();
            for (Method m : methods) {
                Acc a = acc.get(m);
                long tm = System.nanoTime();
                float[][] maps = new float[b][];
                double graphTime = 0;
                switch (m) {
                    case RISE -> {
                        for (int i = 0; i < b; i++) {
                            maps[i] = rise.saliency(scorer, images[i], target[i]);
                        }
                    }
                    case TRUTH -> {
                        for (int i = 0; i < b; i++) {
                            maps[i] = truthImages[start + i]
                                    ? Anchors.truth(loaded[i].mask(), shape.height(), shape.width()) : null;
                        }
                    }
                    case RANDOM -> {
                        for (int i = 0; i < b; i++) {
                            maps[i] = Anchors.random(seeds[i], shape.pixels());
                        }
                    }
                    default -> {
                        if (!outputs.containsKey(m.graph())) {
                            long tg = System.nanoTime();
                            outputs.put(m.graph(), graphs.run(m.graph(), images, target));
                            graphSeconds.put(m.graph(), (System.nanoTime() - tg) / 1e9);
                        } else {
                            graphTime = graphSeconds.get(m.graph()); // shared run: charge its full cost
                        }
                        float[][] out = outputs.get(m.graph()).get(m.output());
                        if (out == null) {
                            throw new EvaluationException("graph " + m.graph() + " has no output '" + m.output() + "'");
                        }
                        if (m == Method.CRACK_MASK) {
                            float[][] explanation = outputs.get(m.graph()).get("explanation");
                            if (explanation == null) {
                                throw new EvaluationException("graph " + m.graph() + " has no output 'explanation'");
                            }
                            for (int i = 0; i < b; i++) {
                                maps[i] = crackShape(out[i], c1c.apply(explanation[i]), shape);
                            }
                        } else {
                            for (int i = 0; i < b; i++) {
                                maps[i] = m.c1c() ? c1c.apply(out[i]) : out[i];
                            }
                        }
                    }
                }
                a.mapSeconds += (System.nanoTime() - tm) / 1e9 + graphTime;
                long ts = System.nanoTime();
                for (int i = 0; i < b; i++) {
                    int k = start + i;
                    if (maps[i] == null) {
                        continue;
                    }
                    a.mapImages++;
                    for (int s = 0; s < ids.size(); s++) {
                        a.add(s, k, ids.get(s).evaluate(scorer, images[i], maps[i], target[i], seeds[i]));
                    }
                    if (truthImages[k]) {
                        boolean[] truth = loaded[i].mask();
                        Iou.Binarisation bin = m.role() == Method.Role.ANCHOR
                                || (m.binarisation() == Iou.Binarisation.POSITIVE && m.c1c())
                                ? m.binarisation() : config.binarisation();
                        a.mask(k, MaskMetrics.of(bin.apply(maps[i], truth), truth, shape.height(), shape.width(),
                                config.tolerance()));
                    }
                }
                for (int i = 0; i < b; i++) {
                    if (exampleIdx.contains(start + i)) {
                        examples.maps().computeIfAbsent(m.id(), x -> new ArrayList<>()).add(maps[i]);
                    }
                }
                a.metricSeconds += (System.nanoTime() - ts) / 1e9;
            }
            for (int i = 0; i < b; i++) {
                if (exampleIdx.contains(start + i)) {
                    examples.ids().add(loaded[i].sample().id());
                    examples.labels().add(labels[start + i]);
                    examples.images().add(images[i]);
                    examples.masks().add(loaded[i].mask());
                }
            }
            progress.accept(end);
        }
        List<MethodResult> results = new ArrayList<>();
        double[] fraction = new double[curveN.length];
        for (int i = 0; i < curveN.length; i++) {
            fraction[i] = (double) curveN[i] / shape.pixels();
        }
        for (Method m : methods) {
            results.add(acc.get(m).result(m, config, m.description(graphs.graphLabels())));
        }
        long iterations = 0;
        long solves = 0;
        for (InsertionDeletion id : ids) {
            if (id.imputer() != null) {
                iterations += id.imputer().iterations();
                solves += id.imputer().solves();
            }
        }
        return new BundleResult(graphs.label(), n, (double) correct / n, List.copyOf(sampleIds), labels, predictions,
                truthImages, fraction, List.copyOf(results), scorer.passes(), iterations, solves,
                (System.nanoTime() - t0) / 1e9, examples);
    }

    private final CrackMask crackMask = new CrackMask(CrackMask.Settings.DEFAULTS);

    /**
     * The runtime's crack-shaped mask as a map: R on the mask's pixels (all &gt; 0), 0 elsewhere,
     * so that {@code map > 0} is the mask and Insertion/Deletion visit its pixels by relevance.
     */
    private float[] crackShape(float[] relevance, float[] region, ImageShape shape) {
        byte[] mask = new byte[shape.pixels()];
        crackMask.apply(relevance, region, shape.height(), shape.width(), mask);
        float[] map = new float[shape.pixels()];
        for (int p = 0; p < map.length; p++) {
            map[p] = mask[p] != 0 ? Math.max(relevance[p], Float.MIN_NORMAL) : 0f;
        }
        return map;
    }

    /** The first few crack samples with masks, then the first few no-crack ones (a third). */
    static List<Integer> exampleIndices(List<EvalDataset.Sample> samples, int count) {
        List<Integer> crack = new ArrayList<>();
        List<Integer> none = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            EvalDataset.Sample s = samples.get(i);
            if (s.label() == 1 && s.mask() != null && crack.size() < count - count / 3) {
                crack.add(i);
            } else if (s.label() == 0 && none.size() < count / 3) {
                none.add(i);
            }
        }
        List<Integer> out = new ArrayList<>(crack);
        out.addAll(none);
        return out;
    }

    /** Mean of the non-NaN values; NaN when there are none. */
    static double nanMean(double[] x) {
        double s = 0;
        int k = 0;
        for (double v : x) {
            if (!Double.isNaN(v)) {
                s += v;
                k++;
            }
        }
        return k == 0 ? Double.NaN : s / k;
    }

    /** Per-method accumulators. */
    private static final class Acc {
        final double[][] ins;
        final double[][] del;
        final double[][] idv;
        final double[][] insCurve;
        final double[][] delCurve;
        final int[] curveImages;
        final double[] iou;
        final double[] precision;
        final double[] recall;
        final double[] f1;
        double mapSeconds;
        double metricSeconds;
        int mapImages;

        Acc(int n, int points, int substrates) {
            ins = nanArrays(substrates, n);
            del = nanArrays(substrates, n);
            idv = nanArrays(substrates, n);
            insCurve = new double[substrates][points];
            delCurve = new double[substrates][points];
            curveImages = new int[substrates];
            iou = nan(n);
            precision = nan(n);
            recall = nan(n);
            f1 = nan(n);
        }

        private static double[] nan(int n) {
            double[] a = new double[n];
            Arrays.fill(a, Double.NaN);
            return a;
        }

        private static double[][] nanArrays(int k, int n) {
            double[][] a = new double[k][];
            for (int i = 0; i < k; i++) {
                a[i] = nan(n);
            }
            return a;
        }

        void add(int s, int k, InsertionDeletion.Curves c) {
            ins[s][k] = c.insertionAuc();
            del[s][k] = c.deletionAuc();
            idv[s][k] = c.id();
            curveImages[s]++;
            for (int i = 0; i < insCurve[s].length; i++) {
                insCurve[s][i] += c.insertion()[i];
                delCurve[s][i] += c.deletion()[i];
            }
        }

        void mask(int k, MaskMetrics.Counts c) {
            iou[k] = c.iou();
            precision[k] = c.precision();
            recall[k] = c.recall();
            f1[k] = c.f1();
        }

        MethodResult result(Method m, Config config, String description) {
            List<CurveResult> curves = new ArrayList<>();
            for (int s = 0; s < ins.length; s++) {
                double[] ic = insCurve[s].clone();
                double[] dc = delCurve[s].clone();
                int images = Math.max(1, curveImages[s]);
                for (int i = 0; i < ic.length; i++) {
                    ic[i] /= images;
                    dc[i] /= images;
                }
                curves.add(new CurveResult(config.curves().get(s).name(), curveImages[s], nanMean(ins[s]),
                        nanMean(del[s]), nanMean(idv[s]), ins[s], del[s], idv[s], ic, dc));
            }
            int maskImages = 0;
            for (double v : f1) {
                maskImages += Double.isNaN(v) ? 0 : 1;
            }
            MaskResult mr = new MaskResult(maskImages, config.tolerance(), nanMean(iou), nanMean(precision),
                    nanMean(recall), nanMean(f1), iou, precision, recall, f1);
            return new MethodResult(m.id(), m.role().name().toLowerCase(java.util.Locale.ROOT), description,
                    List.copyOf(curves), mr, mapSeconds, metricSeconds, mapImages);
        }
    }
}
