package org.crackcam.delivery;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Capped exponential back-off with full jitter: the n-th consecutive failure waits a uniformly
 * random time in [base·2ⁿ⁻¹ / 2, min(cap, base·2ⁿ⁻¹)]. Half of the nominal delay is kept as a
 * floor so that a fleet restarting together spreads out without hammering the broker.
 * Not thread-safe (owned by one reconnect loop).
 */
public final class Backoff {

    private final long baseMillis;
    private final long capMillis;
    private final RandomGenerator random;
    private int failures;

    public Backoff(Duration base, Duration cap, RandomGenerator random) {
        if (base.isNegative() || base.isZero() || cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("back-off needs 0 < base <= cap, got " + base + ", " + cap);
        }
        this.baseMillis = base.toMillis();
        this.capMillis = cap.toMillis();
        this.random = random;
    }

    /** The delay before the next attempt; counts one more failure. */
    public Duration next() {
        failures++;
        long nominal = failures >= 40 ? capMillis : Math.min(capMillis, baseMillis << Math.min(failures - 1, 39));
        long lo = nominal / 2;
        return Duration.ofMillis(lo + (nominal > lo ? random.nextLong(nominal - lo + 1) : 0));
    }

    /** Consecutive failures so far. */
    public int failures() {
        return failures;
    }

    /** Called after a success. */
    public void reset() {
        failures = 0;
    }
}
