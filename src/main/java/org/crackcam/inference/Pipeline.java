package org.crackcam.inference;

import java.time.Duration;
import java.util.List;

import org.crackcam.capture.FrameSource;
import org.crackcam.capture.VideoFrame;
import org.crackcam.pipeline.DetectionListener;
import org.crackcam.pipeline.FrameResult;
import org.crackcam.settings.InvalidSettingException;
import org.tinylog.Logger;

/**
 * The frame loop: {@link FrameSource} → {@link PackingPrefetcher} (decode and pack ahead, on its
 * own thread) → {@link Detector#submit} (ABN per frame, relevance batched over frames) →
 * {@link DetectionListener}s and the {@link FrameObserver}, on the thread that calls
 * {@link #run()}. {@code replay}, {@code demo} and {@code bench} (as an observer of stage times)
 * run this loop.
 *
 * <p>Ownership: a frame's {@link PackedFrame} slot is held from {@link PackingPrefetcher#take}
 * until the listeners and the observer are done with its result, then given back; results reach
 * them strictly in frame order, at most {@link Detector#maxPendingFrames()} frames late and, with a
 * {@link Policies#relevanceLatency() latency bound}, at most about that long after the next frame
 * was due. The end of the source, {@link #stop()} and an error (source, inference or listener)
 * flush the pending frames first: their results are delivered, then every listener gets
 * {@code onEnd()}, then the error is rethrown.
 *
 * <p>Policies ({@link Policies}): what a failing listener does ({@link OnListenerError#STOP}: the
 * loop ends and rethrows; {@link OnListenerError#SKIP}: logged once per listener, counted, the
 * frame goes on to the next listener), and how long relevance batching may hold a frame. The
 * back-pressure policy belongs to the {@link PackingPrefetcher} (block for files, drop the oldest
 * packed frame for live cameras, counted).
 */
public final class Pipeline {

    /** Called after the listeners for every frame (overlays, progress, benchmarks); same thread. */
    @FunctionalInterface
    public interface FrameObserver {
        /**
         * {@code slot} is the frame's (its pixels, batch, {@link PackedFrame#waitNanos()} and the
         * source's decode time in {@code slot.frame().decodeNanos}); valid during the call only.
         */
        void onFrame(FrameResult result, StageTimes times, PackedFrame slot);

        /**
         * Under {@link OnListenerError#SKIP}: a listener failed on a frame, or a frame's inference
         * failed and its result was dropped ({@code what} says which, with the frame). Same thread.
         */
        default void onSkipped(String what, RuntimeException e) {
        }
    }

    /** What a listener, or the inference of one frame, that throws does to the loop. */
    public enum OnListenerError {
        /** The loop ends (pending frames flushed, {@code onEnd()}), the error is rethrown. */
        STOP,
        /**
         * Logged once per listener (and once for inference), counted, reported to
         * {@link FrameObserver#onSkipped}; the loop goes on. A CONFIGURATION error (the ROI holds no
         * tile in the frame) still stops it: no later frame can cure it.
         */
        SKIP
    }

    /**
     * The loop's policies.
     *
     * @param relevanceLatency how long a frame's result may wait for a relevance batch (from its
     *                         submit; checked after each submit and while waiting for the next frame,
     *                         so a result is late by at most this plus one frame's ABN); null: until
     *                         the batch is full or the end
     */
    public record Policies(OnListenerError onListenerError, Duration relevanceLatency) {
        /** Files: a failing listener stops the loop; batches wait for frames. */
        public static final Policies FILE = new Policies(OnListenerError.STOP, null);

        /** A live camera: skip a failing listener; a result waits at most {@code latency}. */
        public static Policies live(Duration latency) {
            return new Policies(OnListenerError.SKIP, latency);
        }
    }

    /** Totals of one run. */
    public record Summary(long framesProcessed, long lastFrameIndex, long flaggedFrames, long flaggedTiles,
                          long tiles, double wallSeconds, boolean stopped, long skippedErrors) {
        public double framesPerSecond() {
            return wallSeconds > 0 ? framesProcessed / wallSeconds : 0;
        }
    }

