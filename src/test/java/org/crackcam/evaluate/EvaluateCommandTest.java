package org.crackcam.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.crackcam.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code crackcam evaluate} end to end: usage and bundle errors (one line, exit code), and a
 * run of every method on a handful of SYNTHETIC tiles with the shipped bundle
 * (models/edge-synthetic), checking the properties every correct run has.
 */
class EvaluateCommandTest {
    /** The shipped bundle; {@code -Dcrackcam.evaluate.bundle=DIR} points the test at another one. */
    static final Path SHIPPED = Path.of(System.getProperty("crackcam.evaluate.bundle", "models/edge-synthetic"));

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A tiny SYNTHETIC dataset in the shared layout: noisy grey tiles, dark polyline "cracks", masks. */
    static Path syntheticDataset(Path root, int perClass) throws Exception {
        Files.createDirectories(root);
        Files.writeString(root.resolve("dataset.json"), "{\"source\": \"synthetic\", \"notes\": \"test fixture\"}");
        SplittableRandom rng = new SplittableRandom(5);
        for (int label = 0; label < 2; label++) {
            Path dir = Files.createDirectories(root.resolve("test").resolve(label == 1 ? "crack" : "no_crack"));
            for (int i = 0; i < perClass; i++) {
                try (Mat img = new Mat(128, 128, org.bytedeco.opencv.global.opencv_core.CV_8UC3);
                     Mat mask = new Mat(128, 128, org.bytedeco.opencv.global.opencv_core.CV_8UC1, new Scalar(0))) {
                    var idx = img.createIndexer();
                    var ix = (org.bytedeco.javacpp.indexer.UByteIndexer) idx;
                    for (int y = 0; y < 128; y++) {
                        for (int x = 0; x < 128; x++) {
                            int v = 110 + rng.nextInt(40);
                            ix.put(y, x, 0, v);
                            ix.put(y, x, 1, v);
                            ix.put(y, x, 2, v);
                        }
                    }
                    ix.close();
                    String id = String.format("t-%d-%02d", label, i);
                    if (label == 1) {
                        int y0 = 20 + rng.nextInt(80);
                        int y1 = 20 + rng.nextInt(80);
                        try (Point a = new Point(0, y0); Point b = new Point(64, (y0 + y1) / 2 + rng.nextInt(10));
                             Point c = new Point(127, y1)) {
                            opencv_imgproc.line(img, a, b, new Scalar(30, 30, 30, 0), 3, opencv_imgproc.LINE_8, 0);
                            opencv_imgproc.line(img, b, c, new Scalar(30, 30, 30, 0), 3, opencv_imgproc.LINE_8, 0);
                            opencv_imgproc.line(mask, a, b, new Scalar(255), 3, opencv_imgproc.LINE_8, 0);
                            opencv_imgproc.line(mask, b, c, new Scalar(255), 3, opencv_imgproc.LINE_8, 0);
                        }
                        opencv_imgcodecs.imwrite(dir.resolve(id + ".mask.png").toString(), mask);
                    }
                    opencv_imgcodecs.imwrite(dir.resolve(id + ".jpg").toString(), img);
                }
            }
        }
        return root;
    }

