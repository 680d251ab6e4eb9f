package org.crackcam.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.crackcam.pipeline.CrackcamException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared receive loop of {@code listen} and {@code office} against a real mosquitto. */
class AlertSubscriberTest {

    @TempDir
    Path tmp;

    private static void pub(Mosquitto broker, String topic, String message) throws Exception {
        Process p = new ProcessBuilder("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(broker.port()),
                "-t", topic, "-q", "1", "-m", message).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
    }

    @Test
    void aRefusedMessageIsRedeliveredUntilKeptAndNothingElseIsLostOrDoubled() throws Exception {
        try (Mosquitto broker = new Mosquitto(tmp.resolve("broker")).start()) {
            MqttSettings settings = MqttSettings.of(broker.tcpUrl(), "test").withClientId("crackcam-test-sub")
                    .withBackoff(Duration.ofMillis(50), Duration.ofMillis(200));
            AlertSubscriber sub = new AlertSubscriber("test", settings, AlertSubscriber.alertTopics("+", null));
            CountDownLatch subscribed = new CountDownLatch(1);
            sub.whileConnected(subscribed::countDown);
            List<String> seen = new CopyOnWriteArrayList<>();
            List<String> kept = new CopyOnWriteArrayList<>();
            AtomicInteger refusals = new AtomicInteger();
            AtomicInteger ends = new AtomicInteger();
            Thread runner = new Thread(() -> {
                try {
                    sub.run((topic, payload) -> {
                        String m = topic + " " + new String(payload, StandardCharsets.UTF_8);
                        seen.add(m);
                        if (m.endsWith("a") && refusals.get() < 2) { // "disk full" twice
                            refusals.incrementAndGet();
                            return AlertSubscriber.Ack.refused(new IOException("SIMULATED disk full"));
                        }
                        kept.add(m);
                        if (kept.size() >= 3) {
                            sub.stop();
                        }
                        return AlertSubscriber.Ack.KEPT;
                    }, ends::incrementAndGet);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            });
            runner.start();
            assertTrue(subscribed.await(30, TimeUnit.SECONDS), "subscribed");
            pub(broker, "crackcam/van-1/alerts", "a");
            pub(broker, "crackcam/van-2/alerts", "b");
            pub(broker, "other/van-1/alerts", "not for us");
            pub(broker, "crackcam/van-1/alerts", "c");
            runner.join(30_000);
            assertTrue(!runner.isAlive(), "run() returned after stop(); seen " + seen);
            assertEquals(2, refusals.get());
            assertEquals(List.of("crackcam/van-1/alerts a", "crackcam/van-1/alerts c", "crackcam/van-2/alerts b"),
                    kept.stream().sorted().toList(), "each message kept exactly once");
            assertEquals(3, seen.stream().filter(m -> m.endsWith(" a")).count(), "a: refused twice, then kept");
            assertEquals(1, ends.get(), "atEnd ran once");
            assertThrows(IllegalStateException.class, () -> sub.run((t, p) -> AlertSubscriber.Ack.KEPT, null));
        }
    }

    @Test
    void topicsAndClientIds() {
        assertEquals("crackcam/+/alerts", AlertSubscriber.alertTopics("+", null));
        assertEquals("$share/office_1/crackcam/van-7/alerts", AlertSubscriber.alertTopics("van-7", "office_1"));
        CrackcamException bad = assertThrows(CrackcamException.class, () -> AlertSubscriber.alertTopics("+", "a/b"));
        org.junit.jupiter.api.Assertions.assertInstanceOf(org.crackcam.settings.InvalidSettingException.class, bad);
        assertTrue(bad.getMessage().contains("--shared-group 'a/b'"), bad.getMessage());
        String id = AlertSubscriber.defaultClientId("listen");
        assertTrue(id.matches("crackcam-listen-[A-Za-z0-9._-]{1,40}"), id);
    }
}
