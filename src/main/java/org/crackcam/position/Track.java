package org.crackcam.position;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import org.crackcam.pipeline.Position;

/**
 * A recorded sequence of fixes on one time axis ({@code axisMicros}: absolute UTC for GPX and
 * NMEA, video-relative for SRT sidecars), sorted by time. A time gets a position when it lies
 * between two fixes at most {@code maxGap} apart (linear interpolation of latitude, longitude and
 * speed; heading along the shorter arc), or within half the gap of a single fix (that fix is held).
 * Never extrapolated.
 */
public final class Track {

    /** One fix with its time on the track's axis. */
    public record Point(long axisMicros, Position position) {
    }

    private final long[] times;
    private final Position[] fixes;
    private final boolean relative;

    /**
     * @param points   fixes in any order; duplicates in time keep the first
     * @param relative true when the axis is video-relative (SRT), false for absolute UTC
     */
    public Track(List<Point> points, boolean relative) {
        List<Point> sorted = new ArrayList<>(points);
        sorted.sort(Comparator.comparingLong(Point::axisMicros));
        List<Point> unique = new ArrayList<>();
        for (Point p : sorted) {
            if (unique.isEmpty() || unique.get(unique.size() - 1).axisMicros() != p.axisMicros()) {
                unique.add(p);
            }
        }
        times = new long[unique.size()];
        fixes = new Position[unique.size()];
        for (int i = 0; i < unique.size(); i++) {
            times[i] = unique.get(i).axisMicros();
            fixes[i] = unique.get(i).position();
        }
        this.relative = relative;
    }

    public int size() {
        return times.length;
    }

    /** True when times are relative to the start of the video (SRT sidecars). */
    public boolean relative() {
        return relative;
    }

    /** Time of the first fix on the track's axis; 0 when empty. */
    public long firstMicros() {
        return times.length == 0 ? 0 : times[0];
    }

    public Position fix(int i) {
        return fixes[i];
    }

    /** The position at {@code t} on the track's axis, or empty (see class comment). */
    public Optional<Position> at(long t, long maxGapMicros) {
        int n = times.length;
        if (n == 0) {
            return Optional.empty();
        }
        int i = java.util.Arrays.binarySearch(times, t);
        if (i >= 0) {
            return Optional.of(fixes[i]);
        }
        int hi = -i - 1; // first index with times[hi] > t
        int lo = hi - 1;
        if (lo >= 0 && hi < n && times[hi] - times[lo] <= maxGapMicros) {
            double f = (double) (t - times[lo]) / (times[hi] - times[lo]);
            Position a = fixes[lo];
            Position b = fixes[hi];
            return Optional.of(new Position(a.latitude() + f * (b.latitude() - a.latitude()),
                    a.longitude() + f * (b.longitude() - a.longitude()),
                    Geo.lerp(a.speedMps(), b.speedMps(), f),
                    Geo.lerpAngle(a.headingDeg(), b.headingDeg(), f),
                    a.fixTimeMicros() + Math.round(f * (b.fixTimeMicros() - a.fixTimeMicros()))));
        }
        long half = maxGapMicros / 2;
        if (lo >= 0 && t - times[lo] <= half) {
            return Optional.of(fixes[lo]);
        }
        if (hi < n && times[hi] - t <= half) {
            return Optional.of(fixes[hi]);
        }
        return Optional.empty();
    }
}
