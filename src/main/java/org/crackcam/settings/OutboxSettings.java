package org.crackcam.settings;

import java.nio.file.Path;
import java.util.List;

/**
 * The durable alert outbox — {@code outbox.*} in the service's file, {@code --outbox
 * --outbox-quota-mb --group-readable} on the command line.
 *
 * @param dir           the outbox folder (null on the command line: the state directory's default)
 * @param maxMb         most megabytes kept; the oldest alerts are evicted beyond it, 1–1000000
 * @param groupReadable folders 0750 and files 0640 (the operators' group may read alerts) instead
 *                      of 0700 / 0600
 */
public record OutboxSettings(Path dir, long maxMb, boolean groupReadable) {

    public static final Key DIR = new Key("outbox.dir", "--outbox");
    public static final Key MAX_MB = new Key("outbox.max_mb", "--outbox-quota-mb");
    public static final Key GROUP_READABLE = new Key("outbox.group_readable", "--group-readable");
    /** Every key of this record. */
    public static final List<Key> KEYS = List.of(DIR, MAX_MB, GROUP_READABLE);

    public static final int DEFAULT_MAX_MB = 512;

    public OutboxSettings {
        maxMb(maxMb);
    }

    /** Checks {@link #MAX_MB}. */
    public static long maxMb(long mb) {
        return Check.range(MAX_MB, mb, 1, 1_000_000);
    }

    public long maxBytes() {
        return maxMb * 1024 * 1024;
    }
}
