package org.crackcam.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.crackcam.capture.FileFrameSource;
import org.crackcam.capture.FrameSelector;
import org.crackcam.delivery.DeliveryException;
import org.crackcam.settings.InvalidSettingException;
import org.crackcam.settings.TilingSettings;
import org.crackcam.tiles.TileGrid;

/**
 * Checks made before anything runs, so that a setting that cannot work fails at start-up with one
 * line instead of at the first alert or on every frame: the outbox can be written, the region of
 * interest holds tiles in the camera's frame (when its size is known). Used by {@code run},
 * {@code check-config} and {@code replay}.
 */
public final class Preflight {

    private Preflight() {
    }

    /**
     * Creates {@code dir} if needed and writes and deletes a probe file in it; a DELIVERY error
     * (exit 5) naming the directory otherwise.
     *
     * @param what the directory's role in messages ("outbox")
     */
    public static void writableDirectory(Path dir, String what) {
        try {
            Files.createDirectories(dir);
        } catch (IOException | SecurityException e) {
            throw new DeliveryException(what + " " + dir + ": cannot create the "
                    + "directory (" + reason(e) + ")", e);
        }
        try {
            Path probe = Files.createTempFile(dir, ".write-probe-", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new DeliveryException(what + " " + dir + ": not writable ("
                    + reason(e) + ")", e);
        }
    }

    /**
     * Creates an output directory if needed; a CONFIGURATION error (exit 2) naming it otherwise.
     *
     * @param what the option or key that named it ("--out")
     */
    public static void outputDirectory(Path dir, String what) {
        try {
            Files.createDirectories(dir);
        } catch (IOException | SecurityException e) {
            throw new InvalidSettingException(what + " " + dir
                    + ": cannot create the directory (" + reason(e) + ")", e);
        }
    }

    private static String reason(Exception e) {
        String s = e.getClass().getSimpleName().replace("Exception", "");
        return switch (s) {
            case "AccessDenied" -> "permission denied";
            case "FileAlreadyExists" -> "a file of that name is in the way";
            case "FileSystem" -> e.getMessage();
            default -> e.getMessage() == null ? s : s + ": " + e.getMessage();
        };
    }

    /**
     * The camera's frame size when it is known before capture starts: the configured
     * {@code width}/{@code height}, or, for a file camera, the file's own. Empty otherwise.
     */
    public static Optional<int[]> frameSize(ServiceConfig.Camera c) {
        if (c.width() > 0 && c.height() > 0) {
            return Optional.of(new int[] {c.width(), c.height()});
        }
        if (c.kind() == ServiceConfig.CameraKind.FILE && Files.isRegularFile(Path.of(c.url()))) {
            try (FileFrameSource f = FileFrameSource.open(Path.of(c.url()), FrameSelector.all())) {
                return Optional.of(new int[] {f.width(), f.height()});
            }
        }
        return Optional.empty();
    }

    /**
     * The tile grid of {@code tiles} in a {@code width × height} frame; an invalid setting
     * (exit 2) prefixed with the configuration file when the ROI holds no tile there.
     */
    public static TileGrid tiles(ServiceConfig config, int width, int height) {
        TilingSettings t = config.tiles();
        try {
            return TileGrid.compute(t.roi(), width, height, t.rows(), t.overlap());
        } catch (InvalidSettingException e) {
            throw new InvalidSettingException(config.file() + ": tiles: "
                    + e.getMessage() + " (camera frame " + width + "x" + height + ")", e);
        }
    }

    /** {@link #tiles} for the camera's frame size when it is known; nothing otherwise. */
    public static void tilesFitCamera(ServiceConfig config) {
        frameSize(config.camera()).ifPresent(s -> tiles(config, s[0], s[1]));
    }
}
