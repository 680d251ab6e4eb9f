package org.crackcam.explain;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The crack-shaped mask (beyond the paper; issue 13 part 4): the LRP-BN relevance R of a tile at
 * full tile resolution (H×W, before the attention product), kept only inside the tile's C1C
 * region, thresholded and cleaned. The C1C region says <em>where</em> (a blob of about
 * H/size-pixel cells); this mask follows the crack itself.
 *
 * <p>Steps, for one tile:
 * <ol>
 *   <li><b>Candidates</b>: pixels inside the region ({@code region > 0}) with finite, positive R.
 *       Negative relevance speaks against the crack class and is never kept.</li>
 *   <li><b>Threshold</b> ({@link Method}):
 *     <ul>
 *       <li>{@code top-fraction} (default, fraction 0.05): keep the {@code k = max(1, round(fraction·H·W))}
 *           candidates with the highest R — the fraction is of the <em>tile's</em> area, so a crack of
 *           about 5 % of the tile's pixels is kept whole whatever the region's size; ties with the
 *           k-th value are all kept; with at most k candidates all are kept.</li>
 *       <li>{@code otsu}: Otsu's threshold on the candidates' R (256-bin histogram between their
 *           minimum and maximum); keep R above it (all candidates when they are all equal).</li>
 *     </ul></li>
 *   <li><b>Clean</b>: 8-connected components with fewer than {@code minComponentPx} pixels are removed
 *       (specks of relevance in the road texture).</li>
 *   <li><b>Dilate</b> {@code dilatePx} times with a 3×3 square (default 0), inside the region only.</li>
 * </ol>
 * The result is always a subset of the region (an empty region gives an empty mask).
 *
 * <p>Why top-fraction by default: on independent tiles, keeping the top 5 % of R scored a 2-px
 * tolerant F1 of 0.63 against 0.33 for the C1C region (issue 13); Otsu adapts to the tile but, on
 * relevance maps whose positive part is mostly weak texture, tends to keep too much or too little.
 * Measured figures are in docs/alerts.md.
 *
 * <p>Not thread-safe (reuses work buffers); one instance per pipeline thread.
 */
public final class CrackMask {

    /** How the relevance inside the region is thresholded. */
    public enum Method {
        /** Keep the highest-relevance pixels, a fixed fraction of the tile's area. */
        TOP_FRACTION("top-fraction"),
        /** Otsu's threshold on the positive relevance inside the region. */
        OTSU("otsu");

        private final String jsonName;

        Method(String jsonName) {
            this.jsonName = jsonName;
        }

        public String jsonName() {
            return jsonName;
        }

        /** The method named {@code name} ({@code top-fraction} or {@code otsu}). */
        public static Method parse(String name) {
            for (Method m : values()) {
                if (m.jsonName.equals(name)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("crack mask method must be top-fraction or otsu, got '" + name + "'");
        }
    }

    /**
     * The crack-mask rule.
     *
     * @param method         the threshold rule
     * @param fraction       for {@code TOP_FRACTION}: share of the tile's pixels kept at most, in (0, 1]
     *                       (ignored by {@code OTSU})
     * @param minComponentPx 8-connected components smaller than this (tile pixels) are removed; 0 keeps all
     * @param dilatePx       3×3 dilations after cleaning, inside the region, 0..3
     */
    public record Settings(Method method, double fraction, int minComponentPx, int dilatePx) {

        /** The default: top 5 % of the tile's area, components under 8 px removed, no dilation. */
        public static final Settings DEFAULTS = new Settings(Method.TOP_FRACTION, 0.05, 8, 0);

        public Settings {
            Objects.requireNonNull(method, "method");
            if (method == Method.TOP_FRACTION && !(fraction > 0 && fraction <= 1)) {
                throw new IllegalArgumentException("crack mask fraction must be in (0, 1], got " + fraction);
            }
            if (minComponentPx < 0) {
                throw new IllegalArgumentException("crack mask minimum component must be >= 0 px, got " + minComponentPx);
            }
            if (dilatePx < 0 || dilatePx > 3) {
                throw new IllegalArgumentException("crack mask dilation must be in 0..3 px, got " + dilatePx);
            }
        }

        /** Writes the {@code mask_rule} object of an alert. */
        public void writeJson(ObjectNode n) {
            n.put("method", method.jsonName());
            if (method == Method.TOP_FRACTION) {
                n.put("fraction", fraction);
            } else {
                n.putNull("fraction");
            }
            n.put("min_component_px", minComponentPx);
            n.put("dilate_px", dilatePx);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "crack-mask[%s%s, min component %d px, dilate %d px]", method.jsonName(),
                    method == Method.TOP_FRACTION ? " " + fraction : "", minComponentPx, dilatePx);
        }
    }

    private final Settings settings;
    private float[] values = new float[0];
    private final Components components = new Components();
    private byte[] scratch = new byte[0];

