package org.crackcam.capture.live;

import java.util.random.RandomGenerator;

/**
 * Capped exponential back-off with jitter: the n-th consecutive failure waits
 * {@code min(max, initial·2ⁿ)·(1 ± jitter·u)}, u uniform in [0, 1), never more than {@code max}.
 * Jitter keeps a fleet of vehicles from reconnecting to one backend in lock-step. Not
 * thread-safe: owned by one supervisor thread.
 */
public final class Backoff {

    private final long initialMs;
    private final long maxMs;
    private final double jitter;
    private final RandomGenerator random;
    private int failures;

    public Backoff(long initialMs, long maxMs, double jitter, RandomGenerator random) {
        if (initialMs <= 0 || maxMs < initialMs || jitter < 0 || jitter > 1) {
            throw new IllegalArgumentException("bad back-off: initial " + initialMs + " ms, max " + maxMs
                    + " ms, jitter " + jitter);
        }
        this.initialMs = initialMs;
        this.maxMs = maxMs;
        this.jitter = jitter;
        this.random = random;
    }

    /** The delay before the next attempt; each call counts one more failure. */
    public long nextDelayMs() {
        double base = Math.min((double) maxMs, initialMs * Math.pow(2, Math.min(failures, 40)));
        failures++;
        double j = 1 + jitter * (2 * random.nextDouble() - 1);
        return Math.max(1, Math.min(maxMs, Math.round(base * j)));
    }

    /** After a success: the next failure waits the initial delay again. */
    public void reset() {
        failures = 0;
    }

    public int failures() {
        return failures;
    }
}
