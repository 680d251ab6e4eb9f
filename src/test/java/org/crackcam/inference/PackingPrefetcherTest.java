package org.crackcam.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.crackcam.capture.FrameSource;
import org.crackcam.capture.UnreadableInputException;
import org.crackcam.capture.VideoFrame;
import org.crackcam.pipeline.CrackcamException;
import org.crackcam.settings.TilingSettings;
import org.crackcam.tiles.Roi;
import org.crackcam.tiles.Tile;
import org.junit.jupiter.api.Test;

/** The decode-and-pack-ahead hand-over: order, content, lifetime of the slot the consumer holds, failures. */
class PackingPrefetcherTest {

    static final int W = 96, H = 54, MAP = 8;
    static final TilingSettings TILING = new TilingSettings(Roi.DEFAULT, 2, 0);

    /** Pixel value of channel {@code ch} (0 B, 1 G, 2 R) of frame {@code i} at column {@code x}: constant per 12-px column block. */
    static int value(long i, int x, int ch) {
        return (int) ((i * 7 + (x / 12) * 3 + ch * 50) & 0xff);
    }

    /** Frames whose pixels encode their index; can fail at one index or change size there. */
    static final class Synthetic implements FrameSource {
        final int count;
        final int failAt;
        final boolean shrinkAtFail;
        final AtomicInteger read = new AtomicInteger();
        final AtomicBoolean closed = new AtomicBoolean();
        long next;

        Synthetic(int count, int failAt, boolean shrinkAtFail) {
            this.count = count;
            this.failAt = failAt;
            this.shrinkAtFail = shrinkAtFail;
        }

        @Override
        public String id() {
            return "synthetic";
        }

        @Override
        public boolean next(VideoFrame f) {
            if (next == count) {
                return false;
            }
            if (next == failAt && !shrinkAtFail) {
                throw new UnreadableInputException("cut at " + next);
            }
            if (next == failAt) {
                f.ensureSize(16, 8); // too small for the ROI: packing fails
            } else {
                f.ensureSize(W, H);
                for (int y = 0; y < H; y++) {
                    for (int x = 0; x < W; x++) {
                        for (int ch = 0; ch < 3; ch++) {
                            f.bgr[(y * W + x) * 3 + ch] = (byte) value(next, x, ch);
                        }
                    }
                }
            }
            f.index = next;
            f.timestampMicros = next * 66_667;
            f.decodeNanos = 1;
            next++;
            read.incrementAndGet();
            return true;
        }

        @Override
        public double frameRate() {
            return 15;
        }

        @Override
        public void close() {
            closed.set(true);
        }
    }

    /** Asserts that the slot's pixels and every float of its batch are those of frame {@code i}. */
    static void assertHolds(PackedFrame p, long i) {
        assertEquals(i, p.frame().index, "frame index");
        VideoFrame f = p.frame();
        for (int x = 0; x < W; x++) {
            assertEquals(value(i, x, 0), f.bgr[x * 3] & 0xff, "pixel of frame " + i);
        }
        FloatBuffer b = p.batch();
        int hw = MAP * MAP;
        assertEquals(p.grid().size() * 3 * hw, b.limit());
        for (int t = 0; t < p.grid().size(); t++) {
            Tile tile = p.grid().tiles().get(t);
            for (int ch = 0; ch < 3; ch++) {
                float want = value(i, tile.x(), 2 - ch) / 255f; // planes R, G, B
                int base = (t * 3 + ch) * hw;
                for (int k = 0; k < hw; k++) {
                    float got = b.get(base + k);
                    if (Math.abs(got - want) > 1e-6f) {
                        throw new AssertionError("frame " + i + " tile " + t + " plane " + ch + ": " + got
                                + " != " + want + " (slot overwritten or packed from another frame)");
                    }
                }
            }
        }
    }

    @Test
    void deliversEveryFrameInOrderWithItsOwnPackedBatch() {
        Synthetic src = new Synthetic(60, -1, false);
        Set<PackedFrame> slots = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<FloatBuffer> buffers = Collections.newSetFromMap(new IdentityHashMap<>());
        try (PackingPrefetcher p = new PackingPrefetcher(src, TILING, MAP, MAP, 2)) {
            for (long i = 0; i < 60; i++) {
                PackedFrame f = p.next();
                assertNotNull(f, "frame " + i);
                assertEquals(12, f.grid().size());
                assertTrue(f.tilingNanos() > 0, "tiling time measured on the packing thread");
                assertTrue(f.batch().isDirect());
                assertHolds(f, i);
                slots.add(f);
                buffers.add(f.batch());
            }
            assertNull(p.next());
            assertNull(p.next());
        }
        assertEquals(3, slots.size(), "depth + 1 slots, reused");
        assertEquals(3, buffers.size(), "one batch buffer per slot, no per-frame allocation");
        assertTrue(src.closed.get());
    }

