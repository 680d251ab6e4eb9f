package org.crackcam.pipeline;

/**
 * Receives every processed frame, in order, on the pipeline's thread. Implementations must not
 * block for long (copy what they keep and hand heavy work to their own thread).
 */
public interface DetectionListener extends AutoCloseable {

    void onFrame(FrameResult frame);

    /**
     * Says what the frames of {@code sourceId} that follow are, before the first of them: an
     * {@code identity} that is the same whenever the same input is processed again (for a file
     * the SHA-256 of its content, see {@code org.crackcam.alerts.SourceIdentity}) and the
     * {@code settings} that decide which frames and tiles are processed (frame selection,
     * tiling). Alert ids are derived from both. Sources nobody identifies get a per-run session.
     */
    default void onSource(String sourceId, String identity, String settings) {
    }

    /** The source ended (end of file, or the service is stopping): flush open events. */
    default void onEnd() {
    }

    @Override
    default void close() {
    }
}
