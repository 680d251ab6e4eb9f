package org.crackcam.position;

import java.util.Optional;

import org.crackcam.pipeline.Position;

/**
 * Gives the position of a frame, when known. Called on the frame loop's thread; must not block.
 */
public interface PositionSource extends AutoCloseable {

    /**
     * @param frameTimestampMicros the frame's presentation time in its source (replays match on it)
     * @param wallTimeMicros       UTC time the frame was captured (live sources match on it)
     */
    Optional<Position> at(long frameTimestampMicros, long wallTimeMicros);

    /** A source that never knows the position. */
    static PositionSource none() {
        return (t, w) -> Optional.empty();
    }

    @Override
    default void close() {
    }
}
