package org.crackcam.cli;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

import org.crackcam.alerts.AlertContext;
import org.crackcam.delivery.AlertArchive;
import org.crackcam.delivery.DeliveryOptions;
import org.crackcam.delivery.AlertTransport;
import org.crackcam.delivery.Backoff;
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
 * persistent session (the broker keeps alerts while the office is offline), validates every
 * alert against the schema, drops duplicate ids, and keeps a folder of alert JSON, mask PNG,
 * overlay JPEG and an {@code index.html} gallery, newest first.
 */
@Command(name = "listen", mixinStandardHelpOptions = true,
        description = {"Receive crack alerts from an MQTT broker into a folder with an index.html gallery.",
                "Each alert is validated against crackcam.alert/1; duplicates (same alert_id) are dropped."})
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
            description = "exit after N new alerts (default 0: run until interrupted)")
    long count;

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
        String id = clientId != null ? clientId : "crackcam-listen-" + hostName();
        MqttSettings settings = security.applyTo(MqttSettings.of(broker, "listen").withClientId(id));
        AlertArchive archive = AlertArchive.open(out);
        String topic = "crackcam/" + device + "/alerts";
        Semaphore lost = new Semaphore(0);
        CountDownLatch done = new CountDownLatch(1);
        PahoTransport transport = new PahoTransport(settings, null, cause -> {
            Logger.warn("{}; reconnecting", PahoTransport.describe(settings.brokerUri(),
                    cause == null ? new java.io.IOException("closed") : cause));
            lost.release();
        });
        transport.subscribeOnConnect(topic, 1, (t, payload) -> {
            synchronized (archive) {
                AlertArchive.Outcome o;
                try {
                    o = archive.accept(t, payload);
                } catch (java.io.IOException ex) {
                    Logger.error("listen: cannot store an alert in {} ({}); not acknowledged, the broker sends it again",
                            out, ex.getMessage());
                    throw ex;
                }
                if (o == AlertArchive.Outcome.STORED && count > 0 && archive.storedCount() >= count) {
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
        synchronized (archive) {
            spec.commandLine().getOut().printf("listen: %d alert(s) stored, %d duplicate(s) dropped, %d invalid, in %s%n",
                    archive.storedCount(), archive.duplicateCount(), archive.invalidCount(), out);
        }
        spec.commandLine().getOut().flush();
        finished.countDown();
        return ExitCodes.OK;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "-");
        } catch (Exception ex) {
            return "office";
        }
    }
}
