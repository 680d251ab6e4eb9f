package org.crackcam.inference;

import java.nio.FloatBuffer;

import org.crackcam.capture.VideoFrame;
import org.crackcam.tiles.TileGrid;
import org.crackcam.tiles.TilePacker;

/**
 * One slot of a {@link PackingPrefetcher}: a decoded frame and its tiles packed into the model's
 * input batch. The slot owns its frame's pixel array and its {@link TilePacker} (the direct batch
 * buffer and the packer's native scratch). Exactly one thread holds a slot at a time: the packing
 * thread while it decodes and packs into it, then the consumer from {@link PackingPrefetcher#next}
 * until its next call to {@code next}, or from {@link PackingPrefetcher#take} until
 * {@link PackingPrefetcher#release} (or {@code close}); slots move between the two only through
 * the prefetcher's blocking queues, which order the writes of one before the reads of the other.
 */
public final class PackedFrame {

    private VideoFrame frame = new VideoFrame();
    private final int mapH;
    private final int mapW;
    private TilePacker packer;
    private TileGrid grid;
    private FloatBuffer batch;
    private long tilingNanos;
    /** Time the loop waited for this slot to be ready, nanoseconds (set by the {@link Pipeline}). */
    long waitNanos;
    /** Whether the consumer holds this slot (consumer thread only). */
    boolean held;

    PackedFrame(int mapH, int mapW) {
        this.mapH = mapH;
        this.mapW = mapW;
    }

    /** The decoded frame (pixels, index, timestamps). Do not keep it past the next {@code next()}. */
    public VideoFrame frame() {
        return frame;
    }

    /** Makes {@code f} this slot's frame (the detector's own slot for a frame packed on the calling thread). */
    void bind(VideoFrame f) {
        frame = f;
    }

    /** The grid the tiles were cut with. */
    public TileGrid grid() {
        return grid;
    }

    /** The packed batch: position 0, limit {@code grid().size()·3·H·W}; read-only for the consumer. */
    public FloatBuffer batch() {
        return batch;
    }

    /** Wall time the packing thread spent cutting and packing this frame's tiles, nanoseconds. */
    public long tilingNanos() {
        return tilingNanos;
    }

    /** Time the consuming loop waited for this frame (decoded and packed) to be ready, nanoseconds. */
    public long waitNanos() {
        return waitNanos;
    }

    /** Packs {@link #frame} with {@code g}; on the packing thread. The packer grows (once) to the grid. */
    void pack(TileGrid g) {
        long t0 = System.nanoTime();
        if (packer == null || packer.capacity() < g.size()) {
            if (packer != null) {
                packer.close();
            }
            packer = new TilePacker(mapH, mapW, g.size());
        }
        batch = packer.pack(frame, g);
        grid = g;
        tilingNanos = System.nanoTime() - t0;
    }

    /** Releases the packer's native memory; only when no thread uses this slot any more. */
    void close() {
        if (packer != null) {
            packer.close();
            packer = null;
        }
        batch = null;
    }
}
