package org.crackcam.alerts;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.crackcam.pipeline.FrameResult;
import org.crackcam.pipeline.Position;
import org.crackcam.pipeline.TileResult;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Event merging measured on the exact ground truth of a SYNTHETIC drive made by
 * {@code tools.data.drive} (crack polygons per frame, stable crack ids, tile labels): frames are
 * built from the truth masks (tiles labelled "crack" are flagged), fed to the tracker, and each
 * event is matched to the truth crack ids its best box overlaps. Prints events vs cracks, merged
 * and split cracks, and class agreement. Runs only with {@code -Dcrackcam.truthDrive=DIR}
 * (a folder with truth.json), e.g. after
 * {@code /usr/bin/python3 -m tools.data.drive --out /tmp/drive --seconds 10}.
 */
class TruthDriveMergeTest {

    @Test
    void eventsFollowTheTruthCracks() throws Exception {
        String dir = System.getProperty("crackcam.truthDrive");
        Assumptions.assumeTrue(dir != null, "set -Dcrackcam.truthDrive=DIR to run");
        JsonNode t = new ObjectMapper().readTree(Files.readAllBytes(Path.of(dir, "truth.json")));
        int w = t.get("width").asInt(), h = t.get("height").asInt();
        int x0 = t.at("/roi/px/x0").asInt(), y0 = t.at("/roi/px/y0").asInt();
        int tile = t.at("/grid/tile").asInt(), cols = t.at("/grid/cols").asInt();
        Map<Integer, String> types = new HashMap<>();
        for (JsonNode c : t.get("cracks")) {
            types.put(c.get("id").asInt(), c.get("type").asText());
        }
        List<CrackEvent> events = new ArrayList<>();
        CrackTracker tracker = new CrackTracker(TrackerConfig.DEFAULTS, events::add);
        Map<Long, Map<Integer, int[]>> boxes = new HashMap<>(); // frame -> crack id -> bbox
        double fps = t.get("fps").asDouble();
        for (JsonNode f : t.get("frames")) {
            long idx = f.get("index").asLong();
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            Graphics2D g = img.createGraphics();
            Map<Integer, int[]> fb = new HashMap<>();
            for (JsonNode c : f.get("cracks")) {
                g.setColor(Color.WHITE);
                for (JsonNode poly : c.get("polygons")) {
                    Polygon p = polygon(poly);
                    g.fillPolygon(p);
                    g.drawPolygon(p);
                }
                for (JsonNode hole : c.get("holes")) {
                    Polygon p = polygon(hole);
                    g.setColor(Color.BLACK);
                    g.fillPolygon(p);
                    g.setColor(Color.WHITE);
                    g.drawPolygon(p);
                }
                JsonNode b = c.get("bbox");
                fb.put(c.get("id").asInt(), new int[] {b.get(0).asInt(), b.get(1).asInt(), b.get(2).asInt(), b.get(3).asInt()});
            }
            g.dispose();
            boxes.put(idx, fb);
            byte[] gray = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
            byte[] mask = new byte[w * h];
            boolean any = false;
            List<TileResult> tiles = new ArrayList<>();
            for (JsonNode tl : f.get("tiles")) {
                int r = tl.get("row").asInt(), cc = tl.get("col").asInt();
                boolean crack = tl.get("label").asText().equals("crack");
                int tx = x0 + cc * tile, ty = y0 + r * tile;
                tiles.add(new TileResult(r * cols + cc, tx, ty, tile, crack ? 0.9f : 0.1f, crack));
                if (crack) {
                    any = true;
                    for (int y = ty; y < ty + tile; y++) {
                        for (int x = tx; x < tx + tile; x++) {
                            mask[y * w + x] = gray[y * w + x] != 0 ? (byte) 1 : 0;
                        }
                    }
                }
            }
            double z = f.at("/camera/z").asDouble();
            Optional<Position> pos = Optional.of(new Position(48.0 + z / 111_320.0, 11.0, 9.0, 0.0, 0));
            tracker.onFrame(new FrameResult("truth-drive", idx, (long) (idx * 1e6 / fps), (long) (idx * 1e6 / fps),
                    w, h, tiles, any ? mask : null, new byte[w * h * 3], pos));
        }
        tracker.onEnd();
        Map<Integer, Integer> eventsPerCrack = new HashMap<>();
        int merged = 0, agree = 0, typed = 0;
        Set<Integer> detected = new TreeSet<>();
        for (CrackEvent e : events) {
            Set<Integer> ids = new TreeSet<>();
            for (Map.Entry<Integer, int[]> c : boxes.get(e.bestFrame()).entrySet()) {
                int[] b = c.getValue();
                if (e.bbox().intersection(new Box(b[0], b[1], b[2], b[3])) > 0) {
                    ids.add(c.getKey());
                }
            }
            if (Boolean.getBoolean("crackcam.truthDebug")) {
                System.out.printf("event frames %d..%d best %d box %s ids %s%n", e.firstFrame(), e.lastFrame(),
                        e.bestFrame(), e.bbox(), ids);
            }
            for (int id : ids) {
                eventsPerCrack.merge(id, 1, Integer::sum);
            }
            detected.addAll(ids);
            if (ids.size() > 1) {
                merged++;
            }
            if (ids.size() == 1) {
                typed++;
                String cls = MaskStats.of(e.mask(), e.bbox().width(), e.bbox().height()).crackClass().jsonName();
                if (cls.equals(types.get(ids.iterator().next()))) {
                    agree++;
                }
            }
        }
        long split = eventsPerCrack.values().stream().filter(n -> n > 1).count();
        System.out.printf("truth drive (SYNTHETIC): %d cracks, %d events; %d cracks found in an event's best box; "
                        + "%d events cover more than one crack; %d cracks split over several events; "
                        + "class agrees with the generator's type for %d of %d single-crack events%n",
                types.size(), events.size(), detected.size(), merged, split, agree, typed);
        assertTrue(merged == 0, merged + " events mix several cracks");
        assertTrue(events.size() <= types.size() * 3 / 2, "merging failed: " + events.size() + " events");
    }

    private static Polygon polygon(JsonNode pts) {
        Polygon p = new Polygon();
        for (JsonNode pt : pts) {
            JsonNode xy = pt.size() == 1 && pt.get(0).isArray() ? pt.get(0) : pt;
            p.addPoint(xy.get(0).asInt(), xy.get(1).asInt());
        }
        return p;
    }
}
