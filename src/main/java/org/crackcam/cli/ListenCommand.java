package org.crackcam.cli;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;

import org.crackcam.alerts.AlertContext;
import org.crackcam.delivery.AlertArchive;
import org.crackcam.delivery.DeliveryOptions;
import org.crackcam.delivery.AlertTransport;
import org.crackcam.delivery.Backoff;
import org.crackcam.delivery.FileModes;
import org.crackcam.delivery.MqttSettings;
import org.crackcam.delivery.PahoTransport;
import org.crackcam.pipeline.CrackcamException;
import org.tinylog.Logger;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code crackcam listen}: what a road-maintenance office runs. Subscribes at QoS 1 with a
 * persistent session (the broker keeps alerts while the office is offline) and hands every
 * message to an {@link AlertArchive}: valid alerts are stored (deduplicated by alert id and
 * revision) as JSON, images and an {@code index.html} gallery; a message that cannot be stored
 * is acknowledged, kept in {@code quarantine/} with its reason and counted, so it never blocks
 * the ones behind it. Only a folder that cannot be written leaves a message unacknowledged.
 */
@Command(name = "listen", mixinStandardHelpOptions = true,
        description = {"Receive crack alerts from an MQTT broker into a folder with an index.html gallery.",
                "Alerts are checked (size, JSON, strict ids, topic device = device_id, schema, images) and deduplicated "
                        + "by (alert_id, revision); a message that cannot be stored goes to <out>/quarantine/ "
                        + "with a .reason.json and is counted."})
public final class ListenCommand implements Callable<Integer> {

    @Option(names = "--broker", required = true, paramLabel = "URL",
            description = "tcp://host:1883 or ssl://host:8883 (mqtt://, mqtts:// too)")
    String broker;

    @Option(names = "--device", defaultValue = "+", paramLabel = "ID",
            description = "device whose alerts to receive, or + for all (default ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "folder for alerts and index.html")
    Path out;

    @Option(names = "--client-id", paramLabel = "ID",
            description = "MQTT client id; keep it stable so the broker queues alerts while you are away "
                    + "(default crackcam-listen-<host name>)")
    String clientId;

    @Option(names = "--count", defaultValue = "0", paramLabel = "N",
            description = "exit after N alerts stored (new ones or newer revisions; default 0: run until interrupted)")
    long count;

    @Option(names = "--max-alert-bytes", defaultValue = "524288", paramLabel = "BYTES",
            description = "larger messages are quarantined without being parsed (default ${DEFAULT-VALUE}, 512 KiB)")
    int maxAlertBytes;

    @Option(names = "--group-readable",
            description = "folders 0750 and files 0640 so the operators' group can read them; default private: 0700 / 0600")
    boolean groupReadable;

    @ArgGroup(exclusive = false, heading = "TLS and credentials%n")
    DeliveryOptions.Security security = new DeliveryOptions.Security();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!device.equals("+") && !AlertContext.isValidDeviceId(device)) {
            throw new CrackcamException(CrackcamException.Kind.CONFIGURATION,
                    "--device '" + device + "' is not valid: + or 1..64 characters from A-Z a-z 0-9 . _ -");
        }
        if (count < 0) {
            throw new CrackcamException(CrackcamException.Kind.CONFIGURATION, "--count must be >= 0, got " + count);
        }
        if (maxAlertBytes < 1024) {
            throw new CrackcamException(CrackcamException.Kind.CONFIGURATION,
                    "--max-alert-bytes must be >= 1024, got " + maxAlertBytes);
        }
        String id = clientId != null ? clientId : "crackcam-listen-" + hostName();
        MqttSettings settings = security.applyTo(MqttSettings.of(broker, "listen").withClientId(id));
        AlertArchive archive = AlertArchive.open(out, maxAlertBytes, FileModes.of(groupReadable));
        String topic = "crackcam/" + device + "/alerts";
        Semaphore lost = new Semaphore(0);
        AtomicBoolean storageFailed = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(1);
        PahoTransport transport = new PahoTransport(settings, null, cause -> {
            Logger.warn("{}; reconnecting", PahoTransport.describe(settings.brokerUri(),
                    cause == null ? new java.io.IOException("closed") : cause));
            lost.release();
        });
        transport.subscribeOnConnect(topic, 1, (t, payload) -> {
            synchronized (archive) {
                try {
                    archive.accept(t, payload);
                } catch (java.io.IOException ex) {
                    // The only exception that leaves this callback: Paho then drops the connection
                    // without a PUBACK and the broker keeps the message (bad messages never get here).
                    Logger.error("listen: cannot write to {} ({}); message not acknowledged, the broker sends it again",
                            out, ex.getMessage());
                    storageFailed.set(true);
                    throw ex;
                }
                if (count > 0 && archive.storedCount() + archive.updatedCount() >= count) {
                    done.countDown();
                }
            }
        });
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            done.countDown();
            try {
                finished.await(3, TimeUnit.SECONDS); // let the summary line out before the JVM halts
            } catch (InterruptedException ignored) {
                // halting anyway
            }
        }, "crackcam-listen-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        Backoff backoff = new Backoff(settings.backoffBase(), settings.backoffCap(), RandomGenerator.getDefault());
        String lastLogged = null;
        try {
            while (done.getCount() > 0) {
                if (storageFailed.getAndSet(false)) { // disk full or the like: do not spin on redeliveries
                    done.await(backoff.next().toMillis(), TimeUnit.MILLISECONDS);
                    continue;
                }
                try {
                    transport.connect();
                } catch (AlertTransport.TransportException ex) {
                    Duration d = backoff.next();
                    if (!ex.getMessage().equals(lastLogged)) {
                        Logger.warn("{}; retrying with back-off (next in {} ms)", ex.getMessage(), d.toMillis());
                        lastLogged = ex.getMessage();
                    }
                    done.await(d.toMillis(), TimeUnit.MILLISECONDS);
                    continue;
                }
                backoff.reset();
                lastLogged = null;
                Logger.info("listening on {} at {} as {}; writing to {}", topic, settings.brokerUri(), id, out);
                lost.drainPermits();
                while (done.getCount() > 0 && !lost.tryAcquire(500, TimeUnit.MILLISECONDS)) {
                    flushIndex(archive, false);
                    if (!transport.isConnected()) {
                        break;
                    }
                }
            }
        } finally {
            transport.disconnect(500);
            transport.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
        flushIndex(archive, true);
        synchronized (archive) {
            spec.commandLine().getOut().println("listen: " + archive.summaryLine());
        }
        spec.commandLine().getOut().flush();
        finished.countDown();
        return ExitCodes.OK;
    }

    /** The gallery is a view: a failure to rewrite it is logged, not fatal. */
    private static void flushIndex(AlertArchive archive, boolean now) {
        synchronized (archive) {
            try {
                if (now) {
                    archive.flushIndex();
                } else {
                    archive.flushIndexIfDue();
                }
            } catch (java.io.IOException ex) {
                Logger.warn("listen: cannot rewrite index.html: {}", ex.getMessage());
            }
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "-");
        } catch (Exception ex) {
            return "office";
        }
    }
}
