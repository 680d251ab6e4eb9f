package org.crackcam.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTest {
    static final double NaN = Double.NaN;
    // images 0, 1 are crack images with masks (truth's images), 2, 3 are no-crack ones
    static final boolean[] TRUTH_IMAGES = {true, true, false, false};

    private static Evaluation.CurveResult curve(String sub, double[] perImageId) {
        int n = 0;
        for (double v : perImageId) {
            n += Double.isNaN(v) ? 0 : 1;
        }
        double id = Evaluation.nanMean(perImageId);
        return new Evaluation.CurveResult(sub, n, id + 0.1, 0.1, id, perImageId, perImageId, perImageId,
                new double[] {0, 1}, new double[] {1, 0});
    }

    private static Evaluation.MethodResult method(String id, String role, double[] black, double[] road) {
        var mask = new Evaluation.MaskResult(2, 2.0, 0.2, 0.5, 0.4, 0.3, new double[4], new double[4], new double[4],
                new double[4]);
        return new Evaluation.MethodResult(id, role, id, List.of(curve("black", black), curve("road", road)), mask,
                1.0, 2.0, 4);
    }

    private static Evaluation.BundleResult bundle(String name, double acc, double shift) {
        List<Evaluation.MethodResult> ms = new ArrayList<>();
        ms.add(method("lrp-bn", "ours", new double[] {0.5 + shift, 0.6 + shift, 0.7 + shift, 0.8 + shift},
                new double[] {0.3, 0.2, 0.1, 0.0}));
        ms.add(method("gradcam", "baseline", new double[] {0.1, 0.2, 0.3, 0.35}, new double[] {0.1, 0.1, 0.0, 0.0}));
        ms.add(method("abn", "baseline", new double[] {0.0, 0.0, 0.1, 0.1}, new double[] {0.0, 0.05, 0.0, 0.0}));
        ms.add(method("r-only", "ablation", new double[] {0.1, 0.2, 0.3, 0.35}, new double[] {0.1, 0.1, 0.1, 0.1}));
        // black: truth below lrp-bn on its images and random far from 0 -> broken; road: sound
        ms.add(method("truth", "anchor", new double[] {0.4, 0.4, NaN, NaN}, new double[] {0.6, 0.8, NaN, NaN}));
        ms.add(method("random", "anchor", new double[] {0.3, 0.2, 0.3, 0.2}, new double[] {0.01, -0.02, 0.0, 0.01}));
        return new Evaluation.BundleResult(name, 4, acc, List.of("a", "b", "c", "d"), new int[4], new int[4],
                TRUTH_IMAGES, new double[] {0, 1}, List.copyOf(ms), 10, 0, 0, 1.0, null);
    }

    @Test
    void tablesPerSubstrateWithAnchorsFractionsAndPairedTests() {
        Report r = Report.of("now", Map.of(), List.of(bundle("s0", 0.9, 0.0), bundle("s1", 0.8, 0.1)), 3.0);
        assertEquals(0.85, r.accuracy().mean(), 1e-12);
        assertEquals(Math.sqrt(0.005), r.accuracy().std(), 1e-12);
        assertEquals(2, r.tables().size());
        Report.Table black = r.tables().get(0);
        assertEquals("black", black.substrate());
        Report.Row ours = black.row("lrp-bn");
        assertEquals(0.70, ours.id().mean(), 1e-12);                  // (0.65 + 0.75) / 2
        assertEquals(0.60, ours.idOnTruthImages().mean(), 1e-12);     // images 0, 1: 0.55 and 0.65
        assertEquals(0.60 / 0.40, ours.fractionOfTruth().mean(), 1e-12);
        assertEquals(1.0, black.row("truth").fractionOfTruth().mean(), 1e-12);
        assertEquals("gradcam", black.bestBaseline());
        assertTrue(black.sanity().broken());
        assertFalse(black.sanity().randomNearZero());
        assertFalse(black.sanity().truthBest());
        assertEquals("lrp-bn", black.sanity().bestOther());
        assertTrue(black.sanity().verdict().startsWith("metric broken under this substrate"), black.sanity().verdict());
        Report.Table road = r.tables().get(1);
        assertFalse(road.sanity().broken(), road.sanity().verdict());
        assertEquals(0.7, road.sanity().truthId(), 1e-12);
        assertEquals("road", r.anchorSubstrate());
        // comparisons: lrp-bn vs 2 baselines (all images), then each of the 5 others vs truth
        assertEquals(2 + 5, black.comparisons().size());
        var vsGradcam = black.comparisons().get(0);
        assertEquals("gradcam", vsGradcam.b());
        assertEquals(4, vsGradcam.test().n());
        assertEquals((0.4 + 0.4 + 0.4 + 0.45) / 4 + 0.05, vsGradcam.test().meanDifference(), 1e-12);
        var vsTruth = black.comparisons().get(2);
        assertEquals("lrp-bn", vsTruth.a());
        assertEquals("truth", vsTruth.b());
        assertEquals(2, vsTruth.test().n());                             // truth's images only
        assertEquals(0.60 - 0.40, vsTruth.test().meanDifference(), 1e-12);
        String md = ReportWriter.markdown(r);
        assertTrue(md.contains("| lrp-bn | ours | 0.800 ± 0.071 | 0.100 ± 0.000 | 0.700 ± 0.071 |"), md);
        assertTrue(md.contains("gradcam (best baseline)"), md);
        assertTrue(md.contains("**metric broken under this substrate"), md);
        assertTrue(md.contains("Substrate chosen by the anchors: **road**"), md);
        assertTrue(md.contains("k = 2 px"), md);
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
