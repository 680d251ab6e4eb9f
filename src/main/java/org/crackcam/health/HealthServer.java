package org.crackcam.health;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The local health endpoint, bound to 127.0.0.1 only (never reachable from the vehicle's network):
 * <ul>
 * <li>{@code GET /healthz}: 200 {@code ok} when a frame arrived within {@code staleAfterS} and
 * frames are being processed; 503 with the reason when no frame arrived for longer than
 * {@code staleAfterS}, or when frames arrive but none was processed for longer than
 * {@code stallAfterS} ({@link ServiceMetrics#stalledSeconds()});</li>
 * <li>{@code GET /metrics}: Prometheus text exposition format 0.0.4, counters and gauges with
 * HELP and TYPE lines.</li>
 * </ul>
 * Served by one daemon thread.
 */
public final class HealthServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor;
    private final ServiceMetrics metrics;
    private final double staleAfterS;
    private final double stallAfterS;

    /** Default bound for "frames arrive but none are processed" ({@code health.stall_after_s}). */
    public static final double DEFAULT_STALL_AFTER_S = 30;

    private HealthServer(HttpServer server, ExecutorService executor, ServiceMetrics metrics,
                         double staleAfterS, double stallAfterS) {
        this.server = server;
        this.executor = executor;
        this.metrics = metrics;
        this.staleAfterS = staleAfterS;
        this.stallAfterS = stallAfterS;
    }

    /** {@link #start(int, ServiceMetrics, double, double)} with the default stall bound. */
    public static HealthServer start(int port, ServiceMetrics metrics, double staleAfterS) throws IOException {
        return start(port, metrics, staleAfterS, DEFAULT_STALL_AFTER_S);
    }

    /**
     * Starts serving on 127.0.0.1:port (0 = any free port, see {@link #port()}).
     *
     * @param staleAfterS unhealthy when no frame arrived for longer than this
     * @param stallAfterS unhealthy when frames arrive but none was processed for longer than this
     */
    public static HealthServer start(int port, ServiceMetrics metrics, double staleAfterS, double stallAfterS)
            throws IOException {
        HttpServer s;
        try {
            s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 8);
        } catch (IOException e) {
            throw new IOException("health endpoint: cannot listen on 127.0.0.1:" + port + ": " + e.getMessage(), e);
        }
        ExecutorService ex = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "health-http");
            t.setDaemon(true);
            return t;
        });
        HealthServer h = new HealthServer(s, ex, metrics, staleAfterS, stallAfterS);
        s.createContext("/healthz", h::healthz);
        s.createContext("/metrics", h::metrics);
        s.createContext("/", ex2 -> h.reply(ex2, 404, "text/plain", "not found: try /healthz or /metrics\n"));
        s.setExecutor(ex);
        s.start();
        return h;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    private void healthz(HttpExchange ex) throws IOException {
        double age = metrics.lastFrameAgeSeconds();
        double stalled = metrics.stalledSeconds();
        if (age <= staleAfterS && stalled > stallAfterS) {
            reply(ex, 503, "text/plain", String.format(Locale.ROOT, "unhealthy: frames arrive but none processed "
                    + "for %.1f s (limit %.1f s); %d processed, %d skipped%s%n", stalled, stallAfterS,
                    metrics.processed(), metrics.skipped(),
                    metrics.lastError().isEmpty() ? "" : "; last error: " + metrics.lastError()));
        } else if (age <= staleAfterS) {
            reply(ex, 200, "text/plain", String.format(Locale.ROOT, "ok: last frame %.1f s ago, %.1f fps%n",
                    age, metrics.framesPerSecond()));
        } else {
            String why = Double.isInfinite(age) ? "no frame yet" : String.format(Locale.ROOT,
                    "no frame for %.1f s (limit %.1f s)", age, staleAfterS);
            String err = metrics.lastError().isEmpty() ? "" : "; last error: " + metrics.lastError();
            reply(ex, 503, "text/plain", "unhealthy: " + why + err + "\n");
        }
    }

    private void metrics(HttpExchange ex) throws IOException {
        reply(ex, 200, "text/plain; version=0.0.4; charset=utf-8", render(metrics));
    }

    /** The Prometheus text for a metrics snapshot. */
    public static String render(ServiceMetrics m) {
        StringBuilder b = new StringBuilder(2048);
        String dev = "device=\"" + escape(m.deviceId()) + "\"";
        counter(b, "crackcam_frames_captured_total", "Frames delivered by the camera or file source.", dev, m.captured());
        counter(b, "crackcam_frames_processed_total", "Frames that went through inference.", dev, m.processed());
        counter(b, "crackcam_frames_skipped_total", "Frames skipped by the sampling policy.", dev, m.skipped());
        counter(b, "crackcam_frames_dropped_total",
                "Frames pushed out of the capture queue by newer ones before inference took them.", dev, m.dropped());
        counter(b, "crackcam_frames_with_crack_total", "Processed frames with at least one flagged tile.", dev,
                m.crackFrames());
        counter(b, "crackcam_frames_positioned_total", "Processed frames that had a position.", dev, m.positioned());
        counter(b, "crackcam_source_reconnects_total", "Times the camera connection was opened again.", dev,
                m.reconnects());
        counter(b, "crackcam_source_watchdog_resets_total",
                "Captures abandoned because one grab took longer than the watchdog limit.", dev, m.watchdogResets());
        counter(b, "crackcam_errors_total", "Errors handled by the service loop.", dev, m.errors());
        counter(b, "crackcam_sampling_resets_total",
                "Times the frame-rate sampling was re-based on a step of the frames' clock (file loop, reconnect).",
                dev, m.clockResets());
        gauge(b, "crackcam_frames_per_second", "Processed frames per second (recent window).", dev,
                m.framesPerSecond());
        gauge(b, "crackcam_frame_process_milliseconds", "Time to process the last frame.", dev, m.lastProcessMs());
        double age = m.lastFrameAgeSeconds();
        gauge(b, "crackcam_last_frame_age_seconds", "Seconds since the last frame arrived (-1 before the first).",
                dev, Double.isInfinite(age) ? -1 : age);
        gauge(b, "crackcam_processing_stalled_seconds",
                "Seconds without a processed frame while frames arrive (0 when none arrived since).", dev,
                m.stalledSeconds());
        gauge(b, "crackcam_source_connected", "1 while the camera is connected.", dev, m.sourceConnected() ? 1 : 0);
        gauge(b, "crackcam_position_fix", "1 when the last processed frame had a position.", dev,
                m.positionFix() ? 1 : 0);
        if (m.outboxDepth() >= 0) {
            gauge(b, "crackcam_outbox_depth", "Alerts waiting in the durable outbox.", dev, m.outboxDepth());
        }
        if (m.alertsSent() >= 0) {
            counter(b, "crackcam_alerts_sent_total", "Alerts delivered to the broker.", dev, m.alertsSent());
        }
        gauge(b, "crackcam_uptime_seconds", "Seconds since the service started.", dev, m.uptimeSeconds());
        b.append("# HELP crackcam_info Static facts about this service.\n# TYPE crackcam_info gauge\n");
        b.append("crackcam_info{").append(dev).append(",provider=\"").append(escape(m.provider()))
                .append("\"} 1\n");
        return b.toString();
    }

    private static void counter(StringBuilder b, String name, String help, String labels, long v) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(" counter\n");
        b.append(name).append('{').append(labels).append("} ").append(v).append('\n');
    }

    private static void gauge(StringBuilder b, String name, String help, String labels, double v) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(" gauge\n");
        b.append(name).append('{').append(labels).append("} ");
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            b.append((long) v);
        } else {
            b.append(String.format(Locale.ROOT, "%.4f", v));
        }
        b.append('\n');
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private void reply(HttpExchange ex, int code, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        boolean head = "HEAD".equals(ex.getRequestMethod());
        ex.sendResponseHeaders(code, head ? -1 : bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            if (!head) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
