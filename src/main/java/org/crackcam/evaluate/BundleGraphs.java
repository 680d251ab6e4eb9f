package org.crackcam.evaluate;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.crackcam.bundle.Manifest;
import org.crackcam.bundle.ModelBundle;
import org.crackcam.bundle.RuntimeOptions;
import org.crackcam.explain.C1c;

/**
 * {@link Graphs} over the runtime's {@link ModelBundle} (manifest, sha256 and contract checks,
 * one ONNX Runtime session per graph): what ships is what is measured. Also hands out the
 * bundle's C1C (the runtime's {@link C1c} with the manifest's parameters).
 *
 * <p>One owner: closing this closes the bundle, its sessions and the C1C. Not thread-safe.
 */
public final class BundleGraphs implements Graphs {
    private final ModelBundle bundle;
    private final ImageShape shape;
    private final String label;
    private final C1c c1c;

    private BundleGraphs(ModelBundle bundle, String label) {
        this.bundle = bundle;
        Manifest m = bundle.manifest();
        this.shape = new ImageShape(3, m.input().height(), m.input().width());
        this.label = label;
        Manifest.C1c c = m.c1c();
        this.c1c = c == null ? null : new C1c(c.size(), c.fixedThreshold());
    }

    /** Opens a bundle directory (throws the runtime's BundleException when bad). */
    public static BundleGraphs open(Path dir, RuntimeOptions options) {
        ModelBundle b = ModelBundle.open(dir, options);
        try {
            Manifest m = b.manifest();
            String seed = m.provenance() != null && m.provenance().has("seed")
                    ? " seed " + m.provenance().get("seed").asText() : "";
            return new BundleGraphs(b, m.name() + seed + " (" + dir.getFileName() + ")");
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
    }

    @Override
    public java.util.Map<String, String> graphLabels() {
        return bundle.manifest().graphLabels();
    }

    public Manifest manifest() {
        return bundle.manifest();
    }

    /** The bundle's C1C as a map transform (maps of {@link #shape()} size). */
    public MapTransform c1c() {
        if (c1c == null) {
            throw new IllegalStateException("bundle " + label + " has no c1c section in its manifest");
        }
        return map -> c1c.apply(map, shape.height(), shape.width(), new float[map.length]);
    }

    @Override
    public ImageShape shape() {
        return shape;
    }

    @Override
    public boolean has(String graph) {
        return bundle.hasGraph(graph);
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public Map<String, float[][]> run(String graph, float[][] images, int[] targets) throws EvaluationException {
        int n = images.length;
        int values = shape.values();
        var session = bundle.graph(graph);
        boolean wantsTarget = session.spec().inputs().stream().anyMatch(t -> t.name().equals("target"));
        OrtEnvironment env = ModelBundle.environment();
        FloatBuffer fb = ByteBuffer.allocateDirect(4 * n * values).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (float[] img : images) {
            if (img.length != values) {
                throw new IllegalArgumentException("image has " + img.length + " values, expected " + values);
            }
            fb.put(img);
        }
        fb.flip();
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try (OnnxTensor image = OnnxTensor.createTensor(env, fb,
                new long[] {n, shape.channels(), shape.height(), shape.width()})) {
            inputs.put("image", image);
            OnnxTensor target = null;
            try {
                if (wantsTarget) {
                    if (targets.length != n) {
                        throw new IllegalArgumentException(graph + " needs one target per image, got "
                                + targets.length + " for " + n);
                    }
                    LongBuffer lb = ByteBuffer.allocateDirect(8 * n).order(ByteOrder.nativeOrder()).asLongBuffer();
                    for (int t : targets) {
                        lb.put(t);
                    }
                    lb.flip();
                    target = OnnxTensor.createTensor(env, lb, new long[] {n});
                    inputs.put("target", target);
                }
                try (OrtSession.Result result = session.run(inputs)) {
                    Map<String, float[][]> out = new LinkedHashMap<>();
                    for (Map.Entry<String, OnnxValue> e : result) {
                        if (e.getValue() instanceof OnnxTensor t && t.getInfo().type
                                == ai.onnxruntime.OnnxJavaType.FLOAT) {
                            FloatBuffer data = t.getFloatBuffer();
                            int per = data.remaining() / n;
                            float[][] rows = new float[n][per];
                            for (int i = 0; i < n; i++) {
                                data.get(rows[i]);
                            }
                            out.put(e.getKey(), rows);
                        }
                    }
                    return out;
                }
            } finally {
                if (target != null) {
                    target.close();
                }
            }
        } catch (OrtException e) {
            throw new EvaluationException("bundle " + label + ": running " + graph + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (c1c != null) {
            c1c.close();
        }
        bundle.close();
    }
}
