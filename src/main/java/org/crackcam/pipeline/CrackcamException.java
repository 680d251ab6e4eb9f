package org.crackcam.pipeline;

/**
 * A failure the program reports to its user as one line and a specific exit code.
 * Thrown at I/O and native boundaries with the cause kept; handled (and logged) once, by the
 * command line ({@code org.crackcam.cli.Main}) or the service.
 */
public class CrackcamException extends RuntimeException {

    /** What went wrong, from the user's point of view; the command line maps it to an exit code. */
    public enum Kind {
        /** Bad options or configuration (exit 2). */
        CONFIGURATION,
        /** A video or image that cannot be read (exit 3). */
        INPUT,
        /** A model bundle that fails its checks (exit 4). */
        BUNDLE,
        /** A broker or delivery failure (exit 5). */
        DELIVERY,
        /** A video that decoded, but with more damaged frames than allowed; outputs are complete (exit 6). */
        DAMAGED_INPUT,
        /** Alerts still unacknowledged when the delivery time ran out; they stay in the outbox (exit 7). */
        UNDELIVERED,
        /** Anything else (exit 1). */
        INTERNAL
    }

    private final Kind kind;

    public CrackcamException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public CrackcamException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
