package org.crackcam.capture.live;

import java.io.IOException;

import org.crackcam.capture.VideoFrame;

/**
 * One open connection to a camera (one grabber, one child process). Used by a single capture
 * thread; {@link #abort()} is the only method another thread (the watchdog) may call.
 */
public interface FrameReader extends AutoCloseable {

    /**
     * Blocks until the next frame is written into {@code into} (size, pixels and, when the
     * source has them, {@code timestampMicros}).
     *
     * @return false at the end of the stream (file end, camera or server gone)
     */
    boolean read(VideoFrame into) throws IOException;

    /** True when {@link #read} sets presentation times worth keeping (files). */
    default boolean hasTimestamps() {
        return false;
    }

    /**
     * Best effort to unblock a {@link #read} stuck in another thread (kill a child process).
     * Must be safe to call at any time, more than once.
     */
    default void abort() {
    }

    @Override
    void close();

    /** Opens readers; one open per (re)connection. */
    interface Factory {
        FrameReader open() throws IOException;

        /** What is opened, for logs (no credentials). */
        String describe();

        /** Whether the end of the stream is normal (a file) rather than a lost camera. */
        default boolean finite() {
            return false;
        }
    }
}
