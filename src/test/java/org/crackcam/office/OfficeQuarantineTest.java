package org.crackcam.office;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.crackcam.delivery.AlertArchive;
import org.crackcam.delivery.AlertChecks;
import org.crackcam.delivery.FileModes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The office and {@code crackcam listen} fed the same messages — every class of bad message listen
 * quarantines, a QoS 1 duplicate, a re-run of the same drive (same ids and revisions, another
 * {@code time}), a newer and an older revision — must do the same with each: store it, drop it as
 * a duplicate, ignore it as stale, or quarantine it with the same reason code. The demo's real
 * schema 2 alerts (real mask/region PNGs, overlay and crop JPEGs) are the base; SQLite store,
 * real listen archive folder.
 */
class OfficeQuarantineTest {

    private static final int LIMIT = 512 * 1024;

    @TempDir
    Path tmp;

    /** One message, its topic, and what both consumers must do with it. */
    record Msg(String label, String topic, byte[] payload, String expect) {
    }

    @Test
    void officeRefusesAndDedupesExactlyAsListenDoes() throws Exception {
        List<JsonNode> docs = DemoAlerts.valid();
        assertTrue(docs.size() >= 6, "the demo gives at least 6 valid alerts");
        ObjectNode ref = (ObjectNode) docs.get(0);
        String dev = ref.get("device_id").asText();
        String topic = "crackcam/" + dev + "/alerts";
        byte[] png = image(ref, "mask");
        byte[] jpeg = image(ref, "overlay");

        List<Msg> msgs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            msgs.add(new Msg("valid " + i, topic, DemoAlerts.bytes(docs.get(i)), "stored"));
        }
        msgs.add(new Msg("QoS 1 duplicate of valid 1", topic, DemoAlerts.bytes(docs.get(1)), "duplicate"));
        ObjectNode rerun = docs.get(2).deepCopy();
        rerun.put("time", Instant.parse(rerun.get("time").asText()).plusSeconds(3 * 86_400).toString());
        msgs.add(new Msg("re-run of the same drive: same id and revision, other time", topic, DemoAlerts.bytes(rerun),
                "duplicate"));
        ObjectNode collision = docs.get(0).deepCopy();
        collision.put("crack_probability", 0.5);
        msgs.add(new Msg("same id and revision, other content", topic, DemoAlerts.bytes(collision), "id-collision"));
        ObjectNode newer = docs.get(3).deepCopy();
        newer.put("revision", newer.path("revision").asLong(0) + 1);
        msgs.add(new Msg("higher revision", topic, DemoAlerts.bytes(newer), "updated"));
        msgs.add(new Msg("the older revision again", topic, DemoAlerts.bytes(docs.get(3)), "stale"));

        msgs.add(new Msg("not JSON", topic, "not json at all {".getBytes(StandardCharsets.UTF_8), "not-json"));
        msgs.add(new Msg("JSON but no object", topic, "[1,2,3]".getBytes(StandardCharsets.UTF_8), "not-json"));
        ObjectNode huge = fresh(docs.get(4), "huge");
        ((ObjectNode) huge.get("source")).put("name", "x".repeat(LIMIT + 1));
        msgs.add(new Msg("over the size limit", topic, DemoAlerts.bytes(huge), "too-large"));
        ObjectNode schemaBad = fresh(ref, "schema");
        schemaBad.put("crack_probability", 1.5);
        msgs.add(new Msg("schema-invalid", topic, DemoAlerts.bytes(schemaBad), "schema"));
        ObjectNode newlineId = fresh(ref, "nl");
        newlineId.put("alert_id", newlineId.get("alert_id").asText() + "\n");
        msgs.add(new Msg("alert_id with a trailing newline", topic, DemoAlerts.bytes(newlineId), "bad-id"));
        ObjectNode pathId = fresh(ref, "path");
        pathId.put("alert_id", "../../etc/passwd");
        msgs.add(new Msg("alert_id a path", topic, DemoAlerts.bytes(pathId), "bad-id"));
        ObjectNode newlineDevice = fresh(ref, "nldev");
        newlineDevice.put("device_id", dev + "\n");
        msgs.add(new Msg("device_id with a trailing newline", topic, DemoAlerts.bytes(newlineDevice), "bad-id"));
        msgs.add(new Msg("device_id differs from the topic", "crackcam/other-van/alerts",
                DemoAlerts.bytes(fresh(ref, "other")), "device-mismatch"));
        msgs.add(new Msg("topic of another shape", "crackcam/" + dev + "/alerts/x",
                DemoAlerts.bytes(fresh(ref, "shape")), "device-mismatch"));

