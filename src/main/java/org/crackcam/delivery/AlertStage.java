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
        return open(options, context, new PrintWriter(System.err, true));
    }

    /** As {@link #open(AlertOptions, AlertContext)}, with the summary written to {@code summary}. */
    public static AlertStage open(AlertOptions options, AlertContext context, PrintWriter summary) {
        MqttSettings mqtt = options.mqttSettings();
        Outbox outbox = Outbox.open(options.outboxDirectory(), options.outboxQuotaBytes());
        return new AlertStage(options.trackerConfig(), context, outbox, mqtt, options.drainTimeout(), summary);
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
