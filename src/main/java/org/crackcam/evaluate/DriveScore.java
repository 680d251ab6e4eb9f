package org.crackcam.evaluate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.crackcam.alerts.Box;
import org.crackcam.alerts.CrackEvent;
import org.crackcam.alerts.CrackTracker;
import org.crackcam.alerts.TrackerConfig;
import org.crackcam.bundle.ModelBundle;
import org.crackcam.capture.FileFrameSource;
import org.crackcam.capture.FrameSelector;
import org.crackcam.capture.VideoFrame;
import org.crackcam.inference.Detector;
import org.crackcam.pipeline.FrameResult;
import org.crackcam.pipeline.TileResult;
import org.crackcam.settings.TilingSettings;
import org.crackcam.tiles.Tile;
import org.crackcam.tiles.TileGrid;

/**
 * Replays a drive that has per-frame truth ({@code truth.json} from {@code tools.data.drive})
 * through the runtime (Detector with the default tiling, then the alert tracker) and scores it:
 * <ul>
 *   <li>tiles: recall and precision of flagged tiles against the truth's tile labels
 *       (ambiguous tiles ignored);</li>
 *   <li>cracks: instance recall — (frame, crack) pairs with at least {@code minPixels} truth
 *       pixels inside the grid that a flagged tile overlaps — and crack recall (per crack id);</li>
 *   <li>frame masks: the crack-shaped masks ({@code FrameResult.crackShape}, from which an
 *       alert's mask is cut) and the C1C regions ({@code crackMask}, an alert's region):
 *       tolerant precision/recall/F1 and strict IoU against the rasterised truth inside the grid,
 *       counts pooled over all frames;</li>
 *   <li>alert masks and regions: each closed event's mask and region against the truth inside
 *       its box in its best frame, pooled over events.</li>
 * </ul>
 * The tolerance is given in pixels at the model input and scaled to frame pixels by
 * tile size / model input size. One thread; owns nothing after it returns.
 */
public final class DriveScore {
    /**
     * @param frameMasks crack-shaped frame masks inside the grid, counts pooled over frames (the
     *                   region where a frame has no crack-shaped mask)
     * @param frameRegions C1C region frame masks inside the grid, pooled over frames
     * @param alertMasks event (crack-shaped) masks in their boxes at the best frame, pooled over events
     * @param alertRegions event C1C regions, likewise
     * @param tolerance tolerance in frame pixels
     */
    public record Result(String drive, boolean synthetic, int frames, long tileTp, long tileFp, long tileFn,
                         long tileTn, int cracks, int cracksRecalled, long instances, long instancesHit,
                         Pooled frameMasks, Pooled frameRegions, int events, Pooled alertMasks, Pooled alertRegions,
                         double tolerance, double toleranceModelPixels) {
        public double tileRecall() {
            return ratio(tileTp, tileTp + tileFn);
        }

        public double tilePrecision() {
            return ratio(tileTp, tileTp + tileFp);
        }

        public double crackRecall() {
            return ratio(cracksRecalled, cracks);
        }

        public double instanceRecall() {
            return ratio(instancesHit, instances);
        }
    }

    /** Pixel counts summed over several masks, and the scores they give. */
    public record Pooled(long predicted, long truth, long predictedMatched, long truthMatched, long intersection,
                         long union) {
        static final Pooled EMPTY = new Pooled(0, 0, 0, 0, 0, 0);

        Pooled plus(MaskMetrics.Counts c) {
            return new Pooled(predicted + c.predicted(), truth + c.truth(), predictedMatched + c.predictedMatched(),
                    truthMatched + c.truthMatched(), intersection + c.intersection(), union + c.union());
        }

        public double precision() {
            return ratio(predictedMatched, predicted);
        }

        public double recall() {
            return ratio(truthMatched, truth);
        }

        public double f1() {
            double p = precision();
            double r = recall();
            return p + r == 0 || Double.isNaN(p + r) ? 0 : 2 * p * r / (p + r);
        }

        public double iou() {
            return ratio(intersection, union);
        }
    }

