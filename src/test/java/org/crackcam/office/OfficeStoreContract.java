package org.crackcam.office;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The office's storage and merge rule, run on SQLite ({@link SqliteStoreTest}) and on PostgreSQL +
 * PostGIS ({@link PostgisStoreTest}) with the same tests.
 */
abstract class OfficeStoreContract {

    @TempDir
    Path tmp;
    OfficeDatabase db;
    CrackStore store;
    AlertReceiver receiver;

    /** A new, empty database of the kind under test. */
    abstract OfficeDatabase openDatabase() throws Exception;

    @BeforeEach
    void open() throws Exception {
        db = openDatabase();
        store = new CrackStore(db, MergeRule.defaults());
        receiver = new AlertReceiver(new AlertIntake(AlertIntake.DEFAULT_MAX_BYTES), store);
    }

    @AfterEach
    void close() {
        db.close();
    }

    private void acceptAll(List<byte[]> alerts) throws Exception {
        for (byte[] a : alerts) {
            receiver.accept(null, a);
        }
    }

    @Test
    void demoDriveThreeTimesGivesOneRecordPerCrackWithThreeSightings() throws Exception {
        List<JsonNode> base = DemoAlerts.documents();
        receiver.importFolder(DemoAlerts.outbox());
        long cracks = store.crackCount();
        // the demo itself ended with its alerts in the office: a static map page with every crack
        Path page = DemoAlerts.outbox().resolveSibling("office.html");
        String html = Files.readString(page);
        assertTrue(html.contains("id=\"static-data\"") && html.contains("\"latestAlertId\""), "static map page " + page);
        assertEquals(cracks, html.split("\"latestAlertId\"", -1).length - 1, "one crack per record on the demo's page");
        long sightings = store.sightingCount();
        assertTrue(cracks >= 20, "the demo drive should give at least 20 cracks, got " + cracks);
        // one pass: every accepted alert is its own crack (the vehicle's tracker merged the frames already)
        assertEquals(sightings, cracks, "alerts of one pass must never merge");
        for (CrackStore.Crack c : store.cracks(CrackFilter.all())) {
            assertTrue(c.lat() != null && Math.abs(c.lat()) < 0.01, "SYNTHETIC positions near 0,0 from drive.gpx");
        }
        // the same road driven again the next day and the day after (same positions, new alerts)
        acceptAll(DemoAlerts.drive(base, "day2", Duration.ofDays(1).toMillis(), null));
        acceptAll(DemoAlerts.drive(base, "day3", Duration.ofDays(2).toMillis(), null));
        assertEquals(cracks, store.crackCount(), "three drives: still one record per crack");
        assertEquals(3 * sightings, store.sightingCount());
        for (CrackStore.Crack c : store.cracks(CrackFilter.all())) {
            assertEquals(3, c.sightings(), "crack " + c.id() + " must have three sightings");
            assertEquals(Duration.ofDays(2).toMillis(), c.lastSeenMs() - c.firstSeenMs(), 60_000, "first/last seen span the drives");
        }
    }

    @Test
    void twoVehiclesPassingTheSameCracksGiveOneRecord() throws Exception {
        List<JsonNode> base = DemoAlerts.documents();
        acceptAll(DemoAlerts.drive(base, "van-a", 0, "van-a"));
        long cracks = store.crackCount();
        // the second vehicle passes 40 s behind the first one
        acceptAll(DemoAlerts.drive(base, "van-b", 40_000, "van-b"));
        assertEquals(cracks, store.crackCount());
        for (CrackStore.Crack c : store.cracks(CrackFilter.all())) {
            assertEquals(2, c.sightings());
            assertEquals(2, c.devices());
        }
        CrackFilter onlyB = new CrackFilter(null, null, null, null, "van-b", null, null, 1000);
        assertEquals(cracks, store.cracks(onlyB).size());
    }

    @Test
    void reimportingTheSameOutboxAddsNothing() throws Exception {
        receiver.importFolder(DemoAlerts.outbox());
        long s = store.sightingCount();
        long dup = receiver.duplicates();
        int files = receiver.importFolder(DemoAlerts.outbox());
        assertEquals(s, store.sightingCount());
        assertEquals(dup + files - receiver.quarantined() / 2 - receiver.stale(), receiver.duplicates(),
                "every file of the second import is a duplicate or quarantined again");
    }

