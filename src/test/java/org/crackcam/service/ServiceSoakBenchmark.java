package org.crackcam.service;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.crackcam.report.ProcessMemory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Soak: the whole service as {@code device-config/cpu-dev.yaml} runs it — real detector (CPU, one
 * thread), a file camera with {@code loop: true} and {@code realtime: true}, {@code target_fps}
 * sampling, outbox, health endpoint — for {@code -Dsoak.seconds} (default 180). Every 5 s it samples
 * resident memory (VmRSS), the process's thread count, frames processed, sampling re-bases (one
 * per loop of the file) and the {@code /healthz} status.
 *
 * <p>Pass criteria, after a warm-up of a sixth of the run (at least 60 s): (1) frames processed
 * grow linearly — the processed rate of each of six equal windows is within 15 % of their median
 * and at least half the target rate; (2) RSS of the last window's samples is less than 5 % above
 * the first window's; (3) the largest thread count of the last sixth is at most 4 above that of the
 * first (the JVM starts compiler and GC threads on demand; a leak of one thread per file loop would
 * show as hundreds); (4) {@code /healthz} was
 * 200 in every sample after warm-up. Prints the samples (one a minute) and the figures.
 *
 * <p>The video: {@code -Dsoak.video=PATH} (default the SYNTHETIC demo drive models/demo/drive.mp4,
 * 20 s at 15 fps, 960x540), target rate {@code -Dsoak.fps} (default 2).
 *
 * <p>Not in CI. Run: {@code nice -n 10 mvn -B -o test -Pbenchmark -Dtest=ServiceSoakBenchmark
 * -Dsoak.seconds=3600}, or without Maven's test runner, with the service unit's heap limit:
 * {@code java -Xmx768m -cp target/test-classes:target/classes:<dependency classpath>
 * org.crackcam.service.ServiceSoakBenchmark 3600}.
 */
@Tag("benchmark")
class ServiceSoakBenchmark {

    @TempDir
    Path dir;

    /** One sample of the process. */
    record Sample(double t, double rssMiB, int threads, long processed, long resets, int healthz) {
    }

