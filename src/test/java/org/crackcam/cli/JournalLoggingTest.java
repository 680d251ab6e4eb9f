package org.crackcam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.crackcam.bundle.TestBundles;
import org.crackcam.capture.TestVideos;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tinylog.Level;

/**
 * The CLI as a child JVM (logging is configured once per process): with --log-format=journal
 * every log line carries a syslog priority, and a TensorRT request on this CPU-only build logs
 * exactly one line naming the provider in use.
 */
class JournalLoggingTest {

    @Test
    void priorities() {
        assertEquals(3, JournalWriter.priority(Level.ERROR));
        assertEquals(4, JournalWriter.priority(Level.WARN));
        assertEquals(6, JournalWriter.priority(Level.INFO));
        assertEquals(7, JournalWriter.priority(Level.DEBUG));
    }

    @Test
    void journalFormatAndProviderFallbackLine(@TempDir Path tmp) throws Exception {
        Path video = TestVideos.ffmpeg(tmp.resolve("v.mp4"), "-f", "lavfi", "-i", "testsrc=size=960x540:rate=15",
                "-t", "0.2", "-c:v", "libx264", "-pix_fmt", "yuv420p");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                "org.crackcam.cli.Main", "--log-format=journal", "replay", video.toString(), "--out",
                tmp.resolve("out").toString(), "--bundle", TestBundles.EDGE_SYNTHETIC.toString(),
                "--provider", "tensorrt", "--threads", "1", "--no-progress", "--no-alerts")).start();
        String out = new String(p.getInputStream().readAllBytes());
        String err = new String(p.getErrorStream().readAllBytes());
        assertEquals(0, p.waitFor(), err);
        System.out.println(err);
        List<String> logLines = err.lines().filter(l -> !l.isBlank()).toList();
        assertTrue(logLines.stream().allMatch(l -> l.matches("<[3-7]>.*")), "every log line has a priority: " + err);
        List<String> provider = logLines.stream().filter(l -> l.contains("execution provider")).toList();
        assertEquals(1, provider.size(), err);
        assertTrue(provider.get(0).startsWith("<4>ONNX Runtime execution provider: cpu (requested tensorrt; tensorrt, cuda not in"),
                provider.get(0));
        assertTrue(out.contains("frames"), out);
    }
}
