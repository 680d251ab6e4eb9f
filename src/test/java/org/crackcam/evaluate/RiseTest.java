package org.crackcam.evaluate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RiseTest {
    private static final ImageShape SHAPE = new ImageShape(3, 32, 32);

    private static float[] ones() {
        float[] x = new float[SHAPE.values()];
        Arrays.fill(x, 1f);
        return x;
    }

    @Test
    void masksAreInTheUnitIntervalKeepAboutP1AndAreReproducible() {
        var cfg = new Rise.Config(500, 4, 0.3, 7, 50);
        float[][] m = Rise.generate(cfg, 32, 32);
        double sum = 0;
        for (float[] mask : m) {
            for (float v : mask) {
                assertTrue(v >= 0f && v <= 1f);
                sum += v;
            }
        }
        assertEquals(0.3, sum / (500.0 * 32 * 32), 0.02);
        assertArrayEquals(m[123], Rise.generate(cfg, 32, 32)[123]);
    }

    @Test
    void inputBlindScorerGivesItsProbabilityEverywhere() throws Exception {
        // E[M(j)] = p1, so Σ p·M / (N·p1) → p at every pixel
        Scorer constant = new Scorer() {
            @Override
            public ImageShape shape() {
                return SHAPE;
            }

            @Override
            public float[][] probabilities(float[][] images) {
                float[][] out = new float[images.length][];
                for (int i = 0; i < images.length; i++) {
                    out[i] = new float[] {0.2f, 0.8f};
                }
                return out;
            }
        };
        float[] sal = new Rise(new Rise.Config(2000, 4, 0.5, 1, 128), SHAPE).saliency(constant, ones(), 1);
        double mean = 0;
        for (float v : sal) {
            mean += v;
        }
        mean /= sal.length;
        assertEquals(0.8, mean, 0.01);
        for (float v : sal) {
            assertEquals(0.8, v, 0.1);
        }
    }

    @Test
    void saliencyIsHigherOnThePixelsTheScorerLooksAt() throws Exception {
        boolean[] important = new boolean[SHAPE.pixels()];
        for (int y = 8; y < 16; y++) {
            for (int x = 16; x < 24; x++) {
                important[y * 32 + x] = true;
            }
        }
        // p(1) = mean of channel 0 over the important block (masked images keep values in [0,1])
        Scorer blockMean = new Scorer() {
            @Override
            public ImageShape shape() {
                return SHAPE;
            }

            @Override
            public float[][] probabilities(float[][] images) {
                float[][] out = new float[images.length][];
                for (int i = 0; i < images.length; i++) {
                    double s = 0;
                    for (int p = 0; p < SHAPE.pixels(); p++) {
                        if (important[p]) {
                            s += images[i][p];
                        }
                    }
                    float f = (float) (s / 64);
                    out[i] = new float[] {1 - f, f};
                }
                return out;
            }
        };
        float[] sal = new Rise(new Rise.Config(1000, 4, 0.5, 3, 100), SHAPE).saliency(blockMean, ones(), 1);
        boolean[] top = Iou.topK(sal, 64);
        assertTrue(Iou.iou(top, important) > 0.6, "RISE top-64 IoU with the block");
    }
}
