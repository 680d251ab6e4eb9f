package org.crackcam.health;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Counters and gauges of one running service. Written by the frame loop (and the capture and
 * delivery threads through suppliers), read by the health endpoint and the status publisher:
 * every field is safe to read from any thread.
 */
public final class ServiceMetrics {

    private static final int RING = 64;

    private final String deviceId;
    private final String provider;
    private final long startNanos = System.nanoTime();
    private final long startMillis = System.currentTimeMillis();
    private final AtomicLong processed = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong crackFrames = new AtomicLong();
    private final AtomicLong positioned = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong lastFrameNanos = new AtomicLong();
    private final AtomicLong clockResets = new AtomicLong();
    private volatile long progressNanos = startNanos; // last processed frame (or distance decision)
    private volatile long capturedAtProgress;
    private final AtomicReference<String> lastError = new AtomicReference<>("");
    private final long[] ring = new long[RING];
    private int ringNext;
    private int ringCount;
    private volatile double lastProcessMs;
    private volatile boolean positionFix;
    private volatile LongSupplier captured = () -> 0;
    private volatile LongSupplier dropped = () -> 0;
    private volatile LongSupplier reconnects = () -> 0;
    private volatile LongSupplier watchdogResets = () -> 0;
    private volatile LongSupplier outboxDepth = () -> -1;
    private volatile LongSupplier alertsSent = () -> -1;
    private volatile java.util.function.BooleanSupplier sourceConnected = () -> true;

    public ServiceMetrics(String deviceId, String provider) {
        this.deviceId = deviceId;
        this.provider = provider;
    }

    /** Wires the capture side's counters. */
    public void source(LongSupplier captured, LongSupplier dropped, LongSupplier reconnects,
                       LongSupplier watchdogResets, java.util.function.BooleanSupplier connected) {
        this.captured = captured;
        this.dropped = dropped;
        this.reconnects = reconnects;
        this.watchdogResets = watchdogResets;
        this.sourceConnected = connected;
    }

    /** Wires the delivery side's gauges ({@code -1} = not known). */
    public void delivery(LongSupplier outboxDepth, LongSupplier alertsSent) {
        this.outboxDepth = outboxDepth;
        this.alertsSent = alertsSent;
    }

    /** A frame went through inference. Frame loop thread. */
    public void frameProcessed(double millis, boolean crack, boolean hasPosition) {
        long now = System.nanoTime();
        processed.incrementAndGet();
        if (crack) {
            crackFrames.incrementAndGet();
        }
        if (hasPosition) {
            positioned.incrementAndGet();
        }
        positionFix = hasPosition;
        lastProcessMs = millis;
        lastFrameNanos.set(now);
        progress(now);
        synchronized (ring) {
            ring[ringNext] = now;
            ringNext = (ringNext + 1) % RING;
            ringCount = Math.min(RING, ringCount + 1);
        }
    }

    /** A frame arrived but the sampling policy skipped it. */
    public void frameSkipped() {
        skipped.incrementAndGet();
        lastFrameNanos.set(System.nanoTime());
    }

    /**
     * A frame was skipped by a decision that is itself work done (the distance gate on a real
     * position: the vehicle stands still): counts as progress for {@link #stalledSeconds()}.
     */
    public void frameSkippedByDistance() {
        frameSkipped();
        progress(System.nanoTime());
    }

    /** The sampling schedule was re-based on a step of the frames' clock. Frame loop thread. */
    public void clockReset() {
        clockResets.incrementAndGet();
    }

    /** The loop starts now: the stall clock of {@link #stalledSeconds()} starts here. */
    public void loopStarted() {
        progress(System.nanoTime());
    }

    private void progress(long now) {
        progressNanos = now;
        capturedAtProgress = captured.getAsLong();
    }

    /**
     * Seconds since the loop last got work done (a processed frame, or a distance-gate decision)
     * while the source has captured new frames since then; 0 when no frame arrived since. This
     * is the "frames arrive but none are processed" measure of {@code /healthz}: a sampler that
     * skips everything, or a processor or listener that blocks.
     */
    public double stalledSeconds() {
        if (captured.getAsLong() <= capturedAtProgress) {
            return 0;
        }
        return (System.nanoTime() - progressNanos) / 1e9;
    }

    /** Seconds since the last processed frame (or loop start, before the first). */
    public double lastProcessedAgeSeconds() {
        return (System.nanoTime() - progressNanos) / 1e9;
    }

    public long clockResets() {
        return clockResets.get();
    }

    public void error(String message) {
        errors.incrementAndGet();
        lastError.set(message);
    }

    /** Processed frames per second over the last 64 frames within the last 10 s; 0 when idle. */
    public double framesPerSecond() {
        long now = System.nanoTime();
        synchronized (ring) {
            int n = 0;
            long oldest = Long.MAX_VALUE;
            long newest = Long.MIN_VALUE;
            for (int i = 0; i < ringCount; i++) {
                long t = ring[i];
                if (now - t <= 10_000_000_000L) {
                    n++;
                    oldest = Math.min(oldest, t);
                    newest = Math.max(newest, t);
                }
            }
            if (n < 2 || newest == oldest) {
                return 0;
            }
            return (n - 1) / ((newest - oldest) / 1e9);
        }
    }

    /** Seconds since the last frame arrived (processed or skipped); infinite before the first. */
    public double lastFrameAgeSeconds() {
        long t = lastFrameNanos.get();
        return t == 0 ? Double.POSITIVE_INFINITY : (System.nanoTime() - t) / 1e9;
    }

    public double uptimeSeconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    public String deviceId() {
        return deviceId;
    }

    public String provider() {
        return provider;
    }

    public long startMillis() {
        return startMillis;
    }

    public long processed() {
        return processed.get();
    }

    public long skipped() {
        return skipped.get();
    }

    public long crackFrames() {
        return crackFrames.get();
    }

    public long positioned() {
        return positioned.get();
    }

    public long errors() {
        return errors.get();
    }

    public String lastError() {
        return lastError.get();
    }

    public double lastProcessMs() {
        return lastProcessMs;
    }

    public boolean positionFix() {
        return positionFix;
    }

    public long captured() {
        return captured.getAsLong();
    }

    public long dropped() {
        return dropped.getAsLong();
    }

    public long reconnects() {
        return reconnects.getAsLong();
    }

    public long watchdogResets() {
        return watchdogResets.getAsLong();
    }

    public long outboxDepth() {
        return outboxDepth.getAsLong();
    }

    public long alertsSent() {
        return alertsSent.getAsLong();
    }

    public boolean sourceConnected() {
        return sourceConnected.getAsBoolean();
    }
}
