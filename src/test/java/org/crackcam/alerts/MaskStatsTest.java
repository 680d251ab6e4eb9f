package org.crackcam.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class MaskStatsTest {

    @Test
    void horizontalLineIsTransverseAtZeroDegrees() {
        byte[] m = SkeletonTest.bar(100, 20, 5, 8, 90, 3);
        MaskStats s = MaskStats.of(m, 100, 20);
        assertEquals(270, s.areaPx());
        assertEquals(0, Math.min(s.orientationDeg(), 180 - s.orientationDeg()), 0.5);
        assertEquals(MaskStats.CrackClass.TRANSVERSE, s.crackClass());
    }

    @Test
    void verticalLineIsLongitudinalAtNinetyDegrees() {
        byte[] m = SkeletonTest.bar(20, 100, 8, 5, 3, 90);
        MaskStats s = MaskStats.of(m, 20, 100);
        assertEquals(90, s.orientationDeg(), 0.5);
        assertEquals(MaskStats.CrackClass.LONGITUDINAL, s.crackClass());
    }

    @Test
    void risingDiagonalIsFortyFiveDegreesCounterClockwiseOnScreen() {
        int w = 100, h = 100;
        byte[] m = new byte[w * h];
        for (int i = 5; i < 95; i++) {
            // bottom-left to top-right on screen: y decreases as x increases
            m[(99 - i) * w + i] = 1;
            m[(99 - i) * w + i - 1] = 1;
        }
        MaskStats s = MaskStats.of(m, w, h);
        assertEquals(45, s.orientationDeg(), 1.0);
        assertEquals(MaskStats.CrackClass.DIAGONAL, s.crackClass());
        // and the mirror image is 135°
        byte[] f = new byte[w * h];
        for (int i = 5; i < 95; i++) {
            f[i * w + i] = 1;
            f[i * w + i - 1] = 1;
        }
        assertEquals(135, MaskStats.of(f, w, h).orientationDeg(), 1.0);
    }

    @Test
    void latticeIsANetwork() {
        int w = 100, h = 100;
        byte[] m = new byte[w * h];
        for (int k = 10; k < 100; k += 20) {
            for (int i = 0; i < 100; i++) {
                m[k * w + i] = 1;
                m[i * w + k] = 1;
            }
        }
        assertEquals(MaskStats.CrackClass.NETWORK, MaskStats.of(m, w, h).crackClass());
    }

    @Test
    void emptyMaskHasNoOrientation() {
        MaskStats s = MaskStats.of(new byte[16], 4, 4);
        assertEquals(0, s.areaPx());
        assertEquals(Double.NaN, s.orientationDeg());
    }
}
