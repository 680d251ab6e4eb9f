package org.crackcam.report;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on standard error: percentage of the video's duration, frames,
 * frames per second and ETA. Redrawn at most 4 times a second.
 */
public final class ProgressBar {

    private final PrintStream err;
    private final long totalMicros;
    private final long start = System.nanoTime();
    private long lastDraw;
    private boolean drawn;

    /** @param totalMicros video duration, or ≤ 0 when unknown */
    public ProgressBar(PrintStream err, long totalMicros) {
        this.err = err;
        this.totalMicros = totalMicros;
    }

    public void update(long frames, long timestampMicros, long flaggedFrames) {
        long now = System.nanoTime();
        if (drawn && now - lastDraw < 250_000_000L) {
            return;
        }
        lastDraw = now;
        drawn = true;
        double elapsed = (now - start) / 1e9;
        double fps = elapsed > 0 ? frames / elapsed : 0;
        double frac = totalMicros > 0 ? Math.min(1.0, Math.max(0, timestampMicros / (double) totalMicros)) : 0;
        int width = 30;
        int filled = (int) Math.round(frac * width);
        String bar = "=".repeat(filled) + (filled < width ? ">" : "") + " ".repeat(Math.max(0, width - filled - 1));
        String eta = frac > 0.001 ? String.format(Locale.ROOT, "%.0fs", elapsed * (1 - frac) / frac) : "?";
        err.print(String.format(Locale.ROOT, "\r[%s] %3.0f%% %d frames %.1f fps, %d flagged, ETA %s   ",
                bar, frac * 100, frames, fps, flaggedFrames, eta));
        err.flush();
    }

    public void finish() {
        if (drawn) {
            err.println();
        }
    }
}
