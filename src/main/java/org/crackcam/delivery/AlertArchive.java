package org.crackcam.delivery;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.crackcam.delivery.AlertChecks.Reason;
import org.crackcam.delivery.AlertChecks.Rejected;
import org.crackcam.settings.InvalidSettingException;
import org.tinylog.Logger;

/**
 * The folder {@code crackcam listen} keeps: per alert {@code <id>.json} and its images
 * ({@code <id>.mask.png}, {@code <id>.overlay.jpg}, and for schema 2 {@code <id>.region.png},
 * {@code <id>.crop-<k>.jpg}), an {@code index.html} gallery (newest first; rewritten at most once
 * a second, see {@link #flushIndexIfDue}), and
 * {@code quarantine/} for messages that cannot be stored ({@link MessageQuarantine}).
 *
 * <p>Each message is checked by {@link AlertChecks} (the checker {@code crackcam office} uses
 * too): size ({@code maxAlertBytes}), JSON object, strict ids, topic device, schema, images; the
 * first failure quarantines it with its reason. Then no other content may be stored under the
 * same {@code (alert_id, revision)} ({@link AlertChecks#sameEvent}).
 *
 * <p>Dedupe by {@code (alert_id, revision)} ({@code revision} absent = 0, as in schema 1): the
 * same pair with the same content is a QoS 1 duplicate (counted, dropped); a higher revision
 * replaces the stored alert; a lower one is stale (counted, ignored). Ids and revisions already
 * in the folder count, across restarts.
 *
 * <p>{@link #accept} returns only after the files (or the quarantine files) are on disk, so the
 * PUBACK that follows means "stored" or "kept in quarantine". It throws only when the folder
 * cannot be written; a bad message never makes it throw.
 *
 * <p>Permissions per {@link FileModes}. Not thread-safe: called on the MQTT client's callback
 * thread only.
 */
public final class AlertArchive {

    /** Default {@code --max-alert-bytes}: 512 KiB. */
    public static final int DEFAULT_MAX_ALERT_BYTES = 512 * 1024;
    /** Most payload bytes kept in {@code quarantine/} (reasons are always written). */
    static final long QUARANTINE_MAX_BYTES = 256L << 20;
    /** Most alerts shown on the gallery page (all stay in the folder). */
    static final int GALLERY_LIMIT = 500;
    /** index.html is rewritten at most this often (1 s). */
    static final long INDEX_INTERVAL_NANOS = 1_000_000_000L;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final AlertChecks checks;
    private final int maxAlertBytes;
    private final FileModes modes;
    private final MessageQuarantine quarantine;
    private final Map<String, Long> revisions = new HashMap<>();
    private final Map<String, JsonNode> summaries = new HashMap<>();
    private long stored;
    private long updated;
    private long duplicates;
    private long stale;
    private boolean indexDirty;
    private long lastIndexWrite = System.nanoTime() - INDEX_INTERVAL_NANOS - 1;

    private AlertArchive(Path dir, AlertChecks checks, int maxAlertBytes, FileModes modes,
                         MessageQuarantine quarantine) {
        this.dir = dir;
        this.checks = checks;
        this.maxAlertBytes = maxAlertBytes;
        this.modes = modes;
        this.quarantine = quarantine;
    }

    /** What happened to one message. */
    public enum Outcome { STORED, UPDATED, DUPLICATE, STALE, QUARANTINED }

    /** Opens with the defaults: 512 KiB per message, private files. */
    public static AlertArchive open(Path dir) {
        return open(dir, DEFAULT_MAX_ALERT_BYTES, FileModes.PRIVATE);
    }

