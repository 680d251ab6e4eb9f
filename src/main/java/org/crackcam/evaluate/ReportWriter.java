package org.crackcam.evaluate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Writes a {@link Report} into a directory: {@code results.md} (anchors and substrate verdicts,
 * one Insertion/Deletion table per substrate with paired tests, the mask metrics, timing,
 * settings), {@code results.json} (everything, per-image values included),
 * {@code insertion-<substrate>.png} / {@code deletion-<substrate>.png} (mean curves of the first
 * bundle, XChart) and {@code examples.png} (a grid: one row per example image; columns = input,
 * mask, then one heat map per method — the anchors included — each map min–max scaled on its
 * own, red = high; blank where a method has no map, e.g. truth on a no-crack image).
 */
public final class ReportWriter {
    private ReportWriter() {
    }

    public static void writeAll(Report report, Path dir) throws IOException {
        Files.createDirectories(dir);
        writeAtomically(dir.resolve("results.md"), markdown(report).getBytes(StandardCharsets.UTF_8));
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        writeAtomically(dir.resolve("results.json"), json.writeValueAsBytes(report));
        if (!report.bundles().isEmpty()) {
            Evaluation.BundleResult first = report.bundles().get(0);
            for (Report.Table t : report.tables()) {
                curves(first, t.substrate(), true, dir.resolve("insertion-" + fileName(t.substrate()) + ".png"));
                curves(first, t.substrate(), false, dir.resolve("deletion-" + fileName(t.substrate()) + ".png"));
            }
            if (first.examples() != null && !first.examples().ids().isEmpty()) {
                ImageIO.write(grid(first.examples(), first.methods()), "png", dir.resolve("examples.png").toFile());
            }
        }
    }

    /** The file-name part of a substrate name ("blur/black" -> "blur-black"). */
    public static String fileName(String substrate) {
        return substrate.replace('/', '-');
    }

    private static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static String fmt(Report.Stat s) {
        if (Double.isNaN(s.mean())) {
            return "–";
        }
        return Double.isNaN(s.std()) ? String.format(Locale.ROOT, "%.3f", s.mean())
                : String.format(Locale.ROOT, "%.3f ± %.3f", s.mean(), s.std());
    }

