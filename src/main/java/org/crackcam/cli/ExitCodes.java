package org.crackcam.cli;

import java.util.List;

import org.crackcam.bundle.BundleException;
import org.crackcam.capture.DamagedInputException;
import org.crackcam.capture.UnreadableInputException;
import org.crackcam.delivery.DeliveryException;
import org.crackcam.delivery.UndeliveredException;
import org.crackcam.inference.InferenceException;
import org.crackcam.pipeline.OutputException;
import org.crackcam.service.ConfigException;
import org.crackcam.settings.InvalidSettingException;

/**
 * The exit codes of every {@code crackcam} command (shared by all subcommands and the service),
 * and the one place where a failure becomes one: {@link #of(Throwable)}, read from
 * {@link #RULES}. Domain code throws the specific exception; nothing else picks a code. The table
 * in docs/runtime.md is tested against these constants and rules (CliBadInputTest).
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

    /** One failure type and its exit code. */
    public record Rule(Class<? extends Throwable> type, int code) {
    }

    /**
     * Failure type → exit code, first match wins (a subclass before its parent). Anything not
     * listed (a bug) is {@link #INTERNAL}.
     */
    public static final List<Rule> RULES = List.of(
            new Rule(InvalidSettingException.class, USAGE),
            new Rule(ConfigException.class, USAGE),
            new Rule(DamagedInputException.class, DAMAGED_INPUT),
            new Rule(UnreadableInputException.class, BAD_INPUT),
            new Rule(BundleException.class, BAD_BUNDLE),
            new Rule(UndeliveredException.class, UNDELIVERED),
            new Rule(DeliveryException.class, DELIVERY),
            new Rule(InferenceException.class, INTERNAL),
            new Rule(OutputException.class, INTERNAL),
            new Rule(InterruptedException.class, INTERRUPTED));

    private ExitCodes() {
    }

    /** The exit code for any failure that reached the command line or the service. */
    public static int of(Throwable ex) {
        for (Rule r : RULES) {
            if (r.type().isInstance(ex)) {
                return r.code();
            }
        }
        return INTERNAL;
    }
}
