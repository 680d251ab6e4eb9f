package org.crackcam.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

public class HealthServerTest {

    private static HttpResponse<String> get(HealthServer s, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + s.port() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Parses the exposition text: every sample must follow its HELP and TYPE lines. */
    public static Map<String, Double> parse(String text) {
        Map<String, Double> samples = new LinkedHashMap<>();
        String help = null;
        String type = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("# HELP ")) {
                help = line.split(" ")[2];
            } else if (line.startsWith("# TYPE ")) {
                String[] p = line.split(" ");
                type = p[2];
                assertEquals(help, type, "TYPE follows HELP");
                assertTrue(p[3].equals("counter") || p[3].equals("gauge"), line);
                if (p[3].equals("counter")) {
                    assertTrue(p[2].endsWith("_total"), "counters end in _total: " + line);
                }
            } else {
                String name = line.substring(0, line.indexOf('{'));
                assertEquals(type, name, "sample after its TYPE: " + line);
                samples.put(name, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
            }
        }
        return samples;
    }

    @Test
    void healthzFollowsFrameFlowAndMetricsAreValidPrometheusText() throws Exception {
        ServiceMetrics m = new ServiceMetrics("van-07", "cpu");
        m.source(() -> 120, () -> 7, () -> 2, () -> 1, () -> true);
        m.delivery(() -> 3, () -> 11);
        try (HealthServer s = HealthServer.start(0, m, 2.0)) {
            assertEquals("127.0.0.1", s.address().getAddress().getHostAddress(), "loopback only");
            HttpResponse<String> r = get(s, "/healthz");
            assertEquals(503, r.statusCode());
            assertTrue(r.body().contains("no frame yet"), r.body());
            for (int i = 0; i < 10; i++) {
                m.frameProcessed(5.0, i % 2 == 0, true);
                Thread.sleep(10);
            }
            r = get(s, "/healthz");
            assertEquals(200, r.statusCode(), r.body());
            Thread.sleep(2200); // frames stop for longer than stale_after_s
            m.error("camera cam0: connection refused");
            r = get(s, "/healthz");
            assertEquals(503, r.statusCode(), "frames stopped");
            assertTrue(r.body().contains("connection refused"), r.body());

            r = get(s, "/metrics");
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
            Map<String, Double> v = parse(r.body());
            assertEquals(120, v.get("crackcam_frames_captured_total"));
            assertEquals(10, v.get("crackcam_frames_processed_total"));
            assertEquals(7, v.get("crackcam_frames_dropped_total"));
            assertEquals(2, v.get("crackcam_source_reconnects_total"));
            assertEquals(5, v.get("crackcam_frames_with_crack_total"));
            assertEquals(3, v.get("crackcam_outbox_depth"));
            assertEquals(1, v.get("crackcam_errors_total"));
            assertTrue(v.get("crackcam_frames_per_second") > 0);
            assertEquals(404, get(s, "/other").statusCode());
        }
    }

    /**
     * Frames arrive (the capture counter grows) but none is processed: 503 with the reason after
     * the stall bound, 200 again after the next processed frame; frames that stop arriving are
     * not a stall.
     */
    @Test
    void healthzReportsFramesArrivingButNotProcessed() throws Exception {
        ServiceMetrics m = new ServiceMetrics("van-07", "cpu");
        java.util.concurrent.atomic.AtomicLong captured = new java.util.concurrent.atomic.AtomicLong();
        m.source(captured::get, () -> 0, () -> 0, () -> 0, () -> true);
        m.loopStarted();
        try (HealthServer s = HealthServer.start(0, m, 60.0, 0.6)) {
            captured.addAndGet(5);
            m.frameProcessed(5.0, false, false);
            assertEquals(200, get(s, "/healthz").statusCode());
            for (int i = 0; i < 10; i++) { // the camera goes on, the sampler skips everything
                captured.incrementAndGet();
                m.frameSkipped();
                Thread.sleep(100);
            }
            HttpResponse<String> r = get(s, "/healthz");
            assertEquals(503, r.statusCode(), r.body());
            assertTrue(r.body().contains("frames arrive but none processed for"), r.body());
            assertTrue(r.body().contains("1 processed, 10 skipped"), r.body());
            assertTrue(parse(get(s, "/metrics").body()).get("crackcam_processing_stalled_seconds") > 0.6);
            m.frameProcessed(5.0, false, false);
            assertEquals(200, get(s, "/healthz").statusCode(), "processing again");
            Thread.sleep(800); // nothing arrives at all: not a stall (stale_after_s is the bound for that)
            assertEquals(0.0, m.stalledSeconds());
            assertEquals(200, get(s, "/healthz").statusCode());
        }
    }

    @Test
    void statusDocumentForTheRetainedTopic() throws Exception {
        ServiceMetrics m = new ServiceMetrics("van-07", "tensorrt");
        m.source(() -> 5, () -> 1, () -> 0, () -> 0, () -> true);
        m.frameProcessed(3, false, false);
        JsonNode on = new ObjectMapper().readTree(StatusDocument.online(m).toJson());
        assertEquals("van-07", on.get("device_id").asText());
        assertTrue(on.get("online").asBoolean());
        assertEquals("tensorrt", on.get("provider").asText());
        assertEquals(1, on.get("frames_processed").asLong());
        assertEquals(1, on.get("frames_dropped").asLong());
        assertTrue(on.has("frames_per_second") && on.has("reconnects"));
        assertTrue(!on.has("outbox_depth"), "unknown depth is left out");
        assertTrue(!on.has("last_error"));
        JsonNode off = new ObjectMapper().readTree(StatusDocument.offline("van-07").toJson());
        assertEquals(false, off.get("online").asBoolean());
        assertEquals(5, off.size(), "schema_version, state, device_id, online, time");
        assertEquals("offline", off.get("state").asText());
        assertEquals("online", on.get("state").asText());
    }
}
