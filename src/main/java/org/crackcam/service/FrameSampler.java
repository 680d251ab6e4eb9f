package org.crackcam.service;

import java.util.Optional;

import org.crackcam.capture.FrameSelector;
import org.crackcam.pipeline.Position;
import org.crackcam.position.DistanceGate;

/**
 * Which captured frames go to inference: every k-th frame, at most a target rate (by the frames'
 * presentation times), or one frame every N metres travelled. Without a position, distance
 * sampling falls back to every k-th frame ({@code sampling.every_frames}). One frame loop owns it.
 */
final class FrameSampler {

    private final ServiceConfig.Sampling config;
    private final FrameSelector.State selector;
    private final FrameSelector.State fallback;
    private final DistanceGate gate;
    private long seen;
    private boolean lastSkipByDistance;

    FrameSampler(ServiceConfig.Sampling config) {
        this.config = config;
        this.selector = switch (config.mode()) {
            case EVERY_FRAMES -> new FrameSelector(config.everyFrames(), 0).newState();
            case TARGET_FPS -> new FrameSelector(1, config.targetFps()).newState();
            case DISTANCE -> null;
        };
        this.fallback = new FrameSelector(config.everyFrames(), 0).newState();
        this.gate = config.mode() == ServiceConfig.SamplingMode.DISTANCE ? new DistanceGate(config.everyMetres()) : null;
    }

    /**
     * Times the target-rate schedule was re-based on a step of the frames' clock (a looped file
     * starting again, a reconnect, a camera clock change); 0 in the other modes.
     */
    long resets() {
        return selector == null ? 0 : selector.resets();
    }

    /**
     * True when the last skip was a decision of the distance gate on a real position (the vehicle
     * has not moved far enough): the loop is working, only no frame is due.
     */
    boolean lastSkipByDistance() {
        return lastSkipByDistance;
    }

    /** Decides for the next captured frame (call once per frame, in order). */
    boolean keep(long timestampMicros, Optional<Position> position) {
        long i = seen++;
        lastSkipByDistance = false;
        if (gate == null) {
            return selector.keep(i, timestampMicros);
        }
        if (position.isPresent()) {
            boolean pass = gate.pass(position.get());
            lastSkipByDistance = !pass;
            return pass;
        }
        return fallback.keep(i, timestampMicros);
    }

    ServiceConfig.Sampling config() {
        return config;
    }
}
