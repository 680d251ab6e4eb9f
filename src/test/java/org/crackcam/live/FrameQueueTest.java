package org.crackcam.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.crackcam.capture.VideoFrame;
import org.crackcam.capture.live.FrameQueue;
import org.junit.jupiter.api.Test;

class FrameQueueTest {

    private static void publish(FrameQueue q, long id) throws InterruptedException {
        VideoFrame f = q.acquire();
        f.ensureSize(2, 1);
        f.index = id;
        q.publish(f);
    }

    @Test
    void fullQueueDropsTheOldestAndCountsIt() throws Exception {
        for (int cap = 1; cap <= 2; cap++) {
            FrameQueue q = new FrameQueue(cap, true);
            for (long i = 0; i < 100; i++) {
                publish(q, i);
            }
            assertEquals(100 - cap, q.dropped());
            VideoFrame out = new VideoFrame();
            for (int k = cap; k >= 1; k--) {
                assertTrue(q.take(out, 0, TimeUnit.MILLISECONDS));
                assertEquals(100 - k, out.index, "the newest frames survive");
            }
            assertFalse(q.take(out, 10, TimeUnit.MILLISECONDS), "nothing older is left behind");
            assertEquals(100, q.published());
        }
    }

    @Test
    void blockingModeWaitsInsteadOfDropping() throws Exception {
        FrameQueue q = new FrameQueue(1, false);
        CountDownLatch done = new CountDownLatch(1);
        Thread producer = new Thread(() -> {
            try {
                for (long i = 0; i < 50; i++) {
                    publish(q, i);
                }
                q.end();
                done.countDown();
            } catch (InterruptedException ignored) {
                // test ends
            }
        });
        producer.start();
        VideoFrame out = new VideoFrame();
        long expected = 0;
        while (q.take(out, 5, TimeUnit.SECONDS)) {
            assertEquals(expected++, out.index);
        }
        assertEquals(50, expected);
        assertEquals(0, q.dropped());
        assertTrue(done.await(5, TimeUnit.SECONDS));
    }

    @Test
    void failureReachesTheConsumerAfterReadyFrames() throws Exception {
        FrameQueue q = new FrameQueue(2, true);
        publish(q, 7);
        q.fail(new IllegalStateException("camera gone"));
        VideoFrame out = new VideoFrame();
        assertTrue(q.take(out, 0, TimeUnit.MILLISECONDS));
        assertEquals(7, out.index);
        assertThrows(IllegalStateException.class, () -> q.take(out, 0, TimeUnit.MILLISECONDS));
    }

    @Test
    void backoffDoublesUpToTheCapWithBoundedJitter() {
        var b = new org.crackcam.delivery.Backoff(java.time.Duration.ofMillis(100), java.time.Duration.ofMillis(2000),
                0.25, new SplittableRandom(1));
        long[] base = {100, 200, 400, 800, 1600, 2000, 2000, 2000};
        for (long want : base) {
            long d = b.next().toMillis();
            assertTrue(d >= Math.round(want * 0.75) && d <= Math.min(2000, Math.round(want * 1.25)),
                    "delay " + d + " for base " + want);
        }
        b.reset();
        long d = b.next().toMillis();
        assertTrue(d >= 75 && d <= 125, "reset starts over: " + d);
        var none = new org.crackcam.delivery.Backoff(java.time.Duration.ofMillis(100),
                java.time.Duration.ofMillis(2000), 0, new SplittableRandom(1));
        assertEquals(100, none.next().toMillis());
        assertEquals(200, none.next().toMillis());
    }
}
