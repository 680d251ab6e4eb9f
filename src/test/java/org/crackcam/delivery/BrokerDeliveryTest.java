package org.crackcam.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.crackcam.alerts.Alert;
import org.crackcam.alerts.AlertContext;
import org.crackcam.alerts.AlertSchema;
import org.crackcam.alerts.SyntheticFrames;
import org.crackcam.alerts.TrackerConfig;
import org.crackcam.pipeline.Position;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Delivery through a real mosquitto, received by a plain mosquitto_sub process. */
class BrokerDeliveryTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String SHA = "0123456789abcdef".repeat(4);

    @TempDir
    Path tmp;

    static MqttSettings fast(MqttSettings s) {
        return s.withBackoff(Duration.ofMillis(100), Duration.ofMillis(800))
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(3));
    }

    static String idOf(String line) throws Exception {
        return JSON.readTree(line).get("alert_id").asText();
    }

    @Test
    void alertsFromTheTrackerArriveAtMosquittoSubAndValidate() throws Exception {
        try (Mosquitto broker = new Mosquitto(tmp.resolve("broker")).start();
             MosquittoSub sub = new MosquittoSub(broker.port(), "crackcam/+/alerts", "office-1")) {
            Thread.sleep(300); // let mosquitto_sub subscribe
            MqttSettings mqtt = fast(MqttSettings.of(broker.tcpUrl(), "van-7"));
            Outbox outbox = Outbox.open(tmp.resolve("outbox"), 1 << 24);
            StringWriter summary = new StringWriter();
            AlertStage stage = AlertStage.open(TrackerConfig.DEFAULTS,
                    new AlertContext("van-7", "file", "edge-synthetic", SHA), outbox, mqtt, Duration.ofSeconds(20),
                    new PrintWriter(summary));
            // SYNTHETIC drive: two cracks, one with a position fix
            for (int f = 0; f < 40; f++) {
                byte[] m = null;
                if (f < 8) {
                    m = SyntheticFrames.mask();
                    SyntheticFrames.crack(m, 5, 200, 140 + f * 12, 15, 150);
                } else if (f >= 25 && f < 30) {
                    m = SyntheticFrames.mask();
                    SyntheticFrames.crack(m, 6, 420, 200, 100, 120);
                }
                Optional<Position> pos = f < 8 ? Optional.of(new Position(52.52, 13.405, 12.0, 90.0, 0)) : Optional.empty();
                stage.onFrame(SyntheticFrames.frame("synthetic.mp4", f, m, 0.85f, pos));
            }
            stage.onEnd();
            stage.close();
            assertEquals(2, stage.alertCount());
            assertEquals(0, outbox.size(), "outbox must be empty after the PUBACKs: " + summary);
            List<String> lines = sub.await(2, Duration.ofSeconds(10));
            assertEquals(2, lines.size());
            AlertSchema schema = AlertSchema.load();
            for (String l : lines) {
                JsonNode doc = JSON.readTree(l);
                assertEquals(List.of(), schema.validate(doc));
                assertEquals("van-7", doc.get("device_id").asText());
            }
            assertTrue(summary.toString().contains("all delivered"), summary.toString());
            // the retained status says offline after a clean stop
            Process status = new ProcessBuilder("mosquitto_sub", "-h", "127.0.0.1", "-p", String.valueOf(broker.port()),
                    "-t", "crackcam/van-7/status", "-C", "1", "-W", "5").start();
            String st = new String(status.getInputStream().readAllBytes());
            status.waitFor();
            assertEquals("offline", JSON.readTree(st).get("state").asText());
        }
    }

    @Test
    void brokerDownForSecondsMidStreamLosesNothing() throws Exception {
        int n = 150;
        Path office = tmp.resolve("office");
        try (Mosquitto broker = new Mosquitto(tmp.resolve("broker")).start();
             MosquittoSub sub = new MosquittoSub(broker.port(), "crackcam/+/alerts", "office-2");
             ListenProcess listen = ListenProcess.start(broker, office, "office-2-listen")) {
            Outbox outbox = Outbox.open(tmp.resolve("outbox"), 1 << 26);
            Set<String> made = new LinkedHashSet<>();
            Set<String> madePairs = new HashSet<>();
            try (OutboxPublisher pub = new OutboxPublisher(outbox, fast(MqttSettings.of(broker.tcpUrl(), "van-8")))) {
                assertTrue(pub.start());
                for (int i = 0; i < n; i++) {
                    Alert a = TestAlerts.valid("van-8", i);
                    outbox.put(a);
                    made.add(a.id());
                    madePairs.add(TestAlerts.pair(JSON.readTree(a.json())));
                    if (i == 40) {
                        broker.stop();
                    }
                    if (i == 110) {
                        assertTrue(outbox.size() >= 70, "alerts must wait in the outbox while the broker is down");
                        broker.start();
                    }
                    Thread.sleep(i > 40 && i < 110 ? 60 : 10); // ~4 s without a broker
                }
                assertTrue(pub.awaitDrained(Duration.ofSeconds(30)), "outbox not drained: " + outbox.size());
                assertTrue(pub.connections() >= 2);
            }
            List<String> lines = awaitIds(sub, made, Duration.ofSeconds(20));
            Set<String> got = new HashSet<>();
            Set<String> subPairs = new HashSet<>();
            for (String l : lines) {
                String id = idOf(l);
                assertTrue(made.contains(id), "unknown id " + id);
                got.add(id);
                subPairs.add(TestAlerts.pair(JSON.readTree(l)));
            }
            assertEquals(made, new LinkedHashSet<>(made.stream().filter(got::contains).toList()));
            assertEquals(n, got.size());
            assertEquals(madePairs, subPairs, "distinct (alert_id, revision) at mosquitto_sub = alerts made");
            Set<String> stored = listen.awaitStored(madePairs, Duration.ofSeconds(120));
            String summary = listen.stop();
            assertEquals(madePairs, stored, "alerts stored by listen = alerts made; " + summary);
            assertTrue(summary.contains(" 0 quarantined"), summary);
            System.out.printf("broker restart: %d alerts made, %d messages at mosquitto_sub (%d distinct pairs), "
                    + "%d stored by listen (%s)%n", n, lines.size(), subPairs.size(), stored.size(), summary);
        }
    }

    /** Waits until every id in {@code want} has been received. */
    static List<String> awaitIds(MosquittoSub sub, Set<String> want, Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> lines = sub.lines();
            Set<String> got = new HashSet<>();
            for (String l : lines) {
                got.add(idOf(l));
            }
            if (got.containsAll(want) || System.nanoTime() > end) {
                return lines;
            }
            sub.await(lines.size() + 1, Duration.ofMillis(200));
        }
    }

    @Test
    void unreachableBrokerGivesOneLogLineAndRetriesThenDeliversEverything() throws Exception {
        int port = Mosquitto.freePort();
        Path outboxDir = tmp.resolve("outbox");
        Outbox outbox = Outbox.open(outboxDir, 1 << 24);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Alert a = TestAlerts.alert("van-9", i, 500);
            outbox.put(a);
            ids.add(a.id());
        }
        ChildJvm.Result r = ChildJvm.run(Duration.ofSeconds(60), "org.crackcam.cli.Main", "deliver",
                "--broker", "tcp://127.0.0.1:" + port, "--device", "van-9", "--outbox", outboxDir.toString(),
                "--drain-timeout", "4");
        assertEquals(5, r.exitCode(), r.toString());
        long unreachable = r.stderr().lines().filter(l -> l.contains("unreachable")).count();
        assertEquals(2, unreachable, "one log line for the repeated failure, one in the final error:\n" + r.stderr());
        assertTrue(r.stderr().lines().anyMatch(l -> l.startsWith("crackcam: not all alerts delivered")), r.stderr());
        assertEquals(20, Outbox.open(outboxDir, 1 << 24).size(), "nothing may be lost while unreachable");
        try (Mosquitto broker = new Mosquitto(tmp.resolve("broker"), port).start();
             MosquittoSub sub = new MosquittoSub(broker.port(), "crackcam/van-9/alerts", "office-3")) {
            Thread.sleep(300);
            ChildJvm.Result ok = ChildJvm.run(Duration.ofSeconds(60), "org.crackcam.cli.Main", "deliver",
                    "--broker", broker.tcpUrl(), "--device", "van-9", "--outbox", outboxDir.toString());
            assertEquals(0, ok.exitCode(), ok.toString());
            List<String> lines = awaitIds(sub, new HashSet<>(ids), Duration.ofSeconds(10));
            List<String> got = new ArrayList<>();
            for (String l : lines) {
                got.add(idOf(l));
            }
            assertEquals(ids, got, "pending alerts are sent first, in order");
        }
    }
}
