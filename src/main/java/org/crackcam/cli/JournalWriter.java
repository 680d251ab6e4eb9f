package org.crackcam.cli;

import java.io.PrintStream;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Map;

import org.tinylog.Level;
import org.tinylog.core.LogEntry;
import org.tinylog.core.LogEntryValue;
import org.tinylog.writers.Writer;

/**
 * TinyLog writer for systemd-journald: one plain line per entry, prefixed by the syslog
 * priority ({@code <3>} error, {@code <4>} warning, {@code <6>} info, {@code <7>} debug/trace),
 * which journald turns into the entry's priority. Writes to standard error (journald reads
 * both streams the same way), so standard output stays free for command results.
 *
 * <p>Selected with {@code writer = journal} in a TinyLog configuration.
 */
public final class JournalWriter implements Writer {

    private final PrintStream out;

    /** Called by TinyLog with the writer's properties (none are used). */
    public JournalWriter(Map<String, String> properties) {
        this.out = System.err;
    }

    @Override
    public Collection<LogEntryValue> getRequiredLogEntryValues() {
        return EnumSet.of(LogEntryValue.LEVEL, LogEntryValue.MESSAGE, LogEntryValue.EXCEPTION,
                LogEntryValue.CLASS);
    }

    @Override
    public void write(LogEntry entry) {
        StringBuilder line = new StringBuilder(128);
        line.append('<').append(priority(entry.getLevel())).append('>');
        if (entry.getMessage() != null) {
            line.append(entry.getMessage());
        }
        Throwable t = entry.getException();
        if (t != null) {
            line.append(entry.getMessage() == null ? "" : ": ").append(t);
        }
        // One journal entry per line: keep multi-line messages on one line.
        out.println(line.toString().replace('\n', ' '));
    }

    /** The syslog priority of a TinyLog level. */
    static int priority(Level level) {
        return switch (level) {
            case ERROR -> 3;
            case WARN -> 4;
            case INFO -> 6;
            case DEBUG, TRACE -> 7;
            case OFF -> 7;
        };
    }

    @Override
    public void flush() {
        out.flush();
    }

    @Override
    public void close() {
        out.flush();
    }
}
