package org.crackcam.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.OptionalDouble;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * C1C against an independent plain-Java re-implementation (mean threshold, strict foreground,
 * arg-max first in row-major order, 8-connected flood fill, values kept, OpenCV-convention
 * bilinear upscaling).
 */
class C1cTest {

    static final int S = 28;

    /** Reference on an already-shrunk S×S map: kept values, zeros elsewhere. */
    static float[] referenceKeep(float[] m, int n, OptionalDouble fixed) {
        double thr;
        if (fixed.isPresent()) {
            thr = fixed.getAsDouble();
        } else {
            double sum = 0;
            for (float v : m) {
                sum += v;
            }
            thr = sum / m.length;
        }
        int arg = 0;
        for (int i = 1; i < m.length; i++) {
            if (m[i] > m[arg]) {
                arg = i;
            }
        }
        float[] out = new float[m.length];
        if (!(m[arg] > thr)) {
            return out;
        }
        boolean[] seen = new boolean[m.length];
        ArrayDeque<Integer> q = new ArrayDeque<>();
        q.add(arg);
        seen[arg] = true;
        while (!q.isEmpty()) {
            int p = q.poll();
            out[p] = m[p];
            int y = p / n, x = p % n;
            for (int dy = -1; dy <= 1; dy++) {
                for (int dx = -1; dx <= 1; dx++) {
                    int yy = y + dy, xx = x + dx;
                    if (yy < 0 || xx < 0 || yy >= n || xx >= n) {
                        continue;
                    }
                    int k = yy * n + xx;
                    if (!seen[k] && m[k] > thr) {
                        seen[k] = true;
                        q.add(k);
                    }
                }
            }
        }
        return out;
    }

    /** Bilinear upscaling with OpenCV's half-pixel convention and edge clamping. */
    static float[] referenceUpscale(float[] src, int n, int size) {
        float[] out = new float[size * size];
        double scale = (double) n / size;
        for (int y = 0; y < size; y++) {
            double sy = Math.max(0, (y + 0.5) * scale - 0.5);
            int y0 = Math.min((int) Math.floor(sy), n - 1);
            int y1 = Math.min(y0 + 1, n - 1);
            double fy = sy - y0;
            for (int x = 0; x < size; x++) {
                double sx = Math.max(0, (x + 0.5) * scale - 0.5);
                int x0 = Math.min((int) Math.floor(sx), n - 1);
                int x1 = Math.min(x0 + 1, n - 1);
                double fx = sx - x0;
                double v = (1 - fy) * ((1 - fx) * src[y0 * n + x0] + fx * src[y0 * n + x1])
                        + fy * ((1 - fx) * src[y1 * n + x0] + fx * src[y1 * n + x1]);
                out[y * size + x] = (float) v;
            }
        }
        return out;
    }

    /** A 112×112 map made of 4×4 constant blocks (INTER_AREA shrinks it to the block values exactly). */
    static float[] blocks(float[] small) {
        float[] m = new float[112 * 112];
        for (int y = 0; y < 112; y++) {
            for (int x = 0; x < 112; x++) {
                m[y * 112 + x] = small[(y / 4) * S + x / 4];
            }
        }
        return m;
    }

    static float[] blobs(long seed) {
        Random r = new Random(seed);
        float[] m = new float[S * S];
        for (int i = 0; i < m.length; i++) {
            m[i] = (float) (r.nextGaussian() * 0.05);
        }
        for (int b = 0; b < 5; b++) {
            int cy = r.nextInt(S), cx = r.nextInt(S);
            float amp = 0.5f + r.nextFloat();
            for (int y = 0; y < S; y++) {
                for (int x = 0; x < S; x++) {
                    double d2 = (y - cy) * (y - cy) + (x - cx) * (x - cx);
                    m[y * S + x] += (float) (amp * Math.exp(-d2 / 6));
                }
            }
        }
        return m;
    }

    @Test
    void keptComponentAtModelSizeMatchesFloodFillReference() {
        try (C1c c = new C1c(S, OptionalDouble.empty())) {
            for (long seed = 1; seed <= 20; seed++) {
                float[] small = blobs(seed);
                float[] map = blocks(small);
                float[] out = c.apply(map, 112, 112, new float[112 * 112]);
                float[] ref = referenceKeep(small, S, OptionalDouble.empty());
                assertArrayEquals(ref, c.keptSmall(), 1e-6f, "kept component, seed " + seed);
                float[] up = referenceUpscale(ref, S, 112);
                int mismatches = 0;
                for (int i = 0; i < out.length; i++) {
                    if ((out[i] > 0) != (up[i] > 0) && Math.abs(up[i]) > 1e-6) {
                        mismatches++;
                    }
                }
                assertEquals(0, mismatches, "mask pixels differing from the reference, seed " + seed);
                // the kept component holds the arg-max of the shrunk map
                int arg = 0;
                for (int i = 1; i < small.length; i++) {
                    if (small[i] > small[arg]) {
                        arg = i;
                    }
                }
                assertEquals(small[arg], c.keptSmall()[arg], 1e-6f);
            }
        }
    }

