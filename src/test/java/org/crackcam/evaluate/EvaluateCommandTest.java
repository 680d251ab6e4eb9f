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
        assertTrue(r.err().contains("dataset.json"), r.err());
    }

    @Test
    void everyMethodRunsOnTheShippedBundleAndTheCurvesAgreeAtTheirEnds(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isRegularFile(SHIPPED.resolve("manifest.json")), "shipped bundle not on this branch yet");
        Path data = syntheticDataset(tmp.resolve("d"), 3);
        Path out = tmp.resolve("o");
        Run r = run("evaluate", "--bundle", SHIPPED.toString(), "--data", data.toString(), "--rise-n", "64",
                "--steps", "8", "--no-progress", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        for (String f : new String[] {"results.md", "results.json", "insertion.png", "deletion.png", "examples.png"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        JsonNode doc = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        JsonNode b = doc.get("bundles").get(0);
        assertEquals(6, b.get("images").asInt());
        double acc = b.get("accuracy").asDouble();
        assertTrue(acc >= 0 && acc <= 1);
        double full = Double.NaN;
        double empty = Double.NaN;
        for (JsonNode m : b.get("methods")) {
            String name = m.get("method").asText();
            JsonNode ins = m.get("meanInsertionCurve");
            JsonNode del = m.get("meanDeletionCurve");
            int last = ins.size() - 1;
            assertEquals(9, ins.size(), name);
            // the curves' ends do not depend on the map: all pixels = the image, no pixel = black
            assertEquals(ins.get(last).asDouble(), del.get(0).asDouble(), 1e-6, name + " full image");
            assertEquals(ins.get(0).asDouble(), del.get(last).asDouble(), 1e-6, name + " black image");
            if (Double.isNaN(full)) {
                full = del.get(0).asDouble();
                empty = ins.get(0).asDouble();
            }
            assertEquals(full, del.get(0).asDouble(), 1e-6, name + " same full-image score for every method");
            assertEquals(empty, ins.get(0).asDouble(), 1e-6, name + " same black-image score for every method");
            for (String k : new String[] {"insertion", "deletion"}) {
                double v = m.get(k).asDouble();
                assertTrue(v >= 0 && v <= 1, name + " " + k + " " + v);
            }
            assertEquals(m.get("insertion").asDouble() - m.get("deletion").asDouble(), m.get("id").asDouble(), 1e-9);
            assertEquals(3, m.get("iouImages").asInt(), name + ": IoU on the 3 crack images with masks");
        }
        assertTrue(Files.readString(out.resolve("results.md")).contains("| Method | Accuracy | Insertion ↑ | Deletion ↓ | ID ↑ |"));
    }
}