    private DriveScore() {
    }

    static double ratio(long a, long b) {
        return b == 0 ? Double.NaN : (double) a / b;
    }

    /**
     * Scores one drive.
     *
     * @param driveDir folder with truth.json and the video it names
     * @param toleranceModelPixels k at the model input
     * @param minPixels truth pixels inside the grid for a (frame, crack) to count
     * @throws IllegalArgumentException (one line) for a missing or inconsistent truth.json
     */
    public static Result score(ModelBundle bundle, Path driveDir, double toleranceModelPixels, int minPixels)
            throws IOException {
        Path truthFile = driveDir.resolve("truth.json");
        if (!Files.isRegularFile(truthFile)) {
            throw new IllegalArgumentException(driveDir + ": no truth.json (make one with tools.data.drive)");
        }
        JsonNode truth = new ObjectMapper().readTree(truthFile.toFile());
        for (String key : new String[] {"width", "height", "video", "grid", "roi", "frames"}) {
            if (!truth.has(key)) {
                throw new IllegalArgumentException(truthFile + ": missing '" + key + "'");
            }
        }
        int w = truth.get("width").asInt();
        int h = truth.get("height").asInt();
        int cols = truth.get("grid").get("cols").asInt();
        List<CrackEvent> events = new ArrayList<>();
        Set<Integer> eligible = new HashSet<>();
        Set<Integer> recalled = new HashSet<>();
        long instances = 0;
        long instancesHit = 0;
        long tp = 0;
        long fp = 0;
        long fn = 0;
        long tn = 0;
        int frames = 0;
        Pooled frameMasks = Pooled.EMPTY;
        Pooled frameRegions = Pooled.EMPTY;
        double tolerance;
        try (Detector detector = new Detector(bundle, TilingSettings.DEFAULTS);
             FileFrameSource source = FileFrameSource.open(driveDir.resolve(truth.get("video").asText()),
                     FrameSelector.all())) {
            TileGrid grid = detector.gridFor(w, h);
            checkGrid(grid, truth);
            int tileSize = grid.tiles().get(0).size();
            tolerance = toleranceModelPixels * tileSize / bundle.manifest().input().width();
            int gx0 = Integer.MAX_VALUE;
            int gy0 = Integer.MAX_VALUE;
            int gx1 = 0;
            int gy1 = 0;
            for (Tile t : grid.tiles()) {
                gx0 = Math.min(gx0, t.x());
                gy0 = Math.min(gy0, t.y());
                gx1 = Math.max(gx1, t.x() + t.size());
                gy1 = Math.max(gy1, t.y() + t.size());
            }
            int gw = gx1 - gx0;
            int gh = gy1 - gy0;
            boolean[] inGrid = new boolean[gw * gh];
            for (Tile t : grid.tiles()) {
                for (int y = t.y(); y < t.y() + t.size(); y++) {
                    for (int x = t.x(); x < t.x() + t.size(); x++) {
                        inGrid[(y - gy0) * gw + (x - gx0)] = true;
                    }
                }
            }
            CrackTracker tracker = new CrackTracker(TrackerConfig.DEFAULTS, events::add);
            VideoFrame frame = new VideoFrame();
            JsonNode truthFrames = truth.get("frames");
            while (source.next(frame)) {
                FrameResult r = detector.process(frame, driveDir.getFileName().toString(), 0, Optional.empty());
                if (r.frameIndex() >= truthFrames.size()) {
                    throw new IllegalArgumentException(truthFile + ": has " + truthFrames.size()
                            + " frames, the video more");
                }
                JsonNode ft = truthFrames.get((int) r.frameIndex());
                frames++;
                boolean[] truthMask = new boolean[gw * gh];
                for (JsonNode crack : ft.get("cracks")) {
                    byte[] m = rasterize(crack, w, h);
                    int px = 0;
                    for (int y = gy0; y < gy1; y++) {
                        for (int x = gx0; x < gx1; x++) {
                            int g = (y - gy0) * gw + (x - gx0);
                            if (m[y * w + x] != 0 && inGrid[g]) {
                                px++;
                                truthMask[g] = true;
                            }
                        }
                    }
                    if (px < minPixels) {
                        continue;
                    }
                    int id = crack.get("id").asInt();
                    eligible.add(id);
                    instances++;
                    if (flaggedTileOverlaps(r.tiles(), m, w)) {
                        instancesHit++;
                        recalled.add(id);
                    }
                }
                TileConfusion c = TileConfusion.of(ft.get("tiles"), r.tiles(), cols);
                tp += c.tp();
                fp += c.fp();
                fn += c.fn();
                tn += c.tn();
                frameMasks = frameMasks.plus(MaskMetrics.of(inGrid(r.crackShapeOrRegion(), inGrid, w, gx0, gy0, gw, gh),
                        truthMask, gh, gw, tolerance));
                frameRegions = frameRegions.plus(MaskMetrics.of(inGrid(r.crackMask(), inGrid, w, gx0, gy0, gw, gh),
                        truthMask, gh, gw, tolerance));
                tracker.onFrame(r);
            }
            tracker.onEnd();
        }
        Pooled alertMasks = Pooled.EMPTY;
        Pooled alertRegions = Pooled.EMPTY;
        for (CrackEvent e : events) {
            if (e.bestFrame() >= truth.get("frames").size()) {
                continue;
            }
            Box b = e.bbox();
            boolean[] pred = new boolean[b.width() * b.height()];
            boolean[] region = new boolean[pred.length];
            boolean[] tm = new boolean[pred.length];
            for (int i = 0; i < pred.length; i++) {
                pred[i] = e.mask()[i] != 0;
                region[i] = e.region() != null ? e.region()[i] != 0 : pred[i];
            }
            for (JsonNode crack : truth.get("frames").get((int) e.bestFrame()).get("cracks")) {
                byte[] m = rasterize(crack, w, h);
                for (int y = 0; y < b.height(); y++) {
                    for (int x = 0; x < b.width(); x++) {
                        int fy = b.y() + y;
                        int fx = b.x() + x;
                        if (fy >= 0 && fy < h && fx >= 0 && fx < w && m[fy * w + fx] != 0) {
                            tm[y * b.width() + x] = true;
                        }
                    }
                }
            }
            alertMasks = alertMasks.plus(MaskMetrics.of(pred, tm, b.height(), b.width(), tolerance));
            alertRegions = alertRegions.plus(MaskMetrics.of(region, tm, b.height(), b.width(), tolerance));
        }
        return new Result(driveDir.toString(), truth.path("synthetic").asBoolean(false), frames, tp, fp, fn, tn,
                eligible.size(), recalled.size(), instances, instancesHit, frameMasks, frameRegions, events.size(),
                alertMasks, alertRegions, tolerance, toleranceModelPixels);
    }

