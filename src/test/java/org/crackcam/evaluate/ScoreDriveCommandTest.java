package org.crackcam.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code crackcam score-drive} on the SYNTHETIC e2e drive (src/test/resources/drives/e2e) with
 * the shipped bundle: the scores agree with the ones EndToEndTest computes its own way, the
 * tolerant scores are at least the strict ones, and a folder without truth.json is one line, exit 2.
 */
class ScoreDriveCommandTest {
    static final Path DRIVE = Path.of("src/test/resources/drives/e2e");

    @Test
    void aFolderWithoutTruthIsAUsageError(@TempDir Path tmp) {
        var r = EvaluateCommandTest.run("score-drive", "--bundle", EvaluateCommandTest.SHIPPED.toString(),
                tmp.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("no truth.json"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void scoresTheE2eDrive(@TempDir Path tmp) throws Exception {
        Path json = tmp.resolve("score.json");
        var r = EvaluateCommandTest.run("score-drive", "--bundle", EvaluateCommandTest.SHIPPED.toString(),
                DRIVE.toString(), "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("(SYNTHETIC)"), r.out());
        assertTrue(r.out().contains("alert masks (crack-shaped):"), r.out());
        assertTrue(r.out().contains("frame C1C regions:"), r.out());
        JsonNode s = new ObjectMapper().readTree(json.toFile());
        JsonNode truth = new ObjectMapper().readTree(DRIVE.resolve("truth.json").toFile());
        assertEquals(truth.get("frame_count").asInt(), s.get("frames").asInt());
        // every non-ambiguous tile of every frame is counted once
        long labelled = 0;
        for (JsonNode f : truth.get("frames")) {
            for (JsonNode t : f.get("tiles")) {
                labelled += t.get("label").asText().equals("ambiguous") ? 0 : 1;
            }
        }
        assertEquals(labelled, s.get("tileTp").asLong() + s.get("tileFp").asLong() + s.get("tileFn").asLong()
                + s.get("tileTn").asLong());
        // the floors EndToEndTest uses for the same drive and bundle
        assertTrue(s.get("tileTp").asDouble() / (s.get("tileTp").asDouble() + s.get("tileFn").asDouble()) >= 0.80);
        assertTrue(s.get("instancesHit").asDouble() / s.get("instances").asDouble() >= 0.70);
        JsonNode fm = s.get("frameRegions");
        // tolerant counts contain the strict ones
        assertTrue(fm.get("predictedMatched").asLong() >= fm.get("intersection").asLong());
        assertTrue(fm.get("truthMatched").asLong() >= fm.get("intersection").asLong());
        double iou = fm.get("intersection").asDouble() / fm.get("union").asDouble();
        assertTrue(iou >= 0.05, "strict IoU " + iou + " (EndToEndTest's floor)");
        assertTrue(s.get("events").asInt() > 0);
        // the crack-shaped masks are subsets of the regions: fewer predicted pixels
        assertTrue(s.get("frameMasks").get("predicted").asLong() <= fm.get("predicted").asLong());
        assertTrue(s.get("alertMasks").get("predicted").asLong() <= s.get("alertRegions").get("predicted").asLong());
        assertTrue(s.get("tolerance").asDouble() > 2.0, "2 model px are more than 2 frame px (120 px tiles, 112 input)");
    }
}
