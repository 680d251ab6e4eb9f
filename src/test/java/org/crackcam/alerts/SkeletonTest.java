package org.crackcam.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;

import org.junit.jupiter.api.Test;

class SkeletonTest {

    static byte[] bar(int w, int h, int x0, int y0, int bw, int bh) {
        byte[] m = new byte[w * h];
        for (int y = y0; y < y0 + bh; y++) {
            for (int x = x0; x < x0 + bw; x++) {
                m[y * w + x] = 1;
            }
        }
        return m;
    }

    @Test
    void thickBarThinsToOneConnectedPixelWideLineInsideTheBar() {
        int w = 120, h = 20;
        byte[] m = bar(w, h, 10, 7, 100, 5);
        byte[] s = Skeleton.thin(m, w, h);
        int n = 0;
        for (int i = 0; i < s.length; i++) {
            if (s[i] != 0) {
                n++;
                assertEquals(1, m[i], "skeleton pixel outside the shape");
            }
        }
        assertTrue(n > 80, "skeleton too short: " + n);
        assertNoTwoByTwoBlock(s, w, h);
        assertEquals(1, components(s, w, h), "skeleton must stay connected");
        double len = Skeleton.length(s, w, h);
        assertTrue(len > 85 && len < 100, "length of a 100 px bar's skeleton: " + len);
    }

    @Test
    void lengthCountsDiagonalStepsAsSqrtTwoAndStraightStepsAsOne() {
        int w = 20, h = 20;
        byte[] diag = new byte[w * h];
        for (int i = 0; i < 10; i++) {
            diag[i * w + i] = 1;
        }
        assertEquals(9 * Math.sqrt(2), Skeleton.length(diag, w, h), 1e-9);
        byte[] row = new byte[w * h];
        for (int i = 0; i < 10; i++) {
            row[5 * w + i] = 1;
        }
        assertEquals(9, Skeleton.length(row, w, h), 1e-9);
        // An L-shaped step (right then down) is 2, not 2 + sqrt 2.
        byte[] l = new byte[w * h];
        l[0] = 1;
        l[1] = 1;
        l[w + 1] = 1;
        assertEquals(2, Skeleton.length(l, w, h), 1e-9);
    }

    @Test
    void crossHasBranchPointsAndALineHasNone() {
        int w = 41, h = 41;
        byte[] cross = new byte[w * h];
        for (int i = 0; i < 41; i++) {
            cross[20 * w + i] = 1;
            cross[i * w + 20] = 1;
        }
        byte[] s = Skeleton.thin(cross, w, h);
        assertTrue(Skeleton.branchPoints(s, w, h) >= 1);
        byte[] line = new byte[w * h];
        for (int i = 0; i < 41; i++) {
            line[20 * w + i] = 1;
        }
        assertEquals(0, Skeleton.branchPoints(Skeleton.thin(line, w, h), w, h));
    }

    static void assertNoTwoByTwoBlock(byte[] s, int w, int h) {
        for (int y = 0; y + 1 < h; y++) {
            for (int x = 0; x + 1 < w; x++) {
                boolean block = s[y * w + x] != 0 && s[y * w + x + 1] != 0 && s[(y + 1) * w + x] != 0
                        && s[(y + 1) * w + x + 1] != 0;
                assertTrue(!block, "2x2 block at " + x + "," + y);
            }
        }
    }

    static int components(byte[] s, int w, int h) {
        boolean[] seen = new boolean[w * h];
        int n = 0;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == 0 || seen[i]) {
                continue;
            }
            n++;
            ArrayDeque<Integer> q = new ArrayDeque<>();
            q.add(i);
            seen[i] = true;
            while (!q.isEmpty()) {
                int p = q.poll();
                int px = p % w, py = p / w;
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int x = px + dx, y = py + dy;
                        if (x >= 0 && y >= 0 && x < w && y < h && s[y * w + x] != 0 && !seen[y * w + x]) {
                            seen[y * w + x] = true;
                            q.add(y * w + x);
                        }
                    }
                }
            }
        }
        return n;
    }
}
