package org.crackcam.capture;

import java.nio.file.Files;
import java.nio.file.Path;

import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.tinylog.Logger;

/**
 * Frames from a video file (MP4/MKV, H.264/H.265, anything FFmpeg decodes) through JavaCV's
 * {@link FFmpegFrameGrabber}, converted to BGR24 and copied into the caller's reused
 * {@link VideoFrame}.
 *
 * <p>A file that ends before its container's stated duration (a truncated recording), or a
 * decode error that stops the decoder, ends the stream with an {@link UnreadableInputException}; the frames delivered before it stay valid.
 *
 * <p>Damage the decoder gets past (a corrupt stretch mid-file: FFmpeg conceals it and goes on) is
 * counted, not hidden: every frame during whose decoding FFmpeg reported an error is one decode
 * error ({@link #decodeErrors()}, with the first message in {@link #firstDecodeError()}). FFmpeg's
 * messages are caught by one process-wide log callback and attributed to the thread that was
 * decoding (this source decodes on the caller's thread: one decoder thread); nothing is printed.
 */
public final class FileFrameSource implements FrameSource {

    static {
        // FFmpeg's own console messages would break the one-line error rule: errors go to DecodeLog.
        DecodeLog.install();
    }

    /** Routes FFmpeg's log into the counting, printing-nothing callback (any FFmpeg user in the process). */
    public static void quietFfmpegLog() {
        DecodeLog.install();
    }

    /**
     * FFmpeg's log, counted per thread: messages at error level or worse raise the calling
     * thread's count. Printing nothing; installed once per process.
     */
    static final class DecodeLog extends org.bytedeco.ffmpeg.avutil.LogCallback {
        private static final DecodeLog INSTANCE = new DecodeLog(); // strongly held: native code calls it
        private static final ThreadLocal<long[]> COUNT = ThreadLocal.withInitial(() -> new long[1]);
        private static final ThreadLocal<String[]> LAST = ThreadLocal.withInitial(() -> new String[1]);
        private static boolean installed;

        static synchronized void install() {
            if (!installed) {
                avutil.av_log_set_level(avutil.AV_LOG_ERROR);
                avutil.setLogCallback(INSTANCE);
                installed = true;
            }
        }

        @Override
        public void call(int level, org.bytedeco.javacpp.BytePointer msg) {
            if (level <= avutil.AV_LOG_ERROR) {
                COUNT.get()[0]++;
                LAST.get()[0] = msg == null ? "" : msg.getString().trim();
            }
        }

        /** Error messages FFmpeg logged on this thread so far. */
        static long count() {
            return COUNT.get()[0];
        }

        static String last() {
            String s = LAST.get()[0];
            return s == null ? "" : s;
        }
    }

    private final Path path;
    private final FFmpegFrameGrabber grabber;
    private final FrameSelector.State selector;
    private final long durationMicros;
    private final double frameRate;
    private long decoded;
    private long lastTimestamp = -1;
    private long decodeErrors;
    private String firstDecodeError;
    private boolean closed;

    private FileFrameSource(Path path, FFmpegFrameGrabber grabber, FrameSelector selector) {
        this.path = path;
        this.grabber = grabber;
        this.selector = selector.newState();
        this.durationMicros = duration(grabber);
        this.frameRate = grabber.getFrameRate();
    }

    /** Container duration, else the video stream's (the MP4 demuxer may report only the latter). */
    private static long duration(FFmpegFrameGrabber g) {
        long d = g.getLengthInTime();
        if (d > 0) {
            return d;
        }
        var st = g.getFormatContext().streams(g.getVideoStream());
        if (st != null && st.duration() > 0 && st.time_base().den() > 0) {
            return st.duration() * 1_000_000L * st.time_base().num() / st.time_base().den();
        }
        return -1;
    }

    /**
     * FFmpeg decoder threads used by {@link #open(Path, FrameSelector)}: one. The runtime decodes
     * on its own thread ahead of inference ({@link org.crackcam.inference.PackingPrefetcher}, which
     * also cuts and packs the tiles there), and ONNX Runtime's
     * threads want the remaining cores; FFmpeg's automatic choice (frame threads = cores + 1)
     * would compete with them and adds hand-over work of its own.
     */
    public static final int DEFAULT_DECODER_THREADS = 1;

    /** Opens a video file; throws INPUT naming the problem for a missing or unreadable file. */
    public static FileFrameSource open(Path path, FrameSelector selector) {
        return open(path, selector, DEFAULT_DECODER_THREADS);
    }

