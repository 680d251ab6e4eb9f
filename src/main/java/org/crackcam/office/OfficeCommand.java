package org.crackcam.office;

import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.crackcam.delivery.AlertSubscriber;
import org.crackcam.delivery.DeliveryOptions;
import org.crackcam.delivery.MqttSettings;
import org.crackcam.settings.InvalidSettingException;
import org.tinylog.Logger;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code crackcam office}: the road office. Receives alerts from the broker
 * ({@code crackcam/+/alerts}, QoS 1, persistent session; optionally a shared subscription) and/or
 * imports outbox and listen folders, merges sightings into crack records in SQLite or PostgreSQL,
 * and serves the map on 127.0.0.1. See docs/office.md.
 */
@Command(name = "office", mixinStandardHelpOptions = true,
        subcommands = OfficeCommand.Export.class,
        description = {"The road office: alerts from MQTT or outbox folders -> crack records (sightings merged by",
                "position) in SQLite or PostgreSQL+PostGIS -> a web map with verdicts, on 127.0.0.1 by default."})
public final class OfficeCommand implements Callable<Integer> {

    /** Options shared by the office and its export. */
    static final class DbOptions {
        @Option(names = "--db", paramLabel = "FILE|URL", defaultValue = "office.sqlite",
                description = "SQLite file (default ${DEFAULT-VALUE}) or jdbc:postgresql://HOST:PORT/DB")
        String db;

        @Option(names = "--db-user", paramLabel = "NAME", description = "PostgreSQL user")
        String user;

        @Option(names = "--db-password-file", paramLabel = "FILE", description = "file holding the PostgreSQL password")
        Path passwordFile;

        OfficeDatabase open() {
            String pw = null;
            if (passwordFile != null) {
                try {
                    pw = Files.readString(passwordFile).strip();
                } catch (IOException ex) {
                    throw new InvalidSettingException("--db-password-file " + passwordFile + ": " + ex.getMessage(), ex);
                }
            }
            return OfficeDatabase.open(db, user, pw);
        }
    }

    @picocli.CommandLine.Mixin
    DbOptions dbOptions = new DbOptions();

    @Option(names = "--broker", paramLabel = "URL", description = "receive alerts from this broker (tcp://, ssl://)")
    String broker;

    @Option(names = "--client-id", paramLabel = "ID",
            description = "MQTT client id, stable per office instance (default crackcam-office-<host name>)")
    String clientId;

    @Option(names = "--shared-group", paramLabel = "NAME",
            description = "share the subscription with other office instances ($share/NAME/crackcam/+/alerts)")
    String sharedGroup;

    @ArgGroup(exclusive = false, heading = "Broker TLS and credentials%n")
    DeliveryOptions.Security security = new DeliveryOptions.Security();

    @Option(names = "--import-outbox", paramLabel = "DIR",
            description = "import the alerts of an outbox or listen folder (repeatable), then go on serving")
    List<Path> imports = new ArrayList<>();

    @Option(names = "--static-map", paramLabel = "FILE",
            description = "write a self-contained map page of all cracks to FILE and exit (no server)")
    Path staticMap;

    @Option(names = "--http-bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "address of the web UI (default ${DEFAULT-VALUE}); another needs --http-keystore and --token-file")
    String httpBind;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "8016",
            description = "port of the web UI (default ${DEFAULT-VALUE}; 0 picks a free one)")
    int httpPort;

    @Option(names = "--no-http", description = "no web UI (a receiving-only instance)")
    boolean noHttp;

    @Option(names = "--http-keystore", paramLabel = "P12", description = "PKCS#12 key store for HTTPS")
    Path keystore;