    @Test
    void identitySizeMapEqualsReferenceExactly() {
        try (C1c c = new C1c(S, OptionalDouble.empty())) {
            float[] small = blobs(99);
            float[] out = c.apply(small, S, S, new float[S * S]);
            assertArrayEquals(referenceKeep(small, S, OptionalDouble.empty()), out, 1e-6f);
        }
    }

    @Test
    void diagonalNeighboursAreOneComponent() {
        float[] m = new float[S * S];
        m[5 * S + 5] = 1f;
        m[6 * S + 6] = 0.8f;   // touches (5,5) only diagonally: kept with 8-connectivity
        m[8 * S + 8] = 0.9f;   // separate
        try (C1c c = new C1c(S, OptionalDouble.empty())) {
            float[] out = c.apply(m, S, S, new float[S * S]);
            assertEquals(1f, out[5 * S + 5]);
            assertEquals(0.8f, out[6 * S + 6]);
            assertEquals(0f, out[8 * S + 8]);
        }
    }

    @Test
    void tiesKeepTheFirstMaximumInRowMajorOrder() {
        float[] m = new float[S * S];
        m[10 * S + 20] = 1f;   // row 10: first in row-major order
        m[10 * S + 21] = 0.5f;
        m[20 * S + 3] = 1f;    // same maximum, later row
        m[20 * S + 4] = 0.5f;
        try (C1c c = new C1c(S, OptionalDouble.empty())) {
            float[] out = c.apply(m, S, S, new float[S * S]);
            assertEquals(1f, out[10 * S + 20]);
            assertEquals(0.5f, out[10 * S + 21]);
            assertEquals(0f, out[20 * S + 3]);
            assertEquals(0f, out[20 * S + 4]);
            assertArrayEquals(referenceKeep(m, S, OptionalDouble.empty()), out);
        }
    }

    @Test
    void emptyMapGivesEmptyResult() {
        try (C1c c = new C1c(S, OptionalDouble.empty())) {
            float[] out = c.apply(new float[0], 0, 0, new float[0]);
            assertEquals(0, out.length);
        }
    }

    @Test
    void allZeroRelevanceGivesEmptyMask() {
        try (C1c c = new C1c(S, OptionalDouble.empty())) {
            float[] out = c.apply(new float[112 * 112], 112, 112, new float[112 * 112]);
            for (float v : out) {
                assertEquals(0f, v);
            }
        }
    }

    @Test
    void constantMapAndNegativeMapGiveEmptyMask() {
        try (C1c c = new C1c(S, OptionalDouble.empty())) {
            float[] m = new float[112 * 112];
            java.util.Arrays.fill(m, 0.7f);
            for (float v : c.apply(m, 112, 112, new float[m.length])) {
                assertEquals(0f, v);
            }
            java.util.Arrays.fill(m, -1f);
            m[50 * 112 + 50] = -0.5f; // the maximum is negative: kept, but nothing is > 0
            for (float v : c.apply(m, 112, 112, new float[m.length])) {
                assertTrue(v <= 0f);
            }
        }
    }

    @Test
    void singlePixelSurvivesAsSmallBlobAroundIt() {
        float[] m = new float[112 * 112];
        m[61 * 112 + 40] = 3f;
        try (C1c c = new C1c(S, OptionalDouble.empty())) {
            float[] out = c.apply(m, 112, 112, new float[m.length]);
            int area = 0;
            for (float v : out) {
                area += v > 0 ? 1 : 0;
            }
            assertTrue(out[61 * 112 + 40] > 0, "the pixel itself is in the mask");
            assertTrue(area > 0 && area <= 64, "mask area " + area + " stays within about one shrunk cell");
            float[] small = new float[S * S];
            small[(61 / 4) * S + 40 / 4] = 3f / 16f;
            float[] ref = referenceUpscale(referenceKeep(small, S, OptionalDouble.empty()), S, 112);
            for (int i = 0; i < out.length; i++) {
                assertEquals(ref[i] > 0, out[i] > 0, "pixel " + i);
            }
        }
    }

    @Test
    void fixedThresholdFromManifestIsUsed() {
        float[] small = blobs(5);
        try (C1c c = new C1c(S, OptionalDouble.of(0.6))) {
            float[] out = c.apply(small, S, S, new float[S * S]);
            assertArrayEquals(referenceKeep(small, S, OptionalDouble.of(0.6)), out, 1e-6f);
        }
    }

    @Test
    void nonFiniteValuesCountAsZero() {
        float[] m = new float[S * S];
        m[0] = Float.NaN;
        m[1] = Float.POSITIVE_INFINITY;
        m[100] = 2f;
        try (C1c c = new C1c(S, OptionalDouble.empty())) {
            float[] out = c.apply(m, S, S, new float[S * S]);
            assertEquals(2f, out[100]);
            assertEquals(0f, out[0]);
            assertEquals(0f, out[1]);
        }
    }
}
