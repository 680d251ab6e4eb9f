package org.crackcam.delivery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.crackcam.alerts.Alert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code crackcam listen} (a child JVM) fed every class of bad message between valid ones
 * through a real mosquitto (published with mosquitto_pub): the valid ones are all stored, each
 * bad one is quarantined with its reason, and nothing is left in flight for listen's session.
 */
class ListenQuarantineTest {

    private static final String DEVICE = "van-q";
    private static final String TOPIC = "crackcam/" + DEVICE + "/alerts";

    @TempDir
    Path tmp;

    private int files;

    /** One message to publish, what listen must do with it, and on which topic. */
    record Msg(String label, byte[] payload, String expect, String topic) {
    }

    private Path file(byte[] payload) throws Exception {
        return Files.write(tmp.resolve("msg-" + files++), payload);
    }

    static byte[] bytes(JsonNode doc) throws Exception {
        return TestAlerts.JSON.writeValueAsBytes(doc);
    }

    static ObjectNode doc(Alert a) throws Exception {
        return (ObjectNode) TestAlerts.JSON.readTree(a.json());
    }

    /** The mutable image object at {@code field} (e.g. "mask") of a copy of {@code a}. */
    static ObjectNode withImage(Alert a, String field, byte[] data) throws Exception {
        ObjectNode d = doc(a);
        ((ObjectNode) d.get(field)).put("data", Base64.getEncoder().encodeToString(data));
        return d;
    }

    static byte[] image(Alert a, String field) throws Exception {
        return Base64.getDecoder().decode(doc(a).get(field).get("data").asText());
    }

    @Test
    void everyBadMessageIsQuarantinedWithItsReasonAndEveryValidOneStored() throws Exception {
        List<Alert> valid = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            valid.add(TestAlerts.valid(DEVICE, 100 + i));
        }
        // valid 7: HTML and control characters in a text field (stored; shown escaped)
        ObjectNode html = doc(valid.get(7));
        String hostile = "<script>alert('x')</script>\u0007\u001b[2J\u202e<img src=x onerror=alert(1)>";
        ((ObjectNode) html.get("source")).put("name", hostile);
        valid.set(7, new Alert(valid.get(7).id(), bytes(html)));
        Alert ref = valid.get(0);
        byte[] png = image(ref, "mask");
        byte[] jpeg = image(ref, "overlay");

        List<Msg> msgs = new ArrayList<>();
        msgs.add(new Msg("valid 0", valid.get(0).json(), "stored", TOPIC));
        ObjectNode schemaBad = doc(TestAlerts.valid(DEVICE, 900));
        schemaBad.put("crack_probability", 1.5);
        msgs.add(new Msg("schema-invalid", bytes(schemaBad), "schema", TOPIC));
        msgs.add(new Msg("valid 1", valid.get(1).json(), "stored", TOPIC));
        msgs.add(new Msg("not JSON", "not json at all {".getBytes(StandardCharsets.UTF_8), "not-json", TOPIC));
        msgs.add(new Msg("JSON but no object", "[1,2,3]".getBytes(StandardCharsets.UTF_8), "not-json", TOPIC));
        msgs.add(new Msg("valid 2", valid.get(2).json(), "stored", TOPIC));
        ObjectNode huge = doc(TestAlerts.valid(DEVICE, 901));
        ((ObjectNode) huge.get("source")).put("name", "x".repeat(600 * 1024));
        msgs.add(new Msg("huge (600 KiB)", bytes(huge), "too-large", TOPIC));
        msgs.add(new Msg("valid 3", valid.get(3).json(), "stored", TOPIC));
        byte[] fakePng = Arrays.copyOf(png, png.length);
        for (int i = 40; i < fakePng.length - 12; i++) { // PNG magic and IHDR kept, the rest garbage
            fakePng[i] = (byte) (i * 31 + 7);
        }
        msgs.add(new Msg("PNG magic, garbage body", bytes(withImage(TestAlerts.valid(DEVICE, 902), "mask", fakePng)),
                "bad-image", TOPIC));
        msgs.add(new Msg("random bytes as PNG", bytes(withImage(TestAlerts.valid(DEVICE, 903), "mask",
                "hello, I am not an image".getBytes(StandardCharsets.UTF_8))), "bad-image", TOPIC));
        msgs.add(new Msg("valid 4", valid.get(4).json(), "stored", TOPIC));
        msgs.add(new Msg("JPEG truncated", bytes(withImage(TestAlerts.valid(DEVICE, 904), "overlay",
                Arrays.copyOf(jpeg, jpeg.length / 2))), "bad-image", TOPIC));
        byte[] jpegGarbage = Arrays.copyOf(jpeg, jpeg.length);
        for (int i = 2; i < jpegGarbage.length - 2; i++) { // SOI and EOI kept, nothing a decoder can use
            jpegGarbage[i] = (byte) 0x5a;
        }
        msgs.add(new Msg("JPEG magic + EOI, garbage between", bytes(withImage(TestAlerts.valid(DEVICE, 905), "overlay",
                jpegGarbage)), "bad-image", TOPIC));
        ObjectNode wrongSize = doc(TestAlerts.valid(DEVICE, 906));
        ((ObjectNode) wrongSize.get("mask")).put("width", wrongSize.at("/mask/width").asInt() + 1);
        msgs.add(new Msg("PNG of another size than declared", bytes(wrongSize), "bad-image", TOPIC));
        msgs.add(new Msg("valid 5", valid.get(5).json(), "stored", TOPIC));
        ObjectNode newlineId = doc(TestAlerts.valid(DEVICE, 907));
        newlineId.put("alert_id", newlineId.get("alert_id").asText() + "\n");
        msgs.add(new Msg("alert_id with a trailing newline", bytes(newlineId), "bad-id", TOPIC));
        ObjectNode newlineDevice = doc(TestAlerts.valid(DEVICE, 908));
        newlineDevice.put("device_id", DEVICE + "\n");
        msgs.add(new Msg("device_id with a trailing newline", bytes(newlineDevice), "bad-id", TOPIC));
        ObjectNode otherDevice = doc(TestAlerts.valid(DEVICE, 909));
        otherDevice.put("device_id", "van-other");
        msgs.add(new Msg("device_id differs from the topic", bytes(otherDevice), "device-mismatch", TOPIC));
        msgs.add(new Msg("valid 6", valid.get(6).json(), "stored", TOPIC));
        ObjectNode collision = doc(valid.get(0));
        collision.put("crack_probability", 0.5);
        msgs.add(new Msg("same id, other content", bytes(collision), "id-collision", TOPIC));
        msgs.add(new Msg("valid 7, HTML + control characters in source.name", valid.get(7).json(), "stored", TOPIC));
        msgs.add(new Msg("QoS 1 duplicate of valid 1", valid.get(1).json(), "duplicate", TOPIC));
        msgs.add(new Msg("valid 8", valid.get(8).json(), "stored", TOPIC));

