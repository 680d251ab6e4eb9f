package org.crackcam.office;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import org.crackcam.capture.UnreadableInputException;
import org.crackcam.delivery.AlertChecks;
import org.crackcam.delivery.Outbox;
import org.crackcam.settings.InvalidSettingException;
import org.tinylog.Logger;

/**
 * The office's one way in: every message, from MQTT or from a folder, goes through
 * {@link AlertIntake} and then into the {@link CrackStore} or the quarantine. Counts what it did.
 * Thread-safe (the store serialises merges).
 */
public final class AlertReceiver {

    /** Bytes of a quarantined payload kept for inspection. */
    static final int QUARANTINE_KEEP_BYTES = 64 * 1024;
    private static final Pattern OUTBOX_FILE = Pattern.compile("\\d{20}-[0-9a-f-]{36}\\.alert");

    private final AlertIntake intake;
    private final CrackStore store;
    private final AtomicLong newCracks = new AtomicLong();
    private final AtomicLong merged = new AtomicLong();
    private final AtomicLong revised = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong stale = new AtomicLong();
    private final AtomicLong quarantined = new AtomicLong();

    public AlertReceiver(AlertIntake intake, CrackStore store) {
        this.intake = intake;
        this.store = store;
    }

    /**
     * Checks and stores one message; returns normally once it is stored or quarantined.
     *
     * @param topic MQTT topic, or null for a file
     * @throws SQLException when the database fails: nothing was stored (do not acknowledge)
     */
    public void accept(String topic, byte[] payload) throws SQLException {
        long now = System.currentTimeMillis();
        AlertIntake.Checked c = intake.check(topic, payload);
        if (!c.ok()) {
            quarantine(topic, c.reason(), payload, now);
            return;
        }
        Sighting si = c.sighting();
        CrackStore.Stored s = store.store(si, now);
        switch (s.outcome()) {
            case NEW_CRACK -> newCracks.incrementAndGet();
            case MERGED -> merged.incrementAndGet();
            case REVISED -> revised.incrementAndGet();
            case DUPLICATE -> duplicates.incrementAndGet();
            case STALE -> stale.incrementAndGet();
            case COLLISION -> quarantine(topic, new AlertChecks.Rejected(AlertChecks.Reason.ID_COLLISION, "alert_id "
                    + si.alertId() + " revision " + si.revision() + " is stored already with different content",
                    si.alertId(), (long) si.revision()).describe(), payload, now);
            default -> throw new IllegalStateException(s.outcome().name());
        }
        Logger.debug("office: alert {} from {}: {} (crack {})", c.sighting().alertId(), c.sighting().deviceId(),
                s.outcome(), s.crackId());
    }

    private void quarantine(String topic, String reason, byte[] payload, long now) throws SQLException {
        store.quarantine(topic, reason, payload, QUARANTINE_KEEP_BYTES, now);
        quarantined.incrementAndGet();
        Logger.warn("office: message on {} quarantined: {}", topic == null ? "(file)" : topic, reason);
    }

    /**
     * Imports every alert of a folder: outbox files ({@code <key>-<id>.alert}, header checked) and
     * listen files ({@code <id>.json}); other files are ignored. Returns the number of files read.
     */
    public int importFolder(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new UnreadableInputException("--import-outbox " + dir + ": not a folder");
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (OUTBOX_FILE.matcher(n).matches()
                        || (n.endsWith(".json") && AlertChecks.isAlertId(n.substring(0, n.length() - 5)))) {
                    files.add(p);
                }
            }
        } catch (IOException ex) {
            throw new UnreadableInputException("cannot list " + dir + ": " + ex.getMessage(), ex);
        }
        files.sort(null);
        for (Path p : files) {
            byte[] payload;
            try {
                byte[] raw = Files.readAllBytes(p);
                payload = p.getFileName().toString().endsWith(".alert") ? Outbox.payload(raw) : raw;
            } catch (IOException | IllegalArgumentException ex) {
                String why = AlertChecks.Reason.BAD_FILE.code() + ": " + p.getFileName() + ": " + ex.getMessage();
                try {
                    store.quarantine(null, why, new byte[0], 0, System.currentTimeMillis());
                } catch (SQLException sq) {
                    throw new InvalidSettingException("database: " + sq.getMessage(), sq);
                }
                quarantined.incrementAndGet();
                Logger.warn("office: {} quarantined", why);
                continue;
            }
            try {
                accept(null, payload);
            } catch (SQLException ex) {
                throw new InvalidSettingException("database failed while importing " + p + ": " + ex.getMessage(), ex);
            }
        }
        return files.size();
    }

    public long newCracks() {
        return newCracks.get();
    }

    public long merged() {
        return merged.get();
    }

    public long revised() {
        return revised.get();
    }

    public long duplicates() {
        return duplicates.get();
    }

    /** Messages with a lower revision than the one stored (ignored). */
    public long stale() {
        return stale.get();
    }

    public long quarantined() {
        return quarantined.get();
    }

    /** "N new crack(s), N merged, N revised, N duplicate(s), N older revision(s), N quarantined". */
    public String summary() {
        return newCracks.get() + " new crack(s), " + merged.get() + " sighting(s) merged into known cracks, "
                + revised.get() + " revised, " + duplicates.get() + " duplicate(s) dropped, " + stale.get()
                + " older revision(s) ignored, " + quarantined.get()
                + " quarantined";
    }
}
