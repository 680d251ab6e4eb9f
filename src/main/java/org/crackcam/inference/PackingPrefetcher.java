package org.crackcam.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

import org.crackcam.capture.FrameSource;
import org.crackcam.pipeline.CrackcamException;
import org.crackcam.settings.TilingSettings;
import org.crackcam.tiles.TileGrid;
import org.tinylog.Logger;

/**
 * Decodes AND packs ahead on its own thread, so that decoding and tiling frame N+1 overlap the
 * inference of frame N: the thread reads the wrapped source into a free {@link PackedFrame} slot,
 * cuts the frame's tiles (grid of the {@link TilingSettings}, recomputed only when the
 * frame size changes) and packs them into that slot's own direct batch buffer, then queues it.
 * The consumer (the pipeline thread) takes slots in frame order with {@link #next}.
 *
 * <p>Slots and lifetime: {@code depth + hold} slots are allocated up front (each owns its pixel
 * array and its {@link org.crackcam.tiles.TilePacker}: batch buffer plus native scratch; the
 * packer is sized on the first frame and then reused). The consumer either takes one slot at a
 * time with {@link #next} (the slot stays the consumer's, untouched by the packing thread, until
 * its next call to {@code next}), or holds up to {@code hold} slots at once with {@link #take} and
 * gives each back with {@link #release} (the pipeline does this when it batches the relevance
 * graph over several frames: a frame's slot stays held until its result has been delivered, since
 * listeners and overlays read its pixels). While held, the ABN stage, the relevance stage
 * (copying flagged tiles out of the batch), listeners and overlay rendering may use it. At most
 * {@code depth} frames are packed ahead while the consumer holds {@code hold}; frames are never
 * dropped (the packing thread waits). The steady state allocates nothing.
 *
 * <p>A failure of the wrapped source or of the packing (e.g. an ROI that does not fit a new frame
 * size) is rethrown by {@code next} after the frames before it. The wrapped source is used only by
 * the packing thread once this is constructed. One consumer thread.
 */
public final class PackingPrefetcher implements AutoCloseable {

    /** What the packing thread does when every slot is full (the consumer is behind). */
    public enum BackPressure {
        /** Wait for the consumer (files: no frame is lost). */
        BLOCK,
        /**
         * After each frame read while no slot is free, take back the oldest packed frame that the
         * consumer has not taken yet and count it (live cameras: fresh frames); one more slot.
         */
        DROP_OLDEST
    }

    private static final PackedFrame END = new PackedFrame(0, 0);

    private final FrameSource inner;
    private final TilingSettings tiling;
    private final List<PackedFrame> slots = new ArrayList<>();
    private final BlockingQueue<PackedFrame> full;
    private final BlockingQueue<PackedFrame> free;
    private final Thread thread;
    private volatile RuntimeException failure;
    private volatile boolean closed;
    /** The slot the consumer holds through {@link #next} (consumer thread only). */
    private PackedFrame held;
    /** Slots the consumer holds, through {@code next} or {@code take} (consumer thread only). */
    private int heldCount;
    private final int hold;
    private final BackPressure backPressure;
    private final java.util.concurrent.atomic.AtomicLong dropped = new java.util.concurrent.atomic.AtomicLong();
    /** A slot taken by {@link #await} and not yet returned by {@link #take} (consumer thread only). */
    private PackedFrame ready;
    private boolean ended;
    /** Grid of the current frame size (packing thread only). */
    private TileGrid grid;

    /**
     * @param mapH  model input height (tiles are resized to mapH × mapW)
     * @param depth frames packed ahead at most (≥ 1); {@code depth + 1} slots in all
     */
    public PackingPrefetcher(FrameSource inner, TilingSettings tiling, int mapH, int mapW, int depth) {
        this(inner, tiling, mapH, mapW, depth, 1);
    }

    /**
     * @param depth frames packed ahead at most (≥ 1)
     * @param hold  slots the consumer may hold at once (≥ 1); {@code depth + hold} slots in all
     */
    public PackingPrefetcher(FrameSource inner, TilingSettings tiling, int mapH, int mapW, int depth,
                             int hold) {
        this(inner, tiling, mapH, mapW, depth, hold, BackPressure.BLOCK);
    }

