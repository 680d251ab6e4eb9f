package org.crackcam.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.crackcam.cli.ExitCodes;
import org.crackcam.explain.CrackMask;
import org.crackcam.pipeline.CrackcamException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manifest's optional {@code crack_mask} section: defaults, values, and one-line bundle errors (exit 4). */
class ManifestCrackMaskTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** A copy of the shipped manifest (only manifest.json) with {@code crack_mask} set to {@code section} (JSON). */
    Path withCrackMask(String section) throws Exception {
        ObjectNode m = (ObjectNode) JSON.readTree(TestBundles.EDGE_SYNTHETIC.resolve("manifest.json").toFile());
        if (section != null) {
            m.set("crack_mask", JSON.readTree(section));
        }
        Files.writeString(tmp.resolve("manifest.json"), JSON.writeValueAsString(m));
        return tmp;
    }

    CrackcamException refused(String section) throws Exception {
        Path dir = withCrackMask(section);
        return assertThrows(CrackcamException.class, () -> Manifest.read(dir, "b"));
    }

    @Test
    void shippedManifestHasNoSectionAndGetsTodaysDefault() throws Exception {
        Manifest shipped = Manifest.read(TestBundles.EDGE_SYNTHETIC, "shipped");
        assertEquals(null, shipped.crackMask());
        assertEquals(new CrackMask.Settings(CrackMask.Method.TOP_FRACTION, 0.05, 8, 0), shipped.crackMaskOrDefault());
        assertEquals(CrackMask.Settings.DEFAULTS, Manifest.read(withCrackMask("{}"), "b").crackMaskOrDefault());
    }

    @Test
    void sectionSetsEveryPartOfTheRuleAndAbsentKeysKeepTheirDefault() throws Exception {
        assertEquals(new CrackMask.Settings(CrackMask.Method.OTSU, 0.05, 12, 1),
                Manifest.read(withCrackMask("{\"method\":\"otsu\",\"min_component_px\":12,\"dilate_px\":1}"), "b")
                        .crackMaskOrDefault());
        assertEquals(new CrackMask.Settings(CrackMask.Method.TOP_FRACTION, 0.03, 8, 0),
                Manifest.read(withCrackMask("{\"fraction\":0.03}"), "b").crackMaskOrDefault());
    }

    @Test
    void badValuesAreOneLineBundleErrorsNamingTheKeyAndValue() throws Exception {
        String p = "bundle b: manifest.json crack_mask: ";
        assertEquals(p + "crack mask fraction must be in (0, 1], got 1.5", refused("{\"fraction\":1.5}").getMessage());
        assertEquals(p + "crack mask fraction must be in (0, 1], got 0.0", refused("{\"fraction\":0}").getMessage());
        assertEquals(p + "fraction must be a number in (0, 1], got \"5%\"", refused("{\"fraction\":\"5%\"}").getMessage());
        assertEquals(p + "crack mask method must be top-fraction or otsu, got 'mean'",
                refused("{\"method\":\"mean\"}").getMessage());
        assertEquals(p + "crack mask minimum component must be >= 0 px, got -1",
                refused("{\"min_component_px\":-1}").getMessage());
        assertEquals(p + "min_component_px must be a whole number, got 2.5",
                refused("{\"min_component_px\":2.5}").getMessage());
        assertEquals(p + "crack mask dilation must be in 0..3 px, got 4", refused("{\"dilate_px\":4}").getMessage());
        assertEquals(p + "unknown key 'min_component' (allowed: method, fraction, min_component_px, dilate_px)",
                refused("{\"min_component\":8}").getMessage());
        assertEquals(p + "must be an object, got \"otsu\"", refused("\"otsu\"").getMessage());
        CrackcamException e = refused("{\"dilate_px\":9}");
        org.junit.jupiter.api.Assertions.assertInstanceOf(org.crackcam.bundle.BundleException.class, e);
        assertEquals(4, ExitCodes.of(e));
        assertFalse(e.getMessage().contains("\n"));
    }
}
