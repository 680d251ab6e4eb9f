package org.crackcam.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.crackcam.bundle.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report names a graph's explainer by the label its exporter read off the rule objects. */
class MethodLabelTest {

    @Test
    void labelsComeFromTheManifestsRuleSectionsWithAFallbackForOldBundles(@TempDir Path tmp) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode m = (ObjectNode) json.readTree(Path.of("models/edge-synthetic/manifest.json").toFile());
        // the shipped bundle predates the labels: the evaluation's own names
        Files.writeString(tmp.resolve("manifest.json"), json.writeValueAsString(m));
        Map<String, String> none = Manifest.read(tmp, "old").graphLabels();
        assertTrue(none.isEmpty(), none.toString());
        assertEquals("plain LRP (ε-rule), as the lrp_plain graph computes it", Method.LRP.description(none));
        assertEquals("GradCAM", Method.GRADCAM.description(none));

        // what tools/lrp writes (composites' and baselines' .label)
        m.putObject("lrp").put("label", "LRP-BN (zB + z⁺, eq. 5, γ = 0.5)");
        ObjectNode b = m.putObject("baselines");
        b.putObject("lrp_plain").put("label", "plain LRP (ε)");
        b.putObject("gradcam").put("label", "GradCAM");
        m.putObject("variants").putObject("lrp_bn_split").put("label", "LRP-BN (zB + z⁺, relevance splitting, γ = 0.5)");
        Files.writeString(tmp.resolve("manifest.json"), json.writeValueAsString(m));
        Map<String, String> labels = Manifest.read(tmp, "new").graphLabels();
        assertEquals(4, labels.size(), labels.toString());
        assertEquals("LRP-BN (zB + z⁺, eq. 5, γ = 0.5): C1C(R ⊙ α')", Method.LRP_BN.description(labels));
        assertEquals("plain LRP (ε), as the lrp_plain graph computes it", Method.LRP.description(labels));
        assertEquals("ablation: LRP-BN (zB + z⁺, relevance splitting, γ = 0.5), C1C", Method.SPLIT.description(labels));
        // a method that reads lrp_bn's relevance but is not its explainer keeps its own words
        assertEquals("ablation: LRP-BN relevance R alone", Method.R_ONLY.description(labels));
        for (Method x : Method.values()) {
            assertFalse(x.description(labels).contains("{label}"), x.id());
            assertFalse(x.description(Map.of()).contains("{label}"), x.id());
        }
    }
}