    /**
     * Opens (creating) the folder, sets its permissions and those of the files in it, and loads
     * the alerts already in it.
     *
     * @param maxAlertBytes larger messages are quarantined unparsed
     */
    public static AlertArchive open(Path dir, int maxAlertBytes, FileModes modes) {
        if (maxAlertBytes <= 0) {
            throw new IllegalArgumentException("max alert bytes must be > 0, got " + maxAlertBytes);
        }
        try {
            modes.directory(dir);
            AlertArchive a = new AlertArchive(dir, new AlertChecks(maxAlertBytes, "--max-alert-bytes"), maxAlertBytes, modes,
                    MessageQuarantine.open(dir, modes, QUARANTINE_MAX_BYTES));
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    if (!Files.isRegularFile(p)) {
                        continue;
                    }
                    modes.apply(p);
                    String name = p.getFileName().toString();
                    String id = name.endsWith(".json") ? name.substring(0, name.length() - 5) : "";
                    if (!AlertChecks.isAlertId(id)) {
                        continue;
                    }
                    try {
                        JsonNode doc = JSON.readTree(p.toFile());
                        a.revisions.put(id, revisionOf(doc));
                        a.summaries.put(id, summary(doc));
                        a.restoreImages(id, doc);
                    } catch (IOException ex) {
                        Logger.warn("listen: cannot read {} ({}); left out of the gallery", p, ex.getMessage());
                    }
                }
            }
            a.writeIndex();
            return a;
        } catch (IOException ex) {
            throw new InvalidSettingException("cannot use the output folder " + dir + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Checks and stores one message, or quarantines it (see class comment).
     *
     * @throws IOException only when the folder cannot be written (the message must then not be
     *                     acknowledged: the broker sends it again)
     */
    public Outcome accept(String topic, byte[] payload) throws IOException {
        Rejected r;
        try {
            return store(topic, payload);
        } catch (Rejected ex) {
            r = ex;
        } catch (RuntimeException | StackOverflowError ex) {
            Logger.error(ex, "listen: internal error on a message on {}; quarantined", topic);
            r = new Rejected(Reason.INTERNAL_ERROR, ex.toString(), null, null);
        }
        quarantine.put(topic, payload, maxAlertBytes, r.reason(), r.getMessage(), r.alertId(), r.revision());
        indexChanged();
        return Outcome.QUARANTINED;
    }

    private Outcome store(String topic, byte[] payload) throws Rejected, IOException {
        AlertChecks.Checked c = checks.check(topic, payload);
        String id = c.alertId();
        ObjectNode doc = c.doc();
        List<AlertImages.Image> images = c.images();
        String device = c.deviceId();
        long rev = c.revision();
        Long have = revisions.get(id);
        if (have != null && rev < have) {
            stale++;
            Logger.info("listen: alert {} revision {} ignored: revision {} is stored", id, rev, have);
            return Outcome.STALE;
        }
        if (have != null && rev == have) {
            JsonNode old = readStored(id);
            if (AlertChecks.sameEvent(doc, old)) {
                duplicates++;
                Logger.debug("listen: duplicate alert {} revision {} dropped", id, rev);
                return Outcome.DUPLICATE;
            }
            if (old != null) {
                throw new Rejected(Reason.ID_COLLISION, "alert_id " + id + " revision " + rev
                        + " is stored already with different content", id, c.revisionField());
            }
            // the stored file is unreadable: this copy replaces it
        }
        writeAlert(id, doc, images, have != null);
        revisions.put(id, rev);
        summaries.put(id, summary(doc));
        indexChanged();
        Logger.info("listen: alert {}{} from {} (p={}, {}) stored", id, rev > 0 ? " revision " + rev : "", device,
                doc.path("crack_probability").asDouble(), doc.at("/mask_stats/class").asText());
        if (have != null) {
            updated++;
            return Outcome.UPDATED;
        }
        stored++;
        return Outcome.STORED;
    }

    /** The stored JSON of {@code id}, or null when it cannot be read. */
    private JsonNode readStored(String id) {
        try {
            return JSON.readTree(dir.resolve(id + ".json").toFile());
        } catch (IOException ex) {
            Logger.warn("listen: cannot read the stored {}.json ({}); a new copy replaces it", id, ex.getMessage());
            return null;
        }
    }

    /**
     * Images first, the JSON last (it is what marks the alert stored), then the directory fsync.
     * Only the JSON is fsync'd: it holds every image too (base64), and an image file lost in a
     * crash is extracted again from it at the next open ({@link #restoreImages}); this keeps a
     * stored alert at two fsyncs instead of one per image.
     */
    private void writeAlert(String id, JsonNode doc, List<AlertImages.Image> images, boolean replacing)
            throws IOException {
        Set<String> names = new HashSet<>();
        for (AlertImages.Image img : images) {
            String name = imageFile(id, img.field(), img.extension());
            write(dir.resolve(name), img.bytes(), false);
            names.add(name);
        }
        names.add(id + ".json");
        write(dir.resolve(id + ".json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc));
        if (replacing) { // images of the older revision that this one does not have
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, id + ".*")) {
                for (Path p : ds) {
                    if (!names.contains(p.getFileName().toString())) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
        Outbox.fsyncDirectory(dir);
    }

    /** Extracts the images of a stored alert again when a file is missing or empty (a crash before they reached the disk). */
    private void restoreImages(String id, JsonNode doc) throws IOException {
        List<String> want = new ArrayList<>();
        for (String f : new String[] {"mask", "overlay", "region"}) {
            if (doc.hasNonNull(f)) {
                want.add(imageFile(id, f, extension(doc.path(f))));
            }
        }
        for (int k = 0; k < doc.path("crops").size(); k++) {
            want.add(imageFile(id, "crops[" + k + "].image", extension(doc.path("crops").path(k).path("image"))));
        }
        boolean complete = true;
        for (String name : want) {
            Path p = dir.resolve(name);
            complete &= Files.isRegularFile(p) && Files.size(p) > 0;
        }
        if (complete) {
            return;
        }
        try {
            for (AlertImages.Image img : AlertImages.verifyAll(doc)) {
                write(dir.resolve(imageFile(id, img.field(), img.extension())), img.bytes(), false);
            }
            Logger.info("listen: images of alert {} extracted again from its JSON", id);
        } catch (AlertImages.BadImage ex) {
            Logger.warn("listen: {}.json has a bad image ({}); its image files stay missing", id, ex.getMessage());
        }
    }

    /** {@code <id>.mask.png}, {@code <id>.overlay.jpg}, {@code <id>.region.png}, {@code <id>.crop-2.jpg}. */
    static String imageFile(String id, String field, String extension) {
        String part = field.startsWith("crops[") ? "crop-" + field.substring(6, field.indexOf(']')) : field;
        return id + "." + part + "." + extension;
    }

    public long storedCount() {
        return stored;
    }

    /** Alerts replaced by a higher revision. */
    public long updatedCount() {
        return updated;
    }

    public long duplicateCount() {
        return duplicates;
    }

    /** Messages with a lower revision than the one stored (ignored). */
    public long staleCount() {
        return stale;
    }

    /** Messages quarantined by this process. */
    public long quarantinedCount() {
        return quarantine.count();
    }

    public MessageQuarantine quarantine() {
        return quarantine;
    }

    /** Ids in the folder (stored now or before). */
    public Set<String> ids() {
        return Set.copyOf(revisions.keySet());
    }

    /** The stored revision of {@code id}, or -1 when none is stored. */
    public long revision(String id) {
        return revisions.getOrDefault(id, -1L);
    }

    /** One line: what this process did. */
    public String summaryLine() {
        return String.format(Locale.ROOT, "%d alert(s) stored, %d updated to a newer revision, %d duplicate(s) dropped, "
                        + "%d older revision(s) ignored, %d quarantined (%s), in %s",
                stored, updated, duplicates, stale, quarantine.count(), quarantine.describeCounts(), dir);
    }

    private static long revisionOf(JsonNode doc) {
        JsonNode r = doc.get("revision");
        return r != null && r.isIntegralNumber() ? r.asLong() : 0;
    }

    private static JsonNode summary(JsonNode doc) {
        ObjectNode s = JSON.createObjectNode();
        for (String f : new String[] {"alert_id", "device_id", "time", "crack_probability", "source", "position",
            "mask_stats", "model"}) {
            s.set(f, doc.get(f));
        }
        String id = doc.path("alert_id").asText();
        s.put("revision", revisionOf(doc));
        s.put("overlay_file", imageFile(id, "overlay", extension(doc.path("overlay"))));
        s.put("mask_file", imageFile(id, "mask", extension(doc.path("mask"))));
        if (doc.hasNonNull("region")) {
            s.put("region_file", imageFile(id, "region", extension(doc.path("region"))));
        }
        var crops = s.putArray("crop_files");
        for (int k = 0; k < doc.path("crops").size(); k++) {
            crops.add(imageFile(id, "crops[" + k + "].image", extension(doc.path("crops").path(k).path("image"))));
        }
        return s;
    }

    private static String extension(JsonNode image) {
        return image.path("media_type").asText().equals("image/png") ? "png" : "jpg";
    }

    /** Rewrites index.html now when it was last written long enough ago, else at the next {@link #flushIndexIfDue}. */
    private void indexChanged() {
        indexDirty = true;
        try {
            flushIndexIfDue();
        } catch (IOException ex) { // the alert is stored; the page follows at the next rewrite
            Logger.warn("listen: cannot rewrite {}: {}", dir.resolve("index.html"), ex.getMessage());
        }
    }

    /**
     * Writes index.html if it changed and was last written more than {@link #INDEX_INTERVAL_NANOS}
     * ago. The gallery is a view, not the record (the JSON files are; it is rebuilt from them at
     * every open), so it is rewritten at most once a second and not fsync'd: a burst of alerts
     * does not rewrite a 500-card page per alert.
     */
    public void flushIndexIfDue() throws IOException {
        if (indexDirty && System.nanoTime() - lastIndexWrite > INDEX_INTERVAL_NANOS) {
            flushIndex();
        }
    }

    /** Writes index.html now if it changed. */
    public void flushIndex() throws IOException {
        if (indexDirty) {
            writeIndex();
        }
    }

    private void writeIndex() throws IOException {
        List<JsonNode> cards = new ArrayList<>(summaries.values());
        cards.sort(Comparator.comparing((JsonNode n) -> n.path("time").asText())
                .thenComparing(n -> n.path("alert_id").asText()).reversed());
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta http-equiv=\"refresh\" content=\"30\"><title>CrackCam alerts</title><style>")
                .append("body{font-family:sans-serif;margin:1em;background:#f4f4f4}")
                .append(".a{display:inline-block;vertical-align:top;width:330px;margin:6px;padding:6px;background:#fff;")
                .append("box-shadow:0 1px 3px #999}.a img{width:320px}.m{font-size:12px;color:#333}")
                .append("</style></head><body>\n<h1>CrackCam alerts</h1>\n<p>")
                .append(cards.size()).append(" alert(s), newest first")
                .append(cards.size() > GALLERY_LIMIT ? " (the newest " + GALLERY_LIMIT + " shown)" : "")
                .append(". Page reloads every 30 s.");
        if (quarantine.inFolder() > 0) {
            h.append(" ").append(quarantine.inFolder())
                    .append(" message(s) could not be stored: see <a href=\"quarantine/\">quarantine/</a>.");
        }
        h.append("</p>\n");
        for (JsonNode n : cards.subList(0, Math.min(GALLERY_LIMIT, cards.size()))) {
            String id = esc(n.path("alert_id").asText());
            long rev = n.path("revision").asLong();
            h.append("<div class=\"a\"><a href=\"").append(id).append(".json\"><img src=\"")
                    .append(esc(n.path("overlay_file").asText())).append("\" alt=\"overlay\"></a><div class=\"m\">")
                    .append("<b>").append(esc(n.path("time").asText())).append("</b>")
                    .append(rev > 0 ? " · revision " + rev : "").append("<br>")
                    .append("device ").append(esc(n.path("device_id").asText()))
                    .append(" · p=").append(String.format(Locale.ROOT, "%.3f", n.path("crack_probability").asDouble()))
                    .append(" · ").append(esc(n.at("/mask_stats/class").asText()))
                    .append(", ").append(String.format(Locale.ROOT, "%.0f", n.at("/mask_stats/skeleton_length_px").asDouble()))
                    .append(" px long<br>")
                    .append(esc(n.at("/source/kind").asText())).append(' ').append(esc(n.at("/source/name").asText()))
                    .append(", frame ").append(n.at("/source/frame_index").asLong());
            JsonNode pos = n.get("position");
            if (pos != null && pos.isObject()) {
                String lat = String.format(Locale.ROOT, "%.6f", pos.path("lat").asDouble());
                String lon = String.format(Locale.ROOT, "%.6f", pos.path("lon").asDouble());
                h.append("<br><a href=\"https://www.openstreetmap.org/?mlat=").append(lat).append("&amp;mlon=")
                        .append(lon).append("#map=19/").append(lat).append('/').append(lon).append("\">")
                        .append(lat).append(", ").append(lon).append("</a>");
            }
            h.append("<br><a href=\"").append(esc(n.path("mask_file").asText())).append("\">mask</a>");
            if (n.hasNonNull("region_file")) {
                h.append(" · <a href=\"").append(esc(n.path("region_file").asText())).append("\">region</a>");
            }
            JsonNode crops = n.path("crop_files");
            for (int k = 0; k < crops.size(); k++) {
                h.append(k == 0 ? " · crops" : "").append(" <a href=\"").append(esc(crops.get(k).asText()))
                        .append("\">").append(k + 1).append("</a>");
            }
            h.append(" · model ").append(esc(n.at("/model/name").asText())).append("</div></div>\n");
        }
        h.append("</body></html>\n");
        write(dir.resolve("index.html"), h.toString().getBytes(StandardCharsets.UTF_8), false);
        indexDirty = false;
        lastIndexWrite = System.nanoTime();
    }

    /** Atomic replace: temporary file (created with the file mode), fsync, rename. */
    private void write(Path target, byte[] data) throws IOException {
        write(target, data, true);
    }

    private void write(Path target, byte[] data, boolean durable) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try (FileChannel ch = modes.create(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            var buf = java.nio.ByteBuffer.wrap(data);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            if (durable) {
                ch.force(true);
            }
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Text for HTML: control characters (C0, C1, DEL) and bidirectional overrides removed (tabs
     * and line breaks become spaces), then {@code & < > " '} escaped.
     */
    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        s.codePoints().forEach(c -> {
            if (c == '\t' || c == '\n' || c == '\r') {
                b.append(' ');
            } else if (Character.getType(c) == Character.CONTROL
                    || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
                return;
            } else if (c == '&') {
                b.append("&amp;");
            } else if (c == '<') {
                b.append("&lt;");
            } else if (c == '>') {
                b.append("&gt;");
            } else if (c == '"') {
                b.append("&quot;");
            } else if (c == '\'') {
                b.append("&#39;");
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }
}