        Path out = tmp.resolve("office");
        Map<String, Integer> want = new TreeMap<>();
        for (Msg m : msgs) {
            if (!m.expect().equals("stored") && !m.expect().equals("duplicate")) {
                want.merge(m.expect(), 1, Integer::sum);
            }
        }
        int quarantined = want.values().stream().mapToInt(Integer::intValue).sum();
        try (Mosquitto broker = new Mosquitto(tmp.resolve("broker")).start()) {
            String summary;
            try (ListenProcess listen = ListenProcess.start(broker, out, "office-q")) {
                for (Msg m : msgs) {
                    ListenCommandTest.pub(broker, m.topic(), file(m.payload()));
                }
                java.util.Set<String> pairs = new java.util.TreeSet<>();
                for (Alert a : valid) {
                    pairs.add(a.id() + "#0");
                }
                assertEquals(pairs, listen.awaitStored(pairs, Duration.ofSeconds(60)), listen.stderr());
                Thread.sleep(500); // the PUBACK of the last one
                summary = listen.stop();
            }
            assertTrue(summary.contains("9 alert(s) stored, 0 updated to a newer revision, 1 duplicate(s) dropped, "
                    + "0 older revision(s) ignored, " + quarantined + " quarantined"), summary);

            // Nothing left in flight for listen's session: the same persistent client id gets
            // only what is published after listen left (the control message), nothing redelivered.
            Alert control = TestAlerts.valid(DEVICE, 999);
            ListenCommandTest.pub(broker, TOPIC, file(control.json()));
            try (MosquittoSub again = new MosquittoSub(broker.port(), "crackcam/+/alerts", "office-q")) {
                List<String> got = again.await(2, Duration.ofSeconds(4));
                assertEquals(1, got.size(), "redelivered to listen's session: " + got);
                assertEquals(control.id(), TestAlerts.JSON.readTree(got.get(0)).get("alert_id").asText());
            }
        }

        // every valid alert stored as sent, with decodable images
        for (Alert a : valid) {
            assertEquals(TestAlerts.JSON.readTree(a.json()), TestAlerts.JSON.readTree(out.resolve(a.id() + ".json").toFile()));
            assertTrue(ImageIO.read(out.resolve(a.id() + ".mask.png").toFile()).getWidth() > 0);
            assertTrue(ImageIO.read(out.resolve(a.id() + ".overlay.jpg").toFile()).getWidth() > 0);
        }
        // the collision did not replace the first version
        assertEquals(TestAlerts.JSON.readTree(ref.json()), TestAlerts.JSON.readTree(out.resolve(ref.id() + ".json").toFile()));

