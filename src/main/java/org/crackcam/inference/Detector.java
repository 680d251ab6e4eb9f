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
import org.crackcam.explain.CrackMask;
import org.crackcam.explain.MaskMapper;
import org.crackcam.pipeline.FrameResult;
import org.crackcam.pipeline.Position;
import org.crackcam.pipeline.TileResult;
import org.crackcam.settings.TilingSettings;
import org.crackcam.tiles.Tile;
import org.crackcam.tiles.TileGrid;
import org.crackcam.tiles.TilePacker;

/**
 * Frame → tiles → ABN → (flagged tiles only) LRP-BN → C1C → frame region mask, and the
 * relevance R inside each C1C region → {@link CrackMask} → frame crack-shaped mask.
 *
 * <p>Runs on one thread (the pipeline's). One way in: {@link #submit} a packed frame (tiles packed
 * ahead on a {@link PackingPrefetcher}'s thread), {@link #flush} at the end; results come to a
 * {@link ResultSink} in frame order. {@link #process} is that same way for one frame at once
 * (submit, then flush), for callers that want a result back (evaluation, tests). Buffers (the own packed batch,
 * the frame mask, the explanation maps) are allocated for the first frame and reused; the
 * {@link FrameResult}'s arrays are valid until the next call. Closing releases native memory (the bundle's sessions
 * belong to the bundle).
 *
 * <p><b>Relevance batching</b> ({@link #submit}, {@link #flush}, {@link #relevanceBatching}): the
 * ABN runs on every frame as it comes, but the flagged tiles of consecutive frames are staged
 * (copied into the {@link RelevanceStage}'s own input buffer) and the relevance graph runs once
 * for all of them: when the next frame's flagged tiles would not fit in the batch limit, when
 * the batch is full, when {@code maxPendingFrames} frames are waiting, on {@link #flush} (end of
 * stream, errors, stop) or when the frame size changes. Results then go to a {@link ResultSink}
 * strictly in frame order, each one identical to the unbatched run (the graph's output for a tile
 * does not depend on the other tiles of its batch). A frame whose result waits keeps its
 * {@link PackedFrame} slot (its pixels are the result's {@code frameBgr}); at most
 * {@code maxPendingFrames} frames wait, and a batch holds at most max(batch limit, tiles of one
 * frame) tiles. With a limit of 1 every frame is delivered from its own {@code submit} call.
 */
public final class Detector implements AutoCloseable {

    /** Default relevance batch limit of replay, demo and bench (tiles, and frames waiting). */
    public static final int DEFAULT_RELEVANCE_BATCH = org.crackcam.settings.ModelSettings.DEFAULT_RELEVANCE_BATCH;

    /** Receives each frame's result, in frame order, on the pipeline thread. */
    @FunctionalInterface
    public interface ResultSink {
        /**
         * {@code result}'s arrays, {@code times} and {@link #explanations()} are valid during the
         * call only; {@code slot} is the frame's (the caller gives it back when done).
         */
        void accept(PackedFrame slot, FrameResult result, StageTimes times);

        /**
         * A submitted frame whose result cannot be made (its ABN or its relevance batch failed):
         * the caller gets its slot back here, then the error is thrown. After {@link #submit} every
         * slot comes back exactly once, through {@code accept} or {@code discard}.
         */
        default void discard(PackedFrame slot) {
        }
    }

    /** A frame whose ABN ran and whose result waits for the relevance batch (one per ring entry, reused). */
    private static final class Pending {
        PackedFrame slot;
        String sourceId;
        long wallTimeMicros;
        Optional<Position> position;
        float[] probs = new float[0];
        int[] flagged = new int[0];
        int m;
        /** Position of its first flagged tile in the relevance batch. */
        int first;
        long submittedAt;
        long abnNanos;
        long relevanceNanos;
        long runNanos;
        int runTiles;
    }

