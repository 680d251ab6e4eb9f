package org.crackcam.service;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import org.crackcam.bundle.ExecutionProvider;
import org.crackcam.service.ServiceConfig.Camera;
import org.crackcam.service.ServiceConfig.CameraKind;
import org.crackcam.service.ServiceConfig.Gps;
import org.crackcam.service.ServiceConfig.GpsSource;
import org.crackcam.service.ServiceConfig.Health;
import org.crackcam.service.ServiceConfig.Model;
import org.crackcam.service.ServiceConfig.Mqtt;
import org.crackcam.service.ServiceConfig.Reconnect;
import org.crackcam.service.ServiceConfig.Sampling;
import org.crackcam.service.ServiceConfig.SamplingMode;
import org.crackcam.service.ServiceConfig.Shutdown;
import org.crackcam.service.ServiceConfig.TrackFormat;
import org.crackcam.settings.BrokerSettings;
import org.crackcam.settings.DeviceId;
import org.crackcam.settings.EventSettings;
import org.crackcam.settings.InvalidSettingException;
import org.crackcam.settings.Key;
import org.crackcam.settings.ModelSettings;
import org.crackcam.settings.OutboxSettings;
import org.crackcam.settings.SamplingSettings;
import org.crackcam.settings.TilingSettings;

/**
 * Reads and validates a service configuration file (YAML). Every problem is reported with the
 * file name and line ({@code config.yaml:12: tiles.rows must be ≥ 1, got 0}); all problems of a
 * file are collected before failing. Unknown keys are errors (a typo must not silently fall back
 * to a default).
 */
public final class ConfigLoader {

    /** Default health port (loopback only). */
    public static final int DEFAULT_HEALTH_PORT = 9464;

    private final String name;
    private final Path baseDir;
    private final LocatedYaml yaml;
    private final List<Problem> problems = new ArrayList<>();

    private record Problem(int line, String message) {
    }

    private ConfigLoader(String name, Path baseDir, LocatedYaml yaml) {
        this.name = name;
        this.baseDir = baseDir;
        this.yaml = yaml;
    }

