package org.crackcam.delivery;

import java.io.IOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.crackcam.alerts.AlertSchema;

/**
 * The checks every consumer of alerts makes on one message before it stores anything — used by
 * {@code crackcam listen} ({@link AlertArchive}) and {@code crackcam office}
 * ({@code org.crackcam.office.AlertReceiver}), so both refuse the same messages with the same
 * {@link Reason}. In this order, the first failure deciding the reason:
 * <ol>
 * <li>size: at most {@code maxBytes} ({@link Reason#TOO_LARGE}, before parsing);</li>
 * <li>a JSON object ({@link Reason#NOT_JSON});</li>
 * <li>{@code alert_id} a lower-case UUID and {@code device_id} 1..64 characters from
 * {@code A-Z a-z 0-9 . _ -}, both whole-string matches (a trailing newline is refused)
 * ({@link Reason#BAD_ID});</li>
 * <li>the topic {@code crackcam/<device_id>/alerts} naming the same device
 * ({@link Reason#DEVICE_MISMATCH}); a file import has no topic and skips this;</li>
 * <li>the schema named by the {@code schema} field, v1 or v2 ({@link Reason#SCHEMA});</li>
 * <li>every image decoding as what it says it is ({@link AlertImages}, {@link Reason#BAD_IMAGE}).</li>
 * </ol>
 * What a consumer does with a checked alert it already holds is its own, with one shared rule:
 * the same {@code (alert_id, revision)} with the same content but for {@code time} is a duplicate
 * ({@link #sameEvent}); with other content it is {@link Reason#ID_COLLISION}.
 *
 * <p>Thread-safe (the schema validator and the image decoders hold no state between calls).
 */
public final class AlertChecks {

    /** Why a message was refused; {@link #code} is what quarantine records and summaries say. */
    public enum Reason {
        TOO_LARGE("too-large"),
        NOT_JSON("not-json"),
        BAD_ID("bad-id"),
        DEVICE_MISMATCH("device-mismatch"),
        SCHEMA("schema"),
        BAD_IMAGE("bad-image"),
        ID_COLLISION("id-collision"),
        /** A file given to an import that is not a readable alert file (the office's outbox import). */
        BAD_FILE("bad-file"),
        INTERNAL_ERROR("internal-error");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /**
     * A message that passed: its ids, its revision ({@code null} when absent, which means 0), the
     * document, and its images decoded and verified (mask, overlay, region, crops in that order).
     */
    public record Checked(String alertId, Long revisionField, String deviceId, ObjectNode doc,
                          List<AlertImages.Image> images) {
        /** The revision, 0 when the alert has none (schema 1). */
        public long revision() {
            return revisionField == null ? 0 : revisionField;
        }
    }

    /** A message refused for a {@link Reason}; the message is one line. */
    public static final class Rejected extends Exception {
        private final Reason reason;
        private final String alertId;
        private final Long revision;

        public Rejected(Reason reason, String detail, String alertId, Long revision) {
            super(detail == null ? "" : detail.replaceAll("[\\r\\n]+", " "), null, false, false);
            this.reason = reason;
            this.alertId = alertId;
            this.revision = revision;
        }

        public Reason reason() {
            return reason;
        }

        /** The alert id when it was read before the failure (it passed the id check), else null. */
        public String alertId() {
            return alertId;
        }

        /** The revision field when it was read, else null. */
        public Long revision() {
            return revision;
        }

        /** "bad-image: mask: …". */
        public String describe() {
            return reason.code() + ": " + getMessage();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern TOPIC = Pattern.compile("crackcam/([^/]*)/alerts");

    private final AlertSchema schema;
    private final int maxBytes;
    private final String limitName;

    /**
     * @param maxBytes  larger messages are refused unparsed
     * @param limitName the option that sets the limit, named in the reason (e.g. {@code --max-alert-bytes})
     */
    public AlertChecks(int maxBytes, String limitName) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("max alert bytes must be > 0, got " + maxBytes);
        }
        this.schema = AlertSchema.load();
        this.maxBytes = maxBytes;
        this.limitName = limitName;
    }

    public int maxBytes() {
        return maxBytes;
    }