    @Test
    void theSlotTheConsumerHoldsIsNotOverwrittenWhileThePackerRunsAhead() throws Exception {
        Synthetic src = new Synthetic(40, -1, false);
        try (PackingPrefetcher p = new PackingPrefetcher(src, TILING, MAP, MAP, 2)) {
            for (long i = 0; i < 40; i++) {
                PackedFrame f = p.next();
                assertHolds(f, i);
                // Slow consumer (ABN, relevance, overlays): the packer fills every free slot meanwhile.
                long until = System.nanoTime() + 200_000_000L;
                while (src.read.get() < Math.min(40, i + 1 + 2) && System.nanoTime() < until) {
                    Thread.sleep(1);
                }
                assertEquals(Math.min(40, i + 1 + 2), src.read.get(), "the packer ran `depth` frames ahead");
                Thread.sleep(3); // and it must not touch the held slot, however long it has
                assertHolds(f, i);
            }
        }
    }

    @Test
    void aSourceFailureComesAfterTheFramesBeforeIt() {
        Synthetic src = new Synthetic(20, 5, false);
        try (PackingPrefetcher p = new PackingPrefetcher(src, TILING, MAP, MAP, 2)) {
            for (long i = 0; i < 5; i++) {
                assertHolds(p.next(), i);
            }
            var e = assertThrows(CrackcamException.class, p::next);
            org.junit.jupiter.api.Assertions.assertInstanceOf(org.crackcam.capture.UnreadableInputException.class, e);
            assertNull(p.next());
        }
    }

    @Test
    void aPackingFailureComesInOrderToo() {
        Synthetic src = new Synthetic(20, 3, true);
        try (PackingPrefetcher p = new PackingPrefetcher(src, TILING, MAP, MAP, 1)) {
            for (long i = 0; i < 3; i++) {
                assertHolds(p.next(), i);
            }
            var e = assertThrows(CrackcamException.class, p::next);
            org.junit.jupiter.api.Assertions.assertInstanceOf(org.crackcam.settings.InvalidSettingException.class, e);
        }
    }

    @Test
    void closeStopsAPackerWaitingForAFreeSlot() {
        Synthetic src = new Synthetic(1000, -1, false);
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            PackingPrefetcher p = new PackingPrefetcher(src, TILING, MAP, MAP, 1);
            assertHolds(p.next(), 0);
            Thread.sleep(50);
            p.close();
            p.close();
        });
        assertTrue(src.closed.get());
        assertTrue(src.read.get() <= 2, "depth 1: one frame held, one packed ahead");
    }

    @Test
    void heldSlotsStayUntouchedUntilReleasedAndTheHoldLimitIsEnforced() throws Exception {
        Synthetic src = new Synthetic(40, -1, false);
        try (PackingPrefetcher p = new PackingPrefetcher(src, TILING, MAP, MAP, 2, 4)) {
            java.util.ArrayDeque<PackedFrame> held = new java.util.ArrayDeque<>();
            long want = 0;
            long released = 0;
            for (int round = 0; round < 8; round++) {
                while (held.size() < 4) {
                    PackedFrame f = p.take();
                    assertHolds(f, want++);
                    held.add(f);
                }
                assertThrows(IllegalStateException.class, p::take, "a fifth slot is over the hold limit");
                Thread.sleep(10); // the packer fills the 2 free slots meanwhile
                long r = released;
                for (PackedFrame f : held) {
                    assertHolds(f, r++); // nothing held was overwritten
                }
                PackedFrame first = held.poll();
                p.release(first);
                assertThrows(IllegalStateException.class, () -> p.release(first), "released twice");
                released++;
                if (round % 2 == 0) {
                    p.release(held.poll());
                    released++;
                }
            }
            while (!held.isEmpty()) {
                p.release(held.poll());
            }
            PackedFrame f;
            while ((f = p.take()) != null) {
                assertHolds(f, want++);
                p.release(f);
            }
            assertEquals(40, want);
        }
    }
}
