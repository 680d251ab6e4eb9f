package org.crackcam.office;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.crackcam.delivery.MqttSettings;
import org.crackcam.delivery.PahoTransport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Load benchmark (not a unit test; {@code mvn -Pbenchmark -Dtest=OfficeLoadBenchmark test}):
 * 10,000 alerts from 20 simulated vehicles (the demo drive's alerts, each vehicle on its own road
 * 0.01° apart, 500 alerts each = about ten passes) published at QoS 1 to a real mosquitto and
 * stored by the office's receiving path (PahoTransport + AlertReceiver, as in
 * {@code crackcam office}) into SQLite, then PostgreSQL + PostGIS when installed. Prints
 * throughput, publish-to-stored latency percentiles, lost alerts (must be 0) and the time to load
 * the crack list API and the map page in headless Chromium.
 */
@Tag("benchmark")
class OfficeLoadBenchmark {

    static final int DEVICES = 20;
    static final int PER_DEVICE = 500;
    private static final Pattern ID = Pattern.compile("\"alert_id\":\"([0-9a-f-]{36})\"");

    @TempDir
    Path tmp;

    @Test
    void sqlite() throws Exception {
        run("SQLite", OfficeDatabase.open(tmp.resolve("load.sqlite").toString(), null, null));
    }

    @Test
    void postgis() throws Exception {
        PgServer pg = PgServer.get();
        org.junit.jupiter.api.Assumptions.assumeTrue(pg != null, "PostgreSQL not installed");
        run("PostgreSQL+PostGIS", OfficeDatabase.open(pg.newDatabase(), "postgres", null));
    }

    /**
     * What the shared checker ({@code delivery.AlertChecks}, the same as listen's) costs per alert
     * on the demo's schema 2 alerts, and how much of it is the image verification.
     */
    @Test
    void checker() throws Exception {
        List<byte[]> payloads = new ArrayList<>();
        for (JsonNode d : DemoAlerts.valid()) {
            payloads.add(DemoAlerts.bytes(d));
        }
        AlertIntake intake = new AlertIntake(AlertIntake.DEFAULT_MAX_BYTES);
        int rounds = 20;
        for (int warm = 0; warm < 3; warm++) {
            for (byte[] p : payloads) {
                intake.check("crackcam/vm/alerts", p);
            }
        }
        long all = 0;
        long images = 0;
        for (int r = 0; r < rounds; r++) {
            for (byte[] p : payloads) {
                long t0 = System.nanoTime();
                if (!intake.check(null, p).ok()) {
                    throw new AssertionError("a valid demo alert was refused");
                }
                long t1 = System.nanoTime();
                JsonNode doc = DemoAlerts.JSON.readTree(p);
                long t2 = System.nanoTime();
                org.crackcam.delivery.AlertImages.verifyAll(doc);
                images += System.nanoTime() - t2;
                all += t1 - t0;
            }
        }
        int n = rounds * payloads.size();
        System.out.printf(Locale.ROOT, "checker on %d demo alerts (%.1f KB each): %.2f ms per alert in all, of which "
                + "image verification %.2f ms (%d images per alert)%n", n,
                payloads.stream().mapToInt(b -> b.length).average().orElse(0) / 1000.0, all / 1e6 / n,
                images / 1e6 / n, org.crackcam.delivery.AlertImages.verifyAll(DemoAlerts.valid().get(0)).size());
    }