    @Test
    void withoutPositionsReplaysMergeBySourceAndFrames() throws Exception {
        List<JsonNode> base = new ArrayList<>();
        for (JsonNode d : DemoAlerts.documents()) {
            ObjectNode n = d.deepCopy();
            n.remove("position");
            base.add(n);
        }
        acceptAll(DemoAlerts.drive(base, "r1", 0, null));
        long cracks = store.crackCount();
        assertEquals(store.sightingCount(), cracks, "one pass without positions: no merges");
        // the same file replayed two and four minutes later
        acceptAll(DemoAlerts.drive(base, "r2", 120_000, null));
        acceptAll(DemoAlerts.drive(base, "r3", 240_000, null));
        assertEquals(cracks, store.crackCount());
        for (CrackStore.Crack c : store.cracks(CrackFilter.all())) {
            assertNull(c.lat());
            assertEquals(3, c.sightings());
        }
    }

    /** A sighting at {@code metresNorth} of a fixed point, bypassing the schema (store-level test). */
    private static Sighting at(String id, String device, long t, double metresNorth, double orientation, int revision) {
        double lat = 0.001 + Math.toDegrees(metresNorth / MergeRule.EARTH_RADIUS_M);
        ObjectNode doc = DemoAlerts.JSON.createObjectNode();
        doc.put("alert_id", id);
        return new Sighting(id, revision, device, t, lat, 0.001, orientation, "transverse", 0.9, 100 + revision,
                500 + revision, "file:x.mp4", 10, 20, 15, doc);
    }

    @Test
    void distanceAndOrientationTolerancesAndNearestWins() throws Exception {
        long day = 86_400_000L;
        long a = store.store(at(DemoAlerts.v7Like("a"), "v1", 0, 0, 10, 0), 0).crackId();
        long b = store.store(at(DemoAlerts.v7Like("b"), "v1", 60 * 60_000, 20, 10, 0), 0).crackId();
        assertTrue(a != b);
        // 7.9 m from a, 12.1 m from b: a
        assertEquals(a, store.store(at(DemoAlerts.v7Like("c"), "v2", day, 7.9, 170, 0), 0).crackId());
        // 8.5 m from the mean of a (now 3.95 m north): within 8 m of that mean? 4.55 m yes
        // 14 m: 10.05 from a's mean, 6 from b -> b
        assertEquals(b, store.store(at(DemoAlerts.v7Like("d"), "v2", day, 14, 15, 0), 0).crackId());
        // beside a but at a right angle: a new crack
        CrackStore.Stored e = store.store(at(DemoAlerts.v7Like("e"), "v3", day, 1, 100, 0), 0);
        assertEquals(CrackStore.Outcome.NEW_CRACK, e.outcome());
        // 30 m away: new
        assertEquals(CrackStore.Outcome.NEW_CRACK, store.store(at(DemoAlerts.v7Like("f"), "v3", day, 50, 10, 0), 0).outcome());
        assertEquals(4, store.crackCount());
        // axis mean of a: 10° and 170° average to 0°, not 90°
        double or = store.crack(a).orElseThrow().orientationDeg();
        assertTrue(MergeRule.axisDifference(or, 0) < 1e-6, "doubled-angle mean, got " + or);
    }

    @Test
    void higherRevisionReplacesLowerIsDropped() throws Exception {
        String id = DemoAlerts.v7Like("rev");
        long c = store.store(at(id, "v1", 0, 0, 10, 1), 0).crackId();
        assertEquals(CrackStore.Outcome.DUPLICATE, store.store(at(id, "v1", 0, 0, 10, 1), 0).outcome());
        assertEquals(CrackStore.Outcome.STALE, store.store(at(id, "v1", 0, 0, 10, 0), 0).outcome());
        assertEquals(CrackStore.Outcome.REVISED, store.store(at(id, "v1", 0, 0, 10, 3), 0).outcome());
        List<CrackStore.SightingRow> rows = store.sightings(c);
        assertEquals(1, rows.size());
        assertEquals(3, rows.get(0).revision());
        assertEquals(103, store.crack(c).orElseThrow().lengthPx(), 1e-9, "aggregates follow the newest revision");
    }

