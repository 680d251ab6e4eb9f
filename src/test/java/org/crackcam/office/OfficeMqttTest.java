package org.crackcam.office;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code crackcam office --broker} against a real mosquitto, storing in SQLite: alerts sent while
 * the office is offline arrive when it comes back (QoS 1, persistent session), bad messages are
 * quarantined and acknowledged instead of blocking the queue.
 */
class OfficeMqttTest {

    @TempDir
    Path tmp;

    static void waitFor(Callable<Boolean> cond, long timeoutMs, String what) throws Exception {
        long end = System.currentTimeMillis() + timeoutMs;
        while (!cond.call()) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    @Test
    void alertsSentWhileOfflineArriveAndBadOnesAreQuarantined() throws Exception {
        List<JsonNode> demo = DemoAlerts.valid();
        String dev = demo.get(0).get("device_id").asText();
        String topic = "crackcam/" + dev + "/alerts";
        Path dbFile = tmp.resolve("office.sqlite");
        try (Broker broker = new Broker(tmp.resolve("broker")).start()) {
            List<String> args = List.of("office", "--db", dbFile.toString(), "--broker", broker.url(),
                    "--client-id", "office-test", "--no-http", "--max-message-bytes", "60000");
            byte[] sentinel = DemoAlerts.drive(List.of(demo.get(1)), "sentinel", 0, null).get(0);
            try (OfficeDatabase db = OfficeDatabase.open(dbFile.toString(), null, null)) {
                CrackStore store = new CrackStore(db, MergeRule.defaults());
                // first run: establish the persistent session (the sentinel arrives once it is subscribed)
                try (OfficeRun office = new OfficeRun(args)) {
                    waitFor(() -> {
                        OfficeRun.publish(broker.url(), "pub-s", topic, List.of(sentinel));
                        return store.sightingCount() == 1;
                    }, 30_000, "the sentinel alert");
                    assertEquals(0, office.stop());
                    assertTrue(office.out().contains("new crack(s)"), office.out());
                }
                // offline: 20 alerts, one from a device speaking for another, one over the size limit
                List<byte[]> batch = new ArrayList<>(DemoAlerts.drive(demo.subList(2, 22), "offline", 0, null));
                OfficeRun.publish(broker.url(), "pub-1", topic, batch);
                OfficeRun.publish(broker.url(), "pub-2", "crackcam/intruder/alerts",
                        DemoAlerts.drive(List.of(demo.get(3)), "intruder", 0, null));
                com.fasterxml.jackson.databind.node.ObjectNode big = demo.get(4).deepCopy();
                big.put("alert_id", DemoAlerts.v7Like("big"));
                big.with("source").put("name", "x".repeat(70_000));
                OfficeRun.publish(broker.url(), "pub-3", topic, List.of(DemoAlerts.bytes(big)));
                final long expectQuarantine = 2;
                try (OfficeRun office = new OfficeRun(args)) {
                    waitFor(() -> store.sightingCount() + store.quarantineCount() >= 1 + batch.size() + 2, 30_000,
                            "the alerts sent while the office was offline");
                    assertEquals(0, office.stop());
                }
                assertEquals(1 + batch.size(), store.sightingCount());
                assertEquals(expectQuarantine, store.quarantineCount());
            }
        }
    }
}
