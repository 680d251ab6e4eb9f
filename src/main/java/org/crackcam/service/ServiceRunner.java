package org.crackcam.service;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.crackcam.alerts.AlertContext;
import org.crackcam.bundle.ModelBundle;
import org.crackcam.capture.live.LiveSource;
import org.crackcam.delivery.AlertStage;
import org.crackcam.delivery.MqttSettings;
import org.crackcam.delivery.Outbox;
import org.crackcam.delivery.OutboxPublisher;
import org.crackcam.health.HealthServer;
import org.crackcam.health.ServiceMetrics;
import org.crackcam.health.StatusDocument;
import org.crackcam.inference.Detector;
import org.crackcam.inference.PackingPrefetcher;
import org.crackcam.pipeline.DetectionListener;
import org.crackcam.position.GpsdClient;
import org.crackcam.position.ParsedTrack;
import org.crackcam.position.PositionSource;
import org.crackcam.position.TrackFiles;
import org.crackcam.settings.InvalidSettingException;
import org.crackcam.settings.ModelSettings;
import org.tinylog.Logger;

/**
 * The running service: everything {@code crackcam run} builds from a {@link ServiceConfig}, in
 * start order — model bundle and detector, outbox and MQTT publisher (alerts), positions, camera,
 * health endpoint, systemd notification — and the {@link FrameLoop} that ties them together.
 *
 * <p>Stopping: {@link #installShutdownHook()} makes SIGTERM (systemd stop) finish the current
 * frame, flush open crack events into the outbox, give the broker up to
 * {@code shutdown.timeout_s} to acknowledge them (what is left stays in the durable outbox for the
 * next start) and close; the hook waits for that, bounded by the same timeout.
 */
public final class ServiceRunner implements AutoCloseable {

    private final ServiceConfig config;
    private final ServiceMetrics metrics;
    private final SystemdNotifier notifier;
    private final List<AutoCloseable> closeables = new ArrayList<>(); // closed in reverse order
    private final CountDownLatch closed = new CountDownLatch(1);
    private LiveSource source;
    private volatile FrameLoop loop;
    private HealthServer health;
    private AlertStage alerts;
    private volatile boolean stopping;

    private ServiceRunner(ServiceConfig config, ServiceMetrics metrics, SystemdNotifier notifier) {
        this.config = config;
        this.metrics = metrics;
        this.notifier = notifier;
    }

    /** Builds the service with the real detector from the configured model bundle. */
    public static ServiceRunner open(ServiceConfig config) {
        Preflight.tilesFitCamera(config); // before the model loads: a bad ROI is one line, not an error per frame
        return open(config, SystemdNotifier.fromEnvironment(), List.of());
    }

