package org.crackcam.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.crackcam.alerts.AlertContext;
import org.crackcam.alerts.AlertSchema;
import org.crackcam.alerts.TrackerConfig;
import org.crackcam.bundle.ModelBundle;
import org.crackcam.bundle.RuntimeOptions;
import org.crackcam.bundle.TestBundles;
import org.crackcam.capture.FrameSelector;
import org.crackcam.delivery.AlertStage;
import org.crackcam.delivery.Outbox;
import org.crackcam.report.Replay;
import org.crackcam.settings.TilingSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Alert ids end to end (issue 14), through the real ONNX bundle and the real replay path: the
 * SYNTHETIC demo drive, whose cracks often enter the view together, replayed twice. Checks that
 * several events start on the same frame (the case where v1 ids collided), that every event has
 * its own id, that both replays give the same ids and the same documents but for {@code time} (the
processing wall time), and that every alert passes the v2 schema.
 */
class AlertIdsReplayTest {

    static final Path DEMO = Path.of("models/demo/drive.mp4");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** The alerts (JSON) of one replay of the demo drive, every second frame. */
    List<JsonNode> replay(ModelBundle bundle, String name) throws Exception {
        Outbox outbox = Outbox.open(tmp.resolve(name).resolve("outbox"), 1L << 30);
        StringWriter summary = new StringWriter();
        AlertStage stage = AlertStage.open(TrackerConfig.DEFAULTS,
                new AlertContext("van-e2e", "file", bundle.manifest().name(), "ab".repeat(32)), outbox, null,
                Duration.ofSeconds(1), new PrintWriter(summary));
        try (stage) {
            Replay.Result r = Replay.run(bundle, TilingSettings.DEFAULTS,
                    new Replay.Options(DEMO, tmp.resolve(name), new FrameSelector(2, 0), false, 0, false, false, null),
                    new PrintStream(java.io.OutputStream.nullOutputStream()), List.of(stage));
            assertEquals(null, r.failure());
        }
        assertEquals(0, stage.invalidAlertCount(), summary.toString());
        List<JsonNode> docs = new ArrayList<>();
        for (Outbox.Entry e : outbox.pending()) {
            docs.add(JSON.readTree(outbox.read(e)));
        }
        assertEquals(stage.alertCount(), docs.size());
        return docs;
    }

    @Test
    void demoDriveReplayedTwiceGivesTheSameDistinctIds() throws Exception {
        AlertSchema schema = AlertSchema.load();
        List<JsonNode> first, second;
        try (ModelBundle bundle = ModelBundle.open(TestBundles.EDGE_SYNTHETIC, RuntimeOptions.defaults())) {
            first = replay(bundle, "a");
            second = replay(bundle, "b");
        }
        Set<String> ids = new HashSet<>();
        Set<String> idRevisions = new HashSet<>();
        Map<Long, Integer> eventsStartingAt = new TreeMap<>();
        int events = 0;
        for (JsonNode d : first) {
            assertEquals(List.of(), schema.validate(d));
            assertEquals(AlertSchema.V2, d.get("schema").asText());
            ids.add(d.get("alert_id").asText());
            idRevisions.add(d.get("alert_id").asText() + "/" + d.get("revision").asInt());
            if (d.get("revision").asInt() == 0) {
                events++;
                eventsStartingAt.merge(d.at("/source/first_frame").asLong(), 1, Integer::sum);
            }
        }
        long sharedStarts = eventsStartingAt.values().stream().filter(n -> n >= 2).count();
        System.out.printf("demo drive (SYNTHETIC), every 2nd frame: %d alerts, %d events, %d distinct ids, "
                + "%d first frames shared by >= 2 events%n", first.size(), events, ids.size(), sharedStarts);
        assertTrue(events >= 5, "the demo drive makes events: " + events);
        assertTrue(sharedStarts >= 1, "the drive has >= 2 cracks starting on the same frame: " + eventsStartingAt);
        assertEquals(events, ids.size(), "one id per event");
        assertEquals(first.size(), idRevisions.size(), "one (id, revision) per alert");
        Map<String, JsonNode> byId = new HashMap<>();
        Set<String> secondIds = new HashSet<>();
        for (JsonNode d : second) {
            secondIds.add(d.get("alert_id").asText());
            byId.put(d.get("alert_id").asText() + "/" + d.get("revision").asInt(), withoutTime(d));
        }
        assertEquals(ids, secondIds, "a replay of the same drive with the same bundle and settings");
        for (JsonNode d : first) { // the same documents (images included) apart from the wall time
            assertEquals(withoutTime(d), byId.get(d.get("alert_id").asText() + "/" + d.get("revision").asInt()));
        }
        assertTrue(first.stream().allMatch(d -> d.at("/source/identity").asText().matches("sha256:[0-9a-f]{64}")));
        printSizes(first);
    }

    static JsonNode withoutTime(JsonNode d) {
        var c = (com.fasterxml.jackson.databind.node.ObjectNode) d.deepCopy();
        c.remove("time");
        return c;
    }

    /** Alert sizes: v2 as made, and the same alerts with only the v1 fields (no region, crops, revision …). */
    static void printSizes(List<JsonNode> docs) throws Exception {
        long v2 = 0, v1 = 0, crops = 0, cropCount = 0, region = 0, mask = 0, overlay = 0, max = 0;
        for (JsonNode d : docs) {
            long n = JSON.writeValueAsBytes(d).length;
            v2 += n;
            max = Math.max(max, n);
            var v1doc = (com.fasterxml.jackson.databind.node.ObjectNode) d.deepCopy();
            v1doc.remove(List.of("revision", "region", "crops", "mask_rule"));
            v1 += JSON.writeValueAsBytes(v1doc).length;
            for (JsonNode c : d.get("crops")) {
                crops += c.at("/image/data").asText().length();
                cropCount++;
            }
            region += d.at("/region/data").asText().length();
            mask += d.at("/mask/data").asText().length();
            overlay += d.at("/overlay/data").asText().length();
        }
        int n = docs.size();
        System.out.printf("alert size (demo, SYNTHETIC): v2 %.1f KB mean, %.1f KB max; v1 fields only %.1f KB; "
                        + "base64 per alert: crops %.1f KB (%.1f crops, %.1f KB each), region %.2f KB, mask %.2f KB, overlay %.1f KB%n",
                v2 / 1024.0 / n, max / 1024.0, v1 / 1024.0 / n, crops / 1024.0 / n, cropCount / (double) n,
                cropCount == 0 ? 0 : crops / 1024.0 / cropCount, region / 1024.0 / n, mask / 1024.0 / n, overlay / 1024.0 / n);
    }
}
