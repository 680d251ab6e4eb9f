package org.crackcam.capture.live;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;

import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/**
 * Frames through JavaCV's {@link FFmpegFrameGrabber}: V4L2 devices (format {@code video4linux2}),
 * RTSP (TCP transport, socket {@code timeout} in microseconds) and files (replays), decoded to BGR24
 * and, when a size is set, scaled by FFmpeg. The grabber is owned by this reader and used only by
 * the capture thread (JavaCV's grab and release are synchronized on it, so the watchdog cannot
 * release it; a stuck reader is abandoned instead and releases itself when grab returns).
 */
public final class FfmpegReader implements FrameReader {

    static {
        org.crackcam.capture.FileFrameSource.quietFfmpegLog();
    }

    /** What to open and how. */
    public record Spec(Kind kind, String url, int width, int height, double fps, String pixelFormat,
                       double ioTimeoutS, boolean realtime) {
    }

    /** FFmpeg input kinds. */
    public enum Kind { V4L2, RTSP, FILE }

    private final Spec spec;
    private final FFmpegFrameGrabber grabber;
    private long firstPts = Long.MIN_VALUE;
    private long firstNanos;

    private FfmpegReader(Spec spec, FFmpegFrameGrabber grabber) {
        this.spec = spec;
        this.grabber = grabber;
    }

    /** The FFmpeg options given to {@code avformat_open_input} for a spec (pinned by tests). */
    public static Map<String, String> options(Spec spec) {
        return switch (spec.kind()) {
            case RTSP -> Map.of("rtsp_transport", "tcp",
                    "timeout", Long.toString(Math.round(spec.ioTimeoutS() * 1_000_000)));
            case V4L2 -> spec.pixelFormat().isEmpty() ? Map.of() : Map.of("input_format", spec.pixelFormat());
            case FILE -> Map.of();
        };
    }

    public static Factory factory(Spec spec) {
        return new Factory() {
            @Override
            public FrameReader open() throws IOException {
                return FfmpegReader.open(spec);
            }

            @Override
            public String describe() {
                return spec.kind().name().toLowerCase() + " " + redact(spec.url());
            }

            @Override
            public boolean finite() {
                return spec.kind() == Kind.FILE;
            }
        };
    }

    /** The URL with any user:password removed. */
    public static String redact(String url) {
        return url.replaceAll("(?<=://)[^/@]*@", "***@");
    }

    static FfmpegReader open(Spec spec) throws IOException {
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(spec.url());
        if (spec.kind() == Kind.V4L2) {
            g.setFormat("video4linux2");
        }
        options(spec).forEach(g::setOption);
        if (spec.width() > 0 && spec.height() > 0) {
            g.setImageWidth(spec.width());
            g.setImageHeight(spec.height());
        }
        if (spec.fps() > 0 && spec.kind() == Kind.V4L2) {
            g.setFrameRate(spec.fps());
        }
        g.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
        try {
            g.start();
        } catch (FrameGrabber.Exception | RuntimeException e) {
            release(g);
            throw new IOException("cannot open " + spec.kind().name().toLowerCase() + " " + redact(spec.url())
                    + ": " + firstLine(e.getMessage()), e);
        }
        if (g.getImageWidth() <= 0 || g.getImageHeight() <= 0) {
            release(g);
            throw new IOException(redact(spec.url()) + ": no video stream");
        }
        return new FfmpegReader(spec, g);
    }

    @Override
    public boolean read(LiveFrame into) throws IOException {
        Frame f;
        try {
            f = grabber.grabImage();
        } catch (FrameGrabber.Exception | RuntimeException e) {
            throw new IOException(redact(spec.url()) + ": " + firstLine(e.getMessage()), e);
        }
        if (f == null || f.image == null) {
            return false;
        }
        int w = f.imageWidth;
        int h = f.imageHeight;
        into.ensureSize(w, h);
        ByteBuffer buf = (ByteBuffer) f.image[0];
        int stride = f.imageStride;
        int row = w * 3;
        if (stride == row) {
            buf.get(0, into.bgr, 0, row * h);
        } else {
            for (int y = 0; y < h; y++) {
                buf.get(y * stride, into.bgr, y * row, row);
            }
        }
        into.timestampMicros = f.timestamp;
        if (spec.realtime()) {
            pace(f.timestamp);
        }
        return true;
    }

    /** Sleeps so that frames come out at the file's own rate. */
    private void pace(long pts) throws IOException {
        if (firstPts == Long.MIN_VALUE) {
            firstPts = pts;
            firstNanos = System.nanoTime();
            return;
        }
        long due = firstNanos + (pts - firstPts) * 1000;
        long wait = due - System.nanoTime();
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
    }

    @Override
    public boolean hasTimestamps() {
        return spec.kind() == Kind.FILE;
    }

    @Override
    public void close() {
        release(grabber);
    }

    private static void release(FFmpegFrameGrabber g) {
        try {
            g.release();
        } catch (FrameGrabber.Exception | RuntimeException ignored) {
            // nothing more can be done with a grabber that fails to release
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "FFmpeg error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
