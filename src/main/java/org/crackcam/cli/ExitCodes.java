package org.crackcam.cli;

import org.crackcam.pipeline.CrackcamException;

/**
 * The exit codes of every {@code crackcam} command (shared by all subcommands), and the one place
 * where a failure becomes one: {@link #of(Throwable)}. The table in docs/runtime.md is tested
 * against these constants (CliBadInputTest).
 */
public final class ExitCodes {
    /** Success. */
    public static final int OK = 0;
    /** Internal error (a bug, or an unexpected failure). */
    public static final int INTERNAL = 1;
    /** Usage error or bad configuration. */
    public static final int USAGE = 2;
    /** Bad input file: a video or image that is missing, not media, too large, or truncated. */
    public static final int BAD_INPUT = 3;
    /** Bad model bundle: hash, graph contract or manifest. */
    public static final int BAD_BUNDLE = 4;
    /** Broker or delivery error (including an outbox that cannot be written). */
    public static final int DELIVERY = 5;
    /** A video decoded with more damaged frames than {@code --max-decode-errors}; outputs are complete. */
    public static final int DAMAGED_INPUT = 6;
    /** Alerts not acknowledged by the broker within the drain timeout; they stay in the outbox. */
    public static final int UNDELIVERED = 7;
    /** Interrupted (SIGINT). */
    public static final int INTERRUPTED = 130;

    private ExitCodes() {
    }

    /** The exit code for a failure of the given kind. */
    public static int of(CrackcamException.Kind kind) {
        return switch (kind) {
            case CONFIGURATION -> USAGE;
            case INPUT -> BAD_INPUT;
            case BUNDLE -> BAD_BUNDLE;
            case DELIVERY -> DELIVERY;
            case DAMAGED_INPUT -> DAMAGED_INPUT;
            case UNDELIVERED -> UNDELIVERED;
            case INTERNAL -> INTERNAL;
        };
    }

    /** The exit code for any failure that reached the command line. */
    public static int of(Throwable ex) {
        if (ex instanceof CrackcamException ce) {
            return of(ce.kind());
        }
        if (ex instanceof InterruptedException) {
            return INTERRUPTED;
        }
        return INTERNAL;
    }
}
