package org.crackcam.alerts;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

import org.crackcam.capture.UnreadableInputException;


/**
 * What identifies a frame source in alert ids ({@link AlertFactory#alertId}): for a file the
 * SHA-256 of its content ({@code sha256:<hex>}, the same for every copy and name of the same
 * video), for a live camera a session ({@code session:<uuid>}, new for every tracker, so events of
 * different runs never share an id).
 *
 * <p>Called once per source when it is opened ({@link org.crackcam.pipeline.DetectionListener#onSource});
 * hashing reads the whole file once (about 0.3 s per 100 MB here).
 */
public final class SourceIdentity {

    private SourceIdentity() {
    }

    /** {@code sha256:<64 hex digits>} of the file's content; INPUT error naming the file when unreadable. */
    public static String ofFile(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = sha256();
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return "sha256:" + HexFormat.of().formatHex(md.digest());
        } catch (IOException ex) {
            throw new UnreadableInputException("video " + file + ": cannot read it to hash its content: " + ex.getMessage(), ex);
        }
    }

    /** A fresh session identity {@code session:<random uuid>} (cameras, and sources nobody identified). */
    public static String newSession() {
        return "session:" + UUID.randomUUID();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 missing from this JVM", ex);
        }
    }
}
