package org.crackcam.report;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.crackcam.bundle.GraphSession;
import org.crackcam.bundle.ModelBundle;
import org.crackcam.capture.FileFrameSource;
import org.crackcam.capture.FrameSelector;
import org.crackcam.capture.FrameSource;
import org.crackcam.capture.UnreadableInputException;
import org.crackcam.capture.VideoFrame;
import org.crackcam.explain.OverlayRenderer;
import org.crackcam.inference.Detector;
import org.crackcam.inference.InferenceException;
import org.crackcam.inference.LatencyRecorder;
import org.crackcam.inference.PackedFrame;
import org.crackcam.inference.PackingPrefetcher;
import org.crackcam.inference.Pipeline;
import org.crackcam.inference.StageTimes;
import org.crackcam.pipeline.CrackcamException;
import org.crackcam.pipeline.FrameResult;
import org.crackcam.settings.TilingSettings;

/**
 * The {@code bench} measurement: per-stage latency of the one frame loop ({@link Pipeline}, observed
 * through its {@link Pipeline.FrameObserver}) over a video (decode and tiling on the
 * {@link PackingPrefetcher}'s thread, the rest on the calling thread); the pipeline's
 * throughput on frames without a flagged tile against bare ONNX Runtime running the same
 * batches (copied during the run) through a plain session in a loop; the relevance graph's
 * latency as a multiple of the ABN graph's at batch 1 and 8; resident memory.
 */
public final class Benchmark {

    /**
     * @param maxFrames      frames processed at most; storedBatches crack-free batches kept for the baseline
     * @param relevanceBatch relevance batch limit ({@link Detector#relevanceBatching})
     */
    public record Options(java.nio.file.Path video, int maxFrames, int storedBatches, int repeats, int relevanceBatch) {
        public Options(java.nio.file.Path video, int maxFrames, int storedBatches, int repeats) {
            this(video, maxFrames, storedBatches, repeats, Detector.DEFAULT_RELEVANCE_BATCH);
        }
    }

    /**
     * Observes the one frame loop ({@link Pipeline}): per-frame stages, overlay rendering of
     * flagged frames, the bare ONNX Runtime run on each crack-free frame's batch right after it
     * (interleaved) and the copied batches for the loop baseline. On the loop's thread.
     */
    private static final class Observer implements Pipeline.FrameObserver {
        final LatencyRecorder decode = new LatencyRecorder("decode");
        final LatencyRecorder frameWait = new LatencyRecorder("frame_wait");
        final LatencyRecorder tilingT = new LatencyRecorder("tiling");
        final LatencyRecorder abn = new LatencyRecorder("abn");
        final LatencyRecorder relevance = new LatencyRecorder("relevance");
        final LatencyRecorder c1c = new LatencyRecorder("c1c");
        final LatencyRecorder render = new LatencyRecorder("render");
        final LatencyRecorder cleanFrame = new LatencyRecorder("pipeline_clean_frame");
        final LatencyRecorder relevancePerTile = new LatencyRecorder("relevance_per_flagged_tile");
        final LatencyRecorder relevanceRun = new LatencyRecorder("relevance_run");
        final LatencyRecorder abnPerTile = new LatencyRecorder("abn_per_tile");
        final LatencyRecorder bareInterleaved = new LatencyRecorder("bare_ort_interleaved");
        final List<float[]> stored = new ArrayList<>();
        final Detector detector;
        final OrtSession plain;
        final int storedBatches;
        long frames, flaggedFrames, flaggedTiles, tiles, abnNanos, relevanceNanos, runs;

        Observer(Detector detector, OrtSession plain, int storedBatches) {
            this.detector = detector;
            this.plain = plain;
            this.storedBatches = storedBatches;
        }

        List<LatencyRecorder> stages() {
            return List.of(decode, frameWait, tilingT, abn, relevance, relevanceRun, c1c, render, cleanFrame,
                    abnPerTile, relevancePerTile);
        }

