package org.crackcam.evaluate;

/**
 * What a removed pixel becomes in Insertion and Deletion.
 *
 * <p>{@link #BLACK} is the paper's "0": value 0 in the graphs' RGB [0, 1] input space, i.e.
 * black <em>before</em> the in-graph ImageNet normalisation (not the mean colour).
 * {@link #BLUR} is RISE's insertion substrate: the image blurred with an 11×11 Gaussian kernel,
 * σ = 5, zero-padded at the border as RISE's {@code conv2d(padding=5)} does.
 */
public enum Substrate {
    BLACK,
    BLUR;

    /** RISE's blur kernel length and sigma. */
    public static final int BLUR_KERNEL = 11;
    public static final double BLUR_SIGMA = 5.0;

    /** The substrate image for {@code image} (a new array). */
    public float[] of(float[] image, ImageShape shape) {
        return switch (this) {
            case BLACK -> new float[image.length];
            case BLUR -> gaussianBlur(image, shape, BLUR_KERNEL, BLUR_SIGMA);
        };
    }

    /** Normalised 1-D Gaussian taps {@code exp(-x²/2σ²)}, x = -(k/2)..k/2, summing to 1. */
    static double[] gaussianTaps(int length, double sigma) {
        if (length <= 0 || length % 2 == 0) {
            throw new IllegalArgumentException("kernel length must be odd and positive, got " + length);
        }
        double[] taps = new double[length];
        int r = length / 2;
        double sum = 0;
        for (int i = 0; i < length; i++) {
            double x = i - r;
            taps[i] = Math.exp(-x * x / (2 * sigma * sigma));
            sum += taps[i];
        }
        for (int i = 0; i < length; i++) {
            taps[i] /= sum;
        }
        return taps;
    }

    /** Separable Gaussian blur of each channel, zero padding outside the image. */
    static float[] gaussianBlur(float[] image, ImageShape shape, int length, double sigma) {
        double[] taps = gaussianTaps(length, sigma);
        int r = length / 2;
        int h = shape.height();
        int w = shape.width();
        float[] out = new float[image.length];
        double[] rows = new double[h * w];
        for (int c = 0; c < shape.channels(); c++) {
            int base = c * h * w;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double s = 0;
                    for (int k = -r; k <= r; k++) {
                        int xx = x + k;
                        if (xx >= 0 && xx < w) {
                            s += taps[k + r] * image[base + y * w + xx];
                        }
                    }
                    rows[y * w + x] = s;
                }
            }
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double s = 0;
                    for (int k = -r; k <= r; k++) {
                        int yy = y + k;
                        if (yy >= 0 && yy < h) {
                            s += taps[k + r] * rows[yy * w + x];
                        }
                    }
                    out[base + y * w + x] = (float) s;
                }
            }
        }
        return out;
    }
}
