package org.crackcam.bench;

import java.nio.file.Path;
import java.util.Locale;

import org.crackcam.health.ServiceMetrics;
import org.crackcam.service.ConfigLoader;
import org.crackcam.service.ServiceConfig;
import org.crackcam.service.ServiceRunner;

/**
 * The service's frame rate on a file camera, measured the way {@code replay}'s {@code summary.json}
 * measures its own: wall time of the frame loop only (after the model is loaded and warmed up),
 * frames processed from the service's own metrics. Not a test: a benchmark main for
 * {@code tools/scripts/bench-before-after.sh}, which compiles this one file against a crackcam jar
 * and runs it on that jar's classes (the calls it makes — {@code ConfigLoader.load},
 * {@code ServiceRunner.open/run/metrics/close}, {@code ServiceMetrics} getters — are the same
 * before and after the one-loop change, so the same harness times both).
 *
 * <p>Usage: {@code java -cp crackcam.jar:DIR org.crackcam.bench.ServiceFileBench CONFIG.yaml}; the
 * configuration should name a non-looping {@code kind: file} camera with {@code realtime: false}
 * (the service then processes every frame and returns at the end of the file). Prints one JSON
 * line on standard output: frames captured, processed, skipped, dropped, errors, loop wall time
 * and frames per second. Exit 2 on a bad argument or configuration.
 */
public final class ServiceFileBench {

    private ServiceFileBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: ServiceFileBench CONFIG.yaml");
            System.exit(2);
        }
        ServiceConfig cfg;
        try {
            cfg = ConfigLoader.load(Path.of(args[0]));
        } catch (Exception e) {
            System.err.println("ServiceFileBench: " + args[0] + ": " + e.getMessage());
            System.exit(2);
            return;
        }
        try (ServiceRunner service = ServiceRunner.open(cfg)) {
            long t0 = System.nanoTime();
            service.run(); // returns at the end of a non-looping file
            double wall = (System.nanoTime() - t0) / 1e9;
            ServiceMetrics m = service.metrics();
            System.out.printf(Locale.ROOT,
                    "{\"frames_captured\": %d, \"frames_processed\": %d, \"frames_skipped\": %d, "
                            + "\"frames_dropped\": %d, \"errors\": %d, \"crack_frames\": %d, \"loop_wall_s\": %.3f, "
                            + "\"processing_fps\": %.3f}%n",
                    m.captured(), m.processed(), m.skipped(), m.dropped(), m.errors(), m.crackFrames(), wall,
                    wall > 0 ? m.processed() / wall : 0.0);
        }
        System.exit(0);
    }
}
