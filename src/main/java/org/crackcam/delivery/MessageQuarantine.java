package org.crackcam.delivery;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.crackcam.delivery.AlertChecks.Reason;
import org.tinylog.Logger;

/**
 * {@code <archive>/quarantine/}: the messages {@code crackcam listen} received but could not
 * store, each kept for inspection as {@code <UTC time>-<sha256 prefix>.msg} (the payload as
 * received; the first {@code keepBytes} bytes of an oversized one) with a sidecar
 * {@code <same name>.reason.json}: {@code {"reason": code, "detail": one line, "topic", "received",
 * "bytes", "kept_bytes", "alert_id", "revision"}}. Counted per {@link Reason} ({@link AlertChecks}).
 *
 * <p>The payloads kept are bounded by {@code maxKeptBytes} in all (counted over this folder):
 * beyond it only the reason is written (a flood of bad messages cannot fill the disk through
 * here). Not thread-safe: used by {@link AlertArchive} under its lock.
 */
public final class MessageQuarantine {

    static final String DIR = "quarantine";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final Path dir;
    private final FileModes modes;
    private final long maxKeptBytes;
    private final Map<Reason, Long> counts = new EnumMap<>(Reason.class);
    private long keptBytes;
    private long inFolder;

    private MessageQuarantine(Path dir, FileModes modes, long maxKeptBytes) {
        this.dir = dir;
        this.modes = modes;
        this.maxKeptBytes = maxKeptBytes;
    }

    /** Opens {@code archive/quarantine} (created on the first message) and counts what is in it. */
    static MessageQuarantine open(Path archive, FileModes modes, long maxKeptBytes) throws IOException {
        MessageQuarantine q = new MessageQuarantine(archive.resolve(DIR), modes, maxKeptBytes);
        if (Files.isDirectory(q.dir)) {
            modes.directory(q.dir);
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(q.dir)) {
                for (Path p : ds) {
                    String n = p.getFileName().toString();
                    if (n.endsWith(".reason.json")) {
                        q.inFolder++;
                    } else if (n.endsWith(".msg")) {
                        q.keptBytes += Files.size(p);
                    }
                }
            }
        }
        return q;
    }

    public Path directory() {
        return dir;
    }

    /**
     * Writes the message and its reason (fsync'd before returning, so an acknowledgement that
     * follows means "kept").
     *
     * @param keepBytes most bytes of the payload to keep
     * @throws IOException when the folder cannot be written
     */
    void put(String topic, byte[] payload, int keepBytes, Reason reason, String detail, String alertId,
             Long revision) throws IOException {
        modes.directory(dir);
        Instant now = Instant.now();
        String base = STAMP.format(now) + "-" + HexFormat.of().formatHex(Outbox.sha256(payload), 0, 6);
        int keep = Math.min(payload.length, Math.max(0, keepBytes));
        boolean full = keptBytes + keep > maxKeptBytes;
        if (full) {
            keep = 0;
        }
        String name = base;
        for (int i = 1; Files.exists(dir.resolve(name + ".msg")) || Files.exists(dir.resolve(name + ".reason.json")); i++) {
            name = base + "-" + i; // the same message twice in one millisecond
        }
        if (keep > 0) {
            write(dir.resolve(name + ".msg"), ByteBuffer.wrap(payload, 0, keep));
        }
        ObjectNode r = JSON.createObjectNode();
        r.put("reason", reason.code());
        r.put("detail", detail);
        r.put("topic", topic);
        r.put("received", now.toString());
        r.put("bytes", payload.length);
        r.put("kept_bytes", keep);
        if (full) {
            r.put("note", "payload not kept: the quarantine holds " + keptBytes + " bytes, its limit is " + maxKeptBytes);
        }
        if (alertId != null) {
            r.put("alert_id", alertId);
        }
        if (revision != null) {
            r.put("revision", revision);
        }
        byte[] reasonJson = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(r);
        write(dir.resolve(name + ".reason.json"), ByteBuffer.wrap(reasonJson));
        Outbox.fsyncDirectory(dir);
        keptBytes += keep;
        inFolder++;
        long n = counts.merge(reason, 1L, Long::sum);
        Logger.warn("listen: message on {} quarantined as {} ({}: {}); {} {} so far", topic, name, reason.code(),
                detail, n, reason.code());
    }

    private void write(Path p, ByteBuffer data) throws IOException {
        try (FileChannel ch = modes.create(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (data.hasRemaining()) {
                ch.write(data);
            }
            ch.force(true);
        }
    }

    /** Messages quarantined by this process, per reason (reasons with none left out). */
    public Map<Reason, Long> counts() {
        return Map.copyOf(counts);
    }

    /** Messages quarantined by this process. */
    public long count() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Reason files in the folder (this run and earlier ones). */
    public long inFolder() {
        return inFolder;
    }

    /** "2 schema, 1 bad-image" (or "none"). */
    public String describeCounts() {
        StringBuilder s = new StringBuilder();
        for (Reason r : Reason.values()) {
            Long n = counts.get(r);
            if (n != null) {
                s.append(s.length() == 0 ? "" : ", ").append(n).append(' ').append(r.code());
            }
        }
        return s.length() == 0 ? "none" : s.toString();
    }
}
