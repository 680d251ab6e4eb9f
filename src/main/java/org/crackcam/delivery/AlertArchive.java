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
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.crackcam.alerts.AlertSchema;
import org.crackcam.pipeline.CrackcamException;
import org.tinylog.Logger;

/**
 * The folder {@code crackcam listen} keeps: for every new, valid alert {@code <id>.json},
 * {@code <id>.mask.png} and {@code <id>.overlay.jpg}, and an {@code index.html} gallery (newest
 * first). Alerts failing the schema are logged and counted, not stored; an id already stored is
 * a QoS 1 duplicate and is dropped. {@link #accept} returns only after the files are on disk, so
 * the PUBACK that follows it means "stored".
 *
 * <p>Not thread-safe: called on the MQTT client's callback thread only.
 */
public final class AlertArchive {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    /** Most alerts shown on the gallery page (all stay in the folder). */
    static final int GALLERY_LIMIT = 500;

    private final Path dir;
    private final AlertSchema schema;
    private final Set<String> seen = new HashSet<>();
    private final List<JsonNode> summaries = new ArrayList<>();
    private long stored;
    private long duplicates;
    private long invalid;

    private AlertArchive(Path dir, AlertSchema schema) {
        this.dir = dir;
        this.schema = schema;
    }

    /** Opens (creating) the folder and loads the alerts already in it. */
    public static AlertArchive open(Path dir) {
        AlertArchive a = new AlertArchive(dir, AlertSchema.load());
        try {
            Files.createDirectories(dir);
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
                for (Path p : ds) {
                    String id = p.getFileName().toString().replaceFirst("\\.json$", "");
                    if (!ID.matcher(id).matches()) {
                        continue;
                    }
                    try {
                        a.seen.add(id);
                        a.summaries.add(summary(JSON.readTree(p.toFile())));
                    } catch (IOException ex) {
                        Logger.warn("listen: cannot read {} ({}); left out of the gallery", p, ex.getMessage());
                    }
                }
            }
            a.writeIndex();
        } catch (IOException ex) {
            throw new CrackcamException(CrackcamException.Kind.CONFIGURATION,
                    "cannot use the output folder " + dir + ": " + ex.getMessage(), ex);
        }
        return a;
    }

    /** What happened to one message. */
    public enum Outcome { STORED, DUPLICATE, INVALID }

    /**
     * Validates and stores one message.
     *
     * @throws IOException when the files cannot be written (the message is then not acknowledged)
     */
    public Outcome accept(String topic, byte[] payload) throws IOException {
        JsonNode doc;
        try {
            doc = JSON.readTree(payload);
        } catch (JsonProcessingException ex) {
            invalid++;
            Logger.warn("listen: message on {} is not JSON ({}); dropped", topic, ex.getOriginalMessage());
            return Outcome.INVALID;
        }
        List<String> errors = doc == null ? List.of("empty message") : schema.validate(doc);
        if (!errors.isEmpty()) {
            invalid++;
            Logger.warn("listen: alert on {} fails the schema crackcam.alert/1 ({}); dropped", topic,
                    String.join("; ", errors.subList(0, Math.min(3, errors.size()))));
            return Outcome.INVALID;
        }
        String id = doc.get("alert_id").asText();
        if (!seen.add(id)) {
            duplicates++;
            Logger.debug("listen: duplicate alert {} dropped", id);
            return Outcome.DUPLICATE;
        }
        try {
            write(dir.resolve(id + ".mask.png"), Base64.getDecoder().decode(doc.at("/mask/data").asText()));
            write(dir.resolve(id + ".overlay.jpg"), Base64.getDecoder().decode(doc.at("/overlay/data").asText()));
            write(dir.resolve(id + ".json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc));
        } catch (IOException | RuntimeException ex) {
            seen.remove(id);
            throw ex;
        }
        stored++;
        summaries.add(summary(doc));
        writeIndex();
        Logger.info("listen: alert {} from {} (p={}, {}) stored", id, doc.get("device_id").asText(),
                doc.get("crack_probability").asDouble(), doc.at("/mask_stats/class").asText());
        return Outcome.STORED;
    }

    public long storedCount() {
        return stored;
    }

    public long duplicateCount() {
        return duplicates;
    }

    public long invalidCount() {
        return invalid;
    }

    /** Ids in the folder (stored now or before). */
    public Set<String> ids() {
        return Set.copyOf(seen);
    }

    private static JsonNode summary(JsonNode doc) {
        var s = JSON.createObjectNode();
        for (String f : new String[] {"alert_id", "device_id", "time", "crack_probability"}) {
            s.set(f, doc.get(f));
        }
        s.set("source", doc.get("source"));
        s.set("position", doc.get("position"));
        s.set("mask_stats", doc.get("mask_stats"));
        s.set("model", doc.get("model"));
        return s;
    }

    private void writeIndex() throws IOException {
        summaries.sort(Comparator.comparing((JsonNode n) -> n.path("time").asText())
                .thenComparing(n -> n.path("alert_id").asText()).reversed());
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta http-equiv=\"refresh\" content=\"30\"><title>CrackCam alerts</title><style>")
                .append("body{font-family:sans-serif;margin:1em;background:#f4f4f4}")
                .append(".a{display:inline-block;vertical-align:top;width:330px;margin:6px;padding:6px;background:#fff;")
                .append("box-shadow:0 1px 3px #999}.a img{width:320px}.m{font-size:12px;color:#333}")
                .append("</style></head><body>\n<h1>CrackCam alerts</h1>\n<p>")
                .append(summaries.size()).append(" alert(s), newest first")
                .append(summaries.size() > GALLERY_LIMIT ? " (the newest " + GALLERY_LIMIT + " shown)" : "")
                .append(". Page reloads every 30 s.</p>\n");
        for (JsonNode n : summaries.subList(0, Math.min(GALLERY_LIMIT, summaries.size()))) {
            String id = esc(n.path("alert_id").asText());
            h.append("<div class=\"a\"><a href=\"").append(id).append(".json\"><img src=\"").append(id)
                    .append(".overlay.jpg\" alt=\"overlay\"></a><div class=\"m\">")
                    .append("<b>").append(esc(n.path("time").asText())).append("</b><br>")
                    .append("device ").append(esc(n.path("device_id").asText()))
                    .append(" · p=").append(String.format(Locale.ROOT, "%.3f", n.path("crack_probability").asDouble()))
                    .append(" · ").append(esc(n.at("/mask_stats/class").asText()))
                    .append(", ").append(String.format(Locale.ROOT, "%.0f", n.at("/mask_stats/skeleton_length_px").asDouble()))
                    .append(" px long<br>")
                    .append(esc(n.at("/source/kind").asText())).append(' ').append(esc(n.at("/source/name").asText()))
                    .append(", frame ").append(n.at("/source/frame_index").asLong());
            JsonNode pos = n.get("position");
            if (pos != null && !pos.isNull()) {
                String lat = String.format(Locale.ROOT, "%.6f", pos.path("lat").asDouble());
                String lon = String.format(Locale.ROOT, "%.6f", pos.path("lon").asDouble());
                h.append("<br><a href=\"https://www.openstreetmap.org/?mlat=").append(lat).append("&amp;mlon=")
                        .append(lon).append("#map=19/").append(lat).append('/').append(lon).append("\">")
                        .append(lat).append(", ").append(lon).append("</a>");
            }
            h.append("<br><a href=\"").append(id).append(".mask.png\">mask</a> · model ")
                    .append(esc(n.at("/model/name").asText())).append("</div></div>\n");
        }
        h.append("</body></html>\n");
        write(dir.resolve("index.html"), h.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Atomic replace: temporary file, fsync, rename. */
    private void write(Path target, byte[] data) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            var buf = java.nio.ByteBuffer.wrap(data);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
