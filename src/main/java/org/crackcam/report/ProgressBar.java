package org.crackcam.report;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The one text progress bar (replay over a video's duration, evaluation over samples): on a
 * terminal it is redrawn in place at most every 250 ms; otherwise one line per 10 %. Shows the
 * fraction done, a count with its rate, optional extra text and the ETA. Called from one thread.
 */
public final class ProgressBar {

    private static final int WIDTH = 30;

    private final PrintStream out;
    private final String label;
    private final long total;
    private final String unit;
    private final boolean interactive;
    private final long start = System.nanoTime();
    private long lastDraw;
    private boolean drawn;
    private int lastDecile = -1;

    /**
     * @param label       printed before the bar, or null
     * @param total       the position at which the work is done (≤ 0: unknown, no percentage)
     * @param unit        what is counted ("frames", "img")
     * @param interactive redraw in place (a terminal) rather than a line per 10 %
     */
    public ProgressBar(PrintStream out, String label, long total, String unit, boolean interactive) {
        this.out = out;
        this.label = label;
        this.total = total;
        this.unit = unit;
        this.interactive = interactive;
    }

    /** A replay's bar: progress through {@code durationMicros} of video, redrawn in place. */
    public static ProgressBar overVideo(PrintStream err, long durationMicros) {
        return new ProgressBar(err, null, durationMicros, "frames", true);
    }

    /** Items done out of {@code total}: position and count are the same. */
    public void update(long done) {
        update(done, done, null);
    }

    /**
     * @param position progress towards {@code total} (e.g. the frame's timestamp)
     * @param count    items done, for the rate
     * @param extra    more text (e.g. "12 flagged"), or null
     */
    public void update(long position, long count, String extra) {
        long now = System.nanoTime();
        boolean finished = total > 0 && position >= total;
        double frac = total > 0 ? Math.min(1.0, Math.max(0, position / (double) total)) : 0;
        if (interactive) {
            if (drawn && !finished && now - lastDraw < 250_000_000L) {
                return;
            }
            lastDraw = now;
            drawn = true;
            out.print("\r" + line(frac, count, extra, now) + "   ");
        } else {
            int decile = (int) (frac * 10);
            if (decile == lastDecile && !finished) {
                return;
            }
            lastDecile = decile;
            out.println(line(frac, count, extra, now));
        }
        out.flush();
    }

    String line(double frac, long count, String extra, long now) {
        int filled = (int) Math.round(frac * WIDTH);
        String bar = "=".repeat(filled) + (filled < WIDTH ? ">" : "") + " ".repeat(Math.max(0, WIDTH - filled - 1));
        double s = (now - start) / 1e9;
        double rate = s > 0 ? count / s : 0;
        String eta = frac > 0.001 && frac < 1 ? clock(s * (1 - frac) / frac) : frac >= 1 ? "0:00:00" : "?";
        return String.format(Locale.ROOT, "%s[%s] %3.0f%% %d %s %.2f %s/s%s ETA %s", label == null ? "" : label + " ",
                bar, frac * 100, count, unit, rate, unit, extra == null ? "" : ", " + extra, eta);
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

    /** Ends the in-place line. */
    public void finish() {
        if (interactive && drawn) {
            out.println();
        }
    }
}
