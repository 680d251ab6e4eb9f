package org.crackcam.evaluate;

import java.util.Map;

/**
 * The bundle's ONNX graphs as the evaluation sees them: run a graph on a batch and get its
 * outputs as one {@code float[]} per image. {@link BundleGraphs} runs them with ONNX Runtime.
 */
public interface Graphs extends AutoCloseable {
    /** The model input size (manifest {@code input}). */
    ImageShape shape();

    /** True when the bundle ships the graph (ablation variants are optional). */
    boolean has(String graph);

    /**
     * Runs {@code graph} on a batch.
     *
     * @param images each CHW RGB [0, 1]
     * @param targets class to explain per image (ignored by graphs without a {@code target} input)
     * @return output name → per-image flattened values
     */
    Map<String, float[][]> run(String graph, float[][] images, int[] targets) throws EvaluationException;

    /** Graph → the label its exporter wrote (manifest; empty when none). */
    default Map<String, String> graphLabels() {
        return Map.of();
    }

    /** A short label of the bundle for reports (its manifest name and seed). */
    String label();

    @Override
    void close();
}
