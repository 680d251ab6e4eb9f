package org.crackcam.delivery;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

import org.crackcam.pipeline.CrackcamException;
import org.tinylog.Logger;

/**
 * Sends the {@link Outbox} to the broker, oldest first, at QoS 1 on
 * {@code crackcam/<device>/alerts}, and deletes each alert after its PUBACK.
 *
 * <p>Runs one thread ("crackcam-mqtt") with its own reconnect loop: capped, jittered exponential
 * back-off ({@link Backoff}); each failure kind is logged once as one line (repeats at debug
 * level) together with the number of alerts waiting. After every (re)connection it publishes the
 * retained status {@code {"state":"online",...}} (the last will says {@code "offline"}) and sends
 * everything in the outbox that is not acknowledged, from the oldest: alerts whose PUBACK was
 * lost with the connection are sent again (same alert id: consumers drop the duplicate).
 *
 * <p>Only one process delivers a given outbox at a time (a lock file, {@code .publisher.lock});
 * other processes only write to it and the holder picks their alerts up (it re-lists the
 * directory every second while idle).
 */
public final class OutboxPublisher implements AutoCloseable {

    private static final Duration IDLE_REFRESH = Duration.ofSeconds(1);

    private final Outbox outbox;
    private final MqttSettings settings;
    private final AlertTransport transport;
    private final Backoff backoff;
    private final Semaphore wake = new Semaphore(0);
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Map<String, Long> inflight = new ConcurrentHashMap<>();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong connectFailures = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private volatile boolean connected;
    private volatile boolean stopping;
    private long generation;
    private Thread thread;
    private FileChannel lockChannel;
    private FileLock lock;

    public OutboxPublisher(Outbox outbox, MqttSettings settings) {
        this(outbox, settings, PahoTransport::new);
    }

    public OutboxPublisher(Outbox outbox, MqttSettings settings, AlertTransport.Factory factory) {
        this.outbox = outbox;
        this.settings = settings;
        this.transport = factory.create(settings, status("offline"), this::lost);
        this.backoff = new Backoff(settings.backoffBase(), settings.backoffCap(), RandomGenerator.getDefault());
    }