    /**
     * Builds the service without the start-up ROI check (a camera whose frame size is known only at
     * its first frame), with extra listeners after the alerts (tests).
     */
    static ServiceRunner open(ServiceConfig config, SystemdNotifier notifier, List<DetectionListener> extra) {
        ModelSettings m = config.model().settings();
        ModelBundle bundle = ModelBundle.open(m.bundle(), m.runtimeOptions());
        Detector detector;
        try {
            detector = new Detector(bundle, config.tiles());
            detector.relevanceBatching(m.relevanceBatch());
        } catch (RuntimeException e) {
            bundle.close();
            throw e;
        }
        String provider = bundle.provider().toString();
        Logger.info("model {}: {}", bundle.manifest().name(), bundle.providerLine());
        String sha = ModelBundle.sha256(bundle.directory().resolve("manifest.json"));
        ServiceRunner r = new ServiceRunner(config, new ServiceMetrics(config.deviceId(), provider), notifier);
        r.closeables.add(bundle);
        r.closeables.add(detector);
        try {
            r.build(detector, bundle.manifest().name(), sha, extra);
            return r;
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
    }

    private void build(Detector detector, String modelName, String sha, List<DetectionListener> extra) {
        closeables.add(notifier);
        warmUpJpegEncoder();
        boolean replay = config.camera().kind() == ServiceConfig.CameraKind.FILE;
        AlertContext ctx = new AlertContext(config.deviceId(), replay ? "file" : "camera", modelName, sha,
                detector.crackMaskSettings());
        Preflight.writableDirectory(config.outbox().dir(), "outbox"); // at start-up, not at the first alert
        Outbox outbox = Outbox.open(config.outbox().dir(), config.outbox().maxBytes(),
                org.crackcam.delivery.FileModes.of(config.outbox().groupReadable()));
        MqttSettings mqtt = mqttSettings();
        Duration drain = Duration.ofMillis(Math.round(config.shutdown().timeoutS() * 800)); // 80 % of the bound
        alerts = AlertStage.open(config.events().trackerConfig(), ctx, outbox, mqtt, drain,
                new PrintWriter(System.err, true, StandardCharsets.UTF_8));
        closeables.add(alerts);
        OutboxPublisher publisher = alerts.publisher();
        if (publisher != null) {
            publisher.setOnlineStatus(() -> StatusDocument.online(metrics).toJson().getBytes(StandardCharsets.UTF_8));
            metrics.delivery(outbox::size, publisher::ackedCount);
        } else {
            metrics.delivery(outbox::size, () -> -1);
        }

        PositionSource positions = positions();
        closeables.add(positions);

        source = Sources.open(config.deviceId(), config.camera());
        closeables.add(source);
        // dropped: by the camera's queue, and packed frames the loop was too slow for (DROP_OLDEST)
        metrics.source(source::captured, () -> source.dropped() + (loop == null ? 0 : loop.packedDropped()),
                source::reconnects, source::watchdogResets, source::connected);

        if (config.health().enabled()) {
            try {
                health = HealthServer.start(config.health().port(), metrics, config.health().staleAfterS(),
                        config.health().stallAfterS());
                closeables.add(health);
                Logger.info("health: http://127.0.0.1:{}/healthz and /metrics", health.port());
            } catch (IOException e) {
                Logger.warn("{}; going on without it", e.getMessage());
                metrics.error(e.getMessage());
            }
        }
        List<DetectionListener> listeners = new ArrayList<>();
        listeners.add(alerts);
        listeners.addAll(extra);
        loop = new FrameLoop(source, detector, listeners, positions, config.sampling(), metrics, notifier,
                m -> {
                    if (publisher != null) {
                        publisher.publishStatus();
                    }
                }, config.health().statusIntervalS(), config.model().relevanceLatency(),
                replay ? PackingPrefetcher.BackPressure.BLOCK : PackingPrefetcher.BackPressure.DROP_OLDEST);
    }

    /**
     * Alerts carry JPEG overlays and PNG masks made with ImageIO, whose first use registers JVM
     * shutdown hooks. An event flushed at SIGTERM may be the first alert of the run: without this
     * warm-up, building it fails with "Shutdown in progress" and the alert is lost. ImageIO's file
     * cache is switched off: one of those hooks closes every cached stream at exit, under an alert
     * that is being encoded in the final flush ("cannot encode mask PNG"); the images are small and
     * are encoded in memory anyway.
     */
    static void warmUpJpegEncoder() {
        javax.imageio.ImageIO.setUseCache(false);
        try {
            var img = new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_3BYTE_BGR);
            javax.imageio.ImageIO.write(img, "jpg", new java.io.ByteArrayOutputStream());
        } catch (IOException | RuntimeException e) {
            Logger.debug("JPEG encoder warm-up: {}", e.toString());
        }
    }

    private MqttSettings mqttSettings() {
        ServiceConfig.Mqtt q = config.mqtt();
        if (!q.enabled()) {
            return null;
        }
        try {
            return q.broker().mqtt(config.deviceId());
        } catch (InvalidSettingException e) {
            throw new InvalidSettingException(config.file() + ": " + e.problemFor(true), e);
        }
    }

