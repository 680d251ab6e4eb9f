package org.crackcam.capture;

/**
 * Which decoded frames are processed: every frame, every k-th frame, or a target rate in
 * frames per second (by presentation time). Immutable description; {@link #newState()} gives
 * the per-stream state.
 *
 * @param every keep frames whose index is a multiple of {@code every} (1 = all)
 * @param fps   keep at most {@code fps} frames per second of video time (0 = no limit)
 */
public record FrameSelector(int every, double fps) {

    public FrameSelector {
        if (every < 1) {
            throw new IllegalArgumentException("--every must be >= 1, got " + every);
        }
        if (fps < 0 || Double.isNaN(fps)) {
            throw new IllegalArgumentException("--fps must be > 0, got " + fps);
        }
    }

    public static FrameSelector all() {
        return new FrameSelector(1, 0);
    }

    /** Per-stream state of a selector. */
    public State newState() {
        return new State();
    }

    /** Decides frame by frame; call {@link #keep} for every decoded frame, in order. */
    public final class State {
        private long nextDueMicros = Long.MIN_VALUE;

        public boolean keep(long index, long timestampMicros) {
            if (index % every != 0) {
                return false;
            }
            if (fps <= 0) {
                return true;
            }
            long period = Math.round(1e6 / fps);
            if (nextDueMicros == Long.MIN_VALUE) {
                nextDueMicros = timestampMicros + period;
                return true;
            }
            // allow half a source frame of jitter so 30 -> 15 fps keeps every other frame
            if (timestampMicros + period / 4 >= nextDueMicros) {
                nextDueMicros += period;
                if (nextDueMicros <= timestampMicros) {
                    nextDueMicros = timestampMicros + period;
                }
                return true;
            }
            return false;
        }
    }
}
