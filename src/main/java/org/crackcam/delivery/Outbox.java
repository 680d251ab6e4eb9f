package org.crackcam.delivery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.crackcam.alerts.Alert;
import org.tinylog.Logger;

/**
 * A directory of alerts waiting for the broker's acknowledgement.
 *
 * <p>{@link #put} writes a temporary file, fsyncs it, renames it atomically to its final name
 * and fsyncs the directory before it returns: once it returned, the alert survives a crash or a
 * power cut. {@link #remove} deletes it after the PUBACK. Files are named
 * {@code <20-digit order key>-<alert id>.alert} and sent in name order (oldest first); the order
 * key is the time of writing in microseconds, made strictly increasing within a process, so
 * several processes (replays and the service) can write to one outbox.
 *
 * <p>File format: a header line {@code crackcam-outbox/1 <length> <sha256 hex>\n} followed by the
 * alert JSON. A file whose header, length, checksum or JSON does not hold (a truncated write
 * from before this format's fsync, disk corruption, garbage) is reported once, moved to
 * {@code quarantine/} and skipped; the others still go.
 *
 * <p>Permissions ({@link FileModes}): the directory and its {@code quarantine/} are {@code 0700}
 * and every file {@code 0600} ({@code 0750}/{@code 0640} when group-readable); files found at
 * start-up with other modes are set to these.
 *
 * <p>A quota bounds the bytes kept: when a new alert would exceed it, the oldest alerts are
 * evicted (deleted), counted and logged.
 *
 * <p>Thread-safe: writers, the publisher and PUBACK callbacks may call concurrently.
 */
public final class Outbox {

    /** First token of every outbox file. */
    static final String MAGIC = "crackcam-outbox/1";
    static final String SUFFIX = ".alert";
    private static final Pattern NAME = Pattern.compile("(\\d{20})-([0-9a-f-]{36})\\" + SUFFIX);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicLong LAST_KEY = new AtomicLong();

    private final Path dir;
    private final Path quarantine;
    private final long quotaBytes;
    private final FileModes modes;
    private final TreeMap<String, Entry> entries = new TreeMap<>();
    private long bytes;
    private final AtomicLong stored = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong evicted = new AtomicLong();
    private final AtomicLong quarantined = new AtomicLong();
    private volatile Runnable onPut = () -> { };

    /** One stored alert. {@code name} orders entries (oldest first). */
    public record Entry(String name, String alertId, Path path, long sizeBytes) {
    }

    private Outbox(Path dir, long quotaBytes, FileModes modes) {
        this.dir = dir;
        this.quarantine = dir.resolve("quarantine");
        this.quotaBytes = quotaBytes;
        this.modes = modes;
    }

    /**
     * Opens (creating it if needed) the outbox at {@code dir}, removes temporary files left by
     * a crash, checks every stored alert and quarantines the corrupt ones.
     *
     * @param quotaBytes most bytes of alerts kept; older ones are evicted beyond it
     * @throws DeliveryException when the directory cannot be created or read
     */
    public static Outbox open(Path dir, long quotaBytes) {
        return open(dir, quotaBytes, FileModes.PRIVATE);
    }

    /**
     * As {@link #open(Path, long)}, with the permissions of the directory and its files.
     *
     * @param modes {@link FileModes#PRIVATE} (0700/0600) or {@link FileModes#GROUP_READABLE} (0750/0640)
     */
    public static Outbox open(Path dir, long quotaBytes, FileModes modes) {
        if (quotaBytes <= 0) {
            throw new IllegalArgumentException("outbox quota must be > 0 bytes, got " + quotaBytes);
        }
        Outbox box = new Outbox(dir.toAbsolutePath().normalize(), quotaBytes, modes);
        try {
            modes.directory(box.dir);
            if (Files.isDirectory(box.quarantine)) {
                modes.directory(box.quarantine);
            }
        } catch (IOException ex) {
            throw new DeliveryException("cannot create the outbox directory " + dir + ": " + ex.getMessage(), ex);
        }
        box.refresh();
        return box;
    }

    public Path directory() {
        return dir;
    }

    /** The permissions this outbox gives its directory and files. */
    public FileModes modes() {
        return modes;
    }

    /** Called (on the writer's thread) after every successful {@link #put}. */
    public void onPut(Runnable callback) {
        this.onPut = callback == null ? () -> { } : callback;
    }

