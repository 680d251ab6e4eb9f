package org.crackcam.settings;

import java.util.List;

import org.crackcam.tiles.Roi;

/**
 * Region of interest and the tile grid laid over it — {@code tiles.*} in the service's file,
 * {@code --roi --rows --overlap} on the command line.
 *
 * @param roi     the road region, normalised frame coordinates (parsed once, here)
 * @param rows    tile rows over the ROI (columns follow from square tiles), 1–64
 * @param overlap horizontal tile overlap in [0, 0.95]
 */
public record TilingSettings(Roi roi, int rows, double overlap) {

    public static final Key ROI = new Key("tiles.roi", "--roi");
    public static final Key ROWS = new Key("tiles.rows", "--rows");
    public static final Key OVERLAP = new Key("tiles.overlap", "--overlap");
    /** Every key of this record. */
    public static final List<Key> KEYS = List.of(ROI, ROWS, OVERLAP);

    /** {@link Roi#DEFAULT} as text (a constant, for option help). */
    public static final String DEFAULT_ROI = "rect:0.125,0.5,0.875,0.9444";
    public static final int DEFAULT_ROWS = 2;
    public static final double DEFAULT_OVERLAP = 0.0;
    public static final double MAX_OVERLAP = 0.95;

    public static final TilingSettings DEFAULTS = new TilingSettings(Roi.DEFAULT, DEFAULT_ROWS, DEFAULT_OVERLAP);

    public TilingSettings {
        if (roi == null) {
            throw new InvalidSettingException(ROI, "is required");
        }
        rows(rows);
        overlap(overlap);
    }

    /** Checks {@link #ROWS}. */
    public static int rows(int rows) {
        return Check.range(ROWS, rows, 1, 64);
    }

    /** Checks {@link #OVERLAP}. */
    public static double overlap(double overlap) {
        return Check.range(OVERLAP, overlap, 0.0, MAX_OVERLAP);
    }

    /** From the text forms; {@code roi} null means the default. */
    public static TilingSettings of(String roi, int rows, double overlap) {
        return new TilingSettings(parseRoi(roi), rows, overlap);
    }

    /** The ROI's one parser ({@code rect:x0,y0,x1,y1} or {@code poly:x,y;x,y;…}). */
    public static Roi parseRoi(String text) {
        if (text == null) {
            return Roi.DEFAULT;
        }
        try {
            return Roi.parse(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(ROI, e.getMessage());
        }
    }
}
