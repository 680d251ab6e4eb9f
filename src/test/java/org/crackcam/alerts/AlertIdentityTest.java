package org.crackcam.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import org.crackcam.pipeline.FrameResult;
import org.junit.jupiter.api.Test;

/**
 * Alert ids from the tracker's events (issue 14): unique per event even when events start on the
 * same frame, and the same when the same input is replayed. SYNTHETIC frames.
 */
class AlertIdentityTest {

    static final String SHA = "ab".repeat(32);
    static final String DRIVE = "sha256:" + "5e".repeat(32);

    /** Three cracks appearing together in frame 3, far apart, moving down; one more from frame 9. */
    static void drive(Consumer<FrameResult> sink, String source) {
        for (int f = 0; f < 20; f++) {
            byte[] m = SyntheticFrames.mask();
            if (f >= 3 && f < 15) {
                int dy = (f - 3) * 6;
                SyntheticFrames.crack(m, 1, 20, 100 + dy, 0, 50);
                SyntheticFrames.crack(m, 2, 300, 100 + dy, 80, 50);
                SyntheticFrames.crack(m, 3, 560, 100 + dy, 170, 50);
            }
            if (f >= 9) {
                SyntheticFrames.crack(m, 4, 300, 20 + (f - 9) * 4, 10, 60);
            }
            sink.accept(SyntheticFrames.frame(source, f, m, 0.9f, Optional.empty()));
        }
    }

    static List<Alert> replay(String identity, String settings) {
        AlertFactory factory = new AlertFactory(new AlertContext("van-1", "file", "edge-synthetic", SHA), 70,
                TrackerConfig.DEFAULTS.toString(), null);
        List<Alert> alerts = new ArrayList<>();
        CrackTracker t = new CrackTracker(TrackerConfig.DEFAULTS, e -> alerts.add(factory.create(e)));
        t.onSource("drive.mp4", identity, settings);
        drive(t::onFrame, "drive.mp4");
        t.onEnd();
        return alerts;
    }

    static Set<String> ids(List<Alert> alerts) {
        Set<String> s = new HashSet<>();
        alerts.forEach(a -> s.add(a.id()));
        return s;
    }

    @Test
    void cracksStartingOnTheSameFrameGetDistinctIds() {
        List<CrackEvent> events = new ArrayList<>();
        CrackTracker t = new CrackTracker(TrackerConfig.DEFAULTS, events::add);
        t.onSource("drive.mp4", DRIVE, "");
        drive(t::onFrame, "drive.mp4");
        t.onEnd();
        long sameStart = events.stream().filter(e -> e.firstFrame() == 3).count();
        assertEquals(3, sameStart, "three events start on frame 3: " + events.size() + " events");
        assertEquals(4, events.size());
        Set<Long> tracks = new HashSet<>();
        events.forEach(e -> tracks.add(e.trackId()));
        assertEquals(events.size(), tracks.size(), "track ids are unique");
        List<Alert> alerts = replay(DRIVE, "");
        assertEquals(alerts.size(), ids(alerts).size(), "distinct ids == events made");
    }

    @Test
    void theSameDriveReplayedGivesTheSameIdsAndAnotherDriveOthers() throws Exception {
        List<Alert> first = replay(DRIVE, "selector=all");
        Thread.sleep(5); // wall time moves on; ids must not
        List<Alert> second = replay(DRIVE, "selector=all");
        assertEquals(ids(first), ids(second));
        assertEquals(first.size(), ids(first).size());
        Set<String> other = ids(replay("sha256:" + "77".repeat(32), "selector=all"));
        other.retainAll(ids(first));
        assertTrue(other.isEmpty(), "another video shares ids: " + other);
        Set<String> otherSettings = ids(replay(DRIVE, "selector=every 2"));
        otherSettings.retainAll(ids(first));
        assertTrue(otherSettings.isEmpty(), "other settings share ids: " + otherSettings);
    }

    @Test
    void unannouncedSourcesGetASessionAndTheirTrackNumbersNeverRestart() {
        List<CrackEvent> events = new ArrayList<>();
        CrackTracker t = new CrackTracker(TrackerConfig.DEFAULTS, events::add);
        drive(t::onFrame, "cam0");
        drive(t::onFrame, "cam1"); // a reconnect under another name restarts frame numbers
        drive(t::onFrame, "cam0"); // and back: same frames, same name
        t.onEnd();
        assertEquals(12, events.size());
        Set<Long> tracks = new HashSet<>();
        events.forEach(e -> tracks.add(e.trackId()));
        assertEquals(12, tracks.size());
        assertTrue(events.get(0).sourceIdentity().startsWith("session:"), events.get(0).sourceIdentity());
        assertTrue(events.get(0).sourceIdentity().endsWith("/cam0"));
        AlertFactory f = new AlertFactory(new AlertContext("van-1", "camera", "m", SHA), 70);
        Set<String> ids = new HashSet<>();
        events.forEach(e -> ids.add(f.create(e).id()));
        assertEquals(12, ids.size());
        // another tracker (another run of the service) is another session
        List<CrackEvent> again = new ArrayList<>();
        CrackTracker t2 = new CrackTracker(TrackerConfig.DEFAULTS, again::add);
        drive(t2::onFrame, "cam0");
        t2.onEnd();
        assertNotEquals(events.get(0).sourceIdentity(), again.get(0).sourceIdentity());
    }

    @Test
    void revisionsOfOneEventShareTheIdAndRaiseTheRevision() throws Exception {
        TrackerConfig d = TrackerConfig.DEFAULTS;
        TrackerConfig c = new TrackerConfig(d.maxGapFrames(), 0.5, d.minOverlap(), d.verticalTolerance(),
                d.horizontalTolerance(), d.maxDistanceMetres(), d.overlayMaxWidth(), d.jpegQuality(), d.joinDistance());
        AlertFactory factory = new AlertFactory(new AlertContext("van-1", "file", "m", SHA), 70);
        List<Alert> alerts = new ArrayList<>();
        CrackTracker t = new CrackTracker(c, e -> alerts.add(factory.create(e)));
        t.onSource("d.mp4", DRIVE, "");
        for (int f = 0; f < 12; f++) { // 1.2 s in view, reported at 0.5 s, 1.0 s and at the end
            byte[] m = SyntheticFrames.mask();
            SyntheticFrames.crack(m, 5, 200, 150, 10, 90);
            t.onFrame(SyntheticFrames.frame("d.mp4", f, m, 0.8f, Optional.empty()));
        }
        t.onEnd();
        assertEquals(3, alerts.size());
        AlertSchema schema = AlertSchema.load();
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (int i = 0; i < 3; i++) {
            assertEquals(alerts.get(0).id(), alerts.get(i).id());
            var doc = json.readTree(alerts.get(i).json());
            assertEquals(i, doc.get("revision").asInt());
            assertEquals(List.of(), schema.validate(doc));
        }
    }
}
