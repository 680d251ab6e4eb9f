package org.crackcam.tiles;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.crackcam.explain.MaskMapper;
import org.crackcam.pipeline.CrackcamException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TileGridTest {

    static final Roi TRAPEZOID = Roi.parse("poly:0.3,0.5;0.7,0.5;0.9,0.9444;0.1,0.9444");

    @Test
    void defaultGridOnTheSyntheticDrivesIsSixByTwoTilesOf120px() {
        TileGrid g = TileGrid.compute(Roi.DEFAULT, 960, 540, 2, 0);
        assertEquals(12, g.size());
        for (int i = 0; i < 12; i++) {
            Tile t = g.tiles().get(i);
            assertEquals(120, t.size());
            assertEquals(120 + 120 * (i % 6), t.x());
            assertEquals(270 + 120 * (i / 6), t.y());
            assertEquals(i, t.index());
        }
    }

    @ParameterizedTest
    @CsvSource({"960,540,2,0", "1280,720,2,0", "640,480,2,0", "1280,720,3,0.25", "960,540,2,0.5"})
    void rectangleGridFollowsTheFormula(int w, int h, int rows, double overlap) {
        TileGrid g = TileGrid.compute(Roi.DEFAULT, w, h, rows, overlap);
        int x0 = (int) Math.round(0.125 * w), x1 = (int) Math.round(0.875 * w);
        int y0 = (int) Math.round(0.5 * h), y1 = (int) Math.round(0.9444 * h);
        int s = (int) Math.round((y1 - y0) / (double) rows);
        double stride = s * (1 - overlap);
        int cols = (int) Math.floor((x1 - x0 - s) / stride) + 1;
        assertEquals(rows * cols, g.size(), "tiles at " + w + "x" + h);
        int minX = Integer.MAX_VALUE, maxX = 0;
        for (Tile t : g.tiles()) {
            assertEquals(s, t.size());
            assertTrue(t.x() >= x0 && t.x() + s <= x1 + 1, "tile inside the ROI box");
            assertTrue(t.y() + s <= h);
            minX = Math.min(minX, t.x());
            maxX = Math.max(maxX, t.x() + s);
        }
        // centred: margins left and right differ by at most one pixel (rounding)
        assertTrue(Math.abs((minX - x0) - (x1 - maxX)) <= 1, "centred: " + (minX - x0) + " vs " + (x1 - maxX));
    }

    @Test
    void trapezoidKeepsTilesWhoseCentreIsInside() {
        TileGrid g = TileGrid.compute(TRAPEZOID, 960, 540, 2, 0);
        // row 0 (centre y 330): trapezoid spans x 240..720 -> tile centres 300..660 (cols 1..4);
        // row 1 (centre y 450): spans 144..816 -> all 6 centres 180..780
        List<Integer> idx = g.tiles().stream().map(Tile::index).toList();
        assertEquals(List.of(1, 2, 3, 4, 6, 7, 8, 9, 10, 11), idx);
    }

    @Test
    void roiOutsideTheFrameIsAConfigurationError() {
        var e = assertThrows(CrackcamException.class,
                () -> TileGrid.compute(Roi.parse("rect:0.5,0.5,1.2,0.9"), 960, 540, 2, 0));
        org.junit.jupiter.api.Assertions.assertInstanceOf(org.crackcam.settings.InvalidSettingException.class, e);
        assertTrue(e.getMessage().contains("outside the frame"), e.getMessage());
    }

    @Test
    void badRoiTextNamesTheProblem() {
        var e = assertThrows(IllegalArgumentException.class, () -> Roi.parse("rect:0.1,0.2,0.3"));
        assertTrue(e.getMessage().contains("rect needs 4 numbers"), e.getMessage());
    }

    /**
     * A rectangle drawn in tile (model input) coordinates lands on the frame pixels an
     * independent interval computation predicts, for every tile of several ROI shapes and sizes.
     */
    @ParameterizedTest
    @CsvSource({"960,540,rect", "1280,720,rect", "640,480,rect", "960,540,poly", "1280,720,poly", "640,480,poly"})
    void maskDrawnInTileCoordinatesLandsOnTheRightFramePixels(int w, int h, String shape) {
        Roi roi = shape.equals("rect") ? Roi.DEFAULT : TRAPEZOID;
        TileGrid g = TileGrid.compute(roi, w, h, 2, 0);
        final int m = 112;
        int u0 = 17, u1 = 61, v0 = 30, v1 = 99;   // [u0,u1) x [v0,v1) in tile coordinates
        float[] tileMask = new float[m * m];
        for (int v = v0; v < v1; v++) {
            for (int u = u0; u < u1; u++) {
                tileMask[v * m + u] = 1f;
            }
        }
        for (Tile t : g.tiles()) {
            byte[] frame = new byte[w * h];
            int count = MaskMapper.orInto(frame, w, h, t, tileMask, m, m);
            int s = t.size();
            // frame pixel fx is set iff u0 <= floor((fx - x) * m / s) < u1  <=>  fx - x in [ceil(u0*s/m), ceil(u1*s/m))
            int fx0 = t.x() + ceilDiv(u0 * s, m), fx1 = t.x() + ceilDiv(u1 * s, m);
            int fy0 = t.y() + ceilDiv(v0 * s, m), fy1 = t.y() + ceilDiv(v1 * s, m);
            int expected = 0;
            int wrong = 0;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    boolean in = x >= fx0 && x < fx1 && y >= fy0 && y < fy1;
                    expected += in ? 1 : 0;
                    wrong += (in ? 1 : 0) != frame[y * w + x] ? 1 : 0;
                }
            }
            assertEquals(0, wrong, "frame pixels differing from the prediction, tile " + t);
            assertEquals(expected, count);
            // and the box scales with the tile: within one pixel of the continuous mapping
            assertTrue(Math.abs(fx0 - (t.x() + u0 * s / (double) m)) <= 1);
            assertTrue(Math.abs(fy1 - (t.y() + v1 * s / (double) m)) <= 1);
        }
    }

    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }
}
