package org.crackcam.live;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Helpers for tests with real child processes (ffmpeg, gst-launch, the RTSP server). */
final class LiveTestSupport {

    private LiveTestSupport() {
    }

    static boolean onPath(String exe) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, exe))) {
                return true;
            }
        }
        return false;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A synthetic H.264 test video (ffmpeg testsrc; labelled synthetic). */
    static Path syntheticVideo(Path dir, int seconds, int w, int h, int fps) throws Exception {
        Path out = dir.resolve("synthetic-testsrc-" + seconds + "s.mp4");
        run(List.of("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                "testsrc=size=" + w + "x" + h + ":rate=" + fps, "-t", Integer.toString(seconds),
                "-c:v", "libx264", "-preset", "ultrafast", "-g", Integer.toString(fps), "-pix_fmt", "yuv420p",
                out.toString()), 120);
        return out;
    }

    static void run(List<String> cmd, int timeoutS) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(timeoutS, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    /** The test RTSP server script (src/test/resources/live/rtsp_server.py) as a real file. */
    static Path serverScript() {
        return Path.of("src/test/resources/live/rtsp_server.py").toAbsolutePath();
    }

    static boolean rtspServerAvailable() {
        if (!Files.isExecutable(Path.of("/usr/bin/python3"))) {
            return false;
        }
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c",
                    "import gi; gi.require_version('GstRtspServer','1.0'); from gi.repository import GstRtspServer")
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    /** Starts the RTSP server and waits for its READY line. */
    static Process startRtspServer(int port, Path video) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/python3", serverScript().toString(), Integer.toString(port),
                video.toString()).redirectErrorStream(true).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        if (!"READY".equals(line)) {
            p.destroyForcibly();
            throw new IllegalStateException("RTSP server did not start: " + line);
        }
        Thread drain = new Thread(() -> {
            try {
                while (r.readLine() != null) {
                    // discard
                }
            } catch (IOException ignored) {
                // process ended
            }
        });
        drain.setDaemon(true);
        drain.start();
        return p;
    }

    static void kill(Process p) throws InterruptedException {
        if (p == null) {
            return;
        }
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    /** Polls a condition (the thing observed has no latch to wait on: another process). */
    static boolean await(Condition c, long timeoutMs) throws Exception {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (System.nanoTime() < deadline) {
            if (c.holds()) {
                return true;
            }
            Thread.sleep(50);
        }
        return c.holds();
    }
}
