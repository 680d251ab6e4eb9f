package org.crackcam.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

import org.crackcam.alerts.Alert;
import org.crackcam.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code crackcam listen} against a real mosquitto, fed by mosquitto_pub. */
class ListenCommandTest {

    @TempDir
    Path tmp;

    static void pub(Mosquitto broker, String topic, Path file) throws Exception {
        Process p = new ProcessBuilder("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(broker.port()),
                "-t", topic, "-q", "1", "-f", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
    }

    @Test
    void listenStoresValidAlertsOnceWithImagesAndAGalleryNewestFirst() throws Exception {
        List<Alert> alerts = org.crackcam.alerts.AlertFactoryTestAccess.sampleAlerts("van-l");
        Path out = tmp.resolve("office");
        try (Mosquitto broker = new Mosquitto(tmp.resolve("broker")).start()) {
            ByteArrayOutputStream stdout = new ByteArrayOutputStream();
            CompletableFuture<Integer> listen = CompletableFuture.supplyAsync(() -> Main.execute(new String[] {
                "listen", "--broker", broker.tcpUrl(), "--out", out.toString(), "--count", "2",
                "--client-id", "office-listen"}, new PrintStream(stdout, true), System.err));
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!broker.readLog().contains("as office-listen") && System.nanoTime() < end) {
                Thread.sleep(100);
            }
            Thread.sleep(300); // SUBSCRIBE follows CONNECT
            Path a0 = Files.write(tmp.resolve("a0.json"), alerts.get(0).json());
            Path a1 = Files.write(tmp.resolve("a1.json"), alerts.get(1).json());
            Path bad = Files.writeString(tmp.resolve("bad.json"), "{\"schema\":\"crackcam.alert/1\",\"alert_id\":\"x\"}");
            Path garbage = Files.writeString(tmp.resolve("garbage.txt"), "not json at all");
            pub(broker, "crackcam/van-l/alerts", a0);
            pub(broker, "crackcam/van-l/alerts", a0); // a QoS 1 duplicate
            pub(broker, "crackcam/van-l/alerts", bad);
            pub(broker, "crackcam/van-l/alerts", garbage);
            pub(broker, "crackcam/van-l/alerts", a1);
            assertEquals(0, listen.get(30, TimeUnit.SECONDS));
            String summary = stdout.toString();
            assertTrue(summary.contains("2 alert(s) stored, 0 updated to a newer revision, 1 duplicate(s) dropped, "
                    + "0 older revision(s) ignored, 2 quarantined (1 not-json, 1 bad-id)"), summary);
        }
        for (Alert a : alerts) {
            assertTrue(Files.exists(out.resolve(a.id() + ".json")));
            assertTrue(ImageIO.read(out.resolve(a.id() + ".mask.png").toFile()).getWidth() > 0);
            assertTrue(ImageIO.read(out.resolve(a.id() + ".overlay.jpg").toFile()).getWidth() <= 320);
        }
        String html = Files.readString(out.resolve("index.html"));
        int newer = html.indexOf(alerts.get(1).id());
        int older = html.indexOf(alerts.get(0).id());
        assertTrue(newer > 0 && older > newer, "newest first");
        long perAlert = 0;
        for (Alert a : alerts) { // json, mask, overlay (+ region and crops in schema 2)
            var doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(a.json());
            perAlert += 3 + (doc.has("region") ? 1 : 0) + doc.path("crops").size();
        }
        assertEquals(perAlert + 1 + 1, Files.list(out).filter(p -> !p.getFileName().toString().startsWith(".")).count(),
                "the alerts' files, index.html, quarantine/");
        // a second listener run on the same folder knows the stored ids (duplicates across restarts)
        AlertArchive again = AlertArchive.open(out);
        assertEquals(AlertArchive.Outcome.DUPLICATE, again.accept("crackcam/van-l/alerts", alerts.get(0).json()));
    }

    @Test
    void badOptionsGiveOneLineAndExitTwo() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.execute(new String[] {"listen", "--broker", "http://x", "--out", tmp.toString()},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true));
        assertEquals(2, code);
        assertEquals(1, err.toString().lines().count(), err.toString());
        assertTrue(err.toString().contains("--broker must be a URL tcp://host:port"), err.toString());
    }

    @Test
    void aTooSmallMessageLimitGivesOneLineAndExitTwo() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.execute(new String[] {"listen", "--broker", "tcp://127.0.0.1:1", "--out", tmp.toString(),
            "--max-alert-bytes", "10"}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true));
        assertEquals(2, code);
        assertEquals(1, err.toString().lines().count(), err.toString());
        assertTrue(err.toString().contains("--max-alert-bytes must be >= 1024, got 10"), err.toString());
    }
}
