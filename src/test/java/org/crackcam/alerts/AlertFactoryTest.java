package org.crackcam.alerts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.crackcam.pipeline.Position;
import org.junit.jupiter.api.Test;

/** Alert documents built from SYNTHETIC frames, checked against the shipped schema. */
class AlertFactoryTest {

    static final String SHA = "ab".repeat(32);
    static final ObjectMapper JSON = new ObjectMapper();

    /** Alerts for a short synthetic drive with one crack (with position) and one without. */
    static List<Alert> sampleAlerts(String device) {
        List<CrackEvent> events = new ArrayList<>();
        CrackTracker t = new CrackTracker(TrackerConfig.DEFAULTS, events::add);
        for (int f = 0; f < 8; f++) {
            byte[] m = SyntheticFrames.mask();
            SyntheticFrames.crack(m, 7, 150, 140 + f * 10, 5, 160);
            Optional<Position> pos = Optional.of(new Position(48.1371, 11.5754, 13.9, Double.NaN, 0));
            t.onFrame(SyntheticFrames.frame("synthetic-drive.mp4", f, m, 0.6f + f * 0.04f, pos));
        }
        for (int f = 8; f < 30; f++) {
            t.onFrame(SyntheticFrames.frame("synthetic-drive.mp4", f, null, 0, Optional.empty()));
        }
        for (int f = 30; f < 34; f++) {
            byte[] m = SyntheticFrames.mask();
            SyntheticFrames.crack(m, 9, 400, 300, 95, 120);
            t.onFrame(SyntheticFrames.frame("synthetic-drive.mp4", f, m, 0.9f, Optional.empty()));
        }
        t.onEnd();
        AlertFactory factory = new AlertFactory(new AlertContext(device, "file", "edge-synthetic", SHA), 70);
        return events.stream().map(factory::create).toList();
    }

    @Test
    void alertsValidateAgainstTheSchemaAndStaySmall() throws Exception {
        List<Alert> alerts = sampleAlerts("van-7");
        assertEquals(2, alerts.size());
        AlertSchema schema = AlertSchema.load();
        for (Alert a : alerts) {
            JsonNode doc = JSON.readTree(a.json());
            assertEquals(List.of(), schema.validate(doc));
            assertEquals(a.id(), doc.get("alert_id").asText());
            assertEquals(AlertSchema.V2, doc.get("schema").asText());
            assertEquals(0, doc.get("revision").asInt());
            assertTrue(a.json().length < 30 * 1024, "alert too big for a cellular link: " + a.json().length);
            System.out.printf("alert %s: %d bytes (mask PNG %d B, overlay JPEG %d B base64)%n", a.id(),
                    a.json().length, doc.at("/mask/data").asText().length(), doc.at("/overlay/data").asText().length());
        }
        JsonNode first = JSON.readTree(alerts.get(0).json());
        assertEquals(48.1371, first.at("/position/lat").asDouble(), 1e-9);
        assertTrue(first.at("/position/heading_deg").isNull());
        assertEquals(0.88, first.get("crack_probability").asDouble(), 1e-4);
        assertEquals(7, first.at("/source/frame_index").asLong());
        assertFalse(JSON.readTree(alerts.get(1).json()).has("position"));
    }

