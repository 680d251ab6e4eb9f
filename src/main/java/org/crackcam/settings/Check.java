package org.crackcam.settings;

/** The range checks of the settings records, with one wording for every setting. */
final class Check {

    private Check() {
    }

    static int range(Key key, int v, int min, int max) {
        return (int) range(key, (long) v, min, max);
    }

    static long range(Key key, long v, long min, long max) {
        if (v < min) {
            throw new InvalidSettingException(key, "must be ≥ " + min + ", got " + v);
        }
        if (v > max) {
            throw new InvalidSettingException(key, "must be ≤ " + max + ", got " + v);
        }
        return v;
    }

    static double range(Key key, double v, double min, double max) {
        if (Double.isNaN(v)) {
            throw new InvalidSettingException(key, "must be a number, got NaN");
        }
        if (v < min) {
            throw new InvalidSettingException(key, "must be ≥ " + fmt(min) + ", got " + fmt(v));
        }
        if (v > max) {
            throw new InvalidSettingException(key, "must be ≤ " + fmt(max) + ", got " + fmt(v));
        }
        return v;
    }

    /** {@code v > min} (an open lower bound). */
    static double above(Key key, double v, double min) {
        if (!(v > min)) {
            throw new InvalidSettingException(key, "must be > " + fmt(min) + ", got " + fmt(v));
        }
        return v;
    }

    /** 3 rather than 3.0; otherwise the shortest decimal form. */
    static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
