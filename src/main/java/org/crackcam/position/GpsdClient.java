package org.crackcam.position;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.crackcam.pipeline.Position;
import org.tinylog.Logger;

/**
 * Live positions from gpsd over its JSON protocol: connects to host:port (normally
 * 127.0.0.1:2947), sends {@code ?WATCH={"enable":true,"json":true}} and keeps the newest
 * {@code TPV} report with a 2D/3D fix ({@code mode} ≥ 2). Runs on its own daemon thread;
 * when gpsd is unreachable or goes away it retries every {@code reconnectS} seconds and the
 * service goes on without positions (alerts without position).
 *
 * <p>A fix is given to frames while it is younger than {@code maxGapS}, measured on this
 * machine's monotonic clock from when the report arrived (gpsd's own time field may come from a
 * replayed log or an unsynchronised receiver).
 */
public final class GpsdClient implements PositionSource {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double MAX_PLAUSIBLE_SPEED = 200.0;

    private record Received(Position position, long receivedNanos) {
    }

    private final String host;
    private final int port;
    private final long maxAgeNanos;
    private final long reconnectMillis;
    private final AtomicReference<Received> latest = new AtomicReference<>();
    private final AtomicLong fixes = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong badReports = new AtomicLong();
    private final CountDownLatch firstFix = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean closed;
    private volatile boolean connected;
    private volatile Socket socket;

    public GpsdClient(String host, int port, double maxGapS, double reconnectS) {
        this.host = host;
        this.port = port;
        this.maxAgeNanos = Math.round(maxGapS * 1e9);
        this.reconnectMillis = Math.max(100, Math.round(reconnectS * 1000));
        this.thread = new Thread(this::loop, "gpsd-client");
        this.thread.setDaemon(true);
    }

    /** Starts the reader thread; returns at once (gpsd may be down). */
    public GpsdClient start() {
        thread.start();
        return this;
    }

    @Override
    public Optional<Position> at(long frameTimestampMicros, long wallTimeMicros) {
        Received r = latest.get();
        if (r == null || System.nanoTime() - r.receivedNanos() > maxAgeNanos) {
            return Optional.empty();
        }
        return Optional.of(r.position());
    }

    /** The newest fix regardless of age. */
    public Optional<Position> latest() {
        Received r = latest.get();
        return r == null ? Optional.empty() : Optional.of(r.position());
    }

    public boolean awaitFirstFix(long timeout, TimeUnit unit) throws InterruptedException {
        return firstFix.await(timeout, unit);
    }

    public long fixes() {
        return fixes.get();
    }

    public long reconnects() {
        return reconnects.get();
    }

    public long badReports() {
        return badReports.get();
    }

    public boolean connected() {
        return connected;
    }

    private void loop() {
        boolean warned = false;
        while (!closed) {
            try (Socket s = new Socket()) {
                socket = s;
                s.connect(new InetSocketAddress(host, port), 3000);
                s.setSoTimeout(0);
                OutputStream out = s.getOutputStream();
                out.write("?WATCH={\"enable\":true,\"json\":true}\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                connected = true;
                if (warned) {
                    Logger.info("gpsd: connected again to {}:{}", host, port);
                } else {
                    Logger.info("gpsd: connected to {}:{}", host, port);
                }
                warned = false;
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                        StandardCharsets.UTF_8));
                String line;
                while (!closed && (line = in.readLine()) != null) {
                    handle(line);
                }
                if (!closed) {
                    throw new IOException("gpsd closed the connection");
                }
            } catch (IOException e) {
                connected = false;
                if (closed) {
                    break;
                }
                if (!warned) {
                    Logger.warn("gpsd: {}:{} unreachable ({}); going on without positions, retrying "
                            + "every {} ms", host, port, e.getMessage(), reconnectMillis);
                    warned = true;
                }
                reconnects.incrementAndGet();
                try {
                    Thread.sleep(reconnectMillis);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        connected = false;
    }

    /** Parses one line of gpsd output; keeps TPV reports with a fix. Package-private for tests. */
    void handle(String line) {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (IOException e) {
            badReports.incrementAndGet();
            return;
        }
        if (n == null || !"TPV".equals(n.path("class").asText())) {
            return;
        }
        Optional<Position> p = parseTpv(n);
        if (p.isPresent()) {
            latest.set(new Received(p.get(), System.nanoTime()));
            fixes.incrementAndGet();
            firstFix.countDown();
        }
    }

    /** A TPV report with mode ≥ 2 and lat/lon as a position; speed m/s, track degrees. */
    static Optional<Position> parseTpv(JsonNode n) {
        if (n.path("mode").asInt(0) < 2 || !n.path("lat").isNumber() || !n.path("lon").isNumber()) {
            return Optional.empty();
        }
        double lat = n.get("lat").asDouble();
        double lon = n.get("lon").asDouble();
        if (Math.abs(lat) > 90 || Math.abs(lon) > 180) {
            return Optional.empty();
        }
        double speed = n.path("speed").isNumber() ? n.get("speed").asDouble() : Double.NaN;
        if (speed > MAX_PLAUSIBLE_SPEED) {
            speed = Double.NaN;
        }
        double track = n.path("track").isNumber() ? n.get("track").asDouble() : Double.NaN;
        long t;
        try {
            Instant i = Instant.parse(n.path("time").asText());
            t = i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
        } catch (RuntimeException e) {
            t = System.currentTimeMillis() * 1000L;
        }
        return Optional.of(new Position(lat, lon, speed, track, t));
    }

    @Override
    public void close() {
        closed = true;
        Socket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing to wake the reader
            }
        }
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
