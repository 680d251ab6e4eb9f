package org.crackcam.office;

import org.crackcam.delivery.AlertChecks;
import org.crackcam.delivery.AlertChecks.Reason;
import org.crackcam.delivery.AlertChecks.Rejected;

/**
 * Checks one incoming message before anything is stored, with the checker {@code crackcam listen}
 * uses ({@link AlertChecks}: size limit, JSON object, strict ids, the topic's device equal to
 * {@code device_id} — for MQTT; a file import has no topic —, the schema named by the
 * {@code schema} field, every image verified as PNG/JPEG), then reads the fields the office uses
 * ({@link Sighting}). A message that fails is not an error of the office: it is quarantined (kept
 * aside with its reason code and detail) and acknowledged, so one bad message never blocks the
 * queue. Thread-safe.
 */
public final class AlertIntake {

    /** Largest message accepted (alerts with crops are about 0.1..1 MiB). */
    public static final int DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

    private final AlertChecks checks;

    public AlertIntake(int maxBytes) {
        this.checks = new AlertChecks(maxBytes, "--max-message-bytes");
    }

    /** The outcome of a check: a sighting, or why it is quarantined. */
    public record Checked(Sighting sighting, Rejected rejected) {
        public boolean ok() {
            return sighting != null;
        }

        /** "code: detail", e.g. "bad-image: mask: PNG cannot be decoded (…)"; null when ok. */
        public String reason() {
            return rejected == null ? null : rejected.describe();
        }
    }

    /**
     * @param topic the MQTT topic, or null for a file import (no topic check)
     */
    public Checked check(String topic, byte[] payload) {
        AlertChecks.Checked c;
        try {
            c = checks.check(topic, payload);
        } catch (Rejected ex) {
            return new Checked(null, ex);
        }
        try {
            return new Checked(Sighting.of(c.doc()), null);
        } catch (RuntimeException ex) { // a schema-valid field the office cannot use: a bug, kept aside
            return new Checked(null, new Rejected(Reason.INTERNAL_ERROR, "unusable field: " + ex,
                    c.alertId(), c.revisionField()));
        }
    }
}
