package org.crackcam.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import org.crackcam.bundle.RuntimeOptions;
import org.crackcam.capture.UnreadableInputException;
import org.crackcam.evaluate.BundleGraphs;
import org.crackcam.evaluate.EvalDataset;
import org.crackcam.evaluate.Evaluation;
import org.crackcam.evaluate.EvaluationException;
import org.crackcam.evaluate.InsertionDeletion;
import org.crackcam.evaluate.Iou;
import org.crackcam.evaluate.Method;
import org.crackcam.evaluate.Report;
import org.crackcam.evaluate.ReportWriter;
import org.crackcam.evaluate.Rise;
import org.crackcam.evaluate.Substrate;
import org.crackcam.inference.InferenceException;
import org.crackcam.settings.InvalidSettingException;
import org.tinylog.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code crackcam evaluate}: the paper's Tables 2 and 3 (accuracy, Insertion, Deletion, ID, IoU)
 * and the ablations, measured on one or more bundles' ONNX graphs over a dataset in the shared
 * layout (or a user's folder with that layout), one table per substrate, with the truth and
 * random anchors and tolerant mask metrics. See docs/evaluation.md for every choice.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Reproduce the paper's evaluation (Tables 2 and 3, ablations) on model bundles, per substrate, "
                + "with truth/random anchors and tolerant mask metrics.")