    @Test
    void unknownMethodIsAUsageErrorWithOneLine(@TempDir Path tmp) throws Exception {
        Path data = syntheticDataset(tmp.resolve("d"), 1);
        Path bundle = Files.createDirectories(tmp.resolve("b"));
        Run r = run("evaluate", "--bundle", bundle.toString(), "--data", data.toString(), "--methods", "lrp-bn,shap",
                "--out", tmp.resolve("o").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("unknown method 'shap'"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void directoryWithoutManifestIsABadBundle(@TempDir Path tmp) throws Exception {
        Path data = syntheticDataset(tmp.resolve("d"), 1);
        Path bundle = Files.createDirectories(tmp.resolve("not-a-bundle"));
        Run r = run("evaluate", "--bundle", bundle.toString(), "--data", data.toString(), "--out",
                tmp.resolve("o").toString());
        assertEquals(4, r.code(), r.err());
        assertTrue(r.err().contains("manifest.json"), r.err());
    }

    @Test
    void missingDatasetIsAUsageError(@TempDir Path tmp) {
        assumeTrue(Files.isRegularFile(SHIPPED.resolve("manifest.json")), "shipped bundle not on this branch yet");
        Run r = run("evaluate", "--bundle", SHIPPED.toString(), "--data", tmp.resolve("nothing").toString(),
                "--out", tmp.resolve("o").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("no such dataset folder"), r.err());
    }

    @Test
    void folderWithoutDatasetJsonOrLayoutIsAOneLineError(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isRegularFile(SHIPPED.resolve("manifest.json")), "shipped bundle not on this branch yet");
        Path data = Files.createDirectories(tmp.resolve("photos"));
        Files.writeString(data.resolve("a.png"), "x");
        Run r = run("evaluate", "--bundle", SHIPPED.toString(), "--data", data.toString(), "--out",
                tmp.resolve("o").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("expected dataset.json or the folders test/crack and test/no_crack"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void everyMethodRunsOnTheShippedBundleAndTheCurvesAgreeAtTheirEnds(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isRegularFile(SHIPPED.resolve("manifest.json")), "shipped bundle not on this branch yet");
        Path data = syntheticDataset(tmp.resolve("d"), 3);
        Path out = tmp.resolve("o");
        Run r = run("evaluate", "--bundle", SHIPPED.toString(), "--data", data.toString(), "--rise-n", "64",
                "--steps", "8", "--no-progress", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        for (String f : new String[] {"results.md", "results.json", "insertion-black.png", "deletion-black.png",
                "insertion-road.png", "deletion-mean.png", "examples.png"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        JsonNode doc = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        JsonNode b = doc.get("bundles").get(0);
        assertEquals(6, b.get("images").asInt());
        double acc = b.get("accuracy").asDouble();
        assertTrue(acc >= 0 && acc <= 1);
        java.util.Map<String, double[]> ends = new java.util.HashMap<>();
        java.util.Set<String> seen = new java.util.TreeSet<>();
        for (JsonNode m : b.get("methods")) {
            String name = m.get("method").asText();
            seen.add(name);
            assertEquals(4, m.get("curves").size(), name + ": black, blur, mean, road");
            for (JsonNode c : m.get("curves")) {
                String sub = c.get("substrate").asText();
                String what = name + " / " + sub;
                JsonNode ins = c.get("meanInsertionCurve");
                JsonNode del = c.get("meanDeletionCurve");
                int last = ins.size() - 1;
                assertEquals(9, ins.size(), what);
                // the curves' ends do not depend on the map: all pixels = the image, none = the substrate
                assertEquals(ins.get(last).asDouble(), del.get(0).asDouble(), 1e-6, what + " full image");
                assertEquals(ins.get(0).asDouble(), del.get(last).asDouble(), 1e-6, what + " fully removed image");
                if (!name.equals("truth")) {   // truth averages over the crack images only
                    assertEquals(6, c.get("images").asInt(), what);
                    double[] e = ends.computeIfAbsent(sub, k -> new double[] {del.get(0).asDouble(), ins.get(0).asDouble()});
                    assertEquals(e[0], del.get(0).asDouble(), 1e-6, what + " same full-image score for every method");
                    assertEquals(e[1], ins.get(0).asDouble(), 1e-6, what + " same removed-image score for every method");
                } else {
                    assertEquals(3, c.get("images").asInt(), what + ": the 3 crack images with masks");
                }
                for (String k : new String[] {"insertion", "deletion"}) {
                    double v = c.get(k).asDouble();
                    assertTrue(v >= 0 && v <= 1, what + " " + k + " " + v);
                }
                assertEquals(c.get("insertion").asDouble() - c.get("deletion").asDouble(), c.get("id").asDouble(), 1e-9);
            }
            assertEquals(3, m.get("mask").get("images").asInt(), name + ": mask metrics on the 3 crack images with masks");
            if (name.equals("truth")) {
                assertEquals(1.0, m.get("mask").get("f1").asDouble(), 1e-12, "truth's mask is the mask");
                assertEquals(1.0, m.get("mask").get("iou").asDouble(), 1e-12);
            }
        }
        assertTrue(seen.containsAll(java.util.List.of("truth", "random", "lrp-bn", "rise")), seen.toString());
        String md = Files.readString(out.resolve("results.md"));
        assertTrue(md.contains("## Insertion / Deletion — substrate `road`"), md);
        assertTrue(md.contains("| Method | role | Insertion ↑ | Deletion ↓ | ID ↑ | ID, crack images | ID / truth ID |"));
        assertTrue(md.contains("Substrate chosen by the anchors"), md);
    }

    /** A user's folder: .png images (and .mask.png masks), no dataset.json: evaluated with a one-line note. */
    @Test
    void aFolderOfPngImagesWithoutDatasetJsonIsEvaluated(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isRegularFile(SHIPPED.resolve("manifest.json")), "shipped bundle not on this branch yet");
        Path jpg = syntheticDataset(tmp.resolve("d"), 2);
        Path data = tmp.resolve("mine");
        for (String cls : new String[] {"crack", "no_crack"}) {
            Path dst = Files.createDirectories(data.resolve("test").resolve(cls));
            try (var s = Files.list(jpg.resolve("test").resolve(cls))) {
                for (Path f : s.toList()) {
                    String name = f.getFileName().toString();
                    if (name.endsWith(".mask.png")) {
                        Files.copy(f, dst.resolve(name));
                    } else {
                        try (Mat m = opencv_imgcodecs.imread(f.toString())) {
                            opencv_imgcodecs.imwrite(dst.resolve(name.replace(".jpg", ".png")).toString(), m);
                        }
                    }
                }
            }
        }
        Path out = tmp.resolve("o");
        Run r = run("evaluate", "--bundle", SHIPPED.toString(), "--data", data.toString(), "--methods", "lrp-bn",
                "--substrates", "mean", "--steps", "4", "--no-progress", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("note: ") && r.err().contains("has no dataset.json"), r.err());
        JsonNode b = new ObjectMapper().readTree(out.resolve("results.json").toFile()).get("bundles").get(0);
        assertEquals(4, b.get("images").asInt(), "2 crack + 2 no-crack .png images; masks are not images");
        assertEquals(2, b.get("methods").get(0).get("mask").get("images").asInt(), "the .mask.png masks were read");
    }

    /**
     * Several bundles: a folder of bundles (here two links to the shipped one, so the two seeds
     * agree exactly) and a repeated --bundle give one result per bundle and mean ± std over them.
     */
    @Test
    void aFolderOfBundlesGivesMeanAndStdOverBundles(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isRegularFile(SHIPPED.resolve("manifest.json")), "shipped bundle not on this branch yet");
        Path data = syntheticDataset(tmp.resolve("d"), 2);
        Path seeds = Files.createDirectories(tmp.resolve("seeds"));
        Files.createSymbolicLink(seeds.resolve("seed-a"), SHIPPED.toAbsolutePath());
        Files.createSymbolicLink(seeds.resolve("seed-b"), SHIPPED.toAbsolutePath());
        Files.createDirectories(seeds.resolve("not-a-bundle"));
        Path out = tmp.resolve("o");
        Run r = run("evaluate", "--bundle", seeds.toString(), "--bundle", SHIPPED.toString(), "--data",
                data.toString(), "--methods", "gradcam", "--substrates", "black", "--steps", "4", "--no-progress",
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode doc = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertEquals(3, doc.get("bundles").size(), "seed-a, seed-b and the shipped bundle");
        JsonNode row = doc.get("tables").get(0).get("rows").get(0);
        assertEquals("gradcam", row.get("method").asText());
        assertEquals(3, row.get("bundles").asInt());
        assertEquals(0.0, row.get("id").get("std").asDouble(), 1e-12, "the same weights give the same ID");
        assertTrue(Files.readString(out.resolve("results.md")).contains(" ± 0.000"));
    }
}
