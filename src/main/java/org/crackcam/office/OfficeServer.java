package org.crackcam.office;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import org.crackcam.pipeline.CrackcamException;
import org.tinylog.Logger;

/**
 * The office's web UI and API on the JDK's HTTP server ({@code com.sun.net.httpserver}): the map
 * and list ({@code /}), a crack page ({@code /crack?id=N}), JSON under {@code /api/}, live
 * updates ({@code /api/events}, server-sent events), exports under {@code /export/}, and Leaflet
 * from its WebJar under {@code /webjars/leaflet/}. Nothing is loaded from another site except the
 * map tiles, and only when a tile URL is configured.
 *
 * <p>Security (docs/office.md): loopback by default. With a token, every request needs it (header
 * {@code Authorization: Bearer <token>} or the cookie set by {@code /login}); a non-loopback
 * address is refused by {@link OfficeCommand} unless both TLS and a token are configured. State
 * changes are POSTs with a JSON body (a cross-site form cannot send one), and the cookie is
 * SameSite=Strict and HttpOnly.
 */
public final class OfficeServer implements AutoCloseable {

    /** How the server is set up. */
    public record Config(InetSocketAddress bind, SSLContext tls, String token, String tileUrl, String tileAttribution) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CRACK = Pattern.compile("/api/cracks/(\\d{1,18})");
    private static final Pattern VERDICT = Pattern.compile("/api/cracks/(\\d{1,18})/verdicts");
    private static final Pattern IMAGE = Pattern.compile(
            "/api/sightings/([0-9a-f-]{36})/(overlay|mask|region|crop-(\\d{1,3}))");
    private static final String COOKIE = "crackcam_office";
    /** Shown on every page while alerts from a model trained on synthetic data are stored. */
    static final String SYNTHETIC_BANNER = "SYNTHETIC DATA: alerts from a model trained on synthetic tiles";

    private final CrackStore store;
    private final Config config;
    private final HttpServer server;
    private final ExecutorService pool;
    private final LiveEvents events = new LiveEvents();
    private final String leafletBase;

