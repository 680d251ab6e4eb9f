package org.crackcam.capture;

/**
 * A stream of BGR frames (a file here; cameras and RTSP behind the same interface). Called from
 * one thread (the pipeline's). Failures are {@link UnreadableInputException}s.
 */
public interface FrameSource extends AutoCloseable {

    /** Name of the source (file name, camera id) for logs and results. */
    String id();

    /**
     * Reads the next selected frame into {@code frame}.
     *
     * @return false at the end of the stream
     * @throws UnreadableInputException on a decode error or truncation;
     *         frames delivered before it remain valid
     */
    boolean next(VideoFrame frame);

    /** Nominal frame rate of the source (frames per second), NaN when unknown. */
    double frameRate();

    /** Duration in microseconds, or -1 when unknown (live sources). */
    default long durationMicros() {
        return -1;
    }

    @Override
    void close();
}
