package org.crackcam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.crackcam.service.ConfigException;
import org.crackcam.service.ConfigLoader;
import org.crackcam.service.ServiceConfig;
import org.crackcam.settings.InvalidSettingException;
import org.crackcam.settings.Key;
import org.crackcam.settings.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Each shared setting is one record used by both front ends: every key is an option of
 * {@code replay} and a key of the service's file; the same values give equal records; the same
 * bad value gives the same problem, named the front end's way.
 */
class SettingsParityTest {

    @TempDir
    Path tmp;

    /** One valid, non-default value per shared key: the command-line text and the YAML text. */
    private Map<Key, String[]> samples() {
        Map<Key, String[]> m = new LinkedHashMap<>();
        String abs = tmp.toAbsolutePath().toString();
        put(m, "device.id", "van-9");
        put(m, "tiles.roi", "rect:0.1,0.4,0.9,0.95");
        put(m, "tiles.rows", "3");
        put(m, "tiles.overlap", "0.25");
        put(m, "sampling.every_frames", "3");
        put(m, "sampling.target_fps", "5.5");
        put(m, "model.bundle", abs + "/bundle");
        put(m, "model.provider", "cuda");
        put(m, "model.threads", "2");
        m.put(key("model.spin"), new String[] {null, "true"}); // a flag
        put(m, "model.state_dir", abs + "/trt");
        m.put(key("model.fp16"), new String[] {null, "false"}); // --no-fp16
        put(m, "model.gpu_id", "1");
        put(m, "model.relevance_batch", "4");
        put(m, "events.gap_frames", "7");
        put(m, "events.max_age_s", "12.5");
        put(m, "events.min_overlap", "0.4");
        put(m, "events.vertical_tolerance", "0.1");
        put(m, "events.horizontal_tolerance", "0.06");
        put(m, "events.max_distance_m", "30");
        put(m, "mqtt.broker", "ssl://broker.example:8884");
        put(m, "mqtt.client_id", "cc-van-9");
        put(m, "mqtt.tls.ca_file", abs + "/ca.pem");
        put(m, "mqtt.tls.cert_file", abs + "/client.pem");
        put(m, "mqtt.tls.key_file", abs + "/client.key");
        put(m, "mqtt.credentials_file", abs + "/creds.properties");
        put(m, "mqtt.keepalive_s", "40");
        put(m, "outbox.dir", abs + "/outbox");
        put(m, "outbox.max_mb", "64");
        m.put(key("outbox.group_readable"), new String[] {null, "true"}); // a flag
        return m;
    }

    private static void put(Map<Key, String[]> m, String yaml, String value) {
        m.put(key(yaml), new String[] {value, value});
    }

    private static Key key(String yaml) {
        return Settings.shared().stream().filter(k -> k.yaml().equals(yaml)).findFirst()
                .orElseThrow(() -> new AssertionError("no shared key " + yaml));
    }

    private static ReplayCommand parseReplay(List<String> args) {
        CommandLine cl = new CommandLine(new Main());
        List<String> all = new ArrayList<>(List.of("replay", "video.mp4"));
        all.addAll(args);
        CommandLine.ParseResult r = cl.parseArgs(all.toArray(new String[0]));
        return (ReplayCommand) r.subcommand().commandSpec().userObject();
    }

    private Path yaml(Map<Key, String> values) throws Exception {
        // nested YAML from dotted keys; camera is the service's own (required) section
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("camera", new LinkedHashMap<>(Map.of("kind", "rtsp", "url", "rtsp://10.0.0.2/s")));
        for (var e : values.entrySet()) {
            String[] parts = e.getKey().yaml().split("\\.");
            @SuppressWarnings("unchecked")
            Map<String, Object> node = root;
            for (int i = 0; i < parts.length - 1; i++) {
                @SuppressWarnings("unchecked")
                Map<String, Object> next = (Map<String, Object>) node.computeIfAbsent(parts[i], k -> new LinkedHashMap<>());
                node = next;
            }
            node.put(parts[parts.length - 1], e.getValue());
        }
        root.computeIfAbsent("device", k -> new LinkedHashMap<>(Map.of("id", "van-9")));
        @SuppressWarnings("unchecked")
        Map<String, Object> model = (Map<String, Object>) root.computeIfAbsent("model", k -> new LinkedHashMap<>());
        model.putIfAbsent("bundle", tmp.toAbsolutePath() + "/bundle");
        StringBuilder sb = new StringBuilder();
        write(sb, root, "");
        Path f = tmp.resolve("config-" + System.nanoTime() + ".yaml");
        Files.writeString(f, sb.toString(), StandardCharsets.UTF_8);
        return f;
    }

