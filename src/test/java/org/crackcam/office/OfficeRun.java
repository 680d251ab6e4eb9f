package org.crackcam.office;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.crackcam.cli.Main;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/** {@code crackcam office ...} run in-process on its own thread; {@link #stop()} interrupts it. */
final class OfficeRun implements AutoCloseable {

    private final Thread thread;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final AtomicInteger code = new AtomicInteger(-1);

    OfficeRun(List<String> args) {
        String[] a = args.toArray(new String[0]);
        thread = new Thread(() -> code.set(Main.execute(a, new PrintStream(out, true), new PrintStream(err, true))),
                "office-under-test");
        thread.start();
    }

    /** Interrupts the office and waits for it; returns its exit code. */
    int stop() throws InterruptedException {
        thread.interrupt();
        thread.join(20_000);
        return code.get();
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws InterruptedException {
        if (thread.isAlive()) {
            stop();
        }
    }

    /** Publishes at QoS 1 and waits for each PUBACK. */
    static void publish(String broker, String clientId, String topic, List<byte[]> payloads) throws Exception {
        try (MqttClient c = new MqttClient(broker, clientId, new MemoryPersistence())) {
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(true);
            o.setMaxInflight(200);
            c.connect(o);
            for (byte[] p : payloads) {
                MqttMessage m = new MqttMessage(p);
                m.setQos(1);
                c.publish(topic, m);
            }
            c.disconnect();
        }
    }
}
