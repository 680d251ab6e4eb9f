package org.crackcam.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden tensors (Python → Java): every graph of every bundle with a
 * {@code src/test/resources/golden/<bundle>/golden.json} runs in ONNX Runtime Java on the
 * golden inputs; every expected output must match within the golden file's per-output
 * tolerance (per sample: max|a−b| ≤ rel_to_max·max|b| + atol).
 */
class GoldenTensorsTest {

    static final Path GOLDEN = Path.of("src/test/resources/golden");
    static final Path MODELS = Path.of("models");

    record Tensor(String name, long[] shape, String dtype, ByteBuffer data) {
    }

    @TestFactory
    Stream<DynamicTest> everyGraphMatchesItsGoldenOutputs() throws IOException {
        List<Path> dirs;
        try (Stream<Path> s = Files.list(GOLDEN)) {
            dirs = s.filter(d -> Files.isRegularFile(d.resolve("golden.json"))).sorted().toList();
        }
        assertFalse(dirs.isEmpty(), "no golden tensors under " + GOLDEN);
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : dirs) {
            String bundleName = dir.getFileName().toString();
            JsonNode golden = new ObjectMapper().readTree(dir.resolve("golden.json").toFile());
            Path bundleDir = MODELS.resolve(bundleName);
            Manifest m = Manifest.read(bundleDir, bundleDir.toString());
            for (String graph : m.graphs().keySet()) {
                tests.add(DynamicTest.dynamicTest(bundleName + "/" + graph, () -> check(bundleDir, dir, golden, graph)));
            }
            tests.add(DynamicTest.dynamicTest(bundleName + " golden matches this manifest", () -> {
                String want = golden.path("manifest_sha256").asText("");
                if (!want.isEmpty()) {
                    assertEquals(want, ModelBundle.sha256(bundleDir.resolve("manifest.json")),
                            "golden.json was written for another export of " + bundleName);
                }
            }));
        }
        return tests.stream();
    }

    static Map<String, Tensor> load(Path dir, JsonNode golden) throws IOException {
        Map<String, Tensor> map = new HashMap<>();
        for (JsonNode t : golden.get("tensors")) {
            long[] shape = new long[t.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.get("shape").get(i).asLong();
            }
            ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(t.get("file").asText())))
                    .order(ByteOrder.LITTLE_ENDIAN);
            map.put(t.get("name").asText(), new Tensor(t.get("name").asText(), shape, t.get("dtype").asText(), bb));
        }
        return map;
    }

    static void check(Path bundleDir, Path goldenDir, JsonNode golden, String graph) throws Exception {
        Map<String, Tensor> tensors = load(goldenDir, golden);
        try (ModelBundle bundle = ModelBundle.open(bundleDir, RuntimeOptions.defaults())) {
            GraphSession s = bundle.graph(graph);
            var env = ModelBundle.environment();
            Map<String, OnnxTensor> inputs = new HashMap<>();
            try {
                for (Manifest.Tensor in : s.spec().inputs()) {
                    Tensor t = tensors.get("input." + in.name());
                    assertTrue(t != null, "golden has no input." + in.name());
                    OnnxTensor ot = switch (t.dtype()) {
                        case "float32" -> {
                            FloatBuffer fb = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
                            yield OnnxTensor.createTensor(env, fb, t.shape());
                        }
                        case "int64" -> {
                            LongBuffer lb = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
                            yield OnnxTensor.createTensor(env, lb, t.shape());
                        }
                        default -> throw new AssertionError("dtype " + t.dtype());
                    };
                    inputs.put(in.name(), ot);
                }
                int compared = 0;
                try (OrtSession.Result r = s.run(inputs)) {
                    for (Manifest.Tensor out : s.spec().outputs()) {
                        Tensor want = tensors.get(graph + "." + out.name());
                        if (want == null) {
                            continue;
                        }
                        OnnxTensor got = (OnnxTensor) r.get(out.name()).orElseThrow();
                        assertEquals(java.util.Arrays.toString(want.shape()),
                                java.util.Arrays.toString(got.getInfo().getShape()), graph + "." + out.name() + " shape");
                        compare(golden, graph, out.name(), want, got.getFloatBuffer());
                        compared++;
                    }
                }
                assertTrue(compared > 0, "golden has no expected output of graph " + graph);
            } finally {
                inputs.values().forEach(OnnxTensor::close);
            }
        }
    }

    static void compare(JsonNode golden, String graph, String output, Tensor want, FloatBuffer got) {
        FloatBuffer exp = want.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        int n = exp.remaining();
        assertEquals(n, got.remaining(), "element count of " + graph + "." + output);
        // Per output: tolerance.outputs["<graph>.<output>"] = {rel_to_max, atol}, applied per sample:
        // max|got - want| <= rel_to_max * max|want| + atol. Without an entry: abs 1e-4 + rel 1e-3 per value.
        JsonNode tol = golden.path("tolerance").path("outputs").path(graph + "." + output);
        double maxErr = 0, maxRel = 0;
        int bad = 0;
        String firstBad = null;
        int samples = (int) want.shape()[0];
        int per = n / samples;
        for (int k = 0; k < samples; k++) {
            double maxAbs = 0;
            for (int i = k * per; i < (k + 1) * per; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(exp.get(i)));
            }
            for (int i = k * per; i < (k + 1) * per; i++) {
                double a = got.get(i), b = exp.get(i);
                double err = Math.abs(a - b);
                double bound = tol.isMissingNode()
                        ? 1e-4 + 1e-3 * Math.abs(b)
                        : tol.path("rel_to_max").asDouble() * maxAbs + tol.path("atol").asDouble();
                maxErr = Math.max(maxErr, err);
                if (maxAbs > 0) {
                    maxRel = Math.max(maxRel, err / maxAbs);
                }
                if (!(err <= bound)) {
                    bad++;
                    if (firstBad == null) {
                        firstBad = "sample " + k + " index " + (i - k * per) + ": " + a + " vs " + b + " (bound " + bound + ")";
                    }
                }
            }
        }
        System.out.printf("golden %s.%s: %d values, max abs error %.3g, max error / max|expected| %.3g%n",
                graph, output, n, maxErr, maxRel);
        assertEquals(0, bad, graph + "." + output + ": " + bad + " values out of tolerance, first at " + firstBad);
    }
}
