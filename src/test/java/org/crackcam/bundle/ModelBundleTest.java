package org.crackcam.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.crackcam.pipeline.CrackcamException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelBundleTest {

    @Test
    void shippedBundleOpensAndItsRuntimeGraphsMatchTheManifest() {
        try (ModelBundle b = ModelBundle.open(TestBundles.EDGE_SYNTHETIC, RuntimeOptions.defaults())) {
            assertEquals("edge-synthetic", b.manifest().name());
            GraphSession abn = b.graph("abn");
            assertSame(abn, b.graph("abn"), "one session per graph");
            b.graph("lrp_bn");
            assertEquals(ExecutionProvider.CPU, b.provider());
        }
    }

    @Test
    void spinWaitingIsOffUnlessAsked() throws Exception {
        try (ModelBundle b = ModelBundle.open(TestBundles.EDGE_SYNTHETIC, RuntimeOptions.defaults());
             var so = b.sessionOptions()) {
            assertEquals("0", so.getConfigEntries().get("session.intra_op.allow_spinning"));
        }
        try (ModelBundle b = ModelBundle.open(TestBundles.EDGE_SYNTHETIC, RuntimeOptions.defaults().withSpinWait(true));
             var so = b.sessionOptions()) {
            assertEquals("1", so.getConfigEntries().get("session.intra_op.allow_spinning"));
            b.graph("abn");    // and a session really starts with it
        }
    }

    @Test
    void flippedByteIsRefusedNamingFileAndBothHashes(@TempDir Path tmp) throws Exception {
        Path copy = TestBundles.copy(tmp);
        TestBundles.flipByte(copy.resolve("lrp_bn.onnx"));
        var e = assertThrows(CrackcamException.class, () -> ModelBundle.open(copy, RuntimeOptions.defaults()));
        org.junit.jupiter.api.Assertions.assertInstanceOf(org.crackcam.bundle.BundleException.class, e);
        assertTrue(e.getMessage().matches("bundle .*: lrp_bn\\.onnx sha256 mismatch \\(manifest [0-9a-f]{12}…, file [0-9a-f]{12}…\\)"),
                e.getMessage());
    }

    @Test
    void graphFromAnotherBundleIsRefusedNamingTheInputs(@TempDir Path tmp) throws Exception {
        Path copy = TestBundles.copy(tmp);
        TestBundles.swapGraph(copy, "lrp_bn", "abn.onnx");
        try (ModelBundle b = ModelBundle.open(copy, RuntimeOptions.defaults())) {
            var e = assertThrows(CrackcamException.class, () -> b.graph("lrp_bn"));
            org.junit.jupiter.api.Assertions.assertInstanceOf(org.crackcam.bundle.BundleException.class, e);
            assertEquals("bundle " + copy + ": lrp_bn.onnx inputs [image] != manifest [image, target]", e.getMessage());
        }
    }

    @Test
    void manifestShapeThatDiffersIsRefusedNamingOutputAndShapes(@TempDir Path tmp) throws Exception {
        Path copy = TestBundles.copy(tmp);
        TestBundles.setOutputDim(copy, "abn", 0, 1, 3); // p_pb [-1,2] -> [-1,3]
        try (ModelBundle b = ModelBundle.open(copy, RuntimeOptions.defaults())) {
            var e = assertThrows(CrackcamException.class, () -> b.graph("abn"));
            assertEquals("bundle " + copy + ": abn.onnx output p_pb shape [-1,2] != manifest [-1,3]", e.getMessage());
        }
    }

    @Test
    void missingDirectoryAndMissingManifestAreBundleErrors(@TempDir Path tmp) {
        var e1 = assertThrows(CrackcamException.class, () -> ModelBundle.open(tmp.resolve("nope"), RuntimeOptions.defaults()));
        assertTrue(e1.getMessage().endsWith("directory not found"), e1.getMessage());
        var e2 = assertThrows(CrackcamException.class, () -> ModelBundle.open(tmp, RuntimeOptions.defaults()));
        assertTrue(e2.getMessage().contains("no manifest.json"), e2.getMessage());
    }

    /** Only the CPU provider exists in this build: asking for TensorRT must end on CPU with one line saying so. */
    @Test
    void tensorrtRequestFallsBackToCpuWithOneLineNamingTheProvider() {
        RuntimeOptions o = RuntimeOptions.defaults().withProvider(ExecutionProvider.TENSORRT).withIntraOpThreads(1);
        try (ModelBundle b = ModelBundle.open(TestBundles.EDGE_SYNTHETIC, o)) {
            b.graph("abn");
            assertEquals(ExecutionProvider.CPU, b.provider());
            String line = b.providerLine();
            System.out.println("provider line: " + line);
            assertTrue(line.startsWith("ONNX Runtime execution provider: cpu (requested tensorrt; tensorrt, cuda not in this"),
                    line);
            assertTrue(!line.contains("\n"));
        }
        try (ModelBundle b = ModelBundle.open(TestBundles.EDGE_SYNTHETIC,
                RuntimeOptions.defaults().withProvider(ExecutionProvider.CUDA))) {
            assertEquals(ExecutionProvider.CPU, b.provider());
            assertTrue(b.providerLine().contains("requested cuda; cuda not in this"), b.providerLine());
        }
    }
}
