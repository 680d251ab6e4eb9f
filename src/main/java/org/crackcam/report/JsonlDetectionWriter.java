package org.crackcam.report;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.crackcam.explain.MaskRle;
import org.crackcam.pipeline.DetectionListener;
import org.crackcam.pipeline.FrameResult;
import org.crackcam.pipeline.TileResult;

/**
 * Writes detections as JSON Lines, one line per frame with a flagged tile (or every frame with
 * {@code allFrames}). Fields: source, frame, time_us, time_s, width, height, tiles (index,
 * box [x, y, w, h], p, flagged), flagged (count), mask ({@link MaskRle}: bbox, runs, area; null
 * without a flagged tile). Flushed per line so a crash keeps what was written.
 */
public final class JsonlDetectionWriter implements DetectionListener {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BufferedWriter out;
    private final boolean allFrames;
    private long lines;

    public JsonlDetectionWriter(Path file, boolean allFrames) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        this.allFrames = allFrames;
    }

    /** The JSON object of one frame (also used by tests and reports). */
    public static Map<String, Object> toJson(FrameResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", r.sourceId());
        m.put("frame", r.frameIndex());
        m.put("time_us", r.timestampMicros());
        m.put("time_s", Math.round(r.timestampMicros() / 1000.0) / 1000.0);
        m.put("width", r.width());
        m.put("height", r.height());
        List<Map<String, Object>> tiles = r.tiles().stream().map(JsonlDetectionWriter::tile).toList();
        m.put("tiles", tiles);
        m.put("flagged", r.tiles().stream().filter(TileResult::flagged).count());
        if (r.crackMask() != null) {
            MaskRle rle = MaskRle.encode(r.crackMask(), r.width(), r.height());
            Map<String, Object> mask = new LinkedHashMap<>();
            mask.put("encoding", "rle-bbox");
            mask.put("bbox", rle.bbox());
            mask.put("runs", rle.runs());
            mask.put("area", rle.area());
            m.put("mask", mask);
        } else {
            m.put("mask", null);
        }
        return m;
    }

    private static Map<String, Object> tile(TileResult t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", t.index());
        m.put("box", new int[] {t.x(), t.y(), t.size(), t.size()});
        m.put("p", Math.round(t.probability() * 1e4) / 1e4);
        m.put("flagged", t.flagged());
        return m;
    }

    @Override
    public void onFrame(FrameResult frame) {
        if (!allFrames && !frame.hasCrack()) {
            return;
        }
        try {
            out.write(JSON.writeValueAsString(toJson(frame)));
            out.write('\n');
            out.flush();
            lines++;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write detections", e);
        }
    }

    public long lines() {
        return lines;
    }

    @Override
    public void onEnd() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write detections", e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close detections", e);
        }
    }
}
