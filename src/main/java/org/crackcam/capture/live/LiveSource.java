package org.crackcam.capture.live;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;

import org.crackcam.capture.FrameSource;
import org.crackcam.capture.UnreadableInputException;
import org.crackcam.capture.VideoFrame;
import org.crackcam.delivery.Backoff;
import org.tinylog.Logger;

/**
 * A camera (or looped file) captured on its own threads and handed to the frame loop through a
 * {@link FrameQueue}.
 *
 * <p>Threads: a supervisor thread runs one capture <em>session</em> at a time (a session = one
 * {@link FrameReader} and its thread). When a session fails to open, fails, or its stream ends,
 * the supervisor waits a capped, jittered back-off ({@link Backoff}) and opens a new one
 * (counted in {@link #reconnects()}). When a session spends longer than the watchdog limit in one
 * open or read, it is abandoned: the supervisor calls {@link FrameReader#abort()}, stops listening
 * to it and opens a new session at once; the stuck thread releases its reader whenever its call
 * returns (counted in {@link #watchdogResets()}).
 *
 * <p>The frame loop calls {@link #next} from one thread. As a {@link FrameSource}, {@link #next(VideoFrame)}
 * waits for the next frame as long as it takes (a lost camera is being reopened meanwhile); the
 * service uses {@link #next(VideoFrame, long, TimeUnit)} to stay responsive while no frame comes.
 */
public final class LiveSource implements FrameSource {

    /** Supervision settings. */
    public record Options(long initialBackoffMs, long maxBackoffMs, double jitter, double watchdogS,
                          int maxAttempts, int queueCapacity, boolean dropOldest, boolean loop) {
    }

    private final String id;
    private final FrameReader.Factory factory;
    private final Options options;
    private final FrameQueue queue;
    private final Backoff backoff;
    private final Thread supervisor;
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong watchdogResets = new AtomicLong();
    private final AtomicLong openFailures = new AtomicLong();
    private final AtomicLong captured = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>("");
    private final long startNanos = System.nanoTime();
    private volatile boolean closed;
    private volatile boolean connected;
    private volatile Session current;

    public LiveSource(String id, FrameReader.Factory factory, Options options) {
        this.id = id;
        this.factory = factory;
        this.options = options;
        this.queue = new FrameQueue(options.queueCapacity(), options.dropOldest());
        this.backoff = new Backoff(java.time.Duration.ofMillis(options.initialBackoffMs()),
                java.time.Duration.ofMillis(options.maxBackoffMs()), options.jitter(),
                RandomGenerator.getDefault());
        this.supervisor = new Thread(this::supervise, "capture-supervisor-" + id);
        this.supervisor.setDaemon(true);
    }

