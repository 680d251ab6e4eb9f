package org.crackcam.office;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.crackcam.cli.Main;

/**
 * The alerts of the shipped SYNTHETIC demo drive with its SYNTHETIC GPS track: made once per
 * build by running {@code crackcam demo} in-process into target/office-demo (about a minute on
 * two cores), then read from its outbox. {@link #drive} turns them into another pass over the
 * same road: new alert ids, shifted times, another device if wanted, the same positions.
 */
final class DemoAlerts {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Path OUT = Path.of("target", "office-demo");
    private static List<JsonNode> cached;

    private DemoAlerts() {
    }

    /** The demo's outbox folder (runs the demo first when it is missing). */
    static synchronized Path outbox() throws IOException {
        Path outbox = OUT.resolve("outbox");
        if (!Files.isDirectory(outbox) || !Files.exists(OUT.resolve("done"))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int rc = Main.execute(new String[] {"demo", "--out", OUT.toString()}, new PrintStream(out, true),
                    new PrintStream(err, true));
            if (rc != 0) {
                throw new IOException("crackcam demo failed with " + rc + ": " + err);
            }
            Files.writeString(OUT.resolve("done"), out.toString(StandardCharsets.UTF_8));
        }
        return outbox;
    }

    /** The demo's alert documents (outbox order, duplicates as sent). */
    static synchronized List<JsonNode> documents() throws IOException {
        if (cached == null) {
            List<JsonNode> docs = new ArrayList<>();
            List<Path> files = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(outbox(), "*.alert")) {
                ds.forEach(files::add);
            }
            files.sort(null);
            for (Path f : files) {
                docs.add(JSON.readTree(org.crackcam.delivery.Outbox.payload(Files.readAllBytes(f))));
            }
            cached = List.copyOf(docs);
        }
        return cached;
    }

    /** The demo's alerts that pass the office's checks, each alert id once. */
    static List<JsonNode> valid() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        java.util.Set<String> ids = new java.util.HashSet<>();
        AlertIntake check = new AlertIntake(AlertIntake.DEFAULT_MAX_BYTES);
        for (JsonNode d : documents()) {
            if (check.check(null, bytes(d)).ok() && ids.add(d.get("alert_id").asText())) {
                out.add(d);
            }
        }
        return out;
    }

    /** Another pass over the same road: new ids (from {@code salt}), time + {@code shiftMs}, device. */
    static List<byte[]> drive(List<JsonNode> base, String salt, long shiftMs, String device) throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (JsonNode d : base) {
            ObjectNode n = d.deepCopy();
            String old = d.get("alert_id").asText();
            n.put("alert_id", idLike(salt + "/" + old, old.charAt(14)));
            n.put("time", Instant.parse(d.get("time").asText()).plusMillis(shiftMs).toString());
            if (device != null) {
                n.put("device_id", device);
            }
            out.add(JSON.writeValueAsBytes(n));
        }
        return out;
    }

    /** A UUID with version 7 and variant bits (the v1 schema's pattern), derived from a name. */
    static String v7Like(String name) {
        return idLike(name, '7');
    }

    /** A UUID of the given version digit (7 for schema 1 alerts, 8 for schema 2), derived from a name. */
    static String idLike(String name, char version) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            h[6] = (byte) ((h[6] & 0x0f) | (Character.digit(version, 16) << 4));
            h[8] = (byte) ((h[8] & 0x3f) | 0x80);
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < 16; i++) {
                if (i == 4 || i == 6 || i == 8 || i == 10) {
                    s.append('-');
                }
                s.append(String.format("%02x", h[i]));
            }
            return s.toString();
        } catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    static byte[] bytes(JsonNode n) throws IOException {
        return JSON.writeValueAsBytes(n);
    }
}
