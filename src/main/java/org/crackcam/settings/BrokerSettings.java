package org.crackcam.settings;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.crackcam.delivery.MqttSettings;
import org.crackcam.delivery.TlsFiles;

/**
 * The MQTT broker connection — {@code mqtt.*} in the service's file, {@code --broker --client-id
 * --tls-ca --tls-cert --tls-key --credentials --keepalive} on the command line. The broker URL's one
 * parser lives here ({@link #url(String)}). Files are not opened when the settings are read (a
 * configuration is checked on another machine too); {@link #requireReadableFiles()} does that at
 * start-up, for the command line and the service alike.
 *
 * @param url             normalised broker URL, {@code tcp://host:port} or {@code ssl://host:port}
 * @param clientId        MQTT client id (null: {@code crackcam-<device id>})
 * @param caFile          CA certificate(s) of the broker (TLS)
 * @param certFile        client certificate (TLS, with {@code keyFile})
 * @param keyFile         client private key (TLS, with {@code certFile})
 * @param credentialsFile properties file with {@code username=} and {@code password=}
 * @param keepAliveS      MQTT keep-alive interval in seconds, 5–3600
 */
public record BrokerSettings(String url, String clientId, Optional<Path> caFile, Optional<Path> certFile,
                             Optional<Path> keyFile, Optional<Path> credentialsFile, int keepAliveS) {

    public static final Key URL = new Key("mqtt.broker", "--broker");
    public static final Key CLIENT_ID = new Key("mqtt.client_id", "--client-id");
    public static final Key TLS_CA = new Key("mqtt.tls.ca_file", "--tls-ca");
    public static final Key TLS_CERT = new Key("mqtt.tls.cert_file", "--tls-cert");
    public static final Key TLS_KEY = new Key("mqtt.tls.key_file", "--tls-key");
    public static final Key CREDENTIALS = new Key("mqtt.credentials_file", "--credentials");
    public static final Key KEEPALIVE = new Key("mqtt.keepalive_s", "--keepalive");
    /** Every key of this record. */
    public static final List<Key> KEYS = List.of(URL, CLIENT_ID, TLS_CA, TLS_CERT, TLS_KEY, CREDENTIALS, KEEPALIVE);

    public static final String DEFAULT_URL = "tcp://127.0.0.1:1883";
    public static final int DEFAULT_KEEPALIVE_S = 30;

    public BrokerSettings {
        url = url(url);
        if (clientId != null) {
            clientId(clientId);
        }
        keepAlive(keepAliveS);
        if (certFile.isPresent() != keyFile.isPresent()) {
            throw new InvalidSettingException(certFile.isPresent() ? TLS_CERT : TLS_KEY,
                    "goes with " + (certFile.isPresent() ? TLS_KEY : TLS_CERT).option().substring(2)
                            + " (a client certificate and its key): give both or neither");
        }
        if (!url.startsWith("ssl://") && (caFile.isPresent() || certFile.isPresent())) {
            throw new InvalidSettingException(caFile.isPresent() ? TLS_CA : TLS_CERT,
                    "TLS files need an ssl:// (or mqtts://) broker URL, got " + url);
        }
    }

    /**
     * The broker URL's one parser: {@code tcp://}, {@code ssl://}, {@code mqtt://} (= tcp),
     * {@code mqtts://} (= ssl); port 1883 / 8883 when not given; no path.
     */
    public static String url(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidSettingException(URL, "is empty");
        }
        String u = text.trim();
        String lower = u.toLowerCase(Locale.ROOT);
        if (lower.startsWith("mqtt://")) {
            u = "tcp://" + u.substring(7);
        } else if (lower.startsWith("mqtts://")) {
            u = "ssl://" + u.substring(8);
        }
        URI parsed;
        try {
            parsed = new URI(u);
        } catch (URISyntaxException ex) {
            throw new InvalidSettingException(URL, "\"" + text + "\" is not a URL: " + ex.getMessage());
        }
        String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("tcp") && !scheme.equals("ssl")) {
            throw new InvalidSettingException(URL, "must be a URL tcp://host:port or ssl://host:port "
                    + "(mqtt://, mqtts:// too), got \"" + text + "\"");
        }
        if (parsed.getHost() == null) {
            throw new InvalidSettingException(URL, "has no host, got \"" + text + "\"");
        }
        if (parsed.getRawPath() != null && !parsed.getRawPath().isEmpty() || parsed.getRawQuery() != null) {
            throw new InvalidSettingException(URL, "must not have a path or query, got \"" + text + "\"");
        }
        int port = parsed.getPort() > 0 ? parsed.getPort() : scheme.equals("ssl") ? 8883 : 1883;
        return scheme + "://" + parsed.getHost() + ":" + port;
    }

    /** Checks {@link #CLIENT_ID}: 1–64 characters. */
    public static String clientId(String id) {
        if (id == null || id.isBlank() || id.length() > 64) {
            throw new InvalidSettingException(CLIENT_ID, "must have 1–64 characters, got \"" + id + "\"");
        }
        return id;
    }

    /** Checks {@link #KEEPALIVE}. */
    public static int keepAlive(int seconds) {
        return Check.range(KEEPALIVE, seconds, 5, 3600);
    }

    /** True for an {@code ssl://} broker. */
    public boolean usesTls() {
        return url.startsWith("ssl://");
    }

    /** The files named that cannot be read, one problem each (check-config lists them all). */
    public List<InvalidSettingException> unreadableFiles() {
        List<InvalidSettingException> out = new java.util.ArrayList<>();
        for (var e : List.of(new Object[] {TLS_CA, caFile}, new Object[] {TLS_CERT, certFile},
                new Object[] {TLS_KEY, keyFile}, new Object[] {CREDENTIALS, credentialsFile})) {
            @SuppressWarnings("unchecked")
            Optional<Path> p = (Optional<Path>) e[1];
            if (p.isPresent() && !Files.isReadable(p.get())) {
                out.add(new InvalidSettingException((Key) e[0], "cannot read " + p.get()));
            }
        }
        return out;
    }

    /** Every file named is readable (at start-up); the first that is not is one line naming its setting. */
    public void requireReadableFiles() {
        List<InvalidSettingException> bad = unreadableFiles();
        if (!bad.isEmpty()) {
            throw bad.get(0);
        }
    }

    /** The connection settings of device {@code deviceId} (files checked: {@link #requireReadableFiles()}). */
    public MqttSettings mqtt(String deviceId) {
        requireReadableFiles();
        MqttSettings s = MqttSettings.of(url, deviceId).withTimeouts(Duration.ofSeconds(keepAliveS),
                Duration.ofSeconds(10));
        if (clientId != null) {
            s = s.withClientId(clientId);
        }
        if (caFile.isPresent() || certFile.isPresent()) {
            s = s.withTls(new TlsFiles(caFile.orElse(null), certFile.orElse(null), keyFile.orElse(null)));
        }
        return credentialsFile.isPresent() ? s.withCredentials(credentialsFile.get()) : s;
    }
}
