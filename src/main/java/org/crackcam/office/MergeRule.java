package org.crackcam.office;

import java.time.Duration;

import org.crackcam.position.Geo;

/**
 * When a new sighting is the same crack as an existing record (docs/office.md, "Merge rule").
 *
 * <ul>
 *   <li>With a position: the crack's mean position lies within {@code distanceM} metres
 *       (haversine on a sphere of radius 6 371 008.8 m) and, when both orientations are known, the
 *       main axes differ by at most {@code orientationDeg} (axes are undirected: 170° and 5° differ
 *       by 15°). Of several candidates the nearest wins.</li>
 *   <li>Without a position: a crack without a position from the same source (kind and name)
 *       whose frame range overlaps the sighting's, widened by {@code frameSlack} frames, with the
 *       same orientation test. Of several candidates the largest overlap wins.</li>
 *   <li>Never into a crack that already holds a sighting of the same pass ({@link #samePass}): one
 *       pass yields one alert per crack (the vehicle's tracker merged its frames), so two alerts of
 *       one pass are two cracks, however close.</li>
 * </ul>
 * Immutable.
 */
public record MergeRule(double distanceM, double orientationDeg, int frameSlack, Duration passGap) {

    /** Mean Earth radius in metres (IUGG), the same as position.Geo. */
    public static final double EARTH_RADIUS_M = Geo.EARTH_RADIUS_M;

    /** 8 m (consumer GNSS error, twice, plus the spread of best-frame distance), 30°, 15 frames, 10 min. */
    public static MergeRule defaults() {
        return new MergeRule(8.0, 30.0, 15, Duration.ofMinutes(10));
    }

    public MergeRule {
        if (!(distanceM > 0) || !(orientationDeg >= 0 && orientationDeg <= 90) || frameSlack < 0
                || passGap.isNegative()) {
            throw new IllegalArgumentException("merge rule out of range: distance " + distanceM
                    + " m (> 0), orientation " + orientationDeg + "° (0..90), frame slack " + frameSlack
                    + " (>= 0), pass gap " + passGap);
        }
    }

    /**
     * Whether two sightings of the same device and source (the caller checks those) come from one
     * pass over the road: their times are less than {@code passGap} apart and either their frame
     * ranges are disjoint (two stretches of one recording), or they overlap and their times differ
     * by less than {@value #SAME_RUN_BASE_MS} ms plus 1 s per frame between their best frames (two
     * cracks in view at once, processed at 1 frame/s or faster). A replay of the same recording
     * sees a crack at the same frames again but a run later, so it is a different pass.
     */
    public boolean samePass(long timeA, long firstA, long lastA, long bestA, long timeB, long firstB, long lastB,
                            long bestB) {
        long dt = Math.abs(timeA - timeB);
        if (dt >= passGap.toMillis()) {
            return false;
        }
        boolean overlap = firstA <= lastB && firstB <= lastA;
        if (!overlap) {
            return true;
        }
        return dt < SAME_RUN_BASE_MS + 1000L * Math.abs(bestA - bestB);
    }

    /** See {@link #samePass}. */
    public static final long SAME_RUN_BASE_MS = 10_000;

    /** Difference of two undirected axes in degrees, [0, 90]; 0 when either is unknown (NaN). */
    public static double axisDifference(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b)) {
            return 0;
        }
        double d = Math.abs(a - b) % 180.0;
        return Math.min(d, 180.0 - d);
    }

    public boolean orientationMatches(double a, double b) {
        return axisDifference(a, b) <= orientationDeg;
    }

    /** Latitude half-width in degrees of the box that holds every point within {@code distanceM}. */
    double latWindowDeg() {
        return Math.toDegrees(distanceM / EARTH_RADIUS_M) * 1.01;
    }

    /** Longitude half-width at {@code lat}; the whole circle near the poles. */
    double lonWindowDeg(double lat) {
        double c = Math.cos(Math.toRadians(Math.min(89.0, Math.abs(lat))));
        return Math.min(180.0, latWindowDeg() / c);
    }
}
