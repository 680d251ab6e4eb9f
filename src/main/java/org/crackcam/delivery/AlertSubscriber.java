package org.crackcam.delivery;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;

import org.crackcam.settings.InvalidSettingException;
import org.tinylog.Logger;

/**
 * The receiving end of alert delivery, shared by {@code crackcam listen} and {@code crackcam
 * office}: subscribes at QoS 1 on a persistent session ({@link PahoTransport}), connects with
 * capped, jittered back-off ({@link Backoff}), reconnects after a lost connection, and backs off
 * after a message its {@link Handler} could not store, so a full disk or a database that is down
 * does not turn the broker's redeliveries into a busy loop. A shutdown hook (SIGTERM, Ctrl-C)
 * ends {@link #run} and, for up to the {@link #stopGrace grace} time, lets the caller's closing
 * work (a summary line) finish before the JVM halts.
 *
 * <p>Threads: the handler is called on Paho's callback thread, one message at a time; {@link
 * #stop()} may be called from any thread (also from the handler); {@link #run} blocks the
 * calling thread. One instance serves one {@link #run}.
 */
public final class AlertSubscriber {

    /** What the handler did with a message. */
    public sealed interface Ack permits Ack.Kept, Ack.Refused {
        /** Kept (stored, a duplicate dropped, or quarantined): the message is acknowledged. */
        Ack KEPT = new Kept();

        /** Could not be stored: not acknowledged, the broker sends it again after a back-off. */
        static Ack refused(Exception cause) {
            return new Refused(Objects.requireNonNull(cause, "cause"));
        }

        /** See {@link #KEPT}. */
        record Kept() implements Ack {
        }

        /** See {@link #refused}; {@code cause} ends the connection and names the reason in the log. */
        record Refused(Exception cause) implements Ack {
        }
    }

    /** Stores one message; returns {@link Ack#KEPT} or {@link Ack#refused}, and logs a refusal itself. */
    @FunctionalInterface
    public interface Handler {
        Ack onMessage(String topic, byte[] payload);
    }

    private static final long POLL_MILLIS = 500;

    private final String name;
    private final MqttSettings settings;
    private final String topicFilter;
    private final CountDownLatch done = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final AtomicBoolean started = new AtomicBoolean();
    private Duration stopGrace = Duration.ZERO;
    private Runnable whileConnected = () -> { };

    /**
     * @param name        the command ({@code listen}, {@code office}): log prefix and shutdown-hook name
     * @param settings    broker, client id, TLS, credentials and back-off
     * @param topicFilter what to subscribe to, see {@link #alertTopics}
     */
    public AlertSubscriber(String name, MqttSettings settings, String topicFilter) {
        this.name = Objects.requireNonNull(name, "name");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.topicFilter = Objects.requireNonNull(topicFilter, "topicFilter");
    }

    /**
     * How long the shutdown hook waits for {@link #run}'s {@code atEnd} to finish (default 0:
     * it only asks {@link #run} to stop).
     */
    public AlertSubscriber stopGrace(Duration grace) {
        this.stopGrace = Objects.requireNonNull(grace, "grace");
        return this;
    }

    /** Called on {@link #run}'s thread about every 500 ms while connected (e.g. to rewrite a gallery). */
    public AlertSubscriber whileConnected(Runnable task) {
        this.whileConnected = Objects.requireNonNull(task, "task");
        return this;
    }

    /** Ends {@link #run} (the handler's {@code --count} reached, or shutdown). */
    public void stop() {
        done.countDown();
    }

