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
import org.crackcam.explain.CrackMask;

/**
 * A bundle's {@code manifest.json} (schema_version 1, see docs/architecture.md). Unknown keys
 * are ignored; missing required ones are refused by {@link #validate(String)}.
 */
public record Manifest(int schemaVersion, String name, List<String> classes, int crackClass,
                       Input input, FeatureMap featureMap, Map<String, Graph> graphs,
                       double thetaAlpha, Decision decision, C1c c1c, JsonNode crackMask, int opset,
                       JsonNode provenance, JsonNode lrp, JsonNode baselines, JsonNode variants) {

    /**
     * Each graph's label as the exporter read it off the graph's rule objects (tools/lrp): the
     * {@code lrp} section's for {@code lrp_bn}, {@code baselines.<graph>} and
     * {@code variants.<graph>} for the others. Empty for bundles exported before the labels were
     * written (their reports fall back to the evaluation's own names).
     */
    public Map<String, String> graphLabels() {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        if (lrp != null && lrp.path("label").isTextual()) {
            out.put("lrp_bn", lrp.get("label").asText());
        }
        for (JsonNode section : new JsonNode[] {baselines, variants}) {
            if (section == null || !section.isObject()) {
                continue;
            }
            section.fields().forEachRemaining(e -> {
                if (e.getValue().path("label").isTextual()) {
                    out.put(e.getKey(), e.getValue().get("label").asText());
                }
            });
        }
        return out;
    }

    /** The keys of the optional {@code crack_mask} section. */
    static final List<String> CRACK_MASK_KEYS = List.of("method", "fraction", "min_component_px", "dilate_px");

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
            throw new BundleException("bundle " + label + ": no manifest.json (is this a model bundle directory?)", e);
        } catch (IOException e) {
            throw new BundleException("bundle " + label + ": cannot read manifest.json: " + oneLine(e.getMessage()), e);
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
        try {
            crackMaskOrDefault();
        } catch (IllegalArgumentException e) {
            throw bad(p + "crack_mask: " + e.getMessage());
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

    /**
     * The crack-shaped mask rule ({@link CrackMask.Settings}) of the optional {@code crack_mask}
     * section: {@code method} ("top-fraction" or "otsu"), {@code fraction} (in (0, 1], top-fraction
     * only), {@code min_component_px} (&gt;= 0), {@code dilate_px} (0..3). An absent section or key
     * takes {@link CrackMask.Settings#DEFAULTS}' value; an unknown key or a value of the wrong type
     * is refused.
     *
     * @throws IllegalArgumentException naming the key and the bad value ({@link #validate} turns it
     *                                  into a bundle error)
     */
    public CrackMask.Settings crackMaskOrDefault() {
        CrackMask.Settings d = CrackMask.Settings.DEFAULTS;
        if (crackMask == null || crackMask.isNull()) {
            return d;
        }
        if (!crackMask.isObject()) {
            throw new IllegalArgumentException("must be an object, got " + crackMask);
        }
        for (var it = crackMask.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!CRACK_MASK_KEYS.contains(k)) {
                throw new IllegalArgumentException("unknown key '" + k + "' (allowed: " + String.join(", ", CRACK_MASK_KEYS)
                        + ")");
            }
        }
        JsonNode m = crackMask.get("method");
        if (m != null && !m.isTextual()) {
            throw new IllegalArgumentException("method must be \"top-fraction\" or \"otsu\", got " + m);
        }
        CrackMask.Method method = m == null ? d.method() : CrackMask.Method.parse(m.asText());
        JsonNode f = crackMask.get("fraction");
        if (f != null && !f.isNumber()) {
            throw new IllegalArgumentException("fraction must be a number in (0, 1], got " + f);
        }
        return new CrackMask.Settings(method, f == null ? d.fraction() : f.asDouble(),
                intKey("min_component_px", d.minComponentPx()), intKey("dilate_px", d.dilatePx()));
    }

    private int intKey(String key, int fallback) {
        JsonNode v = crackMask.get(key);
        if (v == null) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new IllegalArgumentException(key + " must be a whole number, got " + v);
        }
        return v.asInt();
    }

    private static BundleException bad(String msg) {
        return new BundleException(msg);
    }
}
