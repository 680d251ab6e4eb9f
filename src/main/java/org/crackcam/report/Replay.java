package org.crackcam.report;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.crackcam.bundle.ModelBundle;
import org.crackcam.capture.FileFrameSource;
import org.crackcam.capture.FrameSelector;
import org.crackcam.explain.OverlayRenderer;
import org.crackcam.inference.Detector;
import org.crackcam.inference.LatencyRecorder;
import org.crackcam.inference.PackingPrefetcher;
import org.crackcam.inference.Pipeline;
import org.crackcam.pipeline.CrackcamException;
import org.crackcam.pipeline.DetectionListener;
import org.crackcam.pipeline.FrameResult;
import org.crackcam.pipeline.OutputException;
import org.crackcam.pipeline.TileResult;
import org.crackcam.settings.InvalidSettingException;
import org.crackcam.settings.TilingSettings;
import org.tinylog.Logger;

/**
 * Replays a video file through the detection pipeline and writes, under the output directory:
 * {@code detections.jsonl} (see {@link JsonlDetectionWriter}), {@code overlays/frame_NNNNNN.jpg}
 * for flagged frames, and {@code summary.json}. A decode error that stops decoding keeps
 * everything written before it, records the error in the summary and is rethrown; damage the
 * decoder got past is counted in the summary ({@code decode_errors}, {@code first_decode_error})
 * for the command to judge.
 */
public final class Replay {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * @param maxOverlays overlays written at most (flagged frames beyond are only in the JSONL)
     * @param label       text drawn on overlays (e.g. "SYNTHETIC DATA"), or null
     */
    /**
     * @param relevanceBatch relevance batch limit ({@link Detector#relevanceBatching}): flagged
     *                       tiles of up to this many tiles' worth of consecutive frames run together
     */
    public record Options(Path video, Path out, FrameSelector selector, boolean realtime, int maxOverlays,
                          boolean allFrames, boolean progress, String label, int relevanceBatch) {
        /** With the default relevance batch. */
        public Options(Path video, Path out, FrameSelector selector, boolean realtime, int maxOverlays,
                       boolean allFrames, boolean progress, String label) {
            this(video, out, selector, realtime, maxOverlays, allFrames, progress, label,
                    Detector.DEFAULT_RELEVANCE_BATCH);
        }
    }

    /** A flagged frame, for reports. */
    public record Flagged(long frame, long timeMicros, int flaggedTiles, float maxProbability, int maskArea,
                          String overlay) {
    }

    /** What a replay produced; {@code failure} is the decode error that ended it, if any. */
    public record Result(Map<String, Object> summary, List<Flagged> flagged, Path outDir,
                         CrackcamException failure) {
    }

    private Replay() {
    }

