package org.crackcam.bundle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import org.crackcam.pipeline.CrackcamException;

/**
 * A bundle's {@code manifest.json} (schema_version 1, see docs/architecture.md). Unknown keys
 * are ignored; missing required ones are refused by {@link #validate(String)}.
 */
public record Manifest(int schemaVersion, String name, List<String> classes, int crackClass,
                       Input input, FeatureMap featureMap, Map<String, Graph> graphs,
                       double thetaAlpha, Decision decision, C1c c1c, int opset,
                       JsonNode provenance) {

    /** Model input: plain RGB float32 NCHW in [0, 1]. */
    public record Input(int height, int width, String layout, String colorOrder, String dtype,
                        List<Double> valueRange, JsonNode normalization) {
    }

    /** Size of the attention map α. */
    public record FeatureMap(int height, int width) {
    }

    /** One ONNX graph file with its hash and its input/output contract. */
    public record Graph(String file, String sha256, List<Tensor> inputs, List<Tensor> outputs) {
    }

    /** A graph input or output: name, shape ({@code -1} = dynamic) and dtype ("float32", "int64"). */
    public record Tensor(String name, List<Long> shape, String dtype) {
    }

    /** The decision rule: a tile is flagged when p(crack) &gt;= crackThreshold. */
    public record Decision(double crackThreshold) {
    }

    /**
     * C1C parameters.
     *
     * @param threshold "mean" or a number (as JSON)
     */
    public record C1c(int size, JsonNode threshold, String interpolation, String keep) {

        /** The fixed binarisation threshold, or empty for "mean". */
        public OptionalDouble fixedThreshold() {
            if (threshold == null || threshold.isNull()
                    || (threshold.isTextual() && threshold.asText().equals("mean"))) {
                return OptionalDouble.empty();
            }
            if (threshold.isNumber()) {
                return OptionalDouble.of(threshold.asDouble());
            }
            throw new IllegalArgumentException("c1c.threshold must be \"mean\" or a number, got " + threshold);
        }
    }

    static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** Reads and validates {@code dir/manifest.json}; failures name the bundle ({@code label}). */
    public static Manifest read(Path dir, String label) {
        Path file = dir.resolve("manifest.json");
        Manifest m;
        try {
            m = JSON.readValue(Files.readAllBytes(file), Manifest.class);
        } catch (NoSuchFileException e) {
            throw new CrackcamException(CrackcamException.Kind.BUNDLE,
                    "bundle " + label + ": no manifest.json (is this a model bundle directory?)", e);
        } catch (IOException e) {
            throw new CrackcamException(CrackcamException.Kind.BUNDLE,
                    "bundle " + label + ": cannot read manifest.json: " + oneLine(e.getMessage()), e);
        }
        m.validate(label);
        return m;
    }

    private static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Checks the fields the runtime relies on. */
    public void validate(String label) {
        String p = "bundle " + label + ": manifest.json ";
        if (schemaVersion != 1) {
            throw bad(p + "schema_version " + schemaVersion + " is not supported (expected 1)");
        }
        if (input == null || input.height() <= 0 || input.width() <= 0) {
            throw bad(p + "has no valid input.height/input.width");
        }
        if (input.colorOrder() != null && !input.colorOrder().equals("RGB")) {
            throw bad(p + "input.color_order " + input.colorOrder() + " is not supported (expected RGB)");
        }
        if (graphs == null || !graphs.containsKey("abn")) {
            throw bad(p + "has no graphs.abn");
        }
        for (var e : graphs.entrySet()) {
            Graph g = e.getValue();
            if (g == null || g.file() == null || g.sha256() == null || g.inputs() == null || g.outputs() == null) {
                throw bad(p + "graphs." + e.getKey() + " needs file, sha256, inputs and outputs");
            }
            checkImageInputs(p, e.getKey(), g);
        }
        if (decision == null || !(decision.crackThreshold() > 0 && decision.crackThreshold() <= 1)) {
            throw bad(p + "needs decision.crack_threshold in (0, 1]");
        }
        if (classes == null || crackClass < 0 || crackClass >= classes.size()) {
            throw bad(p + "crack_class " + crackClass + " is not an index into classes " + classes);
        }
        if (c1c != null) {
            if (c1c.size() <= 0) {
                throw bad(p + "c1c.size must be positive");
            }
            try {
                c1c.fixedThreshold();
            } catch (IllegalArgumentException e) {
                throw bad(p + e.getMessage());
            }
        }
    }

    /**
     * The manifest agrees with itself: every 4-d float input of a graph (the NCHW image batch)
     * has 3 channels and {@code input.height × input.width} where its dimensions are fixed. The
     * runtime sizes its tiles from {@code input}; a graph of another size would fail inside ONNX
     * Runtime on the first frame, after outputs were opened.
     */
    private void checkImageInputs(String p, String name, Graph g) {
        for (Tensor t : g.inputs()) {
            List<Long> d = t.shape();
            if (d == null || d.size() != 4 || !"float32".equals(t.dtype())) {
                continue;
            }
            long[] want = {-1, 3, input.height(), input.width()};
            for (int i = 1; i < 4; i++) {
                if (d.get(i) >= 0 && d.get(i) != want[i]) {
                    throw bad(String.format(java.util.Locale.ROOT, "%sgraphs.%s input %s shape %s does not match "
                            + "input 3x%dx%d (channels x height x width)", p, name, t.name(), d, input.height(),
                            input.width()));
                }
            }
        }
    }

    /** C1C parameters, with the architecture's defaults when the manifest has none. */
    public C1c c1cOrDefault() {
        return c1c != null ? c1c : new C1c(28, null, "bilinear", "values");
    }

    private static CrackcamException bad(String msg) {
        return new CrackcamException(CrackcamException.Kind.BUNDLE, msg);
    }
}
