package org.crackcam.inference;

import java.util.List;
import java.util.Optional;

import org.crackcam.capture.FrameSource;
import org.crackcam.capture.VideoFrame;
import org.crackcam.pipeline.CrackcamException;
import org.crackcam.pipeline.DetectionListener;
import org.crackcam.pipeline.FrameResult;
import org.tinylog.Logger;

/**
 * The detection loop: a {@link FrameSource} through a {@link Detector} to
 * {@link DetectionListener}s, on the calling thread. With a {@link PackingPrefetcher} as the
 * source, frames arrive decoded and with their tiles packed (on the prefetcher's thread), and the
 * calling thread runs inference only; with a plain {@link FrameSource} it also cuts and packs. Listeners get every processed frame in
 * order and {@code onEnd()} when the source ends, fails or the loop is stopped. A decode error
 * ends the loop after {@code onEnd()} (so detections made before it are kept) and is rethrown.
 *
 * <p>With a {@link PackingPrefetcher}, the detector may batch the relevance graph over several
 * frames ({@link Detector#relevanceBatching}): the loop keeps each frame's slot until the
 * detector delivers its result, then runs the listeners and the observer and gives the slot
 * back. Results still reach them strictly in frame order, at most
 * {@link Detector#maxPendingFrames()} frames late. The end of the source, {@link #stop()} and an
 * error flush the pending frames first: their results are delivered, then {@code onEnd()}, then
 * the error is rethrown.
 */
public final class Pipeline {

    /** Called after the listeners for every frame (overlays, progress, benchmarks); same thread. */
    @FunctionalInterface
    public interface FrameObserver {
        void onFrame(FrameResult result, StageTimes times, long decodeNanos);
    }

    /** Totals of one run. */
    public record Summary(long framesProcessed, long lastFrameIndex, long flaggedFrames, long flaggedTiles,
                          long tiles, double wallSeconds, boolean stopped) {
        public double framesPerSecond() {
            return wallSeconds > 0 ? framesProcessed / wallSeconds : 0;
        }
    }

    private final FrameSource source;
    private final PackingPrefetcher packed;
    private final Detector detector;
    private final List<DetectionListener> listeners;
    private final FrameObserver observer;
    private final boolean realtime;
    private volatile boolean stopRequested;
    /** Delivery to listeners and observer, then the slot goes back (prefetched path; no allocation per frame). */
    private final Detector.ResultSink sink;
    private long processed, flaggedFrames, flaggedTiles, tiles, lastIndex;

    /** A loop that packs each frame's tiles on the calling thread. */
    public Pipeline(FrameSource source, Detector detector, List<DetectionListener> listeners,
                    FrameObserver observer, boolean realtime) {
        this(source, null, detector, listeners, observer, realtime);
    }

    /**
     * A loop over frames packed ahead by {@code packed} (its tiling config must be the
     * detector's, and it must let the consumer hold {@link Detector#maxPendingFrames()} slots, as
     * {@link PackingPrefetcher#of} does). A frame's slot is given back after the listeners and the
     * observer are done with its result.
     */
    public Pipeline(PackingPrefetcher packed, Detector detector, List<DetectionListener> listeners,
                    FrameObserver observer, boolean realtime) {
        this(null, packed, detector, listeners, observer, realtime);
    }

    private Pipeline(FrameSource source, PackingPrefetcher packed, Detector detector,
                     List<DetectionListener> listeners, FrameObserver observer, boolean realtime) {
        this.source = source;
        this.packed = packed;
        this.detector = detector;
        this.listeners = List.copyOf(listeners);
        this.observer = observer;
        this.realtime = realtime;
        this.sink = (slot, r, t) -> {
            deliver(r, t, slot.frame().decodeNanos);
            packed.release(slot);
        };
    }

    private void deliver(FrameResult r, StageTimes t, long decode) {
        for (DetectionListener l : listeners) {
            l.onFrame(r);
        }
        if (observer != null) {
            observer.onFrame(r, t, decode);
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
        VideoFrame own = packed == null ? new VideoFrame() : null;
        String id = packed != null ? packed.id() : source.id();
        processed = flaggedFrames = flaggedTiles = tiles = 0;
        lastIndex = -1;
        long start = System.nanoTime();
        long firstTs = Long.MIN_VALUE;
        try {
            while (!stopRequested) {
                long d0 = System.nanoTime();
                PackedFrame slot = null;
                VideoFrame frame;
                if (packed != null) {
                    slot = packed.take(); // held until the detector delivers its result
                    if (slot == null) {
                        break;
                    }
                    frame = slot.frame();
                } else {
                    if (!source.next(own)) {
                        break;
                    }
                    frame = own;
                }
                // the source's own decode time (a decode-ahead source decodes on its own thread)
                long decode = frame.decodeNanos > 0 ? frame.decodeNanos : System.nanoTime() - d0;
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
                long wall = System.currentTimeMillis() * 1000;
                if (slot != null) {
                    detector.submit(slot, id, wall, Optional.empty(), sink);
                } else {
                    FrameResult r = detector.process(frame, id, wall, Optional.empty());
                    deliver(r, detector.times(), decode);
                }
            }
            if (packed != null) {
                detector.flush(sink); // end of stream or stop: the pending frames' results
            }
        } catch (CrackcamException e) {
            Logger.debug("source {} failed after {} frames: {}", id, processed, e.getMessage());
            if (packed != null) {
                try {
                    detector.flush(sink); // frames processed before the error keep their results
                } catch (RuntimeException f) {
                    e.addSuppressed(f);
                }
            }
            endListeners();
            throw e;
        }
        endListeners();
        return new Summary(processed, lastIndex, flaggedFrames, flaggedTiles, tiles,
                (System.nanoTime() - start) / 1e9, stopRequested);
    }

    private void endListeners() {
        for (DetectionListener l : listeners) {
            l.onEnd();
        }
    }
}
