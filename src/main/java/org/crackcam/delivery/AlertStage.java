package org.crackcam.delivery;

import java.io.PrintWriter;
import java.time.Duration;

import org.crackcam.alerts.Alert;
import org.crackcam.alerts.AlertContext;
import org.crackcam.alerts.AlertFactory;
import org.crackcam.alerts.CrackTracker;
import org.crackcam.alerts.TrackerConfig;
import org.crackcam.pipeline.DetectionListener;
import org.crackcam.pipeline.FrameResult;
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
 * <p>Threading: {@link #onFrame} runs on the pipeline thread; an event's alert is built and
 * fsync'd to the outbox on that thread (a few milliseconds, once per crack, not per frame).
 */
public final class AlertStage implements DetectionListener {

    private final CrackTracker tracker;
    private final Outbox outbox;
    private final OutboxPublisher publisher;
    private final MqttSettings mqtt;
    private final Duration drainTimeout;
    private final PrintWriter summary;
    private final String deviceId;
    private long alerts;
    private long alertBytes;
    private boolean closed;

    private AlertStage(TrackerConfig config, AlertContext context, Outbox outbox, MqttSettings mqtt,
                       Duration drainTimeout, PrintWriter summary) {
        this.outbox = outbox;
        this.mqtt = mqtt;
        this.drainTimeout = drainTimeout;
        this.summary = summary;
        this.deviceId = context.deviceId();
        AlertFactory factory = new AlertFactory(context, config.jpegQuality());
        this.tracker = new CrackTracker(config, event -> {
            Alert a = factory.create(event);
            outbox.put(a);
            alerts++;
            alertBytes += a.json().length;
            Logger.info("alert {}: crack in {} frames {}..{}, p={}, {} bytes", a.id(), event.sourceId(),
                    event.firstFrame(), event.lastFrame(), event.probability(), a.json().length);
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
            context = new AlertContext(options.deviceId(), sourceKind, modelName, sha256(manifestFile));
        } catch (IllegalArgumentException ex) {
            throw new org.crackcam.pipeline.CrackcamException(org.crackcam.pipeline.CrackcamException.Kind.CONFIGURATION,
                    ex.getMessage(), ex);
        }
        return java.util.Optional.of(open(options, context, outboxDir, new PrintWriter(System.err, true)));
    }

    private static String sha256(java.nio.file.Path file) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(java.nio.file.Files.readAllBytes(file)));
        } catch (java.io.IOException ex) {
            throw new org.crackcam.pipeline.CrackcamException(org.crackcam.pipeline.CrackcamException.Kind.BUNDLE,
                    "cannot read " + file + ": " + ex.getMessage(), ex);
        } catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 missing from this JVM", ex);
        }
    }

    /** For tests and embedding: explicit parts. {@code mqtt} null = outbox only. */
    public static AlertStage open(TrackerConfig config, AlertContext context, Outbox outbox, MqttSettings mqtt,
                                  Duration drainTimeout, PrintWriter summary) {
        return new AlertStage(config, context, outbox, mqtt, drainTimeout, summary);
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

    /** Alerts made by this stage. */
    public long alertCount() {
        return alerts;
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
        String size = alerts == 0 ? "" : String.format(" (%.1f KB each on average)", alertBytes / 1024.0 / alerts);
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
