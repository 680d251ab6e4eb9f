package org.crackcam.capture;

/**
 * A reusable frame buffer: a {@link FrameSource} fills it in place, so the steady state
 * allocates nothing. {@link #bgr} is row-major BGR, 3 bytes per pixel, no padding; its array is
 * replaced when the frame size grows (read {@code bgr} after each {@code next}, do not keep it).
 *
 * <p>The one frame type: file sources, camera readers and the live frame queue all fill it. Not
 * thread-safe: owned by one thread at a time (a queue or a {@code PackedFrame} slot hands it over).
 */
public final class VideoFrame {
    /** Frame pixels, {@code width * height * 3} bytes used (the array may be larger). */
    public byte[] bgr = new byte[0];
    public int width;
    public int height;
    /** Index of the frame in its source (0-based, counting every decoded frame). */
    public long index;
    /** Presentation time in the source, microseconds. */
    public long timestampMicros;
    /**
     * UTC wall-clock time of capture, microseconds since the epoch; 0 when the source does not know
     * it (files: the loop uses the time of processing).
     */
    public long wallTimeMicros;
    /** Where the vehicle was at this frame, when the source knows it (the service's camera loop). */
    public java.util.Optional<org.crackcam.pipeline.Position> position = java.util.Optional.empty();
    /** Time the source spent decoding this frame (and any frames it skipped), nanoseconds. */
    public long decodeNanos;

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
