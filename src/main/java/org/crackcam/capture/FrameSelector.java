package org.crackcam.capture;

import org.crackcam.settings.SamplingSettings;

/**
 * Which decoded frames are processed: every frame, every k-th frame, or a target rate in
 * frames per second (by presentation time). Immutable description; {@link #newState()} gives
 * the per-stream state.
 *
 * <p>The target rate follows the frames' own clock, which is not always monotonic: a looped file
 * starts its timestamps again at 0, a camera that reconnects or has its clock set jumps. On such a
 * step (back by more than half a period, or forward by more than {@link #MAX_GAP_MICROS} and two
 * periods) the state moves its schedule by the step, less one ordinary frame interval, so the
 * frames after it are chosen as if the clock had gone on without the step: the rate holds across
 * it. Steps are counted ({@link State#resets()}).
 *
 * @param every keep frames whose index is a multiple of {@code every} (1 = all)
 * @param fps   keep at most {@code fps} frames per second of video time (0 = no limit)
 */
public record FrameSelector(int every, double fps) {

    /** A forward step between consecutive frames larger than this (and two periods) is a clock jump. */
    public static final long MAX_GAP_MICROS = 2_000_000;

    public FrameSelector {
        SamplingSettings.everyFrames(every); // the settings' one check (--every / sampling.every_frames)
        SamplingSettings.fps(fps);
    }

    public static FrameSelector all() {
        return new FrameSelector(1, 0);
    }

    /** Per-stream state of a selector. */
    public State newState() {
        return new State();
    }

    /** Decides frame by frame; call {@link #keep} for every decoded frame, in order. One thread. */
    public final class State {
        private long nextDueMicros = Long.MIN_VALUE;
        private long lastMicros = Long.MIN_VALUE;
        private long lastStepMicros; // the last ordinary interval between frames
        private long resets;

        public boolean keep(long index, long timestampMicros) {
            followClock(timestampMicros);
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

        /** Moves the schedule over a step of the clock; remembers the ordinary frame interval. */
        private void followClock(long ts) {
            long last = lastMicros;
            lastMicros = ts;
            if (last == Long.MIN_VALUE || fps <= 0) {
                return;
            }
            long period = Math.round(1e6 / fps);
            long step = ts - last;
            if (step < -period / 2 || step > Math.max(MAX_GAP_MICROS, 2 * period)) {
                resets++;
                if (nextDueMicros != Long.MIN_VALUE) {
                    nextDueMicros += step - lastStepMicros;
                }
            } else if (step > 0) {
                lastStepMicros = step;
            }
        }

        /** Times the schedule was re-based on a clock step (file loop, reconnect, clock change). */
        public long resets() {
            return resets;
        }
    }
}
