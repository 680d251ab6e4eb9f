package org.crackcam.settings;

import java.util.List;

import org.crackcam.alerts.TrackerConfig;

/**
 * How per-frame detections merge into crack events (one alert each) — {@code events.*} in the
 * service's file, {@code --event-*} on the command line. The meaning of each field is
 * {@link TrackerConfig}'s; the output knobs of the tracker (overlay size, JPEG quality, join
 * distance) are not settings.
 *
 * @param gapFrames           close an event after this many frames without the crack, 0–10000
 * @param maxAgeS             close an event at the latest this long after its first frame, (0, 3600]
 * @param minOverlap          share of a detection inside the predicted box to merge it, (0, 1]
 * @param verticalTolerance   downward motion allowed per frame, fraction of the frame height, [0, 1]
 * @param horizontalTolerance the predicted box widened on both sides, fraction of the frame width, [0, 1]
 * @param maxDistanceM        with positions: merge only within this ground distance of the event's start, (0, 10000]
 */
public record EventSettings(int gapFrames, double maxAgeS, double minOverlap, double verticalTolerance,
                            double horizontalTolerance, double maxDistanceM) {

    public static final Key GAP = new Key("events.gap_frames", "--event-gap");
    public static final Key MAX_AGE = new Key("events.max_age_s", "--event-max-age");
    public static final Key MIN_OVERLAP = new Key("events.min_overlap", "--event-min-overlap");
    public static final Key VERTICAL = new Key("events.vertical_tolerance", "--event-vertical-tolerance");
    public static final Key HORIZONTAL = new Key("events.horizontal_tolerance", "--event-horizontal-tolerance");
    public static final Key MAX_DISTANCE = new Key("events.max_distance_m", "--event-max-distance");
    /** Every key of this record. */
    public static final List<Key> KEYS = List.of(GAP, MAX_AGE, MIN_OVERLAP, VERTICAL, HORIZONTAL, MAX_DISTANCE);

    /** {@link TrackerConfig#DEFAULTS}'s values. */
    public static final EventSettings DEFAULTS = of(TrackerConfig.DEFAULTS);

    public EventSettings {
        gap(gapFrames);
        maxAge(maxAgeS);
        minOverlap(minOverlap);
        vertical(verticalTolerance);
        horizontal(horizontalTolerance);
        maxDistance(maxDistanceM);
    }

    static EventSettings of(TrackerConfig t) {
        return new EventSettings(t.maxGapFrames(), t.maxAgeSeconds(), t.minOverlap(), t.verticalTolerance(),
                t.horizontalTolerance(), t.maxDistanceMetres());
    }

    public static int gap(int v) {
        return Check.range(GAP, v, 0, 10_000);
    }

    public static double maxAge(double v) {
        return Check.range(MAX_AGE, Check.above(MAX_AGE, v, 0), 0, 3600);
    }

    public static double minOverlap(double v) {
        return Check.range(MIN_OVERLAP, Check.above(MIN_OVERLAP, v, 0), 0, 1);
    }

    public static double vertical(double v) {
        return Check.range(VERTICAL, v, 0, 1);
    }

    public static double horizontal(double v) {
        return Check.range(HORIZONTAL, v, 0, 1);
    }

    public static double maxDistance(double v) {
        return Check.range(MAX_DISTANCE, Check.above(MAX_DISTANCE, v, 0), 0, 10_000);
    }

    /** The tracker configuration: these settings, the tracker's output knobs at their defaults. */
    public TrackerConfig trackerConfig() {
        TrackerConfig d = TrackerConfig.DEFAULTS;
        return new TrackerConfig(gapFrames, maxAgeS, minOverlap, verticalTolerance, horizontalTolerance,
                maxDistanceM, d.overlayMaxWidth(), d.jpegQuality(), d.joinDistance());
    }
}
