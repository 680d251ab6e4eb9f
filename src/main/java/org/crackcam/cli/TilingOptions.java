package org.crackcam.cli;

import org.crackcam.settings.InvalidSettingException;
import org.crackcam.inference.Detector;
import org.crackcam.tiles.Roi;
import picocli.CommandLine.Option;

/** ROI and tile-grid options (a picocli mixin). */
public final class TilingOptions {

    @Option(names = "--roi", paramLabel = "ROI",
            description = "road region in normalised coordinates: rect:x0,y0,x1,y1 or poly:x,y;x,y;x,y… "
                    + "(default rect:0.125,0.5,0.875,0.9444)")
    String roi;

    @Option(names = "--rows", paramLabel = "N", defaultValue = "2", description = "tile rows (default ${DEFAULT-VALUE})")
    int rows;

    @Option(names = "--overlap", paramLabel = "F", defaultValue = "0",
            description = "horizontal tile overlap in [0, 1) (default ${DEFAULT-VALUE})")
    double overlap;

    public Detector.TilingConfig config() {
        Roi r;
        try {
            r = roi == null ? Roi.DEFAULT : Roi.parse(roi);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException("--roi: " + e.getMessage(), e);
        }
        if (rows < 1) {
            throw new InvalidSettingException("--rows must be >= 1, got " + rows);
        }
        if (!(overlap >= 0 && overlap < 1)) {
            throw new InvalidSettingException("--overlap must be in [0, 1), got " + overlap);
        }
        return new Detector.TilingConfig(r, rows, overlap);
    }
}
