package org.crackcam.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.crackcam.alerts.Alert;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Soak benchmark: thousands of SYNTHETIC alerts (padded to a realistic 12 KB) through
 * outbox (fsync per alert) + OutboxPublisher + real mosquitto to an in-process subscriber.
 * Baseline in the same run: the same payloads published straight through the transport
 * (no outbox, same window). Prints throughput and end-to-end latency percentiles; fails if
 * any alert is lost.
 * Run: {@code mvn -o -Dgroups=benchmark -DexcludedGroups=none -Dtest=SoakBenchmark test}.
 */
@Tag("benchmark")
class SoakBenchmark {

    static final int N = Integer.getInteger("soak.n", 5000);
    static final int PAD = 12_000;
    static final Pattern FIELDS = Pattern.compile("\"alert_id\":\"([^\"]+)\",\"seq\":(\\d+),\"created_us\":(\\d+)");

    @TempDir
    Path tmp;

    /** Receives on crackcam/bench/alerts; latency = receive time − created_us (same JVM clock). */
    static final class Receiver implements AutoCloseable {
        final Map<String, Long> latencyUs = new ConcurrentHashMap<>();
        final Semaphore arrived = new Semaphore(0);
        long duplicates;
        final PahoTransport transport;

        Receiver(String url, String clientId) throws Exception {
            MqttSettings s = MqttSettings.of(url, "bench").withClientId(clientId);
            transport = new PahoTransport(s, null, cause -> { });
            transport.subscribeOnConnect("crackcam/bench/alerts", 1, (t, p) -> {
                long now = System.nanoTime() / 1000;
                Matcher m = FIELDS.matcher(new String(p, 0, Math.min(p.length, 200), StandardCharsets.UTF_8));
                if (m.find()) {
                    if (latencyUs.putIfAbsent(m.group(1), now - Long.parseLong(m.group(3))) == null) {
                        arrived.release();
                    } else {
                        synchronized (this) {
                            duplicates++;
                        }
                    }
                }
            });
            transport.connect();
        }

        void await(int n, Duration timeout) throws InterruptedException {
            assertTrue(arrived.tryAcquire(n, timeout.toMillis(), TimeUnit.MILLISECONDS),
                    "lost alerts: " + (n - arrived.availablePermits()) + " of " + n + " missing");
        }

        @Override
        public void close() {
            transport.close();
        }
    }

    static String percentiles(Map<String, Long> lat) {
        long[] v = lat.values().stream().mapToLong(Long::longValue).sorted().toArray();
        return String.format("p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms", v[v.length / 2] / 1e3,
                v[(int) (v.length * 0.9)] / 1e3, v[(int) (v.length * 0.99)] / 1e3, v[v.length - 1] / 1e3);
    }

    @Test
    void soak() throws Exception {
        try (Mosquitto broker = new Mosquitto(tmp.resolve("broker")).start()) {
            // Baseline: straight Paho QoS 1 publishes, window 32, no outbox.
            double baseRate;
            try (Receiver rx = new Receiver(broker.tcpUrl(), "bench-rx-0")) {
                MqttSettings s = MqttSettings.of(broker.tcpUrl(), "bench");
                PahoTransport tx = new PahoTransport(s, null, c -> { });
                tx.connect();
                Semaphore window = new Semaphore(s.maxInflight());
                long t0 = System.nanoTime();
                for (int i = 0; i < N; i++) {
                    Alert a = TestAlerts.alert("bench", i, PAD);
                    window.acquire();
                    tx.publish(s.alertTopic(), a.json(), 1, false).whenComplete((ok, err) -> window.release());
                }
                rx.await(N, Duration.ofSeconds(300));
                double secs = (System.nanoTime() - t0) / 1e9;
                baseRate = N / secs;
                System.out.printf("soak baseline (Paho QoS 1 direct, no outbox): %d alerts of %d B in %.2f s = %.0f alerts/s; "
                        + "latency %s%n", N, PAD + 120, secs, baseRate, percentiles(rx.latencyUs));
                tx.close();
            }
            // Outbox + publisher, as fast as the producer can store.
            try (Receiver rx = new Receiver(broker.tcpUrl(), "bench-rx-1")) {
                Outbox outbox = Outbox.open(tmp.resolve("outbox"), 1L << 32);
                try (OutboxPublisher pub = new OutboxPublisher(outbox, MqttSettings.of(broker.tcpUrl(), "bench"))) {
                    pub.start();
                    long t0 = System.nanoTime();
                    long putNanos = 0;
                    for (int i = 0; i < N; i++) {
                        Alert a = TestAlerts.alert("bench", i, PAD);
                        long p0 = System.nanoTime();
                        outbox.put(a);
                        putNanos += System.nanoTime() - p0;
                    }
                    rx.await(N, Duration.ofSeconds(300));
                    double secs = (System.nanoTime() - t0) / 1e9;
                    assertTrue(pub.awaitDrained(Duration.ofSeconds(30)));
                    System.out.printf("soak outbox burst (fsync + rename + dir fsync per alert, then QoS 1): %d alerts in %.2f s "
                            + "= %.0f alerts/s (%.2f x baseline); put %.2f ms/alert; latency %s; duplicates %d; evicted %d%n",
                            N, secs, N / secs, N / secs / baseRate, putNanos / 1e6 / N, percentiles(rx.latencyUs),
                            rx.duplicates, outbox.evictedCount());
                    assertEquals(N, rx.latencyUs.size());
                }
            }
            // Outbox + publisher at a steady 100 alerts/s (far above any real crack rate).
            int paced = Math.min(N, 1000);
            try (Receiver rx = new Receiver(broker.tcpUrl(), "bench-rx-2")) {
                Outbox outbox = Outbox.open(tmp.resolve("outbox2"), 1L << 32);
                try (OutboxPublisher pub = new OutboxPublisher(outbox, MqttSettings.of(broker.tcpUrl(), "bench"))) {
                    pub.start();
                    long t0 = System.nanoTime();
                    for (int i = 0; i < paced; i++) {
                        long due = t0 + i * 10_000_000L;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        }
                        outbox.put(TestAlerts.alert("bench", i, PAD));
                    }
                    rx.await(paced, Duration.ofSeconds(120));
                    System.out.printf("soak outbox paced at 100 alerts/s: %d alerts, latency %s, lost 0%n", paced,
                            percentiles(rx.latencyUs));
                }
            }
        }
    }
}