    @Test
    void verdictsAreKeptWithWhoAndWhenAndARepairSeenAgainReopens() throws Exception {
        long c = store.store(at(DemoAlerts.v7Like("v"), "v1", 1000, 0, 10, 0), 0).crackId();
        store.addVerdict(c, "confirmed", "wide <b>crack</b>", "inspector A", 2000);
        store.addVerdict(c, "repaired", "sealed", "inspector B", 3000);
        List<CrackStore.Verdict> vs = store.verdicts(c);
        assertEquals(List.of("confirmed", "repaired"), vs.stream().map(CrackStore.Verdict::verdict).toList());
        assertEquals("inspector A", vs.get(0).who());
        assertEquals("wide <b>crack</b>", vs.get(0).note());
        assertEquals("repaired", store.crack(c).orElseThrow().status());
        store.store(at(DemoAlerts.v7Like("v2"), "v2", 86_400_000L, 1, 12, 0), 0);
        assertEquals("reopened", store.crack(c).orElseThrow().status());
        assertTrue(store.addVerdict(999_999, "confirmed", "", "x", 1).isEmpty());
        assertEquals(1, store.cracks(new CrackFilter("reopened", null, null, null, null, null, null, 10)).size());
        assertEquals(1, store.cracks(new CrackFilter(null, null, null, null, null, null, "SEALED", 10)).size(),
                "search finds notes");
    }

    @Test
    void badMessagesAreQuarantinedNotStored() throws Exception {
        JsonNode good = DemoAlerts.documents().get(0);
        String dev = good.get("device_id").asText();
        receiver.accept("crackcam/" + dev + "/alerts", DemoAlerts.bytes(good));
        assertEquals(1, store.sightingCount());
        receiver.accept("crackcam/other-van/alerts", DemoAlerts.drive(List.of(good), "x", 0, null).get(0));
        receiver.accept("crackcam/" + dev + "/alerts", "{not json".getBytes(StandardCharsets.UTF_8));
        ObjectNode badId = good.deepCopy();
        badId.put("alert_id", "../../etc/passwd");
        receiver.accept(null, DemoAlerts.bytes(badId));
        ObjectNode extra = good.deepCopy();
        extra.put("alert_id", DemoAlerts.idLike("extra", '8'));
        extra.put("unexpected", 1);
        receiver.accept(null, DemoAlerts.bytes(extra));
        AlertReceiver small = new AlertReceiver(new AlertIntake(1024), store);
        small.accept(null, DemoAlerts.drive(List.of(good), "big", 0, null).get(0));
        assertEquals(1, store.sightingCount());
        assertEquals(5, store.quarantineCount());
    }