        byte[] fakePng = Arrays.copyOf(png, png.length);
        for (int i = 40; i < fakePng.length - 12; i++) { // PNG magic and IHDR kept, the rest garbage
            fakePng[i] = (byte) (i * 31 + 7);
        }
        msgs.add(new Msg("PNG magic, garbage body", topic, DemoAlerts.bytes(withImage(fresh(ref, "p1"), "mask", fakePng)),
                "bad-image"));
        msgs.add(new Msg("text as PNG", topic, DemoAlerts.bytes(withImage(fresh(ref, "p2"), "mask",
                "hello, I am not an image".getBytes(StandardCharsets.UTF_8))), "bad-image"));
        msgs.add(new Msg("JPEG truncated", topic, DemoAlerts.bytes(withImage(fresh(ref, "j1"), "overlay",
                Arrays.copyOf(jpeg, jpeg.length / 2))), "bad-image"));
        byte[] jpegGarbage = Arrays.copyOf(jpeg, jpeg.length);
        for (int i = 2; i < jpegGarbage.length - 2; i++) { // SOI and EOI kept, nothing a decoder can use
            jpegGarbage[i] = (byte) 0x5a;
        }
        msgs.add(new Msg("JPEG magic + EOI, garbage between", topic,
                DemoAlerts.bytes(withImage(fresh(ref, "j2"), "overlay", jpegGarbage)), "bad-image"));
        ObjectNode wrongSize = fresh(ref, "size");
        ((ObjectNode) wrongSize.get("mask")).put("width", wrongSize.at("/mask/width").asInt() + 1);
        msgs.add(new Msg("PNG of another size than declared", topic, DemoAlerts.bytes(wrongSize), "bad-image"));
        if (ref.path("crops").size() > 0) {
            ObjectNode badCrop = fresh(ref, "crop");
            ((ObjectNode) badCrop.at("/crops/0/image")).put("data", Base64.getEncoder().encodeToString(
                    Arrays.copyOf(jpeg, jpeg.length - 2)));
            msgs.add(new Msg("crop JPEG without its end marker", topic, DemoAlerts.bytes(badCrop), "bad-image"));
        }
        msgs.add(new Msg("valid 5, after all of them", topic, DemoAlerts.bytes(docs.get(5)), "stored"));

        AlertArchive listen = AlertArchive.open(tmp.resolve("listen"), LIMIT, FileModes.PRIVATE);
        try (OfficeDatabase db = OfficeDatabase.open(tmp.resolve("office.sqlite").toString(), null, null)) {
            CrackStore store = new CrackStore(db, MergeRule.defaults());
            AlertReceiver office = new AlertReceiver(new AlertIntake(LIMIT), store);
            Map<String, String> listenDid = new LinkedHashMap<>();
            Map<String, String> officeDid = new LinkedHashMap<>();
            Map<String, String> want = new LinkedHashMap<>();
            for (Msg m : msgs) {
                want.put(m.label(), m.expect());
                Map<AlertChecks.Reason, Long> before = listen.quarantine().counts();
                AlertArchive.Outcome o = listen.accept(m.topic(), m.payload());
                listenDid.put(m.label(), o == AlertArchive.Outcome.QUARANTINED
                        ? newReason(before, listen.quarantine().counts()) : o.name().toLowerCase());
                officeDid.put(m.label(), officeOutcome(office, store, db, m));
            }
            assertEquals(want, listenDid, "listen");
            assertEquals(want, officeDid, "office");
            long bad = want.values().stream().filter(v -> !List.of("stored", "duplicate", "updated", "stale")
                    .contains(v)).count();
            assertEquals(bad, store.quarantineCount());
            assertEquals(5, store.sightingCount(), "valid 0..3 and 5 stored, each once");
            assertEquals(newer.get("revision").asInt(),
                    store.document(docs.get(3).get("alert_id").asText()).orElseThrow().get("revision").asInt(),
                    "the higher revision is kept");
            assertEquals(docs.get(0), store.document(ref.get("alert_id").asText()).orElseThrow(),
                    "the collision did not replace the first version");
            assertEquals(docs.get(2).get("time"), store.document(docs.get(2).get("alert_id").asText()).orElseThrow()
                    .get("time"), "the re-run did not replace the first sighting");
            assertTrue(office.summary().contains("2 duplicate(s) dropped, 1 older revision(s) ignored, " + bad
                    + " quarantined"), office.summary());
        }
    }

    /** What the office did with {@code m}: the counter that moved, or the reason code it quarantined with. */
    private static String officeOutcome(AlertReceiver r, CrackStore store, OfficeDatabase db, Msg m) throws Exception {
        long[] before = {r.newCracks() + r.merged(), r.duplicates(), r.revised(), r.stale(), r.quarantined()};
        r.accept(m.topic(), m.payload());
        long[] after = {r.newCracks() + r.merged(), r.duplicates(), r.revised(), r.stale(), r.quarantined()};
        String[] names = {"stored", "duplicate", "updated", "stale"};
        for (int i = 0; i < names.length; i++) {
            if (after[i] != before[i]) {
                return names[i];
            }
        }
        if (after[4] == before[4]) {
            return "nothing";
        }
        Connection c = db.borrow();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT reason, topic FROM quarantine ORDER BY id DESC LIMIT 1")) {
            rs.next();
            assertEquals(m.topic(), rs.getString(2));
            String reason = rs.getString(1);
            return reason.substring(0, reason.indexOf(':'));
        } finally {
            db.release(c);
        }
    }

    private static String newReason(Map<AlertChecks.Reason, Long> before, Map<AlertChecks.Reason, Long> after) {
        for (Map.Entry<AlertChecks.Reason, Long> e : after.entrySet()) {
            if (!e.getValue().equals(before.getOrDefault(e.getKey(), 0L))) {
                return e.getKey().code();
            }
        }
        return "quarantined without a reason";
    }

    /** A copy of {@code base} under a new id (so that it is not a duplicate of the base). */
    private static ObjectNode fresh(JsonNode base, String salt) {
        ObjectNode d = base.deepCopy();
        String old = base.get("alert_id").asText();
        d.put("alert_id", DemoAlerts.idLike(salt + "/" + old, old.charAt(14)));
        return d;
    }

    private static byte[] image(JsonNode doc, String field) {
        return Base64.getDecoder().decode(doc.get(field).get("data").asText());
    }

    private static ObjectNode withImage(ObjectNode d, String field, byte[] data) {
        ((ObjectNode) d.get(field)).put("data", Base64.getEncoder().encodeToString(data));
        return d;
    }
}
