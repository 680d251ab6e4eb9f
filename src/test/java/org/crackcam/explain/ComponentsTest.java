package org.crackcam.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

/** The one connected-components labelling, checked against OpenCV's connectedComponentsWithStats. */
class ComponentsTest {

    @Test
    void sameComponentsBoxesAndAreasAsOpenCvOnRandomMasks() {
        Random r = new Random(7);
        Components c = new Components();
        int[][] sizes = {{112, 112}, {28, 28}, {37, 90}, {1, 50}, {50, 1}, {360, 640}};
        for (int[] hw : sizes) {
            for (double density : new double[] {0.0, 0.05, 0.3, 0.6, 1.0}) {
                int h = hw[0], w = hw[1], n = h * w;
                byte[] m = new byte[n];
                for (int i = 0; i < n; i++) {
                    m[i] = (byte) (r.nextDouble() < density ? 1 + r.nextInt(3) : 0); // any non-zero is foreground
                }
                int count = c.label(m, h, w);
                try (Mat in = new Mat(h, w, opencv_core.CV_8UC1); Mat lab = new Mat(); Mat st = new Mat();
                     Mat centroids = new Mat()) {
                    ((ByteBuffer) in.createBuffer()).put(0, m, 0, n);
                    int ref = opencv_imgproc.connectedComponentsWithStats(in, lab, st, centroids, 8, opencv_core.CV_32S);
                    String what = h + "x" + w + " density " + density;
                    assertEquals(ref, count, "labels, " + what);
                    int[] refLabels = new int[n];
                    ((IntBuffer) lab.createBuffer()).get(0, refLabels, 0, n);
                    int[] s = new int[ref * 5];
                    ((IntBuffer) st.createBuffer()).get(0, s, 0, s.length);
                    Map<Integer, Integer> toRef = new HashMap<>();
                    for (int i = 0; i < n; i++) {
                        int mine = c.labelAt(i);
                        assertEquals(refLabels[i] == 0, mine == 0, "background at " + i + ", " + what);
                        if (mine != 0) {
                            Integer prev = toRef.putIfAbsent(mine, refLabels[i]);
                            assertEquals(prev == null ? refLabels[i] : prev, refLabels[i], "one component, " + what);
                        }
                    }
                    assertEquals(count - 1, toRef.size());
                    assertEquals(count - 1, (int) toRef.values().stream().distinct().count(), "a bijection, " + what);
                    for (var e : toRef.entrySet()) {
                        int k = e.getKey(), o = 5 * e.getValue();
                        assertEquals(s[o + opencv_imgproc.CC_STAT_LEFT], c.left(k), what);
                        assertEquals(s[o + opencv_imgproc.CC_STAT_TOP], c.top(k), what);
                        assertEquals(s[o + opencv_imgproc.CC_STAT_WIDTH], c.width(k), what);
                        assertEquals(s[o + opencv_imgproc.CC_STAT_HEIGHT], c.height(k), what);
                        assertEquals(s[o + opencv_imgproc.CC_STAT_AREA], c.area(k), what);
                    }
                }
            }
        }
    }

    @Test
    void diagonalNeighboursJoinAndTheBackgroundHasNoStatistics() {
        byte[] m = {
            1, 0, 0, 0,
            0, 1, 0, 1,
            0, 0, 0, 1};
        Components c = new Components();
        assertEquals(3, c.label(m, 3, 4));
        assertEquals(c.labelAt(0, 0), c.labelAt(1, 1));
        assertEquals(2, c.area(c.labelAt(0)));
        assertEquals(2, c.height(c.labelAt(3, 1)));
        assertThrows(IndexOutOfBoundsException.class, () -> c.area(0));
        assertThrows(IllegalArgumentException.class, () -> c.label(m, 4, 4));
    }
}