    private static void write(StringBuilder sb, Map<String, Object> node, String indent) {
        for (var e : node.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> child) {
                sb.append(indent).append(e.getKey()).append(":\n");
                @SuppressWarnings("unchecked")
                Map<String, Object> c = (Map<String, Object>) child;
                write(sb, c, indent + "  ");
            } else {
                String v = String.valueOf(e.getValue());
                boolean plain = v.matches("-?[0-9.]+|true|false");
                sb.append(indent).append(e.getKey()).append(": ").append(plain ? v : "\"" + v + "\"").append('\n');
            }
        }
    }

    private static List<String> cliArgs(Map<Key, String[]> samples) {
        List<String> args = new ArrayList<>();
        for (var e : samples.entrySet()) {
            String cli = e.getValue()[0];
            String opt = e.getKey().option();
            if (cli != null) {
                args.add(opt);
                args.add(cli);
            } else if (e.getValue()[1].equals("true")) {
                args.add(opt);
            } else {
                args.add("--no-" + opt.substring(2));
            }
        }
        return args;
    }

    @Test
    void everySharedKeyIsAReplayOptionAndAServiceFileKey() throws Exception {
        Set<String> sampled = new LinkedHashSet<>();
        samples().keySet().forEach(k -> sampled.add(k.yaml()));
        Set<String> shared = new LinkedHashSet<>();
        Settings.shared().forEach(k -> shared.add(k.yaml()));
        assertEquals(shared, sampled, "this test has a sample value for every shared key");

        CommandLine.Model.CommandSpec replay = new CommandLine(new Main()).getSubcommands().get("replay").getCommandSpec();
        for (Key k : Settings.shared()) {
            assertNotNull(replay.findOption(k.option()), "replay has " + k.option() + " (" + k.yaml() + ")");
            Map<Key, String> one = new LinkedHashMap<>();
            one.put(k, samples().get(k)[1]);
            if (k.yaml().startsWith("mqtt.tls.") || k.yaml().equals("mqtt.broker")) {
                one.put(key("mqtt.broker"), "ssl://broker.example:8884");
                if (k.yaml().endsWith("cert_file") || k.yaml().endsWith("key_file")) {
                    one.put(key("mqtt.tls.cert_file"), samples().get(key("mqtt.tls.cert_file"))[1]);
                    one.put(key("mqtt.tls.key_file"), samples().get(key("mqtt.tls.key_file"))[1]);
                }
            }
            if (k.yaml().equals("model.fp16")) {
                one.put(key("model.provider"), "cuda");
            }
            Path f = yaml(one);
            try {
                ConfigLoader.load(f);
            } catch (ConfigException e) {
                throw new AssertionError(k.yaml() + " in the service file: " + e.problems() + "\n" + Files.readString(f));
            }
        }
    }

    @Test
    void theDefaultRoiTextIsTheRuntimesDefaultRoi() {
        // the file's default is the text (option help needs a constant), the command line's the object
        assertEquals(org.crackcam.tiles.Roi.DEFAULT,
                org.crackcam.settings.TilingSettings.parseRoi(org.crackcam.settings.TilingSettings.DEFAULT_ROI));
    }

    @Test
    void theSameValuesGiveEqualRecords() throws Exception {
        Map<Key, String[]> s = samples();
        ReplayCommand r = parseReplay(cliArgs(s));
        Map<Key, String> y = new LinkedHashMap<>();
        s.forEach((k, v) -> y.put(k, v[1]));
        ServiceConfig c = ConfigLoader.load(yaml(y));

        assertEquals(c.deviceId(), r.alertOptions.deviceId());
        assertEquals(c.tiles(), r.tilingOptions.config());
        assertEquals(c.sampling().everyFrames(), r.every);
        assertEquals(c.sampling().targetFps(), r.fps);
        assertEquals(c.model().settings(), r.bundleOptions.settings(r.relevanceBatch.value()));
        assertEquals(c.events(), r.alertOptions.eventSettings());
        assertEquals(c.mqtt().broker(), r.alertOptions.delivery().brokerSettings());
        assertEquals(c.outbox(), r.alertOptions.delivery().outboxSettings(null));
    }

    /** A bad value of one key: the problem text after the setting's name is the same in both front ends. */
    private void sameProblem(String yamlKey, String bad, java.util.function.Consumer<ReplayCommand> use,
                             Map<String, String> context) throws Exception {
        Key k = key(yamlKey);
        List<String> args = new ArrayList<>();
        Map<Key, String> y = new LinkedHashMap<>();
        for (var e : context.entrySet()) {
            args.add(key(e.getKey()).option());
            args.add(e.getValue());
            y.put(key(e.getKey()), e.getValue());
        }
        args.add(k.option() + "=" + bad); // one token: "-van3" or "-1" is a value, not an option
        y.put(k, bad);
        InvalidSettingException cli = assertThrows(InvalidSettingException.class, () -> use.accept(parseReplay(args)),
                k.option() + " " + bad);
        Path f = yaml(y);
        ConfigException file = assertThrows(ConfigException.class, () -> ConfigLoader.load(f), yamlKey + ": " + bad);
        assertEquals(k.option() + " " + cli.problem(), cli.getMessage(), "the CLI names the option");
        String expected = k.yaml() + " " + cli.problem();
        assertTrue(file.problems().stream().anyMatch(p -> p.endsWith(": " + expected)),
                "file problem '" + expected + "' in " + file.problems());
    }

    @Test
    void theSameBadValueGivesTheSameProblemInBothFrontEnds() throws Exception {
        sameProblem("device.id", "van/3", r -> r.alertOptions.deviceId(), Map.of());
        // "-van3" (once accepted by replay, refused by run): picocli takes it for an option, the
        // environment (CRACKCAM_DEVICE) and the file go through the one rule, which refuses it
        InvalidSettingException dash = assertThrows(InvalidSettingException.class,
                () -> org.crackcam.settings.DeviceId.of("-van3"));
        ConfigException file = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(yaml(Map.of(key("device.id"), "-van3"))));
        assertTrue(file.problems().get(0).endsWith("device.id " + dash.problem()), file.problems().toString());
        sameProblem("tiles.rows", "0", r -> r.tilingOptions.config(), Map.of());
        sameProblem("sampling.every_frames", "0", r -> new org.crackcam.capture.FrameSelector(r.every, r.fps), Map.of());
        sameProblem("sampling.target_fps", "-1", r -> new org.crackcam.capture.FrameSelector(r.every, r.fps), Map.of());
        sameProblem("tiles.overlap", "0.99", r -> r.tilingOptions.config(), Map.of());
        sameProblem("tiles.roi", "rect:0.5,0.5,0.4,0.9", r -> r.tilingOptions.config(), Map.of());
        sameProblem("model.provider", "tpu", r -> r.bundleOptions.settings(8), Map.of());
        sameProblem("model.threads", "-1", r -> r.bundleOptions.settings(8), Map.of());
        sameProblem("model.relevance_batch", "0", r -> r.relevanceBatch.value(), Map.of());
        sameProblem("model.fp16", "true", r -> r.bundleOptions.settings(8), Map.of("model.provider", "cpu"));
        sameProblem("events.min_overlap", "0", r -> r.alertOptions.eventSettings(), Map.of());
        sameProblem("events.gap_frames", "-2", r -> r.alertOptions.eventSettings(), Map.of());
        sameProblem("mqtt.broker", "http://broker:80", r -> r.alertOptions.delivery().brokerSettings(), Map.of());
        sameProblem("mqtt.keepalive_s", "1", r -> r.alertOptions.delivery().brokerSettings(),
                Map.of("mqtt.broker", "tcp://b:1883"));
        sameProblem("mqtt.tls.ca_file", tmp.toAbsolutePath() + "/ca.pem", r -> r.alertOptions.delivery().brokerSettings(),
                Map.of("mqtt.broker", "tcp://b:1883"));
        sameProblem("outbox.max_mb", "0", r -> r.alertOptions.delivery().outboxSettings(null), Map.of());
    }
}
