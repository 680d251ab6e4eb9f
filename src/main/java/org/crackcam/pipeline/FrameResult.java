package org.crackcam.pipeline;

import java.util.List;
import java.util.Optional;

/**
 * What the pipeline knows about one processed frame.
 *
 * <p>{@code crackMask} is a frame-sized binary mask (row-major, one byte per pixel, 0 or 1)
 * of the C1C regions of all flagged tiles merged (the coarse "where"), or {@code null} when no
 * tile was flagged. {@code crackShape} is the crack-shaped mask of the same frame
 * ({@link org.crackcam.explain.CrackMask}: the strongest relevance inside the C1C region, so it
 * is a subset of {@code crackMask}), or {@code null} when no tile was flagged or the producer
 * does not make one (consumers then fall back to {@code crackMask}).
 * {@code frameBgr} is the decoded frame (row-major BGR, 3 bytes per pixel). The arrays belong
 * to the pipeline and are reused for the next frame: a listener that keeps one must copy it
 * during the call.
 *
 * @param sourceId        camera or file name
 * @param frameIndex      index of the frame in its source (0-based, counting every decoded frame)
 * @param timestampMicros presentation time of the frame in its source
 * @param wallTimeMicros  UTC wall-clock time when the frame was captured or processed
 */
public record FrameResult(String sourceId, long frameIndex, long timestampMicros, long wallTimeMicros,
                          int width, int height, List<TileResult> tiles, byte[] crackMask,
                          byte[] frameBgr, Optional<Position> position, byte[] crackShape) {

    /** A result without a crack-shaped mask ({@code crackShape} null). */
    public FrameResult(String sourceId, long frameIndex, long timestampMicros, long wallTimeMicros,
                       int width, int height, List<TileResult> tiles, byte[] crackMask,
                       byte[] frameBgr, Optional<Position> position) {
        this(sourceId, frameIndex, timestampMicros, wallTimeMicros, width, height, tiles, crackMask, frameBgr,
                position, null);
    }

    /** The crack-shaped mask when there is one, else the C1C region mask (null when no tile was flagged). */
    public byte[] crackShapeOrRegion() {
        return crackShape != null ? crackShape : crackMask;
    }

    /** True when at least one tile was flagged as cracked. */
    public boolean hasCrack() {
        return crackMask != null;
    }
}