    /**
     * Opens a video file decoding with {@code decoderThreads} FFmpeg threads (0: FFmpeg's
     * automatic choice); throws INPUT naming the problem for a missing or unreadable file.
     */
    public static FileFrameSource open(Path path, FrameSelector selector, int decoderThreads) {
        if (decoderThreads < 0) {
            throw new IllegalArgumentException("decoder threads must be >= 0, got " + decoderThreads);
        }
        if (!Files.exists(path)) {
            throw new UnreadableInputException("video " + path + ": file not found");
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new UnreadableInputException("video " + path + ": not a readable file");
        }
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(path.toFile());
        g.setVideoOption("threads", Integer.toString(decoderThreads)); // overrides JavaCV's thread_count 0 (auto)
        try {
            FrameGrabbing.start(g, false); // no audio needed
        } catch (FrameGrabbing.NoVideoStream e) {
            throw new UnreadableInputException("video " + path + ": has no video stream");
        } catch (java.io.IOException e) {
            throw new UnreadableInputException("video " + path
                    + ": not a readable video (not a video file, or truncated/corrupt): " + e.getMessage(), e);
        }
        Logger.debug("opened {}: {}x{} {} fps, {} s, codec {}", path, g.getImageWidth(), g.getImageHeight(),
                g.getFrameRate(), g.getLengthInTime() / 1e6, g.getVideoCodecName());
        return new FileFrameSource(path, g, selector);
    }


    @Override
    public String id() {
        return path.getFileName().toString();
    }

    @Override
    public double frameRate() {
        return frameRate;
    }

    @Override
    public long durationMicros() {
        return durationMicros;
    }

    /**
     * Frames during whose decoding FFmpeg reported an error (damage it concealed and got past);
     * 0 for an intact file. Counted over every decoded frame, kept or not by the selector.
     */
    public long decodeErrors() {
        return decodeErrors;
    }

    /** Where and what the first decode error was ("frame 120 (8.00 s): …"), or null when none. */
    public String firstDecodeError() {
        return firstDecodeError;
    }

    /** Frames decoded so far (kept or not by the selector). */
    public long decoded() {
        return decoded;
    }

    /** Frame width in pixels. */
    public int width() {
        return grabber.getImageWidth();
    }

    /** Frame height in pixels. */
    public int height() {
        return grabber.getImageHeight();
    }

    @Override
    public boolean next(VideoFrame frame) {
        if (closed) {
            throw new IllegalStateException("frame source " + path + " is closed");
        }
        long t0 = System.nanoTime();
        while (true) {
            Frame f;
            long errorsBefore = DecodeLog.count();
            try {
                f = grabber.grabImage();
                if (DecodeLog.count() != errorsBefore) {
                    decodeErrors++;
                    if (firstDecodeError == null) {
                        firstDecodeError = "frame " + decoded + " (" + formatSeconds(lastTimestamp) + "): "
                                + DecodeLog.last();
                    }
                }
            } catch (FrameGrabber.Exception | RuntimeException e) {
                throw new UnreadableInputException("video " + path + ": decode error after frame "
                        + decoded + " (" + formatSeconds(lastTimestamp) + "): " + FrameGrabbing.firstLine(e.getMessage()), e);
            }
            if (f == null || f.image == null) {
                checkComplete();
                return false;
            }
            long index = decoded++;
            long ts = f.timestamp;
            lastTimestamp = ts;
            if (!selector.keep(index, ts)) {
                continue;
            }
            copy(f, frame);
            frame.index = index;
            frame.timestampMicros = ts;
            frame.decodeNanos = System.nanoTime() - t0;
            return true;
        }
    }

    /** A stream that stops well short of its stated duration was truncated. */
    private void checkComplete() {
        if (durationMicros <= 0 || decoded == 0 && durationMicros <= 0) {
            return;
        }
        double fr = frameRate > 0 ? frameRate : 25;
        long slack = (long) (3 * 1e6 / fr);
        if (decoded == 0 || lastTimestamp + slack < durationMicros) {
            throw new UnreadableInputException("video " + path + ": truncated or corrupt: "
                    + "decoding stopped at " + formatSeconds(lastTimestamp) + " of " + formatSeconds(durationMicros)
                    + " after " + decoded + " frames");
        }
    }

    private static String formatSeconds(long micros) {
        return micros < 0 ? "the start" : String.format("%.2f s", micros / 1e6);
    }

    private static void copy(Frame f, VideoFrame out) {
        try {
            FrameGrabbing.copy(f, out);
        } catch (IllegalArgumentException e) {
            throw new UnreadableInputException(e.getMessage());
        }
    }

    private static void closeQuietly(FFmpegFrameGrabber g) {
        try {
            g.close();
        } catch (Exception e) {
            Logger.debug(e, "closing grabber");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(grabber);
    }
}
