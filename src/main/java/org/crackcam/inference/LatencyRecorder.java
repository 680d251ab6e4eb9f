package org.crackcam.inference;

import java.util.Arrays;

/** Collects durations (nanoseconds) of one stage; summarises mean, p50, p95 in milliseconds. */
public final class LatencyRecorder {

    /** Summary in milliseconds. */
    public record Summary(String stage, int count, double meanMs, double p50Ms, double p95Ms, double totalMs) {
    }

    private final String stage;
    private long[] values = new long[1024];
    private int count;

    public LatencyRecorder(String stage) {
        this.stage = stage;
    }

    public void add(long nanos) {
        if (count == values.length) {
            values = Arrays.copyOf(values, count * 2);
        }
        values[count++] = nanos;
    }

    public int count() {
        return count;
    }

    public Summary summary() {
        if (count == 0) {
            return new Summary(stage, 0, 0, 0, 0, 0);
        }
        long[] sorted = Arrays.copyOf(values, count);
        Arrays.sort(sorted);
        double total = 0;
        for (long v : sorted) {
            total += v;
        }
        return new Summary(stage, count, total / count / 1e6, percentile(sorted, 0.50) / 1e6,
                percentile(sorted, 0.95) / 1e6, total / 1e6);
    }

    /** Nearest-rank percentile. */
    static double percentile(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