    private final PackingPrefetcher packed;
    private final boolean ownsPrefetcher;
    private final Detector detector;
    private final List<DetectionListener> listeners;
    private final boolean[] listenerFailed;
    private final FrameObserver observer;
    private final boolean realtime;
    private final Policies policies;
    private volatile boolean stopRequested;
    /** Delivery to listeners and observer, then the slot goes back (no allocation per frame). */
    private final Detector.ResultSink sink;
    private long processed, flaggedFrames, flaggedTiles, tiles, lastIndex, skippedErrors;
    private boolean inferenceFailed;

    /**
     * A loop over a plain source: it is read ahead by a {@link PackingPrefetcher} this loop makes
     * (2 frames ahead) and closes at the end of {@link #run()}; the source itself stays the caller's.
     */
    public Pipeline(FrameSource source, Detector detector, List<DetectionListener> listeners,
                    FrameObserver observer, boolean realtime) {
        this(PackingPrefetcher.of(borrowed(source), detector, 2), true, detector, listeners, observer, realtime,
                Policies.FILE);
    }

    /**
     * A loop over frames packed ahead by {@code packed} (its tiling config must be the
     * detector's, and it must let the consumer hold {@link Detector#maxPendingFrames()} slots, as
     * {@link PackingPrefetcher#of} does); the caller closes it.
     */
    public Pipeline(PackingPrefetcher packed, Detector detector, List<DetectionListener> listeners,
                    FrameObserver observer, boolean realtime) {
        this(packed, detector, listeners, observer, realtime, Policies.FILE);
    }

    /** As above, with explicit policies. */
    public Pipeline(PackingPrefetcher packed, Detector detector, List<DetectionListener> listeners,
                    FrameObserver observer, boolean realtime, Policies policies) {
        this(packed, false, detector, listeners, observer, realtime, policies);
    }

    private Pipeline(PackingPrefetcher packed, boolean owns, Detector detector, List<DetectionListener> listeners,
                     FrameObserver observer, boolean realtime, Policies policies) {
        this.packed = packed;
        this.ownsPrefetcher = owns;
        this.detector = detector;
        this.listeners = List.copyOf(listeners);
        this.listenerFailed = new boolean[this.listeners.size()];
        this.observer = observer;
        this.realtime = realtime;
        this.policies = policies;
        this.sink = new Detector.ResultSink() {
            @Override
            public void accept(PackedFrame slot, FrameResult r, StageTimes t) {
                try {
                    deliver(r, t, slot);
                } finally {
                    packed.release(slot);
                }
            }

            @Override
            public void discard(PackedFrame slot) {
                packed.release(slot);
            }
        };
    }

    /** The source seen through a view whose close does nothing (the caller closes the source). */
    private static FrameSource borrowed(FrameSource s) {
        return new FrameSource() {
            @Override
            public String id() {
                return s.id();
            }

            @Override
            public boolean next(VideoFrame frame) {
                return s.next(frame);
            }

            @Override
            public double frameRate() {
                return s.frameRate();
            }

            @Override
            public long durationMicros() {
                return s.durationMicros();
            }

            @Override
            public void close() {
            }
        };
    }

    private void deliver(FrameResult r, StageTimes t, PackedFrame slot) {
        for (int i = 0; i < listeners.size(); i++) {
            DetectionListener l = listeners.get(i);
            try {
                l.onFrame(r);
            } catch (RuntimeException e) {
                if (policies.onListenerError() == OnListenerError.STOP) {
                    throw e;
                }
                skippedErrors++;
                String what = l.getClass().getSimpleName() + " on frame " + r.frameIndex() + ": " + e.getMessage();
                if (!listenerFailed[i]) {
                    listenerFailed[i] = true;
                    Logger.error("{} (skipped; later failures of it are counted only)", what);
                }
                if (observer != null) {
                    observer.onSkipped(what, e);
                }
            }
        }
        if (observer != null) {
            observer.onFrame(r, t, slot);
        }
        processed++;
        lastIndex = r.frameIndex();
        tiles += t.tiles;
        flaggedTiles += t.flagged;
        if (t.flagged > 0) {
            flaggedFrames++;
        }
    }

