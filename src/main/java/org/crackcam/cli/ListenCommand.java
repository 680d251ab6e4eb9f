package org.crackcam.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

import org.crackcam.delivery.AlertArchive;
import org.crackcam.delivery.AlertSubscriber;
import org.crackcam.delivery.DeliveryOptions;
import org.crackcam.delivery.FileModes;
import org.crackcam.delivery.MqttSettings;
import org.crackcam.settings.InvalidSettingException;
import org.tinylog.Logger;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

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
        if (!device.equals("+") && !org.crackcam.settings.DeviceId.isAcceptable(device)) {
            throw new InvalidSettingException("--device '" + device + "' is not valid: + or 1..64 characters from A-Z a-z 0-9 . _ -");
        }
        if (count < 0) {
            throw new InvalidSettingException("--count must be >= 0, got " + count);
        }
        if (maxAlertBytes < 1024) {
            throw new InvalidSettingException("--max-alert-bytes must be >= 1024, got " + maxAlertBytes);
        }
        String id = clientId != null ? clientId : AlertSubscriber.defaultClientId("listen");
        MqttSettings settings = security.broker(broker, id, org.crackcam.settings.BrokerSettings.DEFAULT_KEEPALIVE_S).mqtt("listen");
        AlertArchive archive = AlertArchive.open(out, maxAlertBytes, FileModes.of(groupReadable));
        AlertSubscriber subscriber = new AlertSubscriber("listen", settings, AlertSubscriber.alertTopics(device, null))
                .stopGrace(Duration.ofSeconds(3)) // let the summary line out before the JVM halts
                .whileConnected(() -> flushIndex(archive, false));
        Logger.info("listen: writing to {}", out);
        subscriber.run((topic, payload) -> {
            synchronized (archive) {
                try {
                    archive.accept(topic, payload);
                } catch (java.io.IOException ex) {
                    // Bad messages are quarantined and acknowledged; only a folder that cannot be
                    // written leaves a message unacknowledged.
                    Logger.error("listen: cannot write to {} ({}); message not acknowledged, the broker sends it again",
                            out, ex.getMessage());
                    return AlertSubscriber.Ack.refused(ex);
                }
                if (count > 0 && archive.storedCount() + archive.updatedCount() >= count) {
                    subscriber.stop();
                }
                return AlertSubscriber.Ack.KEPT;
            }
        }, () -> {
            flushIndex(archive, true);
            synchronized (archive) {
                spec.commandLine().getOut().println("listen: " + archive.summaryLine());
            }
            spec.commandLine().getOut().flush();
        });
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
}
