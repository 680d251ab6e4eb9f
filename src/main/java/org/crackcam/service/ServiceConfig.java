package org.crackcam.service;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.crackcam.settings.BrokerSettings;
import org.crackcam.settings.EventSettings;
import org.crackcam.settings.ModelSettings;
import org.crackcam.settings.OutboxSettings;
import org.crackcam.settings.TilingSettings;

/**
 * The validated configuration of the in-vehicle service ({@code crackcam run --config FILE}).
 * Every key, its default and its allowed values are documented in {@code docs/service.md};
 * {@link ConfigLoader} is the only place that builds it. Relative paths in the file are
 * resolved against the directory of the configuration file.
 */
public record ServiceConfig(Path file, String deviceId, Camera camera, TilingSettings tiles, Model model,
                            Sampling sampling, Gps gps, EventSettings events, Mqtt mqtt, OutboxSettings outbox,
                            Health health, Shutdown shutdown) {

    /** Kinds of camera source. */
    public enum CameraKind { FILE, V4L2, RTSP, GSTREAMER }

    /** How frames are chosen for inference. */
    public enum SamplingMode { EVERY_FRAMES, TARGET_FPS, DISTANCE }

    /** Where positions come from. */
    public enum GpsSource { NONE, GPSD, FILE }

    /** Sidecar file formats. */
    public enum TrackFormat { AUTO, GPX, NMEA, SRT }

    /**
     * @param url       file path (kind file) or rtsp:// URL (kind rtsp)
     * @param device    V4L2 device node (kind v4l2)
     * @param pipeline  GStreamer source chain (kind gstreamer); the service appends the
     *                  conversion to BGR at width×height and {@code fdsink}
     * @param width     frame width in pixels, 0 = the source's own (required for gstreamer)
     * @param height    frame height in pixels, 0 = the source's own (required for gstreamer)
     * @param fps       requested frame rate, 0 = the source's own
     * @param pixelFormat V4L2 input format (e.g. mjpeg, yuyv422), empty = driver default
     * @param loop      kind file: start again at the end (replays, soak tests)
     * @param realtime  kind file: pace frames at the file's frame rate
     * @param queue     frames buffered between capture and inference (1 or 2); the oldest
     *                  is dropped and counted when full
     */
    public record Camera(CameraKind kind, String url, String device, String pipeline, int width,
                         int height, double fps, String pixelFormat, boolean loop, boolean realtime,
                         int queue, Reconnect reconnect) {
    }

    /**
     * @param initialMs  first back-off delay after a failure
     * @param maxMs      back-off cap
     * @param jitter     fraction of random jitter added/subtracted to each delay (0–1)
     * @param ioTimeoutS socket I/O timeout for network cameras (FFmpeg {@code timeout}, µs)
     * @param watchdogS  a grab() that takes longer than this is abandoned and the camera reopened
     * @param maxAttempts consecutive failed opens before the service gives up, 0 = never
     */
    public record Reconnect(long initialMs, long maxMs, double jitter, double ioTimeoutS,
                            double watchdogS, int maxAttempts) {
    }

    /**
     * The model (shared with the command line: {@link ModelSettings}) and the live service's
     * relevance latency bound.
     *
     * @param settings          bundle, provider, threads, fp16, GPU, relevance batch
     * @param relevanceLatency  how long a live frame's result may wait for its relevance batch
     *                          (then the batch runs); service only — files have no bound
     */
    public record Model(ModelSettings settings, Duration relevanceLatency) {
        public Path bundle() {
            return settings.bundle();
        }
    }

    /** One of: every k-th frame, a target rate, or every N metres travelled. */
    public record Sampling(SamplingMode mode, int everyFrames, double targetFps, double everyMetres) {
    }

    /**
     * @param startTime for GPX/NMEA replays: the UTC time of the video's first frame; empty =
     *                  the first fix's time. SRT sidecars carry video-relative times.
     * @param maxGapS   no position is given for a frame further than this from the fixes around it
     */
    public record Gps(GpsSource source, String host, int port, Path file, TrackFormat format,
                      Optional<Instant> startTime, double maxGapS, double reconnectS) {
    }

    /**
     * Topics are {@code crackcam/<device id>/alerts} and {@code …/status} (the delivery contract).
     *
     * @param broker the connection (the command line's {@code --broker} and friends)
     */
    public record Mqtt(boolean enabled, BrokerSettings broker) {
    }

    /**
     * Health HTTP endpoint (always bound to 127.0.0.1) and the retained status interval.
     *
     * @param staleAfterS {@code /healthz} is 503 when no frame arrived for this long
     * @param stallAfterS {@code /healthz} is 503 when frames arrive but none was processed for this long
     */
    public record Health(boolean enabled, int port, double staleAfterS, double stallAfterS, double statusIntervalS) {
    }

    /** Bound for a graceful stop: finish the current frame, flush the outbox. */
    public record Shutdown(double timeoutS) {
    }
}
