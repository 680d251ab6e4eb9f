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
            assertEquals("crackcam.alert/1", doc.get("schema").asText());
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
    void idsAreStableUuidV7OrderedByTimeAndDistinctPerEvent() {
        UUID a = AlertFactory.alertId("van", "x.mp4", 10, 1_790_000_000_000_123L);
        assertEquals(a, AlertFactory.alertId("van", "x.mp4", 10, 1_790_000_000_000_123L));
        assertEquals(7, a.version());
        assertEquals(2, a.variant());
        assertEquals(1_790_000_000_000L, a.getMostSignificantBits() >>> 16);
        assertNotEquals(a, AlertFactory.alertId("van", "x.mp4", 11, 1_790_000_000_000_123L));
        assertNotEquals(a, AlertFactory.alertId("bus", "x.mp4", 10, 1_790_000_000_000_123L));
        UUID later = AlertFactory.alertId("van", "x.mp4", 10, 1_790_000_000_005_000L);
        assertTrue(later.toString().compareTo(a.toString()) > 0);
    }

    @Test
    void schemaRejectsBrokenAlerts() throws Exception {
        AlertSchema schema = AlertSchema.load();
        ObjectNode doc = (ObjectNode) JSON.readTree(sampleAlerts("d").get(0).json());
        ObjectNode noId = doc.deepCopy();
        noId.remove("alert_id");
        assertFalse(schema.validate(noId).isEmpty());
        ObjectNode wrongSchema = doc.deepCopy();
        wrongSchema.put("schema", "crackcam.alert/2");
        assertFalse(schema.validate(wrongSchema).isEmpty());
        ObjectNode badClass = doc.deepCopy();
        ((ObjectNode) badClass.get("mask_stats")).put("class", "pothole");
        assertFalse(schema.validate(badClass).isEmpty());
        ObjectNode badProb = doc.deepCopy();
        badProb.put("crack_probability", 1.5);
        assertFalse(schema.validate(badProb).isEmpty());
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
