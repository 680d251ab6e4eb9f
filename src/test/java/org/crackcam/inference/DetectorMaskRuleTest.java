package org.crackcam.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.crackcam.bundle.ModelBundle;
import org.crackcam.bundle.RuntimeOptions;
import org.crackcam.bundle.TestBundles;
import org.crackcam.explain.CrackMask;
import org.crackcam.settings.TilingSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The detector runs the crack-shaped mask rule of the bundle's manifest ({@code crack_mask}), not a
 * rule fixed in code: a copy of the shipped bundle whose manifest sets the rule gives a detector
 * with that rule; the shipped bundle (no section) gives the documented default.
 */
class DetectorMaskRuleTest {

    @TempDir
    Path tmp;

    @Test
    void detectorTakesTheManifestsRule() throws Exception {
        try (ModelBundle shipped = ModelBundle.open(TestBundles.EDGE_SYNTHETIC, RuntimeOptions.defaults());
             Detector d = new Detector(shipped, TilingSettings.DEFAULTS)) {
            assertEquals(CrackMask.Settings.DEFAULTS, d.crackMaskSettings());
        }
        Path copy = tmp.resolve("bundle");
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(TestBundles.EDGE_SYNTHETIC)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, copy.resolve(f.getFileName().toString()));
            }
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode m = (ObjectNode) json.readTree(copy.resolve("manifest.json").toFile());
        m.set("crack_mask", json.readTree("{\"method\":\"otsu\",\"min_component_px\":12,\"dilate_px\":1}"));
        Files.writeString(copy.resolve("manifest.json"), json.writeValueAsString(m));
        try (ModelBundle b = ModelBundle.open(copy, RuntimeOptions.defaults());
             Detector d = new Detector(b, TilingSettings.DEFAULTS)) {
            assertEquals(new CrackMask.Settings(CrackMask.Method.OTSU, 0.05, 12, 1), d.crackMaskSettings());
        }
    }
}
