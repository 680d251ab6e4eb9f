package org.crackcam.service;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.crackcam.report.ProcessMemory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Soak: the whole service (real detector, CPU) on a looped synthetic replay for
 * {@code -Dsoak.seconds} (default 180), sampling resident memory (VmRSS) and the process's thread count
 * every 5 s. After a warm-up of a third of the run, growth from the first to the last post-warm-up
 * window must stay under 5 %. Prints the samples and the figures.
 *
 * <p>Run: {@code nice -n 10 mvn -B -o test -Dgroups=benchmark -DexcludedGroups=none
 * -Dtest=ServiceSoakBenchmark -Dsoak.seconds=180} (needs the pom's surefire {@code excludedGroups} to
 * be overridable), or without Maven's test runner:
 * {@code java -cp target/test-classes:target/classes:$(cat target/test-classpath.txt)
 * org.crackcam.service.ServiceSoakBenchmark 180}.
 */
@Tag("benchmark")
class ServiceSoakBenchmark {

    @TempDir
    Path dir;

    /** One sample of the process. */
    record Sample(double t, double rssMiB, int threads, long processed) {
    }

    @Test
    void residentMemoryAndThreadsStayFlat() throws Exception {
        assumeTrue(Files.isDirectory(ServiceRunnerTest.BUNDLE), "no model bundle");
        soak(dir, Integer.getInteger("soak.seconds", 180));
    }

    /** Threads of the whole process (JVM, ONNX Runtime, FFmpeg), from /proc/self/status. */
    static int osThreads() throws java.io.IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("Threads:")) {
                return Integer.parseInt(l.substring(8).trim());
            }
        }
        return -1;
    }

    /** Runs the soak outside JUnit: {@code ServiceSoakBenchmark [SECONDS]}. */
    public static void main(String[] args) throws Exception {
        Path tmp = Files.createTempDirectory("crackcam-soak");
        soak(tmp, args.length > 0 ? Integer.parseInt(args[0]) : 180);
        System.exit(0);
    }

    static void soak(Path dir, int seconds) throws Exception {
        Path video = ServiceRunnerTest.video(dir, Integer.getInteger("soak.video.seconds", 10));
        Path cfg = dir.resolve("soak.yaml");
        Files.writeString(cfg, String.join("\n",
                "device:", "  id: soak",
                "camera:", "  kind: file", "  url: " + video, "  loop: true",
                "model:", "  bundle: " + ServiceRunnerTest.BUNDLE, "  threads: 1", "  state_dir: state",
                "sampling:", "  mode: every_frames", "  every_frames: 2",
                "mqtt:", "  enabled: false", "outbox:", "  dir: outbox",
                "health:", "  enabled: false", ""));
        List<Sample> samples = new ArrayList<>();
        try (ServiceRunner service = ServiceRunner.open(ConfigLoader.load(cfg))) {
            Thread loop = new Thread(() -> {
                try {
                    service.run();
                } catch (InterruptedException ignored) {
                    // stopped
                }
            }, "soak-service");
            loop.start();
            long t0 = System.nanoTime();
            while ((System.nanoTime() - t0) / 1e9 < seconds) {
                Thread.sleep(5000);
                samples.add(new Sample((System.nanoTime() - t0) / 1e9, ProcessMemory.read().rssMiB(),
                        osThreads(), service.metrics().processed()));
            }
            service.requestStop();
            loop.join(20_000);
        }
        System.out.println("soak: t_s rss_MiB threads frames_processed");
        for (Sample s : samples) {
            System.out.printf("soak: %6.1f %8.1f %4d %8d%n", s.t(), s.rssMiB(), s.threads(), s.processed());
        }
        int warm = samples.size() / 3;
        int w = Math.max(1, (samples.size() - warm) / 4);
        List<Sample> after = samples.subList(warm, samples.size());
        double first = after.subList(0, w).stream().mapToDouble(Sample::rssMiB).average().orElseThrow();
        double last = after.subList(after.size() - w, after.size()).stream().mapToDouble(Sample::rssMiB).average()
                .orElseThrow();
        int thrFirst = after.get(0).threads();
        int thrMax = after.stream().mapToInt(Sample::threads).max().orElseThrow();
        double growth = (last - first) / first;
        Sample end = samples.get(samples.size() - 1);
        System.out.printf("soak: %d s, %d frames processed (%.1f fps), RSS after warm-up %.1f MiB -> %.1f MiB "
                        + "(growth %+.2f %%), threads %d -> max %d%n", seconds, end.processed(),
                end.processed() / end.t(), first, last, 100 * growth, thrFirst, thrMax);
        if (!(growth < 0.05) || thrMax > thrFirst + 2) {
            throw new AssertionError(String.format("soak failed: RSS growth %+.2f %%, threads %d -> %d",
                    100 * growth, thrFirst, thrMax));
        }
    }
}
