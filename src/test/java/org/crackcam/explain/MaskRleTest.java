package org.crackcam.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

class MaskRleTest {

    @Test
    void roundTripsRandomMasksAndRunsCoverTheBox() {
        Random r = new Random(3);
        for (int k = 0; k < 50; k++) {
            int w = 20 + r.nextInt(50), h = 10 + r.nextInt(40);
            byte[] m = new byte[w * h];
            int x0 = r.nextInt(w), y0 = r.nextInt(h);
            for (int i = 0; i < 30; i++) {
                int x = Math.min(w - 1, x0 + r.nextInt(10)), y = Math.min(h - 1, y0 + r.nextInt(10));
                m[y * w + x] = 1;
            }
            MaskRle rle = MaskRle.encode(m, w, h);
            assertArrayEquals(m, rle.decode(w, h));
            assertEquals(rle.bbox()[2] * rle.bbox()[3], Arrays.stream(rle.runs()).sum());
            int area = 0;
            for (byte b : m) {
                area += b;
            }
            assertEquals(area, rle.area());
        }
    }

    @Test
    void emptyMaskHasNoRuns() {
        MaskRle rle = MaskRle.encode(new byte[12], 4, 3);
        assertArrayEquals(new int[] {0, 0, 0, 0}, rle.bbox());
        assertEquals(0, rle.runs().length);
        assertEquals(0, rle.area());
    }

    @Test
    void documentedExample() {
        // 4x3 frame, set pixels (1,0) (2,0) (2,1): bbox [1,0,2,2], walk: 1 1 / 0 1 -> runs 0,2,1,1
        byte[] m = new byte[12];
        m[1] = 1;
        m[2] = 1;
        m[4 + 2] = 1;
        MaskRle rle = MaskRle.encode(m, 4, 3);
        assertArrayEquals(new int[] {1, 0, 2, 2}, rle.bbox());
        assertArrayEquals(new int[] {0, 2, 1, 1}, rle.runs());
    }
}
