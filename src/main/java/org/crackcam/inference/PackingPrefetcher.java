package org.crackcam.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

import org.crackcam.capture.FrameSource;
import org.crackcam.pipeline.CrackcamException;
import org.crackcam.tiles.TileGrid;
import org.tinylog.Logger;

/**
 * Decodes AND packs ahead on its own thread, so that decoding and tiling frame N+1 overlap the
 * inference of frame N: the thread reads the wrapped source into a free {@link PackedFrame} slot,
 * cuts the frame's tiles (grid of the {@link Detector.TilingConfig}, recomputed only when the
 * frame size changes) and packs them into that slot's own direct batch buffer, then queues it.
 * The consumer (the pipeline thread) takes slots in frame order with {@link #next}.
 *
 * <p>Slots and lifetime: {@code depth + 1} slots are allocated up front (each owns its pixel
 * array and its {@link org.crackcam.tiles.TilePacker}: batch buffer plus native scratch; the
 * packer is sized on the first frame and then reused). A slot returned by {@code next} stays the
 * consumer's, untouched by the packing thread, until the consumer's next call to {@code next}: the
 * ABN stage, the relevance stage (reading flagged tiles from the batch), listeners and overlay
 * rendering (reading the frame pixels) may use it until then. Only then does it go back to the
 * free queue. At most {@code depth} frames are packed ahead while the consumer holds one; frames
 * are never dropped (the packing thread waits). The steady state allocates nothing.
 *
 * <p>A failure of the wrapped source or of the packing (e.g. an ROI that does not fit a new frame
 * size) is rethrown by {@code next} after the frames before it. The wrapped source is used only by
 * the packing thread once this is constructed. One consumer thread.
 */
public final class PackingPrefetcher implements AutoCloseable {

    private static final PackedFrame END = new PackedFrame(0, 0);

    private final FrameSource inner;
    private final Detector.TilingConfig tiling;
    private final List<PackedFrame> slots = new ArrayList<>();
    private final BlockingQueue<PackedFrame> full;
    private final BlockingQueue<PackedFrame> free;
    private final Thread thread;
    private volatile RuntimeException failure;
    private volatile boolean closed;
    /** The slot the consumer holds (consumer thread only). */
    private PackedFrame held;
    private boolean ended;
    /** Grid of the current frame size (packing thread only). */
    private TileGrid grid;

    /**
     * @param mapH  model input height (tiles are resized to mapH × mapW)
     * @param depth frames packed ahead at most (≥ 1); {@code depth + 1} slots in all
     */
    public PackingPrefetcher(FrameSource inner, Detector.TilingConfig tiling, int mapH, int mapW, int depth) {
        if (depth < 1) {
            throw new IllegalArgumentException("depth must be >= 1, got " + depth);
        }
        this.inner = inner;
        this.tiling = tiling;
        this.full = new ArrayBlockingQueue<>(depth + 2); // every slot plus END
        this.free = new ArrayBlockingQueue<>(depth + 1);
        for (int i = 0; i <= depth; i++) {
            PackedFrame s = new PackedFrame(mapH, mapW);
            slots.add(s);
            free.add(s);
        }
        this.thread = new Thread(this::packLoop, "pack-" + inner.id());
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** A prefetcher with the detector's tiling and model input size. */
    public static PackingPrefetcher of(FrameSource inner, Detector detector, int depth) {
        return new PackingPrefetcher(inner, detector.tiling(), detector.mapHeight(), detector.mapWidth(), depth);
    }

    private void packLoop() {
        try {
            while (!closed) {
                PackedFrame s = free.take();
                boolean more;
                try {
                    more = inner.next(s.frame());
                    if (more) {
                        var f = s.frame();
                        if (grid == null || grid.frameWidth() != f.width || grid.frameHeight() != f.height) {
                            grid = TileGrid.compute(tiling.roi(), f.width, f.height, tiling.rows(), tiling.overlap());
                        }
                        s.pack(grid);
                    }
                } catch (RuntimeException e) {
                    failure = e;
                    more = false;
                }
                if (!more) {
                    full.put(END);
                    return;
                }
                full.put(s);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public String id() {
        return inner.id();
    }

    public double frameRate() {
        return inner.frameRate();
    }

    public long durationMicros() {
        return inner.durationMicros();
    }

    /**
     * The next packed frame in source order, or null at the end. Gives the slot returned by the
     * previous call back to the packing thread first: do not use it after this call.
     *
     * @throws CrackcamException the source's (or packing's) failure, after the frames before it
     */
    public PackedFrame next() {
        if (held != null) {
            free.add(held); // never full: it has room for every slot
            held = null;
        }
        if (ended) {
            return null;
        }
        PackedFrame s;
        try {
            s = full.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrackcamException(CrackcamException.Kind.INTERNAL, "interrupted while waiting for a frame", e);
        }
        if (s == END) {
            ended = true;
            if (failure != null) {
                throw failure;
            }
            return null;
        }
        held = s;
        return s;
    }

    /**
     * Stops the packing thread, closes the wrapped source and frees the slots' native memory
     * (consumer thread; the slot it holds is invalid afterwards).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        inner.close();
        if (thread.isAlive()) {
            // Still inside the source or a pack: its slot may be in use; leave the native memory
            // to the garbage collector rather than free it under the thread.
            Logger.warn("packing thread of {} did not stop within 2 s", inner.id());
            return;
        }
        held = null;
        slots.forEach(PackedFrame::close);
    }
}
