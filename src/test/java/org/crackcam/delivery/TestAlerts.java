package org.crackcam.delivery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.crackcam.alerts.Alert;
import org.crackcam.alerts.AlertFactory;
import org.crackcam.alerts.AlertFactoryTestAccess;

/**
 * SYNTHETIC alert documents for delivery tests: {@link #alert} small ones that are not
 * schema-complete (only id, seq, time, padding), {@link #valid} complete ones that pass the
 * schema and carry real images (what {@code listen} stores).
 */
final class TestAlerts {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, ObjectNode> TEMPLATES = new ConcurrentHashMap<>();
    /** Distinguishes the ids of different test processes. */
    private static final long RUN = ThreadLocalRandom.current().nextLong() & 0xffff_ffffL;

    private TestAlerts() {
    }

    /**
     * A complete, schema-valid alert of {@code device} (a sample from the tracker, real mask PNG
     * and overlay JPEG; schema 2 adds region and crops) under a fresh id of the sample's UUID
     * version, made from this process's run number and {@code seq}; {@code source.frame_index} =
     * {@code seq}.
     */
    static Alert valid(String device, long seq) {
        ObjectNode doc = template(device);
        char version = doc.get("alert_id").asText().charAt(14); // 7 in schema 1, 8 in schema 2
        String id = String.format("%08x-%04x-%c%03x-8%03x-%012x", RUN, (seq >>> 48) & 0xffff, version,
                (seq >>> 36) & 0xfff, (seq >>> 24) & 0xfff, seq & 0xff_ffff_ffffL);
        doc.put("alert_id", id);
        ((ObjectNode) doc.get("source")).put("frame_index", seq);
        try {
            return new Alert(id, JSON.writeValueAsBytes(doc));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** A mutable copy of the first sample alert of {@code device}. */
    static ObjectNode template(String device) {
        return TEMPLATES.computeIfAbsent(device, d -> {
            try {
                return (ObjectNode) JSON.readTree(AlertFactoryTestAccess.sampleAlerts(d).get(0).json());
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }).deepCopy();
    }

    /** (alert_id, revision) of a document; revision 0 when absent (schema 1). */
    static String pair(JsonNode doc) {
        return doc.path("alert_id").asText() + "#" + doc.path("revision").asLong(0);
    }

    /** An alert with a fresh v7 id, a sequence number, the creation time in µs, and {@code pad} filler bytes. */
    static Alert alert(String device, long seq, int pad) {
        long micros = System.currentTimeMillis() * 1000L + seq % 1000;
        String id = AlertFactory.alertId(device, "synthetic", seq, micros).toString();
        String json = "{\"schema\":\"crackcam.alert/1\",\"alert_id\":\"" + id + "\",\"seq\":" + seq
                + ",\"created_us\":" + System.nanoTime() / 1000 + ",\"pad\":\"" + "x".repeat(pad) + "\"}";
        return new Alert(id, json.getBytes(StandardCharsets.UTF_8));
    }

    static UUID id(Alert a) {
        return UUID.fromString(a.id());
    }
}