    /** The grid's crop of a frame-sized 0/1 mask (null = nothing), pixels outside the tiles cleared. */
    private static boolean[] inGrid(byte[] frameMask, boolean[] inGrid, int w, int gx0, int gy0, int gw, int gh) {
        boolean[] out = new boolean[gw * gh];
        if (frameMask == null) {
            return out;
        }
        for (int y = 0; y < gh; y++) {
            for (int x = 0; x < gw; x++) {
                int g = y * gw + x;
                out[g] = inGrid[g] && frameMask[(y + gy0) * w + (x + gx0)] != 0;
            }
        }
        return out;
    }

    public static boolean flaggedTileOverlaps(List<TileResult> tiles, byte[] mask, int w) {
        for (TileResult t : tiles) {
            if (!t.flagged()) {
                continue;
            }
            for (int y = t.y(); y < t.y() + t.size(); y++) {
                for (int x = t.x(); x < t.x() + t.size(); x++) {
                    if (mask[y * w + x] != 0) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** The runtime's default grid must be the grid the drive's tile labels were made for. */
    static void checkGrid(TileGrid grid, JsonNode truth) {
        JsonNode g = truth.get("grid");
        JsonNode px = truth.get("roi").get("px");
        int cols = g.get("cols").asInt();
        int size = g.get("tile").asInt();
        int left = px.get("x0").asInt() + (px.get("x1").asInt() - px.get("x0").asInt() - cols * size) / 2;
        boolean same = g.get("rows").asInt() * cols == grid.size();
        for (Tile t : grid.tiles()) {
            same &= t.size() == size && t.x() == left + t.col() * size && t.y() == px.get("y0").asInt() + t.row() * size;
        }
        if (!same) {
            throw new IllegalArgumentException("the drive's tile grid (" + g.get("rows").asInt() + "x" + cols + " tiles of "
                    + size + " px) is not the runtime's default grid for a " + truth.get("width").asInt() + "x"
                    + truth.get("height").asInt() + " frame");
        }
    }

    /**
     * 0/1 mask (row-major, w × h) of one truth crack per the drive's polygon rule:
     * fill(polygons) − fill(holes) + outline(holes), OpenCV.
     */
    public static byte[] rasterize(JsonNode crack, int w, int h) {
        byte[] out = new byte[w * h];
        try (Mat m = new Mat(h, w, opencv_core.CV_8UC1, new Scalar(0.0));
             MatVector outer = polygons(crack.path("polygons")); MatVector holes = polygons(crack.path("holes"));
             Scalar one = new Scalar(1.0); Scalar zero = new Scalar(0.0)) {
            if (outer.size() > 0) {
                opencv_imgproc.fillPoly(m, outer, one);
            }
            if (holes.size() > 0) {
                opencv_imgproc.fillPoly(m, holes, zero);
                opencv_imgproc.polylines(m, holes, true, one);
            }
            m.data().get(out);
        }
        return out;
    }

    private static MatVector polygons(JsonNode list) {
        MatVector v = new MatVector(list.size());
        for (int i = 0; i < list.size(); i++) {
            JsonNode poly = list.get(i);
            int[] xy = new int[poly.size() * 2];
            for (int k = 0; k < poly.size(); k++) {
                xy[2 * k] = poly.get(k).get(0).asInt();
                xy[2 * k + 1] = poly.get(k).get(1).asInt();
            }
            Mat pts = new Mat(poly.size(), 1, opencv_core.CV_32SC2);
            new IntPointer(pts.data()).put(xy);
            v.put(i, pts);
        }
        return v;
    }

    /**
     * Flagged tiles against a truth frame's tile labels ({@code crack}, {@code no_crack};
     * {@code ambiguous} tiles are not counted).
     */
    public record TileConfusion(long tp, long fp, long fn, long tn) {
        /** @param truthTiles the frame's {@code tiles} array of truth.json; {@code cols} the grid's columns */
        public static TileConfusion of(JsonNode truthTiles, java.util.List<TileResult> tiles, int cols) {
            long tp = 0, fp = 0, fn = 0, tn = 0;
            for (JsonNode tl : truthTiles) {
                String label = tl.get("label").asText();
                if (label.equals("ambiguous")) {
                    continue;
                }
                boolean flagged = tiles.get(tl.get("row").asInt() * cols + tl.get("col").asInt()).flagged();
                boolean crack = label.equals("crack");
                if (flagged && crack) {
                    tp++;
                } else if (flagged) {
                    fp++;
                } else if (crack) {
                    fn++;
                } else {
                    tn++;
                }
            }
            return new TileConfusion(tp, fp, fn, tn);
        }
    }
}