    private PositionSource positions() {
        ServiceConfig.Gps g = config.gps();
        switch (g.source()) {
            case GPSD:
                return new GpsdClient(g.host(), g.port(), g.maxGapS(), g.reconnectS()).start();
            case FILE:
                try {
                    TrackFiles.Format f = g.format() == ServiceConfig.TrackFormat.AUTO ? TrackFiles.formatOf(g.file())
                            : TrackFiles.Format.valueOf(g.format().name());
                    ParsedTrack t = TrackFiles.read(g.file(), f);
                    Logger.info("positions: {} fixes from {}", t.track().size(), g.file());
                    Optional<Long> start = g.startTime().map(i -> i.getEpochSecond() * 1_000_000L + i.getNano() / 1000);
                    return TrackFiles.source(t, start, g.maxGapS());
                } catch (IOException | IllegalArgumentException e) {
                    String msg = "gps.file: " + e.getMessage() + "; going on without positions";
                    Logger.warn(msg);
                    metrics.error(msg);
                    return PositionSource.none();
                }
            default:
                return PositionSource.none();
        }
    }

    public ServiceMetrics metrics() {
        return metrics;
    }

    /** The health endpoint's port, or -1 when it is not running. */
    public int healthPort() {
        return health == null ? -1 : health.port();
    }

    public LiveSource source() {
        return source;
    }

    public AlertStage alerts() {
        return alerts;
    }

    /** Starts capturing, tells systemd READY=1 and runs the frame loop until stopped. */
    public void run() throws InterruptedException {
        source.start();
        notifier.ready("running: " + config.deviceId() + ", camera " + source.id() + ", provider " + metrics.provider());
        Logger.info("service {} running: camera {}, provider {}", config.deviceId(), source.id(), metrics.provider());
        loop.run();
    }

    /** Asks the frame loop to stop after the current frame (any thread). */
    public void requestStop() {
        stopping = true;
        if (loop != null) {
            loop.stop();
        }
    }

    /**
     * SIGTERM/SIGINT: stop after the current frame and wait (at most {@code shutdown.timeout_s})
     * for the service to flush and close.
     */
    public void installShutdownHook() {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (closed.getCount() == 0) {
                return; // already finished on its own
            }
            Logger.info("stopping: finishing the current frame and flushing the outbox (at most {} s)",
                    config.shutdown().timeoutS());
            notifier.stopping("stopping");
            requestStop();
            try {
                if (!closed.await(Math.round(config.shutdown().timeoutS() * 1000), TimeUnit.MILLISECONDS)) {
                    Logger.warn("stop took longer than {} s; exiting anyway (the outbox keeps what was not sent)",
                            config.shutdown().timeoutS());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "crackcam-shutdown"));
    }

    public boolean stopping() {
        return stopping;
    }

    /**
     * Stops the frame loop if it still runs (waiting at most {@code shutdown.timeout_s} for its
     * current frame), then closes everything in reverse start order. Native sessions are never
     * closed under a loop that is still inside inference: if the loop does not finish in time, the
     * model bundle is left to the process's exit.
     */
    @Override
    public void close() {
        if (loop != null && loop.started()) {
            loop.stop();
            boolean done = false;
            try {
                done = loop.awaitFinished(Math.round(config.shutdown().timeoutS() * 1000), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!done) {
                Logger.warn("frame loop still busy after {} s; leaving the model sessions open",
                        config.shutdown().timeoutS());
                closeables.removeIf(c -> c instanceof ModelBundle || c instanceof Detector);
            }
        }
        for (int i = closeables.size() - 1; i >= 0; i--) {
            AutoCloseable c = closeables.get(i);
            try {
                c.close();
            } catch (Exception e) {
                Logger.warn("closing {}: {}", c.getClass().getSimpleName(), e.toString());
            }
        }
        closeables.clear();
        closed.countDown();
    }
}
