package org.crackcam.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import org.crackcam.alerts.AlertContext;
import org.crackcam.alerts.SyntheticFrames;
import org.crackcam.alerts.TrackerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The default without a broker: alerts stored in the outbox, and a hint how to deliver them. */
class AlertStageTest {

    @TempDir
    Path tmp;

    @Test
    void withoutABrokerAlertsStayInTheOutboxAndTheSummarySaysHowToDeliver() {
        Outbox outbox = Outbox.open(tmp.resolve("outbox"), 1 << 24);
        StringWriter out = new StringWriter();
        AlertStage stage = AlertStage.open(TrackerConfig.DEFAULTS,
                new AlertContext("van-3", "file", "edge-synthetic", "cd".repeat(32)), outbox, null,
                Duration.ofSeconds(1), new PrintWriter(out));
        for (int f = 0; f < 5; f++) {
            byte[] m = SyntheticFrames.mask();
            SyntheticFrames.crack(m, 4, 300, 150 + 10 * f, 30, 100);
            stage.onFrame(SyntheticFrames.frame("synthetic.mp4", f, m, 0.9f, Optional.empty()));
        }
        stage.onEnd();
        stage.close();
        stage.close();
        assertEquals(1, stage.alertCount());
        assertEquals(1, Outbox.open(tmp.resolve("outbox"), 1 << 24).size());
        String s = out.toString();
        assertTrue(s.contains("1 alert(s)") && s.contains("no broker given"), s);
        assertTrue(s.contains("crackcam deliver --broker tcp://HOST:1883 --device van-3"), s);
        System.out.print(s);
    }

    @Test
    void anAlertFailingItsSchemaIsABugLoggedCountedKeptAsideAndNotSent() throws Exception {
        // fault injection: an empty source name violates source.name's minLength; the stage must not
        // put such an alert into the outbox, and must say so
        Outbox outbox = Outbox.open(tmp.resolve("outbox"), 1 << 24);
        StringWriter out = new StringWriter();
        AlertStage stage = AlertStage.open(TrackerConfig.DEFAULTS,
                new AlertContext("van-3", "file", "edge-synthetic", "cd".repeat(32)), outbox, null,
                Duration.ofSeconds(1), new PrintWriter(out));
        for (String source : new String[] {"", "good.mp4"}) {
            stage.onSource(source, "sha256:" + "00".repeat(32), "");
            for (int f = 0; f < 3; f++) {
                byte[] m = SyntheticFrames.mask();
                SyntheticFrames.crack(m, 4, 300, 150 + 10 * f, 30, 100);
                stage.onFrame(SyntheticFrames.frame(source, f, m, 0.9f, Optional.empty()));
            }
        }
        stage.onEnd();
        stage.close();
        assertEquals(1, stage.alertCount());
        assertEquals(1, stage.invalidAlertCount());
        assertEquals(1, Outbox.open(tmp.resolve("outbox"), 1 << 24).size());
        try (var kept = java.nio.file.Files.list(tmp.resolve("outbox").resolve("invalid"))) {
            assertEquals(1, kept.count());
        }
        assertTrue(out.toString().contains("1 alert(s) FAILED THEIR SCHEMA"), out.toString());
    }
}