    /** Loads {@code file}; the name used in messages is the path as given. */
    public static ServiceConfig load(Path file) throws ConfigException {
        String name = file.toString();
        LocatedYaml yaml;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            yaml = LocatedYaml.parse(r);
        } catch (NoSuchFileException e) {
            throw new ConfigException(name + ": configuration file not found", e);
        } catch (LocatedYaml.DuplicateKey e) {
            throw new ConfigException(List.of(name + ":" + e.line + ": duplicate key " + e.path));
        } catch (JacksonException e) {
            JsonLocation loc = e.getLocation();
            int line = loc == null ? 1 : Math.max(1, loc.getLineNr());
            String msg = e.getOriginalMessage().split("\n")[0];
            throw new ConfigException(List.of(name + ":" + line + ": not valid YAML: " + msg));
        } catch (IOException e) {
            throw new ConfigException(name + ": cannot read configuration: " + e.getMessage(), e);
        }
        Path abs = file.toAbsolutePath().getParent();
        return new ConfigLoader(name, abs, yaml).build();
    }

    private ServiceConfig build() throws ConfigException {
        JsonNode root = yaml.root();
        if (!root.isObject()) {
            throw new ConfigException(List.of(name + ":1: the configuration must be a mapping of sections"));
        }
        Section top = new Section("", root);
        Section device = top.section("device");
        String deviceId = device.string(DeviceId.KEY, null);
        if (deviceId == null) {
            device.missing("id");
            deviceId = "unset";
        } else {
            String given = deviceId;
            deviceId = device.settings(() -> DeviceId.of(given), "unset");
        }
        device.done();

        Camera camera = camera(top.section("camera"));
        TilingSettings tiles = tiles(top.section("tiles"));
        Model model = model(top.section("model"));
        Sampling sampling = sampling(top.section("sampling"));
        Gps gps = gps(top.section("gps"));
        if (sampling.mode() == SamplingMode.DISTANCE && gps.source() == GpsSource.NONE) {
            problems.add(new Problem(yaml.lineOf("sampling.mode"),
                    "sampling.mode distance needs positions: set gps.source to gpsd or file"));
        }
        EventSettings events = events(top.section("events"));
        Mqtt mqtt = mqtt(top.section("mqtt"), deviceId);
        OutboxSettings outbox = outbox(top.section("outbox"));
        Health health = health(top.section("health"));
        Section sd = top.section("shutdown");
        Shutdown shutdown = new Shutdown(sd.number("timeout_s", 10.0, 0.5, 300.0));
        sd.done();
        top.done();

        if (!problems.isEmpty()) {
            List<String> lines = new ArrayList<>();
            problems.stream().sorted(Comparator.comparingInt(Problem::line))
                    .forEach(p -> lines.add(name + ":" + p.line + ": " + p.message));
            throw new ConfigException(lines);
        }
        return new ServiceConfig(Path.of(name), deviceId, camera, tiles, model, sampling, gps, events, mqtt,
                outbox, health, shutdown);
    }

    private Camera camera(Section s) {
        CameraKind kind = s.enumValue("kind", CameraKind.class, null);
        if (kind == null && !s.has("kind")) {
            s.missing("kind");
        }
        String url = s.string("url", "");
        String device = s.string("device", "/dev/video0");
        String pipeline = s.string("pipeline", "nvarguscamerasrc sensor-id=0 ! "
                + "video/x-raw(memory:NVMM),width=1920,height=1080,framerate=30/1 ! nvvidconv ! "
                + "video/x-raw,format=BGRx");
        int width = s.integer("width", 0, 0, 16384);
        int height = s.integer("height", 0, 0, 16384);
        double fps = s.number("fps", 0.0, 0.0, 1000.0);
        String pixelFormat = s.string("pixel_format", "");
        boolean loop = s.bool("loop", false);
        boolean realtime = s.bool("realtime", false);
        int queue = s.integer("queue", 1, 1, 2);
        Section r = s.section("reconnect");
        long initial = r.integer("initial_ms", 500, 10, 600_000);
        long max = r.integer("max_ms", 30_000, 10, 3_600_000);
        if (max < initial) {
            r.bad("max_ms", "must be ≥ camera.reconnect.initial_ms (" + initial + "), got " + max);
        }
        Reconnect reconnect = new Reconnect(initial, max, r.number("jitter", 0.3, 0.0, 1.0),
                r.number("io_timeout_s", 5.0, 0.1, 600.0), r.number("watchdog_s", 10.0, 0.5, 3600.0),
                r.integer("max_attempts", 0, 0, 1_000_000));
        r.done();
        if (kind == CameraKind.FILE || kind == CameraKind.RTSP) {
            if (url.isEmpty()) {
                s.missingFor("url", "camera.kind " + kind.name().toLowerCase(Locale.ROOT));
            } else if (kind == CameraKind.RTSP && !url.startsWith("rtsp://") && !url.startsWith("rtsps://")) {
                s.bad("url", "must be an rtsp:// or rtsps:// URL for camera.kind rtsp, got \"" + url + "\"");
            }
        }
        if (kind == CameraKind.FILE && !url.isEmpty()) {
            url = baseDir.resolve(url).normalize().toString();
        }
        if (kind == CameraKind.GSTREAMER) {
            if (width == 0 || height == 0) {
                s.bad(width == 0 ? "width" : "height",
                        "camera.width and camera.height are required for camera.kind gstreamer "
                                + "(raw frames of known size are read from the pipe)");
            }
            if (pipeline.contains("fdsink")) {
                s.bad("pipeline", "must not contain fdsink: the service appends the conversion to "
                        + "BGR and the sink");
            }
        }
        if (kind != CameraKind.FILE && (loop || realtime)) {
            s.bad(loop ? "loop" : "realtime", "applies to camera.kind file only");
        }
        s.done();
        return new Camera(kind == null ? CameraKind.FILE : kind, url, device, pipeline, width, height,
                fps, pixelFormat, loop, realtime, queue, reconnect);
    }

    private TilingSettings tiles(Section s) {
        // each field checked by the record's own check, so every problem of the file is reported
        int rows = s.settings(() -> TilingSettings.rows(s.integer(TilingSettings.ROWS, TilingSettings.DEFAULT_ROWS)),
                TilingSettings.DEFAULT_ROWS);
        double overlap = s.settings(() -> TilingSettings.overlap(s.number(TilingSettings.OVERLAP,
                TilingSettings.DEFAULT_OVERLAP)), TilingSettings.DEFAULT_OVERLAP);
        var roi = s.settings(() -> TilingSettings.parseRoi(s.string(TilingSettings.ROI, TilingSettings.DEFAULT_ROI)),
                TilingSettings.DEFAULTS.roi());
        s.done();
        return new TilingSettings(roi, rows, overlap);
    }

    private Model model(Section s) {
        String bundle = s.string(ModelSettings.BUNDLE, null);
        if (bundle == null) {
            s.missing("bundle");
            bundle = ".";
        }
        Path dir = resolve(bundle);
        ExecutionProvider provider = s.settings(() -> ModelSettings.provider(s.string(ModelSettings.PROVIDER, "cpu")),
                ExecutionProvider.CPU);
        int threads = s.settings(() -> ModelSettings.threads(s.integer(ModelSettings.THREADS, 0)), 0);
        int gpuId = s.settings(() -> ModelSettings.gpuId(s.integer(ModelSettings.GPU_ID, 0)), 0);
        int batch = s.settings(() -> ModelSettings.relevanceBatch(s.integer(ModelSettings.RELEVANCE_BATCH,
                ModelSettings.DEFAULT_RELEVANCE_BATCH)), ModelSettings.DEFAULT_RELEVANCE_BATCH);
        Boolean fp16 = s.has("fp16") ? s.bool(ModelSettings.FP16, false) : null;
        boolean spin = s.bool(ModelSettings.SPIN, false);
        Path stateDir = resolve(s.string(ModelSettings.STATE_DIR, "/var/lib/crackcam/trt"));
        int latencyMs = s.integer("relevance_latency_ms", 250, 0, 60_000);
        if (s.has("batch")) {
            s.bad("batch", "was removed (it was accepted and ignored): the ABN runs all tiles of a frame at once; "
                    + "model.relevance_batch sets the relevance batch");
        }
        s.done();
        ModelSettings m = s.settings(() -> new ModelSettings(dir, provider, threads, spin, stateDir, fp16, gpuId, batch),
                new ModelSettings(dir, provider, threads, spin, stateDir, null, gpuId, batch));
        return new Model(m, Duration.ofMillis(latencyMs));
    }

    private EventSettings events(Section s) {
        EventSettings d = EventSettings.DEFAULTS;
        int gap = s.settings(() -> EventSettings.gap(s.integer(EventSettings.GAP, d.gapFrames())), d.gapFrames());
        double age = s.settings(() -> EventSettings.maxAge(s.number(EventSettings.MAX_AGE, d.maxAgeS())), d.maxAgeS());
        double overlap = s.settings(() -> EventSettings.minOverlap(s.number(EventSettings.MIN_OVERLAP,
                d.minOverlap())), d.minOverlap());
        double vertical = s.settings(() -> EventSettings.vertical(s.number(EventSettings.VERTICAL,
                d.verticalTolerance())), d.verticalTolerance());
        double horizontal = s.settings(() -> EventSettings.horizontal(s.number(EventSettings.HORIZONTAL,
                d.horizontalTolerance())), d.horizontalTolerance());
        double distance = s.settings(() -> EventSettings.maxDistance(s.number(EventSettings.MAX_DISTANCE,
                d.maxDistanceM())), d.maxDistanceM());
        s.done();
        return new EventSettings(gap, age, overlap, vertical, horizontal, distance);
    }

    private Sampling sampling(Section s) {
        SamplingMode mode = s.enumValue("mode", SamplingMode.class, SamplingMode.EVERY_FRAMES);
        int every = s.settings(() -> SamplingSettings.everyFrames(s.integer(SamplingSettings.EVERY, 1)), 1);
        double fps = s.settings(() -> SamplingSettings.fps(s.number(SamplingSettings.FPS, 5.0)), 5.0);
        double metres = s.number("every_metres", 5.0, 0.0, 100_000.0);
        if (mode == SamplingMode.TARGET_FPS && fps <= 0) {
            s.bad("target_fps", "must be > 0 for sampling.mode target_fps, got " + fmt(fps));
        }
        if (mode == SamplingMode.DISTANCE && metres <= 0) {
            s.bad("every_metres", "must be > 0 for sampling.mode distance, got " + fmt(metres));
        }
        s.done();
        return new Sampling(mode, every, fps, metres);
    }

    private Gps gps(Section s) {
        GpsSource source = s.enumValue("source", GpsSource.class, GpsSource.NONE);
        String host = s.string("host", "127.0.0.1");
        int port = s.integer("port", 2947, 1, 65535);
        String file = s.string("file", "");
        TrackFormat format = s.enumValue("format", TrackFormat.class, TrackFormat.AUTO);
        Optional<Instant> start = Optional.empty();
        String st = s.string("start_time", "");
        if (!st.isEmpty()) {
            try {
                start = Optional.of(Instant.parse(st));
            } catch (DateTimeParseException e) {
                s.bad("start_time", "must be an ISO-8601 UTC time like 2026-05-01T08:30:00Z, got \""
                        + st + "\"");
            }
        }
        double maxGap = s.number("max_gap_s", 3.0, 0.01, 3600.0);
        double reconnect = s.number("reconnect_s", 5.0, 0.1, 3600.0);
        if (source == GpsSource.FILE && file.isEmpty()) {
            s.missingFor("file", "gps.source file");
        }
        s.done();
        return new Gps(source, host, port, file.isEmpty() ? null : resolve(file), format, start, maxGap,
                reconnect);
    }

    private Mqtt mqtt(Section s, String deviceId) {
        boolean enabled = s.bool("enabled", true);
        String url = s.settings(() -> BrokerSettings.url(s.string(BrokerSettings.URL, BrokerSettings.DEFAULT_URL)),
                BrokerSettings.DEFAULT_URL);
        String clientId = s.settings(() -> BrokerSettings.clientId(s.string(BrokerSettings.CLIENT_ID,
                "crackcam-" + deviceId)), "crackcam-" + deviceId);
        Optional<Path> cred = s.optPath(BrokerSettings.CREDENTIALS);
        int keepAlive = s.settings(() -> BrokerSettings.keepAlive(s.integer(BrokerSettings.KEEPALIVE,
                BrokerSettings.DEFAULT_KEEPALIVE_S)), BrokerSettings.DEFAULT_KEEPALIVE_S);
        Section t = s.section("tls");
        Optional<Path> ca = t.optPath(BrokerSettings.TLS_CA);
        Optional<Path> cert = t.optPath(BrokerSettings.TLS_CERT);
        Optional<Path> key = t.optPath(BrokerSettings.TLS_KEY);
        t.done();
        s.done();
        // the cross-field rules (TLS files and ssl://, certificate with key) are the record's
        BrokerSettings broker = s.settings(() -> new BrokerSettings(url, clientId, ca, cert, key, cred, keepAlive),
                new BrokerSettings(url, clientId, Optional.empty(), Optional.empty(), Optional.empty(), cred, keepAlive));
        return new Mqtt(enabled, broker);
    }

    private OutboxSettings outbox(Section s) {
        Path dir = resolve(s.string(OutboxSettings.DIR, "/var/lib/crackcam/outbox"));
        long maxMb = s.settings(() -> OutboxSettings.maxMb(s.integer(OutboxSettings.MAX_MB,
                OutboxSettings.DEFAULT_MAX_MB)), (long) OutboxSettings.DEFAULT_MAX_MB);
        OutboxSettings o = new OutboxSettings(dir, maxMb, s.bool(OutboxSettings.GROUP_READABLE, false));
        s.done();
        return o;
    }

    private Health health(Section s) {
        boolean enabled = s.bool("enabled", true);
        String bind = s.string("bind", "127.0.0.1");
        if (!bind.equals("127.0.0.1") && !bind.equals("localhost")) {
            s.bad("bind", "the health endpoint is bound to 127.0.0.1 only, got \"" + bind + "\"");
        }
        Health h = new Health(enabled, s.integer("port", DEFAULT_HEALTH_PORT, 1, 65535),
                s.number("stale_after_s", 10.0, 0.1, 3600.0),
                s.number("stall_after_s", 30.0, 0.5, 86400.0),
                s.number("status_interval_s", 15.0, 1.0, 3600.0));
        s.done();
        return h;
    }

    private Path resolve(String p) {
        return baseDir.resolve(p).normalize();
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    /** One mapping of the file; remembers which keys were read so unknown ones are reported. */
    private final class Section {
        private final String path;
        private final JsonNode node;
        private final Set<String> known = new LinkedHashSet<>();

        Section(String path, JsonNode node) {
            this.path = path;
            this.node = node;
        }

        private String key(String k) {
            return path.isEmpty() ? k : path + "." + k;
        }

        boolean has(String k) {
            return node != null && node.has(k) && !node.get(k).isNull();
        }

        private JsonNode get(String k) {
            known.add(k);
            return has(k) ? node.get(k) : null;
        }

        void bad(String k, String msg) {
            String full = key(k);
            problems.add(new Problem(yaml.lineOf(full), msg.startsWith(full) || msg.startsWith("camera.")
                    || msg.startsWith("mqtt.") || msg.startsWith("tiles.") ? msg : full + " " + msg));
        }

        void missing(String k) {
            problems.add(new Problem(yaml.lineOf(path), key(k) + " is required"));
        }

        void missingFor(String k, String why) {
            problems.add(new Problem(yaml.lineOf(path), key(k) + " is required for " + why));
        }

        Section section(String k) {
            JsonNode n = get(k);
            if (n != null && !n.isObject()) {
                bad(k, "must be a mapping (a section of keys), got " + describe(n));
                n = null;
            }
            return new Section(key(k), n);
        }

        String string(String k, String def) {
            JsonNode n = get(k);
            if (n == null) {
                return def;
            }
            if (!n.isValueNode() || n.isBoolean()) {
                bad(k, "must be a string, got " + describe(n));
                return def;
            }
            return n.asText();
        }

        Optional<Path> optPath(String k) {
            String s = string(k, "");
            return s.isEmpty() ? Optional.empty() : Optional.of(resolve(s));
        }

        boolean bool(String k, boolean def) {
            JsonNode n = get(k);
            if (n == null) {
                return def;
            }
            if (!n.isBoolean()) {
                bad(k, "must be true or false, got " + describe(n));
                return def;
            }
            return n.booleanValue();
        }

        int integer(String k, int def, int min, int max) {
            JsonNode n = get(k);
            if (n == null) {
                return def;
            }
            if (!n.isIntegralNumber()) {
                bad(k, "must be a whole number, got " + describe(n));
                return def;
            }
            long v = n.longValue();
            if (v < min) {
                bad(k, "must be ≥ " + min + ", got " + v);
                return def;
            }
            if (v > max) {
                bad(k, "must be ≤ " + max + ", got " + v);
                return def;
            }
            return (int) v;
        }

        double number(String k, double def, double min, double max) {
            JsonNode n = get(k);
            if (n == null) {
                return def;
            }
            if (!n.isNumber()) {
                bad(k, "must be a number, got " + describe(n));
                return def;
            }
            double v = n.doubleValue();
            if (v < min) {
                bad(k, "must be ≥ " + fmt(min) + ", got " + fmt(v));
                return def;
            }
            if (v > max) {
                bad(k, "must be ≤ " + fmt(max) + ", got " + fmt(v));
                return def;
            }
            return v;
        }

        <E extends Enum<E>> E enumValue(String k, Class<E> type, E def) {
            JsonNode n = get(k);
            if (n == null) {
                return def;
            }
            List<String> allowed = new ArrayList<>();
            for (E e : type.getEnumConstants()) {
                allowed.add(e.name().toLowerCase(Locale.ROOT));
            }
            String v = n.isTextual() ? n.asText() : null;
            if (v != null) {
                for (E e : type.getEnumConstants()) {
                    if (e.name().toLowerCase(Locale.ROOT).equals(v)) {
                        return e;
                    }
                }
            }
            bad(k, "must be one of " + String.join("|", allowed) + ", got " + describe(n));
            return def;
        }

        /** A key of a settings record: the record owns the name, this section must be its section. */
        private String leaf(Key k) {
            if (!k.section().equals(path)) {
                throw new IllegalStateException(k + " read in section " + path);
            }
            return k.leaf();
        }

        String string(Key k, String def) {
            return string(leaf(k), def);
        }

        boolean bool(Key k, boolean def) {
            return bool(leaf(k), def);
        }

        int integer(Key k, int def) {
            return integer(leaf(k), def, Integer.MIN_VALUE, Integer.MAX_VALUE);
        }

        double number(Key k, double def) {
            return number(leaf(k), def, -Double.MAX_VALUE, Double.MAX_VALUE);
        }

        Optional<Path> optPath(Key k) {
            return optPath(leaf(k));
        }

        /**
         * Builds a settings record (its checks are the only ones); a problem it finds is reported at
         * its key's line under the key's YAML name, and {@code fallback} stands in so that the rest
         * of the file is still checked.
         */
        <T> T settings(java.util.function.Supplier<T> build, T fallback) {
            try {
                return build.get();
            } catch (InvalidSettingException e) {
                int line = e.key() == null ? yaml.lineOf(path) : yaml.lineOf(e.key().yaml());
                problems.add(new Problem(line, e.problemFor(true)));
                return fallback;
            }
        }

        /** Reports keys that were never read (typos, keys of another version). */
        void done() {
            if (node == null) {
                return;
            }
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!known.contains(k)) {
                    problems.add(new Problem(yaml.lineOf(key(k)), "unknown key " + key(k)
                            + (known.isEmpty() ? "" : " (known here: " + String.join(", ", known) + ")")));
                }
            }
        }

        private String describe(JsonNode n) {
            if (n.isTextual()) {
                return "\"" + n.asText() + "\"";
            }
            if (n.isObject()) {
                return "a mapping";
            }
            if (n.isArray()) {
                return "a list";
            }
            return n.toString();
        }
    }
}
