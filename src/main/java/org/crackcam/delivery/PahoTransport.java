package org.crackcam.delivery;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import javax.net.ssl.SSLException;

import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.tinylog.Logger;

/**
 * {@link AlertTransport} over Eclipse Paho MQTT v3.1.1 ({@code MqttAsyncClient}).
 *
 * <p>What is deliberately NOT used from Paho: automatic reconnect and the disconnected buffer
 * (the {@link OutboxPublisher}'s loop and the {@link Outbox} do that job), and file persistence
 * ({@link MemoryPersistence}: durability is the outbox's job). Every {@link #connect()} builds a
 * new Paho client and closes the old one, so no Paho state (in-flight tokens, timers, threads of
 * a half-dead connection) outlives a connection. Sessions are persistent ({@code cleanSession =
 * false}) under a stable client id.
 */
public final class PahoTransport implements AlertTransport {

    /** Receives subscribed messages; throwing makes Paho drop the connection without a PUBACK. */
    @FunctionalInterface
    public interface MessageHandler {
        void onMessage(String topic, byte[] payload) throws Exception;
    }

    private final MqttSettings settings;
    private final byte[] lastWill;
    private final Consumer<Throwable> onLost;
    private volatile MqttAsyncClient client;
    private volatile MessageHandler handler;
    private volatile String subscription;
    private volatile int subscriptionQos;

    /**
     * @param lastWill payload of the retained last will on the status topic, or null for none
     * @param onLost   called once per lost connection, on a Paho thread
     */
    public PahoTransport(MqttSettings settings, byte[] lastWill, Consumer<Throwable> onLost) {
        this.settings = settings;
        this.lastWill = lastWill;
        this.onLost = onLost;
    }

    /** Subscribes at every (re)connection; call before {@link #connect()}. */
    public void subscribeOnConnect(String topicFilter, int qos, MessageHandler h) {
        this.subscription = topicFilter;
        this.subscriptionQos = qos;
        this.handler = h;
    }

