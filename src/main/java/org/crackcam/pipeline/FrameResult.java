package org.crackcam.pipeline;

import java.util.List;
import java.util.Optional;

/**
 * What the pipeline knows about one processed frame.
 *
 * <p>{@code crackMask} is a frame-sized binary mask (row-major, one byte per pixel, 0 or 1)
 * of the C1C crack masks of all flagged tiles merged, or {@code null} when no tile was flagged.
 * {@code frameBgr} is the decoded frame (row-major BGR, 3 bytes per pixel). Both arrays belong
 * to the pipeline and are reused for the next frame: a listener that keeps either must copy it
 * during the call.
 *
 * @param sourceId        camera or file name
 * @param frameIndex      index of the frame in its source (0-based, counting every decoded frame)
 * @param timestampMicros presentation time of the frame in its source
 * @param wallTimeMicros  UTC wall-clock time when the frame was captured or processed
 */
public record FrameResult(String sourceId, long frameIndex, long timestampMicros, long wallTimeMicros,
                          int width, int height, List<TileResult> tiles, byte[] crackMask,
                          byte[] frameBgr, Optional<Position> position) {

    /** True when at least one tile was flagged as cracked. */
    public boolean hasCrack() {
        return crackMask != null;
    }
}
