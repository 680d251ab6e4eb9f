package org.crackcam.alerts;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

import org.bytedeco.opencv.opencv_core.Mat;
import org.crackcam.explain.Components;
import org.crackcam.explain.OverlayRenderer;
import org.crackcam.pipeline.DetectionListener;
import org.crackcam.pipeline.FrameResult;
import org.crackcam.pipeline.Position;
import org.crackcam.pipeline.TileResult;
import org.crackcam.position.Geo;
import org.tinylog.Logger;

/**
 * Merges the detections of one crack across frames into one {@link CrackEvent}.
 *
 * <p>Per frame, the crack mask inside the flagged tiles is split into 8-connected parts; parts
 * closer than {@code joinDistance} form one region (a crack's mask is cut at tile borders), whose
 * box is the union of its parts' boxes and whose probability is the highest of the flagged tiles
 * it touches. A region joins the open
 * track whose predicted box it overlaps best (see {@link TrackerConfig}): the track's last box
 * extended downwards for the car's forward motion, within {@code maxGapFrames}, and, when
 * positions are known, within {@code maxDistanceMetres} of where the track began. Unmatched
 * regions start new tracks. A track closes when it was not matched for more than
 * {@code maxGapFrames} frames or at the end of the source; its event goes to the sink. A track
 * still open {@code maxAgeSeconds} after it began (or after its last report) is reported then
 * ({@code MAX_AGE}) and stays open; its next report is the same event with a higher
 * {@code revision} (only when frames were merged since the last report).
 *
 * <p>Identity: every track gets a number ({@code trackId}: 0, 1, 2 … in the order tracks open,
 * restarting when a source is announced with {@link #onSource}); events carry the source's
 * identity from {@link #onSource} (else a session made for this tracker), so that the alert id
 * made from (identity, first frame, track id) is unique and the same for a replay of the same input.
 * Regions of one frame open tracks in a fixed order (highest probability first, then by position),
 * so the numbering depends only on the frames.
 *
 * <p>Threading: called on the pipeline's thread only; the sink is called on that thread too.
 * The best frame's mask crop and overlay are copied (and the overlay rendered) only when a
 * frame improves the track's best probability.
 */
public final class CrackTracker implements DetectionListener {

    /** Upward jitter allowed for a matched box, fraction of the frame height. */
    static final double UP_JITTER = 0.02;

    private final TrackerConfig config;
    private final Consumer<CrackEvent> sink;
    private final List<Track> open = new ArrayList<>();
    private final String session = SourceIdentity.newSession();
    private final Map<String, String[]> announced = new HashMap<>();
    private String sourceId;
    private String sourceIdentity;
    private String sourceSettings = "";
    private long nextTrackId;
    private long eventsEmitted;
    private long framesSeen;
    private final Components components = new Components();
    /** The frame's mask inside the flagged tiles, over their bounding box (reused). */
    private byte[] inFlagged;