    @Option(names = "--http-keystore-password-file", paramLabel = "FILE", description = "its password")
    Path keystorePasswordFile;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "file holding the access token the web UI and API require")
    Path tokenFile;

    @Option(names = "--tiles", paramLabel = "URL",
            description = "tile server URL template, e.g. https://tile.example.org/{z}/{x}/{y}.png (default: none, plain background)")
    String tiles;

    @Option(names = "--tiles-attribution", paramLabel = "TEXT", defaultValue = "",
            description = "attribution shown for the tiles")
    String tilesAttribution;

    @Option(names = "--merge-distance", paramLabel = "METRES", defaultValue = "8",
            description = "sightings within this distance can be one crack (default ${DEFAULT-VALUE})")
    double mergeDistance;

    @Option(names = "--merge-orientation", paramLabel = "DEGREES", defaultValue = "30",
            description = "... and with main axes this close (default ${DEFAULT-VALUE})")
    double mergeOrientation;

    @Option(names = "--max-message-bytes", paramLabel = "N", defaultValue = "4194304",
            description = "larger messages are quarantined (default ${DEFAULT-VALUE})")
    int maxBytes;

    @Option(names = "--count", paramLabel = "N", defaultValue = "0",
            description = "exit after N messages from the broker (default 0: run until interrupted)")
    long count;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        MergeRule rule;
        try {
            rule = new MergeRule(mergeDistance, mergeOrientation, MergeRule.defaults().frameSlack(),
                    MergeRule.defaults().passGap());
        } catch (IllegalArgumentException ex) {
            throw new InvalidSettingException(ex.getMessage(), ex);
        }
        if (count < 0 || maxBytes < 1024) {
            throw new InvalidSettingException("--count must be >= 0 and --max-message-bytes >= 1024");
        }
        var out = spec.commandLine().getOut();
        try (OfficeDatabase db = dbOptions.open()) {
            CrackStore store = new CrackStore(db, rule);
            AlertReceiver receiver = new AlertReceiver(new AlertIntake(maxBytes), store);
            for (Path dir : imports) {
                int n = receiver.importFolder(dir);
                out.printf("office: %d file(s) read from %s%n", n, dir);
            }
            if (!imports.isEmpty()) {
                out.printf("office: %s; %d crack(s) in %s%n", receiver.summary(), store.crackCount(), db.describe());
            }
            if (staticMap != null) {
                StaticMap.write(store, staticMap, tiles, tilesAttribution);
                out.println("office map: " + staticMap.toAbsolutePath().normalize());
                out.flush();
                return 0;
            }
            if (broker == null && noHttp) {
                out.flush();
                return 0;
            }
            OfficeServer server = null;
            if (!noHttp) {
                server = new OfficeServer(store, httpConfig());
                server.start();
                out.println("office: web UI at " + server.url() + " (" + db.describe() + ")");
                out.flush();
            }
            try {
                if (broker != null) {
                    receive(receiver);
                    out.printf("office: %s%n", receiver.summary());
                } else {
                    new CountDownLatch(1).await(); // serve until interrupted
                }
            } finally {
                if (server != null) {
                    server.close();
                }
            }
            out.flush();
        }
        return 0;
    }

    OfficeServer.Config httpConfig() throws IOException {
        InetAddress addr;
        try {
            addr = InetAddress.getByName(httpBind);
        } catch (IOException ex) {
            throw new InvalidSettingException("--http-bind '" + httpBind + "': " + ex.getMessage());
        }
        String token = null;
        if (tokenFile != null) {
            token = Files.readString(tokenFile).strip();
            if (token.length() < 16) {
                throw new InvalidSettingException("--token-file " + tokenFile + ": the token must have at least 16 characters");
            }
        }
        SSLContext tls = keystore == null ? null : tls();
        if (!addr.isLoopbackAddress() && (tls == null || token == null)) {
            throw new InvalidSettingException("--http-bind " + httpBind
                    + " is not a loopback address: remote access needs both --http-keystore (HTTPS) and --token-file");
        }
        if (httpPort < 0 || httpPort > 65535) {
            throw new InvalidSettingException("--http-port must be in 0..65535");
        }
        if (tiles != null && !tiles.matches("https?://[^\\s\"'<>]+\\{z}[^\\s\"'<>]*")) {
            throw new InvalidSettingException("--tiles '" + tiles + "' must be an http(s) URL template with {z}, {x} and {y}");
        }
        return new OfficeServer.Config(new InetSocketAddress(addr, httpPort), tls, token, tiles, tilesAttribution);
    }

    private SSLContext tls() {
        try (InputStream in = Files.newInputStream(keystore)) {
            char[] pw = keystorePasswordFile == null ? new char[0]
                    : Files.readString(keystorePasswordFile).strip().toCharArray();
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, pw);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (Exception ex) {
            throw new InvalidSettingException("--http-keystore " + keystore + ": " + OfficeDatabase.rootMessage(ex), ex);
        }
    }

    /** Subscribes and stores until interrupted (or --count messages); reconnects with back-off. */
    private void receive(AlertReceiver receiver) {
        String id = clientId != null ? clientId : AlertSubscriber.defaultClientId("office");
        MqttSettings settings = security.broker(broker, id, org.crackcam.settings.BrokerSettings.DEFAULT_KEEPALIVE_S).mqtt("office");
        String topics = AlertSubscriber.alertTopics("+", sharedGroup);
        AlertSubscriber subscriber = new AlertSubscriber("office", settings, topics);
        AtomicLong received = new AtomicLong();
        try {
            subscriber.run((topic, payload) -> {
                try {
                    receiver.accept(topic, payload);
                } catch (java.sql.SQLException ex) {
                    Logger.error("office: cannot store an alert ({}); not acknowledged, the broker sends it again",
                            ex.getMessage());
                    return AlertSubscriber.Ack.refused(ex);
                }
                if (count > 0 && received.incrementAndGet() >= count) {
                    subscriber.stop();
                }
                return AlertSubscriber.Ack.KEPT;
            }, null);
        } catch (InterruptedException stop) {
            Logger.info("office: stopping (interrupted)");
        }
    }

    /** {@code crackcam office export}: GeoJSON, CSV and the labelled dataset. */
    @Command(name = "export", mixinStandardHelpOptions = true,
            description = {"Export crack records (GeoJSON, CSV; with filters) and a labelled tile dataset",
                    "from inspectors' verdicts (confirmed -> crack, not a crack -> no_crack)."})
    static final class Export implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        DbOptions dbOptions = new DbOptions();

        @Option(names = "--geojson", paramLabel = "FILE") Path geojson;
        @Option(names = "--csv", paramLabel = "FILE") Path csv;
        @Option(names = "--dataset", paramLabel = "DIR",
                description = "labelled dataset in the project's layout ({train,val,test}/{crack,no_crack}/)")
        Path dataset;
        @Option(names = "--overwrite", description = "replace an existing --dataset folder") boolean overwrite;
        @Option(names = "--seed", defaultValue = "0", description = "split seed (default ${DEFAULT-VALUE})") long seed;
        @Option(names = "--status") String status;
        @Option(names = "--type") String type;
        @Option(names = "--from", paramLabel = "DATE") String from;
        @Option(names = "--to", paramLabel = "DATE") String to;
        @Option(names = "--device") String device;
        @Option(names = "--pmin", paramLabel = "P") String pmin;
        @Option(names = "--search", paramLabel = "TEXT") String text;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (geojson == null && csv == null && dataset == null) {
                throw new InvalidSettingException("nothing to export: give --geojson, --csv and/or --dataset");
            }
            Map<String, String> q = new HashMap<>();
            q.put("status", status);
            q.put("type", type);
            q.put("from", from);
            q.put("to", to);
            q.put("device", device);
            q.put("pmin", pmin);
            q.put("q", text);
            q.put("limit", "100000");
            CrackFilter f = CrackFilter.of(q);
            var out = spec.commandLine().getOut();
            try (OfficeDatabase db = dbOptions.open()) {
                CrackStore store = new CrackStore(db, MergeRule.defaults());
                var cracks = store.cracks(f);
                if (geojson != null) {
                    Files.write(geojson, new ObjectMapper().writerWithDefaultPrettyPrinter()
                            .writeValueAsBytes(Exports.geoJson(cracks)));
                    out.printf("office export: %d crack(s) -> %s%n", cracks.size(), geojson);
                }
                if (csv != null) {
                    try (Writer w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
                        Exports.csv(cracks, w);
                    }
                    out.printf("office export: %d crack(s) -> %s%n", cracks.size(), csv);
                }
                if (dataset != null) {
                    try {
                        Exports.DatasetCounts c = Exports.dataset(store, dataset, seed, overwrite);
                        out.printf("office export: %d tile(s) -> %s %s; %d judged crack(s) had no raw crops "
                                + "(alert schema 1)%n", c.total(), dataset, c.counts(), c.cracksWithoutCrops());
                    } catch (java.nio.file.FileAlreadyExistsException ex) {
                        throw new InvalidSettingException(ex.getMessage(), ex);
                    }
                }
            }
            out.flush();
            return 0;
        }
    }
}
