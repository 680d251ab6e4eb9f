package org.crackcam.pipeline;

/**
 * A position fix matched to a frame.
 *
 * @param latitude   degrees, WGS84
 * @param longitude  degrees, WGS84
 * @param speedMps   ground speed in metres per second, NaN when unknown
 * @param headingDeg course over ground in degrees from true north, NaN when unknown
 * @param fixTimeMicros UTC time of the fix in microseconds since the epoch
 */
public record Position(double latitude, double longitude, double speedMps, double headingDeg,
                       long fixTimeMicros) {
}
