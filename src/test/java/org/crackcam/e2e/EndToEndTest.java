package org.crackcam.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.crackcam.bundle.ModelBundle;
import org.crackcam.bundle.RuntimeOptions;
import org.crackcam.bundle.TestBundles;
import org.crackcam.capture.FileFrameSource;
import org.crackcam.capture.FrameSelector;
import org.crackcam.capture.VideoFrame;
import org.crackcam.inference.Detector;
import org.crackcam.pipeline.FrameResult;
import org.crackcam.settings.TilingSettings;
import org.crackcam.tiles.Tile;
import org.crackcam.tiles.TileGrid;
import org.junit.jupiter.api.Test;

/**
 * The whole pipeline on the SYNTHETIC end-to-end drive (src/test/resources/drives/e2e, not the
 * demo drive) with the shipped bundle, scored against the drive's exact truth:
 * <ul>
 *   <li>crack recall: truth cracks (by id, over the drive) with at least {@value #MIN_PX} pixels
 *       inside the tile grid in some frame that get a flagged tile overlapping them;</li>
 *   <li>instance recall: the same per (frame, crack);</li>
 *   <li>tile precision/recall against the truth's tile labels (ambiguous tiles ignored);</li>
 *   <li>mask IoU: frame crack masks against the rasterised truth (OpenCV fillPoly), within the
 *       tile grid, pooled over all frames.</li>
 * </ul>
 * Floors are set below the shipped trained model's measured figures, with a margin
 * (docs/runtime.md lists the measurements).
 */
class EndToEndTest {

    static final Path DRIVE = Path.of(System.getProperty("crackcam.e2e.drive", "src/test/resources/drives/e2e"));
    static final int MIN_PX = 30;

    // Floors, set below the trained bundle's measurement (seed 0, test accuracy 0.936):
    // crack recall 1.000 (12/12), instance recall 0.883, tile recall 0.953, tile precision 0.948,
    // mask IoU 0.075 (C1C masks are blobs at 28x28 resolution; the truth cracks are thin lines).
    static final double CRACK_RECALL_FLOOR = 0.75;
    static final double INSTANCE_RECALL_FLOOR = 0.70;
    static final double TILE_RECALL_FLOOR = 0.80;
    static final double TILE_PRECISION_FLOOR = 0.80;
    static final double MASK_IOU_FLOOR = 0.05;

