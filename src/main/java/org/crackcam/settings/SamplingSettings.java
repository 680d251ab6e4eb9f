package org.crackcam.settings;

import java.util.List;

/**
 * Which frames are processed, as far as both front ends share it: every k-th frame
 * ({@code sampling.every_frames} / {@code --every}) and a frame rate
 * ({@code sampling.target_fps} / {@code --fps}). The service's file chooses one of them (or
 * distance) with {@code sampling.mode}; a replay applies both ({@code capture.FrameSelector}).
 */
public final class SamplingSettings {

    public static final Key EVERY = new Key("sampling.every_frames", "--every");
    public static final Key FPS = new Key("sampling.target_fps", "--fps");
    /** Every key of this group. */
    public static final List<Key> KEYS = List.of(EVERY, FPS);

    private SamplingSettings() {
    }

    /** Checks {@link #EVERY}: 1–100000. */
    public static int everyFrames(int k) {
        return Check.range(EVERY, k, 1, 100_000);
    }

    /** Checks {@link #FPS}: 0–1000 frames per second of video time (0: no limit on the command line). */
    public static double fps(double r) {
        return Check.range(FPS, r, 0.0, 1000.0);
    }
}
