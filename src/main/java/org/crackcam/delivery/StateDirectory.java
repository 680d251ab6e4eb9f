package org.crackcam.delivery;

import java.nio.file.Path;

/** Where CrackCam keeps state between runs (the outbox). */
public final class StateDirectory {

    private StateDirectory() {
    }

    /**
     * {@code $STATE_DIRECTORY} (set by systemd's {@code StateDirectory=}; the first entry when
     * several are given), else {@code $XDG_STATE_HOME/crackcam}, else
     * {@code ~/.local/state/crackcam}.
     */
    public static Path resolve() {
        String systemd = System.getenv("STATE_DIRECTORY");
        if (systemd != null && !systemd.isBlank()) {
            return Path.of(systemd.split(":")[0]);
        }
        String xdg = System.getenv("XDG_STATE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "crackcam");
        }
        return Path.of(System.getProperty("user.home"), ".local", "state", "crackcam");
    }

    /** The default outbox: {@code <state directory>/outbox}. */
    public static Path defaultOutbox() {
        return resolve().resolve("outbox");
    }
}