    public CrackTracker(TrackerConfig config, Consumer<CrackEvent> sink) {
        this.config = Objects.requireNonNull(config, "config");
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    /**
     * The frames of {@code sourceId} that follow are {@code identity} (e.g. {@code sha256:<hex>} of
     * the file, {@link SourceIdentity#ofFile}) processed with {@code settings}: open events are
     * closed and track numbers restart at 0, so a replay of the same input numbers its tracks alike.
     */
    @Override
    public void onSource(String sourceId, String identity, String settings) {
        Objects.requireNonNull(sourceId, "sourceId");
        if (identity == null || identity.isBlank()) {
            throw new IllegalArgumentException("source identity of " + sourceId + " is empty");
        }
        closeAll(CrackEvent.Reason.END);
        announced.put(sourceId, new String[] {identity, settings == null ? "" : settings});
        this.sourceId = null; // the next frame (re)selects the source
        nextTrackId = 0;
    }

    @Override
    public void onFrame(FrameResult frame) {
        framesSeen++;
        if (sourceId != null && !sourceId.equals(frame.sourceId())) {
            closeAll(CrackEvent.Reason.END);
        }
        if (sourceId == null || !sourceId.equals(frame.sourceId())) {
            sourceId = frame.sourceId();
            String[] a = announced.get(sourceId);
            // an unannounced source (a live camera) gets this tracker's session; its track numbers
            // never restart, so its events never share an id
            sourceIdentity = a != null ? a[0] : session + "/" + sourceId;
            sourceSettings = a != null ? a[1] : "";
        }
        // Close tracks that left the view, report those open too long, before this frame could extend them.
        for (Iterator<Track> it = open.iterator(); it.hasNext(); ) {
            Track t = it.next();
            if (frame.frameIndex() - t.lastFrame > config.maxGapFrames()) {
                it.remove();
                if (t.revision == 0 || t.dirty) {
                    emit(t, CrackEvent.Reason.LEFT_VIEW);
                }
            } else if ((frame.timestampMicros() - t.segmentStartMicros) / 1e6 >= config.maxAgeSeconds()) {
                if (t.dirty) {
                    emit(t, CrackEvent.Reason.MAX_AGE);
                    t.revision++;
                    t.dirty = false;
                }
                t.segmentStartMicros = frame.timestampMicros();
            }
        }
        List<Region> regions = frame.hasCrack() ? regions(frame) : new ArrayList<>();
        regions.sort(Comparator.comparingDouble((Region r) -> r.probability).reversed()
                .thenComparingInt(r -> r.box.y()).thenComparingInt(r -> r.box.x()));
        List<Track> matched = new ArrayList<>();
        for (Region region : regions) {
            Track best = null;
            double bestScore = 0;
            for (Track t : open) {
                if (matched.contains(t) || frame.frameIndex() - t.lastFrame > config.maxGapFrames()) {
                    continue;
                }
                double score = score(t, region, frame);
                if (score >= config.minOverlap() && score > bestScore && closeEnough(t, frame)) {
                    best = t;
                    bestScore = score;
                }
            }
            if (best == null) {
                best = new Track(frame, nextTrackId++);
                open.add(best);
            }
            best.add(region, frame);
            matched.add(best);
        }
    }

    @Override
    public void onEnd() {
        closeAll(CrackEvent.Reason.END);
    }

    /** Flushes the open events (as {@link #onEnd()}). Safe to call twice. */
    @Override
    public void close() {
        closeAll(CrackEvent.Reason.END);
    }

    /** Number of events handed to the sink so far. */
    public long eventsEmitted() {
        return eventsEmitted;
    }

    /** Number of tracks currently open. */
    public int openTracks() {
        return open.size();
    }

    private void closeAll(CrackEvent.Reason reason) {
        List<Track> all = new ArrayList<>(open);
        open.clear();
        for (Track t : all) {
            if (t.revision == 0 || t.dirty) {
                emit(t, reason);
            }
        }
    }

    private void emit(Track t, CrackEvent.Reason reason) {
        eventsEmitted++;
        Logger.debug("crack event {} track {} revision {}: frames {}..{} ({} merged), p={}, closed: {}",
                t.sourceId, t.trackId, t.revision, t.firstFrame, t.lastFrame, t.frames, t.bestP, reason);
        sink.accept(new CrackEvent(t.sourceId, t.sourceIdentity, t.sourceSettings, t.trackId, t.revision,
                t.firstFrame, t.lastFrame, t.frames, t.bestFrame,
                t.bestTimestampMicros, t.bestWallMicros, t.firstWallMicros, t.bestPosition, t.bestP,
                t.bestTiles, t.bestBox, t.frameWidth, t.frameHeight, t.bestMask, t.bestRegion, t.bestCrops,
                t.bestOverlay, reason));
    }

    /** How well a region fits the track's predicted box; 0 = not at all. */
    private double score(Track t, Region r, FrameResult f) {
        long elapsed = Math.max(1, f.frameIndex() - t.lastFrame);
        int dy = (int) Math.min(f.height(), Math.round(config.verticalTolerance() * f.height() * elapsed));
        int dx = (int) Math.round(config.horizontalTolerance() * f.width());
        // A crack on the road only moves down (and outwards) in a forward-looking camera's image:
        // allow a small upward jitter, not growth with the elapsed frames.
        int up = (int) Math.round(UP_JITTER * f.height());
        Box predicted = t.lastBox.grow(dx, up, dx, dy);
        double inside = r.box.area() == 0 ? 0 : (double) predicted.intersection(r.box) / r.box.area();
        return Math.max(inside, t.lastBox.iou(r.box));
    }

    private boolean closeEnough(Track t, FrameResult f) {
        if (t.firstPosition.isEmpty() || f.position().isEmpty()) {
            return true;
        }
        return metresBetween(t.firstPosition.get(), f.position().get()) < config.maxDistanceMetres();
    }

    /** Great-circle distance in metres ({@link Geo#distanceMetres}). */
    static double metresBetween(Position a, Position b) {
        return Geo.distanceMetres(a.latitude(), a.longitude(), b.latitude(), b.longitude());
    }

    /**
     * The crack regions of a frame: 8-connected parts of the crack mask inside flagged tiles,
     * parts closer than {@code joinDistance} joined; each with the flagged tiles its box touches.
     * Flagged tiles without mask pixels become regions of their own (tiles that touch joined).
     */
    List<Region> regions(FrameResult f) {
        List<TileResult> flagged = new ArrayList<>();
        for (TileResult t : f.tiles()) {
            if (t.flagged()) {
                flagged.add(t);
            }
        }
        List<Box> parts = new ArrayList<>();
        if (f.crackMask() != null) {
            parts.addAll(components(f, flagged));
        }
        List<TileResult> empty = new ArrayList<>();
        for (TileResult t : flagged) {
            Box tb = clip(tileBox(t), f.width(), f.height());
            boolean covered = false;
            for (Box p : parts) {
                if (p.intersection(tb) > 0) {
                    covered = true;
                    break;
                }
            }
            if (!covered) {
                empty.add(t);
                parts.add(tb);
            }
        }
        int n = parts.size();
        int[] parent = new int[n];
        for (int i = 0; i < n; i++) {
            parent[i] = i;
        }
        int join = (int) Math.round(config.joinDistance() * f.width());
        for (int i = 0; i < n; i++) {
            Box a = parts.get(i).grow(join, join, join, join);
            for (int j = i + 1; j < n; j++) {
                if (a.touches(parts.get(j))) {
                    parent[find(parent, i)] = find(parent, j);
                }
            }
        }
        List<Region> out = new ArrayList<>();
        for (int root = 0; root < n; root++) {
            if (find(parent, root) != root) {
                continue;
            }
            Box box = null;
            for (int i = 0; i < n; i++) {
                if (find(parent, i) == root) {
                    box = box == null ? parts.get(i) : box.union(parts.get(i));
                }
            }
            List<TileResult> members = new ArrayList<>();
            float p = 0;
            for (TileResult t : flagged) {
                if (tileBox(t).intersection(box) > 0) {
                    members.add(t);
                    p = Math.max(p, t.probability());
                }
            }
            out.add(new Region(List.copyOf(members), box, p));
        }
        return out;
    }

    /**
     * Bounding boxes of the 8-connected mask components ({@link Components}) inside the flagged
     * tiles: the mask is copied, tile by tile, into a buffer spanning the flagged tiles (zero
     * elsewhere) and labelled once.
     */
    private List<Box> components(FrameResult f, List<TileResult> flagged) {
        int w = f.width(), h = f.height();
        Box span = null;
        for (TileResult t : flagged) {
            Box tb = clip(tileBox(t), w, h);
            if (tb.area() > 0) {
                span = span == null ? tb : span.union(tb);
            }
        }
        List<Box> out = new ArrayList<>();
        if (span == null || span.area() == 0) {
            return out;
        }
        int sw = span.width(), sh = span.height();
        if (inFlagged == null || inFlagged.length < sw * sh) {
            inFlagged = new byte[sw * sh];
        } else {
            java.util.Arrays.fill(inFlagged, 0, sw * sh, (byte) 0);
        }
        byte[] m = f.crackMask();
        for (TileResult t : flagged) {
            Box tb = clip(tileBox(t), w, h);
            for (int y = tb.y(); y < tb.bottom(); y++) {
                System.arraycopy(m, y * w + tb.x(), inFlagged, (y - span.y()) * sw + tb.x() - span.x(), tb.width());
            }
        }
        int n = components.label(inFlagged, sh, sw);
        for (int c = 1; c < n; c++) {
            out.add(new Box(span.x() + components.left(c), span.y() + components.top(c), components.width(c),
                    components.height(c)));
        }
        return out;
    }

    private static int find(int[] parent, int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }

    private static Box tileBox(TileResult t) {
        return new Box(t.x(), t.y(), t.size(), t.size());
    }

    private static Box clip(Box b, int w, int h) {
        int x0 = Math.max(0, b.x());
        int y0 = Math.max(0, b.y());
        int x1 = Math.min(w, b.right());
        int y1 = Math.min(h, b.bottom());
        return new Box(x0, y0, Math.max(0, x1 - x0), Math.max(0, y1 - y0));
    }

    /** One crack's part of a frame: its flagged tiles and the box of its mask pixels. */
    record Region(List<TileResult> tiles, Box box, float probability) {
    }

    /** One crack being followed. Mutable; owned by the tracker. */
    private final class Track {
        final String sourceId;
        final String sourceIdentity;
        final String sourceSettings;
        final long trackId;
        final long firstFrame;
        /** Start of the current report period (first frame, then each MAX_AGE report). */
        long segmentStartMicros;
        int revision;
        /** Frames merged since the last report. */
        boolean dirty;
        final long firstWallMicros;
        final Optional<Position> firstPosition;
        final int frameWidth;
        final int frameHeight;
        long lastFrame;
        Box lastBox;
        int frames;
        float bestP = -1;
        long bestFrame;
        long bestTimestampMicros;
        long bestWallMicros;
        Optional<Position> bestPosition = Optional.empty();
        List<TileResult> bestTiles = List.of();
        Box bestBox;
        byte[] bestMask;
        byte[] bestRegion;
        List<CrackEvent.TileCrop> bestCrops = List.of();
        BufferedImage bestOverlay;

        Track(FrameResult f, long trackId) {
            sourceId = f.sourceId();
            sourceIdentity = CrackTracker.this.sourceIdentity;
            sourceSettings = CrackTracker.this.sourceSettings;
            this.trackId = trackId;
            firstFrame = f.frameIndex();
            segmentStartMicros = f.timestampMicros();
            firstWallMicros = f.wallTimeMicros();
            firstPosition = f.position();
            frameWidth = f.width();
            frameHeight = f.height();
        }

        void add(Region r, FrameResult f) {
            frames++;
            dirty = true;
            lastFrame = f.frameIndex();
            lastBox = r.box;
            if (r.probability > bestP) {
                bestP = r.probability;
                bestFrame = f.frameIndex();
                bestTimestampMicros = f.timestampMicros();
                bestWallMicros = f.wallTimeMicros();
                bestPosition = f.position();
                bestTiles = r.tiles;
                bestBox = r.box;
                bestRegion = cropMask(f.crackMask(), f.width(), r.box);
                bestMask = f.crackShape() != null ? cropMask(f.crackShape(), f.width(), r.box) : bestRegion.clone();
                bestCrops = crops(f, r.tiles);
                bestOverlay = renderOverlay(f, r.box, config.overlayMaxWidth());
            }
        }
    }

    /** Copies the bbox crop of the frame's C1C region mask (0/1 bytes); all zero when the frame has no mask. */
    static byte[] cropMask(FrameResult f, Box b) {
        return cropMask(f.crackMask(), f.width(), b);
    }

    /** Copies the bbox crop of a frame-sized mask {@code m} (0/1 bytes); all zero when {@code m} is null. */
    static byte[] cropMask(byte[] m, int frameWidth, Box b) {
        byte[] out = new byte[b.width() * b.height()];
        if (m == null) {
            return out;
        }
        for (int y = 0; y < b.height(); y++) {
            int src = (b.y() + y) * frameWidth + b.x();
            for (int x = 0; x < b.width(); x++) {
                out[y * b.width() + x] = m[src + x] != 0 ? (byte) 1 : 0;
            }
        }
        return out;
    }

    /** Copies the raw BGR pixels of each tile (clipped to the frame); none when the frame has no pixels. */
    static List<CrackEvent.TileCrop> crops(FrameResult f, List<TileResult> tiles) {
        byte[] bgr = f.frameBgr();
        if (bgr == null) {
            return List.of();
        }
        List<CrackEvent.TileCrop> out = new ArrayList<>(tiles.size());
        for (TileResult t : tiles) {
            Box c = clip(tileBox(t), f.width(), f.height());
            if (c.area() == 0) {
                continue;
            }
            BufferedImage img = new BufferedImage(c.width(), c.height(), BufferedImage.TYPE_3BYTE_BGR);
            byte[] dst = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
            for (int y = 0; y < c.height(); y++) {
                System.arraycopy(bgr, 3 * ((c.y() + y) * f.width() + c.x()), dst, 3 * y * c.width(), 3 * c.width());
            }
            out.add(new CrackEvent.TileCrop(t.x(), t.y(), t.size(), img));
        }
        return List.copyOf(out);
    }

    /**
     * The alert overlay of the best frame ({@link OverlayRenderer#renderAlert}): the frame scaled
     * to at most {@code maxWidth} pixels wide, this crack's mask inside {@code box} tinted red (the
     * crack-shaped mask when the frame has one, else the C1C region), the box outlined.
     */
    static BufferedImage renderOverlay(FrameResult f, Box box, int maxWidth) {
        try (Mat m = OverlayRenderer.renderAlert(f.frameBgr(), f.width(), f.height(), f.crackShapeOrRegion(),
                box.x(), box.y(), box.width(), box.height(), maxWidth)) {
            BufferedImage img = new BufferedImage(m.cols(), m.rows(), BufferedImage.TYPE_3BYTE_BGR);
            byte[] dst = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
            m.data().get(dst);
            return img;
        }
    }
}
