package org.crackcam.capture.live;

/**
 * A reusable frame buffer passed between a capture thread and the frame loop. {@link #bgr} is
 * row-major BGR, 3 bytes per pixel, no padding; its array is replaced only when the frame grows.
 * Owned by one thread at a time (the queue hands it over).
 */
public final class LiveFrame {
    /** Frame pixels, {@code width * height * 3} bytes used (the array may be larger). */
    public byte[] bgr = new byte[0];
    public int width;
    public int height;
    /** Index of the frame since the source started (0-based, counting every captured frame). */
    public long index;
    /** Presentation time: the file's for file replays, capture time since start for cameras. */
    public long timestampMicros;
    /** UTC wall-clock time of capture, microseconds since the epoch. */
    public long wallTimeMicros;

    /** Makes room for a {@code w × h} frame. */
    public void ensureSize(int w, int h) {
        int n = Math.multiplyExact(Math.multiplyExact(w, h), 3);
        if (bgr.length < n) {
            bgr = new byte[n];
        }
        width = w;
        height = h;
    }

    /** Number of bytes of pixel data. */
    public int byteCount() {
        return width * height * 3;
    }
}