    public CrackMask(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    public Settings settings() {
        return settings;
    }

    /**
     * Writes the crack-shaped mask of one tile into {@code out} (0/1, row-major {@code h × w}).
     *
     * @param relevance the relevance R, H×W row-major
     * @param region    the C1C map (the kept component, resized back to H×W); {@code > 0} is in the region
     * @return the number of mask pixels
     */
    public int apply(float[] relevance, float[] region, int h, int w, byte[] out) {
        int n = h * w;
        if (relevance.length < n || region.length < n || out.length < n) {
            throw new IllegalArgumentException("maps hold " + relevance.length + "/" + region.length + "/" + out.length
                    + " values, need " + n + " (" + h + "x" + w + ")");
        }
        Arrays.fill(out, 0, n, (byte) 0);
        ensure(n);
        int c = 0;
        for (int i = 0; i < n; i++) {
            float r = relevance[i];
            if (region[i] > 0f && r > 0f && Float.isFinite(r)) {
                values[c++] = r;
            }
        }
        if (c == 0) {
            return 0;
        }
        float threshold = settings.method() == Method.OTSU ? otsu(values, c) : topK(values, c, keepCount(n));
        int area = 0;
        for (int i = 0; i < n; i++) {
            float r = relevance[i];
            if (region[i] > 0f && r > 0f && Float.isFinite(r) && r >= threshold) {
                out[i] = 1;
                area++;
            }
        }
        if (settings.minComponentPx() > 1) {
            area = removeSmall(out, h, w, settings.minComponentPx());
        }
        for (int d = 0; d < settings.dilatePx(); d++) {
            area = dilate(out, region, h, w);
        }
        return area;
    }

    /** {@code k} of the top-fraction rule for a tile of {@code n} pixels. */
    int keepCount(int n) {
        return (int) Math.max(1, Math.round(settings.fraction() * n));
    }

    private void ensure(int n) {
        if (values.length < n) {
            values = new float[n];
            scratch = new byte[n];
        }
    }

    /** The k-th largest of {@code v[0..c)} (all kept when c ≤ k). Reorders {@code v}. */
    static float topK(float[] v, int c, int k) {
        if (c <= k) {
            return -Float.MAX_VALUE;
        }
        Arrays.sort(v, 0, c);
        return v[c - k];
    }

    /**
     * Otsu's threshold on {@code v[0..c)} (all > 0): the level between two histogram bins that
     * maximises the between-class variance; values {@code >=} the returned level are kept. All
     * equal: every value is kept.
     */
    static float otsu(float[] v, int c) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int i = 0; i < c; i++) {
            min = Math.min(min, v[i]);
            max = Math.max(max, v[i]);
        }
        if (!(max > min)) {
            return min;
        }
        int bins = 256;
        long[] hist = new long[bins];
        double scale = (bins - 1) / ((double) max - min);
        for (int i = 0; i < c; i++) {
            hist[(int) ((v[i] - min) * scale)]++;
        }
        double sumAll = 0;
        for (int b = 0; b < bins; b++) {
            sumAll += (double) b * hist[b];
        }
        long wB = 0;
        double sumB = 0;
        double best = -1;
        int bestBin = 0;
        for (int b = 0; b < bins - 1; b++) {
            wB += hist[b];
            if (wB == 0) {
                continue;
            }
            long wF = c - wB;
            if (wF == 0) {
                break;
            }
            sumB += (double) b * hist[b];
            double mB = sumB / wB;
            double mF = (sumAll - sumB) / wF;
            double between = (double) wB * wF * (mB - mF) * (mB - mF);
            if (between > best) {
                best = between;
                bestBin = b;
            }
        }
        // keep the bins above bestBin: values whose bin index is > bestBin
        return (float) (min + (bestBin + 1) / scale);
    }

    /** Removes 8-connected components ({@link Components}) smaller than {@code minPx}; returns the pixels left. */
    private int removeSmall(byte[] m, int h, int w, int minPx) {
        components.label(m, h, w);
        int n = h * w;
        int area = 0;
        for (int i = 0; i < n; i++) {
            if (m[i] != 0) {
                if (components.area(components.labelAt(i)) < minPx) {
                    m[i] = 0;
                } else {
                    area++;
                }
            }
        }
        return area;
    }

    /** One 3×3 dilation of {@code m}, limited to the region; returns the pixels set. */
    private int dilate(byte[] m, float[] region, int h, int w) {
        int n = h * w;
        System.arraycopy(m, 0, scratch, 0, n);
        int area = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                if (scratch[i] == 0 && region[i] > 0f) {
                    outer:
                    for (int dy = -1; dy <= 1; dy++) {
                        int yy = y + dy;
                        if (yy < 0 || yy >= h) {
                            continue;
                        }
                        for (int dx = -1; dx <= 1; dx++) {
                            int xx = x + dx;
                            if (xx >= 0 && xx < w && scratch[yy * w + xx] != 0) {
                                m[i] = 1;
                                break outer;
                            }
                        }
                    }
                }
                area += m[i];
            }
        }
        return area;
    }
}
