package org.crackcam.delivery;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import org.crackcam.settings.BrokerSettings;
import org.crackcam.settings.DeviceId;
import org.crackcam.settings.OutboxSettings;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * Picocli mixin with the delivery options (broker, device, outbox, TLS, credentials), used by
 * {@code deliver} directly and by {@link AlertOptions} (replay, demo).
 */
public final class DeliveryOptions {

    @Option(names = "--broker", paramLabel = "URL",
            description = "MQTT broker, tcp://host:1883 or ssl://host:8883 (mqtt://, mqtts:// too). "
                    + "Without it alerts are only stored in the outbox (env CRACKCAM_BROKER).")
    String broker = System.getenv("CRACKCAM_BROKER");

    @Option(names = "--device", paramLabel = "ID",
            description = "device id: topic crackcam/<ID>/alerts and client id crackcam-<ID> "
                    + "(default: env CRACKCAM_DEVICE, else the host name)")
    String device = System.getenv("CRACKCAM_DEVICE");

    @Option(names = "--client-id", paramLabel = "ID", description = "MQTT client id (default crackcam-<device>)")
    String clientId;

    @Option(names = "--outbox", paramLabel = "DIR",
            description = "durable outbox directory (default $STATE_DIRECTORY/outbox or ~/.local/state/crackcam/outbox)")
    Path outbox;

    @Option(names = "--outbox-quota-mb", paramLabel = "MB",
            description = "most megabytes kept in the outbox; the oldest alerts are evicted beyond it (default ${DEFAULT-VALUE})")
    long outboxQuotaMb = OutboxSettings.DEFAULT_MAX_MB;

    @Option(names = "--keepalive", paramLabel = "SECONDS",
            description = "MQTT keep-alive interval, 5..3600 (default ${DEFAULT-VALUE})")
    int keepAliveS = BrokerSettings.DEFAULT_KEEPALIVE_S;

    @Option(names = "--group-readable",
            description = "make the outbox group-readable (directories 0750, files 0640) for the operators' "
                    + "group; default private: 0700 / 0600")
    boolean groupReadable;

    @Option(names = "--drain-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "at the end of a file, wait this long for the broker to acknowledge everything "
                    + "(what is left stays in the outbox; default ${DEFAULT-VALUE})")
    double drainTimeoutSeconds;

    @ArgGroup(exclusive = false, heading = "TLS and credentials%n")
    Security security = new Security();

    /** TLS files and the credentials file. */
    public static final class Security {
        @Option(names = "--tls-ca", paramLabel = "PEM", description = "CA certificate(s) of the broker")
        Path ca;

        @Option(names = "--tls-cert", paramLabel = "PEM", description = "client certificate (with --tls-key)")
        Path cert;

        @Option(names = "--tls-key", paramLabel = "PEM", description = "client private key, PKCS#8 or PKCS#1, unencrypted")
        Path key;

        @Option(names = "--credentials", paramLabel = "FILE",
                description = "properties file with username= and password= (never on the command line)")
        Path credentials;

        /** The broker settings of {@code url} with these files (checked by {@link BrokerSettings}). */
        public BrokerSettings broker(String url, String clientId, int keepAliveS) {
            return new BrokerSettings(url, clientId, Optional.ofNullable(ca), Optional.ofNullable(cert),
                    Optional.ofNullable(key), Optional.ofNullable(credentials), keepAliveS);
        }

    }

    /** The device id: the option, the environment, or the host name reduced to allowed characters. */
    public String deviceId() {
        String d = device;
        if (d == null || d.isBlank()) {
            try {
                d = InetAddress.getLocalHost().getHostName();
            } catch (Exception ex) {
                d = "crackcam";
            }
            d = d.replaceAll("[^A-Za-z0-9._-]", "-");
            if (d.length() > 64) {
                d = d.substring(0, 64);
            }
        }
        return DeviceId.of(d);
    }

    public Path outboxDirectory() {
        return outbox != null ? outbox : StateDirectory.defaultOutbox();
    }

    /** The outbox given with {@code --outbox}, else {@code fallback} (e.g. the demo's own folder). */
    public Path outboxDirectoryOr(Path fallback) {
        return outbox != null ? outbox : fallback;
    }

    public long outboxQuotaBytes() {
        return outboxSettings(null).maxBytes();
    }

    /** The outbox settings ({@code fallback} when {@code --outbox} is not given). */
    public OutboxSettings outboxSettings(Path fallback) {
        return new OutboxSettings(outbox != null ? outbox : fallback, outboxQuotaMb, groupReadable);
    }

    /** The outbox's permissions: private, or group-readable with {@code --group-readable}. */
    public FileModes fileModes() {
        return FileModes.of(groupReadable);
    }

    public Duration drainTimeout() {
        return Duration.ofMillis((long) (Math.max(0, drainTimeoutSeconds) * 1000));
    }

    /** True when a broker was given. */
    public boolean hasBroker() {
        return broker != null && !broker.isBlank();
    }

    /** The broker settings, or null when no broker was given (checked by {@link BrokerSettings}). */
    public BrokerSettings brokerSettings() {
        if (!hasBroker()) {
            return null;
        }
        return security.broker(broker, clientId, keepAliveS);
    }

    /** The MQTT settings, or null when no broker was given. Checks that the files are readable. */
    public MqttSettings mqttSettings() {
        BrokerSettings b = brokerSettings();
        return b == null ? null : b.mqtt(deviceId());
    }
}
