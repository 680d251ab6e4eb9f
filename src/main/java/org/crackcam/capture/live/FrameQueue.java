package org.crackcam.capture.live;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.crackcam.capture.VideoFrame;

/**
 * The hand-over between one capture thread and the frame loop: at most {@code capacity} (1 or 2)
 * ready frames. In {@code dropOldest} mode (cameras) a frame arriving at a full queue pushes out the
 * oldest ready one, which is counted as dropped: the loop always gets the newest frames and never
 * a growing backlog. Otherwise (file replays) the producer waits for room.
 *
 * <p>Buffers are recycled: the producer {@link #acquire()}s a buffer, fills it and
 * {@link #publish}es it; the consumer's {@link #take} copies the frame out and recycles the buffer.
 */
public final class FrameQueue {

    private final int capacity;
    private final boolean dropOldest;
    private final ArrayDeque<VideoFrame> ready = new ArrayDeque<>();
    private final ArrayDeque<VideoFrame> free = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private boolean ended;
    private long lastWallTimeMicros;
    private RuntimeException failure;

    public FrameQueue(int capacity, boolean dropOldest) {
        if (capacity < 1 || capacity > 2) {
            throw new IllegalArgumentException("queue capacity must be 1 or 2, got " + capacity);
        }
        this.capacity = capacity;
        this.dropOldest = dropOldest;
    }

    /** A buffer to fill (recycled when possible). Producer thread. */
    public VideoFrame acquire() {
        lock.lock();
        try {
            VideoFrame f = free.pollFirst();
            return f != null ? f : new VideoFrame();
        } finally {
            lock.unlock();
        }
    }

    /** Gives back a buffer that was acquired but not published. */
    public void recycle(VideoFrame f) {
        lock.lock();
        try {
            if (free.size() < capacity + 2) {
                free.addLast(f);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Hands a filled frame to the consumer. Drops the oldest ready frame when full (dropOldest), or
     * waits for room.
     *
     * @return false when the queue was ended meanwhile (the frame is discarded)
     */
    public boolean publish(VideoFrame f) throws InterruptedException {
        lock.lock();
        try {
            while (!dropOldest && ready.size() >= capacity && !ended) {
                notFull.await();
            }
            if (ended) {
                free.addLast(f);
                return false;
            }
            if (ready.size() >= capacity) {
                free.addLast(ready.pollFirst());
                dropped.incrementAndGet();
            }
            ready.addLast(f);
            published.incrementAndGet();
            notEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Copies the oldest ready frame into {@code dst} (pixels, index, presentation time), waiting up
     * to the timeout; its capture wall time is then {@link #lastWallTimeMicros()}.
     *
     * @return true with a frame; false on timeout or after {@link #end()} with nothing ready
     * @throws RuntimeException the failure given to {@link #fail} once the ready frames are used up
     */
    public boolean take(VideoFrame dst, long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try {
            while (ready.isEmpty()) {
                if (failure != null) {
                    throw failure;
                }
                if (ended || nanos <= 0) {
                    return false;
                }
                nanos = notEmpty.awaitNanos(nanos);
            }
            VideoFrame f = ready.pollFirst();
            dst.ensureSize(f.width, f.height);
            System.arraycopy(f.bgr, 0, dst.bgr, 0, f.byteCount());
            dst.index = f.index;
            dst.timestampMicros = f.timestampMicros;
            dst.wallTimeMicros = f.wallTimeMicros;
            lastWallTimeMicros = f.wallTimeMicros;
            free.addLast(f);
            notFull.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** No more frames will come; the consumer drains what is ready, then sees the end. */
    public void end() {
        lock.lock();
        try {
            ended = true;
            notEmpty.signalAll();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The source failed for good; the consumer gets {@code e} after the ready frames. */
    public void fail(RuntimeException e) {
        lock.lock();
        try {
            failure = e;
            ended = true;
            notEmpty.signalAll();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public boolean ended() {
        lock.lock();
        try {
            return ended && ready.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** UTC capture time of the frame last returned by {@link #take} (consumer thread). */
    public long lastWallTimeMicros() {
        return lastWallTimeMicros;
    }

    /** Frames pushed out unprocessed because a newer one arrived. */
    public long dropped() {
        return dropped.get();
    }

    public long published() {
        return published.get();
    }

    public int capacity() {
        return capacity;
    }
}
