package org.crackcam.delivery;

import org.crackcam.settings.InvalidSettingException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

import org.crackcam.alerts.AlertContext;

/**
 * How to reach the broker.
 *
 * @param brokerUri       {@code tcp://host:1883} or {@code ssl://host:8883} ({@code mqtt://} and
 *                        {@code mqtts://} are accepted as synonyms)
 * @param deviceId        device id: topic level and default client id
 * @param clientId        MQTT client id, stable per device and role (persistent session)
 * @param tls             TLS files, or null for the JVM's trust store (ssl://) / no TLS (tcp://)
 * @param credentialsFile properties file with username/password, or null for none
 * @param keepAlive       MQTT keep-alive interval
 * @param connectTimeout  how long one connection attempt may take
 * @param backoffBase     first reconnect delay
 * @param backoffCap      longest reconnect delay
 * @param maxInflight     QoS 1 messages sent but not yet acknowledged
 */
public record MqttSettings(String brokerUri, String deviceId, String clientId, TlsFiles tls, Path credentialsFile,
                           Duration keepAlive, Duration connectTimeout, Duration backoffBase, Duration backoffCap,
                           int maxInflight) {

    public MqttSettings {
        brokerUri = normaliseUri(brokerUri);
        if (!AlertContext.isValidDeviceId(deviceId)) {
            throw new InvalidSettingException("device id '" + deviceId
                    + "' is not valid: use 1..64 characters from A-Z a-z 0-9 . _ -");
        }
        if (clientId == null || clientId.isBlank() || clientId.length() > 64) {
            throw new InvalidSettingException("MQTT client id must have 1..64 characters, got '" + clientId + "'");
        }
        if (maxInflight < 1 || maxInflight > 1000) {
            throw new InvalidSettingException("max in-flight must be in 1..1000, got " + maxInflight);
        }
    }

    /** Defaults for a device: client id {@code crackcam-<device>}, keep-alive 30 s, back-off 0.5 s..30 s. */
    public static MqttSettings of(String brokerUri, String deviceId) {
        return new MqttSettings(brokerUri, deviceId, "crackcam-" + deviceId, null, null,
                Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofMillis(500), Duration.ofSeconds(30), 32);
    }

    public MqttSettings withClientId(String id) {
        return new MqttSettings(brokerUri, deviceId, id, tls, credentialsFile, keepAlive, connectTimeout,
                backoffBase, backoffCap, maxInflight);
    }

    public MqttSettings withTls(TlsFiles t) {
        return new MqttSettings(brokerUri, deviceId, clientId, t, credentialsFile, keepAlive, connectTimeout,
                backoffBase, backoffCap, maxInflight);
    }

    public MqttSettings withCredentials(Path file) {
        return new MqttSettings(brokerUri, deviceId, clientId, tls, file, keepAlive, connectTimeout,
                backoffBase, backoffCap, maxInflight);
    }

    public MqttSettings withBackoff(Duration base, Duration cap) {
        return new MqttSettings(brokerUri, deviceId, clientId, tls, credentialsFile, keepAlive, connectTimeout,
                base, cap, maxInflight);
    }

    public MqttSettings withTimeouts(Duration keepAliveInterval, Duration connect) {
        return new MqttSettings(brokerUri, deviceId, clientId, tls, credentialsFile, keepAliveInterval, connect,
                backoffBase, backoffCap, maxInflight);
    }

    /** True for an {@code ssl://} broker. */
    public boolean usesTls() {
        return brokerUri.startsWith("ssl://");
    }

    /** {@code crackcam/<device>/alerts}. */
    public String alertTopic() {
        return "crackcam/" + deviceId + "/alerts";
    }

    /** {@code crackcam/<device>/status} (retained online/offline). */
    public String statusTopic() {
        return "crackcam/" + deviceId + "/status";
    }

    static String normaliseUri(String uri) {
        if (uri == null || uri.isBlank()) {
            throw new InvalidSettingException("broker URL is empty");
        }
        String u = uri.trim();
        String lower = u.toLowerCase(Locale.ROOT);
        if (lower.startsWith("mqtt://")) {
            u = "tcp://" + u.substring(7);
        } else if (lower.startsWith("mqtts://")) {
            u = "ssl://" + u.substring(8);
        }
        try {
            URI parsed = new URI(u);
            String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("tcp") && !scheme.equals("ssl")) {
                throw new InvalidSettingException("broker URL '" + uri
                        + "' must start with tcp://, ssl://, mqtt:// or mqtts://");
            }
            if (parsed.getHost() == null) {
                throw new InvalidSettingException("broker URL '" + uri + "' has no host");
            }
            int port = parsed.getPort() > 0 ? parsed.getPort() : scheme.equals("ssl") ? 8883 : 1883;
            String host = parsed.getHost();
            return scheme + "://" + host + ":" + port;
        } catch (URISyntaxException ex) {
            throw new InvalidSettingException("broker URL '" + uri + "' is not a URL: " + ex.getMessage(), ex);
        }
    }
}
