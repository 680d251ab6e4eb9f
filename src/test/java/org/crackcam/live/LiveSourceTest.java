package org.crackcam.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.crackcam.capture.live.FfmpegReader;
import org.crackcam.capture.live.FrameReader;
import org.crackcam.capture.live.GstPipeReader;
import org.crackcam.capture.live.LiveSource;
import org.crackcam.capture.VideoFrame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Live sources against real processes: an RTSP server, gst-launch, a stalling child. */
class LiveSourceTest {

    @TempDir
    Path dir;

    static LiveSource.Options opts(double watchdogS, int maxAttempts) {
        return new LiveSource.Options(100, 1000, 0.2, watchdogS, maxAttempts, 1, true, false);
    }

    @Test
    void rtspOptionsUseTcpAndTimeoutInMicroseconds() {
        var spec = new FfmpegReader.Spec(FfmpegReader.Kind.RTSP, "rtsp://u:p@cam/x", 0, 0, 0, "", 2.5, false);
        assertEquals(Map.of("rtsp_transport", "tcp", "timeout", "2500000"), FfmpegReader.options(spec));
        assertFalse(FfmpegReader.options(spec).containsKey("stimeout"), "gone in FFmpeg 7");
        assertEquals("rtsp://***@cam/x", FfmpegReader.redact(spec.url()));
    }

    @Test
    void rtspCameraIsReadAndReconnectsAfterTheServerRestarts() throws Exception {
        assumeTrue(LiveTestSupport.onPath("ffmpeg") && LiveTestSupport.rtspServerAvailable(),
                "ffmpeg or gst-rtsp-server (gir1.2-gst-rtsp-server-1.0) missing");
        Path video = LiveTestSupport.syntheticVideo(dir, 60, 320, 240, 15);
        int port = LiveTestSupport.freePort();
        String url = "rtsp://127.0.0.1:" + port + "/live";
        Process server = LiveTestSupport.startRtspServer(port, video);
        var spec = new FfmpegReader.Spec(FfmpegReader.Kind.RTSP, url, 0, 0, 0, "", 2.0, false);
        try (LiveSource src = new LiveSource("cam0", FfmpegReader.factory(spec), opts(8, 0)).start()) {
            VideoFrame f = new VideoFrame();
            int got = 0;
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (got < 10 && System.nanoTime() < deadline) {
                if (src.next(f, 1, TimeUnit.SECONDS)) {
                    got++;
                }
            }
            assertEquals(10, got, "frames over RTSP; last error: " + src.lastError());
            assertEquals(320, f.width);
            assertEquals(240, f.height);
            assertTrue(nonUniform(f), "decoded picture, not a blank buffer");
            assertEquals(0, src.reconnects());

            LiveTestSupport.kill(server);
            assertTrue(LiveTestSupport.await(() -> !src.connected(), 20_000), "loss noticed");
            // the source keeps retrying while the server is down
            assertTrue(LiveTestSupport.await(() -> src.reconnects() >= 2, 20_000));
            server = LiveTestSupport.startRtspServer(port, video);
            long before = src.captured();
            assertTrue(LiveTestSupport.await(() -> src.captured() >= before + 10, 40_000),
                    "frames again after the restart; last error: " + src.lastError());
            assertTrue(src.connected());
            assertTrue(src.reconnects() >= 2);
        } finally {
            LiveTestSupport.kill(server);
        }
    }

    private static boolean nonUniform(VideoFrame f) {
        byte first = f.bgr[0];
        for (int i = 0; i < f.width * f.height * 3; i++) {
            if (f.bgr[i] != first) {
                return true;
            }
        }
        return false;
    }

    @Test
    void gstreamerPipelineFramesOfKnownSizeThroughThePipe() throws Exception {
        assumeTrue(LiveTestSupport.onPath("gst-launch-1.0"), "gstreamer1.0-tools missing");
        List<String> cmd = GstPipeReader.gstCommand("gst-launch-1.0",
                "videotestsrc is-live=true pattern=smpte ! video/x-raw,framerate=30/1", 64, 48);
        try (LiveSource src = new LiveSource("csi0", GstPipeReader.factory(cmd, 64, 48), opts(5, 0)).start()) {
            VideoFrame f = new VideoFrame();
            for (int i = 0; i < 20; i++) {
                assertTrue(src.next(f, 10, TimeUnit.SECONDS), "frame " + i + ": " + src.lastError());
            }
            assertEquals(64, f.width);
            assertEquals(48, f.height);
            // SMPTE bars: the first bar (top-left) is white/grey, B = G = R, bright.
            int b = f.bgr[0] & 0xff;
            int g = f.bgr[1] & 0xff;
            int r = f.bgr[2] & 0xff;
            assertTrue(b >= 180 && Math.abs(b - g) < 8 && Math.abs(b - r) < 8,
                    "first bar is white/grey, got " + b + "," + g + "," + r);
            // rightmost top pixel: blue bar (BGR ≈ 191,0,0)
            int off = (64 - 1) * 3;
            assertTrue((f.bgr[off] & 0xff) > 150 && (f.bgr[off + 1] & 0xff) < 40 && (f.bgr[off + 2] & 0xff) < 40,
                    "last bar is blue");
            assertEquals(0, src.reconnects());
        }
    }