    /** The Markdown report. */
    public static String markdown(Report r) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Evaluation results\n\n");
        sb.append("Created ").append(r.createdAt()).append("; dataset: ")
                .append(r.settings().getOrDefault("dataset_source", "unknown")).append("; bundles: ");
        for (int i = 0; i < r.bundles().size(); i++) {
            var b = r.bundles().get(i);
            sb.append(i == 0 ? "" : ", ").append('`').append(b.bundle()).append('`');
        }
        int n = r.bundles().isEmpty() ? 0 : r.bundles().get(0).images();
        int truthN = 0;
        if (!r.bundles().isEmpty()) {
            for (boolean t : r.bundles().get(0).truthImages()) {
                truthN += t ? 1 : 0;
            }
        }
        sb.append("; ").append(n).append(" images per bundle (").append(truthN)
                .append(" crack images with a mask). Values are mean ± sample std over bundles (trained seeds)")
                .append(r.bundles().size() < 2 ? " — one bundle, so no std." : ".").append(" Accuracy: ")
                .append(fmt(r.accuracy())).append(".\n\n");
        sb.append("## Anchors and substrates\n\n");
        sb.append("`truth` ranks pixels by distance to the crack mask (the ceiling; crack images with a mask only), ")
                .append("`random` is a seeded random ranking (the floor). A substrate is sound when random's ID is ")
                .append(String.format(Locale.ROOT, "within ±%.2f of 0", Report.RANDOM_TOLERANCE))
                .append(" and truth has the highest ID on its images.\n\n")
                .append("| Substrate | random ID | truth ID | best other (ID on truth's images) | verdict |\n")
                .append("|---|---|---|---|---|\n");
        for (Report.Table t : r.tables()) {
            var s = t.sanity();
            sb.append("| ").append(t.substrate()).append(String.format(Locale.ROOT, " | %.3f | %.3f | %s (%.3f) | %s |%n",
                    s.randomId(), s.truthId(), s.bestOther(), s.bestOtherId(), s.verdict()));
        }
        sb.append("\nSubstrate chosen by the anchors: **").append(r.anchorSubstrate()).append("** (")
                .append(r.anchorReason()).append(").\n");
        for (Report.Table t : r.tables()) {
            sb.append("\n## Insertion / Deletion — substrate `").append(t.substrate()).append("`\n\n");
            if (t.sanity().broken()) {
                sb.append("**").append(t.sanity().verdict()).append(".**\n\n");
            }
            sb.append("| Method | role | Insertion ↑ | Deletion ↓ | ID ↑ | ID, crack images | ID / truth ID |\n")
                    .append("|---|---|---|---|---|---|---|\n");
            for (var row : t.rows()) {
                sb.append("| ").append(row.method()).append(row.method().equals(t.bestBaseline()) ? " (best baseline)" : "")
                        .append(" | ").append(row.role()).append(" | ").append(fmt(row.insertion())).append(" | ")
                        .append(fmt(row.deletion())).append(" | ").append(fmt(row.id())).append(" | ")
                        .append(fmt(row.idOnTruthImages())).append(" | ").append(fmt(row.fractionOfTruth()))
                        .append(" |\n");
            }
            if (!t.comparisons().isEmpty()) {
                sb.append("\nPaired tests on per-image ID (a − b; each image averaged over bundles first):\n\n")
                        .append("| a − b | images | n | mean ΔID | Wilcoxon W | Wilcoxon p | paired t | t-test p |\n")
                        .append("|---|---|---|---|---|---|---|---|\n");
                for (var c : t.comparisons()) {
                    var p = c.test();
                    sb.append("| ").append(c.a()).append(" − ").append(c.b()).append(" | ").append(c.images())
                            .append(" | ").append(p.n())
                            .append(String.format(Locale.ROOT, " | %+.4f | %.1f | %.3g | %.3f | %.3g |%n",
                                    p.meanDifference(), p.wilcoxonW(), p.wilcoxonP(), p.pairedT(), p.pairedTP()));
                }
            }
        }
        double k = r.masks().isEmpty() ? Double.NaN : r.masks().get(0).tolerance();
        sb.append(String.format(Locale.ROOT, "%n## Crack masks — tolerant precision / recall / F1 (k = %s px at the "
                + "model input) and strict IoU%n%n", k % 1 == 0 ? String.valueOf((long) k) : String.valueOf(k)));
        sb.append("Per-image means over the crack images with a mask. `lrp-bn`'s mask is its C1C mask — the runtime's "
                + "alert region. A predicted pixel counts when a truth pixel lies within k px and vice versa.\n\n");
        sb.append("| Method | binarisation | images | precision ↑ | recall ↑ | F1 ↑ | IoU ↑ |\n|---|---|---|---|---|---|---|\n");
        for (var m : r.masks()) {
            sb.append("| ").append(m.method()).append(" | ").append(binarisationText(m.method(), r)).append(" | ")
                    .append(m.images()).append(" | ").append(fmt(m.precision())).append(" | ").append(fmt(m.recall()))
                    .append(" | ").append(fmt(m.f1())).append(" | ").append(fmt(m.iou())).append(" |\n");
        }
        sb.append("\n## Cost per image (seconds, this machine)\n\n| Method | map | all curves + mask metrics |\n|---|---|---|\n");
        for (var c : r.costs()) {
            sb.append("| ").append(c.method()).append(String.format(Locale.ROOT, " | %.4f | %.4f |%n",
                    c.mapSecondsPerImage(), c.metricSecondsPerImage()));
        }
        Report.CostRow rise = cost(r, Method.RISE.id());
        Report.CostRow ours = cost(r, Method.LRP_BN.id());
        if (rise != null) {
            sb.append(String.format(Locale.ROOT, "%nRISE's own cost: %.3f s per image for its map (%s ABN passes)",
                    rise.mapSecondsPerImage(), r.settings().getOrDefault("rise", "?")));
            if (ours != null && ours.mapSecondsPerImage() > 0) {
                sb.append(String.format(Locale.ROOT, ", %.0f× the LRP-BN map (%.4f s)",
                        rise.mapSecondsPerImage() / ours.mapSecondsPerImage(), ours.mapSecondsPerImage()));
            }
            sb.append(".\n");
        }
        for (var b : r.bundles()) {
            if (b.imputerSolves() > 0) {
                sb.append(String.format(Locale.ROOT, "%nROAD imputation on %s: %d sparse solves, %.1f CG iterations "
                        + "per solve and channel.%n", b.bundle(), b.imputerSolves(),
                        b.imputerIterations() / (double) b.imputerSolves() / 3.0));
                break;
            }
        }
        sb.append(String.format(Locale.ROOT, "%nWall time of the whole run: %.1f s.%n", r.wallSeconds()));
        sb.append("\n## Settings\n\n");
        for (Map.Entry<String, Object> e : r.settings().entrySet()) {
            sb.append("- ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
        }
        return sb.toString();
    }

    private static Report.CostRow cost(Report r, String method) {
        for (var s : r.costs()) {
            if (s.method().equals(method)) {
                return s;
            }
        }
        return null;
    }

    private static String binarisationText(String method, Report r) {
        Method m = Method.parse(method);
        if (m == Method.TRUTH) {
            return "the mask itself (top-k, k = mask area)";
        }
        if (m == Method.CRACK_MASK) {
            return "the crack-shaped mask itself";
        }
        if (m.c1c()) {
            return "C1C mask (> 0)";
        }
        return String.valueOf(r.settings().getOrDefault("iou_binarisation", "mean"));
    }

