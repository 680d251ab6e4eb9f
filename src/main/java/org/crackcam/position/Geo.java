package org.crackcam.position;

/** Great-circle arithmetic on a spherical Earth (mean radius 6,371,008.8 m). */
public final class Geo {

    /** IUGG mean Earth radius in metres. */
    public static final double EARTH_RADIUS_M = 6_371_008.8;

    private Geo() {
    }

    /** Haversine distance in metres between two WGS84 points given in degrees. */
    public static double distanceMetres(double lat1, double lon1, double lat2, double lon2) {
        double p1 = Math.toRadians(lat1);
        double p2 = Math.toRadians(lat2);
        double dp = p2 - p1;
        double dl = Math.toRadians(lon2 - lon1);
        double a = Math.sin(dp / 2) * Math.sin(dp / 2)
                + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) * Math.sin(dl / 2);
        return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1.0, Math.sqrt(a)));
    }

    /** Interpolates an angle in degrees along the shorter arc; NaN if either is NaN. */
    static double lerpAngle(double a, double b, double f) {
        if (Double.isNaN(a) || Double.isNaN(b)) {
            return Double.NaN;
        }
        double d = ((b - a) % 360 + 540) % 360 - 180;
        double r = (a + f * d) % 360;
        return r < 0 ? r + 360 : r;
    }

    static double lerp(double a, double b, double f) {
        if (Double.isNaN(a) || Double.isNaN(b)) {
            return f < 0.5 ? a : b;
        }
        return a + f * (b - a);
    }
}
