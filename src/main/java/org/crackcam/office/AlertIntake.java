package org.crackcam.office;

import java.util.List;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.crackcam.alerts.AlertContext;
import org.crackcam.alerts.AlertSchema;

/**
 * Checks one incoming message before anything is stored: size limit, JSON, the alert schema
 * (the version named by its {@code schema} field), a strict UUID alert id, a valid device id, and
 * — for MQTT — that the topic's device level equals {@code device_id} (a device may only speak for
 * itself). A message that fails is not an error of the office: it is quarantined (kept aside with
 * its reason) and acknowledged, so one bad message never blocks the queue. Thread-safe.
 */
public final class AlertIntake {

    /** Largest message accepted (alerts with crops are about 0.1..1 MiB). */
    public static final int DEFAULT_MAX_BYTES = 4 * 1024 * 1024;
    private static final Pattern UUID = Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern TOPIC = Pattern.compile("crackcam/([^/]+)/alerts");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AlertSchema schema;
    private final int maxBytes;

    public AlertIntake(int maxBytes) {
        this.schema = AlertSchema.load();
        this.maxBytes = maxBytes;
    }

    /** The outcome of a check: a sighting, or the one-line reason it is quarantined. */
    public record Checked(Sighting sighting, String reason) {
        public boolean ok() {
            return sighting != null;
        }
    }

    /**
     * @param topic the MQTT topic, or null for a file import (no topic check)
     */
    public Checked check(String topic, byte[] payload) {
        if (payload.length > maxBytes) {
            return bad("message of " + payload.length + " bytes is over the limit of " + maxBytes);
        }
        JsonNode doc;
        try {
            doc = JSON.readTree(payload);
        } catch (JsonProcessingException ex) {
            return bad("not JSON: " + ex.getOriginalMessage());
        } catch (java.io.IOException ex) {
            return bad("unreadable: " + ex.getMessage());
        }
        if (doc == null || !doc.isObject()) {
            return bad("not a JSON object");
        }
        List<String> errors = schema.validate(doc);
        if (!errors.isEmpty()) {
            return bad("fails the schema " + doc.path("schema").asText("(no schema field)") + ": "
                    + String.join("; ", errors.subList(0, Math.min(3, errors.size()))));
        }
        String id = doc.path("alert_id").asText();
        if (!UUID.matcher(id).matches()) {
            return bad("alert_id '" + clip(id) + "' is not a lower-case UUID");
        }
        String device = doc.path("device_id").asText();
        if (!AlertContext.isValidDeviceId(device)) {
            return bad("device_id '" + clip(device) + "' is not valid");
        }
        if (topic != null) {
            var m = TOPIC.matcher(topic);
            if (!m.matches()) {
                return bad("topic '" + clip(topic) + "' is not crackcam/<device>/alerts");
            }
            if (!m.group(1).equals(device)) {
                return bad("topic device '" + clip(m.group(1)) + "' differs from device_id '" + device + "'");
            }
        }
        try {
            return new Checked(Sighting.of(doc), null);
        } catch (RuntimeException ex) {
            return bad("unusable field: " + ex.getMessage());
        }
    }

    private static Checked bad(String reason) {
        return new Checked(null, reason);
    }

    private static String clip(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}
