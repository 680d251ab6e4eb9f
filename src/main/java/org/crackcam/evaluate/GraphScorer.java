package org.crackcam.evaluate;

/**
 * The shipped ABN as a {@link Scorer}: the {@code abn} graph's {@code p_pb} (softmax of the
 * perception branch), run in chunks of {@code batch} images. Counts its forward passes.
 */
public final class GraphScorer implements Scorer {
    private final Graphs graphs;
    private final int batch;
    private long passes;

    public GraphScorer(Graphs graphs, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        this.graphs = graphs;
        this.batch = batch;
    }

    @Override
    public ImageShape shape() {
        return graphs.shape();
    }

    /** Images scored so far. */
    public long passes() {
        return passes;
    }

    @Override
    public float[][] probabilities(float[][] images) throws EvaluationException {
        float[][] out = new float[images.length][];
        int[] none = new int[0];
        for (int start = 0; start < images.length; start += batch) {
            int end = Math.min(images.length, start + batch);
            float[][] chunk = new float[end - start][];
            System.arraycopy(images, start, chunk, 0, chunk.length);
            float[][] p = graphs.run("abn", chunk, none).get("p_pb");
            System.arraycopy(p, 0, out, start, p.length);
        }
        passes += images.length;
        return out;
    }
}
