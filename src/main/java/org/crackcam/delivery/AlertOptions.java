package org.crackcam.delivery;

import java.nio.file.Path;
import java.time.Duration;

import org.crackcam.alerts.TrackerConfig;
import org.crackcam.settings.EventSettings;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Picocli mixin with the alert options shared by {@code replay} and {@code demo}: the
 * {@link DeliveryOptions}, {@code --no-alerts}, and the event-merging knobs. Use:
 * {@code @Mixin AlertOptions alerts;} then {@link AlertStage#forCommand}.
 */
public final class AlertOptions {

    @Mixin
    DeliveryOptions delivery = new DeliveryOptions();

    @Option(names = "--no-alerts", description = "do not make crack alerts (no outbox, no MQTT)")
    boolean noAlerts;

    @ArgGroup(exclusive = false, heading = "Merging detections into crack events%n")
    Tracking tracking = new Tracking();

    /** The {@link EventSettings} options (defaults: {@link EventSettings#DEFAULTS}). */
    public static final class Tracking {
        @Option(names = "--event-gap", paramLabel = "FRAMES",
                description = "close an event after this many frames without the crack (default ${DEFAULT-VALUE})")
        int gap = EventSettings.DEFAULTS.gapFrames();

        @Option(names = "--event-max-age", paramLabel = "SECONDS",
                description = "close an event at the latest this long after its first frame (default ${DEFAULT-VALUE})")
        double maxAge = EventSettings.DEFAULTS.maxAgeS();

        @Option(names = "--event-min-overlap", paramLabel = "RATIO",
                description = "share of a detection inside the predicted box to merge it (default ${DEFAULT-VALUE})")
        double minOverlap = EventSettings.DEFAULTS.minOverlap();

        @Option(names = "--event-vertical-tolerance", paramLabel = "FRACTION",
                description = "downward motion allowed per frame, fraction of the frame height (default ${DEFAULT-VALUE})")
        double vertical = EventSettings.DEFAULTS.verticalTolerance();

        @Option(names = "--event-horizontal-tolerance", paramLabel = "FRACTION",
                description = "predicted box widened on both sides, fraction of the frame width (default ${DEFAULT-VALUE})")
        double horizontal = EventSettings.DEFAULTS.horizontalTolerance();

        @Option(names = "--event-max-distance", paramLabel = "METRES",
                description = "with GPS: merge only within this distance of the event's start (default ${DEFAULT-VALUE})")
        double maxDistance = EventSettings.DEFAULTS.maxDistanceM();
    }

    /** The event settings given by the options (checked by {@link EventSettings}). */
    public EventSettings eventSettings() {
        return new EventSettings(tracking.gap, tracking.maxAge, tracking.minOverlap, tracking.vertical,
                tracking.horizontal, tracking.maxDistance);
    }

    /** The tracker configuration given by the options. */
    public TrackerConfig trackerConfig() {
        return eventSettings().trackerConfig();
    }

    /** False with {@code --no-alerts}. */
    public boolean enabled() {
        return !noAlerts;
    }

    /** The delivery options (broker, device, outbox, TLS). */
    public DeliveryOptions delivery() {
        return delivery;
    }

    public String deviceId() {
        return delivery.deviceId();
    }

    public Path outboxDirectory() {
        return delivery.outboxDirectory();
    }

    public Path outboxDirectoryOr(Path fallback) {
        return delivery.outboxDirectoryOr(fallback);
    }

    public long outboxQuotaBytes() {
        return delivery.outboxQuotaBytes();
    }

    public FileModes fileModes() {
        return delivery.fileModes();
    }

    public Duration drainTimeout() {
        return delivery.drainTimeout();
    }

    public boolean hasBroker() {
        return delivery.hasBroker();
    }

    public MqttSettings mqttSettings() {
        return delivery.mqttSettings();
    }
}
