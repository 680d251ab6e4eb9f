package org.crackcam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.crackcam.bundle.TestBundles;
import org.crackcam.capture.TestVideos;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input through the real entry point: one "crackcam: …" line, no stack trace, a specific exit code. */
class CliErrorsTest {

    static final String BUNDLE = TestBundles.EDGE_SYNTHETIC.toString();
    static final Path SHIPPED_TRUNCATED = Path.of("src/test/resources/drives/truncated.mp4");

    @TempDir
    static Path tmp;
    static Path video;

    @BeforeAll
    static void video() throws Exception {
        video = TestVideos.ffmpeg(tmp.resolve("small.mp4"), "-f", "lavfi", "-i", "testsrc=size=960x540:rate=15",
                "-t", "0.4", "-c:v", "libx264", "-pix_fmt", "yuv420p");
    }

    static void assertOneLine(CliRunner.Run r, int code, String contains) {
        assertEquals(code, r.code(), r.err());
        assertEquals(1, r.errorLines(), r.err());
        assertTrue(r.errorLine().contains(contains), r.errorLine());
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose: " + r.err());
    }

    @Test
    void missingVideoExits3() {
        var r = CliRunner.run("replay", "--no-alerts", tmp.resolve("missing.mp4").toString(), "--out", tmp.resolve("o1").toString(),
                "--bundle", BUNDLE);
        assertOneLine(r, ExitCodes.BAD_INPUT, "missing.mp4: file not found");
    }

    @Test
    void shippedTruncatedMp4Exits3AndKeepsWhatWasWritten() throws Exception {
        Path out = tmp.resolve("o2");
        var r = CliRunner.run("replay", "--no-alerts", SHIPPED_TRUNCATED.toString(), "--out", out.toString(), "--bundle", BUNDLE,
                "--all-frames", "--every", "4");
        assertOneLine(r, ExitCodes.BAD_INPUT, "truncated");
        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertTrue(summary.get("error").asText().contains("truncated"), summary.toString());
        long frames = summary.get("frames_processed").asLong();
        assertTrue(frames > 0, "frames before the cut were processed");
        assertEquals(frames, Files.readAllLines(out.resolve("detections.jsonl")).size(),
                "every processed frame is in detections.jsonl");
    }

    @Test
    void generatedTruncatedMp4Exits3() throws Exception {
        Path cut = TestVideos.truncate(TestVideos.noisyH264(tmp.resolve("noisy.mp4")), tmp.resolve("cut.mp4"), 0.5);
        var r = CliRunner.run("replay", "--no-alerts", cut.toString(), "--out", tmp.resolve("o3").toString(), "--bundle", BUNDLE,
                "--roi", "rect:0.1,0.5,0.9,0.95");
        assertOneLine(r, ExitCodes.BAD_INPUT, "truncated or corrupt");
    }

    @Test
    void relevanceBatchBelowOneExits2() {
        var r = CliRunner.run("replay", "--no-alerts", video.toString(), "--out", tmp.resolve("o9").toString(), "--bundle", BUNDLE,
                "--relevance-batch", "0");
        assertOneLine(r, ExitCodes.USAGE, "--relevance-batch must be ≥ 1, got 0");
    }

    @Test
    void fileThatIsNotAnImageExits3() throws Exception {
        Path notImage = Files.writeString(tmp.resolve("photo.jpg"), "not a jpeg");
        var r = CliRunner.run("explain", notImage.toString(), "--out", tmp.resolve("o4").toString(), "--bundle", BUNDLE);
        assertOneLine(r, ExitCodes.BAD_INPUT, "photo.jpg: not a readable image");
    }

    @Test
    void bundleWithAFlippedByteExits4() throws Exception {
        Path copy = TestBundles.copy(tmp.resolve("flipped"));
        TestBundles.flipByte(copy.resolve("abn.onnx"));
        var r = CliRunner.run("replay", "--no-alerts", video.toString(), "--out", tmp.resolve("o5").toString(), "--bundle", copy.toString());
        assertOneLine(r, ExitCodes.BAD_BUNDLE, "abn.onnx sha256 mismatch (manifest ");
    }

    @Test
    void graphFromAnotherBundleExits4() throws Exception {
        Path copy = TestBundles.copy(tmp.resolve("swapped"));
        TestBundles.swapGraph(copy, "lrp_bn", "abn.onnx");
        var r = CliRunner.run("replay", "--no-alerts", video.toString(), "--out", tmp.resolve("o6").toString(), "--bundle", copy.toString());
        assertOneLine(r, ExitCodes.BAD_BUNDLE, "lrp_bn.onnx inputs [image] != manifest [image, target]");
    }

    @Test
    void roiOutsideTheFrameExits2() {
        var r = CliRunner.run("replay", "--no-alerts", video.toString(), "--out", tmp.resolve("o7").toString(), "--bundle", BUNDLE,
                "--roi", "rect:0.5,0.5,1.2,0.9");
        assertOneLine(r, ExitCodes.USAGE, "outside the frame");
    }

    @Test
    void badOptionsExit2WithOneLine() {
        assertOneLine(CliRunner.run("replay", "--no-alerts", video.toString(), "--every", "0", "--bundle", BUNDLE), ExitCodes.USAGE, "--every");
        assertOneLine(CliRunner.run("replay", "--no-alerts", video.toString(), "--provider", "npu", "--bundle", BUNDLE),
                ExitCodes.USAGE, "unknown execution provider 'npu'");
        assertOneLine(CliRunner.run("replay", "--no-alerts", video.toString(), "--no-such-flag"), ExitCodes.USAGE, "Unknown option");
    }

    @Test
    void explainWritesMaskOverlayJsonAndOneStdoutLine() throws Exception {
        Path img = TestVideos.ffmpeg(tmp.resolve("tile.png"), "-f", "lavfi", "-i", "testsrc=size=200x150", "-frames:v", "1");
        Path out = tmp.resolve("o8");
        var r = CliRunner.run("explain", img.toString(), "--out", out.toString(), "--bundle", BUNDLE);
        assertEquals(0, r.code(), r.err());
        assertEquals(1, r.out().lines().count(), r.out());
        assertTrue(r.out().startsWith(img + ": p(crack)="), r.out());
        JsonNode j = new ObjectMapper().readTree(out.resolve("tile.json").toFile());
        double p = j.get("p_crack").asDouble();
        assertTrue(p >= 0 && p <= 1);
        assertEquals(200, j.get("width").asInt());
        assertTrue(Files.size(out.resolve("tile.mask.png")) > 0);
        assertTrue(Files.size(out.resolve("tile.overlay.png")) > 0);
    }
}
