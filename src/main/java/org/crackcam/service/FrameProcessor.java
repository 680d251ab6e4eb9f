package org.crackcam.service;

import java.util.Optional;

import org.crackcam.capture.VideoFrame;
import org.crackcam.pipeline.FrameResult;
import org.crackcam.pipeline.Position;

/**
 * One frame through detection ({@link org.crackcam.inference.Detector#process} in the service).
 * Called on the frame loop's thread.
 */
@FunctionalInterface
public interface FrameProcessor {
    FrameResult process(VideoFrame frame, String sourceId, long wallTimeMicros, Optional<Position> position);
}
