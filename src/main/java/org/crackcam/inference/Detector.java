package org.crackcam.inference;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

import org.bytedeco.opencv.opencv_core.Mat;
import org.crackcam.bundle.Manifest;
import org.crackcam.bundle.ModelBundle;
import org.crackcam.capture.VideoFrame;
import org.crackcam.explain.C1c;
import org.crackcam.explain.MaskMapper;
import org.crackcam.pipeline.FrameResult;
import org.crackcam.pipeline.Position;
import org.crackcam.pipeline.TileResult;
import org.crackcam.tiles.Roi;
import org.crackcam.tiles.Tile;
import org.crackcam.tiles.TileGrid;
import org.crackcam.tiles.TilePacker;

/**
 * Frame → tiles → ABN → (flagged tiles only) LRP-BN → C1C → frame crack mask.
 *
 * <p>Runs on one thread (the pipeline's). Tiles are packed either here, on that thread
 * ({@link #process(VideoFrame, String, long, Optional)}), or ahead on a {@link PackingPrefetcher}'s
 * thread ({@link #process(PackedFrame, String, long, Optional)}). Buffers (the own packed batch,
 * the frame mask, the explanation maps) are allocated for the first frame and reused; the
 * {@link FrameResult}'s arrays are valid until the next call. Closing releases native memory (the bundle's sessions
 * belong to the bundle).
 */
public final class Detector implements AutoCloseable {

    /** Tiling parameters. */
    public record TilingConfig(Roi roi, int rows, double overlap) {
        public static TilingConfig defaults() {
            return new TilingConfig(Roi.DEFAULT, 2, 0.0);
        }
    }

    private final ModelBundle bundle;
    private final TilingConfig tiling;
    private final int mapH;
    private final int mapW;
    private final float threshold;
    private final AbnStage abn;
    private final RelevanceStage relevance;
    private final C1c c1c;
    private final StageTimes times = new StageTimes();
    private TileGrid grid;
    /** Own packer for {@link #process(VideoFrame, String, long, Optional)} and {@link #explainImage}; created on first use. */
    private TilePacker packer;
    private FloatBuffer lastBatch;
    private float[] probs = new float[0];
    private int[] flaggedSlots = new int[0];
    private float[][] explanations = new float[0][];
    private final float[] kept;
    private byte[] mask = new byte[0];
    private final List<float[]> explanationView = new ArrayList<>();
    private boolean closed;

    public Detector(ModelBundle bundle, TilingConfig tiling) {
        this.bundle = bundle;
        this.tiling = tiling;
        Manifest m = bundle.manifest();
        this.mapH = m.input().height();
        this.mapW = m.input().width();
        this.threshold = (float) m.decision().crackThreshold();
        this.abn = new AbnStage(bundle);
        this.relevance = new RelevanceStage(bundle);
        Manifest.C1c c = m.c1cOrDefault();
        this.c1c = new C1c(c.size(), c.fixedThreshold());
        this.kept = new float[mapH * mapW];
    }

    public ModelBundle bundle() {
        return bundle;
    }

    /** The grid of the last frame size (null before the first frame). */
    public TileGrid grid() {
        return grid;
    }

    public float threshold() {
        return threshold;
    }

    /** Stage times of the last {@link #process} call. */
    public StageTimes times() {
        return times;
    }

    /** Model input height (= explanation map height). */
    public int mapHeight() {
        return mapH;
    }

    public int mapWidth() {
        return mapW;
    }

    /**
     * Explanation maps of the last frame, one per tile of the grid (grid order): the H×W
     * {@code explanation} of a flagged tile, null for others. Valid until the next call.
     */
    public List<float[]> explanations() {
        return Collections.unmodifiableList(explanationView);
    }

    /**
     * The batch of the last frame (packed tiles), for benchmarks; with a {@link PackedFrame}, its
     * slot's buffer (valid while the slot is held).
     */
    public FloatBuffer lastBatch() {
        return lastBatch;
    }

    /** The tiling parameters (a {@link PackingPrefetcher} cuts the same grid). */
    public TilingConfig tiling() {
        return tiling;
    }

    /** Computes (or reuses) the grid for a frame size; CONFIGURATION error when the ROI does not fit. */
    public TileGrid gridFor(int width, int height) {
        if (grid == null || grid.frameWidth() != width || grid.frameHeight() != height) {
            adopt(TileGrid.compute(tiling.roi(), width, height, tiling.rows(), tiling.overlap()));
        }
        return grid;
    }

    /** Makes {@code g} the current grid and sizes the per-tile and per-frame arrays for it. */
    private void adopt(TileGrid g) {
        if (g == grid) {
            return;
        }
        if (probs.length < g.size()) {
            probs = new float[g.size()];
            flaggedSlots = new int[g.size()];
            explanations = new float[g.size()][mapH * mapW];
        }
        if (grid == null || grid.frameWidth() != g.frameWidth() || grid.frameHeight() != g.frameHeight()) {
            mask = new byte[g.frameWidth() * g.frameHeight()];
        }
        grid = g;
    }