    /** Asks the loop to stop after the current frame (any thread). */
    public void stop() {
        stopRequested = true;
    }

    /** Runs to the end of the source (or {@link #stop()}). */
    public Summary run() throws InterruptedException {
        String id = packed.id();
        processed = flaggedFrames = flaggedTiles = tiles = skippedErrors = 0;
        lastIndex = -1;
        long bound = policies.relevanceLatency() == null ? -1 : policies.relevanceLatency().toNanos();
        long start = System.nanoTime();
        long firstTs = Long.MIN_VALUE;
        try {
            while (!stopRequested) {
                long w0 = System.nanoTime();
                if (bound >= 0 && detector.pendingFrames() > 0) {
                    long left = bound - (w0 - detector.oldestPendingSinceNanos());
                    if (left <= 0 || !packed.await(left)) {
                        flush(); // no next frame within the bound: the waiting results go out
                        continue;
                    }
                }
                PackedFrame slot = packed.take(); // held until the detector delivers its result
                if (slot == null) {
                    break;
                }
                slot.waitNanos = System.nanoTime() - w0;
                VideoFrame frame = slot.frame();
                if (realtime) {
                    if (firstTs == Long.MIN_VALUE) {
                        firstTs = frame.timestampMicros;
                    }
                    long dueNanos = start + (frame.timestampMicros - firstTs) * 1000;
                    long wait = dueNanos - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                long wall = frame.wallTimeMicros > 0 ? frame.wallTimeMicros : System.currentTimeMillis() * 1000;
                long index = frame.index;
                try {
                    detector.submit(slot, id, wall, frame.position, sink);
                } catch (RuntimeException e) {
                    skipOrThrow("inference on frame " + index, e);
                }
                if (bound >= 0 && detector.pendingFrames() > 0
                        && System.nanoTime() - detector.oldestPendingSinceNanos() >= bound) {
                    flush(); // frames keep coming, but the oldest result has waited long enough
                }
            }
            flush(); // end of stream or stop: the pending frames' results
        } catch (Throwable e) { // any error, checked or not, still ends the listeners
            // (a listener under STOP, the source, a CONFIGURATION error, inference under STOP)
            Logger.debug("loop over {} failed after {} frames: {}", id, processed, e.toString());
            try {
                detector.flush(sink); // frames processed before the error keep their results
            } catch (RuntimeException f) {
                e.addSuppressed(f);
            }
            endListeners(e);
            closeOwned();
            throw e;
        }
        endListeners(null);
        closeOwned();
        return new Summary(processed, lastIndex, flaggedFrames, flaggedTiles, tiles,
                (System.nanoTime() - start) / 1e9, stopRequested, skippedErrors);
    }

    private void flush() {
        try {
            detector.flush(sink);
        } catch (RuntimeException e) {
            skipOrThrow("relevance batch", e);
        }
    }

    /**
     * A frame's inference failed (its slot is back): under SKIP, logged once, counted and reported;
     * otherwise (or an invalid setting, or a listener's error under STOP) thrown.
     */
    private void skipOrThrow(String what, RuntimeException e) {
        boolean configuration = e instanceof InvalidSettingException;
        if (policies.onListenerError() == OnListenerError.STOP || configuration) {
            throw e;
        }
        skippedErrors++;
        String line = what + ": " + e.getMessage();
        if (!inferenceFailed) {
            inferenceFailed = true;
            Logger.error("{} (skipped; later inference failures are counted only)", line);
        }
        if (observer != null) {
            observer.onSkipped(line, e);
        }
    }

    private void closeOwned() {
        if (ownsPrefetcher) {
            packed.close();
        }
    }

    /** Every listener gets {@code onEnd()}, also when another one's fails; the first failure is thrown (or added to {@code cause}). */
    private void endListeners(Throwable cause) {
        RuntimeException first = null;
        for (DetectionListener l : listeners) {
            try {
                l.onEnd();
            } catch (RuntimeException e) {
                if (cause != null) {
                    cause.addSuppressed(e);
                } else if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