    /**
     * Starts delivering. Returns false (and delivers nothing) when another process holds this
     * outbox's publisher lock.
     */
    public synchronized boolean start() {
        if (thread != null) {
            return true;
        }
        try {
            lockChannel = outbox.modes().create(outbox.directory().resolve(".publisher.lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException ex) {
            lock = null;
        } catch (IOException ex) {
            throw new DeliveryException("cannot lock the outbox " + outbox.directory() + ": " + ex.getMessage(), ex);
        }
        if (lock == null) {
            closeLockChannel();
            Logger.info("another crackcam process is delivering the outbox {}; alerts are left for it",
                    outbox.directory());
            return false;
        }
        outbox.onPut(wake::release);
        thread = new Thread(this::loop, "crackcam-mqtt");
        thread.setDaemon(true);
        thread.start();
        return true;
    }

    /** Alerts acknowledged by the broker since start. */
    public long ackedCount() {
        return acked.get();
    }

    /** Failed connection attempts since start. */
    public long connectFailures() {
        return connectFailures.get();
    }

    /** Successful connections since start. */
    public long connections() {
        return connections.get();
    }

    /** The last connection failure as one line, or null. */
    public String lastError() {
        return lastError.get();
    }

    public boolean isConnected() {
        return connected;
    }

    /**
     * Waits until the outbox is empty (everything acknowledged) or the timeout passes.
     *
     * @return true when everything was delivered
     */
    public boolean awaitDrained(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (outbox.size() > 0) {
            if (System.nanoTime() > end) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /**
     * Stops: the loop ends, the retained status becomes {@code offline}, the connection closes.
     * Unacknowledged alerts stay in the outbox for the next start. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (thread == null) {
            transport.close();
            return;
        }
        stopping = true;
        stop.countDown();
        wake.release();
        try {
            thread.join(10_000);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        if (transport.isConnected()) {
            try {
                transport.publish(settings.statusTopic(), status("offline"), 1, true).get(2, TimeUnit.SECONDS);
            } catch (Exception ex) {
                Logger.debug("offline status not acknowledged: {}", ex.toString());
            }
        }
        transport.disconnect(500);
        transport.close();
        outbox.onPut(null);
        try {
            lock.release();
        } catch (IOException ex) {
            Logger.debug("outbox lock release: {}", ex.toString());
        }
        closeLockChannel();
        thread = null;
    }

    private void closeLockChannel() {
        try {
            if (lockChannel != null) {
                lockChannel.close();
            }
        } catch (IOException ignored) {
            // nothing held any more
        }
        lockChannel = null;
    }

    private void lost(Throwable cause) {
        if (connected) {
            Logger.warn("{}; reconnecting ({} alert(s) in the outbox)",
                    PahoTransport.describe(settings.brokerUri(), cause == null ? new IOException("closed") : cause),
                    outbox.size());
        }
        connected = false;
        wake.release();
    }

    private void loop() {
        String lastLogged = null;
        long lastRefresh = System.nanoTime();
        while (!stopping) {
            try {
                if (!connected || !transport.isConnected()) {
                    connected = false;
                    String error;
                    try {
                        transport.connect();
                        error = null;
                    } catch (AlertTransport.TransportException ex) {
                        error = ex.getMessage();
                    } catch (CrackcamException ex) {
                        error = ex.getMessage();
                    }
                    if (error != null) {
                        connectFailures.incrementAndGet();
                        lastError.set(error);
                        Duration d = backoff.next();
                        if (!error.equals(lastLogged)) {
                            Logger.warn("{}; retrying with back-off (next in {} ms); {} alert(s) wait in the outbox",
                                    error, d.toMillis(), outbox.size());
                            lastLogged = error;
                        } else {
                            Logger.debug("{}; attempt {}, next in {} ms", error, backoff.failures(), d.toMillis());
                        }
                        stop.await(d.toMillis(), TimeUnit.MILLISECONDS);
                        continue;
                    }
                    generation++;
                    inflight.clear();
                    connected = true;
                    connections.incrementAndGet();
                    outbox.refresh();
                    Logger.info("{} to {} as {}; {} alert(s) to send", lastLogged == null ? "connected" : "reconnected",
                            settings.brokerUri(), settings.clientId(), outbox.size());
                    lastLogged = null;
                    backoff.reset();
                    transport.publish(settings.statusTopic(), onlineStatus(), 1, true);
                }
                fill();
                wake.tryAcquire(IDLE_REFRESH.toMillis(), TimeUnit.MILLISECONDS);
                wake.drainPermits();
                if (inflight.isEmpty() && System.nanoTime() - lastRefresh > IDLE_REFRESH.toNanos()) {
                    outbox.refresh();
                    lastRefresh = System.nanoTime();
                }
            } catch (InterruptedException ex) {
                return;
            } catch (RuntimeException ex) {
                // An outbox I/O error: report once per occurrence and try again after a pause.
                Logger.error("delivery: {}", ex.getMessage());
                try {
                    stop.await(1, TimeUnit.SECONDS);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** Publishes the oldest unsent alerts until the in-flight window is full. */
    private void fill() {
        long gen = generation;
        for (Outbox.Entry e : outbox.pending()) {
            if (inflight.size() >= settings.maxInflight() || !connected || stopping) {
                return;
            }
            if (inflight.containsKey(e.name())) {
                continue;
            }
            byte[] json = outbox.read(e);
            if (json == null) {
                continue;
            }
            inflight.put(e.name(), gen);
            transport.publish(settings.alertTopic(), json, 1, false).whenComplete((ok, err) -> {
                if (err == null) {
                    // Remove from the outbox BEFORE leaving the in-flight set: otherwise fill()
                    // could see the entry as pending and not in flight, and send it again.
                    outbox.remove(e);
                    acked.incrementAndGet();
                    inflight.remove(e.name(), gen);
                    wake.release();
                } else {
                    inflight.remove(e.name(), gen);
                    // Not woken: a lost connection wakes the loop itself; any other refusal is
                    // retried at the next tick (1 s) instead of spinning.
                    Logger.debug("alert {} not acknowledged: {}", e.alertId(), err.toString());
                }
            });
        }
    }

    // service (added for crackcam run): the retained status carries the service's health document.
    private volatile Supplier<byte[]> onlineStatus;

    /** The retained "online" status document to publish instead of the short one; null = the short one. */
    public void setOnlineStatus(Supplier<byte[]> supplier) {
        this.onlineStatus = supplier;
    }

    /** Publishes the online status now when connected (any thread; the publish is asynchronous). */
    public void publishStatus() {
        if (connected && transport.isConnected() && !stopping) {
            transport.publish(settings.statusTopic(), onlineStatus(), 1, true);
        }
    }

    private byte[] onlineStatus() {
        Supplier<byte[]> s = onlineStatus;
        return s == null ? status("online") : s.get();
    }

    private byte[] status(String state) {
        return ("{\"state\":\"" + state + "\",\"device_id\":\"" + settings.deviceId() + "\",\"time\":\""
                + Instant.now() + "\"}").getBytes(StandardCharsets.UTF_8);
    }
}