    /** This detector's own packer, holding at least {@code n} tiles (inline packing, single images). */
    private TilePacker ownPacker(int n) {
        if (packer == null || packer.capacity() < n) {
            if (packer != null) {
                packer.close();
            }
            packer = new TilePacker(mapH, mapW, n);
        }
        return packer;
    }

    /** Processes one frame, cutting and packing its tiles on the calling thread. */
    public FrameResult process(VideoFrame frame, String sourceId, long wallTimeMicros, Optional<Position> position) {
        check();
        times.reset();
        long t0 = System.nanoTime();
        TileGrid g = gridFor(frame.width, frame.height);
        FloatBuffer batch = ownPacker(g.size()).pack(frame, g);
        long tilingNanos = System.nanoTime() - t0;
        return infer(frame, g, batch, tilingNanos, sourceId, wallTimeMicros, position);
    }

    /**
     * Processes a frame whose tiles a {@link PackingPrefetcher} already packed (on its thread; its
     * packing time is reported as the tiling time). Reads the slot's batch and pixels during the
     * call only; the result's {@code frameBgr} is the slot's array (valid until the slot is given back).
     */
    public FrameResult process(PackedFrame packed, String sourceId, long wallTimeMicros, Optional<Position> position) {
        check();
        times.reset();
        adopt(packed.grid());
        return infer(packed.frame(), packed.grid(), packed.batch(), packed.tilingNanos(), sourceId, wallTimeMicros,
                position);
    }

    private void check() {
        if (closed) {
            throw new IllegalStateException("detector is closed");
        }
    }

    private FrameResult infer(VideoFrame frame, TileGrid g, FloatBuffer batch, long tilingNanos, String sourceId,
                              long wallTimeMicros, Optional<Position> position) {
        lastBatch = batch;
        int n = g.size();
        long t1 = System.nanoTime();
        abn.run(batch, n, probs);
        long t2 = System.nanoTime();
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (probs[i] >= threshold) {
                flaggedSlots[m++] = i;
            }
        }
        if (m > 0) {
            relevance.run(batch, flaggedSlots, m, explanations);
        }
        long t3 = System.nanoTime();
        explanationView.clear();
        for (int i = 0; i < n; i++) {
            explanationView.add(null);
        }
        byte[] crackMask = null;
        if (m > 0) {
            Arrays.fill(mask, (byte) 0);
            for (int j = 0; j < m; j++) {
                Tile t = g.tiles().get(flaggedSlots[j]);
                c1c.apply(explanations[j], mapH, mapW, kept);
                MaskMapper.orInto(mask, frame.width, frame.height, t, kept, mapH, mapW);
                explanationView.set(flaggedSlots[j], explanations[j]);
            }
            crackMask = mask;
        }
        long t4 = System.nanoTime();
        List<TileResult> tiles = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Tile t = g.tiles().get(i);
            tiles.add(new TileResult(t.index(), t.x(), t.y(), t.size(), probs[i], probs[i] >= threshold));
        }
        times.tilingNanos = tilingNanos;
        times.abnNanos = t2 - t1;
        times.relevanceNanos = t3 - t2;
        times.c1cNanos = t4 - t3;
        times.tiles = n;
        times.flagged = m;
        return new FrameResult(sourceId, frame.index, frame.timestampMicros, wallTimeMicros, frame.width,
                frame.height, List.copyOf(tiles), crackMask, frame.bgr, position);
    }

    /** What {@link #explainImage} returns: maps are H×W (model input size). */
    public record ImageExplanation(float probability, boolean flagged, float[] explanation, float[] c1cMap) {
    }

    /**
     * One whole image (any size) as one tile. The relevance graph runs when the tile is flagged,
     * or always with {@code force}; otherwise the maps are null.
     */
    public ImageExplanation explainImage(Mat bgr, boolean force) {
        check();
        ownPacker(1);
        if (probs.length < 1) {
            probs = new float[1];
            flaggedSlots = new int[1];
            explanations = new float[1][mapH * mapW];
        }
        packer.packMat(bgr, 0);
        FloatBuffer batch = packer.buffer();
        batch.clear().limit(packer.perTile());
        abn.run(batch, 1, probs);
        float p = probs[0];
        boolean flagged = p >= threshold;
        if (!flagged && !force) {
            return new ImageExplanation(p, false, null, null);
        }
        flaggedSlots[0] = 0;
        relevance.run(batch, flaggedSlots, 1, explanations);
        float[] expl = explanations[0].clone();
        float[] map = c1c.apply(expl, mapH, mapW, new float[mapH * mapW]);
        return new ImageExplanation(p, flagged, expl, map);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (packer != null) {
            packer.close();
        }
        c1c.close();
    }
}
