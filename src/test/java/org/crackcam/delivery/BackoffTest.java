package org.crackcam.delivery;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void delaysDoubleWithinJitterBoundsAndStopAtTheCap() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), RandomGenerator.of("L64X128MixRandom"));
        long nominal = 100;
        for (int i = 1; i <= 30; i++) {
            long d = b.next().toMillis();
            long n = Math.min(5000, nominal);
            assertTrue(d >= n / 2 && d <= n, "attempt " + i + ": " + d + " not in [" + n / 2 + ", " + n + "]");
            nominal *= 2;
        }
        b.reset();
        assertTrue(b.next().toMillis() <= 100);
    }
}
