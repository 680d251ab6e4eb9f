package org.crackcam.cli;

import java.util.concurrent.Callable;

import org.crackcam.delivery.DeliveryException;
import org.crackcam.delivery.DeliveryOptions;
import org.crackcam.delivery.MqttSettings;
import org.crackcam.delivery.Outbox;
import org.crackcam.delivery.OutboxPublisher;
import org.crackcam.settings.InvalidSettingException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code crackcam deliver}: sends the alerts waiting in the outbox (e.g. from a replay run
 * without a broker) and exits when all are acknowledged, or keeps forwarding with {@code --follow}.
 */
@Command(name = "deliver", mixinStandardHelpOptions = true,
        description = {"Send the alerts waiting in the outbox to the MQTT broker.",
                "Exits 0 when all are acknowledged, 5 when --drain-timeout passes first (they stay stored)."})
public final class DeliverCommand implements Callable<Integer> {

    @Mixin
    DeliveryOptions alerts;

    @Option(names = "--follow", description = "keep running and forward alerts other processes write to the outbox")
    boolean follow;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        MqttSettings mqtt = alerts.mqttSettings();
        if (mqtt == null) {
            throw new InvalidSettingException("deliver needs --broker URL (or env CRACKCAM_BROKER)");
        }
        Outbox outbox = Outbox.open(alerts.outboxDirectory(), alerts.outboxQuotaBytes(), alerts.fileModes());
        int waiting = outbox.size();
        try (OutboxPublisher publisher = new OutboxPublisher(outbox, mqtt)) {
            if (!publisher.start()) {
                throw new DeliveryException("another crackcam process is delivering the outbox " + outbox.directory());
            }
            if (follow) {
                Thread.currentThread().join();
            }
            boolean drained = publisher.awaitDrained(alerts.drainTimeout());
            spec.commandLine().getOut().printf("deliver: %d alert(s) were waiting; %d acknowledged by %s; %d left in %s%n",
                    waiting, publisher.ackedCount(), mqtt.brokerUri(), outbox.size(), outbox.directory());
            spec.commandLine().getOut().flush();
            if (!drained) {
                throw new DeliveryException("not all alerts delivered within "
                        + alerts.drainTimeout().toSeconds() + " s" + (publisher.lastError() == null ? ""
                        : " (last error: " + publisher.lastError() + ")") + "; they stay in the outbox");
            }
        }
        return ExitCodes.OK;
    }
}