    @Override
    public synchronized void connect() throws TransportException {
        release(client, 0);
        client = null;
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setCleanSession(false);
        o.setAutomaticReconnect(false);
        o.setKeepAliveInterval((int) Math.max(1, settings.keepAlive().toSeconds()));
        o.setConnectionTimeout((int) Math.max(1, settings.connectTimeout().toSeconds()));
        o.setMaxInflight(Math.max(10, settings.maxInflight() * 2));
        if (lastWill != null) {
            o.setWill(settings.statusTopic(), lastWill, 1, true);
        }
        if (settings.credentialsFile() != null) {
            Credentials c = Credentials.read(settings.credentialsFile());
            o.setUserName(c.username());
            o.setPassword(c.password());
        }
        if (settings.usesTls()) {
            o.setSocketFactory((settings.tls() == null ? new TlsFiles(null, null, null) : settings.tls()).socketFactory());
            o.setHttpsHostnameVerificationEnabled(true);
        }
        MqttAsyncClient c;
        try {
            c = new MqttAsyncClient(settings.brokerUri(), settings.clientId(), new MemoryPersistence());
        } catch (MqttException ex) {
            throw new TransportException(describe(settings.brokerUri(), ex), ex);
        }
        c.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
                onLost.accept(cause);
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) throws Exception {
                MessageHandler h = handler;
                if (h != null) {
                    h.onMessage(topic, message.getPayload());
                }
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
                // completion is reported through each publish's own action listener
            }
        });
        try {
            c.connect(o).waitForCompletion(settings.connectTimeout().toMillis() + 2000);
            if (subscription != null) {
                c.subscribe(subscription, subscriptionQos).waitForCompletion(settings.connectTimeout().toMillis());
            }
        } catch (MqttException ex) {
            release(c, 0);
            throw new TransportException(describe(settings.brokerUri(), ex), ex);
        }
        client = c;
    }

    @Override
    public CompletableFuture<Void> publish(String topic, byte[] payload, int qos, boolean retained) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        MqttAsyncClient c = client;
        if (c == null) {
            done.completeExceptionally(new IllegalStateException("not connected"));
            return done;
        }
        try {
            MqttMessage m = new MqttMessage(payload);
            m.setQos(qos);
            m.setRetained(retained);
            c.publish(topic, m, null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    done.complete(null);
                }

                @Override
                public void onFailure(IMqttToken token, Throwable ex) {
                    done.completeExceptionally(ex);
                }
            });
        } catch (MqttException | RuntimeException ex) {
            done.completeExceptionally(ex);
        }
        return done;
    }

    @Override
    public boolean isConnected() {
        MqttAsyncClient c = client;
        return c != null && c.isConnected();
    }

    @Override
    public synchronized void disconnect(long quiesceMillis) {
        release(client, quiesceMillis);
        client = null;
    }

    @Override
    public void close() {
        disconnect(0);
    }

    /** Disconnects (forcibly when the link is bad) and closes a Paho client; never throws. */
    private static void release(MqttAsyncClient c, long quiesceMillis) {
        if (c == null) {
            return;
        }
        try {
            if (c.isConnected()) {
                c.disconnect(quiesceMillis).waitForCompletion(quiesceMillis + 2000);
            }
        } catch (MqttException | RuntimeException ex) {
            Logger.debug("MQTT disconnect: {}", ex.toString());
        }
        try {
            c.disconnectForcibly(0, 1000, false);
        } catch (MqttException | RuntimeException ex) {
            Logger.debug("MQTT forced disconnect: {}", ex.toString());
        }
        try {
            c.close(true);
        } catch (MqttException | RuntimeException ex) {
            Logger.debug("MQTT close: {}", ex.toString());
        }
    }

    /** One line saying why talking to {@code broker} failed, for logs and users. */
    public static String describe(String broker, Throwable ex) {
        String what = null;
        if (ex instanceof MqttException me) {
            switch (me.getReasonCode()) {
                case MqttException.REASON_CODE_FAILED_AUTHENTICATION:
                    what = "bad user name or password (CONNACK 4)";
                    break;
                case MqttException.REASON_CODE_NOT_AUTHORIZED:
                    what = "not authorised (CONNACK 5: wrong user name or password, or this client is not allowed)";
                    break;
                case MqttException.REASON_CODE_INVALID_CLIENT_ID:
                    what = "client id rejected (CONNACK 2)";
                    break;
                case MqttException.REASON_CODE_BROKER_UNAVAILABLE:
                    what = "broker unavailable (CONNACK 3)";
                    break;
                case MqttException.REASON_CODE_INVALID_PROTOCOL_VERSION:
                    what = "broker refuses MQTT 3.1.1 (CONNACK 1)";
                    break;
                case MqttException.REASON_CODE_CLIENT_TIMEOUT:
                    what = "timed out waiting for the broker";
                    break;
                case MqttException.REASON_CODE_CONNECTION_LOST:
                    what = "connection lost";
                    break;
                default:
                    break;
            }
        }
        if (what == null) {
            Throwable root = ex;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
                if (root instanceof SSLException || root instanceof ConnectException
                        || root instanceof UnknownHostException || root instanceof NoRouteToHostException
                        || root instanceof SocketTimeoutException) {
                    break;
                }
            }
            if (root instanceof SSLException) {
                what = "TLS handshake failed: " + root.getMessage();
            } else if (root instanceof ConnectException) {
                what = "unreachable (" + root.getMessage() + ")";
            } else if (root instanceof UnknownHostException) {
                what = "unknown host " + root.getMessage();
            } else if (root instanceof NoRouteToHostException || root instanceof SocketTimeoutException) {
                what = "unreachable (" + root.getMessage() + ")";
            } else {
                what = String.valueOf(root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage());
            }
        }
        return "broker " + broker + ": " + what;
    }
}
