package org.crackcam.capture;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

import org.crackcam.pipeline.CrackcamException;

/**
 * Decodes ahead on its own thread ("decode-ahead") so that decoding frame N+1 overlaps the
 * inference of frame N. Wraps another source, which from then on is used only by that thread.
 * Holds at most {@code depth} decoded frames (bounded queue; frames are never dropped: the
 * decoder waits). Buffers are recycled through a second queue, so the steady state allocates
 * nothing; {@link #next} hands a frame over by swapping pixel arrays with the caller's
 * {@link VideoFrame} (no copy), so the caller's {@code bgr} array changes identity from frame to
 * frame and its previous array is reused by the decoder. ({@code replay} and {@code bench} use
 * {@link org.crackcam.inference.PackingPrefetcher} instead, which also packs the tiles there.) A failure of the wrapped source is rethrown by {@link #next} after the frames decoded
 * before it.
 */
public final class PrefetchingFrameSource implements FrameSource {

    private static final VideoFrame END = new VideoFrame();

    private final FrameSource inner;
    private final BlockingQueue<VideoFrame> full;
    private final BlockingQueue<VideoFrame> empty;
    private final Thread thread;
    private volatile RuntimeException failure;
    private volatile boolean closed;
    private boolean ended;

    public PrefetchingFrameSource(FrameSource inner, int depth) {
        this.inner = inner;
        this.full = new ArrayBlockingQueue<>(depth + 1);
        this.empty = new ArrayBlockingQueue<>(depth);
        for (int i = 0; i < depth; i++) {
            empty.add(new VideoFrame());
        }
        this.thread = new Thread(this::decodeLoop, "decode-" + inner.id());
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void decodeLoop() {
        try {
            while (!closed) {
                VideoFrame f = empty.take();
                boolean more;
                try {
                    more = inner.next(f);
                } catch (RuntimeException e) {
                    failure = e;
                    more = false;
                }
                if (!more) {
                    full.put(END);
                    return;
                }
                full.put(f);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String id() {
        return inner.id();
    }

    @Override
    public boolean next(VideoFrame frame) {
        if (ended) {
            return false;
        }
        VideoFrame f;
        try {
            f = full.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrackcamException(CrackcamException.Kind.INTERNAL, "interrupted while waiting for a frame", e);
        }
        if (f == END) {
            ended = true;
            if (failure != null) {
                throw failure;
            }
            return false;
        }
        // Hand the decoded pixels over by swapping arrays (no copy): the caller's previous array
        // goes back to the decoder, which overwrites it only after this call, as before.
        byte[] previous = frame.bgr;
        frame.bgr = f.bgr;
        frame.width = f.width;
        frame.height = f.height;
        f.bgr = previous;
        frame.index = f.index;
        frame.timestampMicros = f.timestampMicros;
        frame.decodeNanos = f.decodeNanos;
        empty.add(f);
        return true;
    }

    @Override
    public double frameRate() {
        return inner.frameRate();
    }

    @Override
    public long durationMicros() {
        return inner.durationMicros();
    }

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
    }
}
