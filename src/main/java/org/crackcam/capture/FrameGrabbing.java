package org.crackcam.capture;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/**
 * The frame-reader core that {@link FileFrameSource} and the cameras' {@code FfmpegReader} share:
 * starting a JavaCV grabber that decodes to BGR24, and copying a decoded frame into a
 * {@link VideoFrame} (row by row when FFmpeg pads the rows). Callers word their own errors.
 */
public final class FrameGrabbing {

    /** The grabber started but found no video stream. */
    public static final class NoVideoStream extends IOException {
        NoVideoStream() {
            super("no video stream");
        }
    }

    private FrameGrabbing() {
    }

    /**
     * Sets BGR24 output and starts {@code g} (with or without its audio); on failure releases it
     * and throws: {@link NoVideoStream}, or an IOException whose message is FFmpeg's first line.
     */
    public static void start(FFmpegFrameGrabber g, boolean audio) throws IOException {
        g.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
        try {
            g.start(audio);
        } catch (FrameGrabber.Exception | RuntimeException e) {
            release(g);
            throw new IOException(firstLine(e.getMessage()), e);
        }
        if (g.getImageWidth() <= 0 || g.getImageHeight() <= 0 || g.getVideoStream() < 0) {
            release(g);
            throw new NoVideoStream();
        }
    }

    /**
     * Copies a decoded BGR24 frame into {@code out} (sized to it), honouring the row stride.
     *
     * @throws IllegalArgumentException when the frame is not 3 channels of 8 bits
     */
    public static void copy(Frame f, VideoFrame out) {
        if (f.imageChannels != 3 || f.imageDepth != Frame.DEPTH_UBYTE) {
            throw new IllegalArgumentException("unexpected decoded frame format: " + f.imageChannels
                    + " channels, depth " + f.imageDepth);
        }
        int w = f.imageWidth;
        int h = f.imageHeight;
        out.ensureSize(w, h);
        ByteBuffer src = (ByteBuffer) f.image[0];
        int stride = f.imageStride;
        int row = w * 3;
        if (stride == row) {
            src.get(0, out.bgr, 0, row * h);
        } else {
            for (int y = 0; y < h; y++) {
                src.get(y * stride, out.bgr, y * row, row);
            }
        }
    }

    /** Releases a grabber, ignoring a failure (nothing more can be done with it). */
    public static void release(FFmpegFrameGrabber g) {
        try {
            g.release();
        } catch (FrameGrabber.Exception | RuntimeException ignored) {
            // a grabber that fails to release is left to the garbage collector
        }
    }

    /** The first line of an FFmpeg message ("FFmpeg error" when there is none). */
    public static String firstLine(String s) {
        if (s == null) {
            return "FFmpeg error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
