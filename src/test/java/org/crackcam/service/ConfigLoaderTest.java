package org.crackcam.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        Path p = dir.resolve("config.yaml");
        Files.writeString(p, yaml);
        return p;
    }

    private static final String MINIMAL = """
            device:
              id: van-07
            camera:
              kind: rtsp
              url: rtsp://10.0.0.2:554/stream1
            model:
              bundle: models/edge-synthetic
            """;

    @Test
    void minimalFileGetsDocumentedDefaults() throws Exception {
        ServiceConfig c = ConfigLoader.load(write(MINIMAL));
        assertEquals("van-07", c.deviceId());
        assertEquals(ServiceConfig.CameraKind.RTSP, c.camera().kind());
        assertEquals(1, c.camera().queue());
        assertEquals(500, c.camera().reconnect().initialMs());
        assertEquals(30_000, c.camera().reconnect().maxMs());
        assertEquals(2, c.tiles().rows());
        assertEquals("rect:0.125,0.5,0.875,0.9444", c.tiles().roi().toString());
        assertEquals(org.crackcam.bundle.ExecutionProvider.CPU, c.model().settings().provider());
        assertEquals(dir.resolve("models/edge-synthetic"), c.model().bundle(), "relative to the file");
        assertEquals(false, c.model().settings().spin(), "ONNX Runtime spin-waiting off by default");
        assertEquals(8, c.model().settings().relevanceBatch(), "the relevance batch of replay, demo and bench");
        assertEquals(java.time.Duration.ofMillis(250), c.model().relevanceLatency());
        assertEquals(org.crackcam.settings.EventSettings.DEFAULTS, c.events(), "no events section: the tracker's defaults");
        assertEquals("crackcam-van-07", c.mqtt().broker().clientId());
        assertEquals(ServiceConfig.GpsSource.NONE, c.gps().source());
        assertEquals(ConfigLoader.DEFAULT_HEALTH_PORT, c.health().port());
        assertEquals(512L * 1024 * 1024, c.outbox().maxBytes());
        assertEquals(false, c.outbox().groupReadable(), "outbox private (0700/0600) by default");
    }

    @Test
    void outboxGroupReadableIsOneValidatedSetting() throws Exception {
        ServiceConfig c = ConfigLoader.load(write(MINIMAL + """
                outbox:
                  dir: box
                  group_readable: true
                """));
        assertEquals(true, c.outbox().groupReadable());
        assertEquals(dir.resolve("box"), c.outbox().dir());
        Path bad = write(MINIMAL + """
                outbox:
                  group_readable: sometimes
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(bad));
        assertTrue(e.getMessage().contains("group_readable"), e.getMessage());
    }

    @Test
    void errorNamesFileLineKeyRuleAndValue() throws Exception {
        Path p = write(MINIMAL + """
                tiles:
                  rows: 0
                  roi: "rect:0.5,0.5,0.4,0.9"
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(p));
        assertEquals(p + ":9: tiles.rows must be ≥ 1, got 0", e.problems().get(0));
        assertTrue(e.problems().get(1).startsWith(p + ":10: tiles.roi "), e.problems().get(1));
    }

    @Test
    void everyProblemIsReportedInLineOrder() throws Exception {
        Path p = write("""
                device:
                  id: van 07
                camera:
                  kind: usb
                  fsp: 30
                model:
                  bundle: b
                  provider: tensorrt
                  threads: many
                health:
                  bind: 0.0.0.0
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(p));
        var lines = e.problems();
        assertEquals(5, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith(p + ":2: device.id must be"), lines.get(0));
        assertEquals(p + ":4: camera.kind must be one of file|v4l2|rtsp|gstreamer, got \"usb\"", lines.get(1));
        assertTrue(lines.get(2).startsWith(p + ":5: unknown key camera.fsp (known here: kind, url,"), lines.get(2));
        assertEquals(p + ":9: model.threads must be a whole number, got \"many\"", lines.get(3));
        assertEquals(p + ":11: health.bind the health endpoint is bound to 127.0.0.1 only, got \"0.0.0.0\"",
                lines.get(4));
    }

    @Test
    void missingRequiredKeysPointAtTheirSection() throws Exception {
        Path p = write("""
                # comment
                device:
                  id: a
                camera:
                  kind: file
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(p));
        assertEquals(p + ":1: model.bundle is required", e.problems().get(0));
        assertEquals(p + ":4: camera.url is required for camera.kind file", e.problems().get(1));
    }

    @Test
    void crossFieldRules() throws Exception {
        Path p = write(MINIMAL + """
                sampling:
                  mode: distance
                mqtt:
                  broker: tcp://broker:1883
                  tls:
                    ca_file: ca.pem
                camera2: {}
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(p));
        var lines = e.problems();
        assertEquals(p + ":9: sampling.mode distance needs positions: set gps.source to gpsd or file", lines.get(0));
        assertEquals(p + ":13: mqtt.tls.ca_file TLS files need an ssl:// (or mqtts://) broker URL, got tcp://broker:1883",
                lines.get(1));
        assertTrue(lines.get(2).startsWith(p + ":14: unknown key camera2"), lines.get(2));
    }

    @Test
    void yamlSyntaxErrorAndDuplicateKeyHaveLines() throws Exception {
        Path p = write("device:\n  id: a\ncamera: [unclosed\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(p));
        assertTrue(e.getMessage().startsWith(p + ":"), e.getMessage());
        assertTrue(e.getMessage().contains("not valid YAML"), e.getMessage());
        Path q = write("device:\n  id: a\n  id: b\n");
        e = assertThrows(ConfigException.class, () -> ConfigLoader.load(q));
        assertEquals(q + ":3: duplicate key device.id", e.getMessage());
    }

    @Test
    void missingFileIsOneLine() {
        Path p = dir.resolve("nope.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(p));
        assertEquals(p + ": configuration file not found", e.getMessage());
    }
}
