package org.crackcam.service;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.crackcam.capture.FrameSource;
import org.crackcam.capture.VideoFrame;
import org.crackcam.capture.live.LiveSource;
import org.crackcam.health.ServiceMetrics;
import org.crackcam.inference.Detector;
import org.crackcam.inference.PackedFrame;
import org.crackcam.inference.PackingPrefetcher;
import org.crackcam.inference.Pipeline;
import org.crackcam.inference.StageTimes;
import org.crackcam.pipeline.DetectionListener;
import org.crackcam.pipeline.FrameResult;
import org.crackcam.pipeline.Position;
import org.crackcam.position.PositionSource;
import org.crackcam.settings.InvalidSettingException;
import org.tinylog.Logger;

/**
 * The service's use of the one frame loop ({@link Pipeline}), on the thread that calls
 * {@link #run()}: newest frame from the {@link LiveSource} → position → sampling (both on the
 * packing thread, in {@link Sampled}) → {@link PackingPrefetcher} (packs one frame ahead; when the
 * loop is behind, a camera's oldest packed frame not yet taken is dropped and counted, a file
 * camera waits: {@link PackingPrefetcher.BackPressure}) →
 * {@link Detector#submit} (ABN on every frame, relevance batched over frames, a result waiting at
 * most {@code relevanceLatency} for a next frame) → listeners (alerts), with metrics, the systemd
 * watchdog and a periodic status callback.
 *
 * <p>The systemd watchdog is fed only when work is done: a frame processed (through its
 * listeners), or a distance-sampling decision on a real position (the vehicle stands still). A
 * loop that receives frames but skips them all, or that hangs in inference or a listener, stops
 * feeding it, and {@code /healthz} turns unhealthy after {@code health.stall_after_s}
 * ({@link ServiceMetrics#stalledSeconds()}). Steps of the frames' clock (a looped file starting
 * again, a camera reconnect) re-base the target-rate sampling and are counted.
 *
 * <p>A failing frame (an inference or listener error) is logged, counted and skipped
 * ({@link Pipeline.OnListenerError#SKIP}); the loop goes on — except a CONFIGURATION error (the
 * region of interest holds no tile in this camera's frame), which no later frame can cure: it ends
 * the loop and is rethrown. The loop ends when {@link #stop()} is called (any thread: the SIGTERM
 * hook), or when a finite, non-looping source ends, or when the source gives up (its exception is
 * rethrown). Listeners get {@code onEnd()} in every case.
 */
public final class FrameLoop {

    /** Depth of packing ahead: one frame (a live camera wants fresh frames, not a backlog). */
    static final int PACK_AHEAD = 1;

    private final LiveSource source;
    private final Detector detector;
    private final List<DetectionListener> listeners;
    private final PositionSource positions;
    private final FrameSampler sampler;
    private final ServiceMetrics metrics;
    private final SystemdNotifier notifier;
    private final Consumer<ServiceMetrics> statusPublisher;
    private final long statusIntervalNanos;
    private final Duration relevanceLatency;
    private final PackingPrefetcher.BackPressure backPressure;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopRequested;
    private volatile boolean started;
    private volatile Pipeline pipeline;
    private volatile PackingPrefetcher packer;

    FrameLoop(LiveSource source, Detector detector, List<DetectionListener> listeners,
              PositionSource positions, ServiceConfig.Sampling sampling, ServiceMetrics metrics,
              SystemdNotifier notifier, Consumer<ServiceMetrics> statusPublisher, double statusIntervalS,
              Duration relevanceLatency, PackingPrefetcher.BackPressure backPressure) {
        this.backPressure = backPressure;
        this.source = source;
        this.detector = detector;
        this.listeners = List.copyOf(listeners);
        this.positions = positions;
        this.sampler = new FrameSampler(sampling);
        this.metrics = metrics;
        this.notifier = notifier;
        this.statusPublisher = statusPublisher;
        this.statusIntervalNanos = Math.round(statusIntervalS * 1e9);
        this.relevanceLatency = relevanceLatency;
    }

    /** Asks the loop to stop after the current frame. Any thread. */
    public void stop() {
        stopRequested = true;
        Pipeline p = pipeline;
        if (p != null) {
            p.stop();
        }
    }

    /** Waits until {@link #run()} has returned. */
    public boolean awaitFinished(long timeout, TimeUnit unit) throws InterruptedException {
        return finished.await(timeout, unit);
    }

    /** True once {@link #run()} was entered (it may have finished since). */
    public boolean started() {
        return started;
    }

    /** Packed frames dropped because the loop was behind (DROP_OLDEST back-pressure). */
    public long packedDropped() {
        PackingPrefetcher p = packer;
        return p == null ? 0 : p.dropped();
    }

