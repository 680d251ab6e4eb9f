package org.crackcam.cli;

import org.crackcam.settings.TilingSettings;
import picocli.CommandLine.Option;

/** ROI and tile-grid options (a picocli mixin). */
public final class TilingOptions {

    @Option(names = "--roi", paramLabel = "ROI",
            description = "road region in normalised coordinates: rect:x0,y0,x1,y1 or poly:x,y;x,y;x,y… "
                    + "(default " + TilingSettings.DEFAULT_ROI + ")")
    String roi;

    @Option(names = "--rows", paramLabel = "N", description = "tile rows, 1..64 (default ${DEFAULT-VALUE})")
    int rows = TilingSettings.DEFAULT_ROWS;

    @Option(names = "--overlap", paramLabel = "F",
            description = "horizontal tile overlap in [0, 0.95] (default ${DEFAULT-VALUE})")
    double overlap = TilingSettings.DEFAULT_OVERLAP;

    /** The tiling these options describe (checked by {@link TilingSettings}). */
    public TilingSettings config() {
        return TilingSettings.of(roi, rows, overlap);
    }
}
