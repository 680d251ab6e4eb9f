package org.crackcam.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The target-rate schedule over clocks that restart, jump and step back. */
class FrameSelectorTest {

    /** The frame numbers kept from a sequence of timestamps. */
    private static List<Integer> kept(FrameSelector.State s, long[] ts) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < ts.length; i++) {
            if (s.keep(i, ts[i])) {
                out.add(i);
            }
        }
        return out;
    }

    /** 30 fps timestamps; from each index in {@code steps} on, the clock is offset by the step's amount. */
    private static long[] clock(int n, long[][] steps) {
        long[] ts = new long[n];
        for (int i = 0; i < n; i++) {
            long t = Math.round(i * 1e6 / 30);
            for (long[] st : steps) {
                if (i >= st[0]) {
                    t += st[1];
                }
            }
            ts[i] = t;
        }
        return ts;
    }

    @Test
    void loopedFileKeepsTheFramesOfAnUnbrokenClock() {
        // reference: 450 frames of one clock at 30 fps, sampled at 5 fps
        List<Integer> reference = kept(new FrameSelector(1, 5).newState(), clock(450, new long[0][]));
        assertEquals(76, reference.size(), "5 fps over 15 s: 0, 0.2, ..., 14.8 s, and 14.967 s within the jitter allowance");
        // the same frames from a 3 s file played 5 times: timestamps restart at 0 every 90 frames
        long[] looped = new long[450];
        for (int i = 0; i < 450; i++) {
            looped[i] = Math.round((i % 90) * 1e6 / 30);
        }
        FrameSelector.State s = new FrameSelector(1, 5).newState();
        assertEquals(reference, kept(s, looped), "the rate holds across every restart");
        assertEquals(4, s.resets(), "one re-base per restart");
    }

    @Test
    void clockSetForwardAndBackKeepsTheRate() {
        List<Integer> reference = kept(new FrameSelector(1, 5).newState(), clock(300, new long[0][]));
        // at frame 100 the camera's clock is set forward an hour, at frame 200 back by 2 hours
        FrameSelector.State s = new FrameSelector(1, 5).newState();
        long[] ts = clock(300, new long[][] {{100, 3_600_000_000L}, {200, -7_200_000_000L}});
        assertEquals(reference, kept(s, ts));
        assertEquals(2, s.resets());
        // a frame 10 ms older than the one before is jitter, not a reset
        s.keep(300, ts[299] - 10_000);
        assertEquals(2, s.resets());
    }

    @Test
    void normalGapsAreNotResets() {
        FrameSelector.State s = new FrameSelector(1, 0.25).newState(); // a period of 4 s
        for (int i = 0; i < 10; i++) {
            s.keep(i, i * 3_000_000L); // one frame every 3 s: below 2 periods
        }
        assertEquals(0, s.resets());
        FrameSelector.State every = new FrameSelector(2, 0).newState();
        assertTrue(every.keep(0, 5_000_000));
        every.keep(1, 0);
        assertEquals(0, every.resets(), "every-k sampling does not look at the clock");
    }
}
