package org.crackcam.office;

import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One alert as the office keeps it: the fields the merge rule, the list and the exports use,
 * and the whole validated document.
 *
 * @param lat             WGS84 degrees, or NaN without a position
 * @param orientationDeg  crack main axis in the image, [0, 180), NaN when unknown
 * @param timeMs          the alert's time (best frame, UTC), epoch milliseconds
 */
public record Sighting(String alertId, int revision, String deviceId, long timeMs, double lat, double lon,
                       double orientationDeg, String crackClass, double probability, double lengthPx,
                       long areaPx, String sourceName, long firstFrame, long lastFrame, long bestFrame, JsonNode doc) {

    public boolean hasPosition() {
        return !Double.isNaN(lat) && !Double.isNaN(lon);
    }

    /** Reads the fields of a schema-valid alert (v1 or v2). */
    static Sighting of(JsonNode doc) {
        JsonNode pos = doc.get("position");
        boolean hasPos = pos != null && pos.isObject();
        JsonNode or = doc.at("/mask_stats/orientation_deg");
        return new Sighting(doc.get("alert_id").asText(), doc.path("revision").asInt(0),
                doc.get("device_id").asText(), Instant.parse(doc.get("time").asText()).toEpochMilli(),
                hasPos ? pos.get("lat").asDouble() : Double.NaN, hasPos ? pos.get("lon").asDouble() : Double.NaN,
                or.isNumber() ? or.asDouble() : Double.NaN, doc.at("/mask_stats/class").asText(),
                doc.get("crack_probability").asDouble(), doc.at("/mask_stats/skeleton_length_px").asDouble(),
                doc.at("/mask_stats/area_px").asLong(), doc.at("/source/kind").asText() + ":"
                        + doc.at("/source/name").asText(),
                doc.at("/source/first_frame").asLong(), doc.at("/source/last_frame").asLong(),
                doc.at("/source/frame_index").asLong(), doc);
    }
}
