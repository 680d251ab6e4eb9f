package org.crackcam.delivery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Properties;
import java.util.Set;

import org.crackcam.settings.InvalidSettingException;
import org.tinylog.Logger;

/**
 * MQTT user name and password, read from a file (never from the command line, where every user
 * of the machine could read them in the process list). The file is a Java properties file:
 * <pre>
 * username = vehicle-0042
 * password = s3cret
 * </pre>
 * It is re-read at every connection attempt, so fixing a wrong password needs no restart.
 */
public record Credentials(String username, char[] password) {

    private static final java.util.Set<Path> WARNED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Reads the file; warns (once per file and process) when it is readable by group or others.
     *
     * @throws org.crackcam.settings.InvalidSettingException when it is missing or lacks a key
     */
    public static Credentials read(Path file) {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException ex) {
            throw new InvalidSettingException("cannot read the credentials file " + file + ": " + ex.getMessage(), ex);
        }
        String user = p.getProperty("username");
        String pass = p.getProperty("password");
        if (user == null || user.isBlank() || pass == null) {
            throw new InvalidSettingException("credentials file " + file + " needs the keys 'username' and 'password'");
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if ((perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ))
                    && WARNED.add(file.toAbsolutePath())) {
                Logger.warn("credentials file {} is readable by other users; chmod 600 it", file);
            }
        } catch (IOException | UnsupportedOperationException ignored) {
            // not a POSIX file system: nothing to check
        }
        return new Credentials(user.trim(), pass.toCharArray());
    }
}