    @Test
    void rawPipeFromFfmpegAndANewestFrameQueueThatDrops() throws Exception {
        assumeTrue(LiveTestSupport.onPath("ffmpeg"), "ffmpeg missing");
        // 200 frames as fast as ffmpeg can write them; the consumer is slow and sees only the newest.
        List<String> cmd = List.of("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=32x24:rate=100",
                "-frames:v", "200", "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1");
        var options = new LiveSource.Options(100, 1000, 0.2, 10, 1, 1, true, false);
        try (LiveSource src = new LiveSource("pipe", GstPipeReader.factory(cmd, 32, 24, true), options).start()) {
            VideoFrame f = new VideoFrame();
            assertTrue(src.next(f, 10, TimeUnit.SECONDS));
            long first = f.index;
            Thread.sleep(1000); // everything arrives meanwhile; only the newest frame is kept
            assertTrue(LiveTestSupport.await(() -> src.captured() == 200, 10_000), "captured " + src.captured());
            assertTrue(src.next(f, 1, TimeUnit.SECONDS));
            assertEquals(199, f.index, "the newest frame, not a backlog");
            assertFalse(src.next(f, 1, TimeUnit.SECONDS), "a finite pipe ends");
            assertTrue(src.ended());
            assertEquals(200 - 2, src.dropped(), "all but the two taken were dropped and counted");
            assertTrue(first < 199);
        }
    }

    @Test
    void pipelineTokensFollowShellQuoting() {
        assertEquals(List.of("filesrc", "location=a b.mp4", "!", "decodebin"),
                GstPipeReader.tokens("filesrc location=\"a b.mp4\" ! decodebin"));
        assertEquals(List.of("video/x-raw(memory:NVMM),width=1920", "!", "nvvidconv"),
                GstPipeReader.tokens("  video/x-raw(memory:NVMM),width=1920  !\tnvvidconv "));
    }

    @Test
    void watchdogAbandonsACaptureStuckInRead() throws Exception {
        // One frame, then the child stalls without closing its pipe: a camera that hangs.
        int w = 8;
        int h = 4;
        List<String> cmd = List.of("/bin/sh", "-c", "head -c " + (w * h * 3) + " /dev/zero; exec sleep 600");
        var options = new LiveSource.Options(100, 500, 0, 1.0, 0, 1, true, false);
        try (LiveSource src = new LiveSource("hung", GstPipeReader.factory(cmd, w, h), options).start()) {
            VideoFrame f = new VideoFrame();
            assertTrue(src.next(f, 10, TimeUnit.SECONDS));
            assertTrue(LiveTestSupport.await(() -> src.watchdogResets() >= 1, 10_000), "watchdog fired");
            assertTrue(src.next(f, 10, TimeUnit.SECONDS), "a fresh session delivers again");
            assertTrue(src.lastError().contains("stuck reading a frame"), src.lastError());
        }
    }

    @Test
    void missingCameraGivesUpWithAClearMessageAfterMaxAttempts() throws Exception {
        var spec = new FfmpegReader.Spec(FfmpegReader.Kind.V4L2, "/dev/video-nonexistent", 640, 480, 30, "", 1, false);
        FrameReader.Factory factory = FfmpegReader.factory(spec);
        var options = new LiveSource.Options(10, 20, 0, 10, 3, 1, true, false);
        try (LiveSource src = new LiveSource("usb0", factory, options).start()) {
            VideoFrame f = new VideoFrame();
            RuntimeException e = assertThrows(RuntimeException.class, () -> {
                while (true) {
                    src.next(f, 10, TimeUnit.SECONDS);
                }
            });
            assertTrue(e.getMessage().startsWith("usb0: gave up after 3 failed attempts to open v4l2 "
                    + "/dev/video-nonexistent: usb0: cannot open v4l2 /dev/video-nonexistent"), e.getMessage());
            assertEquals(3, src.openFailures());
        }
    }
}
