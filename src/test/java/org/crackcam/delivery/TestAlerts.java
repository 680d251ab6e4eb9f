package org.crackcam.delivery;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.crackcam.alerts.Alert;
import org.crackcam.alerts.AlertFactory;

/** Small SYNTHETIC alert documents for delivery tests (not schema-complete: only id, seq, time, padding). */
final class TestAlerts {

    private TestAlerts() {
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