    private final ModelBundle bundle;
    private final TilingSettings tiling;
    private final int mapH;
    private final int mapW;
    private final float threshold;
    private final AbnStage abn;
    private final RelevanceStage relevance;
    private final C1c c1c;
    private final CrackMask crackShape;
    private float[][] relevances = new float[0][];
    private final byte[] tileShape;
    private byte[] shape = new byte[0];
    private final StageTimes times = new StageTimes();
    private TileGrid grid;
    /** Own packer for {@link #explainImage}; created on first use. */
    private TilePacker packer;
    /** Own slot for {@link #process(VideoFrame, String, long, Optional)}; created on first use. */
    private PackedFrame inline;
    private FrameResult captured;
    private final ResultSink capture = (slot, r, t) -> captured = r;
    private FloatBuffer lastBatch;
    private float[] probs = new float[0];
    private int[] flaggedSlots = new int[0];
    private float[][] explanations = new float[0][];
    private final float[] kept;
    private byte[] mask = new byte[0];
    private final List<float[]> explanationView = new ArrayList<>();
    private boolean closed;
    private int batchTiles = 1;
    private Pending[] pending = {new Pending()};
    private int head;
    private int count;
    private int staged;
    private int lastFlagged;
    /** Inside {@link #flush}'s delivery loop (the sink must not reconfigure or reuse this detector). */
    private boolean delivering;

    public Detector(ModelBundle bundle, TilingSettings tiling) {
        this(bundle, tiling, bundle.manifest().crackMaskOrDefault());
    }

    /** A detector whose crack-shaped masks follow {@code crackMask}. */
    public Detector(ModelBundle bundle, TilingSettings tiling, CrackMask.Settings crackMask) {
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
        this.crackShape = new CrackMask(crackMask);
        this.tileShape = new byte[mapH * mapW];
    }

    /** The crack-shaped mask rule of this detector. */
    public CrackMask.Settings crackMaskSettings() {
        return crackShape.settings();
    }

    /**
     * Sets the relevance batch limit for {@link #submit}: the flagged tiles of up to
     * {@code maxTiles} tiles' worth of consecutive frames run as one batch, and at most
     * {@code maxTiles} frames wait for it (1: every frame alone, as {@link #process}). Only while
     * no frame is pending.
     */
    public void relevanceBatching(int maxTiles) {
        if (maxTiles < 1) {
            throw new IllegalArgumentException("relevance batch must be >= 1, got " + maxTiles);
        }
        if (count > 0 || delivering) {
            throw new IllegalStateException("frames are pending");
        }
        batchTiles = maxTiles;
        pending = new Pending[maxTiles];
        for (int i = 0; i < maxTiles; i++) {
            pending[i] = new Pending();
        }
        head = 0;
        TileGrid g = grid;
        grid = null;
        if (g != null) {
            adopt(g);
        }
    }

    /** The relevance batch limit in tiles. */
    public int relevanceBatchTiles() {
        return batchTiles;
    }

    /** Frames whose results may wait for a relevance batch at most (= slots the pipeline holds). */
    public int maxPendingFrames() {
        return pending.length;
    }

    /** Frames submitted whose results have not been delivered yet. */
    public int pendingFrames() {
        return count;
    }

    /** {@link System#nanoTime()} when the oldest pending frame was submitted (only while {@link #pendingFrames()} > 0). */
    public long oldestPendingSinceNanos() {
        return pending[head].submittedAt;
    }

    /** Flagged tiles of the frame given to the last {@link #submit}. */
    public int lastSubmittedFlagged() {
        return lastFlagged;
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
    public TilingSettings tiling() {
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
        }
        int maps = Math.max(batchTiles, g.size());
        if (explanations.length < maps) {
            explanations = new float[maps][mapH * mapW];
            relevances = new float[maps][mapH * mapW];
            relevance.reserve(maps);
        }
        for (Pending p : pending) {
            if (p.probs.length < g.size()) {
                p.probs = new float[g.size()];
                p.flagged = new int[g.size()];
            }
        }
        if (grid == null || grid.frameWidth() != g.frameWidth() || grid.frameHeight() != g.frameHeight()) {
            mask = new byte[g.frameWidth() * g.frameHeight()];
            shape = new byte[g.frameWidth() * g.frameHeight()];
        }
        grid = g;
    }

    /** This detector's own packer, holding at least {@code n} tiles (single images). */
    private TilePacker ownPacker(int n) {
        if (packer == null || packer.capacity() < n) {
            if (packer != null) {
                packer.close();
            }
            packer = new TilePacker(mapH, mapW, n);
        }
        return packer;
    }

    /**
     * Processes one frame at once, cutting and packing its tiles on the calling thread: a thin use
     * of the one way in ({@link #submit} then {@link #flush}) with this detector's own slot around
     * {@code frame}. The result's arrays are valid until the next call.
     */
    public FrameResult process(VideoFrame frame, String sourceId, long wallTimeMicros, Optional<Position> position) {
        check();
        if (inline == null) {
            inline = new PackedFrame(mapH, mapW);
        }
        inline.bind(frame);
        inline.pack(gridFor(frame.width, frame.height));
        return process(inline, sourceId, wallTimeMicros, position);
    }

