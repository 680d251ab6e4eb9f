package org.crackcam.service;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
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
import org.crackcam.service.ServiceConfig.Camera;
import org.crackcam.service.ServiceConfig.CameraKind;
import org.crackcam.service.ServiceConfig.Gps;
import org.crackcam.service.ServiceConfig.GpsSource;
import org.crackcam.service.ServiceConfig.Health;
import org.crackcam.service.ServiceConfig.Model;
import org.crackcam.service.ServiceConfig.Mqtt;
import org.crackcam.service.ServiceConfig.Outbox;
import org.crackcam.service.ServiceConfig.Provider;
import org.crackcam.service.ServiceConfig.Reconnect;
import org.crackcam.service.ServiceConfig.Sampling;
import org.crackcam.service.ServiceConfig.SamplingMode;
import org.crackcam.service.ServiceConfig.Shutdown;
import org.crackcam.service.ServiceConfig.Tiles;
import org.crackcam.service.ServiceConfig.Tls;
import org.crackcam.service.ServiceConfig.TrackFormat;
import org.crackcam.tiles.Roi;

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
        String deviceId = device.string("id", null);
        if (deviceId == null) {
            device.missing("id");
            deviceId = "unset";
        } else if (!deviceId.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
            device.bad("id", "must be 1–64 characters of letters, digits, '_', '.', '-' (used in MQTT "
                    + "topics), got \"" + deviceId + "\"");
        }
        device.done();

        Camera camera = camera(top.section("camera"));
        Tiles tiles = tiles(top.section("tiles"));
        Model model = model(top.section("model"));
        Sampling sampling = sampling(top.section("sampling"));
        Gps gps = gps(top.section("gps"));
        if (sampling.mode() == SamplingMode.DISTANCE && gps.source() == GpsSource.NONE) {
            problems.add(new Problem(yaml.lineOf("sampling.mode"),
                    "sampling.mode distance needs positions: set gps.source to gpsd or file"));
        }
        Mqtt mqtt = mqtt(top.section("mqtt"), deviceId);
        Outbox outbox = outbox(top.section("outbox"));
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
        return new ServiceConfig(Path.of(name), deviceId, camera, tiles, model, sampling, gps, mqtt,
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

    private Tiles tiles(Section s) {
        int rows = s.integer("rows", 2, 1, 64);
        double overlap = s.number("overlap", 0.0, 0.0, 0.95);
        String roi = s.string("roi", Roi.DEFAULT.toString());
        try {
            Roi.parse(roi);
        } catch (IllegalArgumentException e) {
            s.bad("roi", e.getMessage());
        }
        s.done();
        return new Tiles(roi, rows, overlap);
    }

    private Model model(Section s) {
        String bundle = s.string("bundle", null);
        if (bundle == null) {
            s.missing("bundle");
            bundle = ".";
        }
        Provider provider = s.enumValue("provider", Provider.class, Provider.CPU);
        boolean fp16 = s.bool("fp16", false);
        if (fp16 && provider == Provider.CPU) {
            s.bad("fp16", "applies to the tensorrt and cuda providers only, provider is cpu");
        }
        Model m = new Model(resolve(bundle), provider, fp16, s.integer("threads", 0, 0, 256),
                s.integer("gpu_id", 0, 0, 64), resolve(s.string("state_dir", "/var/lib/crackcam/trt")),
                s.integer("batch", 0, 0, 4096), s.bool("spin", false));
        s.done();
        return m;
    }

    private Sampling sampling(Section s) {
        SamplingMode mode = s.enumValue("mode", SamplingMode.class, SamplingMode.EVERY_FRAMES);
        int every = s.integer("every_frames", 1, 1, 100_000);
        double fps = s.number("target_fps", 5.0, 0.0, 1000.0);
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
        String broker = s.string("broker", "tcp://127.0.0.1:1883");
        if (!broker.matches("(tcp|ssl|mqtt|mqtts)://[^/\\s]+(:\\d+)?")) {
            s.bad("broker", "must be a URL tcp://host:port or ssl://host:port (mqtt://, mqtts:// too), got \""
                    + broker + "\"");
        }
        String clientId = s.string("client_id", "crackcam-" + deviceId);
        if (clientId.isEmpty() || clientId.length() > 64) {
            s.bad("client_id", "must have 1–64 characters, got \"" + clientId + "\"");
        }
        Optional<Path> cred = s.optPath("credentials_file");
        Section t = s.section("tls");
        Tls tls = new Tls(t.optPath("ca_file"), t.optPath("cert_file"), t.optPath("key_file"));
        if (tls.certFile().isPresent() != tls.keyFile().isPresent()) {
            t.bad(tls.certFile().isPresent() ? "cert_file" : "key_file",
                    "mqtt.tls.cert_file and mqtt.tls.key_file go together (client certificate)");
        }
        if ((broker.startsWith("tcp:") || broker.startsWith("mqtt:"))
                && (tls.caFile().isPresent() || tls.certFile().isPresent())) {
            t.bad(tls.caFile().isPresent() ? "ca_file" : "cert_file",
                    "TLS files need an ssl:// (or mqtts://) broker URL, got " + broker);
        }
        t.done();
        Mqtt m = new Mqtt(enabled, broker, clientId, cred, tls, s.integer("keepalive_s", 30, 5, 3600));
        s.done();
        return m;
    }

    private Outbox outbox(Section s) {
        Outbox o = new Outbox(resolve(s.string("dir", "/var/lib/crackcam/outbox")),
                (long) s.integer("max_mb", 512, 1, 1_000_000) * 1024 * 1024,
                s.bool("group_readable", false));
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
