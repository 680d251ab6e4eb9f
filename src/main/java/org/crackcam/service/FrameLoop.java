package org.crackcam.service;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.crackcam.capture.VideoFrame;
import org.crackcam.capture.live.LiveSource;
import org.crackcam.health.ServiceMetrics;
import org.crackcam.pipeline.CrackcamException;
import org.crackcam.pipeline.DetectionListener;
import org.crackcam.pipeline.FrameResult;
import org.crackcam.pipeline.Position;
import org.crackcam.position.PositionSource;
import org.tinylog.Logger;

/**
 * The service's frame loop, on the thread that calls {@link #run()}: newest frame from the
 * {@link LiveSource} → position → sampling → {@link FrameProcessor} → listeners (alerts), with
 * metrics, the systemd watchdog and a periodic status callback.
 *
 * <p>The systemd watchdog is fed only when work is done: a frame processed (through its
 * listeners), or a distance-sampling decision on a real position (the vehicle stands still). A
 * loop that receives frames but skips them all, or that hangs in a processor or listener, stops
 * feeding it, and {@code /healthz} turns unhealthy after {@code health.stall_after_s}
 * ({@link ServiceMetrics#stalledSeconds()}). Steps of the frames' clock (a looped file starting
 * again, a camera reconnect) re-base the target-rate sampling and are counted.
 *
 * <p>A failing frame (an inference or listener error) is logged, counted and skipped; the loop
 * goes on — except a CONFIGURATION error from the processor (the region of interest holds no tile
 * in this camera's frame), which no later frame can cure: it ends the loop and is rethrown. The loop ends when {@link #stop()} is called (any thread: the SIGTERM hook), or when a
 * finite, non-looping source ends, or when the source gives up (its exception is rethrown).
 * Listeners get {@code onEnd()} in every case.
 */
public final class FrameLoop {

    private final LiveSource source;
    private final FrameProcessor processor;
    private final List<DetectionListener> listeners;
    private final PositionSource positions;
    private final FrameSampler sampler;
    private final ServiceMetrics metrics;
    private final SystemdNotifier notifier;
    private final Consumer<ServiceMetrics> statusPublisher;
    private final long statusIntervalNanos;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopRequested;
    private volatile boolean started;

    FrameLoop(LiveSource source, FrameProcessor processor, List<DetectionListener> listeners,
              PositionSource positions, ServiceConfig.Sampling sampling, ServiceMetrics metrics,
              SystemdNotifier notifier, Consumer<ServiceMetrics> statusPublisher, double statusIntervalS) {
        this.source = source;
        this.processor = processor;
        this.listeners = List.copyOf(listeners);
        this.positions = positions;
        this.sampler = new FrameSampler(sampling);
        this.metrics = metrics;
        this.notifier = notifier;
        this.statusPublisher = statusPublisher;
        this.statusIntervalNanos = Math.round(statusIntervalS * 1e9);
    }

    /** Asks the loop to stop after the current frame. Any thread. */
    public void stop() {
        stopRequested = true;
    }

    /** Waits until {@link #run()} has returned. */
    public boolean awaitFinished(long timeout, TimeUnit unit) throws InterruptedException {
        return finished.await(timeout, unit);
    }

    /** True once {@link #run()} was entered (it may have finished since). */
    public boolean started() {
        return started;
    }

    /** Runs until stopped; see the class comment. Once per loop. */
    public void run() throws InterruptedException {
        if (started) {
            throw new IllegalStateException("the frame loop runs once");
        }
        started = true;
        metrics.loopStarted();
        VideoFrame frame = new VideoFrame();
        long resets = 0;
        long lastStatus = System.nanoTime();
        boolean waitingLogged = false;
        try {
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
                        break;
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
                if (process(frame, wall, pos)) {
                    notifier.watchdog(); // a frame that failed in inference does not feed it
                }
                notifier.status(statusLine());
            }
        } finally {
            for (DetectionListener l : listeners) {
                try {
                    l.onEnd();
                } catch (RuntimeException e) {
                    Logger.error("{} at end of stream: {}", l.getClass().getSimpleName(), e.toString());
                }
            }
            finished.countDown();
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

    /** One frame through the processor and the listeners; false when inference failed on it. */
    private boolean process(VideoFrame frame, long wall, Optional<Position> pos) {
        long t0 = System.nanoTime();
        FrameResult r;
        try {
            r = processor.process(frame, source.id(), wall, pos);
        } catch (CrackcamException e) {
            if (e.kind() == CrackcamException.Kind.CONFIGURATION) {
                // no frame of this camera can work (the ROI holds no tile in its frame): stop, one line
                throw new CrackcamException(e.kind(), source.id() + ": frame " + frame.width + "x" + frame.height
                        + ": " + e.getMessage(), e);
            }
            fail("inference on frame " + frame.index + ": " + e.getMessage(), e);
            return false;
        } catch (RuntimeException e) {
            fail("inference on frame " + frame.index + ": " + e.getMessage(), e);
            return false;
        }
        for (DetectionListener l : listeners) {
            try {
                l.onFrame(r);
            } catch (RuntimeException e) {
                fail(l.getClass().getSimpleName() + " on frame " + frame.index + ": " + e.getMessage(), e);
            }
        }
        metrics.frameProcessed((System.nanoTime() - t0) / 1e6, r.hasCrack(), pos.isPresent());
        return true;
    }

    private void fail(String message, RuntimeException e) {
        if (!message.equals(metrics.lastError())) {
            Logger.error(message);
            Logger.debug(e);
        }
        metrics.error(message);
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
