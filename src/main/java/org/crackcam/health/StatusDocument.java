package org.crackcam.health;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The content of the retained status topic ({@code crackcam/<device>/status}): published on every
 * connection to the broker and every {@code health.status_interval_s}. {@code state} is
 * {@code online}/{@code offline} as in the delivery's own short status (its last will and clean
 * stop publish {@code {"state":"offline",…}}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StatusDocument(
        @JsonProperty("schema_version") int schemaVersion,
        @JsonProperty("state") String state,
        @JsonProperty("device_id") String deviceId,
        @JsonProperty("online") boolean online,
        @JsonProperty("time") String time,
        @JsonProperty("started_at") String startedAt,
        @JsonProperty("uptime_s") Double uptimeS,
        @JsonProperty("provider") String provider,
        @JsonProperty("camera_connected") Boolean cameraConnected,
        @JsonProperty("frames_per_second") Double framesPerSecond,
        @JsonProperty("frames_processed") Long framesProcessed,
        @JsonProperty("frames_dropped") Long framesDropped,
        @JsonProperty("reconnects") Long reconnects,
        @JsonProperty("outbox_depth") Long outboxDepth,
        @JsonProperty("position_fix") Boolean positionFix,
        @JsonProperty("last_error") String lastError) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A snapshot of the running service. */
    public static StatusDocument online(ServiceMetrics m) {
        return new StatusDocument(1, "online", m.deviceId(), true, Instant.now().toString(),
                Instant.ofEpochMilli(m.startMillis()).toString(), round(m.uptimeSeconds(), 1), m.provider(),
                m.sourceConnected(), round(m.framesPerSecond(), 2), m.processed(), m.dropped(),
                m.reconnects(), m.outboxDepth() < 0 ? null : m.outboxDepth(), m.positionFix(),
                m.lastError().isEmpty() ? null : m.lastError());
    }

    /** The document for a stopped device (clean stop, or the MQTT last will). */
    public static StatusDocument offline(String deviceId) {
        return new StatusDocument(1, "offline", deviceId, false, Instant.now().toString(), null, null, null, null,
                null, null, null, null, null, null, null);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("status document not serialisable", e);
        }
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Double.isFinite(v) ? Math.round(v * f) / f : 0;
    }
}
