package org.crackcam.inference;

/**
 * Wall-clock time of each stage for the last frame, in nanoseconds (mutable, reused; read it
 * on the pipeline thread right after {@link Detector#process}).
 */
public final class StageTimes {
    public long tilingNanos;
    public long abnNanos;
    public long relevanceNanos;
    public long c1cNanos;
    public int tiles;
    public int flagged;

    void reset() {
        tilingNanos = abnNanos = relevanceNanos = c1cNanos = 0;
        tiles = flagged = 0;
    }
}
