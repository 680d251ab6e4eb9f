package org.crackcam.evaluate;

/**
 * What a removed pixel becomes in Insertion and Deletion.
 *
 * <p>{@link #BLACK} is the paper's "0": value 0 in the graphs' RGB [0, 1] input space, i.e.
 * black <em>before</em> the in-graph ImageNet normalisation (not the mean colour).
 * {@link #BLUR} is RISE's insertion substrate: the image blurred with an 11×11 Gaussian kernel,
 * σ = 5, zero-padded at the border as RISE's {@code conv2d(padding=5)} does.
 * {@link #MEAN} is the image's own mean colour (per channel). {@link #ROAD} is ROAD's noisy
 * linear imputation ({@link LinearImputer}): it depends on which pixels are removed, so it is
 * made afresh at every step of a curve ({@link #perStep()}), not once per image.
 */
public enum Substrate {
    BLACK,
    BLUR,
    MEAN,
    ROAD;

    /** True when the substrate depends on the removed set (computed per step by the caller). */
    public boolean perStep() {
        return this == ROAD;
    }

    /** Lower-case name as used on the command line and in reports. */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses black, blur, mean or road; the message lists the allowed names. */
    public static Substrate parse(String s) {
        for (Substrate v : values()) {
            if (v.id().equals(s.trim().toLowerCase(java.util.Locale.ROOT))) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown substrate '" + s + "'; expected one of: black, blur, mean, road");
    }

    /** RISE's blur kernel length and sigma. */
    public static final int BLUR_KERNEL = 11;
    public static final double BLUR_SIGMA = 5.0;

    /**
     * The substrate image for {@code image} (a new array); for {@link #ROAD} this is the fully
     * removed image (the mean colour, before noise) — per-step values come from {@link LinearImputer}.
     */
    public float[] of(float[] image, ImageShape shape) {
        return switch (this) {
            case BLACK -> new float[image.length];
            case BLUR -> gaussianBlur(image, shape, BLUR_KERNEL, BLUR_SIGMA);
            case MEAN, ROAD -> meanColour(image, shape);
        };
    }

    /** Every pixel set to the image's per-channel mean. */
    static float[] meanColour(float[] image, ImageShape shape) {
        int hw = shape.pixels();
        float[] out = new float[image.length];
        for (int c = 0; c < shape.channels(); c++) {
            double s = 0;
            for (int p = 0; p < hw; p++) {
                s += image[c * hw + p];
            }
            java.util.Arrays.fill(out, c * hw, (c + 1) * hw, (float) (s / hw));
        }
        return out;
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
