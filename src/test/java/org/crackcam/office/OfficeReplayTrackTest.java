package org.crackcam.office;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import org.crackcam.cli.Main;
import org.crackcam.pipeline.Position;
import org.crackcam.position.PositionSource;
import org.crackcam.position.TrackFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code crackcam replay} takes positions from a GPX track beside the video as {@code demo} does:
 * the shipped SYNTHETIC drive with its SYNTHETIC {@code drive.gpx} gives alerts whose positions
 * are the track's at each alert's frame time (computed here from the GPX independently of the
 * pipeline), and the same video without the track gives alerts without positions.
 */
class OfficeReplayTrackTest {

    private static final Path DRIVE = Path.of("models", "demo", "drive.mp4");

    @TempDir
    Path tmp;

    @Test
    void replayUsesTheGpxBesideTheVideo() throws Exception {
        Path with = Files.createDirectories(tmp.resolve("with"));
        Files.copy(DRIVE, with.resolve("drive.mp4"));
        Files.copy(DRIVE.resolveSibling("drive.gpx"), with.resolve("drive.gpx"));
        List<JsonNode> alerts = replay(with.resolve("drive.mp4"), tmp.resolve("outbox-with"));
        assertTrue(alerts.size() >= 5, "the demo drive makes alerts, got " + alerts.size());
        PositionSource track = TrackFiles.source(TrackFiles.read(with.resolve("drive.gpx"), TrackFiles.Format.GPX),
                Optional.empty(), DemoOffice.MAX_GAP_S);
        for (JsonNode a : alerts) {
            assertTrue(a.path("position").isObject(), "alert without a position: " + a.get("alert_id"));
            Position want = track.at(a.at("/source/timestamp_us").asLong(), 0).orElseThrow();
            assertEquals(want.latitude(), a.at("/position/lat").asDouble(), 1e-7, "lat of " + a.get("alert_id"));
            assertEquals(want.longitude(), a.at("/position/lon").asDouble(), 1e-7, "lon of " + a.get("alert_id"));
        }
        assertTrue(alerts.stream().map(a -> a.at("/position/lat").asDouble()).distinct().count() > 1,
                "positions follow the track");

        Path without = Files.createDirectories(tmp.resolve("without"));
        Files.copy(DRIVE, without.resolve("drive.mp4"));
        List<JsonNode> bare = replay(without.resolve("drive.mp4"), tmp.resolve("outbox-without"));
        assertFalse(bare.isEmpty());
        for (JsonNode a : bare) {
            assertFalse(a.has("position") && a.get("position").isObject(), "no track, no position");
        }
    }

    /** Replays every 3rd frame of {@code video} into {@code outbox}; the alert documents. */
    private List<JsonNode> replay(Path video, Path outbox) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Main.execute(new String[] {"replay", video.toString(), "--every", "3", "--out",
            tmp.resolve("out-" + outbox.getFileName()).toString(), "--outbox", outbox.toString()},
                new PrintStream(out, true), new PrintStream(err, true));
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
        List<JsonNode> docs = new ArrayList<>();
        try (Stream<Path> s = Files.list(outbox)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".alert")).sorted().toList()) {
                docs.add(DemoAlerts.JSON.readTree(org.crackcam.delivery.Outbox.payload(Files.readAllBytes(f))));
            }
        }
        return docs;
    }
}
