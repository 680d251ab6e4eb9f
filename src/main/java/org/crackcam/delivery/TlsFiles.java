package org.crackcam.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

import org.crackcam.settings.InvalidSettingException;


/**
 * TLS material from PEM files: the CA certificate(s) that sign the broker's certificate, and
 * optionally a client certificate (chain) with its unencrypted private key (PKCS#8
 * {@code BEGIN PRIVATE KEY}, RSA or EC; or PKCS#1 {@code BEGIN RSA PRIVATE KEY}).
 *
 * @param caFile   PEM with one or more CA certificates; null = the JVM's default trust store
 * @param certFile PEM client certificate (chain), or null
 * @param keyFile  PEM private key of the client certificate, or null
 */
public record TlsFiles(Path caFile, Path certFile, Path keyFile) {

    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END \\1-----");

    public TlsFiles {
        if ((certFile == null) != (keyFile == null)) {
            throw new InvalidSettingException("--tls-cert and --tls-key go together: give both or neither");
        }
    }

    /**
     * Builds the socket factory (TLS 1.2 or 1.3).
     *
     * @throws org.crackcam.settings.InvalidSettingException naming the file that cannot be used
     */
    public SSLSocketFactory socketFactory() {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (caFile != null) {
                KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
                trust.load(null, null);
                List<Certificate> cas = certificates(caFile);
                for (int i = 0; i < cas.size(); i++) {
                    trust.setCertificateEntry("ca-" + i, cas.get(i));
                }
                tmf.init(trust);
            } else {
                tmf.init((KeyStore) null);
            }
            KeyManagerFactory kmf = null;
            if (certFile != null) {
                List<Certificate> chain = certificates(certFile);
                PrivateKey key = privateKey(keyFile);
                KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                char[] pw = new char[0];
                ks.setKeyEntry("client", key, pw, chain.toArray(new Certificate[0]));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, pw);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
            return ctx.getSocketFactory();
        } catch (GeneralSecurityException | IOException ex) {
            throw new InvalidSettingException("cannot set up TLS from " + this + ": " + ex.getMessage(), ex);
        }
    }

    static List<Certificate> certificates(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<Certificate> certs = new ArrayList<>(CertificateFactory.getInstance("X.509").generateCertificates(in));
            if (certs.isEmpty()) {
                throw new InvalidSettingException("no certificate in " + file + " (expected PEM: -----BEGIN CERTIFICATE-----)");
            }
            return certs;
        } catch (IOException | GeneralSecurityException ex) {
            throw new InvalidSettingException("cannot read certificates from " + file + ": " + ex.getMessage(), ex);
        }
    }

    static PrivateKey privateKey(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException ex) {
            throw new InvalidSettingException("cannot read the private key " + file + ": " + ex.getMessage(), ex);
        }
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            byte[] der = Base64.getMimeDecoder().decode(m.group(2).getBytes(StandardCharsets.US_ASCII));
            switch (type) {
                case "PRIVATE KEY":
                    return pkcs8(der, file);
                case "RSA PRIVATE KEY":
                    return pkcs8(pkcs1ToPkcs8(der), file);
                case "ENCRYPTED PRIVATE KEY":
                    throw new InvalidSettingException("private key " + file
                            + " is encrypted; decrypt it: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pem");
                case "EC PRIVATE KEY":
                    throw new InvalidSettingException("private key " + file
                            + " is in SEC1 form; convert it: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pem");
                default:
                    // skip other blocks (e.g. EC PARAMETERS)
            }
        }
        throw new InvalidSettingException("no private key in " + file + " (expected PEM: -----BEGIN PRIVATE KEY-----)");
    }

    private static PrivateKey pkcs8(byte[] der, Path file) {
        for (String alg : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException ignored) {
                // try the next algorithm
            }
        }
        throw new InvalidSettingException("private key " + file + " is not an RSA, EC or Ed25519 PKCS#8 key");
    }

    /** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo (DER). */
    static byte[] pkcs1ToPkcs8(byte[] pkcs1) {
        byte[] algId = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01,
                0x01, 0x05, 0x00};
        byte[] version = {0x02, 0x01, 0x00};
        byte[] octet = der((byte) 0x04, pkcs1);
        byte[] body = new byte[version.length + algId.length + octet.length];
        System.arraycopy(version, 0, body, 0, version.length);
        System.arraycopy(algId, 0, body, version.length, algId.length);
        System.arraycopy(octet, 0, body, version.length + algId.length, octet.length);
        return der((byte) 0x30, body);
    }

    private static byte[] der(byte tag, byte[] content) {
        int n = content.length;
        byte[] len;
        if (n < 0x80) {
            len = new byte[] {(byte) n};
        } else if (n < 0x100) {
            len = new byte[] {(byte) 0x81, (byte) n};
        } else if (n < 0x10000) {
            len = new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
        } else {
            len = new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
        }
        byte[] out = new byte[1 + len.length + n];
        out[0] = tag;
        System.arraycopy(len, 0, out, 1, len.length);
        System.arraycopy(content, 0, out, 1 + len.length, n);
        return out;
    }
}
