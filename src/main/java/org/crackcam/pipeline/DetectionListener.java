package org.crackcam.pipeline;

/**
 * Receives every processed frame, in order, on the pipeline's thread. Implementations must not
 * block for long (copy what they keep and hand heavy work to their own thread).
 */
public interface DetectionListener extends AutoCloseable {

    void onFrame(FrameResult frame);

    /** The source ended (end of file, or the service is stopping): flush open events. */
    default void onEnd() {
    }

    @Override
    default void close() {
    }
}
