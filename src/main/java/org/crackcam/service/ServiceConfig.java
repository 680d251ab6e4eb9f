package org.crackcam.service;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * The validated configuration of the in-vehicle service ({@code crackcam run --config FILE}).
 * Every key, its default and its allowed values are documented in {@code docs/service.md};
 * {@link ConfigLoader} is the only place that builds it. Relative paths in the file are
 * resolved against the directory of the configuration file.
 */
public record ServiceConfig(Path file, String deviceId, Camera camera, Tiles tiles, Model model,
                            Sampling sampling, Gps gps, Mqtt mqtt, Outbox outbox, Health health,
                            Shutdown shutdown) {

    /** Kinds of camera source. */
    public enum CameraKind { FILE, V4L2, RTSP, GSTREAMER }

    /** ONNX Runtime execution providers. */
    public enum Provider { TENSORRT, CUDA, CPU }

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
     * Region of interest and the tile grid laid over it (the runtime's tiling, as
     * {@code crackcam replay --roi --rows --overlap}).
     *
     * @param roi     {@code rect:x0,y0,x1,y1} or {@code poly:x,y;x,y;…}, normalised frame coordinates
     * @param rows    tile rows over the ROI (columns follow from square tiles)
     * @param overlap horizontal tile overlap in [0, 1)
     */
    public record Tiles(String roi, int rows, double overlap) {
    }

    /**
     * @param bundle    model bundle directory
     * @param provider  execution provider
     * @param fp16      half precision (TensorRT)
     * @param threads   CPU intra-op threads, 0 = ONNX Runtime default
     * @param gpuId     CUDA device index
     * @param stateDir  writable directory for TensorRT engine and timing caches
     * @param batch     tiles per inference call, 0 = all tiles of a frame
     * @param spin      ONNX Runtime worker threads spin-wait between work items
     */
    public record Model(Path bundle, Provider provider, boolean fp16, int threads, int gpuId,
                        Path stateDir, int batch, boolean spin) {
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

    /** TLS files for the broker connection; empty when plain TCP. */
    public record Tls(Optional<Path> caFile, Optional<Path> certFile, Optional<Path> keyFile) {
    }

    /** Topics are {@code crackcam/<device id>/alerts} and {@code …/status} (the delivery contract). */
    public record Mqtt(boolean enabled, String broker, String clientId,
                       Optional<Path> credentialsFile, Tls tls, int keepAliveS) {
    }

    /**
     * The durable alert outbox.
     *
     * @param groupReadable folders 0750 and files 0640 (the service's operators' group may read
     *                      alerts) instead of 0700 / 0600
     */
    public record Outbox(Path dir, long maxBytes, boolean groupReadable) {
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