    /** Whether {@code id} is a lower-case UUID (a whole-string match). */
    public static boolean isAlertId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /**
     * Checks one message (see the class comment).
     *
     * @param topic the MQTT topic, or null for a file import (no topic check)
     * @throws Rejected with the first check that fails
     */
    public Checked check(String topic, byte[] payload) throws Rejected {
        if (payload.length > maxBytes) {
            throw new Rejected(Reason.TOO_LARGE, payload.length + " bytes, more than the limit of " + maxBytes
                    + " (" + limitName + ")", null, null);
        }
        JsonNode doc;
        try {
            doc = JSON.readTree(payload);
        } catch (JsonProcessingException ex) {
            throw new Rejected(Reason.NOT_JSON, "not JSON: " + ex.getOriginalMessage(), null, null);
        } catch (IOException ex) {
            throw new Rejected(Reason.NOT_JSON, "unreadable: " + ex.getMessage(), null, null);
        }
        if (doc == null || !doc.isObject()) {
            throw new Rejected(Reason.NOT_JSON, "not a JSON object", null, null);
        }
        JsonNode idNode = doc.get("alert_id");
        String id = idNode != null && idNode.isTextual() ? idNode.asText() : null;
        if (!isAlertId(id)) {
            throw new Rejected(Reason.BAD_ID, "alert_id " + quote(idNode) + " is not a lower-case UUID", null, null);
        }
        Long revision = doc.path("revision").canConvertToLong() && doc.path("revision").isIntegralNumber()
                ? doc.get("revision").asLong() : null;
        JsonNode deviceNode = doc.get("device_id");
        String device = deviceNode != null && deviceNode.isTextual() ? deviceNode.asText() : null;
        if (!org.crackcam.settings.DeviceId.isAcceptable(device)) {
            throw new Rejected(Reason.BAD_ID, "device_id " + quote(deviceNode)
                    + " is not 1..64 characters from A-Z a-z 0-9 . _ -", id, revision);
        }
        if (topic != null) {
            Matcher m = TOPIC.matcher(topic);
            if (!m.matches()) {
                throw new Rejected(Reason.DEVICE_MISMATCH, "topic " + quote(topic) + " is not crackcam/<device>/alerts",
                        id, revision);
            }
            if (!m.group(1).equals(device)) {
                throw new Rejected(Reason.DEVICE_MISMATCH, "device_id '" + device + "' differs from the topic's device "
                        + quote(m.group(1)), id, revision);
            }
        }
        List<String> errors = schema.validate(doc);
        if (!errors.isEmpty()) {
            throw new Rejected(Reason.SCHEMA, "fails the schema " + quote(doc.get("schema")) + ": "
                    + String.join("; ", errors.subList(0, Math.min(3, errors.size())))
                    + (errors.size() > 3 ? "; " + (errors.size() - 3) + " more" : ""), id, revision);
        }
        List<AlertImages.Image> images;
        try {
            images = AlertImages.verifyAll(doc);
        } catch (AlertImages.BadImage ex) {
            throw new Rejected(Reason.BAD_IMAGE, ex.getMessage(), id, revision);
        }
        return new Checked(id, revision, device, (ObjectNode) doc, images);
    }

    /**
     * Whether two documents with the same (alert_id, revision) describe the same event: equal in
     * every field but {@code time}, the wall-clock time of the sighting, which differs when the
     * same drive is replayed again (docs/alerts.md: a re-run is a duplicate, not a collision).
     */
    public static boolean sameEvent(JsonNode doc, JsonNode old) {
        if (doc == null || old == null || !doc.isObject() || !old.isObject()) {
            return false;
        }
        ObjectNode a = ((ObjectNode) doc).deepCopy();
        ObjectNode b = ((ObjectNode) old).deepCopy();
        a.remove("time");
        b.remove("time");
        return a.equals(b);
    }

    /** A value for a reason: quoted, control characters shown as \\uXXXX, at most 80 characters. */
    static String quote(Object v) {
        if (v == null) {
            return "(missing)";
        }
        String s = v instanceof JsonNode n ? (n.isTextual() ? n.asText() : n.toString()) : v.toString();
        StringBuilder b = new StringBuilder("'");
        s.codePoints().limit(80).forEach(c -> {
            if (Character.getType(c) == Character.CONTROL) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.append(s.codePointCount(0, s.length()) > 80 ? "…'" : "'").toString();
    }
}
