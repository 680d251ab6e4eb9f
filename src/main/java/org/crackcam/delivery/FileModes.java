package org.crackcam.delivery;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

import org.tinylog.Logger;

/**
 * POSIX permissions of what CrackCam keeps on disk (the outbox, {@code listen}'s archive and their
 * quarantine folders): alerts hold positions and road images, so directories are {@code 0700}
 * and files {@code 0600}; with {@code groupReadable} (the service's operators, a web server's
 * group) directories are {@code 0750} and files {@code 0640}. Never world-readable.
 *
 * <p>Files are created with their final mode (no moment where they are readable by others); the
 * mode is set again after creation because the process umask may have removed the group bit.
 * On a file system without POSIX permissions the modes are skipped.
 */
public record FileModes(boolean groupReadable) {

    /** 0700 / 0600. */
    public static final FileModes PRIVATE = new FileModes(false);
    /** 0750 / 0640. */
    public static final FileModes GROUP_READABLE = new FileModes(true);

    private static final Set<PosixFilePermission> DIR_PRIVATE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> DIR_GROUP = PosixFilePermissions.fromString("rwxr-x---");
    private static final Set<PosixFilePermission> FILE_PRIVATE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> FILE_GROUP = PosixFilePermissions.fromString("rw-r-----");

    public static FileModes of(boolean groupReadable) {
        return groupReadable ? GROUP_READABLE : PRIVATE;
    }

    public Set<PosixFilePermission> directoryPermissions() {
        return groupReadable ? DIR_GROUP : DIR_PRIVATE;
    }

    public Set<PosixFilePermission> filePermissions() {
        return groupReadable ? FILE_GROUP : FILE_PRIVATE;
    }

    /** "0700/0600" or "0750/0640". */
    public String describe() {
        return groupReadable ? "0750/0640" : "0700/0600";
    }

    /**
     * Creates {@code dir} (and missing parents, with the directory mode) and sets the directory
     * mode on {@code dir} itself, also when it existed (an existing folder is tightened, and the
     * change logged).
     */
    public Path directory(Path dir) throws IOException {
        if (!posix(dir)) {
            return Files.createDirectories(dir);
        }
        boolean existed = Files.isDirectory(dir);
        if (!existed) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(directoryPermissions()));
        }
        Set<PosixFilePermission> now = Files.getPosixFilePermissions(dir);
        if (!now.equals(directoryPermissions())) {
            Files.setPosixFilePermissions(dir, directoryPermissions());
            if (existed) {
                Logger.info("{}: permissions set to {} (were {})", dir, PosixFilePermissions.toString(directoryPermissions()),
                        PosixFilePermissions.toString(now));
            }
        }
        return dir;
    }

    /** Opens a new file for writing, created with the file mode. */
    public FileChannel create(Path file, OpenOption... options) throws IOException {
        if (!posix(file)) {
            return FileChannel.open(file, options);
        }
        FileChannel ch = FileChannel.open(file, Set.of(options),
                PosixFilePermissions.asFileAttribute(filePermissions()));
        apply(file);
        return ch;
    }

    /** Sets the file mode on an existing file (no-op without POSIX permissions, or when it is gone). */
    public void apply(Path file) throws IOException {
        PosixFileAttributeView v = Files.getFileAttributeView(file, PosixFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        if (v == null || !Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!v.readAttributes().permissions().equals(filePermissions())) {
            v.setPermissions(filePermissions());
        }
    }

    private static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
