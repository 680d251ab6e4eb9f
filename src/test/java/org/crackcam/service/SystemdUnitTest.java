package org.crackcam.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** systemd/crackcam.service: systemd's own checks, and the directives the service relies on. */
class SystemdUnitTest {

    static final Path UNIT = Path.of("systemd/crackcam.service");

    record Out(int code, String text) {
    }

    static Out run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Out(p.exitValue(), text);
    }

    static boolean hasSystemdAnalyze() {
        return Files.isExecutable(Path.of("/usr/bin/systemd-analyze"));
    }

    @Test
    void systemdAnalyzeVerifyPasses() throws Exception {
        assumeTrue(hasSystemdAnalyze(), "systemd-analyze not installed");
        Out o = run(List.of("systemd-analyze", "verify", UNIT.toAbsolutePath().toString()));
        assertEquals(0, o.code(), o.text());
        assertTrue(o.text().isBlank(), "no warnings: " + o.text());
    }

    @Test
    void securityExposureIsLow() throws Exception {
        assumeTrue(hasSystemdAnalyze(), "systemd-analyze not installed");
        Out o = run(List.of("systemd-analyze", "security", "--offline=yes", UNIT.toAbsolutePath().toString()));
        Matcher m = Pattern.compile("Overall exposure level for crackcam.service: ([0-9.]+) (\\w+)").matcher(o.text());
        assertTrue(m.find(), o.text());
        double score = Double.parseDouble(m.group(1));
        System.out.println("systemd-analyze security --offline=yes: " + score + " " + m.group(2));
        assertTrue(score <= 2.5, "exposure " + score);
    }

    @Test
    void unitHasTheDirectivesTheServiceNeeds() throws Exception {
        String u = Files.readString(UNIT);
        for (String d : List.of("Type=notify", "NotifyAccess=all", "WatchdogSec=", "Restart=on-failure",
                "StartLimitIntervalSec=", "StartLimitBurst=", "ProtectSystem=strict", "StateDirectory=crackcam",
                "NoNewPrivileges=yes", "ProtectHome=yes", "DevicePolicy=closed", "DeviceAllow=char-video4linux",
                "DeviceAllow=/dev/nvidiactl", "DeviceAllow=/dev/nvmap", "SupplementaryGroups=video",
                "--log-format=journal", "run --config /etc/crackcam/config.yaml")) {
            assertTrue(u.contains(d), "missing " + d);
        }
        for (String forbidden : List.of("PrivateDevices=yes", "MemoryDenyWriteExecute=yes")) {
            assertFalse(u.lines().anyMatch(l -> l.trim().startsWith(forbidden)), forbidden + " breaks cameras/JIT");
        }
    }

    @Test
    void installScriptIsValidBash() throws Exception {
        Out o = run(List.of("bash", "-n", "systemd/install.sh"));
        assertEquals(0, o.code(), o.text());
    }
}
