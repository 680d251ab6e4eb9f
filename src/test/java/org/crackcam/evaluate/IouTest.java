package org.crackcam.evaluate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IouTest {
    @Test
    void iouOfOverlappingMasks() {
        boolean[] a = {true, true, false, false};
        boolean[] b = {false, true, true, false};
        assertEquals(1.0 / 3, Iou.iou(a, b), 1e-12);
        assertEquals(1.0, Iou.iou(a, a), 1e-12);
        assertTrue(Double.isNaN(Iou.iou(new boolean[4], new boolean[4])));
    }

    @Test
    void binarisationsFollowTheirStatedRules() {
        float[] map = {0f, 1f, 2f, 5f};     // mean 2: strictly above -> only 5
        assertArrayEquals(new boolean[] {false, false, false, true}, Iou.aboveMean(map));
        assertArrayEquals(new boolean[] {false, true, true, true}, Iou.positive(map));
        boolean[] truth = {true, true, false, false};
        assertArrayEquals(new boolean[] {false, false, true, true},
                Iou.Binarisation.TOP_K_MASK_AREA.apply(map, truth));
    }
}
