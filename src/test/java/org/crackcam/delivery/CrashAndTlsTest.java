package org.crackcam.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.crackcam.alerts.Alert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGKILL of the producing JVM, and TLS with client certificates and passwords, against real mosquitto. */
class CrashAndTlsTest {

    @TempDir
    Path tmp;

    @Test
    void everyAlertFsyncedBeforeSigkillArrivesAfterTheRestart() throws Exception {
        Path outboxDir = tmp.resolve("outbox");
        Path office = tmp.resolve("office");
        Mosquitto broker = new Mosquitto(tmp.resolve("broker")).start();
        try (broker; MosquittoSub sub = new MosquittoSub(broker.port(), "crackcam/+/alerts", "office-kill");
             ListenProcess listen = ListenProcess.start(broker, office, "office-kill-listen")) {
            Process child = ChildJvm.builder(KillTestProducer.class.getName(), broker.tcpUrl(), outboxDir.toString(),
                    "van-k", "100000").redirectError(ProcessBuilder.Redirect.DISCARD).start();
            Set<String> stored = new LinkedHashSet<>();
            BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while (stored.size() < 400 && (line = r.readLine()) != null) {
                if (line.startsWith("STORED ")) {
                    stored.add(line.substring(7));
                }
                if (stored.size() == 200 && line.startsWith("STORED ")) {
                    broker.stop(); // mid-stream: from here on alerts pile up in the child's outbox
                }
            }
            // SIGKILL by pid (Process.destroyForcibly would also close our end of its stdout)
            assertEquals(0, new ProcessBuilder("kill", "-KILL", String.valueOf(child.pid())).start().waitFor());
            while ((line = r.readLine()) != null) { // what it printed before dying
                if (line.startsWith("STORED ")) {
                    stored.add(line.substring(7));
                }
            }
            child.waitFor();
            assertEquals(137, child.exitValue(), "child must die of SIGKILL");
            Outbox left = Outbox.open(outboxDir, 1L << 30);
            int waiting = left.size();
            assertTrue(waiting >= 150, "alerts made while the broker was down must be waiting: " + waiting);
            // What was made: every alert printed as stored, and every alert in the outbox (one
            // fsync'd but killed before its line was printed is made too).
            Set<String> madePairs = new TreeSet<>();
            for (String id : stored) {
                madePairs.add(id + "#0");
            }
            for (Outbox.Entry e : left.pending()) {
                madePairs.add(TestAlerts.pair(BrokerDeliveryTest.JSON.readTree(left.read(e))));
            }
            broker.start();
            ChildJvm.Result again = ChildJvm.run(Duration.ofSeconds(60), "org.crackcam.cli.Main", "deliver",
                    "--broker", broker.tcpUrl(), "--device", "van-k", "--outbox", outboxDir.toString());
            assertEquals(0, again.exitCode(), again.toString());
            List<String> lines = BrokerDeliveryTest.awaitIds(sub, stored, Duration.ofSeconds(20));
            Set<String> got = new HashSet<>();
            Set<String> subPairs = new TreeSet<>();
            for (String l : lines) {
                got.add(BrokerDeliveryTest.idOf(l));
                subPairs.add(TestAlerts.pair(BrokerDeliveryTest.JSON.readTree(l)));
            }
            Set<String> missing = new LinkedHashSet<>(stored);
            missing.removeAll(got);
            assertEquals(Set.of(), missing, "alerts fsync'd before the kill but never delivered");
            assertEquals(madePairs, subPairs, "distinct (alert_id, revision) at mosquitto_sub = alerts made");
            Set<String> inOffice = listen.awaitStored(madePairs, Duration.ofSeconds(180));
            String summary = listen.stop();
            assertEquals(madePairs, inOffice, "alerts stored by listen = alerts made; " + summary);
            assertTrue(summary.contains(" 0 quarantined"), summary);
            System.out.printf("SIGKILL: %d alerts made (%d printed as stored before the kill, %d still in the outbox), "
                    + "%d messages at mosquitto_sub (%d distinct pairs), %d stored by listen (%s)%n", madePairs.size(),
                    stored.size(), waiting, lines.size(), subPairs.size(), inOffice.size(), summary);
        }
    }