    @Test
    void maskPngDecodesToTheMaskCropAndOverlayIsSmallJpeg() throws Exception {
        List<CrackEvent> events = new ArrayList<>();
        CrackTracker t = new CrackTracker(TrackerConfig.DEFAULTS, events::add);
        byte[] m = SyntheticFrames.mask();
        SyntheticFrames.crack(m, 3, 100, 200, 20, 200);
        t.onFrame(SyntheticFrames.frame("s", 0, m, 0.9f, Optional.empty()));
        t.onEnd();
        CrackEvent e = events.get(0);
        Alert a = new AlertFactory(new AlertContext("d", "camera", "m", SHA), 70).create(e);
        JsonNode doc = JSON.readTree(a.json());
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(doc.at("/mask/data").asText())));
        assertEquals(e.bbox().width(), png.getWidth());
        assertEquals(e.bbox().height(), png.getHeight());
        byte[] back = new byte[png.getWidth() * png.getHeight()];
        for (int y = 0; y < png.getHeight(); y++) {
            for (int x = 0; x < png.getWidth(); x++) {
                back[y * png.getWidth() + x] = (byte) ((png.getRGB(x, y) & 0xffffff) != 0 ? 1 : 0);
            }
        }
        assertArrayEquals(e.mask(), back);
        byte[] jpg = Base64.getDecoder().decode(doc.at("/overlay/data").asText());
        assertEquals((byte) 0xFF, jpg[0]);
        assertEquals((byte) 0xD8, jpg[1]);
        BufferedImage ov = ImageIO.read(new ByteArrayInputStream(jpg));
        assertTrue(ov.getWidth() <= 320);
        assertEquals("camera", doc.at("/source/kind").asText());
        assertEquals(doc.at("/mask_stats/area_px").asLong(), countOnes(e.mask()));
    }

    @Test
    void idsAreUuidV8FromWhatTheEventIsAndNeverFromWallTime() {
        AlertContext ctx = new AlertContext("van", "file", "m", SHA);
        CrackEvent e = TestEvents.random(new java.util.Random(1), "sha256:" + "11".repeat(32), 10, 3);
        UUID a = AlertFactory.alertId(ctx, "s", e);
        assertEquals(8, a.version());
        assertEquals(2, a.variant());
        // same event reported later (other wall time, other best frame, other revision): same id
        CrackEvent later = TestEvents.random(new java.util.Random(2), "sha256:" + "11".repeat(32), 10, 3);
        assertNotEquals(e.bestWallTimeMicros(), later.bestWallTimeMicros());
        assertEquals(a, AlertFactory.alertId(ctx, "s", later));
        // every part of the identity matters
        assertNotEquals(a, AlertFactory.alertId(ctx, "s",
                TestEvents.random(new java.util.Random(1), "sha256:" + "11".repeat(32), 10, 4)));
        assertNotEquals(a, AlertFactory.alertId(ctx, "s",
                TestEvents.random(new java.util.Random(1), "sha256:" + "11".repeat(32), 11, 3)));
        assertNotEquals(a, AlertFactory.alertId(ctx, "s",
                TestEvents.random(new java.util.Random(1), "sha256:" + "12".repeat(32), 10, 3)));
        assertNotEquals(a, AlertFactory.alertId(ctx, "t", e));
        assertNotEquals(a, AlertFactory.alertId(new AlertContext("bus", "file", "m", SHA), "s", e));
        assertNotEquals(a, AlertFactory.alertId(new AlertContext("van", "file", "m", "cd".repeat(32)), "s", e));
        assertNotEquals(a, AlertFactory.alertId(new AlertContext("van", "camera", "m", SHA), "s", e));
    }

    @Test
    void schemaRejectsBrokenAlerts() throws Exception {
        AlertSchema schema = AlertSchema.load();
        ObjectNode doc = (ObjectNode) JSON.readTree(sampleAlerts("d").get(0).json());
        ObjectNode noId = doc.deepCopy();
        noId.remove("alert_id");
        assertFalse(schema.validate(noId).isEmpty());
        ObjectNode wrongSchema = doc.deepCopy();
        wrongSchema.put("schema", AlertSchema.V1);
        assertFalse(schema.validate(wrongSchema).isEmpty());
        ObjectNode badClass = doc.deepCopy();
        ((ObjectNode) badClass.get("mask_stats")).put("class", "pothole");
        assertFalse(schema.validate(badClass).isEmpty());
        ObjectNode badProb = doc.deepCopy();
        badProb.put("crack_probability", 1.5);
        assertFalse(schema.validate(badProb).isEmpty());
        ObjectNode badRevision = doc.deepCopy();
        badRevision.put("revision", -1);
        assertFalse(schema.validate(badRevision).isEmpty());
        ObjectNode v7Id = doc.deepCopy();
        v7Id.put("alert_id", "01a0c450-6c00-7741-a668-758288f54ca8");
        assertFalse(schema.validate(v7Id).isEmpty(), "v2 ids are version 8");
        ObjectNode noRegion = doc.deepCopy();
        noRegion.remove("region");
        assertFalse(schema.validate(noRegion).isEmpty());
        ObjectNode pngCrop = doc.deepCopy();
        ((ObjectNode) pngCrop.get("crops").get(0).get("image")).put("media_type", "image/png");
        assertFalse(schema.validate(pngCrop).isEmpty());
    }

    @Test
    void invalidContextIsRefusedWithTheReason() {
        var ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new AlertContext("bad/id", "file", "m", SHA));
        assertTrue(ex.getMessage().contains("bad/id"));
    }

    private static long countOnes(byte[] m) {
        long n = 0;
        for (byte b : m) {
            n += b;
        }
        return n;
    }
}