        @Override
        public void onFrame(FrameResult r, StageTimes t, PackedFrame slot) {
            frames++;
            decode.add(slot.frame().decodeNanos);
            frameWait.add(slot.waitNanos());
            tilingT.add(t.tilingNanos);
            abn.add(t.abnNanos);
            abnPerTile.add(t.abnNanos / t.tiles);
            abnNanos += t.abnNanos;
            tiles += t.tiles;
            if (t.relevanceRunNanos > 0) {
                relevanceRun.add(t.relevanceRunNanos);
                relevanceNanos += t.relevanceRunNanos;
                runs++;
            }
            int perTile = 3 * detector.mapHeight() * detector.mapWidth();
            if (t.flagged > 0) {
                flaggedFrames++;
                flaggedTiles += t.flagged;
                relevance.add(t.relevanceNanos);
                relevancePerTile.add(t.relevanceNanos / t.flagged);
                c1c.add(t.c1cNanos);
                long r0 = System.nanoTime();
                try (Mat img = OverlayRenderer.render(r.frameBgr(), r.width(), r.height(), r.tiles(),
                        detector.explanations(), detector.mapHeight(), detector.mapWidth(), r.crackMask(), null);
                     BytePointer jpg = new BytePointer()) {
                    opencv_imgcodecs.imencode(".jpg", img, jpg);
                }
                render.add(System.nanoTime() - r0);
            } else {
                // the crack-free frame's own loop work: wait for its decoded, packed frame + ABN + its result
                cleanFrame.add(slot.waitNanos() + t.abnNanos + t.c1cNanos);
                long[] bshape = {t.tiles, 3, detector.mapHeight(), detector.mapWidth()};
                long b0 = System.nanoTime();
                try (OnnxTensor x = OnnxTensor.createTensor(ModelBundle.environment(), slot.batch(), bshape);
                     OrtSession.Result br = plain.run(Map.of("image", x), java.util.Set.of("p_pb"))) {
                    ((OnnxTensor) br.get("p_pb").orElseThrow()).getFloatBuffer();
                } catch (OrtException e) {
                    throw new InferenceException("bare ONNX Runtime run: "
                            + e.getMessage(), e);
                }
                bareInterleaved.add(System.nanoTime() - b0);
            }
            if (stored.size() < storedBatches) {
                FloatBuffer b = slot.batch().duplicate();
                b.clear().limit(t.tiles * perTile);
                float[] copy = new float[t.tiles * perTile];
                b.get(copy);
                stored.add(copy);
            }
        }
    }

    /** The first {@code max} frames of {@code s} (the caller closes {@code s}). */
    private static FrameSource firstFrames(FrameSource s, int max) {
        return new FrameSource() {
            int n;

            @Override
            public String id() {
                return s.id();
            }

            @Override
            public boolean next(VideoFrame frame) {
                return n++ < max && s.next(frame);
            }

            @Override
            public double frameRate() {
                return s.frameRate();
            }

            @Override
            public void close() {
            }
        };
    }

    private Benchmark() {
    }