    private void run(String label, OfficeDatabase db) throws Exception {
        List<JsonNode> demo = DemoAlerts.valid();
        List<List<byte[]>> perDevice = new ArrayList<>();
        for (int d = 0; d < DEVICES; d++) {
            List<byte[]> list = new ArrayList<>();
            for (int i = 0; i < PER_DEVICE; i++) {
                JsonNode base = demo.get(i % demo.size());
                int pass = i / demo.size();
                ObjectNode n = base.deepCopy();
                n.put("device_id", "bench-" + d);
                n.put("alert_id", DemoAlerts.idLike("bench/" + d + "/" + i, '8'));
                n.put("time", java.time.Instant.parse(base.get("time").asText()).plus(Duration.ofDays(pass)).toString());
                n.with("position").put("lat", base.at("/position/lat").asDouble() + 0.01 * d);
                list.add(DemoAlerts.bytes(n));
            }
            perDevice.add(list);
        }
        int total = DEVICES * PER_DEVICE;
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        long[] latencyNs = new long[total];
        AtomicLong stored = new AtomicLong();
        try (db; Broker broker = new Broker(tmp.resolve("broker-" + label.length())).start()) {
            CrackStore store = new CrackStore(db, MergeRule.defaults());
            AlertReceiver receiver = new AlertReceiver(new AlertIntake(AlertIntake.DEFAULT_MAX_BYTES), store);
            MqttSettings s = MqttSettings.of(broker.url(), "office").withClientId("office-bench");
            PahoTransport sub = new PahoTransport(s, null, cause -> { });
            sub.subscribeOnConnect("crackcam/+/alerts", 1, (t, payload) -> {
                receiver.accept(t, payload);
                long now = System.nanoTime();
                Matcher m = ID.matcher(new String(payload, 0, Math.min(payload.length, 400), StandardCharsets.UTF_8));
                if (m.find()) {
                    Long t0 = sentAt.get(m.group(1));
                    int k = (int) stored.getAndIncrement();
                    if (t0 != null && k < total) {
                        latencyNs[k] = now - t0;
                    }
                }
            });
            sub.connect();
            List<Thread> pubs = new ArrayList<>();
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            long start = System.nanoTime();
            for (int d = 0; d < DEVICES; d++) {
                String dev = "bench-" + d;
                List<byte[]> alerts = perDevice.get(d);
                Thread t = new Thread(() -> {
                    try (var c = new org.eclipse.paho.client.mqttv3.MqttClient(broker.url(), "pub-" + dev,
                            new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence())) {
                        var o = new org.eclipse.paho.client.mqttv3.MqttConnectOptions();
                        o.setMaxInflight(100);
                        c.connect(o);
                        for (byte[] p : alerts) {
                            Matcher m = ID.matcher(new String(p, 0, Math.min(p.length, 400), StandardCharsets.UTF_8));
                            m.find();
                            sentAt.put(m.group(1), System.nanoTime());
                            var msg = new org.eclipse.paho.client.mqttv3.MqttMessage(p);
                            msg.setQos(1);
                            c.publish("crackcam/" + dev + "/alerts", msg);
                        }
                        c.disconnect();
                    } catch (Exception ex) {
                        failures.add(ex);
                    }
                });
                t.start();
                pubs.add(t);
            }
            for (Thread t : pubs) {
                t.join();
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (stored.get() < total && System.nanoTime() < deadline && failures.isEmpty()) {
                Thread.sleep(50);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            sub.disconnect(500);
            sub.close();
            long inDb = store.sightingCount();
            long[] lat = Arrays.copyOf(latencyNs, (int) Math.min(stored.get(), total));
            Arrays.sort(lat);
            System.out.printf(Locale.ROOT, "%n== office load, %s: %d alerts from %d devices (%.1f KB each on average)%n",
                    label, total, DEVICES, perDevice.stream().flatMap(List::stream).mapToInt(b -> b.length).average()
                            .orElse(0) / 1024);
            System.out.printf(Locale.ROOT, "stored %d in %.1f s: %.0f alerts/s; lost %d; quarantined %d; %d crack records%n",
                    inDb, seconds, inDb / seconds, total - inDb, store.quarantineCount(), store.crackCount());
            System.out.printf(Locale.ROOT, "burst (all published at once) publish -> stored latency ms: p50 %.1f  p95 %.1f  p99 %.1f  max %.1f%n",
                    pct(lat, 50), pct(lat, 95), pct(lat, 99), lat.length == 0 ? 0 : lat[lat.length - 1] / 1e6);
            assertEquals(total, inDb, "lost alerts: " + failures);
            paced(broker, store, receiver, demo);
            pageLoad(store);
        }
    }

    /** Latency below saturation: 20 devices x 25 alerts at 2 alerts/s each (40/s in all). */
    private void paced(Broker broker, CrackStore store, AlertReceiver receiver, List<JsonNode> demo) throws Exception {
        int perDevice = 25;
        double ratePerDevice = 2.0;
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        List<Long> lat = new CopyOnWriteArrayList<>();
        long before = store.sightingCount();
        MqttSettings s = MqttSettings.of(broker.url(), "office").withClientId("office-paced");
        PahoTransport sub = new PahoTransport(s, null, cause -> { });
        sub.subscribeOnConnect("crackcam/+/alerts", 1, (t, payload) -> {
            receiver.accept(t, payload);
            long now = System.nanoTime();
            Matcher m = ID.matcher(new String(payload, 0, Math.min(payload.length, 400), StandardCharsets.UTF_8));
            if (m.find() && sentAt.containsKey(m.group(1))) {
                lat.add(now - sentAt.get(m.group(1)));
            }
        });
        sub.connect();
        List<Thread> pubs = new ArrayList<>();
        for (int d = 0; d < DEVICES; d++) {
            String dev = "paced-" + d;
            int dd = d;
            Thread t = new Thread(() -> {
                try (var c = new org.eclipse.paho.client.mqttv3.MqttClient(broker.url(), "pub-" + dev,
                        new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence())) {
                    c.connect();
                    long t0 = System.nanoTime() + (long) (dd * 1e9 / ratePerDevice / DEVICES);
                    for (int i = 0; i < perDevice; i++) {
                        long due = t0 + (long) (i * 1e9 / ratePerDevice);
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                        ObjectNode n = demo.get(i % demo.size()).deepCopy();
                        String id = DemoAlerts.idLike("paced/" + dev + "/" + i, '8');
                        n.put("device_id", dev);
                        n.put("alert_id", id);
                        n.put("time", java.time.Instant.parse(n.get("time").asText()).plus(Duration.ofDays(400)).toString());
                        n.with("position").put("lat", n.at("/position/lat").asDouble() - 0.01 * (dd + 1));
                        sentAt.put(id, System.nanoTime());
                        var msg = new org.eclipse.paho.client.mqttv3.MqttMessage(DemoAlerts.bytes(n));
                        msg.setQos(1);
                        c.publish("crackcam/" + dev + "/alerts", msg);
                    }
                    c.disconnect();
                } catch (Exception ex) {
                    throw new IllegalStateException(ex);
                }
            });
            t.start();
            pubs.add(t);
        }
        for (Thread t : pubs) {
            t.join();
        }
        int total = DEVICES * perDevice;
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (lat.size() < total && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        sub.disconnect(500);
        sub.close();
        long[] a = lat.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "paced %d alerts at %.0f/s (below saturation): stored %d, lost %d; latency ms: "
                + "p50 %.1f  p95 %.1f  p99 %.1f  max %.1f%n", total, ratePerDevice * DEVICES,
                store.sightingCount() - before, total - (store.sightingCount() - before), pct(a, 50), pct(a, 95),
                pct(a, 99), a.length == 0 ? 0 : a[a.length - 1] / 1e6);
        assertEquals(total, store.sightingCount() - before);
    }

    private void pageLoad(CrackStore store) throws Exception {
        try (OfficeServer server = new OfficeServer(store, new OfficeServer.Config(
                new InetSocketAddress("127.0.0.1", 0), null, null, null, ""))) {
            server.start();
            HttpClient http = HttpClient.newHttpClient();
            long[] ms = new long[5];
            int size = 0;
            for (int i = 0; i < ms.length; i++) {
                long t0 = System.nanoTime();
                HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(server.url() + "api/cracks")).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                ms[i] = (System.nanoTime() - t0) / 1_000_000;
                size = r.body().length;
            }
            Arrays.sort(ms);
            System.out.printf(Locale.ROOT, "GET /api/cracks (all %d records, %d KB): median %d ms%n",
                    store.crackCount(), size / 1024, ms[ms.length / 2]);
            Path chromium = Path.of("/usr/bin/chromium");
            Path driver = Path.of("/usr/bin/chromedriver");
            if (!Files.isExecutable(chromium) || !Files.isExecutable(driver)) {
                System.out.println("map page load: skipped (no chromium)");
                return;
            }
            ChromeOptions o = new ChromeOptions();
            o.setBinary(chromium.toFile());
            o.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900");
            ChromeDriver b = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile())
                    .usingAnyFreePort().build(), o);
            try {
                long[] page = new long[3];
                for (int i = 0; i < page.length; i++) {
                    long t0 = System.nanoTime();
                    b.get(server.url() + "?run=" + i);
                    new WebDriverWait(b, Duration.ofSeconds(60)).until(d ->
                            ((JavascriptExecutor) d).executeScript("return document.body.dataset.loaded") != null);
                    page[i] = (System.nanoTime() - t0) / 1_000_000;
                }
                Arrays.sort(page);
                System.out.printf(Locale.ROOT, "map page with %d markers and list rows, loaded in Chromium: median %d ms%n",
                        b.findElements(By.cssSelector("path.crack-marker")).size(), page[1]);
            } finally {
                b.quit();
            }
        }
    }

    private static double pct(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
        return sorted[Math.max(0, i)] / 1e6;
    }
}
