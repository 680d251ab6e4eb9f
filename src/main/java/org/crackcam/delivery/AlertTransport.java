package org.crackcam.delivery;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The broker connection as the rest of CrackCam sees it: small enough that the MQTT client
 * library's bugs and threads stay behind it.
 *
 * <p>{@link #connect()} opens a fresh connection each time (nothing carried over from a previous
 * one: the {@link Outbox} resends what was not acknowledged). Implementations call the
 * connection-lost handler given at construction once per lost connection, on their own thread.
 */
public interface AlertTransport extends AutoCloseable {

    /**
     * Connects (blocking, bounded by the connect timeout), replacing any previous connection.
     *
     * @throws TransportException with a one-line description of why it failed
     */
    void connect() throws TransportException;

    /**
     * Publishes; the future completes when the broker acknowledged (QoS 1: PUBACK) or fails
     * when the message was not sent or the connection was lost before the acknowledgement.
     * A future that never completes is possible when the connection is replaced; callers track
     * their own in-flight state per connection.
     */
    CompletableFuture<Void> publish(String topic, byte[] payload, int qos, boolean retained);

    boolean isConnected();

    /** Disconnects (after {@code quiesceMillis} for in-flight work) and releases the client. Idempotent. */
    void disconnect(long quiesceMillis);

    @Override
    void close();

    /** Why a connection attempt failed, as one line (e.g. "bad user name or password"). */
    final class TransportException extends Exception {
        public TransportException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Builds a transport for the settings; {@code onLost} receives the cause of a lost connection. */
    interface Factory {
        AlertTransport create(MqttSettings settings, byte[] lastWill, Consumer<Throwable> onLost);
    }
}