    /**
     * Stores the alert durably (see class comment), then evicts the oldest alerts while the
     * outbox is over its quota.
     *
     * @throws DeliveryException when the alert cannot be written
     */
    public Entry put(Alert alert) {
        byte[] json = alert.json();
        String header = MAGIC + " " + json.length + " " + HexFormat.of().formatHex(sha256(json)) + "\n";
        byte[] head = header.getBytes(StandardCharsets.US_ASCII);
        String name = String.format("%020d-%s%s", nextKey(), alert.id(), SUFFIX);
        Path target = dir.resolve(name);
        Path tmp = dir.resolve(".tmp-" + name);
        try {
            try (FileChannel ch = modes.create(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer[] bufs = {ByteBuffer.wrap(head), ByteBuffer.wrap(json)};
                long want = head.length + (long) json.length;
                long done = 0;
                while (done < want) {
                    done += ch.write(bufs);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException ex) {
                throw new IOException("the outbox file system cannot rename atomically", ex);
            }
            fsyncDirectory(dir);
        } catch (IOException ex) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the temporary file is removed at the next start-up
            }
            throw new DeliveryException("cannot store alert " + alert.id() + " in the outbox " + dir + ": " + ex.getMessage(), ex);
        }
        Entry e = new Entry(name, alert.id(), target, head.length + (long) json.length);
        List<Entry> evictedNow = new ArrayList<>();
        synchronized (this) {
            entries.put(name, e);
            bytes += e.sizeBytes();
            while (bytes > quotaBytes && entries.size() > 1) {
                Entry oldest = entries.firstEntry().getValue();
                entries.remove(oldest.name());
                bytes -= oldest.sizeBytes();
                evictedNow.add(oldest);
            }
        }
        stored.incrementAndGet();
        for (Entry old : evictedNow) {
            long n = evicted.incrementAndGet();
            deleteQuietly(old.path());
            Logger.warn("outbox {} over its quota of {} bytes: evicted the oldest alert {} ({} evicted so far)",
                    dir, quotaBytes, old.alertId(), n);
        }
        onPut.run();
        return e;
    }

    /** The stored alerts, oldest first (a snapshot). */
    public synchronized List<Entry> pending() {
        return List.copyOf(entries.values());
    }

    /** Number of stored alerts. */
    public synchronized int size() {
        return entries.size();
    }

    /** Bytes of the stored alerts (headers included). */
    public synchronized long sizeBytes() {
        return bytes;
    }

    /** True while the entry is still stored (not removed, evicted or quarantined). */
    public synchronized boolean contains(Entry e) {
        return entries.containsKey(e.name());
    }

    /**
     * The alert JSON of an entry, checked against its header. A corrupt file is quarantined
     * and reported, and null is returned; null too when the entry is gone (evicted, or removed
     * by another process).
     */
    public byte[] read(Entry e) {
        byte[] raw;
        try {
            raw = Files.readAllBytes(e.path());
        } catch (NoSuchFileException ex) {
            forget(e);
            return null;
        } catch (IOException ex) {
            throw new DeliveryException("cannot read outbox file " + e.path() + ": " + ex.getMessage(), ex);
        }
        String problem = check(raw, e.alertId());
        if (problem != null) {
            quarantine(e.path(), problem);
            forget(e);
            return null;
        }
        int nl = indexOf(raw, (byte) '\n');
        byte[] json = new byte[raw.length - nl - 1];
        System.arraycopy(raw, nl + 1, json, 0, json.length);
        return json;
    }

    /** Deletes an acknowledged alert. Idempotent. */
    public void remove(Entry e) {
        boolean known;
        synchronized (this) {
            known = entries.remove(e.name()) != null;
            if (known) {
                bytes -= e.sizeBytes();
            }
        }
        deleteQuietly(e.path());
        if (known) {
            delivered.incrementAndGet();
        }
    }

