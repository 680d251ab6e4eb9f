package org.crackcam.alerts;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Optional;

import org.crackcam.pipeline.Position;
import org.crackcam.pipeline.TileResult;

/**
 * One crack seen over one or more frames, as closed by {@link CrackTracker}. The "best" frame is
 * the one with the highest crack probability; the mask, tiles, box, position and overlay are
 * those of the best frame.
 *
 * @param sourceId            camera or file name
 * @param firstFrame          first frame index in which the crack was seen
 * @param lastFrame           last frame index in which it was seen
 * @param framesMerged        number of frames whose detections were merged
 * @param bestFrame           frame index of the best frame
 * @param bestTimestampMicros presentation time of the best frame in its source
 * @param bestWallTimeMicros  UTC capture/processing time of the best frame (µs since the epoch)
 * @param firstWallTimeMicros UTC time of the first frame
 * @param position            position fix of the best frame, if known
 * @param probability         maximum tile probability over the event
 * @param tiles               flagged tiles of the crack's region in the best frame
 * @param bbox                crack box in the best frame (frame pixels)
 * @param frameWidth          frame width in pixels
 * @param frameHeight         frame height in pixels
 * @param mask                binary mask of the bbox crop (row-major, {@code bbox.width()} wide, 0/1); owned
 * @param overlay             small BGR rendering of the best frame with the crack tinted; owned
 * @param closedBy            why the event closed
 */
public record CrackEvent(String sourceId, long firstFrame, long lastFrame, int framesMerged,
                         long bestFrame, long bestTimestampMicros, long bestWallTimeMicros,
                         long firstWallTimeMicros, Optional<Position> position, float probability,
                         List<TileResult> tiles, Box bbox, int frameWidth, int frameHeight,
                         byte[] mask, BufferedImage overlay, Reason closedBy) {

    /** Why an event closed. */
    public enum Reason {
        /** No match for more than {@link TrackerConfig#maxGapFrames()} frames: the crack left the view. */
        LEFT_VIEW,
        /** Open for longer than {@link TrackerConfig#maxAgeSeconds()}. */
        MAX_AGE,
        /** The source ended or changed, or the tracker was closed. */
        END
    }
}