    /**
     * Receives until {@link #stop()} or shutdown, then disconnects and runs {@code atEnd} (not
     * when interrupted).
     *
     * @param atEnd closing work the shutdown hook waits for (up to the grace time), or null
     * @throws InterruptedException when the calling thread is interrupted; the connection is closed
     */
    public void run(Handler handler, Runnable atEnd) throws InterruptedException {
        Objects.requireNonNull(handler, "handler");
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("AlertSubscriber.run may be called once");
        }
        Semaphore lost = new Semaphore(0);
        AtomicBoolean storageFailed = new AtomicBoolean();
        PahoTransport transport = new PahoTransport(settings, null, cause -> {
            Logger.warn("{}; reconnecting", PahoTransport.describe(settings.brokerUri(),
                    cause == null ? new IOException("closed") : cause));
            lost.release();
        });
        transport.subscribeOnConnect(topicFilter, 1, (topic, payload) -> {
            if (handler.onMessage(topic, payload) instanceof Ack.Refused r) {
                // Throwing is how Paho is told: it drops the connection without a PUBACK and the
                // broker keeps the message.
                storageFailed.set(true);
                throw r.cause();
            }
        });
        Thread hook = new Thread(() -> {
            done.countDown();
            if (!stopGrace.isZero()) {
                try {
                    finished.await(stopGrace.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException ignored) {
                    // halting anyway
                }
            }
        }, "crackcam-" + name + "-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            try {
                receive(transport, lost, storageFailed);
            } finally {
                transport.disconnect(500);
                transport.close();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException ignored) {
                    // already shutting down
                }
            }
            if (atEnd != null) {
                atEnd.run();
            }
        } finally {
            finished.countDown();
        }
    }

    private void receive(PahoTransport transport, Semaphore lost, AtomicBoolean storageFailed)
            throws InterruptedException {
        Backoff backoff = new Backoff(settings.backoffBase(), settings.backoffCap(), RandomGenerator.getDefault());
        String lastLogged = null;
        while (done.getCount() > 0) {
            if (storageFailed.getAndSet(false)) { // disk full, database down: do not spin on redeliveries
                done.await(backoff.next().toMillis(), TimeUnit.MILLISECONDS);
                continue;
            }
            try {
                transport.connect();
            } catch (AlertTransport.TransportException ex) {
                Duration d = backoff.next();
                if (!ex.getMessage().equals(lastLogged)) { // one line per reason, not one per attempt
                    Logger.warn("{}; retrying with back-off (next in {} ms)", ex.getMessage(), d.toMillis());
                    lastLogged = ex.getMessage();
                }
                done.await(d.toMillis(), TimeUnit.MILLISECONDS);
                continue;
            }
            backoff.reset();
            lastLogged = null;
            Logger.info("{}: subscribed to {} at {} as {}", name, topicFilter, settings.brokerUri(),
                    settings.clientId());
            lost.drainPermits();
            while (done.getCount() > 0 && !lost.tryAcquire(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                whileConnected.run();
                if (!transport.isConnected()) {
                    break;
                }
            }
        }
    }

    /**
     * The alerts of {@code device} ({@code +} for all): {@code crackcam/<device>/alerts}, as
     * {@code $share/<group>/crackcam/<device>/alerts} when {@code sharedGroup} is not null (the
     * broker hands each message to one member of the group).
     *
     * @throws org.crackcam.settings.InvalidSettingException when the group name is not 1..64 of A-Z a-z 0-9 . _ -
     */
    public static String alertTopics(String device, String sharedGroup) {
        if (sharedGroup != null && !sharedGroup.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new InvalidSettingException("--shared-group '" + sharedGroup + "': 1..64 characters from A-Z a-z 0-9 . _ -");
        }
        return (sharedGroup != null ? "$share/" + sharedGroup + "/" : "") + "crackcam/" + device + "/alerts";
    }

    /** {@code crackcam-<role>-<host name>}: a stable client id per machine, so the broker keeps its session. */
    public static String defaultClientId(String role) {
        return "crackcam-" + role + "-" + hostName();
    }

    /** This machine's name as MQTT client ids allow it (at most 40 characters), or {@code office}. */
    static String hostName() {
        try {
            String h = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "-");
            return h.length() > 40 ? h.substring(0, 40) : h;
        } catch (IOException | RuntimeException ex) {
            return "office";
        }
    }
}
