package org.crackcam.delivery;

import java.nio.file.Path;
import java.time.Duration;

import org.crackcam.settings.BrokerSettings;
import org.crackcam.settings.DeviceId;
import org.crackcam.settings.InvalidSettingException;


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
        DeviceId.of(deviceId);
        BrokerSettings.clientId(clientId);
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
        return BrokerSettings.url(uri);
    }
}