    /** Runs the replay; extra listeners (alerts) get every frame too. */
    public static Result run(ModelBundle bundle, TilingSettings tiling, Options o, PrintStream err,
                             List<DetectionListener> extraListeners) throws InterruptedException {
        try {
            Files.createDirectories(o.out());
        } catch (IOException e) {
            throw new InvalidSettingException("cannot create output directory " + o.out() + ": " + e.getMessage(), e);
        }
        LatencyRecorder decode = new LatencyRecorder("decode");
        LatencyRecorder tilingT = new LatencyRecorder("tiling");
        LatencyRecorder abn = new LatencyRecorder("abn");
        LatencyRecorder relevance = new LatencyRecorder("relevance");
        LatencyRecorder relevanceRun = new LatencyRecorder("relevance_run");
        LatencyRecorder c1c = new LatencyRecorder("c1c");
        LatencyRecorder render = new LatencyRecorder("render");
        List<Flagged> flagged = new ArrayList<>();
        CrackcamException failure = null;
        Pipeline.Summary s = null;
        long t0 = System.nanoTime();
        try (FileFrameSource file = FileFrameSource.open(o.video(), o.selector());
             Detector detector = batching(new Detector(bundle, tiling), o.relevanceBatch());
             // decodes and packs each frame's tiles ahead on its own thread (2 frames ahead, plus the
             // slots of frames waiting for a relevance batch); closed before the detector
             PackingPrefetcher source = PackingPrefetcher.of(file, detector, 2);
             JsonlDetectionWriter jsonl = new JsonlDetectionWriter(o.out().resolve("detections.jsonl"), o.allFrames())) {
            detector.gridFor(file.width(), file.height()); // ROI errors before any output
            if (!extraListeners.isEmpty()) { // alert ids: what the frames are (content hash) and how they are processed
                String identity = org.crackcam.alerts.SourceIdentity.ofFile(o.video());
                String settings = "selector=" + o.selector() + " realtime=" + o.realtime() + " tiling=" + tiling
                        + " " + detector.crackMaskSettings();
                extraListeners.forEach(l -> l.onSource(file.id(), identity, settings));
            }
            ProgressBar bar = o.progress() ? ProgressBar.overVideo(err, source.durationMicros()) : null;
            long[] counts = new long[2];
            Pipeline.FrameObserver observer = (r, t, slot) -> {
                decode.add(slot.frame().decodeNanos);
                tilingT.add(t.tilingNanos);
                abn.add(t.abnNanos);
                if (t.flagged > 0) {
                    relevance.add(t.relevanceNanos); // the frame's share of its batch's run
                    c1c.add(t.c1cNanos);
                }
                if (t.relevanceRunNanos > 0) {
                    relevanceRun.add(t.relevanceRunNanos);
                }
                counts[0]++;
                if (r.hasCrack()) {
                    counts[1]++;
                    String overlay = null;
                    if (flagged.size() < o.maxOverlays()) {
                        long r0 = System.nanoTime();
                        overlay = String.format(Locale.ROOT, "overlays/frame_%06d.jpg", r.frameIndex());
                        OverlayRenderer.write(o.out().resolve(overlay), r.frameBgr(), r.width(), r.height(), r.tiles(),
                                detector.explanations(), detector.mapHeight(), detector.mapWidth(), r.crackMask(),
                                r.crackShape(), o.label());
                        render.add(System.nanoTime() - r0);
                    }
                    flagged.add(new Flagged(r.frameIndex(), r.timestampMicros(), t.flagged, maxP(r), area(r), overlay));
                }
                if (bar != null) {
                    bar.update(r.timestampMicros(), counts[0], counts[1] + " flagged");
                }
            };
            List<DetectionListener> listeners = new ArrayList<>();
            listeners.add(jsonl);
            listeners.addAll(extraListeners);
            Pipeline pipeline = new Pipeline(source, detector, listeners, observer, o.realtime());
            // Ctrl-C / SIGTERM: stop after the current frame and let the summary be written (≤ 5 s).
            java.util.concurrent.CountDownLatch written = new java.util.concurrent.CountDownLatch(1);
            Thread hook = new Thread(() -> {
                pipeline.stop();
                try {
                    written.await(5, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "replay-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                s = pipeline.run();
            } catch (CrackcamException e) {
                failure = e;
            } finally {
                if (bar != null) {
                    bar.finish();
                }
            }
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("video", o.video().toString());
            summary.put("bundle", bundle.manifest().name());
            summary.put("bundle_dir", bundle.directory().toString());
            summary.put("execution_provider", bundle.provider().toString());
            summary.put("width", file.width());
            summary.put("height", file.height());
            summary.put("source_fps", source.frameRate());
            summary.put("duration_s", source.durationMicros() / 1e6);
            summary.put("tiles_per_frame", detector.grid().size());
            summary.put("roi", tiling.roi().toString());
            summary.put("crack_threshold", bundle.manifest().decision().crackThreshold());
            summary.put("frames_processed", counts[0]);
            summary.put("frames_flagged", counts[1]);
            summary.put("frames_decoded", file.decoded());
            summary.put("decode_errors", file.decodeErrors()); // frames FFmpeg decoded with errors (concealed)
            summary.put("first_decode_error", file.firstDecodeError());
            summary.put("tiles_flagged", flagged.stream().mapToInt(Flagged::flaggedTiles).sum());
            summary.put("relevance_batch", o.relevanceBatch());
            summary.put("overlays_written", flagged.stream().filter(f -> f.overlay() != null).count());
            double wall = (System.nanoTime() - t0) / 1e9;
            summary.put("wall_s", round3(wall));
            summary.put("processing_fps", s != null ? round3(s.framesPerSecond()) : null);
            summary.put("stopped_early", s != null && s.stopped());
            Map<String, Object> stages = new LinkedHashMap<>();
            for (LatencyRecorder lr : List.of(decode, tilingT, abn, relevance, relevanceRun, c1c, render)) {
                LatencyRecorder.Summary ls = lr.summary();
                stages.put(ls.stage(), stageJson(ls));
            }
            summary.put("stages", stages);
            summary.put("error", failure == null ? null : failure.getMessage());
            summary.put("label", o.label());
            summary.put("bundle_provenance", bundle.manifest().provenance());
            try {
                JSON.writeValue(o.out().resolve("summary.json").toFile(), summary);
            } catch (IOException e) {
                throw new OutputException("cannot write summary.json", e);
            } finally {
                jsonl.onEnd();
                written.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException ignored) {
                    // already shutting down: the hook is waiting on `written`
                }
            }
            Logger.info("{}: {} frames, {} flagged, {} fps -> {}", source.id(), counts[0], counts[1],
                    s != null ? String.format(Locale.ROOT, "%.1f", s.framesPerSecond()) : "?", o.out());
            return new Result(summary, flagged, o.out(), failure);
        }
    }

    static Detector batching(Detector d, int relevanceBatch) {
        try {
            d.relevanceBatching(relevanceBatch);
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
        return d;
    }

    static Map<String, Object> stageJson(LatencyRecorder.Summary ls) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", ls.count());
        m.put("mean_ms", round3(ls.meanMs()));
        m.put("p50_ms", round3(ls.p50Ms()));
        m.put("p95_ms", round3(ls.p95Ms()));
        return m;
    }

    static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static float maxP(FrameResult r) {
        float m = 0;
        for (TileResult t : r.tiles()) {
            m = Math.max(m, t.probability());
        }
        return m;
    }

    private static int area(FrameResult r) {
        int a = 0;
        byte[] mask = r.crackMask();
        for (int i = 0, n = r.width() * r.height(); i < n; i++) {
            a += mask[i];
        }
        return a;
    }
}