    /** As above, with a back-pressure policy. */
    public PackingPrefetcher(FrameSource inner, TilingSettings tiling, int mapH, int mapW, int depth,
                             int hold, BackPressure backPressure) {
        this.backPressure = backPressure;
        if (depth < 1 || hold < 1) {
            throw new IllegalArgumentException("depth and hold must be >= 1, got " + depth + ", " + hold);
        }
        this.inner = inner;
        this.tiling = tiling;
        this.hold = hold;
        // DROP_OLDEST: one spare slot, so that the packing thread can read the next frame while
        // the consumer holds its slots and one packed frame waits
        int n = depth + hold + (backPressure == BackPressure.DROP_OLDEST ? 1 : 0);
        this.full = new ArrayBlockingQueue<>(n + 1); // every slot plus END
        this.free = new ArrayBlockingQueue<>(n);
        for (int i = 0; i < n; i++) {
            PackedFrame s = new PackedFrame(mapH, mapW);
            slots.add(s);
            free.add(s);
        }
        this.thread = new Thread(this::packLoop, "pack-" + inner.id());
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * A prefetcher with the detector's tiling and model input size, letting the consumer hold as
     * many slots as the detector may keep frames pending ({@link Detector#maxPendingFrames()}).
     */
    public static PackingPrefetcher of(FrameSource inner, Detector detector, int depth) {
        return new PackingPrefetcher(inner, detector.tiling(), detector.mapHeight(), detector.mapWidth(), depth,
                detector.maxPendingFrames());
    }

    /** As {@link #of(FrameSource, Detector, int)}, with a back-pressure policy. */
    public static PackingPrefetcher of(FrameSource inner, Detector detector, int depth, BackPressure backPressure) {
        return new PackingPrefetcher(inner, detector.tiling(), detector.mapHeight(), detector.mapWidth(), depth,
                detector.maxPendingFrames(), backPressure);
    }

    /** Packed frames taken back unread under {@link BackPressure#DROP_OLDEST}. */
    public long dropped() {
        return dropped.get();
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
                if (backPressure == BackPressure.DROP_OLDEST && free.isEmpty()) {
                    // the consumer is behind: the oldest packed frame it has not taken makes room
                    // for the next read (only after a frame was read, so the newest is never lost)
                    PackedFrame old = full.poll();
                    if (old != null) {
                        dropped.incrementAndGet();
                        free.add(old);
                    }
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
            release(held);
            held = null;
        }
        held = take();
        return held;
    }

    /**
     * The next packed frame in source order, or null at the end, without giving any slot back:
     * the consumer holds it until {@link #release}. At most {@code hold} slots at once.
     *
     * @throws CrackcamException the source's (or packing's) failure, after the frames before it
     * @throws IllegalStateException when the consumer already holds {@code hold} slots
     */
    public PackedFrame take() {
        if (heldCount >= hold) {
            throw new IllegalStateException("consumer already holds " + heldCount + " slots (limit " + hold + ")");
        }
        if (ended) {
            return null;
        }
        PackedFrame s = ready;
        ready = null;
        try {
            if (s == null) {
                s = full.take();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InferenceException("interrupted while waiting for a frame", e);
        }
        if (s == END) {
            ended = true;
            if (failure != null) {
                throw failure;
            }
            return null;
        }
        s.held = true;
        heldCount++;
        return s;
    }

    /**
     * Waits at most {@code nanos} for the next frame (or the end) to be ready; true when
     * {@link #take} will not wait. Consumer thread.
     */
    public boolean await(long nanos) {
        if (ready != null || ended) {
            return true;
        }
        try {
            ready = full.poll(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InferenceException("interrupted while waiting for a frame", e);
        }
        return ready != null;
    }

    /** Gives a slot returned by {@link #take} back to the packing thread; do not use it afterwards. */
    public void release(PackedFrame s) {
        if (!s.held) {
            throw new IllegalStateException("slot is not held by the consumer");
        }
        s.held = false;
        heldCount--;
        free.add(s); // never full: it has room for every slot
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
