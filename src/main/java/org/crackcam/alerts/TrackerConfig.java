package org.crackcam.alerts;

/**
 * How {@link CrackTracker} merges per-frame detections into crack events.
 *
 * @param maxGapFrames        a track stays open while it was matched within this many frames;
 *                            after {@code maxGapFrames} frames without a match the crack has
 *                            left the view and its event closes
 * @param maxAgeSeconds       an event closes at the latest this long (source time) after its
 *                            first frame, so an alert is never delayed more than this
 * @param minOverlap          a region matches a track when the part of the region inside the
 *                            track's predicted box (intersection / region area) is at least this,
 *                            or when their IoU is at least this
 * @param verticalTolerance   forward motion: the track's last box is extended downwards by this
 *                            fraction of the frame height per elapsed frame (boxes move down the
 *                            frame as the car advances), capped at the frame height; upwards
 *                            only a fixed 2 % of the frame height is allowed (jitter), so a new
 *                            crack appearing further up the road does not join an older one
 * @param horizontalTolerance the predicted box is widened on both sides by this fraction of the
 *                            frame width
 * @param maxDistanceMetres   when both the track and the frame have a position fix, the car must
 *                            be closer than this to where the track started (ground distance)
 * @param overlayMaxWidth     width of the overlay JPEG in pixels (never upscaled)
 * @param jpegQuality         overlay JPEG quality, 1..100
 * @param joinDistance        within a frame, connected parts of the crack mask closer than this
 *                            fraction of the frame width belong to one crack (a crack's mask is
 *                            cut at tile borders)
 */
public record TrackerConfig(int maxGapFrames, double maxAgeSeconds, double minOverlap,
                            double verticalTolerance, double horizontalTolerance,
                            double maxDistanceMetres, int overlayMaxWidth, int jpegQuality,
                            double joinDistance) {

    /** Defaults for a forward-looking dashcam at 10..30 frames per second. */
    public static final TrackerConfig DEFAULTS =
            new TrackerConfig(10, 10.0, 0.3, 0.08, 0.05, 25.0, 320, 70, 0.03);

    public TrackerConfig {
        if (maxGapFrames < 0) {
            throw new IllegalArgumentException("maxGapFrames must be >= 0, got " + maxGapFrames);
        }
        if (!(maxAgeSeconds > 0)) {
            throw new IllegalArgumentException("maxAgeSeconds must be > 0, got " + maxAgeSeconds);
        }
        if (!(minOverlap > 0 && minOverlap <= 1)) {
            throw new IllegalArgumentException("minOverlap must be in (0, 1], got " + minOverlap);
        }
        if (!(verticalTolerance >= 0) || !(horizontalTolerance >= 0)) {
            throw new IllegalArgumentException("tolerances must be >= 0, got vertical "
                    + verticalTolerance + ", horizontal " + horizontalTolerance);
        }
        if (!(maxDistanceMetres > 0)) {
            throw new IllegalArgumentException("maxDistanceMetres must be > 0, got " + maxDistanceMetres);
        }
        if (overlayMaxWidth < 16) {
            throw new IllegalArgumentException("overlayMaxWidth must be >= 16, got " + overlayMaxWidth);
        }
        if (!(joinDistance >= 0 && joinDistance < 1)) {
            throw new IllegalArgumentException("joinDistance must be in [0, 1), got " + joinDistance);
        }
        if (jpegQuality < 1 || jpegQuality > 100) {
            throw new IllegalArgumentException("jpegQuality must be in 1..100, got " + jpegQuality);
        }
    }
}
