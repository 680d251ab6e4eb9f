package org.crackcam.delivery;

import java.io.PrintWriter;
import java.time.Duration;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.crackcam.alerts.Alert;
import org.crackcam.alerts.AlertContext;
import org.crackcam.alerts.AlertFactory;
import org.crackcam.alerts.AlertSchema;
import org.crackcam.alerts.CrackEvent;
import org.crackcam.alerts.CrackTracker;
import org.crackcam.alerts.TrackerConfig;
import org.crackcam.bundle.BundleException;
import org.crackcam.explain.CrackMask;
import org.crackcam.pipeline.DetectionListener;
import org.crackcam.pipeline.FrameResult;
import org.crackcam.settings.InvalidSettingException;
import org.tinylog.Logger;

/**
 * The alert end of the pipeline as one {@link DetectionListener}: {@link CrackTracker} → {@link
 * AlertFactory} → {@link Outbox} (durable) → {@link OutboxPublisher} (when a broker is given).
 *
 * <p>Wiring in a command: {@code @Mixin AlertOptions alerts;} and, where the listeners are
 * built, {@code listeners.add(AlertStage.open(alerts, new AlertContext(alerts.deviceId(), "file",
 * bundleName, manifestSha256)))}. {@link #close()} flushes open events, waits up to
 * {@code --drain-timeout} for the broker's acknowledgements, and prints a summary line.
 *
 * <p>Every alert is validated against its schema ({@link AlertSchema}) before it enters the
 * outbox. One that fails is a bug in CrackCam, not bad input: it is logged as an error with the
 * violations, counted ({@link #invalidAlertCount()}, and in the summary line), kept for the bug
 * report as {@code <outbox>/invalid/<id>-r<revision>.json}, and not sent — never left for a
 * consumer to drop.
 *
 * <p>Threading: {@link #onFrame} runs on the pipeline thread; an event's alert is built,
 * validated and fsync'd to the outbox on that thread (a few milliseconds, once per crack, not per frame).
 */
public final class AlertStage implements DetectionListener {

    private final CrackTracker tracker;
    private final Outbox outbox;
    private final OutboxPublisher publisher;
    private final MqttSettings mqtt;
    private final Duration drainTimeout;
    private final PrintWriter summary;
    private final String deviceId;
    private final AlertSchema schema = AlertSchema.load();
    private long alerts;
    private long invalidAlerts;
    private long alertBytes;
    private boolean closed;

    private AlertStage(TrackerConfig config, AlertContext context, Outbox outbox, MqttSettings mqtt,
                       Duration drainTimeout, PrintWriter summary) {
        this.outbox = outbox;
        this.mqtt = mqtt;
        this.drainTimeout = drainTimeout;
        this.summary = summary;
        this.deviceId = context.deviceId();
        CrackMask.Settings maskRule = context.maskRule();
        AlertFactory factory = new AlertFactory(context, config.jpegQuality(), config + " " + maskRule, maskRule);
        this.tracker = new CrackTracker(config, event -> {
            Alert a = factory.create(event);
            if (!valid(a, event)) {
                return;
            }
            outbox.put(a);
            alerts++;
            alertBytes += a.json().length;
            Logger.info("alert {} revision {}: crack in {} frames {}..{}, p={}, {} bytes", a.id(), event.revision(),
                    event.sourceId(), event.firstFrame(), event.lastFrame(), event.probability(), a.json().length);
        });
        this.publisher = mqtt == null ? null : new OutboxPublisher(outbox, mqtt);
        if (publisher != null) {
            publisher.start();
        }
    }

    /** Builds the stage from the command-line options; summary lines go to standard error. */
    public static AlertStage open(AlertOptions options, AlertContext context) {
        return open(options, context, options.outboxDirectory(), new PrintWriter(System.err, true));
    }

    /**
     * As {@link #open(AlertOptions, AlertContext)}, with the outbox directory chosen by the caller
     * (e.g. {@code options.outboxDirectoryOr(...)}) and the summary written to {@code summary}.
     */
    public static AlertStage open(AlertOptions options, AlertContext context, java.nio.file.Path outboxDir,
                                  PrintWriter summary) {
        MqttSettings mqtt = options.mqttSettings();
        Outbox outbox = Outbox.open(outboxDir, options.outboxQuotaBytes(), options.fileModes());
        return new AlertStage(options.trackerConfig(), context, outbox, mqtt, options.drainTimeout(), summary);
    }

