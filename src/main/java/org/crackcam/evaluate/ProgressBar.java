package org.crackcam.evaluate;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A text progress bar on a stream (stderr): redrawn in place at most every 250 ms when the
 * stream is a terminal, otherwise one line per 10 %. Shows done/total, rate and ETA.
 * Called from one thread.
 */
public final class ProgressBar {
    private final PrintStream out;
    private final String label;
    private final int total;
    private final boolean interactive;
    private final long start = System.nanoTime();
    private long lastDraw;
    private int lastDecile = -1;

    public ProgressBar(PrintStream out, String label, int total, boolean interactive) {
        this.out = out;
        this.label = label;
        this.total = Math.max(1, total);
        this.interactive = interactive;
    }

    public void update(int done) {
        long now = System.nanoTime();
        int decile = done * 10 / total;
        boolean finished = done >= total;
        if (interactive) {
            if (!finished && now - lastDraw < 250_000_000L) {
                return;
            }
            lastDraw = now;
            out.print("\r" + line(done, now) + (finished ? "\n" : ""));
        } else if (decile != lastDecile || finished) {
            lastDecile = decile;
            out.println(line(done, now));
        }
        out.flush();
    }

    String line(int done, long now) {
        int width = 30;
        int filled = (int) ((long) done * width / total);
        double s = (now - start) / 1e9;
        double rate = s > 0 ? done / s : 0;
        double eta = rate > 0 ? (total - done) / rate : Double.NaN;
        return String.format(Locale.ROOT, "%s [%s%s] %d/%d  %.2f img/s  ETA %s", label, "#".repeat(filled),
                ".".repeat(width - filled), done, total, rate, Double.isNaN(eta) ? "?" : clock(eta));
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }
}
