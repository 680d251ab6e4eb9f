package org.crackcam.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.crackcam.bundle.ModelBundle;
import org.crackcam.capture.DamagedInputException;
import org.crackcam.capture.FrameSelector;
import org.crackcam.delivery.UndeliveredException;
import org.crackcam.report.Replay;
import org.crackcam.settings.InvalidSettingException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code crackcam replay VIDEO}: detections as JSON Lines, overlays of flagged frames, a summary. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Run a video file through the detector.",
                "Writes DIR/detections.jsonl, DIR/overlays/frame_NNNNNN.jpg (flagged frames) and DIR/summary.json."})
final class ReplayCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "VIDEO", description = "video file (MP4/MKV, H.264/H.265)")
    Path video;

    @Option(names = "--out", paramLabel = "DIR", description = "output directory (default out/replay/<video name>)")
    Path out;

    @Option(names = "--every", paramLabel = "K", defaultValue = "1", description = "process every K-th frame")
    int every;

    @Option(names = "--fps", paramLabel = "R", defaultValue = "0", description = "process at most R frames per second of video")
    double fps;

    @Option(names = "--realtime", description = "pace frames like a live camera")
    boolean realtime;

    @Option(names = "--max-overlays", paramLabel = "N", defaultValue = "200", description = "overlays written at most")
    int maxOverlays;

    @Option(names = "--all-frames", description = "write every processed frame to detections.jsonl, not only flagged ones")
    boolean allFrames;

    @Option(names = "--label", paramLabel = "TEXT", description = "text drawn on overlays (e.g. SYNTHETIC DATA)")
    String label;

    @Option(names = "--max-decode-errors", paramLabel = "N", defaultValue = "0",
            description = "frames decoded with errors (damage FFmpeg concealed) allowed before the replay fails "
                    + "with exit 6; outputs are written either way (default ${DEFAULT-VALUE})")
    long maxDecodeErrors;

    @Option(names = "--progress", negatable = true,
            description = "progress bar on stderr (default: on when run from a terminal)")
    Boolean progress;

    @Mixin
    BundleOptions bundleOptions;

    @Mixin
    RelevanceBatchOption relevanceBatch;

    @Mixin
    TilingOptions tilingOptions;

    // alerts: crack events -> outbox -> MQTT (org.crackcam.delivery.AlertOptions)
    @Mixin
    org.crackcam.delivery.AlertOptions alertOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        FrameSelector selector = new FrameSelector(every, fps);
        if (maxDecodeErrors < 0) {
            throw new InvalidSettingException("--max-decode-errors must be >= 0, got " + maxDecodeErrors);
        }
        var tiling = tilingOptions.config();
        Path dir = out != null ? out : Path.of("out", "replay", stem(video));
        if (alertOptions.enabled()) {
            org.crackcam.service.Preflight.writableDirectory(alertOptions.outboxDirectory(), "outbox");
        }
        org.crackcam.delivery.AlertStage stage = null;
        Replay.Result r;
        try (ModelBundle bundle = bundleOptions.open();
             org.crackcam.delivery.AlertStage alerts = org.crackcam.delivery.AlertStage.forCommand(alertOptions,
                     "file", bundle.manifest().name(), bundle.directory().resolve("manifest.json"),
                     alertOptions.outboxDirectory()).orElse(null)) {
            stage = alerts;
            r = Replay.run(bundle, tiling,
                    new Replay.Options(video, dir, selector, realtime, maxOverlays, allFrames,
                            progress != null ? progress : System.console() != null, label, relevanceBatch.value()),
                    System.err, alerts == null ? List.of() // positions from <video>.gpx beside it, as demo does
                            : List.of(org.crackcam.office.DemoOffice.withTrack(alerts, video)));
            var s = r.summary();
            spec.commandLine().getOut().printf("%s: %s frames, %s flagged -> %s%n", video,
                    s.get("frames_processed"), s.get("frames_flagged"), dir.resolve("summary.json"));
            if (r.failure() != null) {
                throw r.failure();
            }
        } // closing the alert stage drains the outbox to the broker (--drain-timeout)
        long damaged = ((Number) r.summary().get("decode_errors")).longValue();
        if (damaged > maxDecodeErrors) {
            throw new DamagedInputException("video " + video + ": " + damaged
                    + " frame(s) decoded with errors, more than --max-decode-errors " + maxDecodeErrors + " (first: "
                    + r.summary().get("first_decode_error") + "); outputs written to " + dir);
        }
        undelivered(stage);
        return ExitCodes.OK;
    }

    /** Alerts still in the outbox after the drain timeout, with a broker given: exit 7. */
    static void undelivered(org.crackcam.delivery.AlertStage stage) {
        if (stage == null || stage.publisher() == null) {
            return;
        }
        long waiting = stage.outbox().size();
        if (waiting > 0) {
            throw new UndeliveredException(waiting
                    + " alert(s) not acknowledged by the broker within the drain timeout; they stay in the outbox "
                    + stage.outbox().directory() + " (crackcam deliver sends them)");
        }
    }

    static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