    /**
     * Re-reads the directory: deletes stale temporary files of this outbox, adds alerts written
     * by other processes, quarantines corrupt files, forgets files deleted by others.
     */
    public void refresh() {
        Map<String, Path> found = new TreeMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.startsWith(".tmp-")) {
                    // Only files older than a minute: another process may be writing this one now.
                    if (Files.getLastModifiedTime(p).toMillis() < System.currentTimeMillis() - 60_000) {
                        Logger.info("outbox: removing {} (an alert whose write never completed)", n);
                        deleteQuietly(p);
                    }
                } else if (Files.isRegularFile(p) && !n.startsWith(".")) {
                    found.put(n, p);
                }
            }
        } catch (IOException ex) {
            throw new DeliveryException("cannot list the outbox " + dir + ": " + ex.getMessage(), ex);
        }
        synchronized (this) {
            entries.keySet().removeIf(n -> {
                if (!found.containsKey(n)) {
                    bytes -= entries.get(n).sizeBytes();
                    return true;
                }
                return false;
            });
        }
        for (Map.Entry<String, Path> f : found.entrySet()) {
            synchronized (this) {
                if (entries.containsKey(f.getKey())) {
                    continue;
                }
            }
            Matcher m = NAME.matcher(f.getKey());
            if (!m.matches()) {
                quarantine(f.getValue(), "not an outbox file name");
                continue;
            }
            byte[] raw;
            try {
                raw = Files.readAllBytes(f.getValue());
            } catch (NoSuchFileException ex) {
                continue;
            } catch (IOException ex) {
                quarantine(f.getValue(), "unreadable: " + ex.getMessage());
                continue;
            }
            String problem = check(raw, m.group(2));
            if (problem != null) {
                quarantine(f.getValue(), problem);
                continue;
            }
            try {
                modes.apply(f.getValue());
            } catch (IOException ex) {
                Logger.warn("outbox: cannot set the permissions of {}: {}", f.getValue(), ex.getMessage());
            }
            synchronized (this) {
                entries.put(f.getKey(), new Entry(f.getKey(), m.group(2), f.getValue(), raw.length));
                bytes += raw.length;
            }
        }
    }

    /** Alerts stored by this process. */
    public long storedCount() {
        return stored.get();
    }

    /** Alerts removed after their acknowledgement. */
    public long deliveredCount() {
        return delivered.get();
    }

    /** Alerts evicted by the quota. */
    public long evictedCount() {
        return evicted.get();
    }

    /** Files moved to quarantine/. */
    public long quarantinedCount() {
        return quarantined.get();
    }

    /**
     * The alert JSON of the bytes of an outbox file, checked against its header (as {@link #read}
     * does; any alert id). Used by {@code crackcam office --import-outbox}.
     *
     * @throws IllegalArgumentException naming the problem when the file does not hold
     */
    public static byte[] payload(byte[] raw) {
        String problem = check(raw, null);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return java.util.Arrays.copyOfRange(raw, indexOf(raw, (byte) '\n') + 1, raw.length);
    }

    /** Why {@code raw} is not a valid outbox file for {@code alertId} (null: any), or null when it is. */
    static String check(byte[] raw, String alertId) {
        int nl = indexOf(raw, (byte) '\n');
        if (nl < 0 || nl > 200) {
            return raw.length == 0 ? "empty file" : "no header line";
        }
        String[] head = new String(raw, 0, nl, StandardCharsets.US_ASCII).split(" ");
        if (head.length != 3 || !head[0].equals(MAGIC)) {
            return "bad header";
        }
        long length;
        try {
            length = Long.parseLong(head[1]);
        } catch (NumberFormatException ex) {
            return "bad length in header";
        }
        long actual = raw.length - nl - 1L;
        if (actual != length) {
            return "truncated or padded: " + actual + " bytes of JSON, header says " + length;
        }
        byte[] json = new byte[(int) actual];
        System.arraycopy(raw, nl + 1, json, 0, json.length);
        if (!HexFormat.of().formatHex(sha256(json)).equals(head[2])) {
            return "checksum mismatch";
        }
        try {
            JsonNode doc = JSON.readTree(json);
            if (doc == null || !doc.isObject()) {
                return "not a JSON object";
            }
            if (alertId != null && !alertId.equals(doc.path("alert_id").asText())) {
                return "alert_id differs from the file name";
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            return "invalid JSON: " + ex.getOriginalMessage();
        } catch (IOException ex) {
            return "unreadable JSON: " + ex.getMessage();
        }
        return null;
    }

    private void quarantine(Path p, String problem) {
        try {
            modes.directory(quarantine);
            Path target = quarantine.resolve(p.getFileName());
            Files.move(p, target, StandardCopyOption.REPLACE_EXISTING);
            long n = quarantined.incrementAndGet();
            Logger.error("outbox: corrupt file {} ({}): moved to {} and skipped ({} quarantined so far)",
                    p.getFileName(), problem, target, n);
        } catch (NoSuchFileException ex) {
            // removed meanwhile by another process
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot move corrupt outbox file " + p + " to " + quarantine, ex);
        }
    }

    private synchronized void forget(Entry e) {
        if (entries.remove(e.name()) != null) {
            bytes -= e.sizeBytes();
        }
    }

    private static long nextKey() {
        long now = System.currentTimeMillis() * 1000L + (System.nanoTime() / 1000L) % 1000L;
        return LAST_KEY.updateAndGet(last -> Math.max(last + 1, now));
    }

    /** fsyncs a directory so that a rename in it is durable (Linux: open read-only, fsync). */
    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ex) {
            Logger.warn("outbox: cannot delete {}: {}", p, ex.getMessage());
        }
    }

    private static int indexOf(byte[] a, byte b) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 missing from this JVM", ex);
        }
    }
}
