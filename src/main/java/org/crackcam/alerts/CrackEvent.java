package org.crackcam.alerts;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Optional;

import org.crackcam.pipeline.Position;
import org.crackcam.pipeline.TileResult;

/**
 * One crack seen over one or more frames, as reported by {@link CrackTracker} (once when it
 * closes, or more often: a crack still in view at {@code maxAgeSeconds} is reported then and
 * again, with a higher {@code revision}, when it closes). The "best" frame is the one with the
 * highest crack probability; the masks, tiles, box, crops, position and overlay are those of the
 * best frame.
 *
 * @param sourceId            camera or file name
 * @param sourceIdentity      what identifies the source in alert ids: {@code sha256:<hex>} of a
 *                            file's content, or a per-run {@code session:<uuid>/<sourceId>}
 *                            ({@link SourceIdentity})
 * @param sourceSettings      the settings that decided which frames and tiles were processed (frame
 *                            selection, tiling) as given with the source; "" when unknown
 * @param trackId             the tracker's number of this event's track: 0, 1, 2 … in the order
 *                            tracks were opened since the source was announced; never shared by two
 *                            events of one source run
 * @param revision            0 for the first report of the event, +1 for each later report
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
 * @param bbox                box of the crack's C1C region in the best frame (frame pixels)
 * @param frameWidth          frame width in pixels
 * @param frameHeight         frame height in pixels
 * @param mask                crack-shaped mask of the bbox crop (row-major, {@code bbox.width()} wide, 0/1); owned
 * @param region              C1C region mask of the bbox crop (same layout); owned
 * @param crops               raw pixels of the flagged tiles of {@code tiles} in the best frame
 * @param overlay             small BGR rendering of the best frame with the crack tinted; owned
 * @param closedBy            why the event closed (or, for {@code MAX_AGE}, why it was reported while open)
 */
public record CrackEvent(String sourceId, String sourceIdentity, String sourceSettings, long trackId, int revision,
                         long firstFrame, long lastFrame, int framesMerged,
                         long bestFrame, long bestTimestampMicros, long bestWallTimeMicros,
                         long firstWallTimeMicros, Optional<Position> position, float probability,
                         List<TileResult> tiles, Box bbox, int frameWidth, int frameHeight,
                         byte[] mask, byte[] region, List<TileCrop> crops, BufferedImage overlay, Reason closedBy) {

    /** Why an event closed. */
    public enum Reason {
        /** No match for more than {@link TrackerConfig#maxGapFrames()} frames: the crack left the view. */
        LEFT_VIEW,
        /**
         * Open for {@link TrackerConfig#maxAgeSeconds()} since it began or was last reported: reported
         * now so that no alert waits longer; the event stays open and a later revision may follow.
         */
        MAX_AGE,
        /** The source ended or changed, or the tracker was closed. */
        END
    }

    /**
     * The raw (un-annotated) pixels of one flagged tile of the best frame.
     *
     * @param x     left edge of the tile in frame pixels
     * @param y     top edge
     * @param size  the tile's side in frame pixels
     * @param image the tile's pixels as decoded (BGR, clipped to the frame); owned
     */
    public record TileCrop(int x, int y, int size, BufferedImage image) {
    }
}