    /** Mean insertion or deletion curves of every method of one bundle under one substrate. */
    static void curves(Evaluation.BundleResult b, String substrate, boolean insertion, Path file) throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(560)
                .title((insertion ? "Insertion" : "Deletion") + " — substrate " + substrate + ", " + b.bundle())
                .xAxisTitle(insertion ? "fraction of pixels inserted" : "fraction of pixels deleted")
                .yAxisTitle("mean softmax probability of class C").build();
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0).setXAxisMin(0.0).setXAxisMax(1.0);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setXAxisDecimalPattern("0.0").setYAxisDecimalPattern("0.0");
        for (var m : b.methods()) {
            var c = m.curve(substrate);
            if (c == null || c.images() == 0) {
                continue;
            }
            double[] y = insertion ? c.meanInsertionCurve() : c.meanDeletionCurve();
            double auc = insertion ? c.insertion() : c.deletion();
            String label = m.method() + (m.method().equals(Method.TRUTH.id()) ? " [crack imgs]" : "");
            var series = chart.addSeries(String.format(Locale.ROOT, "%s (%.3f)", label, auc), b.curveFraction(), y);
            series.setMarker(SeriesMarkers.NONE);
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** The example grid (see the class comment). */
    static BufferedImage grid(Evaluation.Examples ex, List<Evaluation.MethodResult> methods) {
        int rows = ex.ids().size();
        int h = (int) Math.round(Math.sqrt(ex.images().get(0).length / 3.0));
        int w = ex.images().get(0).length / 3 / h;
        int cell = Math.max(h, 112);
        int pad = 4;
        int header = 22;
        int label = 16;
        int cols = 2 + methods.size();
        BufferedImage img = new BufferedImage(cols * (cell + pad) + pad, header + rows * (cell + label + pad) + pad,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
            String[] titles = new String[cols];
            titles[0] = "input";
            titles[1] = "mask";
            for (int c = 0; c < methods.size(); c++) {
                titles[2 + c] = methods.get(c).method();
            }
            for (int c = 0; c < cols; c++) {
                g.drawString(titles[c], pad + c * (cell + pad), 15);
            }
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            for (int r = 0; r < rows; r++) {
                int y0 = header + r * (cell + label + pad);
                float[] x = ex.images().get(r);
                g.drawImage(scale(rgb(x, h, w), cell), pad, y0, null);
                boolean[] mask = ex.masks().get(r);
                g.drawImage(scale(mask == null ? blank(h, w) : maskImage(mask, h, w), cell), pad + cell + pad, y0, null);
                g.setColor(Color.BLACK);
                g.drawString(ex.ids().get(r) + (ex.labels().get(r) == 1 ? " (crack)" : " (no crack)"), pad,
                        y0 + cell + 12);
                for (int c = 0; c < methods.size(); c++) {
                    List<float[]> maps = ex.maps().get(methods.get(c).method());
                    if (maps != null && r < maps.size() && maps.get(r) != null) {
                        g.drawImage(scale(heat(maps.get(r), h, w), cell), pad + (2 + c) * (cell + pad), y0, null);
                    }
                }
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    private static BufferedImage scale(BufferedImage src, int size) {
        if (src.getWidth() == size && src.getHeight() == size) {
            return src;
        }
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.drawImage(src, 0, 0, size, size, null);
        g.dispose();
        return out;
    }

    private static BufferedImage rgb(float[] chw, int h, int w) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int p = 0; p < h * w; p++) {
            int r = clamp(chw[p]);
            int gg = clamp(chw[h * w + p]);
            int b = clamp(chw[2 * h * w + p]);
            img.setRGB(p % w, p / w, (r << 16) | (gg << 8) | b);
        }
        return img;
    }

    private static BufferedImage maskImage(boolean[] m, int h, int w) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int p = 0; p < h * w; p++) {
            img.setRGB(p % w, p / w, m[p] ? 0xFFFFFF : 0);
        }
        return img;
    }

    private static BufferedImage blank(int h, int w) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int p = 0; p < h * w; p++) {
            img.setRGB(p % w, p / w, 0x808080);
        }
        return img;
    }

    /** Min–max scaled map through a jet-like ramp (blue low, red high). */
    static BufferedImage heat(float[] map, int h, int w) {
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (float v : map) {
            if (!Float.isNaN(v)) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        float range = hi > lo ? hi - lo : 1f;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int p = 0; p < h * w; p++) {
            float t = Float.isNaN(map[p]) ? 0f : (map[p] - lo) / range;
            img.setRGB(p % w, p / w, ramp(t));
        }
        return img;
    }

    /** Jet-like ramp: 0 dark blue, 0.5 green-yellow, 1 dark red. */
    private static int ramp(float t) {
        float r = Math.min(1f, Math.max(0f, 1.5f - Math.abs(4 * t - 3)));
        float g = Math.min(1f, Math.max(0f, 1.5f - Math.abs(4 * t - 2)));
        float b = Math.min(1f, Math.max(0f, 1.5f - Math.abs(4 * t - 1)));
        return (clamp(r) << 16) | (clamp(g) << 8) | clamp(b);
    }

    private static int clamp(float v) {
        return Math.max(0, Math.min(255, Math.round(v * 255)));
    }

    /** Rethrows an IOException unchecked (for lambdas). */
    static UncheckedIOException unchecked(IOException e) {
        return new UncheckedIOException(e);
    }
}
