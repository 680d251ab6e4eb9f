package org.crackcam.inference;

/**
 * Wall-clock time of each stage for one frame, in nanoseconds (mutable, reused; read it on the
 * pipeline thread right after {@link Detector#process} or in the {@link Detector.ResultSink}).
 *
 * <p>Relevance: when the graph runs on the flagged tiles of several frames at once,
 * {@code relevanceNanos} is this frame's share of that run (proportional to its flagged tiles;
 * the shares of one run add up to the run's time), and the first frame of each run also carries
 * the whole run in {@code relevanceRunNanos} and its batch size in {@code relevanceRunTiles}
 * (0 on the other frames), so summing either over frames gives the total relevance time.
 */
public final class StageTimes {
    public long tilingNanos;
    public long abnNanos;
    public long relevanceNanos;
    public long c1cNanos;
    public long relevanceRunNanos;
    public int relevanceRunTiles;
    public int tiles;
    public int flagged;

    void reset() {
        tilingNanos = abnNanos = relevanceNanos = c1cNanos = relevanceRunNanos = 0;
        tiles = flagged = relevanceRunTiles = 0;
    }
}