    /**
     * The listeners a command adds to its pipeline for the options: an {@link AlertStage}, or
     * none with {@code --no-alerts}. The bundle's manifest is hashed for the alerts' model field.
     */
    public static java.util.Optional<AlertStage> forCommand(AlertOptions options, String sourceKind, String modelName,
                                                          java.nio.file.Path manifestFile, java.nio.file.Path outboxDir) {
        if (!options.enabled()) {
            return java.util.Optional.empty();
        }
        AlertContext context;
        try {
            java.nio.file.Path bundleDir = manifestFile.toAbsolutePath().getParent();
            context = new AlertContext(options.deviceId(), sourceKind, modelName, sha256(manifestFile),
                    org.crackcam.bundle.Manifest.read(bundleDir, modelName).crackMaskOrDefault());
        } catch (IllegalArgumentException ex) {
            throw new InvalidSettingException(ex.getMessage(), ex);
        }
        return java.util.Optional.of(open(options, context, outboxDir, new PrintWriter(System.err, true)));
    }

    private static String sha256(java.nio.file.Path file) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(java.nio.file.Files.readAllBytes(file)));
        } catch (java.io.IOException ex) {
            throw new BundleException("cannot read " + file + ": " + ex.getMessage(), ex);
        } catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 missing from this JVM", ex);
        }
    }

    /** For tests and embedding: explicit parts. {@code mqtt} null = outbox only. */
    public static AlertStage open(TrackerConfig config, AlertContext context, Outbox outbox, MqttSettings mqtt,
                                  Duration drainTimeout, PrintWriter summary) {
        return new AlertStage(config, context, outbox, mqtt, drainTimeout, summary);
    }

    /** True when {@code a} passes its schema; otherwise logs the bug, counts it and keeps the document aside. */
    private boolean valid(Alert a, CrackEvent event) {
        java.util.List<String> errors;
        try {
            errors = schema.validate(JSON.readTree(a.json()));
        } catch (java.io.IOException ex) {
            errors = java.util.List.of("not JSON: " + ex.getMessage());
        }
        if (errors.isEmpty()) {
            return true;
        }
        invalidAlerts++;
        java.nio.file.Path kept = outbox.directory().resolve("invalid").resolve(a.id() + "-r" + event.revision() + ".json");
        try {
            java.nio.file.Files.createDirectories(kept.getParent());
            java.nio.file.Files.write(kept, a.json());
        } catch (java.io.IOException | RuntimeException ex) {
            kept = null;
        }
        Logger.error("BUG: alert {} (crack in {} frames {}..{}) fails its own schema {} and is NOT sent; "
                        + "{} invalid alert(s) so far; document {}; please report: {}", a.id(), event.sourceId(),
                event.firstFrame(), event.lastFrame(), AlertFactory.SCHEMA, invalidAlerts,
                kept == null ? "could not be kept" : "kept as " + kept,
                String.join("; ", errors.subList(0, Math.min(5, errors.size()))));
        return false;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void onSource(String sourceId, String identity, String settings) {
        tracker.onSource(sourceId, identity, settings);
    }

    @Override
    public void onFrame(FrameResult frame) {
        tracker.onFrame(frame);
    }

    @Override
    public void onEnd() {
        tracker.onEnd();
    }

    public Outbox outbox() {
        return outbox;
    }

    /** The publisher delivering the outbox, or null without a broker (service: status and metrics). */
    public OutboxPublisher publisher() {
        return publisher;
    }

    /** Alerts made by this stage (valid ones, stored in the outbox). */
    public long alertCount() {
        return alerts;
    }

    /** Alerts that failed their schema (bugs; logged, kept aside, not sent). */
    public long invalidAlertCount() {
        return invalidAlerts;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        tracker.close();
        boolean drained = false;
        if (publisher != null) {
            try {
                drained = publisher.awaitDrained(drainTimeout);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            publisher.close();
        }
        String size = (alerts == 0 ? "" : String.format(" (%.1f KB each on average)", alertBytes / 1024.0 / alerts))
                + (invalidAlerts == 0 ? "" : String.format("; %d alert(s) FAILED THEIR SCHEMA (a bug: see the log) and "
                        + "were not sent", invalidAlerts));
        if (mqtt == null) {
            summary.printf("crackcam: %d alert(s)%s stored in the outbox %s (%d waiting there in all); no broker given.%n"
                            + "  Deliver them: crackcam deliver --broker tcp://HOST:1883 --device %s [--outbox %s]%n"
                            + "  (TLS: --broker ssl://HOST:8883 --tls-ca ca.pem [--tls-cert c.pem --tls-key k.pem] "
                            + "[--credentials FILE]); watch them: crackcam listen --broker tcp://HOST:1883 --out DIR%n",
                    alerts, size, outbox.directory(), outbox.size(), deviceId, outbox.directory());
        } else {
            summary.printf("crackcam: %d alert(s)%s; %s: %d acknowledged by %s, %d waiting in the outbox %s%n",
                    alerts, size, drained ? "all delivered" : "not all delivered yet",
                    publisher.ackedCount(), mqtt.brokerUri(), outbox.size(), outbox.directory());
        }
        summary.flush();
    }

}
