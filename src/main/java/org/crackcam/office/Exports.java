package org.crackcam.office;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * GeoJSON and CSV of crack records (for QGIS and spreadsheets), and a labelled tile dataset in
 * the project's layout ({@code tools/data/layout.py}) from inspectors' verdicts.
 */
public final class Exports {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final String[] CSV_COLUMNS = {"id", "status", "type", "lat", "lon", "orientation_deg", "first_seen",
        "last_seen", "sightings", "devices", "max_probability", "length_px", "area_px", "source"};

    private Exports() {
    }

    /** RFC 7946 FeatureCollection; a crack without a position has a null geometry. */
    public static ObjectNode geoJson(List<CrackStore.Crack> cracks) {
        ObjectNode fc = JSON.createObjectNode();
        fc.put("type", "FeatureCollection");
        ArrayNode features = fc.putArray("features");
        for (CrackStore.Crack c : cracks) {
            ObjectNode f = features.addObject();
            f.put("type", "Feature");
            f.put("id", c.id());
            if (c.lat() != null && c.lon() != null) {
                ObjectNode g = f.putObject("geometry");
                g.put("type", "Point");
                g.putArray("coordinates").add(round(c.lon(), 7)).add(round(c.lat(), 7));
            } else {
                f.putNull("geometry");
            }
            ObjectNode p = f.putObject("properties");
            Map<String, Object> row = row(c);
            row.forEach((k, v) -> {
                if (k.equals("lat") || k.equals("lon")) {
                    return;
                }
                p.putPOJO(k, v);
            });
        }
        return fc;
    }

    /** CSV with a header line; cells that a spreadsheet would run as a formula are prefixed with '. */
    public static void csv(List<CrackStore.Crack> cracks, Writer w) throws IOException {
        w.write(String.join(",", CSV_COLUMNS));
        w.write("\r\n");
        for (CrackStore.Crack c : cracks) {
            Map<String, Object> row = row(c);
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < CSV_COLUMNS.length; i++) {
                if (i > 0) {
                    line.append(',');
                }
                Object v = row.get(CSV_COLUMNS[i]);
                line.append(v == null ? "" : cell(v.toString()));
            }
            w.write(line.append("\r\n").toString());
        }
    }

    static String cell(String s) {
        String v = s;
        if (!v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0 && !v.matches("-?[0-9.]+(E-?[0-9]+)?")) {
            v = "'" + v;
        }
        if (v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r")) {
            v = "\"" + v.replace("\"", "\"\"") + "\"";
        }
        return v;
    }

    private static Map<String, Object> row(CrackStore.Crack c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id());
        m.put("status", c.status());
        m.put("type", c.crackClass());
        m.put("lat", c.lat() == null ? null : round(c.lat(), 7));
        m.put("lon", c.lon() == null ? null : round(c.lon(), 7));
        m.put("orientation_deg", c.orientationDeg() == null ? null : round(c.orientationDeg(), 1));
        m.put("first_seen", Instant.ofEpochMilli(c.firstSeenMs()).toString());
        m.put("last_seen", Instant.ofEpochMilli(c.lastSeenMs()).toString());
        m.put("sightings", c.sightings());
        m.put("devices", c.devices());
        m.put("max_probability", round(c.maxProbability(), 4));
        m.put("length_px", round(c.lengthPx(), 1));
        m.put("area_px", c.areaPx());
        m.put("source", c.sourceName());
        return m;
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    /** What {@link #dataset} wrote. */
    public record DatasetCounts(Map<String, Map<String, Integer>> counts, int cracksWithoutCrops) {
        public int total() {
            return counts.values().stream().flatMap(m -> m.values().stream()).mapToInt(Integer::intValue).sum();
        }
    }

    /**
     * Writes the raw tile crops ({@code crops}, alert schema 2) of every crack with a verdict into
     * {@code root}/{train,val,test}/{crack,no_crack}/: the latest verdict "confirmed" makes its
     * crops crack samples, "not_crack" no_crack samples (hard negatives); "repaired" and cracks
     * without a verdict are left out. A crack's crops all go to one split (80/10/10 by a hash of
     * the crack id and {@code seed}), so no crack is in two splits. Written into
     * {@code root.partial} and renamed at the end, like tools/data/layout.py's DatasetWriter.
     */
    public static DatasetCounts dataset(CrackStore store, Path root, long seed, boolean overwrite)
            throws IOException, SQLException {
        if (Files.exists(root) && !overwrite) {
            throw new java.nio.file.FileAlreadyExistsException(root + " exists; pass --overwrite to replace it");
        }
        Path tmp = root.resolveSibling(root.getFileName() + ".partial");
        deleteTree(tmp);
        Map<String, Map<String, Integer>> counts = new TreeMap<>();
        for (String s : List.of("train", "val", "test")) {
            Map<String, Integer> m = new TreeMap<>();
            for (String c : List.of("no_crack", "crack")) {
                Files.createDirectories(tmp.resolve(s).resolve(c));
                m.put(c, 0);
            }
            counts.put(s, m);
        }
        int withoutCrops = 0;
        List<CrackStore.Crack> cracks = store.cracks(CrackFilter.all());
        for (CrackStore.Crack c : cracks) {
            List<CrackStore.Verdict> vs = store.verdicts(c.id());
            if (vs.isEmpty()) {
                continue;
            }
            String v = vs.get(vs.size() - 1).verdict();
            String cls = v.equals("confirmed") ? "crack" : v.equals("not_crack") ? "no_crack" : null;
            if (cls == null) {
                continue;
            }
            String split = split(c.id(), seed);
            int written = 0;
            for (CrackStore.SightingRow s : store.sightings(c.id())) {
                JsonNode doc = store.document(s.alertId()).orElseThrow();
                JsonNode crops = doc.path("crops");
                for (int i = 0; i < crops.size(); i++) {
                    JsonNode img = crops.get(i).path("image");
                    if (!"image/jpeg".equals(img.path("media_type").asText())) {
                        continue;
                    }
                    byte[] jpg = Base64.getDecoder().decode(img.path("data").asText());
                    String id = String.format(Locale.ROOT, "office-c%d-%s-%d", c.id(), s.alertId().substring(0, 8), i);
                    Files.write(tmp.resolve(split).resolve(cls).resolve(id + ".jpg"), jpg);
                    counts.get(split).merge(cls, 1, Integer::sum);
                    written++;
                }
            }
            if (written == 0) {
                withoutCrops++;
            }
        }
        ObjectNode d = JSON.createObjectNode();
        d.put("source", "crackcam-office");
        d.put("note", "tiles from road-office verdicts: confirmed -> crack, not a crack -> no_crack (hard negatives); "
                + "raw tile crops of alert schema 2; one split per crack");
        d.put("seed", seed);
        d.put("created", Instant.now().toString());
        d.put("layout_version", 1);
        d.set("counts", JSON.valueToTree(counts));
        Files.writeString(tmp.resolve("dataset.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(d),
                StandardCharsets.UTF_8);
        if (Files.exists(root)) {
            deleteTree(root);
        }
        Files.move(tmp, root, StandardCopyOption.ATOMIC_MOVE);
        return new DatasetCounts(counts, withoutCrops);
    }

    /** "train", "val" or "test" for a crack: 80/10/10 by SHA-256 of seed and id. */
    static String split(long crackId, long seed) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256")
                    .digest((seed + ":" + crackId).getBytes(StandardCharsets.US_ASCII));
            int b = Math.floorMod(h[0] & 0xff | (h[1] & 0xff) << 8, 100);
            return b < 80 ? "train" : b < 90 ? "val" : "test";
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        Files.walkFileTree(p, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
