package org.crackcam.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.crackcam.bundle.ModelBundle;
import org.crackcam.capture.FrameSelector;
import org.crackcam.capture.UnreadableInputException;
import org.crackcam.report.HtmlReport;
import org.crackcam.report.ProcessMemory;
import org.crackcam.report.Replay;
import org.crackcam.settings.TilingSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code crackcam demo}: replays the shipped synthetic drive with the shipped bundle on CPU and
 * writes an HTML report.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Replay the shipped SYNTHETIC demo drive (models/demo/drive.mp4) with models/edge-synthetic",
                "on CPU and write an HTML report (summary, flagged frames with overlays) to out/demo/."})
final class DemoCommand implements Callable<Integer> {

    static final String DEMO_DRIVE = "models/demo/drive.mp4";

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/demo", description = "report directory (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--video", paramLabel = "FILE", description = "another drive instead of " + DEMO_DRIVE)
    Path video;

    @Option(names = "--every", paramLabel = "K", defaultValue = "1", description = "process every K-th frame")
    int every;

    @Mixin
    BundleOptions bundleOptions;

    @Mixin
    RelevanceBatchOption relevanceBatch;

    // alerts: crack events -> outbox (default <out>/outbox for the demo) -> MQTT when --broker is given
    @Mixin
    org.crackcam.delivery.AlertOptions alertOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path drive = video != null ? video : BundleOptions.resolveDefault(DEMO_DRIVE);
        if (video == null && !Files.exists(drive)) {
            throw new UnreadableInputException("demo drive " + DEMO_DRIVE
                    + " not found (run from the repository root, or pass --video)");
        }
        FrameSelector selector = new FrameSelector(every, 0);
        Path outboxDir = alertOptions.outboxDirectoryOr(out.resolve("outbox"));
        if (alertOptions.enabled()) {
            org.crackcam.service.Preflight.writableDirectory(outboxDir, "outbox");
        }
        org.crackcam.delivery.AlertStage stage = null;
        try (ModelBundle bundle = bundleOptions.open();
             org.crackcam.delivery.AlertStage alerts = org.crackcam.delivery.AlertStage.forCommand(alertOptions,
                     "file", bundle.manifest().name(), bundle.directory().resolve("manifest.json"),
                     outboxDir).orElse(null)) {
            stage = alerts;
            boolean synthetic = video == null || isSynthetic(bundle);
            Replay.Result r = Replay.run(bundle, TilingSettings.DEFAULTS,
                    new Replay.Options(drive, out, selector, false, 500, false, System.console() != null,
                            synthetic ? "SYNTHETIC DATA" : null, relevanceBatch.value()),
                    System.err, alerts == null ? List.of()
                            : List.of(org.crackcam.office.DemoOffice.withTrack(alerts, drive)));
            ProcessMemory mem = ProcessMemory.read();
            Path html = HtmlReport.write(out, r, synthetic, "CrackCam demo: " + drive.getFileName()
                    + (synthetic ? " (synthetic)" : ""), mem);
            var o = spec.commandLine().getOut();
            o.println(String.format(Locale.ROOT, "%s: %s frames, %s flagged, %s frames/s on %s; resident memory %.0f MiB (peak %.0f MiB)",
                    drive, r.summary().get("frames_processed"), r.summary().get("frames_flagged"),
                    r.summary().get("processing_fps"), bundle.provider(), mem.rssMiB(), mem.hwmMiB()));
            o.println("report: " + html.toAbsolutePath().normalize());
            o.flush();
            if (r.failure() != null) {
                throw r.failure();
            }
        }
        if (alertOptions.enabled() && Files.isDirectory(outboxDir)) {
            // the end of the demo: its alerts in the road office (docs/office.md), no broker needed
            org.crackcam.office.DemoOffice.importAndMap(outboxDir, out, spec.commandLine().getOut());
        }
        ReplayCommand.undelivered(stage);
        return ExitCodes.OK;
    }

    /** True when the bundle says it was trained on synthetic data. */
    static boolean isSynthetic(ModelBundle bundle) {
        var p = bundle.manifest().provenance();
        String src = p == null ? "" : p.path("training_data").path("source").asText("");
        return src.equals("synthetic") || bundle.manifest().name().contains("synthetic");
    }
}
