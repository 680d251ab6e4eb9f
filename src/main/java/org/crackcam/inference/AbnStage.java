package org.crackcam.inference;

import java.nio.FloatBuffer;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.crackcam.bundle.GraphSession;
import org.crackcam.bundle.ModelBundle;

/**
 * The ABN graph on a batch of packed tiles: p(crack) = {@code p_pb[:, crack_class]}.
 * One thread at a time.
 */
public final class AbnStage {

    private static final java.util.Set<String> OUTPUTS = java.util.Set.of("p_pb");

    private final GraphSession session;
    private final int crackClass;
    private final int classes;
    private final long[] shape;

    public AbnStage(ModelBundle bundle) {
        this.session = bundle.graph("abn");
        var m = bundle.manifest();
        this.crackClass = m.crackClass();
        this.classes = m.classes().size();
        this.shape = new long[] {0, 3, m.input().height(), m.input().width()};
    }

    /**
     * Runs the graph on the first {@code n} tiles of {@code batch} (a direct buffer, position 0,
     * limit n·3·H·W) and writes p(crack) into {@code probs[0..n)}.
     */
    public void run(FloatBuffer batch, int n, float[] probs) {
        shape[0] = n;
        try (OnnxTensor input = OnnxTensor.createTensor(ModelBundle.environment(), batch, shape);
             OrtSession.Result r = session.run(Map.of("image", input), OUTPUTS)) {
            OnnxTensor pb = (OnnxTensor) r.get("p_pb").orElseThrow();
            FloatBuffer p = pb.getFloatBuffer();
            for (int i = 0; i < n; i++) {
                probs[i] = p.get(i * classes + crackClass);
            }
        } catch (OrtException e) {
            throw new InferenceException("ABN inference failed: " + e.getMessage(), e);
        }
    }
}
