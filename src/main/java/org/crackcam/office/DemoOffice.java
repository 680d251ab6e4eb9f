package org.crackcam.office;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Optional;

import org.crackcam.capture.UnreadableInputException;
import org.crackcam.pipeline.DetectionListener;
import org.crackcam.pipeline.FrameResult;
import org.crackcam.position.ParsedTrack;
import org.crackcam.position.PositionSource;
import org.crackcam.position.TrackFiles;
import org.crackcam.settings.InvalidSettingException;
import org.tinylog.Logger;

/**
 * What {@code crackcam demo} needs from the office: positions from the GPX track beside the drive
 * ({@code drive.gpx} next to {@code drive.mp4}; the shipped one is SYNTHETIC, see
 * tools/data/gps_track.py) — {@code crackcam replay} takes them the same way — and, at the end, the demo's outbox imported into
 * {@code <out>/office.sqlite} with a static map page {@code <out>/office.html}.
 */
public final class DemoOffice {

    /** Largest gap between two fixes that is interpolated across, seconds. */
    static final double MAX_GAP_S = 2.0;

    private DemoOffice() {
    }

    /**
     * {@code alerts} with each frame's position from the sidecar track of {@code video}, or
     * {@code alerts} itself when there is no sidecar. Frames are matched by their presentation
     * time from the track's first fix. The returned listener forwards onFrame/onEnd; closing
     * {@code alerts} stays with its owner.
     */
    public static DetectionListener withTrack(DetectionListener alerts, Path video) {
        String name = video.getFileName().toString();
        int dot = name.lastIndexOf('.');
        Path gpx = video.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".gpx");
        if (!Files.isRegularFile(gpx)) {
            return alerts;
        }
        PositionSource positions;
        try {
            ParsedTrack t = TrackFiles.read(gpx, TrackFiles.Format.GPX);
            positions = TrackFiles.source(t, Optional.empty(), MAX_GAP_S);
            Logger.info("alert positions from {} ({} fixes)", gpx, t.track().size());
        } catch (IOException ex) {
            throw new UnreadableInputException("cannot read the track " + gpx + ": " + ex.getMessage(), ex);
        }
        return new DetectionListener() {
            @Override
            public void onFrame(FrameResult f) {
                alerts.onFrame(new FrameResult(f.sourceId(), f.frameIndex(), f.timestampMicros(), f.wallTimeMicros(),
                        f.width(), f.height(), f.tiles(), f.crackMask(), f.frameBgr(),
                        positions.at(f.timestampMicros(), f.wallTimeMicros())));
            }

            @Override
            public void onEnd() {
                alerts.onEnd();
            }
        };
    }

    /** Imports the demo's outbox into {@code <out>/office.sqlite} and writes {@code <out>/office.html}. */
    public static void importAndMap(Path outbox, Path out, PrintWriter o) {
        Path dbFile = out.resolve("office.sqlite");
        Path page = out.resolve("office.html");
        try (OfficeDatabase db = OfficeDatabase.open(dbFile.toString(), null, null)) {
            CrackStore store = new CrackStore(db, MergeRule.defaults());
            AlertReceiver r = new AlertReceiver(new AlertIntake(AlertIntake.DEFAULT_MAX_BYTES), store);
            r.importFolder(outbox);
            StaticMap.write(store, page, null, "");
            o.printf("office: %s; %d crack record(s) from %d sighting(s) in %s%n", r.summary(), store.crackCount(),
                    store.sightingCount(), dbFile);
            o.println("office map: " + page.toAbsolutePath().normalize());
            o.println("office (map, list, verdicts): java -jar target/crackcam.jar office --db " + dbFile
                    + "  then open http://127.0.0.1:8016/");
            o.flush();
        } catch (IOException | SQLException ex) {
            throw new InvalidSettingException("demo: cannot fill the office map " + page + ": " + ex.getMessage(), ex);
        }
    }
}