public final class EvaluateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--bundle", paramLabel = "DIR",
            description = "a model bundle, or a folder of bundles (its sub-folders with a manifest.json); repeat for "
                    + "several trained seeds: results are mean ± std over all bundles")
    List<Path> bundle = new ArrayList<>();

    @Option(names = "--seeds-bundles", paramLabel = "DIR", arity = "1..*",
            description = "further bundles (same as repeating --bundle)")
    List<Path> seedBundles = new ArrayList<>();

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "dataset root in the shared layout")
    Path data;

    @Option(names = "--split", defaultValue = "test", description = "split to evaluate (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N",
            description = "evaluate N samples evenly spaced over the split (keeps class proportions); 0 = all")
    int limit;

    @Option(names = "--methods", split = ",", paramLabel = "M",
            description = "methods, comma-separated: lrp-bn, crack-mask, rise, gradcam, lrp, abn, r-only, r-alpha, gamma0, "
                    + "gamma1, split, truth, random (default: all; the anchors truth and random are always added)")
    List<String> methods;

    @Option(names = "--steps", defaultValue = "56",
            description = "Insertion/Deletion steps; step = ceil(H·W/steps) pixels (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = {"--substrates", "--substrate"}, split = ",", paramLabel = "S",
            defaultValue = "black,blur,mean,road",
            description = "substrates, comma-separated, one table each: black (paper's 0 in RGB [0,1] input space), "
                    + "blur (RISE's), mean (the image's mean colour), road (ROAD's noisy linear imputation), rise "
                    + "(blur for insertion, black for deletion); default: ${DEFAULT-VALUE}")
    List<String> substrates;

    @Option(names = "--tolerance", defaultValue = "2",
            description = "pixel tolerance k of the mask precision/recall/F1, at the model input (default: ${DEFAULT-VALUE})")
    double tolerance;

    @Option(names = "--seed", defaultValue = "42",
            description = "seed of the random anchor and of ROAD's noise (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--road-noise", defaultValue = "0.01",
            description = "σ of ROAD's imputation noise in RGB [0,1] (default: ${DEFAULT-VALUE}, Quantus's)")
    double roadNoise;

    @Option(names = "--score-class", defaultValue = "true",
            description = "class scored and explained: true (paper), predicted, crack (default: ${DEFAULT-VALUE})")
    String scoreClass;

    @Option(names = "--iou-binarisation", defaultValue = "mean",
            description = "cut for maps other than C1C ones: mean (map > its mean) or topk (k = mask area); "
                    + "default: ${DEFAULT-VALUE}")
    String iouBinarisation;

    @Option(names = "--rise-n", defaultValue = "2000", description = "RISE masks N (default: ${DEFAULT-VALUE})")
    int riseN;

    @Option(names = "--rise-s", defaultValue = "8", description = "RISE grid cells per side s (default: ${DEFAULT-VALUE})")
    int riseS;

    @Option(names = "--rise-p1", defaultValue = "0.5", description = "RISE keep probability p1 (default: ${DEFAULT-VALUE})")
    double riseP1;

    @Option(names = "--rise-seed", defaultValue = "0", description = "seed of RISE's masks (default: ${DEFAULT-VALUE})")
    long riseSeed;

    @Option(names = "--batch", defaultValue = "16", description = "samples per batch (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--scorer-batch", defaultValue = "128",
            description = "images per ABN call when scoring curves and RISE masks (default: ${DEFAULT-VALUE})")
    int scorerBatch;

    @Option(names = "--threads", defaultValue = "0",
            description = "ONNX Runtime intra-op threads, 0 = ONNX Runtime's choice (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--examples", defaultValue = "6", description = "rows of the example grid (default: ${DEFAULT-VALUE})")
    int examples;

    @Option(names = "--no-progress", description = "no progress bar")
    boolean noProgress;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output directory")
    Path out;

    @Override
    public Integer call() {
        long t0 = System.nanoTime();
        List<Path> bundles = bundles();
        Evaluation.Config cfg = config();
        List<EvalDataset.Sample> samples;
        try {
            samples = EvalDataset.subset(EvalDataset.list(data, split), limit);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(e.getMessage(), e);
        }
        if (!EvalDataset.hasDatasetJson(data)) {
            spec.commandLine().getErr().println("note: " + data + " has no dataset.json; reading it as a user folder ("
                    + split + "/crack, " + split + "/no_crack; .jpg/.jpeg/.png images, <id>.mask.png masks)");
        }
        Map<String, Object> settings = settings(cfg, samples.size());
        List<Evaluation.BundleResult> results = new ArrayList<>();
        for (Path dir : bundles) {
            try (BundleGraphs graphs = BundleGraphs.open(dir, RuntimeOptions.defaults().withIntraOpThreads(threads))) {
                settings.putIfAbsent("c1c", String.valueOf(graphs.manifest().c1c()));
                Logger.info("evaluating {} on {} samples of {}/{} with {}", graphs.label(), samples.size(), data,
                        split, cfg.methods().stream().map(Method::id).toList());
                var bar = new org.crackcam.report.ProgressBar(System.err, dir.getFileName().toString(), samples.size(),
                        "img", System.console() != null);
                Evaluation ev = new Evaluation(cfg, graphs.c1c());
                Evaluation.BundleResult r = ev.run(graphs, samples, done -> {
                    if (!noProgress) {
                        bar.update(done);
                    }
                });
                results.add(r);
                Logger.info("{}: accuracy {} in {} s ({} ABN passes)", graphs.label(),
                        String.format(Locale.ROOT, "%.4f", r.accuracy()),
                        String.format(Locale.ROOT, "%.1f", r.wallSeconds()), r.scorerPasses());
            } catch (EvaluationException e) {
                boolean input = e.getCause() == null;
                throw input ? new UnreadableInputException(e.getMessage(), e)
                        : new InferenceException(e.getMessage(), e);
            }
        }
        Report report = Report.of(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), settings, results,
                (System.nanoTime() - t0) / 1e9);
        try {
            ReportWriter.writeAll(report, out);
        } catch (IOException e) {
            throw new InvalidSettingException("cannot write results to " + out + ": " + e.getMessage(), e);
        }
        var o = spec.commandLine().getOut();
        o.println(ReportWriter.markdown(report));
        o.println("results written to " + out.resolve("results.md") + ", results.json, insertion-<substrate>.png, "
                + "deletion-<substrate>.png, examples.png");
        o.flush();
        return ExitCodes.OK;
    }

    private List<Path> bundles() {
        LinkedHashSet<Path> all = new LinkedHashSet<>();
        List<Path> given = new ArrayList<>(bundle);
        given.addAll(seedBundles);
        for (Path p : given) {
            all.addAll(expand(p));
        }
        if (all.isEmpty()) {
            throw usage("give --bundle DIR (repeat it, or give a folder of bundles, for several seeds)");
        }
        return List.copyOf(all);
    }

    /** A bundle itself, or the sorted sub-folders of a folder of bundles; anything else is passed on (and fails there). */
    static List<Path> expand(Path p) {
        if (java.nio.file.Files.isRegularFile(p.resolve("manifest.json")) || !java.nio.file.Files.isDirectory(p)) {
            return List.of(p);
        }
        try (var s = java.nio.file.Files.list(p)) {
            List<Path> subs = s.filter(d -> java.nio.file.Files.isRegularFile(d.resolve("manifest.json"))).sorted()
                    .toList();
            return subs.isEmpty() ? List.of(p) : subs;
        } catch (IOException e) {
            return List.of(p);
        }
    }

    Evaluation.Config config() {
        List<Method> ms = new ArrayList<>();
        try {
            if (methods == null || methods.isEmpty()) {
                ms.addAll(Method.all());
            } else {
                for (String m : methods) {
                    Method parsed = Method.parse(m);
                    if (!ms.contains(parsed)) {
                        ms.add(parsed);
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            throw usage("--methods: " + e.getMessage());
        }
        if (steps < 1) {
            throw usage("--steps must be >= 1, got " + steps);
        }
        List<Substrate[]> pairs = new ArrayList<>();
        for (String name : substrates) {
            String k = name.trim().toLowerCase(Locale.ROOT);
            Substrate[] pair;
            if (k.equals("rise")) {
                pair = new Substrate[] {Substrate.BLUR, Substrate.BLACK};
            } else {
                try {
                    Substrate one = Substrate.parse(k);
                    pair = new Substrate[] {one, one};
                } catch (IllegalArgumentException e) {
                    throw usage("--substrates: unknown substrate '" + name + "'; expected black, blur, mean, road or rise");
                }
            }
            if (pairs.stream().noneMatch(q -> q[0] == pair[0] && q[1] == pair[1])) {
                pairs.add(pair);
            }
        }
        if (pairs.isEmpty()) {
            throw usage("--substrates: give at least one of black, blur, mean, road, rise");
        }
        if (!(tolerance >= 0) || !(roadNoise >= 0)) {
            throw usage("--tolerance and --road-noise must be >= 0");
        }
        if (!ms.contains(Method.TRUTH)) {
            ms.add(Method.TRUTH);
        }
        if (!ms.contains(Method.RANDOM)) {
            ms.add(Method.RANDOM);
        }
        Evaluation.ScoreClass sc;
        try {
            sc = Evaluation.ScoreClass.valueOf(scoreClass.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw usage("--score-class must be true, predicted or crack, got '" + scoreClass + "'");
        }
        Iou.Binarisation bin = switch (iouBinarisation.toLowerCase(Locale.ROOT)) {
            case "mean" -> Iou.Binarisation.MEAN;
            case "topk" -> Iou.Binarisation.TOP_K_MASK_AREA;
            default -> throw usage("--iou-binarisation must be mean or topk, got '" + iouBinarisation + "'");
        };
        if (batch < 1 || scorerBatch < 1 || examples < 0 || limit < 0 || threads < 0) {
            throw usage("--batch and --scorer-batch must be >= 1; --examples, --limit and --threads >= 0");
        }
        Rise.Config rise;
        try {
            rise = new Rise.Config(riseN, riseS, riseP1, riseSeed, scorerBatch);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        // step size needs H·W: resolved per bundle input size; all bundles share the preset
        int hw = 0;
        for (Path b : bundles()) {
            hw = peekPixels(b);
            break;
        }
        List<InsertionDeletion.Config> curves = new ArrayList<>();
        for (Substrate[] pair : pairs) {
            curves.add(new InsertionDeletion.Config((hw + steps - 1) / steps, pair[0], pair[1], roadNoise,
                    InsertionDeletion.ROAD_TOLERANCE));
        }
        return new Evaluation.Config(List.copyOf(ms), curves, rise, sc, bin, tolerance, batch, scorerBatch, examples,
                seed);
    }

    private static int peekPixels(Path bundleDir) {
        var m = org.crackcam.bundle.Manifest.read(bundleDir, bundleDir.toString());
        return m.input().height() * m.input().width();
    }

    private Map<String, Object> settings(Evaluation.Config cfg, int n) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("data", data.toString() + " (split " + split + ", " + n + " samples"
                + (limit > 0 ? ", evenly spaced subset" : "") + ")");
        s.put("dataset_source", EvalDataset.describe(data));
        s.put("methods", cfg.methods().stream().map(Method::id).toList());
        s.put("insertion_deletion", "step " + cfg.curves().get(0).stepPixels() + " pixels (" + steps
                + " steps); substrates " + cfg.curves().stream().map(InsertionDeletion.Config::name).toList()
                + " (black = 0 in RGB [0,1] input space, before the in-graph normalisation; road = noisy linear "
                + "imputation, noise σ " + roadNoise + ", CG to relative residual " + InsertionDeletion.ROAD_TOLERANCE + ", a fully removed image = its "
                + "mean colour); trapezoid AUC over n/(H·W) in [0,1]; ties by row-major index");
        s.put("anchors", "truth = −distance to the crack mask (crack images with a mask); random = uniform, seed "
                + seed + " mixed with the sample id");
        s.put("mask_metrics", "tolerant precision/recall/F1 with k = " + tolerance + " px at the model input "
                + "(Euclidean, pixel centres) and strict IoU, per image, crack images with a mask");
        s.put("score", "softmax p_PB of class C = " + cfg.scoreClass().name().toLowerCase(Locale.ROOT)
                + " class; the map explains the same class (graph target)");
        s.put("iou_binarisation", cfg.binarisation() == Iou.Binarisation.MEAN ? "map > mean(map)"
                : "top-k pixels, k = mask area");
        s.put("iou_images", "crack images with a non-empty mask only");
        s.put("rise", "N=" + cfg.rise().masks() + ", s=" + cfg.rise().grid() + ", p1=" + cfg.rise().keep()
                + ", seed=" + cfg.rise().seed() + ", masked pixels black (RGB 0)");
        s.put("onnxruntime_threads", threads == 0 ? "ONNX Runtime default" : threads);
        s.put("bundles", bundles().stream().map(Path::toString).toList());
        return s;
    }

    private InvalidSettingException usage(String message) {
        return new InvalidSettingException(message);
    }
}