    /** Starts capturing; returns at once (the camera may still be unreachable). */
    public LiveSource start() {
        supervisor.start();
        return this;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public double frameRate() {
        return Double.NaN;
    }

    /**
     * Copies the next frame into {@code dst}, waiting up to the timeout.
     *
     * @return true with a frame, false on timeout or at the end (see {@link #ended()})
     * @throws LiveSourceException when the source gave up (max_attempts reached)
     */
    public boolean next(VideoFrame dst, long timeout, TimeUnit unit) throws InterruptedException {
        return queue.take(dst, timeout, unit);
    }

    /** Waits for the next frame; false only at the end of a finite source or after {@link #close()}. */
    @Override
    public boolean next(VideoFrame frame) {
        try {
            while (!closed) {
                if (queue.take(frame, 500, TimeUnit.MILLISECONDS)) {
                    return true;
                }
                if (queue.ended()) {
                    return false;
                }
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** UTC capture time of the frame last returned by {@code next} (frame loop thread). */
    public long lastWallTimeMicros() {
        return queue.lastWallTimeMicros();
    }

    /** True once a finite, non-looping source has delivered its last frame. */
    public boolean ended() {
        return queue.ended();
    }

    public long reconnects() {
        return reconnects.get();
    }

    public long watchdogResets() {
        return watchdogResets.get();
    }

    public long openFailures() {
        return openFailures.get();
    }

    /** Frames pushed out of the queue by newer ones before the loop took them. */
    public long dropped() {
        return queue.dropped();
    }

    public long captured() {
        return captured.get();
    }

    public boolean connected() {
        return connected;
    }

    /** The last capture error, empty when none yet. */
    public String lastError() {
        return lastError.get();
    }

    private void supervise() {
        int consecutiveFailures = 0;
        boolean first = true;
        boolean looping = false;
        while (!closed) {
            if (!first) {
                reconnects.incrementAndGet();
            }
            first = false;
            Session s = new Session(looping);
            current = s;
            s.thread.start();
            boolean abandoned = false;
            while (s.thread.isAlive() && !closed) {
                try {
                    s.thread.join(250);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                long since = s.busySince;
                if (since != 0 && System.nanoTime() - since > options.watchdogS() * 1e9) {
                    abandoned = true;
                    s.abandon();
                    watchdogResets.incrementAndGet();
                    String what = s.reader == null ? "opening" : "reading a frame";
                    error(String.format("%s: stuck %s for more than %.1f s; abandoning it and reconnecting",
                            id, what, options.watchdogS()));
                    break;
                }
            }
            connected = false;
            if (closed) {
                break;
            }
            if (s.endOfStream && factory.finite()) {
                if (options.loop() && s.frames > 0) {
                    first = true; // a looped file starts again: not a reconnect
                    looping = true;
                    continue;
                }
                queue.end();
                return;
            }
            looping = false;
            if (s.frames > 0) {
                consecutiveFailures = 0;
                backoff.reset();
            } else {
                consecutiveFailures++;
                openFailures.incrementAndGet();
            }
            if (s.endOfStream && !abandoned) {
                error(id + ": stream ended (" + factory.describe() + "); reconnecting");
            }
            if (options.maxAttempts() > 0 && consecutiveFailures >= options.maxAttempts()) {
                String msg = id + ": gave up after " + consecutiveFailures + " failed attempts to open "
                        + factory.describe() + ": " + lastError.get();
                queue.fail(new LiveSourceException(msg));
                return;
            }
            if (abandoned) {
                continue; // a hung camera gets a fresh session at once
            }
            long delay = backoff.next().toMillis();
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void error(String msg) {
        if (!msg.equals(lastError.getAndSet(msg))) {
            Logger.warn(msg);
        } else {
            Logger.debug(msg);
        }
    }

    /** One connection: a reader and the thread that owns it. */
    private final class Session {
        final Thread thread = new Thread(this::run, "capture-" + id);
        volatile long busySince;
        volatile FrameReader reader;
        volatile boolean abandoned;
        volatile boolean endOfStream;
        volatile long frames;
        final boolean quiet;

        Session(boolean quiet) {
            this.quiet = quiet;
            thread.setDaemon(true);
        }

        void abandon() {
            abandoned = true;
            FrameReader r = reader;
            if (r != null) {
                r.abort();
            }
            thread.interrupt();
        }

        private void run() {
            FrameReader r = null;
            try {
                busySince = System.nanoTime();
                r = factory.open();
                reader = r;
                busySince = 0;
                if (abandoned || closed) {
                    return;
                }
                connected = true;
                if (quiet) {
                    Logger.debug("{}: looping {}", id, factory.describe());
                } else {
                    Logger.info("{}: capturing from {}", id, factory.describe());
                }
                while (!abandoned && !closed) {
                    VideoFrame buf = queue.acquire();
                    busySince = System.nanoTime();
                    boolean ok = r.read(buf);
                    busySince = 0;
                    if (abandoned || closed) {
                        queue.recycle(buf);
                        return;
                    }
                    if (!ok) {
                        queue.recycle(buf);
                        endOfStream = true;
                        return;
                    }
                    long now = System.nanoTime();
                    if (!r.hasTimestamps()) {
                        buf.timestampMicros = (now - startNanos) / 1000;
                    }
                    buf.wallTimeMicros = System.currentTimeMillis() * 1000;
                    buf.index = captured.getAndIncrement();
                    frames++;
                    if (!queue.publish(buf)) {
                        return;
                    }
                }
            } catch (IOException | RuntimeException e) {
                busySince = 0;
                if (!abandoned && !closed) {
                    error(id + ": " + e.getMessage());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                busySince = 0;
                if (r != null) {
                    r.close();
                }
            }
        }
    }

    /** Stops capturing: ends the queue, aborts and releases the current session. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        queue.end();
        Session s = current;
        supervisor.interrupt();
        if (s != null) {
            FrameReader r = s.reader;
            if (r != null) {
                r.abort();
            }
            s.thread.interrupt();
            try {
                s.thread.join(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            supervisor.join(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The source gave up for good (an unreadable input: exit code 3 from the command line). */
    public static final class LiveSourceException extends UnreadableInputException {
        private static final long serialVersionUID = 1L;

        public LiveSourceException(String message) {
            super(message);
        }
    }
}
