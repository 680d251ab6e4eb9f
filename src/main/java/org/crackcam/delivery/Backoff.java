package org.crackcam.delivery;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Capped exponential back-off with jitter, the one of the project (broker reconnects, camera
 * reconnects): the n-th consecutive failure waits a uniformly random time in
 * [nominal·(1 − jitter), nominal] with nominal = min(cap, base·2ⁿ⁻¹). The default jitter 0.5 keeps
 * half of the nominal delay as a floor so that a fleet restarting together spreads out without
 * hammering the broker; jitter 0 waits exactly the nominal delay. Not thread-safe (owned by one
 * reconnect loop or supervisor thread).
 */
public final class Backoff {

    private final long baseMillis;
    private final long capMillis;
    private final double jitter;
    private final RandomGenerator random;
    private int failures;

    /** With jitter 0.5. */
    public Backoff(Duration base, Duration cap, RandomGenerator random) {
        this(base, cap, 0.5, random);
    }

    /** @param jitter fraction of the nominal delay that is random, in [0, 1] */
    public Backoff(Duration base, Duration cap, double jitter, RandomGenerator random) {
        if (base.isNegative() || base.isZero() || cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("back-off needs 0 < base <= cap, got " + base + ", " + cap);
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("back-off jitter must be in [0, 1], got " + jitter);
        }
        this.baseMillis = base.toMillis();
        this.capMillis = cap.toMillis();
        this.jitter = jitter;
        this.random = random;
    }

    /** The delay before the next attempt; counts one more failure. */
    public Duration next() {
        failures++;
        long nominal = failures >= 40 ? capMillis : Math.min(capMillis, baseMillis << Math.min(failures - 1, 39));
        long lo = nominal - Math.round(nominal * jitter);
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