        // every bad one quarantined with its reason, and the payload kept
        Path q = out.resolve("quarantine");
        Map<String, Integer> reasons = new TreeMap<>();
        Map<String, JsonNode> byReason = new LinkedHashMap<>();
        try (Stream<Path> s = Files.list(q)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".reason.json")).toList()) {
                JsonNode r = TestAlerts.JSON.readTree(p.toFile());
                reasons.merge(r.get("reason").asText(), 1, Integer::sum);
                byReason.put(r.get("reason").asText() + "/" + r.get("detail").asText(), r);
                assertFalse(r.get("detail").asText().isBlank(), r.toString());
                assertEquals(TOPIC, r.get("topic").asText());
                Path msg = q.resolve(p.getFileName().toString().replace(".reason.json", ".msg"));
                assertEquals(r.get("kept_bytes").asLong(), Files.size(msg), r.toString());
            }
        }
        assertEquals(want, reasons, "quarantine reasons: " + byReason.keySet());
        assertTrue(byReason.keySet().stream().anyMatch(k -> k.startsWith("too-large/") && k.contains("more than the limit")));
        assertTrue(byReason.keySet().stream().anyMatch(k -> k.contains("truncated")), byReason.keySet().toString());
        assertTrue(byReason.keySet().stream().anyMatch(k -> k.contains("\\u000a")), "newline shown: " + byReason.keySet());
        for (JsonNode r : byReason.values()) {
            if (r.get("reason").asText().equals("too-large")) {
                assertEquals(AlertArchive.DEFAULT_MAX_ALERT_BYTES, r.get("kept_bytes").asInt());
                assertTrue(r.get("bytes").asInt() > 600 * 1024);
            }
        }
        // a kept payload is the message as received
        boolean found = false;
        try (Stream<Path> s = Files.list(q)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".msg")).toList()) {
                found |= Arrays.equals(Files.readAllBytes(p), bytes(collision));
            }
        }
        assertTrue(found, "the colliding message is kept byte for byte");

        // the gallery shows the hostile text as text, without control characters
        String index = Files.readString(out.resolve("index.html"));
        assertFalse(index.contains("<script>"), "raw <script> in index.html");
        assertFalse(index.contains("<img src=x"), "raw tag in index.html");
        assertTrue(index.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), "escaped text missing");
        for (char c : new char[] {'\u0007', '\u001b', '\u202e'}) {
            assertEquals(-1, index.indexOf(c), "control character U+" + Integer.toHexString(c) + " in index.html");
        }
        assertTrue(index.contains(quarantined + " message(s) could not be stored"), "gallery counts the quarantine");

        // private files: folders 0700, files 0600
        assertEquals("rwx------", mode(out));
        assertEquals("rwx------", mode(q));
        try (Stream<Path> s = Stream.concat(Files.list(out), Files.list(q))) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                assertEquals("rw-------", mode(p), p.toString());
            }
        }
    }

    static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    /**
     * Thousands of damaged copies of a valid alert (bytes flipped, cut, inserted) through the
     * archive: no exception, and every message is accounted for exactly once.
     */
    @Test
    void damagedCopiesOfAnAlertNeverThrowAndAreAllAccountedFor() throws Exception {
        AlertArchive archive = AlertArchive.open(tmp.resolve("fuzz"));
        byte[] base = TestAlerts.valid(DEVICE, 1).json();
        Random rnd = new Random(20261205);
        int n = 400;
        Map<AlertArchive.Outcome, Integer> outcomes = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            byte[] m = base.clone();
            switch (i % 4) {
                case 0 -> { // flip a few bytes anywhere (often inside the base64 of an image)
                    for (int k = 0; k < 1 + rnd.nextInt(4); k++) {
                        m[rnd.nextInt(m.length)] ^= (byte) (1 << rnd.nextInt(8));
                    }
                }
                case 1 -> m = Arrays.copyOf(m, rnd.nextInt(m.length)); // cut
                case 2 -> { // a base64 character inside an image changed to another base64 character
                    String s = new String(m, StandardCharsets.UTF_8);
                    int at = s.indexOf("\"data\":\"") + 8 + rnd.nextInt(200);
                    char c = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".charAt(rnd.nextInt(64));
                    m = (s.substring(0, at) + c + s.substring(at + 1)).getBytes(StandardCharsets.UTF_8);
                }
                default -> { // random bytes inserted
                    byte[] junk = new byte[1 + rnd.nextInt(16)];
                    rnd.nextBytes(junk);
                    int at = rnd.nextInt(m.length);
                    byte[] x = new byte[m.length + junk.length];
                    System.arraycopy(m, 0, x, 0, at);
                    System.arraycopy(junk, 0, x, at, junk.length);
                    System.arraycopy(m, at, x, at + junk.length, m.length - at);
                    m = x;
                }
            }
            outcomes.merge(archive.accept(TOPIC, m), 1, Integer::sum);
        }
        // hostile nesting: 200,000 open brackets, and an alert with a field nested 900 deep
        outcomes.merge(archive.accept(TOPIC, "[".repeat(200_000).getBytes(StandardCharsets.UTF_8)), 1, Integer::sum);
        ObjectNode deep = doc(TestAlerts.valid(DEVICE, 2));
        ObjectNode at = deep.putObject("extra");
        for (int k = 0; k < 900; k++) {
            at = at.putObject("x");
        }
        outcomes.merge(archive.accept(TOPIC, bytes(deep)), 1, Integer::sum);
        n += 2;
        int stored = outcomes.getOrDefault(AlertArchive.Outcome.STORED, 0);
        int quarantinedN = outcomes.getOrDefault(AlertArchive.Outcome.QUARANTINED, 0);
        int dup = outcomes.getOrDefault(AlertArchive.Outcome.DUPLICATE, 0);
        assertEquals(n, stored + quarantinedN + dup, outcomes.toString());
        assertEquals(quarantinedN, archive.quarantinedCount());
        try (Stream<Path> s = Files.list(tmp.resolve("fuzz").resolve("quarantine"))) {
            assertEquals(quarantinedN, s.filter(p -> p.toString().endsWith(".reason.json")).count());
        }
        System.out.printf("damaged copies: %s; quarantine reasons %s%n", outcomes, archive.quarantine().describeCounts());
        // whatever was stored decodes
        for (String id : archive.ids()) {
            assertTrue(ImageIO.read(new ByteArrayInputStream(Files.readAllBytes(
                    tmp.resolve("fuzz").resolve(id + ".mask.png")))).getWidth() > 0);
        }
    }

    @Test
    void groupReadableArchiveIs0750And0640() throws Exception {
        Path out = tmp.resolve("shared");
        AlertArchive archive = AlertArchive.open(out, AlertArchive.DEFAULT_MAX_ALERT_BYTES, FileModes.GROUP_READABLE);
        byte[] valid = TestAlerts.valid(DEVICE, 5).json();
        var doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(valid);
        int images = (doc.has("region") ? 1 : 0) + doc.path("crops").size(); // schema 2: region and crops too
        assertEquals(AlertArchive.Outcome.STORED, archive.accept(TOPIC, valid));
        assertEquals(AlertArchive.Outcome.QUARANTINED, archive.accept(TOPIC, "x".getBytes(StandardCharsets.UTF_8)));
        assertEquals("rwxr-x---", mode(out));
        assertEquals("rwxr-x---", mode(out.resolve("quarantine")));
        try (Stream<Path> s = Stream.concat(Files.list(out), Files.list(out.resolve("quarantine")))) {
            List<Path> all = s.filter(Files::isRegularFile).toList();
            assertEquals(4 + images + 2, all.size(), all.toString()); // json, mask, overlay, index (+ region, crops) + msg, reason
            for (Path p : all) {
                assertEquals("rw-r-----", mode(p), p.toString());
            }
        }
        // reopened private: an existing world-readable folder and its files are tightened
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxr-xr-x"));
        AlertArchive.open(out);
        assertEquals("rwx------", mode(out));
        assertEquals("rw-------", mode(out.resolve("index.html")));
    }

    @Test
    void imagesLostInACrashAreExtractedAgainFromTheJson() throws Exception {
        Path out = tmp.resolve("crash");
        Alert a = TestAlerts.valid(DEVICE, 6);
        assertEquals(AlertArchive.Outcome.STORED, AlertArchive.open(out).accept(TOPIC, a.json()));
        Path mask = out.resolve(a.id() + ".mask.png");
        Path overlay = out.resolve(a.id() + ".overlay.jpg");
        Files.delete(mask);
        Files.write(overlay, new byte[0]); // renamed but never written back: empty after a power cut
        AlertArchive.open(out);
        assertArrayEquals(image(a, "mask"), Files.readAllBytes(mask));
        assertArrayEquals(image(a, "overlay"), Files.readAllBytes(overlay));
        assertEquals("rw-------", mode(mask));
    }

    @Test
    void htmlEscapeRemovesControlAndBidiCharacters() {
        assertEquals("a b&lt;&gt;&amp;&quot;&#39;c", AlertArchive.esc("a\tb<>&\"'\u0000\u007f\u0085\u202ec"));
        assertArrayEquals("Żółw 🐢".getBytes(StandardCharsets.UTF_8),
                AlertArchive.esc("Żółw 🐢").getBytes(StandardCharsets.UTF_8));
    }
}