    public static Map<String, Object> run(ModelBundle bundle, TilingSettings tiling, Options o)
            throws OrtException, IOException {
        Observer obs = null;
        List<float[]> stored = List.of();
        int tilesPerFrame = 0;
        int perTile = 0;
        int relevanceBatch = o.relevanceBatch();
        var env = ModelBundle.environment();
        String abnFile = bundle.directory().resolve(bundle.manifest().graphs().get("abn").file()).toString();
        // Bare ONNX Runtime: a plain session on the same ABN file, with the session options the
        // bundle's own sessions get (one factory: threads, optimisation level, provider). It runs
        // each crack-free frame's batch right after the pipeline did (interleaved, so both see
        // the same machine load), and again in a loop over copied batches afterwards.
        LatencyRecorder bare = new LatencyRecorder("bare_ort_abn_batch");
        double pipelineSeconds;
        try (OrtSession.SessionOptions so = bundle.sessionOptions();
             OrtSession plain = env.createSession(abnFile, so)) {
            long runStart = System.nanoTime();
            try (FileFrameSource file = FileFrameSource.open(o.video(), FrameSelector.all());
                 Detector detector = Replay.batching(new Detector(bundle, tiling), relevanceBatch);
                 PackingPrefetcher source = PackingPrefetcher.of(firstFrames(file, o.maxFrames()), detector, 2)) {
                tilesPerFrame = detector.gridFor(file.width(), file.height()).size();
                perTile = 3 * detector.mapHeight() * detector.mapWidth();
                obs = new Observer(detector, plain, o.storedBatches());
                stored = obs.stored;
                try {
                    new Pipeline(source, detector, List.of(), obs, false).run(); // the one frame loop
                } catch (CrackcamException e) {
                    if (obs.frames == 0) {
                        throw e;
                    }
                    // a decode error: the frames before it still count (the loop flushed them)
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InferenceException("interrupted", e);
            }
            pipelineSeconds = (System.nanoTime() - runStart) / 1e9;
            if (stored.isEmpty()) {
                throw new UnreadableInputException("video " + o.video() + ": no frame decoded");
            }
            // Bare ONNX Runtime in a loop over the copied batches.
            int h = bundle.manifest().input().height();
            int w = bundle.manifest().input().width();
            FloatBuffer direct = ByteBuffer.allocateDirect(tilesPerFrame * perTile * Float.BYTES)
                    .order(ByteOrder.nativeOrder()).asFloatBuffer();
            long[] shape = {tilesPerFrame, 3, h, w};
            for (int rep = 0; rep < o.repeats(); rep++) {
                for (float[] batch : stored) {
                    direct.clear();
                    direct.put(batch);
                    direct.flip();
                    long b0 = System.nanoTime();
                    try (OnnxTensor x = OnnxTensor.createTensor(env, direct, shape);
                         OrtSession.Result r = plain.run(Map.of("image", x), java.util.Set.of("p_pb"))) {
                        ((OnnxTensor) r.get("p_pb").orElseThrow()).getFloatBuffer();
                    }
                    if (rep > 0 || o.repeats() == 1) {
                        bare.add(System.nanoTime() - b0);
                    }
                }
            }
        } // closes the plain session and its options, also on failure
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("video", o.video().toString());
        out.put("bundle", bundle.manifest().name());
        out.put("execution_provider", bundle.provider().toString());
        out.put("intra_op_threads", bundle.options().intraOpThreads());
        long frames = obs == null ? 0 : obs.frames;
        long flaggedFrames = obs == null ? 0 : obs.flaggedFrames;
        long flaggedTiles = obs == null ? 0 : obs.flaggedTiles;
        out.put("frames", frames);
        out.put("frames_flagged", flaggedFrames);
        out.put("tiles_per_frame", tilesPerFrame);
        out.put("tiles_flagged", flaggedTiles);
        out.put("relevance_batch", relevanceBatch);
        out.put("relevance_runs", obs == null ? 0 : obs.runs);
        out.put("pipeline_wall_s", Replay.round3(pipelineSeconds));
        Map<String, Object> stages = new LinkedHashMap<>();
        for (LatencyRecorder lr : obs.stages()) {
            stages.put(lr.summary().stage(), Replay.stageJson(lr.summary()));
        }
        out.put("stages", stages);

        int h = bundle.manifest().input().height();
        int w = bundle.manifest().input().width();
        LatencyRecorder.Summary bareS = bare.summary();
        LatencyRecorder.Summary bareI = obs.bareInterleaved.summary();
        LatencyRecorder.Summary cleanS = obs.cleanFrame.summary();
        // Frames without a flagged tile run decode + tiling + ABN only: the like-for-like comparison,
        // against bare ORT on the same batches measured right after each frame (medians: robust to
        // other processes on the machine).
        boolean haveClean = cleanS.count() > 0;
        double bareFps = 1000.0 / (haveClean ? bareI.p50Ms() : bareS.p50Ms());
        Double pipelineFps = haveClean ? 1000.0 / cleanS.p50Ms() : null;
        Map<String, Object> thr = new LinkedHashMap<>();
        thr.put("bare_ort_frames_per_s", Replay.round3(bareFps));
        thr.put("bare_ort_interleaved_ms", Replay.stageJson(bareI));
        thr.put("bare_ort_loop_ms", Replay.stageJson(bareS));
        thr.put("pipeline_clean_frames_per_s", pipelineFps == null ? null : Replay.round3(pipelineFps));
        thr.put("pipeline_over_bare", pipelineFps == null ? null : Replay.round3(pipelineFps / bareFps));
        thr.put("pipeline_over_bare_mean", !haveClean ? null : Replay.round3(bareI.meanMs() / cleanS.meanMs()));
        // the stricter baseline: bare ONNX Runtime alone (the loop after the run, nothing else running)
        thr.put("bare_ort_loop_frames_per_s", bareS.count() == 0 ? null : Replay.round3(1000.0 / bareS.p50Ms()));
        thr.put("pipeline_over_bare_loop", pipelineFps == null || bareS.count() == 0 ? null
                : Replay.round3(pipelineFps * bareS.p50Ms() / 1000.0));
        thr.put("pipeline_all_frames_per_s", Replay.round3(frames / pipelineSeconds));
        thr.put("stored_batches", stored.size());
        out.put("throughput", thr);

        // Relevance vs ABN graph at batch 1 and 8, on stored tiles.
        Map<String, Object> rel = new LinkedHashMap<>();
        GraphSession abnS = bundle.graph("abn");
        GraphSession lrpS = bundle.graph("lrp_bn");
        for (int batch : new int[] {1, 8}) {
            FloatBuffer in = ByteBuffer.allocateDirect(batch * perTile * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
            for (int i = 0; i < batch; i++) {
                float[] src = stored.get(i / tilesPerFrame % stored.size());
                in.put(src, (i % tilesPerFrame) * perTile, perTile);
            }
            in.flip();
            LongBuffer target = ByteBuffer.allocateDirect(batch * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
            for (int i = 0; i < batch; i++) {
                target.put(i, bundle.manifest().crackClass());
            }
            long[] shape = {batch, 3, h, w};
            long[] tshape = {batch};
            LatencyRecorder a = new LatencyRecorder("abn_b" + batch);
            LatencyRecorder l = new LatencyRecorder("lrp_bn_b" + batch);
            // interleaved, many repetitions, medians: robust to other work on a small machine
            int reps = Math.max(10, (batch == 1 ? 40 : 10) * o.repeats());
            for (int rep = 0; rep <= reps; rep++) {
                long a0 = System.nanoTime();
                try (OnnxTensor x = OnnxTensor.createTensor(env, in, shape);
                     OrtSession.Result r = abnS.run(Map.of("image", x), java.util.Set.of("p_pb"))) {
                    r.get(0);
                }
                long a1 = System.nanoTime();
                try (OnnxTensor x = OnnxTensor.createTensor(env, in, shape);
                     OnnxTensor t = OnnxTensor.createTensor(env, target, tshape);
                     OrtSession.Result r = lrpS.run(Map.of("image", x, "target", t), java.util.Set.of("explanation"))) {
                    r.get(0);
                }
                long a2 = System.nanoTime();
                if (rep > 0) { // first repetition warms this batch size
                    a.add(a1 - a0);
                    l.add(a2 - a1);
                }
            }
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("abn_ms", Replay.stageJson(a.summary()));
            b.put("lrp_bn_ms", Replay.stageJson(l.summary()));
            b.put("ratio", Replay.round3(l.summary().p50Ms() / a.summary().p50Ms()));
            b.put("ratio_of_means", Replay.round3(l.summary().meanMs() / a.summary().meanMs()));
            rel.put("batch_" + batch, b);
        }
        // Per flagged tile: all relevance runs' time / flagged tiles, against all ABN time / tiles.
        LatencyRecorder.Summary rpt = obs.relevancePerTile.summary();
        LatencyRecorder.Summary apt = obs.abnPerTile.summary();
        Observer sink = obs;
        boolean anyFlagged = sink.flaggedTiles > 0;
        rel.put("pipeline_relevance_per_flagged_tile_ms",
                anyFlagged ? Replay.round3(sink.relevanceNanos / 1e6 / sink.flaggedTiles) : null);
        rel.put("pipeline_abn_per_tile_ms", sink.tiles == 0 ? null
                : Replay.round3(sink.abnNanos / 1e6 / sink.tiles));
        rel.put("pipeline_relevance_per_flagged_tile_over_abn_per_tile", !anyFlagged ? null
                : Replay.round3(((double) sink.relevanceNanos / sink.flaggedTiles) / ((double) sink.abnNanos / sink.tiles)));
        rel.put("pipeline_relevance_mean_batch_tiles", !anyFlagged ? null
                : Replay.round3((double) sink.flaggedTiles / sink.runs));
        // earlier definition: mean over flagged frames of (the frame's relevance time / its tiles)
        rel.put("pipeline_ratio_mean_over_frames", rpt.count() == 0 ? null : Replay.round3(rpt.meanMs() / apt.meanMs()));
        out.put("relevance_vs_abn", rel);
        ProcessMemory mem = ProcessMemory.read();
        out.put("memory", Map.of("vm_hwm_mib", Replay.round3(mem.hwmMiB()), "vm_rss_mib", Replay.round3(mem.rssMiB())));
        return out;
    }

    /** A plain-text table of a result of {@link #run}. */
    @SuppressWarnings("unchecked")
    public static String table(Map<String, Object> r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "crackcam bench: %s, bundle %s, provider %s, %s frames (%s flagged), %s tiles/frame%n",
                r.get("video"), r.get("bundle"), r.get("execution_provider"), r.get("frames"), r.get("frames_flagged"),
                r.get("tiles_per_frame")));
        b.append(String.format(Locale.ROOT, "%-28s %6s %9s %9s %9s%n", "stage", "count", "mean ms", "p50 ms", "p95 ms"));
        var stages = (Map<String, Map<String, Object>>) r.get("stages");
        for (var e : stages.entrySet()) {
            var s = e.getValue();
            b.append(String.format(Locale.ROOT, "%-28s %6s %9.2f %9.2f %9.2f%n", e.getKey(), s.get("count"),
                    (double) s.get("mean_ms"), (double) s.get("p50_ms"), (double) s.get("p95_ms")));
        }
        var t = (Map<String, Object>) r.get("throughput");
        if (t.get("pipeline_over_bare") == null) {
            b.append(String.format(Locale.ROOT, "throughput: bare ONNX Runtime %.2f frames/s; no crack-free frame to compare%n",
                    (double) t.get("bare_ort_frames_per_s")));
        } else {
            b.append(String.format(Locale.ROOT, "throughput on crack-free frames (medians): pipeline %.2f frames/s "
                    + "(wait for a decoded, packed frame + ABN), bare ONNX Runtime %.2f frames/s on the same batches right after each frame "
                    + "-> pipeline keeps %.1f%% (means: %.1f%%)%n", (double) t.get("pipeline_clean_frames_per_s"),
                    (double) t.get("bare_ort_frames_per_s"), 100 * (double) t.get("pipeline_over_bare"),
                    100 * (double) t.get("pipeline_over_bare_mean")));
            if (t.get("pipeline_over_bare_loop") != null) {
                b.append(String.format(Locale.ROOT, "  against bare ONNX Runtime alone (loop over the stored batches, nothing else "
                        + "running): %.2f frames/s -> pipeline keeps %.1f%%%n", (double) t.get("bare_ort_loop_frames_per_s"),
                        100 * (double) t.get("pipeline_over_bare_loop")));
            }
        }
        b.append(String.format(Locale.ROOT, "all frames: %.2f frames/s%n", (double) t.get("pipeline_all_frames_per_s")));
        var rel = (Map<String, Object>) r.get("relevance_vs_abn");
        for (String k : List.of("batch_1", "batch_8")) {
            var m = (Map<String, Object>) rel.get(k);
            b.append(String.format(Locale.ROOT, "relevance graph / ABN graph at %s: %.2fx (medians %.2f ms / %.2f ms; "
                    + "ratio of means %.2fx)%n",
                    k.replace('_', ' '), (double) m.get("ratio"),
                    (double) ((Map<String, Object>) m.get("lrp_bn_ms")).get("p50_ms"),
                    (double) ((Map<String, Object>) m.get("abn_ms")).get("p50_ms"), (double) m.get("ratio_of_means")));
        }
        Object ppt = rel.get("pipeline_relevance_per_flagged_tile_over_abn_per_tile");
        b.append("pipeline relevance stage per flagged tile / ABN stage per tile: ")
                .append(ppt == null ? "n/a (no flagged tile)" : String.format(Locale.ROOT,
                        "%.2fx (%.3f / %.3f ms; relevance batch limit %s, %s runs of %.2f tiles on average)", (double) ppt,
                        (double) rel.get("pipeline_relevance_per_flagged_tile_ms"), (double) rel.get("pipeline_abn_per_tile_ms"),
                        r.get("relevance_batch"), r.get("relevance_runs"), (double) rel.get("pipeline_relevance_mean_batch_tiles")))
                .append('\n');
        var mem = (Map<String, Object>) r.get("memory");
        b.append(String.format(Locale.ROOT, "resident memory: VmHWM %.1f MiB, VmRSS %.1f MiB%n",
                (double) mem.get("vm_hwm_mib"), (double) mem.get("vm_rss_mib")));
        return b.toString();
    }
}