    /** Runs until stopped; see the class comment. Once per loop. */
    public void run() throws InterruptedException {
        if (started) {
            throw new IllegalStateException("the frame loop runs once");
        }
        started = true;
        metrics.loopStarted();
        Sampled sampled = new Sampled();
        try (PackingPrefetcher p = PackingPrefetcher.of(sampled, detector, PACK_AHEAD, backPressure)) {
            packer = p;
            Pipeline pl = new Pipeline(p, detector, listeners, new Observer(), false,
                    Pipeline.Policies.live(relevanceLatency));
            pipeline = pl;
            if (stopRequested) {
                pl.stop();
            }
            pl.run();
        } catch (InvalidSettingException e) {
            // no frame of this camera can work (the ROI holds no tile in its frame): stop, one line
            throw new InvalidSettingException(source.id() + ": frame " + sampled.width + "x" + sampled.height
                    + ": " + e.getMessage(), e);
        } finally {
            finished.countDown();
        }
    }

    /** Metrics, watchdog and status line per processed frame; errors of skipped frames. Loop thread. */
    private final class Observer implements Pipeline.FrameObserver {
        @Override
        public void onFrame(FrameResult r, StageTimes t, PackedFrame slot) {
            double ms = (t.tilingNanos + t.abnNanos + t.relevanceNanos + t.c1cNanos) / 1e6;
            metrics.frameProcessed(ms, r.hasCrack(), r.position().isPresent());
            notifier.watchdog(); // a frame that failed in inference does not feed it
            notifier.status(statusLine());
        }

        @Override
        public void onSkipped(String what, RuntimeException e) {
            if (!what.equals(metrics.lastError())) {
                Logger.debug(e);
            }
            metrics.error(what);
        }
    }

    /**
     * The live source as the loop's {@link FrameSource}, on the packing thread: waits for the
     * newest frame (publishing status while none comes), looks up its position and applies the
     * sampling; only frames that go to inference leave it.
     */
    private final class Sampled implements FrameSource {
        private long resets;
        private long lastStatus = System.nanoTime();
        private boolean waitingLogged;
        volatile int width;
        volatile int height;

        @Override
        public String id() {
            return source.id();
        }

        @Override
        public double frameRate() {
            return source.frameRate();
        }

        @Override
        public boolean next(VideoFrame frame) {
            try {
                return nextKept(frame);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        private boolean nextKept(VideoFrame frame) throws InterruptedException {
            while (!stopRequested) {
                boolean got = source.next(frame, 500, TimeUnit.MILLISECONDS);
                long now = System.nanoTime();
                if (now - lastStatus >= statusIntervalNanos) {
                    lastStatus = now;
                    publishStatus();
                }
                if (!got) {
                    if (source.ended()) {
                        Logger.info("{}: end of the source", source.id());
                        return false;
                    }
                    if (!waitingLogged && metrics.lastFrameAgeSeconds() > 5) {
                        notifier.status("waiting for frames from " + source.id() + ": " + source.lastError());
                        waitingLogged = true;
                    }
                    continue; // no WATCHDOG=1 while no frames flow
                }
                waitingLogged = false;
                long wall = source.lastWallTimeMicros();
                Optional<Position> pos = position(frame.timestampMicros, wall);
                boolean keep = sampler.keep(frame.timestampMicros, pos);
                if (sampler.resets() != resets) {
                    resets = sampler.resets();
                    metrics.clockReset();
                    Logger.debug("{}: frame clock stepped at frame {} ({} us); sampling re-based", source.id(),
                            frame.index, frame.timestampMicros);
                }
                if (!keep) {
                    if (sampler.lastSkipByDistance()) {
                        metrics.frameSkippedByDistance();
                        notifier.watchdog();
                    } else {
                        metrics.frameSkipped();
                    }
                    continue;
                }
                frame.wallTimeMicros = wall;
                frame.position = pos;
                width = frame.width;
                height = frame.height;
                return true;
            }
            return false;
        }

        @Override
        public void close() {
            // the live source is the service's (closed by ServiceRunner)
        }
    }

    private Optional<Position> position(long ts, long wall) {
        try {
            return positions.at(ts, wall);
        } catch (RuntimeException e) {
            metrics.error("position: " + e.getMessage());
            return Optional.empty();
        }
    }

    private void publishStatus() {
        try {
            statusPublisher.accept(metrics);
        } catch (RuntimeException e) {
            Logger.debug("status publish failed: {}", e.toString());
        }
    }

    String statusLine() {
        return String.format(Locale.ROOT, "%.1f fps, %d frames, %d dropped, %d reconnects%s",
                metrics.framesPerSecond(), metrics.processed(), metrics.dropped(), metrics.reconnects(),
                metrics.outboxDepth() >= 0 ? ", outbox " + metrics.outboxDepth() : "");
    }
}
