package org.crackcam.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.crackcam.bundle.ModelBundle;
import org.crackcam.evaluate.DriveScore;
import org.crackcam.settings.InvalidSettingException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code crackcam score-drive DIR}: replays a drive that has per-frame truth (truth.json from
 * tools.data.drive) with the runtime's default tiling and alert tracker, and prints tile
 * recall/precision, crack-instance recall and the frame and alert masks' (crack-shaped and C1C
 * region) tolerant F1 and IoU
 * ({@link DriveScore}). Exit 0 with the scores; 2 for a folder without truth.json or a grid that
 * is not the runtime's; 4 for a bad bundle.
 */
@Command(name = "score-drive", mixinStandardHelpOptions = true,
        description = "Score the runtime on a drive with per-frame truth (truth.json from tools.data.drive).")
public final class ScoreDriveCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    BundleOptions bundleOptions;

    @Parameters(index = "0", paramLabel = "DRIVE", description = "folder with truth.json and the video it names")
    Path drive;

    @Option(names = "--tolerance", defaultValue = "2",
            description = "mask tolerance k in pixels at the model input, scaled to frame pixels by tile/input size "
                    + "(default: ${DEFAULT-VALUE})")
    double tolerance;

    @Option(names = "--min-px", defaultValue = "30",
            description = "truth pixels inside the grid for a (frame, crack) instance to count (default: ${DEFAULT-VALUE})")
    int minPixels;

    @Option(names = "--json", paramLabel = "FILE", description = "also write the scores as JSON")
    Path json;

    @Override
    public Integer call() {
        if (!(tolerance >= 0) || minPixels < 0) {
            throw new InvalidSettingException("--tolerance and --min-px must be >= 0");
        }
        DriveScore.Result r;
        try (ModelBundle bundle = bundleOptions.open()) {
            r = DriveScore.score(bundle, drive, tolerance, minPixels);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(e.getMessage(), e);
        } catch (IOException e) {
            throw new InvalidSettingException(drive + ": " + e.getMessage(), e);
        }
        var o = spec.commandLine().getOut();
        o.println(text(r));
        o.flush();
        if (json != null) {
            try {
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), r);
            } catch (IOException e) {
                throw new InvalidSettingException("cannot write " + json + ": " + e.getMessage(), e);
            }
        }
        return ExitCodes.OK;
    }

    static String text(DriveScore.Result r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "drive %s%s: %d frames%n", r.drive(), r.synthetic() ? " (SYNTHETIC)" : "",
                r.frames()));
        sb.append(String.format(Locale.ROOT, "tiles: recall %.3f precision %.3f (tp %d fp %d fn %d tn %d; ambiguous "
                + "tiles ignored)%n", r.tileRecall(), r.tilePrecision(), r.tileTp(), r.tileFp(), r.tileFn(), r.tileTn()));
        sb.append(String.format(Locale.ROOT, "cracks: instance recall %.3f (%d/%d frame-crack pairs), crack recall "
                + "%.3f (%d/%d)%n", r.instanceRecall(), r.instancesHit(), r.instances(), r.crackRecall(),
                r.cracksRecalled(), r.cracks()));
        sb.append(String.format(Locale.ROOT, "masks: tolerance k = %.2f frame px (= %s px at the model input); pixel "
                + "counts pooled%n", r.tolerance(), trim(r.toleranceModelPixels())));
        line(sb, "frame crack-shaped masks", r.frameMasks(), true);
        line(sb, "frame C1C regions", r.frameRegions(), true);
        sb.append(String.format(Locale.ROOT, "alerts: %d events, each scored in its box at its best frame%n",
                r.events()));
        line(sb, "alert masks (crack-shaped)", r.alertMasks(), true);
        line(sb, "alert regions (C1C)", r.alertRegions(), false);
        return sb.toString();
    }

    private static void line(StringBuilder sb, String what, DriveScore.Pooled p, boolean newline) {
        sb.append(String.format(Locale.ROOT, "  %-27s precision %.3f recall %.3f F1 %.3f, strict IoU %.3f "
                + "(%d predicted, %d truth px)%s", what + ":", p.precision(), p.recall(), p.f1(), p.iou(), p.predicted(),
                p.truth(), newline ? System.lineSeparator() : ""));
    }

    private static String trim(double v) {
        return v % 1 == 0 ? String.valueOf((long) v) : String.valueOf(v);
    }
}
