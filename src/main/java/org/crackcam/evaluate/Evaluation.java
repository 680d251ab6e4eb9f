package org.crackcam.evaluate;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.tinylog.Logger;

/**
 * Runs every method on every sample of one bundle and collects the paper's metrics
 * (accuracy, Insertion, Deletion, ID, IoU) per image and per method.
 *
 * <p>Per batch of samples: the ABN gives accuracy and the predicted class; each method makes
 * one map per image for the scored class (see {@link ScoreClass}); Insertion/Deletion score
 * those maps with the ABN's p_PB; IoU compares the binarised map with the mask on crack images
 * that have one. Graph outputs are computed once per batch and shared by the methods that read
 * them; each method's map time counts its graph's full run time (the cost it would have alone).
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
     * @param insertionDeletion step and substrates
     * @param rise RISE's N, s, p1, seed, batch
     * @param scoreClass the class scored and explained
     * @param binarisation how maps without their own mask (all but C1C maps) are cut for IoU
     * @param batch samples per batch (graph runs for maps)
     * @param scorerBatch images per ABN call when scoring curves
     * @param examples how many samples keep their maps for the example grid
     */
    public record Config(List<Method> methods, InsertionDeletion.Config insertionDeletion, Rise.Config rise,
                         ScoreClass scoreClass, Iou.Binarisation binarisation, int batch, int scorerBatch,
                         int examples) {
    }

    /** One method's results on one bundle. Per-image arrays follow {@link BundleResult#sampleIds}. */
    public record MethodResult(String method, String role, String description, int images,
                               double insertion, double deletion, double id, double iou, int iouImages,
                               double[] perImageInsertion, double[] perImageDeletion, double[] perImageId,
                               double[] perImageIou, double[] meanInsertionCurve, double[] meanDeletionCurve,
                               double mapSeconds, double metricSeconds) {
    }

    /** One bundle's results; {@code examples} (maps kept for the figure) is not written to JSON. */
    public record BundleResult(String bundle, int images, double accuracy, List<String> sampleIds, int[] labels,
                               int[] predictions, double[] curveFraction, List<MethodResult> methods,
                               long scorerPasses, double wallSeconds, @JsonIgnore Examples examples) {
        public MethodResult method(String id) {
            for (MethodResult m : methods) {
                if (m.method().equals(id)) {
                    return m;
                }
            }
            return null;
        }
    }

    /** Inputs, masks and maps of the first few samples, for the example grid. */
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
        InsertionDeletion id = new InsertionDeletion(config.insertionDeletion());
        Rise rise = methods.contains(Method.RISE) ? new Rise(config.rise(), shape) : null;
        int n = samples.size();
        int[] curveN = InsertionDeletion.stepCounts(shape.pixels(), config.insertionDeletion().stepPixels());
        Map<Method, Acc> acc = new LinkedHashMap<>();
        for (Method m : methods) {
            acc.put(m, new Acc(n, curveN.length));
        }
        int[] labels = new int[n];
        int[] predictions = new int[n];
        List<String> ids = new ArrayList<>(n);
        Examples examples = new Examples(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
                new LinkedHashMap<>());
        List<Integer> exampleIdx = exampleIndices(samples, config.examples());
        int correct = 0;
        for (int start = 0; start < n; start += config.batch()) {
            int end = Math.min(n, start + config.batch());
            int b = end - start;
            EvalDataset.Loaded[] loaded = new EvalDataset.Loaded[b];
            float[][] images = new float[b][];
            for (int i = 0; i < b; i++) {
                loaded[i] = EvalDataset.load(samples.get(start + i), shape);
                images[i] = loaded[i].image();
                labels[start + i] = loaded[i].sample().label();
                ids.add(loaded[i].sample().id());
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
                float[][] maps;
                double graphTime = 0;
                if (m == Method.RISE) {
                    maps = new float[b][];
                    for (int i = 0; i < b; i++) {
                        maps[i] = rise.saliency(scorer, images[i], target[i]);
                    }
                } else {
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
                    maps = new float[b][];
                    for (int i = 0; i < b; i++) {
                        maps[i] = m.c1c() ? c1c.apply(out[i]) : out[i];
                    }
                }
                a.mapSeconds += (System.nanoTime() - tm) / 1e9 + graphTime;
                long ts = System.nanoTime();
                for (int i = 0; i < b; i++) {
                    int k = start + i;
                    var curves = id.evaluate(scorer, images[i], maps[i], target[i]);
                    a.add(k, curves);
                    boolean[] truth = loaded[i].mask();
                    if (labels[k] == 1 && truth != null && Iou.count(truth) > 0) {
                        Iou.Binarisation bin = m.binarisation() == Iou.Binarisation.POSITIVE && m.c1c()
                                ? Iou.Binarisation.POSITIVE : config.binarisation();
                        a.iou[k] = Iou.iou(bin.apply(maps[i], truth), truth);
                    }
                    if (exampleIdx.contains(k)) {
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
            results.add(acc.get(m).result(m));
        }
        return new BundleResult(graphs.label(), n, (double) correct / n, List.copyOf(ids), labels, predictions,
                fraction, List.copyOf(results), scorer.passes(), (System.nanoTime() - t0) / 1e9, examples);
    }

    /** The first few crack samples with masks, then the first few no-crack ones (half each). */
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

    /** Per-method accumulators. */
    private static final class Acc {
        final double[] ins;
        final double[] del;
        final double[] idv;
        final double[] iou;
        final double[] insCurve;
        final double[] delCurve;
        double mapSeconds;
        double metricSeconds;

        Acc(int n, int points) {
            ins = new double[n];
            del = new double[n];
            idv = new double[n];
            iou = new double[n];
            java.util.Arrays.fill(iou, Double.NaN);
            insCurve = new double[points];
            delCurve = new double[points];
        }

        void add(int k, InsertionDeletion.Curves c) {
            ins[k] = c.insertionAuc();
            del[k] = c.deletionAuc();
            idv[k] = c.id();
            for (int i = 0; i < insCurve.length; i++) {
                insCurve[i] += c.insertion()[i];
                delCurve[i] += c.deletion()[i];
            }
        }

        MethodResult result(Method m) {
            int n = ins.length;
            double iouSum = 0;
            int iouN = 0;
            for (double v : iou) {
                if (!Double.isNaN(v)) {
                    iouSum += v;
                    iouN++;
                }
            }
            double[] ic = insCurve.clone();
            double[] dc = delCurve.clone();
            for (int i = 0; i < ic.length; i++) {
                ic[i] /= n;
                dc[i] /= n;
            }
            return new MethodResult(m.id(), m.role().name().toLowerCase(java.util.Locale.ROOT), m.description(), n,
                    Stats.mean(ins), Stats.mean(del), Stats.mean(idv), iouN == 0 ? Double.NaN : iouSum / iouN, iouN,
                    ins, del, idv, iou, ic, dc, mapSeconds, metricSeconds);
        }
    }
}