    @Test
    void exportsGeoJsonCsvAndALabelledDataset() throws Exception {
        receiver.importFolder(DemoAlerts.outbox());
        List<CrackStore.Crack> all = store.cracks(CrackFilter.all());
        JsonNode fc = DemoAlerts.JSON.readTree(DemoAlerts.JSON.writeValueAsBytes(Exports.geoJson(all)));
        assertEquals("FeatureCollection", fc.get("type").asText());
        assertEquals(all.size(), fc.get("features").size());
        JsonNode f0 = fc.get("features").get(0);
        assertEquals(all.get(0).lon(), f0.at("/geometry/coordinates/0").asDouble(), 1e-7);
        assertEquals(all.get(0).lat(), f0.at("/geometry/coordinates/1").asDouble(), 1e-7);
        StringWriter w = new StringWriter();
        Exports.csv(all, w);
        String[] lines = w.toString().split("\r\n");
        assertEquals(all.size() + 1, lines.length);
        assertEquals(String.join(",", Exports.CSV_COLUMNS), lines[0]);
        assertEquals("'=HYPERLINK(1)", Exports.cell("=HYPERLINK(1)"));
        assertEquals("-0.5", Exports.cell("-0.5"));
        assertEquals("\"a,\"\"b\"\"\"", Exports.cell("a,\"b\""));

        // the dataset from the demo's own raw tile crops (schema 2): judge three cracks
        List<Long> ids = all.stream().map(CrackStore.Crack::id).sorted().limit(3).toList();
        store.addVerdict(ids.get(0), "confirmed", "", "a", 1);
        store.addVerdict(ids.get(1), "not_crack", "", "a", 1);
        store.addVerdict(ids.get(2), "repaired", "", "a", 1);
        int expectCrack = crops(ids.get(0));
        int expectNoCrack = crops(ids.get(1));
        assertTrue(expectCrack > 0 && expectNoCrack > 0, "schema 2 alerts carry raw crops");
        Path root = tmp.resolve("office-dataset");
        Exports.DatasetCounts counts = Exports.dataset(store, root, 0, false);
        assertEquals(expectCrack + expectNoCrack, counts.total(), "confirmed -> crack, not a crack -> no_crack, repaired left out");
        int crack = 0;
        int noCrack = 0;
        for (Map.Entry<String, Map<String, Integer>> e : counts.counts().entrySet()) {
            crack += e.getValue().get("crack");
            noCrack += e.getValue().get("no_crack");
            for (String cls : List.of("crack", "no_crack")) {
                try (var files = Files.list(root.resolve(e.getKey()).resolve(cls))) {
                    assertEquals((long) e.getValue().get(cls), files.count());
                }
            }
        }
        assertEquals(expectCrack, crack);
        assertEquals(expectNoCrack, noCrack);
        try (var tree = Files.walk(root)) {
            for (Path jpg : tree.filter(p -> p.toString().endsWith(".jpg")).toList()) {
                var img = javax.imageio.ImageIO.read(jpg.toFile());
                assertTrue(img != null && img.getWidth() > 0 && img.getWidth() == img.getHeight(), jpg + " is a square tile");
            }
        }
        assertTrue(Files.exists(root.resolve("dataset.json")));
        assertFalse(Files.exists(tmp.resolve("office-dataset.partial")));
        // the project's own reader sees the same counts (tools/data/layout.py)
        if (Files.isExecutable(Path.of("/usr/bin/python3"))) {
            Process py = new ProcessBuilder("/usr/bin/python3", "-c", "import json, sys; from pathlib import Path; "
                    + "from tools.data import layout; print(json.dumps(layout.count(Path(sys.argv[1]))))", root.toString())
                    .redirectErrorStream(true).start();
            String got = new String(py.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertEquals(0, py.waitFor(), got);
            JsonNode c = DemoAlerts.JSON.readTree(got.lines().reduce((a, b) -> b).orElse("{}"));
            for (Map.Entry<String, Map<String, Integer>> e : counts.counts().entrySet()) {
                for (String cls : List.of("crack", "no_crack")) {
                    assertEquals((int) e.getValue().get(cls), c.path(e.getKey()).path(cls).asInt(), got);
                }
            }
        }
        Set<String> splits = new HashSet<>();
        for (long id = 1; id <= 1000; id++) {
            splits.add(Exports.split(id, 0));
        }
        assertEquals(Set.of("train", "val", "test"), splits);
    }

    private int crops(long crack) throws Exception {
        int n = 0;
        for (CrackStore.SightingRow r : store.sightings(crack)) {
            n += store.document(r.alertId()).orElseThrow().path("crops").size();
        }
        return n;
    }

    /** A 112x112 grey JPEG with a dark line (a stand-in tile). */
    private static byte[] jpeg() throws Exception {
        var img = new java.awt.image.BufferedImage(112, 112, java.awt.image.BufferedImage.TYPE_INT_RGB);
        var g = img.createGraphics();
        g.setColor(java.awt.Color.GRAY);
        g.fillRect(0, 0, 112, 112);
        g.setColor(java.awt.Color.DARK_GRAY);
        g.drawLine(10, 20, 100, 90);
        g.dispose();
        var out = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(img, "jpg", out);
        return out.toByteArray();
    }
}