    /** CA, server (SAN 127.0.0.1/localhost) and client certificates made with the openssl CLI. */
    static Path makePki(Path dir) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        sh(dir, "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=crackcam-test-ca");
        sh(dir, "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost");
        sh(dir, "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile san.ext");
        sh(dir, "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout client.key -out client.csr -subj /CN=van-t");
        sh(dir, "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2");
        sh(dir, "openssl rsa -in server.key -traditional -out server-pkcs1.key");
        sh(dir, "mosquitto_passwd -c -b passwd van-t right-password");
        return dir;
    }

    static void sh(Path dir, String cmd) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), cmd + "\n" + out);
    }

    @Test
    void pemKeysInPkcs8AndPkcs1FormAreReadTheSame() throws Exception {
        Path pki = makePki(tmp.resolve("pki"));
        PrivateKey k8 = TlsFiles.privateKey(pki.resolve("server.key"));
        PrivateKey k1 = TlsFiles.privateKey(pki.resolve("server-pkcs1.key"));
        assertTrue(Files.readString(pki.resolve("server-pkcs1.key")).contains("BEGIN RSA PRIVATE KEY"));
        assertEquals(k8, k1);
        assertEquals("EC", TlsFiles.privateKey(pki.resolve("client.key")).getAlgorithm());
    }

    @Test
    void tlsWithClientCertificateWrongPasswordRetriesWithOneLineThenDeliversEverything() throws Exception {
        Path pki = makePki(tmp.resolve("pki"));
        Path creds = tmp.resolve("creds.properties");
        Files.writeString(creds, "username=van-t\npassword=wrong-password\n");
        Files.setPosixFilePermissions(creds, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Path outboxDir = tmp.resolve("outbox");
        Outbox outbox = Outbox.open(outboxDir, 1 << 24);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Alert a = TestAlerts.alert("van-t", i, 800);
            outbox.put(a);
            ids.add(a.id());
        }
        try (Mosquitto broker = new Mosquitto(tmp.resolve("broker"))
                .with("cafile " + pki.resolve("ca.pem"))
                .with("certfile " + pki.resolve("server.pem"))
                .with("keyfile " + pki.resolve("server.key"))
                .with("require_certificate true")
                .with("password_file " + pki.resolve("passwd")).start();
             MosquittoSub sub = new MosquittoSub(broker.port(), "crackcam/van-t/alerts", "office-tls",
                     "--cafile", pki.resolve("ca.pem").toString(), "--cert", pki.resolve("client.pem").toString(),
                     "--key", pki.resolve("client.key").toString(), "-u", "van-t", "-P", "right-password")) {
            Thread.sleep(500);
            String url = "ssl://127.0.0.1:" + broker.port();
            String[] args = {"deliver", "--broker", url, "--device", "van-t", "--outbox", outboxDir.toString(),
                "--tls-ca", pki.resolve("ca.pem").toString(), "--tls-cert", pki.resolve("client.pem").toString(),
                "--tls-key", pki.resolve("client.key").toString(), "--credentials", creds.toString(),
                "--drain-timeout", "4"};
            args[args.length - 1] = "8";
            String[] verbose = java.util.stream.Stream.concat(java.util.stream.Stream.of(args),
                    java.util.stream.Stream.of("--verbose")).toArray(String[]::new);
            ChildJvm.Result wrong = ChildJvm.run(Duration.ofSeconds(60), "org.crackcam.cli.Main", verbose);
            assertEquals(5, wrong.exitCode(), wrong.toString());
            assertEquals(1, wrong.stderr().lines().filter(l -> l.contains("WARN") && l.contains("not authorised")).count(),
                    "one warning for repeated failures:\n" + wrong.stderr());
            assertTrue(wrong.stderr().lines().anyMatch(l -> l.contains("DEBUG") && l.contains("not authorised")
                    && l.contains("attempt")), "the client must retry:\n" + wrong.stderr());
            assertTrue(wrong.stderr().lines().anyMatch(l -> l.startsWith("crackcam: not all alerts delivered")
                    && l.contains("not authorised")), wrong.stderr());
            assertEquals(10, Outbox.open(outboxDir, 1 << 24).size(), "nothing lost while refused");

            Files.writeString(creds, "username=van-t\npassword=right-password\n");
            args[args.length - 1] = "30";
            ChildJvm.Result ok = ChildJvm.run(Duration.ofSeconds(60), "org.crackcam.cli.Main", args);
            assertEquals(0, ok.exitCode(), ok.toString());
            List<String> lines = BrokerDeliveryTest.awaitIds(sub, new HashSet<>(ids), Duration.ofSeconds(10));
            List<String> got = new ArrayList<>();
            for (String l : lines) {
                got.add(BrokerDeliveryTest.idOf(l));
            }
            assertEquals(ids, got);
        }
    }
}
