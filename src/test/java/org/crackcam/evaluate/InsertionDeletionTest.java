package org.crackcam.evaluate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class InsertionDeletionTest {
    private static final ImageShape SHAPE = new ImageShape(3, 4, 4);
    /** The centre 2×2 block of a 4×4 image: pixels 5, 6, 9, 10. */
    private static final boolean[] CENTRE = new boolean[16];

    static {
        for (int p : new int[] {5, 6, 9, 10}) {
            CENTRE[p] = true;
        }
    }

    private static float[] ones() {
        float[] x = new float[SHAPE.values()];
        Arrays.fill(x, 1f);
        return x;
    }

    private static float[] perfectMap() {
        float[] m = new float[16];
        for (int p = 0; p < 16; p++) {
            m[p] = CENTRE[p] ? 1f : 0f;
        }
        return m;
    }

    private static InsertionDeletion.Curves run(float[] map, int step) throws EvaluationException {
        var id = new InsertionDeletion(new InsertionDeletion.Config(step, Substrate.BLACK, Substrate.BLACK));
        return id.evaluate(ToyScorers.importantFraction(SHAPE, CENTRE), ones(), map, 1);
    }

    @Test
    void perfectMapGivesTheHandComputedCurvesAndAreas() throws Exception {
        var c = run(perfectMap(), 1);
        double[] expectedIns = new double[17];
        double[] expectedDel = new double[17];
        for (int n = 0; n <= 16; n++) {
            expectedIns[n] = Math.min(n, 4) / 4.0;
            expectedDel[n] = 1 - Math.min(n, 4) / 4.0;
        }
        assertArrayEquals(expectedIns, c.insertion(), 1e-7);
        assertArrayEquals(expectedDel, c.deletion(), 1e-7);
        // trapezoids: insertion (1+3+5+7)/8 + 12·1 = 14, deletion 4 − 2 = 2, over 16 pixels
        assertEquals(14.0 / 16, c.insertionAuc(), 1e-7);
        assertEquals(2.0 / 16, c.deletionAuc(), 1e-7);
        assertEquals(0.75, c.id(), 1e-7);
    }

    @Test
    void reversedMapSwapsInsertionAndDeletion() throws Exception {
        float[] reversed = perfectMap();
        for (int p = 0; p < 16; p++) {
            reversed[p] = -reversed[p];
        }
        var c = run(reversed, 1);
        assertEquals(2.0 / 16, c.insertionAuc(), 1e-7);
        assertEquals(14.0 / 16, c.deletionAuc(), 1e-7);
        assertEquals(-0.75, c.id(), 1e-7);
    }

    @Test
    void stepLargerThanOneKeepsBothEndsAndAShortLastInterval() throws Exception {
        var c = run(perfectMap(), 3);
        assertArrayEquals(new int[] {0, 3, 6, 9, 12, 15, 16}, c.pixels());
        // (0,3): 3·(0+.75)/2 + (3,6): 3·(.75+1)/2 + 3 intervals of 3 + (15,16): 1 = 13.75
        assertEquals(13.75 / 16, c.insertionAuc(), 1e-7);
        // (0,3): 3·(1+.25)/2 + (3,6): 3·(.25+0)/2 = 2.25
        assertEquals(2.25 / 16, c.deletionAuc(), 1e-7);
    }

    @Test
    void keptPixelFractionScorerGivesOneHalfWhateverTheMap() throws Exception {
        boolean[] all = new boolean[16];
        Arrays.fill(all, true);
        var id = new InsertionDeletion(new InsertionDeletion.Config(1, Substrate.BLACK, Substrate.BLACK));
        float[] map = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3};
        var c = id.evaluate(ToyScorers.importantFraction(SHAPE, all), ones(), map, 1);
        assertEquals(0.5, c.insertionAuc(), 1e-7);
        assertEquals(0.5, c.deletionAuc(), 1e-7);
    }

    @Test
    void substrateIsBlackInRgbInputSpaceNotTheNormalisedMean() throws Exception {
        float[] image = ones();
        float[][] seen = new float[1][];
        Scorer spy = new Scorer() {
            @Override
            public ImageShape shape() {
                return SHAPE;
            }

            @Override
            public float[][] probabilities(float[][] images) {
                seen[0] = images[0].clone(); // insertion at n = 0: pure substrate
                float[][] out = new float[images.length][];
                for (int i = 0; i < images.length; i++) {
                    out[i] = new float[] {0.5f, 0.5f};
                }
                return out;
            }
        };
        new InsertionDeletion(InsertionDeletion.Config.ofSteps(4, SHAPE)).evaluate(spy, image, perfectMap(), 1);
        assertArrayEquals(new float[SHAPE.values()], seen[0]);
    }

    @Test
    void stepsConfigurationRoundsTheStepUp() {
        assertEquals(224, InsertionDeletion.Config.ofSteps(56, new ImageShape(3, 112, 112)).stepPixels());
        assertEquals(3, InsertionDeletion.Config.ofSteps(6, SHAPE).stepPixels());
        assertArrayEquals(new int[] {0, 5, 10, 12}, InsertionDeletion.stepCounts(12, 5));
    }

    @Test
    void wrongSizedMapIsRefused() {
        var id = new InsertionDeletion(new InsertionDeletion.Config(1, Substrate.BLACK, Substrate.BLACK));
        assertThrows(IllegalArgumentException.class,
                () -> id.evaluate(ToyScorers.importantFraction(SHAPE, CENTRE), ones(), new float[15], 1));
    }

    @Test
    void blurOfAConstantImageIsConstantAwayFromTheBorder() {
        ImageShape s = new ImageShape(1, 30, 30);
        float[] x = new float[s.values()];
        Arrays.fill(x, 0.7f);
        float[] b = Substrate.BLUR.of(x, s);
        for (int y = 5; y < 25; y++) {
            for (int xx = 5; xx < 25; xx++) {
                assertEquals(0.7, b[y * 30 + xx], 1e-6);
            }
        }
        // zero padding (RISE's conv2d padding): the corner loses about three quarters
        assertEquals(true, b[0] < 0.7f * 0.35f);
        double sum = 0;
        for (double t : Substrate.gaussianTaps(11, 5)) {
            sum += t;
        }
        assertEquals(1.0, sum, 1e-12);
    }
}
