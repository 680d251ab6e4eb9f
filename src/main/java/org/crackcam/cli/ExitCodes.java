package org.crackcam.cli;

import org.crackcam.pipeline.CrackcamException;

/** The exit codes of every {@code crackcam} command (shared by all subcommands). */
public final class ExitCodes {
    /** Success. */
    public static final int OK = 0;
    /** Internal error (a bug, or an unexpected failure). */
    public static final int INTERNAL = 1;
    /** Usage error or bad configuration. */
    public static final int USAGE = 2;
    /** Bad input file: a video or image that is missing, not media, or truncated. */
    public static final int BAD_INPUT = 3;
    /** Bad model bundle: hash, graph contract or manifest. */
    public static final int BAD_BUNDLE = 4;
    /** Broker or delivery error. */
    public static final int DELIVERY = 5;
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
            case INTERNAL -> INTERNAL;
        };
    }
}