    @Test
    void detectsAndOutlinesTheDrivesCracks() throws Exception {
        JsonNode truth = new ObjectMapper().readTree(DRIVE.resolve("truth.json").toFile());
        assertTrue(truth.path("synthetic").asBoolean(), "the e2e drive is synthetic and says so");
        int w = truth.get("width").asInt(), h = truth.get("height").asInt();
        Set<Integer> eligible = new HashSet<>(), recalled = new HashSet<>();
        long instances = 0, instancesHit = 0;
        long tp = 0, fp = 0, fn = 0, tn = 0;
        long inter = 0, union = 0, predPx = 0, truthPx = 0;
        long frames = 0;
        try (ModelBundle bundle = ModelBundle.open(TestBundles.EDGE_SYNTHETIC, RuntimeOptions.defaults());
             Detector detector = new Detector(bundle, TilingSettings.DEFAULTS);
             FileFrameSource source = FileFrameSource.open(DRIVE.resolve(truth.get("video").asText()), FrameSelector.all())) {
            TileGrid grid = detector.gridFor(w, h);
            checkGridMatchesTruth(grid, truth);
            byte[] inGrid = new byte[w * h];
            for (Tile t : grid.tiles()) {
                for (int y = t.y(); y < t.y() + t.size(); y++) {
                    for (int x = t.x(); x < t.x() + t.size(); x++) {
                        inGrid[y * w + x] = 1;
                    }
                }
            }
            VideoFrame frame = new VideoFrame();
            while (source.next(frame)) {
                FrameResult r = detector.process(frame, "e2e", 0, Optional.empty());
                JsonNode ft = truth.get("frames").get((int) r.frameIndex());
                assertEquals(r.frameIndex(), ft.get("index").asLong());
                frames++;
                byte[] truthMask = new byte[w * h];
                for (JsonNode crack : ft.get("cracks")) {
                    byte[] m = org.crackcam.evaluate.DriveScore.rasterize(crack, w, h);
                    int px = 0;
                    for (int i = 0; i < m.length; i++) {
                        if (m[i] != 0 && inGrid[i] != 0) {
                            px++;
                            truthMask[i] = 1;
                        }
                    }
                    if (px < MIN_PX) {
                        continue;
                    }
                    int id = crack.get("id").asInt();
                    eligible.add(id);
                    instances++;
                    if (org.crackcam.evaluate.DriveScore.flaggedTileOverlaps(r.tiles(), m, w)) {
                        instancesHit++;
                        recalled.add(id);
                    }
                }
                var c = org.crackcam.evaluate.DriveScore.TileConfusion.of(ft.get("tiles"), r.tiles(),
                        truth.get("grid").get("cols").asInt());
                tp += c.tp();
                fp += c.fp();
                fn += c.fn();
                tn += c.tn();
                byte[] pred = r.crackMask();
                for (int i = 0; i < w * h; i++) {
                    boolean p = pred != null && pred[i] != 0 && inGrid[i] != 0;
                    boolean t = truthMask[i] != 0;
                    inter += p && t ? 1 : 0;
                    union += p || t ? 1 : 0;
                    predPx += p ? 1 : 0;
                    truthPx += t ? 1 : 0;
                }
            }
        }
        double crackRecall = eligible.isEmpty() ? 0 : recalled.size() / (double) eligible.size();
        double instanceRecall = instances == 0 ? 0 : instancesHit / (double) instances;
        double tileRecall = tp + fn == 0 ? 0 : tp / (double) (tp + fn);
        double tilePrecision = tp + fp == 0 ? 0 : tp / (double) (tp + fp);
        double iou = union == 0 ? 0 : inter / (double) union;
        System.out.printf(Locale.ROOT, "e2e (SYNTHETIC drive %s, %d frames): crack recall %.3f (%d/%d), instance recall %.3f "
                        + "(%d/%d), tiles: recall %.3f precision %.3f (tp %d fp %d fn %d tn %d), mask IoU %.3f "
                        + "(pred %d px, truth %d px in the grid)%n", DRIVE, frames, crackRecall, recalled.size(),
                eligible.size(), instanceRecall, instancesHit, instances, tileRecall, tilePrecision, tp, fp, fn, tn, iou,
                predPx, truthPx);
        assertTrue(frames > 0 && !eligible.isEmpty(), "the drive has frames and cracks in the grid");
        assertTrue(crackRecall >= CRACK_RECALL_FLOOR, "crack recall " + crackRecall);
        assertTrue(instanceRecall >= INSTANCE_RECALL_FLOOR, "instance recall " + instanceRecall);
        assertTrue(tileRecall >= TILE_RECALL_FLOOR, "tile recall " + tileRecall);
        assertTrue(tilePrecision >= TILE_PRECISION_FLOOR, "tile precision " + tilePrecision);
        assertTrue(iou >= MASK_IOU_FLOOR, "mask IoU " + iou);
    }

    /** The runtime's default grid is the grid the drive's tile labels were made for. */
    static void checkGridMatchesTruth(TileGrid grid, JsonNode truth) {
        JsonNode g = truth.get("grid");
        JsonNode px = truth.get("roi").get("px");
        int cols = g.get("cols").asInt(), size = g.get("tile").asInt();
        assertEquals(g.get("rows").asInt() * cols, grid.size());
        int gridW = cols * size;
        int left = px.get("x0").asInt() + (px.get("x1").asInt() - px.get("x0").asInt() - gridW) / 2;
        for (Tile t : grid.tiles()) {
            assertEquals(size, t.size());
            assertEquals(left + t.col() * size, t.x(), "tile " + t);
            assertEquals(px.get("y0").asInt() + t.row() * size, t.y(), "tile " + t);
        }
    }
}