    @Test
    void framesGrowLinearlyAndResidentMemoryStaysFlat() throws Exception {
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

    /** Runs the soak outside JUnit: {@code ServiceSoakBenchmark [SECONDS]}; exit 1 when a criterion fails. */
    public static void main(String[] args) throws Exception {
        Path tmp = Files.createTempDirectory("crackcam-soak");
        try {
            soak(tmp, args.length > 0 ? Integer.parseInt(args[0]) : 180);
        } catch (AssertionError e) {
            System.out.println(e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }

    static void soak(Path dir, int seconds) throws Exception {
        Path video = Path.of(System.getProperty("soak.video", "models/demo/drive.mp4")).toAbsolutePath();
        if (!Files.isRegularFile(video)) {
            video = ServiceRunnerTest.video(dir, 10);
        }
        double fps = Double.parseDouble(System.getProperty("soak.fps", "2"));
        int health = ServiceRunnerTest.freePort();
        Path cfg = dir.resolve("soak.yaml");
        Files.writeString(cfg, String.join("\n",
                "device:", "  id: soak",
                "camera:", "  kind: file", "  url: " + video, "  loop: true", "  realtime: true",
                "tiles:", "  roi: \"rect:0.125,0.5,0.875,0.9444\"", "  rows: 2",
                "model:", "  bundle: " + ServiceRunnerTest.BUNDLE, "  threads: 1", "  state_dir: state",
                "sampling:", "  mode: target_fps", "  target_fps: " + fps,
                "mqtt:", "  enabled: false", "outbox:", "  dir: outbox", "  max_mb: 64",
                "health:", "  port: " + health, "  stall_after_s: 30", ""));
        System.out.printf("soak: %d s, %s looped in real time, target %.1f fps, bundle %s%n", seconds,
                video.getFileName(), fps, ServiceRunnerTest.BUNDLE.getFileName());
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
                int hz;
                try {
                    hz = ServiceRunnerTest.healthz(health);
                } catch (java.io.IOException e) {
                    hz = -1;
                }
                var m = service.metrics();
                Sample s = new Sample((System.nanoTime() - t0) / 1e9, ProcessMemory.read().rssMiB(), osThreads(),
                        m.processed(), m.clockResets(), hz);
                samples.add(s);
                if (samples.size() % 12 == 0) {
                    System.out.printf("soak: %6.0f s  rss %7.1f MiB  threads %3d  processed %7d  resets %5d  "
                            + "healthz %d  outbox %d  captured %d  skipped %d  dropped %d  errors %d%n", s.t(),
                            s.rssMiB(), s.threads(), s.processed(), s.resets(), s.healthz(), m.outboxDepth(),
                            m.captured(), m.skipped(), m.dropped(), m.errors());
                }
            }
            var m = service.metrics();
            System.out.printf("soak: at the end: captured %d, processed %d, skipped by sampling %d, dropped %d, "
                    + "errors %d%s, crack frames %d, outbox %d%n", m.captured(), m.processed(), m.skipped(),
                    m.dropped(), m.errors(), m.errors() > 0 ? " (last: " + m.lastError() + ")" : "", m.crackFrames(),
                    m.outboxDepth());
            service.requestStop();
            loop.join(20_000);
        }
        evaluate(samples, seconds, fps);
    }

    static void evaluate(List<Sample> samples, int seconds, double fps) {
        int warm = Math.max(samples.size() / 6, Math.min(12, samples.size() / 2));
        List<Sample> after = samples.subList(warm, samples.size());
        int windows = 6;
        int per = Math.max(1, (after.size() - 1) / windows);
        double[] rates = new double[windows];
        StringBuilder rateText = new StringBuilder();
        for (int w = 0; w < windows; w++) {
            Sample a = after.get(Math.min(w * per, after.size() - 1));
            Sample b = after.get(Math.min((w + 1) * per, after.size() - 1));
            rates[w] = b.t() > a.t() ? (b.processed() - a.processed()) / (b.t() - a.t()) : 0;
            rateText.append(String.format(" %.2f", rates[w]));
        }
        double[] sorted = rates.clone();
        Arrays.sort(sorted);
        double median = (sorted[windows / 2 - 1] + sorted[windows / 2]) / 2;
        double worst = 0;
        for (double r : rates) {
            worst = Math.max(worst, Math.abs(r - median) / median);
        }
        int w = Math.max(1, after.size() / 6);
        double first = after.subList(0, w).stream().mapToDouble(Sample::rssMiB).average().orElseThrow();
        double last = after.subList(after.size() - w, after.size()).stream().mapToDouble(Sample::rssMiB).average()
                .orElseThrow();
        double peak = after.stream().mapToDouble(Sample::rssMiB).max().orElseThrow();
        // the JVM starts and retires compiler and GC threads on demand: compare the largest counts
        int thrFirst = after.subList(0, w).stream().mapToInt(Sample::threads).max().orElseThrow();
        int thrMax = after.subList(after.size() - w, after.size()).stream().mapToInt(Sample::threads).max()
                .orElseThrow();
        long unhealthy = after.stream().filter(s -> s.healthz() != 200).count();
        double growth = (last - first) / first;
        Sample end = samples.get(samples.size() - 1);
        System.out.printf("soak: %d s, %d frames processed (%.2f fps overall, target %.1f), %d sampling re-bases "
                        + "(file loops)%n", seconds, end.processed(), end.processed() / end.t(), fps, end.resets());
        System.out.printf("soak: processed rate per sixth after warm-up (fps):%s; median %.2f, largest deviation "
                + "%.1f %%%n", rateText, median, 100 * worst);
        System.out.printf("soak: RSS after warm-up %.1f MiB -> %.1f MiB (growth %+.2f %%, peak %.1f MiB), most "
                + "threads in the first/last sixth %d -> %d, /healthz not 200 in %d of %d samples%n", first, last, 100 * growth, peak, thrFirst,
                thrMax, unhealthy, after.size());
        List<String> failed = new ArrayList<>();
        if (!(worst <= 0.15) || !(sorted[0] >= 0.5 * fps)) {
            failed.add(String.format("processed rate not linear: windows%s fps", rateText));
        }
        if (!(growth < 0.05)) {
            failed.add(String.format("RSS grew %+.2f %%", 100 * growth));
        }
        if (thrMax > thrFirst + 4) {
            failed.add("threads " + thrFirst + " -> " + thrMax);
        }
        if (unhealthy > 0) {
            failed.add("/healthz not 200 in " + unhealthy + " samples");
        }
        System.out.println("soak: " + (failed.isEmpty() ? "PASS" : "FAIL: " + String.join("; ", failed)));
        if (!failed.isEmpty()) {
            throw new AssertionError("soak failed: " + String.join("; ", failed));
        }
    }
}
