package org.crackcam.office;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.crackcam.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The office's access rules: remote binding only with HTTPS and a token, the token on every API
 * call (Bearer header or the login cookie), verdicts only as JSON, and one-line errors for bad
 * options.
 */
class OfficeSecurityTest {

    @TempDir
    Path tmp;

    private static int run(ByteArrayOutputStream err, String... args) {
        return Main.execute(args, new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(err, true));
    }

    @Test
    void badOptionsGiveOneLineAndExitTwo() {
        String db = tmp.resolve("o.sqlite").toString();
        for (String[] args : List.of(
                new String[] {"office", "--db", db, "--http-bind", "0.0.0.0"},
                new String[] {"office", "--db", "jdbc:mysql://x/y", "--no-http"},
                new String[] {"office", "--db", db, "--tiles", "javascript:alert(1)"},
                new String[] {"office", "--db", db, "--import-outbox", tmp.resolve("missing").toString(), "--no-http"},
                new String[] {"office", "export", "--db", db},
                new String[] {"office", "export", "--db", db, "--csv", tmp.resolve("c.csv").toString(), "--status", "gone"})) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int rc = run(err, args);
            String e = err.toString(StandardCharsets.UTF_8).strip();
            assertTrue(rc == 2 || rc == 3, String.join(" ", args) + " -> " + rc + ": " + e);
            assertEquals(1, e.lines().filter(l -> l.startsWith("crackcam: ")).count(), e);
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertTrue(err.size() == 0);
    }

    @Test
    void httpsWithTokenAndLoginCookie() throws Exception {
        Path p12 = tmp.resolve("office.p12");
        Process k = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "office", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
                "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", p12.toString(),
                "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
        assertTrue(k.waitFor(60, TimeUnit.SECONDS) && k.exitValue() == 0, new String(k.getInputStream().readAllBytes()));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext server = SSLContext.getInstance("TLS");
        server.init(kmf.getKeyManagers(), null, null);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);
        String token = "0123456789abcdef-office-token";
        try (OfficeDatabase db = OfficeDatabase.open(tmp.resolve("o.sqlite").toString(), null, null);
             OfficeServer s = new OfficeServer(new CrackStore(db, MergeRule.defaults()),
                     new OfficeServer.Config(new InetSocketAddress("127.0.0.1", 0), server, token, null, ""))) {
            s.start();
            assertTrue(s.url().startsWith("https://"));
            HttpClient http = HttpClient.newBuilder().sslContext(client).build();
            URI api = URI.create(s.url() + "api/cracks");
            assertEquals(401, http.send(HttpRequest.newBuilder(api).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(401, http.send(HttpRequest.newBuilder(api).header("Authorization", "Bearer wrong").build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(200, http.send(HttpRequest.newBuilder(api).header("Authorization", "Bearer " + token).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            HttpResponse<String> csv = http.send(HttpRequest.newBuilder(URI.create(s.url() + "export/cracks.csv?status=new"))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, csv.statusCode());
            assertTrue(csv.body().startsWith("id,status,type,lat,lon,"), csv.body());
            HttpResponse<String> geo = http.send(HttpRequest.newBuilder(URI.create(s.url() + "export/cracks.geojson"))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(geo.body().contains("\"FeatureCollection\""), geo.body());
            assertEquals(400, http.send(HttpRequest.newBuilder(URI.create(s.url() + "api/cracks?status=bogus"))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            // pages redirect to the login form; the form sets an HttpOnly, Secure, SameSite=Strict cookie
            assertEquals(303, http.send(HttpRequest.newBuilder(URI.create(s.url())).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(s.url() + "login"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("token=" + token)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(303, login.statusCode());
            String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
            assertTrue(cookie.contains("HttpOnly") && cookie.contains("Secure") && cookie.contains("SameSite=Strict"), cookie);
            String pair = cookie.substring(0, cookie.indexOf(';'));
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(s.url())).header("Cookie", pair).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
            assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'self'"));
            // a verdict must be JSON (a cross-site form cannot send it)
            HttpResponse<String> form = http.send(HttpRequest.newBuilder(URI.create(s.url() + "api/cracks/1/verdicts"))
                    .header("Cookie", pair).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("verdict=confirmed&who=x")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(415, form.statusCode());
            HttpResponse<String> none = http.send(HttpRequest.newBuilder(URI.create(s.url() + "api/cracks/1/verdicts"))
                    .header("Cookie", pair).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"verdict\":\"confirmed\",\"who\":\"x\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, none.statusCode(), none.body());
            HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create(s.url() + "api/cracks/1/verdicts"))
                    .header("Cookie", pair).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"verdict\":\"maybe\",\"who\":\"x\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(400, bad.statusCode(), bad.body());
        }
    }
}
