package org.crackcam.position;

import org.crackcam.pipeline.Position;

/**
 * Passes a frame each time the vehicle has travelled at least {@code everyMetres} (haversine,
 * summed fix to fix) since the last frame passed. The first positioned frame passes. Not
 * thread-safe: one frame loop owns it.
 */
public final class DistanceGate {

    private final double everyMetres;
    private Position last;
    private double travelled;

    public DistanceGate(double everyMetres) {
        if (!(everyMetres > 0)) {
            throw new IllegalArgumentException("everyMetres must be > 0, got " + everyMetres);
        }
        this.everyMetres = everyMetres;
    }

    /** True when this position is at least the set distance along the path from the last pass. */
    public boolean pass(Position p) {
        if (last == null) {
            last = p;
            travelled = 0;
            return true;
        }
        travelled += Geo.distanceMetres(last.latitude(), last.longitude(), p.latitude(), p.longitude());
        last = p;
        if (travelled >= everyMetres - 1e-6) { // a micrometre of rounding slack
            travelled = 0;
            return true;
        }
        return false;
    }

    /** Metres travelled since the last pass. */
    public double travelled() {
        return travelled;
    }
}