    /**
     * Processes a frame whose tiles a {@link PackingPrefetcher} already packed, at once
     * ({@link #submit} then {@link #flush}): its packing time is reported as the tiling time. The
     * result's {@code frameBgr} is the slot's array (valid until the slot is given back).
     */
    public FrameResult process(PackedFrame packed, String sourceId, long wallTimeMicros, Optional<Position> position) {
        check();
        captured = null;
        submit(packed, sourceId, wallTimeMicros, position, capture);
        flush(capture);
        return captured;
    }

    private void check() {
        if (closed) {
            throw new IllegalStateException("detector is closed");
        }
        if (count > 0 || delivering) {
            throw new IllegalStateException("frames are pending: flush() first");
        }
    }

    /**
     * Runs the ABN on a packed frame and stages its flagged tiles for the relevance batch; may run
     * the batch and deliver the results of this and earlier frames to {@code sink}, in frame order
     * (see the class comment). The slot must stay held until {@code sink} has its result.
     */
    public void submit(PackedFrame slot, String sourceId, long wallTimeMicros, Optional<Position> position,
                       ResultSink sink) {
        if (closed) {
            throw new IllegalStateException("detector is closed");
        }
        if (delivering) {
            throw new IllegalStateException("submit from a result sink");
        }
        if (count > 0 && slot.grid() != grid) {
            flushBefore(slot, sink); // pending frames finish with their own grid and mask size
        }
        adopt(slot.grid());
        lastBatch = slot.batch();
        int n = grid.size();
        // The entry after the pending ones; a flush below delivers all of them, which leaves
        // (head + count) where it is.
        Pending p = pending[(head + count) % pending.length];
        long t1 = System.nanoTime();
        try {
            abn.run(slot.batch(), n, p.probs);
        } catch (RuntimeException e) {
            sink.discard(slot);
            throw e;
        }
        long t2 = System.nanoTime();
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (p.probs[i] >= threshold) {
                p.flagged[m++] = i;
            }
        }
        p.slot = slot;
        p.submittedAt = t1;
        p.sourceId = sourceId;
        p.wallTimeMicros = wallTimeMicros;
        p.position = position;
        p.m = m;
        p.abnNanos = t2 - t1;
        p.relevanceNanos = p.runNanos = 0;
        p.runTiles = 0;
        lastFlagged = m;
        if (count > 0 && staged + m > batchTiles) {
            flushBefore(slot, sink); // this frame's tiles would not fit: run the batch without them
        }
        for (int j = 0; j < m; j++) {
            relevance.stage(slot.batch(), p.flagged[j], staged + j);
        }
        p.first = staged;
        staged += m;
        count++;
        if (staged == 0 || staged >= batchTiles || count >= pending.length) {
            flush(sink);
        }
    }

    /** Flushes the frames pending before {@code slot}'s; if that fails, {@code slot} is discarded too. */
    private void flushBefore(PackedFrame slot, ResultSink sink) {
        try {
            flush(sink);
        } catch (RuntimeException e) {
            sink.discard(slot);
            throw e;
        }
    }

    /**
     * Runs the relevance graph on the staged tiles (if any) and delivers every pending frame's
     * result to {@code sink}, in frame order. If the graph fails, the pending frames are dropped
     * (their results cannot be made) and the error is thrown; frames delivered before stay so.
     */
    public void flush(ResultSink sink) {
        if (delivering) {
            throw new IllegalStateException("flush from a result sink");
        }
        if (count == 0) {
            return;
        }
        if (staged > 0) {
            long t0 = System.nanoTime();
            try {
                relevance.runStaged(staged, explanations, relevances);
            } catch (RuntimeException e) {
                for (int k = 0; k < count; k++) {
                    Pending q = pending[(head + k) % pending.length];
                    PackedFrame dropped = q.slot;
                    q.slot = null;
                    try {
                        sink.discard(dropped);
                    } catch (RuntimeException f) {
                        e.addSuppressed(f);
                    }
                }
                head = (head + count) % pending.length;
                count = 0;
                staged = 0;
                throw e;
            }
            long run = System.nanoTime() - t0;
            // each frame's share of the run, by its flagged tiles (the shares sum to the run)
            int cum = 0;
            for (int k = 0; k < count; k++) {
                Pending q = pending[(head + k) % pending.length];
                long before = run * cum / staged;
                cum += q.m;
                q.relevanceNanos = run * cum / staged - before;
                q.runNanos = k == 0 ? run : 0;
                q.runTiles = k == 0 ? staged : 0;
            }
            staged = 0;
        }
        delivering = true;
        try {
            deliverAll(sink);
        } finally {
            delivering = false;
        }
    }

    private void deliverAll(ResultSink sink) {
        while (count > 0) {
            Pending q = pending[head];
            head = (head + 1) % pending.length;
            count--;
            PackedFrame slot = q.slot;
            q.slot = null;
            times.reset();
            FrameResult r = finish(slot.frame(), grid, q.probs, q.flagged, q.m, q.first, q.sourceId,
                    q.wallTimeMicros, q.position);
            times.tilingNanos = slot.tilingNanos();
            times.abnNanos = q.abnNanos;
            times.relevanceNanos = q.relevanceNanos;
            times.relevanceRunNanos = q.runNanos;
            times.relevanceRunTiles = q.runTiles;
            sink.accept(slot, r, times);
        }
    }

    /**
     * C1C on the flagged tiles' maps ({@code explanations[first..first+m)}), the frame mask and the
     * result; sets {@code times}' C1C time and tile counts.
     */
    private FrameResult finish(VideoFrame frame, TileGrid g, float[] probs, int[] flaggedSlots, int m, int first,
                               String sourceId, long wallTimeMicros, Optional<Position> position) {
        long t3 = System.nanoTime();
        int n = g.size();
        explanationView.clear();
        for (int i = 0; i < n; i++) {
            explanationView.add(null);
        }
        byte[] crackMask = null;
        byte[] crackShapeMask = null;
        if (m > 0) {
            Arrays.fill(mask, (byte) 0);
            Arrays.fill(shape, (byte) 0);
            for (int j = 0; j < m; j++) {
                Tile t = g.tiles().get(flaggedSlots[j]);
                float[] map = explanations[first + j];
                c1c.apply(map, mapH, mapW, kept);
                MaskMapper.orInto(mask, frame.width, frame.height, t, kept, mapH, mapW);
                crackShape.apply(relevances[first + j], kept, mapH, mapW, tileShape);
                MaskMapper.orInto(shape, frame.width, frame.height, t, tileShape, mapH, mapW);
                explanationView.set(flaggedSlots[j], map);
            }
            crackMask = mask;
            crackShapeMask = shape;
        }
        long t4 = System.nanoTime();
        List<TileResult> tiles = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Tile t = g.tiles().get(i);
            tiles.add(new TileResult(t.index(), t.x(), t.y(), t.size(), probs[i], probs[i] >= threshold));
        }
        times.c1cNanos = t4 - t3;
        times.tiles = n;
        times.flagged = m;
        return new FrameResult(sourceId, frame.index, frame.timestampMicros, wallTimeMicros, frame.width,
                frame.height, List.copyOf(tiles), crackMask, frame.bgr, position, crackShapeMask);
    }

    /**
     * What {@link #explainImage} returns: maps are H×W (model input size); {@code relevance} is R,
     * {@code c1cMap} the C1C region map, {@code crackShape} the crack-shaped mask (0/1).
     */
    public record ImageExplanation(float probability, boolean flagged, float[] explanation, float[] c1cMap,
                                   float[] relevance, byte[] crackShape) {
        /** Without relevance and crack-shaped mask. */
        public ImageExplanation(float probability, boolean flagged, float[] explanation, float[] c1cMap) {
            this(probability, flagged, explanation, c1cMap, null, null);
        }
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
        }
        if (explanations.length < 1) {
            explanations = new float[1][mapH * mapW];
            relevances = new float[1][mapH * mapW];
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
        relevance.run(batch, flaggedSlots, 1, explanations, relevances);
        float[] expl = explanations[0].clone();
        float[] map = c1c.apply(expl, mapH, mapW, new float[mapH * mapW]);
        float[] rel = relevances[0].clone();
        byte[] shapeMap = new byte[mapH * mapW];
        crackShape.apply(rel, map, mapH, mapW, shapeMap);
        return new ImageExplanation(p, flagged, expl, map, rel, shapeMap);
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
        if (inline != null) {
            inline.close();
        }
        c1c.close();
    }
}
