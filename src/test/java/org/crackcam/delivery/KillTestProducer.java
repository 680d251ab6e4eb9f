package org.crackcam.delivery;

import java.nio.file.Path;

import org.crackcam.alerts.Alert;

/**
 * Child process for the SIGKILL test: makes SYNTHETIC, schema-valid alerts into an outbox while publishing,
 * printing {@code STORED <id>} after each alert is fsync'd (i.e. after {@link Outbox#put} returned).
 * Arguments: broker URL, outbox directory, device id, number of alerts.
 */
public final class KillTestProducer {

    private KillTestProducer() {
    }

    public static void main(String[] args) throws Exception {
        Outbox outbox = Outbox.open(Path.of(args[1]), 1L << 30);
        OutboxPublisher pub = new OutboxPublisher(outbox, MqttSettings.of(args[0], args[2]));
        pub.start();
        int n = Integer.parseInt(args[3]);
        for (int i = 0; i < n; i++) {
            Alert a = TestAlerts.valid(args[2], i);
            outbox.put(a);
            System.out.println("STORED " + a.id());
            System.out.flush();
            Thread.sleep(5);
        }
        pub.awaitDrained(java.time.Duration.ofSeconds(30));
        pub.close();
    }
}
