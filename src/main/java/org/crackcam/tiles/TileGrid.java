package org.crackcam.tiles;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.crackcam.settings.InvalidSettingException;


/**
 * The grid of square tiles covering an ROI in a {@code width × height} frame.
 *
 * <p>Side {@code s = round(roi_height_px / rows)}; stride {@code s·(1 − overlap)};
 * {@code cols = floor((roi_width_px − s) / stride) + 1}; the grid is centred horizontally in
 * the ROI's bounding box and starts at its top. For a polygon ROI only tiles whose centre lies
 * inside the polygon are kept. Rows do not overlap; columns overlap by {@code overlap}.
 */
public record TileGrid(int frameWidth, int frameHeight, Roi roi, int rows, double overlap, List<Tile> tiles) {

    public TileGrid {
        tiles = List.copyOf(tiles);
    }

    /** Computes the grid; a CONFIGURATION error for an ROI outside the frame or too small for one tile. */
    public static TileGrid compute(Roi roi, int width, int height, int rows, double overlap) {
        if (rows < 1) {
            throw config("tile rows must be >= 1, got " + rows);
        }
        if (!(overlap >= 0 && overlap < 1)) {
            throw config("tile overlap must be in [0, 1), got " + overlap);
        }
        double[] b = roi.bounds();
        final double eps = 1e-9;
        if (b[0] < -eps || b[1] < -eps || b[2] > 1 + eps || b[3] > 1 + eps) {
            throw config(String.format(Locale.ROOT,
                    "ROI %s lies outside the frame (normalised coordinates must be in [0, 1])", roi));
        }
        int x0 = (int) Math.round(b[0] * width);
        int y0 = (int) Math.round(b[1] * height);
        int x1 = (int) Math.round(b[2] * width);
        int y1 = (int) Math.round(b[3] * height);
        int roiW = x1 - x0;
        int roiH = y1 - y0;
        int s = (int) Math.round(roiH / (double) rows);
        if (s < 8 || roiW < s) {
            throw config(String.format(Locale.ROOT, "ROI %s is too small for %d tile rows in a %dx%d frame "
                    + "(%dx%d px, tile side %d px)", roi, rows, width, height, roiW, roiH, s));
        }
        double stride = s * (1 - overlap);
        int cols = (int) Math.floor((roiW - s) / stride + 1e-9) + 1;
        double gridW = s + (cols - 1) * stride;
        double left = x0 + (roiW - gridW) / 2.0;
        List<Tile> tiles = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            int y = y0 + r * s;
            if (y + s > height) {
                break; // rounding pushed the last row out of the frame
            }
            for (int c = 0; c < cols; c++) {
                int x = (int) Math.round(left + c * stride);
                if (x + s > width) {
                    continue;
                }
                if (!roi.rectangle() && !roi.contains(x + s / 2.0, y + s / 2.0, width, height)) {
                    continue;
                }
                tiles.add(new Tile(r * cols + c, r, c, x, y, s));
            }
        }
        if (tiles.isEmpty()) {
            throw config("ROI " + roi + " holds no tile centre in a " + width + "x" + height + " frame");
        }
        return new TileGrid(width, height, roi, rows, overlap, tiles);
    }

    private static InvalidSettingException config(String msg) {
        return new InvalidSettingException(msg);
    }

    public int size() {
        return tiles.size();
    }
}
