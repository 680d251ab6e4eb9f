package org.crackcam.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * A self-contained HTML page for a replay: a "synthetic data" banner when the data is
 * synthetic, the summary, and the flagged frames with their overlays (relative links).
 */
public final class HtmlReport {

    private HtmlReport() {
    }

    /** Writes {@code dir/index.html} and returns its path. */
    public static Path write(Path dir, Replay.Result r, boolean synthetic, String title, ProcessMemory mem) throws IOException {
        Map<String, Object> s = r.summary();
        StringBuilder h = new StringBuilder(16 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>")
                .append(esc(title)).append("</title>\n<style>\n")
                .append("body{font-family:system-ui,sans-serif;margin:1.5em;max-width:1200px;color:#222}\n")
                .append(".synthetic{background:#fff3cd;border:2px solid #e0a800;padding:.6em 1em;font-weight:600;margin:1em 0}\n")
                .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}\n")
                .append(".frames{display:flex;flex-wrap:wrap;gap:12px}.frames figure{margin:0;width:380px}\n")
                .append(".frames img{width:380px;border:1px solid #999}figcaption{font-size:.85em}\n")
                .append("</style></head><body>\n");
        h.append("<h1>").append(esc(title)).append("</h1>\n");
        if (synthetic) {
            h.append("<div class=\"synthetic\">SYNTHETIC DATA: this drive and the model's training tiles are computer-generated "
                    + "(procedural asphalt and cracks). Figures here say nothing about real roads.</div>\n");
        }
        if (s.get("error") != null) {
            h.append("<p><strong>The video ended with an error:</strong> ").append(esc(String.valueOf(s.get("error")))).append("</p>\n");
        }
        h.append("<h2>Summary</h2>\n<table>\n");
        for (String k : new String[] {"video", "bundle", "execution_provider", "width", "height", "duration_s",
                "frames_processed", "frames_flagged", "tiles_per_frame", "tiles_flagged", "crack_threshold", "roi",
                "processing_fps", "wall_s"}) {
            h.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(String.valueOf(s.get(k)))).append("</td></tr>\n");
        }
        if (mem != null && mem.vmHwmKb() > 0) {
            h.append(String.format(Locale.ROOT, "<tr><th>resident memory</th><td>VmHWM %.1f MiB, VmRSS %.1f MiB</td></tr>%n",
                    mem.hwmMiB(), mem.rssMiB()));
        }
        h.append("</table>\n");
        if (s.get("stages") instanceof Map<?, ?> stages) {
            h.append("<h2>Stage latency (ms)</h2>\n<table><tr><th>stage</th><th>count</th><th>mean</th><th>p50</th><th>p95</th></tr>\n");
            for (var e : stages.entrySet()) {
                Map<?, ?> v = (Map<?, ?>) e.getValue();
                h.append("<tr><td>").append(esc(String.valueOf(e.getKey()))).append("</td><td>").append(v.get("count"))
                        .append("</td><td>").append(v.get("mean_ms")).append("</td><td>").append(v.get("p50_ms"))
                        .append("</td><td>").append(v.get("p95_ms")).append("</td></tr>\n");
            }
            h.append("</table>\n");
        }
        h.append("<h2>Flagged frames (").append(r.flagged().size()).append(")</h2>\n");
        h.append("<p>Red boxes: tiles with p(crack) at or above the threshold; colours: LRP-BN explanation "
                + "(relevance &#x2299; attention); green outline: C1C crack mask. Detections: "
                + "<a href=\"detections.jsonl\">detections.jsonl</a>, summary: <a href=\"summary.json\">summary.json</a>.</p>\n");
        h.append("<div class=\"frames\">\n");
        for (Replay.Flagged f : r.flagged()) {
            if (f.overlay() == null) {
                continue;
            }
            h.append("<figure><a href=\"").append(esc(f.overlay())).append("\"><img loading=\"lazy\" src=\"")
                    .append(esc(f.overlay())).append("\" alt=\"frame ").append(f.frame()).append("\"></a><figcaption>")
                    .append(String.format(Locale.ROOT, "frame %d, t = %.2f s, %d tile(s) flagged, max p = %.2f, mask %d px",
                            f.frame(), f.timeMicros() / 1e6, f.flaggedTiles(), f.maxProbability(), f.maskArea()))
                    .append("</figcaption></figure>\n");
        }
        h.append("</div>\n</body></html>\n");
        Path file = dir.resolve("index.html");
        Files.writeString(file, h, StandardCharsets.UTF_8);
        return file;
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
