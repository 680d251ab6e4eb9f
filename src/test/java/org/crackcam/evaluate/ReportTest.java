package org.crackcam.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTest {
    private static Evaluation.MethodResult method(String id, String role, double[] perImageId, double ins, double del) {
        return new Evaluation.MethodResult(id, role, id, perImageId.length, ins, del, ins - del, 0.2, 1,
                perImageId, perImageId, perImageId, new double[perImageId.length], new double[] {0, 1},
                new double[] {1, 0}, 1.0, 2.0);
    }

    private static Evaluation.BundleResult bundle(String name, double acc, double shift) {
        double[] ours = {0.5 + shift, 0.6 + shift, 0.7 + shift, 0.8 + shift};
        double[] base = {0.1, 0.2, 0.3, 0.35};
        double[] weak = {0.0, 0.0, 0.1, 0.1};
        return new Evaluation.BundleResult(name, 4, acc, List.of("a", "b", "c", "d"), new int[4], new int[4],
                new double[] {0, 1}, List.of(method("lrp-bn", "ours", ours, 0.8 + shift, 0.1),
                method("gradcam", "baseline", base, 0.5, 0.25), method("abn", "baseline", weak, 0.3, 0.25),
                method("r-only", "ablation", base, 0.4, 0.2)), 10, 1.0, null);
    }

    @Test
    void meanAndStdAreOverBundlesAndTheBestBaselineIsTheHighestMeanId() {
        Report r = Report.of("now", Map.of(), List.of(bundle("s0", 0.9, 0.0), bundle("s1", 0.8, 0.1)), 3.0);
        Report.Summary ours = r.summary().get(0);
        assertEquals("lrp-bn", ours.method());
        assertEquals(0.85, ours.accuracy().mean(), 1e-12);
        assertEquals(Math.sqrt(0.005), ours.accuracy().std(), 1e-12);
        assertEquals(0.85, ours.insertion().mean(), 1e-12);
        assertEquals(0.25, ours.mapSecondsPerImage(), 1e-12);    // 1 s over 4 images
        assertEquals("gradcam", r.bestBaseline());
        assertEquals(2, r.comparisons().size());                 // one per baseline, none for ablations
        var vsGradcam = r.comparisons().get(0).test();
        // per-image ID averaged over bundles: ours + 0.05 − base
        assertEquals((0.4 + 0.4 + 0.4 + 0.45) / 4 + 0.05, vsGradcam.meanDifference(), 1e-12);
        String md = ReportWriter.markdown(r);
        assertTrue(md.contains("| lrp-bn | 0.850 ± 0.071 |"), md);
        assertTrue(md.contains("gradcam (best)"), md);
    }

    @Test
    void subsetKeepsClassProportionsAndExamplesPreferMaskedCracks() {
        var samples = new java.util.ArrayList<EvalDataset.Sample>();
        for (int i = 0; i < 10; i++) {
            samples.add(new EvalDataset.Sample("n" + i, java.nio.file.Path.of("n"), 0, null));
        }
        for (int i = 0; i < 10; i++) {
            samples.add(new EvalDataset.Sample("c" + i, java.nio.file.Path.of("c"), 1,
                    i % 2 == 0 ? java.nio.file.Path.of("m") : null));
        }
        var sub = EvalDataset.subset(samples, 4);
        assertEquals(List.of("n0", "n5", "c0", "c5"), sub.stream().map(EvalDataset.Sample::id).toList());
        assertEquals(List.of(10, 12, 14, 16, 0, 1), Evaluation.exampleIndices(samples, 6));
    }
}
