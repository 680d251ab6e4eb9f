package org.crackcam.inference;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.crackcam.bundle.GraphSession;
import org.crackcam.bundle.ModelBundle;

/**
 * The LRP-BN relevance graph ({@code lrp_bn}, target = the crack class) on a batch of selected
 * tiles; output: the {@code explanation} map (relevance ⊙ α′) per tile, H×W, and on request the
 * {@code relevance} R itself (for the crack-shaped mask, {@link org.crackcam.explain.CrackMask}). Keeps its own
 * direct input buffers (reused; this stage is their only owner): {@link #run} copies one frame's
 * flagged tiles into them, or {@link #stage} copies tiles one by one (from the batches of several
 * frames) and {@link #runStaged} runs them as one batch. One thread at a time.
 */
public final class RelevanceStage {

    private static final java.util.Set<String> OUTPUTS = java.util.Set.of("explanation");
    private static final java.util.Set<String> OUTPUTS_WITH_RELEVANCE = java.util.Set.of("explanation", "relevance");

    private final GraphSession session;
    private final int crackClass;
    private final int perTile;
    private final int mapSize;
    private final long[] imageShape;
    private final long[] targetShape = new long[1];
    private FloatBuffer images;
    private LongBuffer targets;
    private int capacity;

    public RelevanceStage(ModelBundle bundle) {
        this(bundle, "lrp_bn");
    }

    /** A relevance stage over another graph with the lrp_bn signature (evaluation). */
    public RelevanceStage(ModelBundle bundle, String graph) {
        this.session = bundle.graph(graph);
        var m = bundle.manifest();
        this.crackClass = m.crackClass();
        int h = m.input().height();
        int w = m.input().width();
        this.mapSize = h * w;
        this.perTile = 3 * mapSize;
        this.imageShape = new long[] {0, 3, h, w};
        ensureCapacity(8);
    }

    private void ensureCapacity(int n) {
        if (n <= capacity) {
            return;
        }
        capacity = Math.max(n, capacity * 2);
        images = ByteBuffer.allocateDirect(capacity * perTile * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        targets = ByteBuffer.allocateDirect(capacity * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
        for (int i = 0; i < capacity; i++) {
            targets.put(i, crackClass);
        }
    }

    /** Grows the input buffers to {@code n} tiles now (not in the middle of staging a batch). */
    public void reserve(int n) {
        ensureCapacity(n);
    }

    /** Tiles the input buffers hold. */
    public int capacity() {
        return capacity;
    }

    /**
     * Copies tile {@code slot} of {@code packed} (slot layout of {@link org.crackcam.tiles.TilePacker})
     * to position {@code at} of the next batch; {@code at < capacity()} (see {@link #reserve}).
     */
    public void stage(FloatBuffer packed, int slot, int at) {
        if (at >= capacity) {
            throw new IllegalStateException("relevance batch holds " + capacity + " tiles, staging tile " + at);
        }
        FloatBuffer src = packed.duplicate();
        src.clear().position(slot * perTile).limit((slot + 1) * perTile);
        images.clear().position(at * perTile);
        images.put(src);
    }

    /** Runs the graph on the first {@code m} staged tiles; explanation map j into {@code out[j]}. */
    public void runStaged(int m, float[][] out) {
        runStaged(m, out, null);
    }

    /** As {@link #runStaged(int, float[][])}, also writing relevance map j into {@code relevanceOut[j]} (when not null). */
    public void runStaged(int m, float[][] out, float[][] relevanceOut) {
        if (m > capacity) {
            throw new IllegalStateException("relevance batch holds " + capacity + " tiles, running " + m);
        }
        images.clear().limit(m * perTile);
        targets.clear().limit(m);
        runPacked(m, out, relevanceOut);
    }

    /**
     * Runs the graph on tiles {@code slots[0..m)} of {@code packed} (slot layout of
     * {@link org.crackcam.tiles.TilePacker}) and writes each explanation map (H·W floats) into
     * {@code out[j]}.
     */
    public void run(FloatBuffer packed, int[] slots, int m, float[][] out) {
        run(packed, slots, m, out, null);
    }

    /** As {@link #run(FloatBuffer, int[], int, float[][])}, also writing relevance map j into {@code relevanceOut[j]} (when not null). */
    public void run(FloatBuffer packed, int[] slots, int m, float[][] out, float[][] relevanceOut) {
        ensureCapacity(m);
        images.clear();
        for (int j = 0; j < m; j++) {
            FloatBuffer src = packed.duplicate();
            src.clear().position(slots[j] * perTile).limit((slots[j] + 1) * perTile);
            images.position(j * perTile);
            images.put(src);
        }
        images.clear().limit(m * perTile);
        targets.clear().limit(m);
        runPacked(m, out, relevanceOut);
    }

    /** Runs on the first {@code m} tiles already in this stage's own buffer. */
    private void runPacked(int m, float[][] out, float[][] relevanceOut) {
        imageShape[0] = m;
        targetShape[0] = m;
        var env = ModelBundle.environment();
        try (OnnxTensor image = OnnxTensor.createTensor(env, images, imageShape);
             OnnxTensor target = OnnxTensor.createTensor(env, targets, targetShape);
             OrtSession.Result r = session.run(Map.of("image", image, "target", target),
                     relevanceOut == null ? OUTPUTS : OUTPUTS_WITH_RELEVANCE)) {
            FloatBuffer e = ((OnnxTensor) r.get("explanation").orElseThrow()).getFloatBuffer();
            for (int j = 0; j < m; j++) {
                e.get(j * mapSize, out[j], 0, mapSize);
            }
            if (relevanceOut != null) {
                FloatBuffer rel = ((OnnxTensor) r.get("relevance").orElseThrow()).getFloatBuffer();
                for (int j = 0; j < m; j++) {
                    rel.get(j * mapSize, relevanceOut[j], 0, mapSize);
                }
            }
        } catch (OrtException e) {
            throw new InferenceException("relevance inference failed: " + e.getMessage(), e);
        }
    }

    public int mapSize() {
        return mapSize;
    }
}