    public OfficeServer(CrackStore store, Config config) throws IOException {
        this.store = store;
        this.config = config;
        this.leafletBase = "META-INF/resources/webjars/leaflet/" + leafletVersion() + "/dist/";
        if (config.tls() != null) {
            HttpsServer s = HttpsServer.create(config.bind(), 64);
            s.setHttpsConfigurator(new HttpsConfigurator(config.tls()));
            server = s;
        } else {
            server = HttpServer.create(config.bind(), 64);
        }
        pool = Executors.newFixedThreadPool(LiveEvents.MAX_CLIENTS + 16, r -> {
            Thread t = new Thread(r, "office-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        store.addListener(id -> events.publish("crack", Long.toString(id)));
    }

    public void start() {
        server.start();
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** http(s)://host:port/ */
    public String url() {
        String host = config.bind().getAddress().isAnyLocalAddress() ? "127.0.0.1"
                : config.bind().getAddress().getHostAddress();
        return (config.tls() != null ? "https" : "http") + "://" + host + ":" + port() + "/";
    }

    @Override
    public void close() {
        events.close();
        server.stop(0);
        pool.shutdownNow();
    }

    static String leafletVersion() {
        try (InputStream in = OfficeServer.class.getClassLoader()
                .getResourceAsStream("META-INF/maven/org.webjars.npm/leaflet/pom.properties")) {
            if (in == null) {
                throw new IllegalStateException("the Leaflet WebJar (org.webjars.npm:leaflet) is not on the class path");
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException ex) {
            throw new IllegalStateException("cannot read the Leaflet WebJar's version", ex);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            var h = ex.getResponseHeaders();
            h.set("X-Content-Type-Options", "nosniff");
            h.set("Referrer-Policy", "no-referrer");
            h.set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: " + tileOrigin()
                    + "; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
            String path = ex.getRequestURI().getRawPath();
            String method = ex.getRequestMethod();
            if (path.equals("/login")) {
                login(ex);
                return;
            }
            if (!authorised(ex)) {
                if (method.equals("GET") && !path.startsWith("/api/") && !path.startsWith("/export/")) {
                    ex.getResponseHeaders().set("Location", "/login");
                    send(ex, 303, "text/plain", new byte[0]);
                } else {
                    error(ex, 401, "a token is required (Authorization: Bearer <token>)");
                }
                return;
            }
            Map<String, String> q = query(ex.getRequestURI());
            Matcher m;
            if (method.equals("POST") && (m = VERDICT.matcher(path)).matches()) {
                verdict(ex, Long.parseLong(m.group(1)));
            } else if (!method.equals("GET") && !method.equals("HEAD")) {
                error(ex, 405, "method " + method + " not allowed on " + path);
            } else if (path.equals("/") || path.equals("/index.html")) {
                resource(ex, "office/index.html", "text/html; charset=utf-8");
            } else if (path.equals("/crack")) {
                resource(ex, "office/crack.html", "text/html; charset=utf-8");
            } else if (path.matches("/static/[a-z]+\\.(js|css)")) {
                String name = path.substring("/static/".length());
                resource(ex, "office/" + name, name.endsWith(".js") ? "text/javascript; charset=utf-8"
                        : "text/css; charset=utf-8");
            } else if (path.matches("/webjars/leaflet/(leaflet\\.(js|css)|images/[a-z0-9-]+\\.png)")) {
                String name = path.substring("/webjars/leaflet/".length());
                resource(ex, leafletBase + name, name.endsWith(".js") ? "text/javascript; charset=utf-8"
                        : name.endsWith(".css") ? "text/css; charset=utf-8" : "image/png");
            } else if (path.equals("/api/config")) {
                ObjectNode c = JSON.createObjectNode();
                c.put("tile_url", config.tileUrl());
                c.put("tile_attribution", config.tileAttribution());
                c.put("banner", store.hasSyntheticModel() ? SYNTHETIC_BANNER : null);
                c.putPOJO("statuses", CrackFilter.STATUSES);
                c.putPOJO("types", CrackFilter.TYPES);
                json(ex, c);
            } else if (path.equals("/api/cracks")) {
                json(ex, JSON.valueToTree(store.cracks(CrackFilter.of(q))));
            } else if ((m = CRACK.matcher(path)).matches()) {
                crack(ex, Long.parseLong(m.group(1)));
            } else if ((m = IMAGE.matcher(path)).matches()) {
                image(ex, m.group(1), m.group(2), m.group(3));
            } else if (path.equals("/api/events")) {
                events.serve(ex);
            } else if (path.equals("/api/stats")) {
                ObjectNode s = JSON.createObjectNode();
                s.put("cracks", store.crackCount());
                s.put("sightings", store.sightingCount());
                s.put("quarantined", store.quarantineCount());
                s.put("live_clients", events.clientCount());
                json(ex, s);
            } else if (path.equals("/export/cracks.geojson")) {
                ex.getResponseHeaders().set("Content-Disposition", "attachment; filename=\"cracks.geojson\"");
                send(ex, 200, "application/geo+json", JSON.writeValueAsBytes(Exports.geoJson(store.cracks(CrackFilter.of(q)))));
            } else if (path.equals("/export/cracks.csv")) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                try (Writer w = new OutputStreamWriter(b, StandardCharsets.UTF_8)) {
                    Exports.csv(store.cracks(CrackFilter.of(q)), w);
                }
                ex.getResponseHeaders().set("Content-Disposition", "attachment; filename=\"cracks.csv\"");
                send(ex, 200, "text/csv; charset=utf-8", b.toByteArray());
            } else {
                error(ex, 404, "no such page: " + path);
            }
        } catch (CrackcamException | IllegalArgumentException bad) {
            error(ex, 400, bad.getMessage());
        } catch (SQLException db) {
            Logger.error("office: database error on {}: {}", ex.getRequestURI().getPath(), db.getMessage());
            error(ex, 503, "database error: " + db.getMessage());
        } catch (IOException | RuntimeException e) {
            Logger.warn("office: {} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI().getPath(), e.toString());
            try {
                error(ex, 500, "internal error");
            } catch (IOException | RuntimeException ignored) {
                // the client is gone
            }
        } finally {
            ex.close();
        }
    }

    /** The tile server's origin for the Content-Security-Policy ({s} becomes *), or "" without tiles. */
    private String tileOrigin() {
        if (config.tileUrl() == null) {
            return "";
        }
        Matcher m = Pattern.compile("^(https?)://([^/]+)").matcher(config.tileUrl());
        return m.find() ? m.group(1) + "://" + m.group(2).replace("{s}", "*") : "";
    }

    private boolean authorised(HttpExchange ex) {
        if (config.token() == null) {
            return true;
        }
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth != null && auth.startsWith("Bearer ") && tokenEquals(auth.substring(7).strip())) {
            return true;
        }
        String cookies = ex.getRequestHeaders().getFirst("Cookie");
        if (cookies != null) {
            for (String c : cookies.split(";")) {
                String kv = c.strip();
                if (kv.startsWith(COOKIE + "=") && tokenEquals(kv.substring(COOKIE.length() + 1))) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean tokenEquals(String given) {
        return MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), config.token().getBytes(StandardCharsets.UTF_8));
    }

    private void login(HttpExchange ex) throws IOException {
        if (ex.getRequestMethod().equals("POST")) {
            String body = new String(ex.getRequestBody().readNBytes(4096), StandardCharsets.UTF_8);
            Map<String, String> form = parse(body);
            String t = form.getOrDefault("token", "");
            if (config.token() != null && tokenEquals(t)) {
                ex.getResponseHeaders().add("Set-Cookie", COOKIE + "=" + t + "; Path=/; HttpOnly; SameSite=Strict"
                        + (config.tls() != null ? "; Secure" : ""));
                ex.getResponseHeaders().set("Location", "/");
                send(ex, 303, "text/plain", new byte[0]);
                return;
            }
            send(ex, 401, "text/html; charset=utf-8", loginPage("Wrong token.").getBytes(StandardCharsets.UTF_8));
            return;
        }
        send(ex, 200, "text/html; charset=utf-8", loginPage("").getBytes(StandardCharsets.UTF_8));
    }

    private static String loginPage(String msg) {
        return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>CrackCam office: sign in</title>"
                + "<link rel=\"stylesheet\" href=\"/static/style.css\"></head><body class=\"login\"><h1>CrackCam office</h1>"
                + "<form method=\"post\" action=\"/login\"><label>Access token <input type=\"password\" name=\"token\" "
                + "autocomplete=\"current-password\"></label> <button type=\"submit\">Sign in</button></form><p>"
                + msg + "</p></body></html>";
    }

    private void crack(HttpExchange ex, long id) throws IOException, SQLException {
        var c = store.crack(id);
        if (c.isEmpty()) {
            error(ex, 404, "no crack " + id);
            return;
        }
        ObjectNode o = JSON.createObjectNode();
        o.set("crack", JSON.valueToTree(c.get()));
        List<CrackStore.SightingRow> rows = store.sightings(id);
        var arr = o.putArray("sightings");
        for (CrackStore.SightingRow r : rows) {
            ObjectNode s = JSON.valueToTree(r);
            JsonNode doc = store.document(r.alertId()).orElseThrow();
            s.set("bbox", doc.get("bbox"));
            s.set("frame", doc.get("frame"));
            s.set("model", doc.get("model"));
            s.set("source", doc.get("source"));
            s.set("tiles", doc.get("tiles"));
            s.put("schema", doc.path("schema").asText());
            s.put("has_region", doc.has("region"));
            s.put("crops", doc.path("crops").size());
            arr.add(s);
        }
        o.set("verdicts", JSON.valueToTree(store.verdicts(id)));
        json(ex, o);
    }

    private void image(HttpExchange ex, String alertId, String kind, String cropIndex) throws IOException, SQLException {
        var doc = store.document(alertId);
        if (doc.isEmpty()) {
            error(ex, 404, "no sighting " + alertId);
            return;
        }
        JsonNode img = cropIndex != null ? doc.get().path("crops").path(Integer.parseInt(cropIndex)).path("image")
                : doc.get().path(kind);
        if (!img.has("data")) {
            error(ex, 404, "sighting " + alertId + " has no " + kind);
            return;
        }
        String type = img.path("media_type").asText();
        if (!type.equals("image/png") && !type.equals("image/jpeg")) {
            error(ex, 415, "unexpected media type");
            return;
        }
        ex.getResponseHeaders().set("Cache-Control", "private, max-age=3600");
        send(ex, 200, type, Base64.getDecoder().decode(img.path("data").asText()));
    }

    private void verdict(HttpExchange ex, long id) throws IOException, SQLException {
        String ct = ex.getRequestHeaders().getFirst("Content-Type");
        if (ct == null || !ct.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            error(ex, 415, "send the verdict as application/json");
            return;
        }
        byte[] body = ex.getRequestBody().readNBytes(16 * 1024);
        JsonNode b = JSON.readTree(body);
        if (b == null || !b.isObject()) {
            error(ex, 400, "the body must be a JSON object {verdict, note, who}");
            return;
        }
        var v = store.addVerdict(id, b.path("verdict").asText(), b.path("note").asText(""), b.path("who").asText(""),
                System.currentTimeMillis());
        if (v.isEmpty()) {
            error(ex, 404, "no crack " + id);
            return;
        }
        Logger.info("office: crack {} marked {} by {}", id, v.get().verdict(), v.get().who());
        json(ex, JSON.valueToTree(v.get()));
    }

    private void resource(HttpExchange ex, String name, String type) throws IOException {
        try (InputStream in = OfficeServer.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                error(ex, 404, "missing resource " + name);
                return;
            }
            ex.getResponseHeaders().set("Cache-Control", "no-cache");
            send(ex, 200, type, in.readAllBytes());
        }
    }

    private static void json(HttpExchange ex, JsonNode n) throws IOException {
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        send(ex, 200, "application/json", JSON.writeValueAsBytes(n));
    }

    private static void error(HttpExchange ex, int code, String msg) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("error", msg == null ? "error" : msg);
        send(ex, code, "application/json", JSON.writeValueAsBytes(o));
    }

    private static void send(HttpExchange ex, int code, String type, byte[] body) throws IOException {
        if (!type.isEmpty()) {
            ex.getResponseHeaders().set("Content-Type", type);
        }
        boolean head = ex.getRequestMethod().equals("HEAD");
        // An exchange ends only when its request body is read and closed too: a refused request
        // (415, 400, 404 before the body was read) would otherwise leave the kept-alive connection
        // out of step, and the client's next request on it waits until the idle timeout.
        try (var in = ex.getRequestBody()) {
            if (in.readNBytes(1 << 20).length == 1 << 20) {
                ex.getResponseHeaders().set("Connection", "close"); // more than we drain: do not reuse
            }
        }
        ex.sendResponseHeaders(code, head || body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        }
        ex.close();
    }

    static Map<String, String> query(URI u) {
        return parse(u.getRawQuery());
    }

    private static Map<String, String> parse(String raw) {
        Map<String, String> m = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return m;
        }
        for (String kv : raw.split("&")) {
            int i = kv.indexOf('=');
            String k = URLDecoder.decode(i < 0 ? kv : kv.substring(0, i), StandardCharsets.UTF_8);
            String v = i < 0 ? "" : URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8);
            m.putIfAbsent(k, v);
        }
        return m;
    }
}
