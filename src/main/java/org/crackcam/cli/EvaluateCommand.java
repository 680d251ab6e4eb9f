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
import org.crackcam.evaluate.BundleGraphs;
import org.crackcam.evaluate.EvalDataset;
import org.crackcam.evaluate.Evaluation;
import org.crackcam.evaluate.EvaluationException;
import org.crackcam.evaluate.InsertionDeletion;
import org.crackcam.evaluate.Iou;
import org.crackcam.evaluate.Method;
import org.crackcam.evaluate.ProgressBar;
import org.crackcam.evaluate.Report;
import org.crackcam.evaluate.ReportWriter;
import org.crackcam.evaluate.Rise;
import org.crackcam.evaluate.Substrate;
import org.crackcam.pipeline.CrackcamException;
import org.tinylog.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code crackcam evaluate}: the paper's Tables 2 and 3 (accuracy, Insertion, Deletion, ID, IoU)
 * and the ablations, measured on a bundle's ONNX graphs over a dataset in the shared layout.
 * See docs/evaluation.md for every choice.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Reproduce the paper's evaluation (Tables 2 and 3, ablations) on a model bundle.")
public final class EvaluateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--bundle", paramLabel = "DIR", description = "the model bundle to evaluate (the shipped one)")
    Path bundle;

    @Option(names = "--seeds-bundles", paramLabel = "DIR", arity = "1..*",
            description = "further bundles exported from other training seeds: results are mean ± std over all bundles")
    List<Path> seedBundles = new ArrayList<>();

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "dataset root in the shared layout")
    Path data;

    @Option(names = "--split", defaultValue = "test", description = "split to evaluate (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N",
            description = "evaluate N samples evenly spaced over the split (keeps class proportions); 0 = all")
    int limit;

    @Option(names = "--methods", split = ",", paramLabel = "M",
            description = "methods, comma-separated: lrp-bn, rise, gradcam, lrp, abn, r-only, r-alpha, gamma0, "
                    + "gamma1, split (default: all)")
    List<String> methods;

    @Option(names = "--steps", defaultValue = "56",
            description = "Insertion/Deletion steps; step = ceil(H·W/steps) pixels (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--substrate", defaultValue = "black",
            description = "black (paper's 0 in RGB [0,1] input space, both curves), blur (both), "
                    + "rise (blur for insertion, black for deletion); default: ${DEFAULT-VALUE}")
    String substrate;

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
            throw new CrackcamException(CrackcamException.Kind.CONFIGURATION, e.getMessage(), e);
        }
        Map<String, Object> settings = settings(cfg, samples.size());
        List<Evaluation.BundleResult> results = new ArrayList<>();
        for (Path dir : bundles) {
            try (BundleGraphs graphs = BundleGraphs.open(dir, RuntimeOptions.defaults().withIntraOpThreads(threads))) {
                settings.putIfAbsent("c1c", String.valueOf(graphs.manifest().c1c()));
                Logger.info("evaluating {} on {} samples of {}/{} with {}", graphs.label(), samples.size(), data,
                        split, cfg.methods().stream().map(Method::id).toList());
                ProgressBar bar = new ProgressBar(System.err, dir.getFileName().toString(), samples.size(),
                        System.console() != null);
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
                throw new CrackcamException(input ? CrackcamException.Kind.INPUT : CrackcamException.Kind.INTERNAL,
                        e.getMessage(), e);
            }
        }
        Report report = Report.of(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), settings, results,
                (System.nanoTime() - t0) / 1e9);
        try {
            ReportWriter.writeAll(report, out);
        } catch (IOException e) {
            throw new CrackcamException(CrackcamException.Kind.CONFIGURATION,
                    "cannot write results to " + out + ": " + e.getMessage(), e);
        }
        var o = spec.commandLine().getOut();
        o.println(ReportWriter.markdown(report));
        o.println("results written to " + out.resolve("results.md") + ", results.json, insertion.png, "
                + "deletion.png, examples.png");
        o.flush();
        return ExitCodes.OK;
    }

    private List<Path> bundles() {
        LinkedHashSet<Path> all = new LinkedHashSet<>();
        if (bundle != null) {
            all.add(bundle);
        }
        all.addAll(seedBundles);
        if (all.isEmpty()) {
            throw usage("give --bundle DIR (and optionally --seeds-bundles DIR...)");
        }
        return List.copyOf(all);
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
        Substrate ins;
        Substrate del;
        switch (substrate.toLowerCase(Locale.ROOT)) {
            case "black" -> {
                ins = Substrate.BLACK;
                del = Substrate.BLACK;
            }
            case "blur" -> {
                ins = Substrate.BLUR;
                del = Substrate.BLUR;
            }
            case "rise" -> {
                ins = Substrate.BLUR;
                del = Substrate.BLACK;
            }
            default -> throw usage("--substrate must be black, blur or rise, got '" + substrate + "'");
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
        var id = new InsertionDeletion.Config((hw + steps - 1) / steps, ins, del);
        return new Evaluation.Config(List.copyOf(ms), id, rise, sc, bin, batch, scorerBatch, examples);
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
        s.put("insertion_deletion", "step " + cfg.insertionDeletion().stepPixels() + " pixels (" + steps
                + " steps), insertion substrate " + cfg.insertionDeletion().insertionSubstrate()
                + ", deletion substrate " + cfg.insertionDeletion().deletionSubstrate()
                + " (BLACK = 0 in RGB [0,1] input space, before the in-graph normalisation); trapezoid AUC "
                + "over n/(H·W) in [0,1]; ties by row-major index");
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

    private CrackcamException usage(String message) {
        return new CrackcamException(CrackcamException.Kind.CONFIGURATION, message);
    }
}
