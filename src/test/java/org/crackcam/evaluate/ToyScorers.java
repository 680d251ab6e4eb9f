package org.crackcam.evaluate;

/** Analytic scorers with known answers for the metric tests. */
final class ToyScorers {
    private ToyScorers() {
    }

    /**
     * p(class 1) = fraction of the {@code important} pixels whose channel-0 value is non-zero;
     * p(class 0) = 1 − that. With all pixels important it is the fraction of kept pixels.
     */
    static Scorer importantFraction(ImageShape shape, boolean[] important) {
        int total = Iou.count(important);
        return new Scorer() {
            @Override
            public ImageShape shape() {
                return shape;
            }

            @Override
            public float[][] probabilities(float[][] images) {
                float[][] out = new float[images.length][];
                for (int i = 0; i < images.length; i++) {
                    int kept = 0;
                    for (int p = 0; p < shape.pixels(); p++) {
                        if (important[p] && images[i][p] != 0f) {
                            kept++;
                        }
                    }
                    float f = (float) kept / total;
                    out[i] = new float[] {1f - f, f};
                }
                return out;
            }
        };
    }

    /** softmax(W·x + b), W {@code [K][C·H·W]} (the scorer of tools/eval_reference.py). */
    static Scorer linearSoftmax(ImageShape shape, double[][] weights, double[] bias) {
        return new Scorer() {
            @Override
            public ImageShape shape() {
                return shape;
            }

            @Override
            public float[][] probabilities(float[][] images) {
                int k = bias.length;
                float[][] out = new float[images.length][k];
                for (int i = 0; i < images.length; i++) {
                    double[] z = new double[k];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int c = 0; c < k; c++) {
                        double s = bias[c];
                        for (int j = 0; j < images[i].length; j++) {
                            s += weights[c][j] * images[i][j];
                        }
                        z[c] = s;
                        max = Math.max(max, s);
                    }
                    double sum = 0;
                    for (int c = 0; c < k; c++) {
                        z[c] = Math.exp(z[c] - max);
                        sum += z[c];
                    }
                    for (int c = 0; c < k; c++) {
                        out[i][c] = (float) (z[c] / sum);
                    }
                }
                return out;
            }
        };
    }
}
