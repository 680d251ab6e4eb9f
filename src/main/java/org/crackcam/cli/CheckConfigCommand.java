package org.crackcam.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

import org.crackcam.bundle.ExecutionProvider;
import org.crackcam.bundle.ModelBundle;
import org.crackcam.bundle.RuntimeOptions;
import org.crackcam.capture.live.FfmpegReader;
import org.crackcam.pipeline.CrackcamException;
import org.crackcam.service.ConfigException;
import org.crackcam.service.ConfigLoader;
import org.crackcam.service.Preflight;
import org.crackcam.service.ServiceConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code crackcam check-config FILE}: validates a service configuration without starting anything.
 * Every problem is one line {@code FILE:LINE: message} on standard error (exit 2). When the model
 * bundle is on this machine it is verified as {@code run} would open it (sha256, graph contracts:
 * exit 4); when the camera's frame size is known (camera.width/height, or a file camera's video)
 * the region of interest must hold tiles in it (exit 2). Files the
 * configuration names that do not exist on this machine are warnings (the file may be meant for
 * another device), errors with {@code --strict}.
 */
@Command(name = "check-config", mixinStandardHelpOptions = true,
        description = {"Validate a service configuration file (YAML) and print a summary.",
                "Problems are printed as FILE:LINE: message, one per line (exit 2)."})
final class CheckConfigCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = "service configuration (YAML)")
    Path file;

    @Option(names = "--strict", description = "files named by the configuration must exist here (model bundle, "
            + "replay video, GPS sidecar, TLS and credentials files)")
    boolean strict;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ServiceConfig c;
        try {
            c = ConfigLoader.load(file);
        } catch (ConfigException e) {
            e.problems().forEach(err::println);
            err.flush();
            return ExitCodes.USAGE;
        }
        List<String> missing = missingFiles(c);
        for (String m : missing) {
            err.println((strict ? "" : "warning: ") + m);
        }
        err.flush();
        if (strict && !missing.isEmpty()) {
            return ExitCodes.USAGE;
        }
        String frame;
        try {
            Optional<int[]> size = Preflight.frameSize(c.camera());
            if (size.isPresent()) {
                var grid = Preflight.tiles(c, size.get()[0], size.get()[1]);
                frame = grid.size() + " tiles in the " + size.get()[0] + "x" + size.get()[1] + " frame";
            } else {
                frame = "frame size known at the first frame (set camera.width/height to check it here)";
            }
        } catch (CrackcamException e) {
            err.println(e.getMessage());
            err.flush();
            return ExitCodes.of(e);
        }
        String bundle;
        if (Files.isDirectory(c.model().bundle())) {
            try {
                bundle = verifyBundle(c.model().bundle());
            } catch (CrackcamException e) {
                err.println(c.file() + ": model.bundle: " + e.getMessage());
                err.flush();
                return ExitCodes.of(e);
            }
        } else {
            bundle = "not here (not verified)";
        }
        out.println(file + ": ok");
        out.println("  device " + c.deviceId() + "; camera " + camera(c.camera()) + "; model " + c.model().bundle()
                + " on " + c.model().settings().provider()
                + (c.model().settings().fp16Enabled()
                        && c.model().settings().provider() != org.crackcam.bundle.ExecutionProvider.CPU ? " (fp16)" : ""));
        out.println("  bundle " + bundle);
        out.println("  tiles " + c.tiles().rows() + " rows over " + c.tiles().roi() + " (" + frame + "); sampling "
                + sampling(c.sampling()) + "; gps " + lower(c.gps().source()));
        out.println("  mqtt " + (c.mqtt().enabled() ? c.mqtt().broker().url() + " as " + c.mqtt().broker().clientId() : "off")
                + "; outbox " + c.outbox().dir() + " (" + c.outbox().maxBytes() / (1024 * 1024) + " MB); health "
                + (c.health().enabled() ? "127.0.0.1:" + c.health().port() : "off"));
        out.flush();
        return ExitCodes.OK;
    }

    /**
     * Opens the bundle as the service would, on the CPU without warm-up: manifest, sha256 of every
     * graph, and each graph's inputs and outputs against the manifest (a BUNDLE error otherwise).
     */
    static String verifyBundle(Path dir) {
        var options = new RuntimeOptions(ExecutionProvider.CPU, 1, Path.of("state"), false, 0, false, false);
        try (ModelBundle b = ModelBundle.open(dir, options)) {
            for (String g : b.manifest().graphs().keySet()) {
                b.graph(g);
            }
            return b.manifest().name() + " verified: " + b.manifest().graphs().size()
                    + " graph(s), sha256 and input/output contract match the manifest";
        }
    }

    private static List<String> missingFiles(ServiceConfig c) {
        List<String> m = new ArrayList<>();
        String f = c.file().toString();
        if (!Files.isDirectory(c.model().bundle())) {
            m.add(f + ": model.bundle " + c.model().bundle() + " does not exist here");
        }
        if (c.camera().kind() == ServiceConfig.CameraKind.FILE && !Files.isRegularFile(Path.of(c.camera().url()))) {
            m.add(f + ": camera.url " + c.camera().url() + " does not exist here");
        }
        if (c.gps().source() == ServiceConfig.GpsSource.FILE && !Files.isRegularFile(c.gps().file())) {
            m.add(f + ": gps.file " + c.gps().file() + " does not exist here");
        }
        if (c.mqtt().enabled()) {
            for (var e : c.mqtt().broker().unreadableFiles()) {
                m.add(f + ": " + e.problemFor(true) + " (does not exist here)");
            }
        }
        return m;
    }

    private static String camera(ServiceConfig.Camera c) {
        String where = switch (c.kind()) {
            case FILE, RTSP -> FfmpegReader.redact(c.url());
            case V4L2 -> c.device();
            case GSTREAMER -> "pipeline";
        };
        String size = c.width() > 0 ? " " + c.width() + "x" + c.height() : "";
        return lower(c.kind()) + " " + where + size + (c.fps() > 0 ? " @" + c.fps() + " fps" : "");
    }

    private static String sampling(ServiceConfig.Sampling s) {
        return switch (s.mode()) {
            case EVERY_FRAMES -> "every " + s.everyFrames() + " frame(s)";
            case TARGET_FPS -> s.targetFps() + " fps";
            case DISTANCE -> "every " + s.everyMetres() + " m";
        };
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
