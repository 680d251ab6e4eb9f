package org.crackcam.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.crackcam.alerts.Alert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dedupe by (alert_id, revision) with schema 2 alerts (real region PNG and crop JPEGs from the
 * alert factory): same pair same content dropped, higher revision replaces, lower revision
 * ignored, same pair other content quarantined; the state survives reopening the folder.
 */
class AlertArchiveRevisionTest {

    private static final String DEVICE = "van-r";
    private static final String TOPIC = "crackcam/" + DEVICE + "/alerts";

    @TempDir
    Path tmp;

    static byte[] json(ObjectNode doc) throws Exception {
        return TestAlerts.JSON.writeValueAsBytes(doc);
    }

    @Test
    void higherRevisionReplacesLowerIsIgnoredSamePairOtherContentIsQuarantined() throws Exception {
        ObjectNode probe = TestAlerts.template(DEVICE);
        assumeTrue(probe.has("revision") && probe.has("crops"), "needs schema 2 alerts (crackcam.alert/2)");
        Alert a = TestAlerts.valid(DEVICE, 1);
        ObjectNode r0 = (ObjectNode) TestAlerts.JSON.readTree(a.json());
        int crops = r0.get("crops").size();
        assumeTrue(crops >= 1, "the sample alert has no crop");
        String id = a.id();
        Path out = tmp.resolve("office");
        AlertArchive archive = AlertArchive.open(out);

        assertEquals(AlertArchive.Outcome.STORED, archive.accept(TOPIC, json(r0)));
        assertEquals(AlertArchive.Outcome.DUPLICATE, archive.accept(TOPIC, json(r0)));
        ObjectNode rerun = r0.deepCopy(); // the same drive replayed later: same event, other wall time
        rerun.put("time", "2031-01-02T03:04:05.678Z");
        assertEquals(AlertArchive.Outcome.DUPLICATE, archive.accept(TOPIC, json(rerun)));
        assertTrue(ImageIO.read(out.resolve(id + ".region.png").toFile()).getWidth() > 0);
        for (int k = 0; k < crops; k++) {
            assertTrue(ImageIO.read(out.resolve(id + ".crop-" + k + ".jpg").toFile()).getWidth() > 0);
        }

        ObjectNode r1 = r0.deepCopy();
        r1.put("revision", 1);
        r1.put("crack_probability", 0.99);
        r1.withArray("crops").removeAll();
        r1.withArray("crops").add(r0.get("crops").get(0).deepCopy());
        assertEquals(AlertArchive.Outcome.UPDATED, archive.accept(TOPIC, json(r1)));
        assertEquals(1, archive.revision(id));
        assertEquals(r1, TestAlerts.JSON.readTree(out.resolve(id + ".json").toFile()));
        assertTrue(Files.exists(out.resolve(id + ".crop-0.jpg")));
        for (int k = 1; k < crops; k++) {
            assertFalse(Files.exists(out.resolve(id + ".crop-" + k + ".jpg")), "crop of revision 0 left behind");
        }

        assertEquals(AlertArchive.Outcome.STALE, archive.accept(TOPIC, json(r0)));
        ObjectNode r1other = r1.deepCopy();
        r1other.put("crack_probability", 0.5);
        assertEquals(AlertArchive.Outcome.QUARANTINED, archive.accept(TOPIC, json(r1other)));
        assertEquals(1L, archive.quarantine().counts().get(AlertChecks.Reason.ID_COLLISION));
        assertEquals(r1, TestAlerts.JSON.readTree(out.resolve(id + ".json").toFile()), "the collision replaced nothing");
        assertEquals(1, archive.storedCount());
        assertEquals(1, archive.updatedCount());
        assertEquals(2, archive.duplicateCount());
        assertEquals(1, archive.staleCount());
        archive.flushIndex();
        assertTrue(Files.readString(out.resolve("index.html")).contains("revision 1"));
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(1, s.filter(p -> p.toString().endsWith(".json")).count(), "one alert, its newest revision");
        }

        // across a restart: the stored revision is known
        AlertArchive again = AlertArchive.open(out);
        assertEquals(1, again.revision(id));
        assertEquals(AlertArchive.Outcome.DUPLICATE, again.accept(TOPIC, json(r1)));
        assertEquals(AlertArchive.Outcome.STALE, again.accept(TOPIC, json(r0)));
        ObjectNode r2 = r1.deepCopy();
        r2.put("revision", 2);
        assertEquals(AlertArchive.Outcome.UPDATED, again.accept(TOPIC, json(r2)));
    }

    @Test
    void aBrokenCropImageQuarantinesTheWholeAlert() throws Exception {
        ObjectNode probe = TestAlerts.template(DEVICE);
        assumeTrue(probe.has("crops") && probe.get("crops").size() > 0, "needs schema 2 alerts with crops");
        ObjectNode doc = (ObjectNode) TestAlerts.JSON.readTree(TestAlerts.valid(DEVICE, 2).json());
        ObjectNode img = (ObjectNode) doc.get("crops").get(0).get("image");
        String data = img.get("data").asText();
        img.put("data", data.substring(0, data.length() / 2 / 4 * 4)); // a truncated JPEG, still valid base64
        AlertArchive archive = AlertArchive.open(tmp.resolve("office"));
        assertEquals(AlertArchive.Outcome.QUARANTINED, archive.accept(TOPIC, json(doc)));
        assertEquals(1L, archive.quarantine().counts().get(AlertChecks.Reason.BAD_IMAGE));
        assertTrue(archive.ids().isEmpty());
    }
}
