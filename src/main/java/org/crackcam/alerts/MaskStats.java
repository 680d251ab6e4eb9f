package org.crackcam.alerts;

/**
 * Shape statistics of a crack mask.
 *
 * @param areaPx           mask pixels
 * @param skeletonLengthPx length of the Zhang–Suen skeleton ({@link Skeleton#length})
 * @param orientationDeg   main axis from the second-order central image moments, degrees in
 *                         [0, 180), 0 = along the image x axis, 90 = vertical in the image,
 *                         counter-clockwise as seen on screen; NaN for an empty mask
 * @param elongation       sqrt(λmax / λmin) of the moment matrix (1 = round blob)
 * @param branchPoints     skeleton pixels with three or more skeleton neighbours
 * @param crackClass       coarse class (see {@link #classify})
 */
public record MaskStats(long areaPx, double skeletonLengthPx, double orientationDeg, double elongation,
                        int branchPoints, CrackClass crackClass) {

    /** The coarse crack classes of the alert. */
    public enum CrackClass {
        /** Along the road: near-vertical in a forward-looking camera's image. */
        LONGITUDINAL,
        /** Across the road: near-horizontal in the image. */
        TRANSVERSE,
        /** Anything in between. */
        DIAGONAL,
        /** Branching, blob-like crack networks (alligator/fatigue cracking). */
        NETWORK;

        /** The name used in the alert JSON. */
        public String jsonName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Angles within this many degrees of the image axes count as transverse/longitudinal. */
    static final double AXIS_TOLERANCE_DEG = 30;

    /** Computes the statistics of a {@code w × h} mask (non-zero = crack). */
    public static MaskStats of(byte[] mask, int w, int h) {
        long n = 0;
        double sx = 0, sy = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (mask[y * w + x] != 0) {
                    n++;
                    sx += x;
                    sy += y;
                }
            }
        }
        if (n == 0) {
            return new MaskStats(0, 0, Double.NaN, Double.NaN, 0, CrackClass.DIAGONAL);
        }
        double cx = sx / n, cy = sy / n;
        double mu20 = 0, mu02 = 0, mu11 = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (mask[y * w + x] != 0) {
                    double dx = x - cx, dy = y - cy;
                    mu20 += dx * dx;
                    mu02 += dy * dy;
                    mu11 += dx * dy;
                }
            }
        }
        mu20 /= n;
        mu02 /= n;
        mu11 /= n;
        // Image y points down; negate mu11 so that the angle is counter-clockwise on screen.
        double theta = 0.5 * Math.toDegrees(Math.atan2(-2 * mu11, mu20 - mu02));
        double orientation = ((theta % 180) + 180) % 180;
        double common = Math.sqrt(4 * mu11 * mu11 + (mu20 - mu02) * (mu20 - mu02));
        double l1 = (mu20 + mu02 + common) / 2;
        double l2 = (mu20 + mu02 - common) / 2;
        // A one-pixel line has l2 = 0 in the continuous limit; a pixel has variance 1/12.
        double elongation = Math.sqrt((l1 + 1.0 / 12) / (Math.max(0, l2) + 1.0 / 12));
        byte[] skel = Skeleton.thin(mask, w, h);
        double length = Skeleton.length(skel, w, h);
        int branches = Skeleton.branchPoints(skel, w, h);
        return new MaskStats(n, length, orientation, elongation, branches,
                classify(orientation, elongation, branches, length, w, h));
    }

    /**
     * Coarse class: {@code network} when the skeleton branches (at least 4 junction pixels) and the
     * mask is not a long thin line (elongation below 3), or when the skeleton is much longer than
     * the box's diagonal; otherwise by orientation: within {@value #AXIS_TOLERANCE_DEG}° of
     * horizontal {@code transverse}, of vertical {@code longitudinal}, else {@code diagonal}.
     */
    static CrackClass classify(double orientationDeg, double elongation, int branches, double length, int w, int h) {
        double diagonal = Math.hypot(w, h);
        if ((branches >= 4 && elongation < 3) || length > 1.8 * diagonal) {
            return CrackClass.NETWORK;
        }
        double fromHorizontal = Math.min(orientationDeg, 180 - orientationDeg);
        if (fromHorizontal <= AXIS_TOLERANCE_DEG) {
            return CrackClass.TRANSVERSE;
        }
        if (Math.abs(orientationDeg - 90) <= AXIS_TOLERANCE_DEG) {
            return CrackClass.LONGITUDINAL;
        }
        return CrackClass.DIAGONAL;
    }
}
