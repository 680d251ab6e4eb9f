package org.crackcam.tiles;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The road region of interest in normalised frame coordinates (x right, y down, both in
 * [0, 1]): a rectangle or a polygon (at least 3 vertices, in order).
 *
 * <p>Text form (CLI and configuration): {@code rect:x0,y0,x1,y1} or
 * {@code poly:x,y;x,y;x,y[;…]}.
 */
public record Roi(boolean rectangle, List<double[]> vertices) {

    /** The default: the lower road area of the shipped synthetic drives (6×2 tiles at 960×540). */
    public static final Roi DEFAULT = rect(0.125, 0.5, 0.875, 0.9444);

    public Roi {
        vertices = List.copyOf(vertices);
        if (vertices.size() < 3) {
            throw new IllegalArgumentException("an ROI polygon needs at least 3 vertices");
        }
    }

    /** Equal when the kind and every vertex are equal (the vertices are arrays: compared by value). */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Roi r) || r.rectangle != rectangle || r.vertices.size() != vertices.size()) {
            return false;
        }
        for (int i = 0; i < vertices.size(); i++) {
            if (!java.util.Arrays.equals(vertices.get(i), r.vertices.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = Boolean.hashCode(rectangle);
        for (double[] v : vertices) {
            h = 31 * h + java.util.Arrays.hashCode(v);
        }
        return h;
    }

    public static Roi rect(double x0, double y0, double x1, double y1) {
        if (!(x1 > x0 && y1 > y0)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "ROI rectangle needs x0 < x1 and y0 < y1, got %s,%s,%s,%s", x0, y0, x1, y1));
        }
        return new Roi(true, List.of(new double[] {x0, y0}, new double[] {x1, y0},
                new double[] {x1, y1}, new double[] {x0, y1}));
    }

    public static Roi polygon(List<double[]> points) {
        return new Roi(false, points);
    }

    /** Parses {@code rect:x0,y0,x1,y1} or {@code poly:x,y;x,y;…}; IllegalArgumentException naming the problem. */
    public static Roi parse(String text) {
        String s = text.trim();
        try {
            if (s.startsWith("rect:")) {
                String[] p = s.substring(5).split(",");
                if (p.length != 4) {
                    throw new IllegalArgumentException("rect needs 4 numbers");
                }
                return rect(num(p[0]), num(p[1]), num(p[2]), num(p[3]));
            }
            if (s.startsWith("poly:")) {
                List<double[]> pts = new ArrayList<>();
                for (String pair : s.substring(5).split(";")) {
                    String[] xy = pair.split(",");
                    if (xy.length != 2) {
                        throw new IllegalArgumentException("vertex '" + pair + "' is not x,y");
                    }
                    pts.add(new double[] {num(xy[0]), num(xy[1])});
                }
                return polygon(pts);
            }
            throw new IllegalArgumentException("expected rect:x0,y0,x1,y1 or poly:x,y;x,y;x,y");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad ROI '" + text + "': " + e.getMessage(), e);
        }
    }

    private static double num(String s) {
        return Double.parseDouble(s.trim());
    }

    /** Bounding box {x0, y0, x1, y1} in normalised coordinates. */
    public double[] bounds() {
        double x0 = Double.MAX_VALUE, y0 = Double.MAX_VALUE, x1 = -Double.MAX_VALUE, y1 = -Double.MAX_VALUE;
        for (double[] v : vertices) {
            x0 = Math.min(x0, v[0]);
            y0 = Math.min(y0, v[1]);
            x1 = Math.max(x1, v[0]);
            y1 = Math.max(y1, v[1]);
        }
        return new double[] {x0, y0, x1, y1};
    }

    /** True when the point (pixels) lies inside the polygon scaled to a {@code w × h} frame (even-odd rule). */
    public boolean contains(double px, double py, int w, int h) {
        if (rectangle) {
            double[] b = bounds();
            return px >= b[0] * w && px <= b[2] * w && py >= b[1] * h && py <= b[3] * h;
        }
        boolean inside = false;
        int n = vertices.size();
        for (int i = 0, j = n - 1; i < n; j = i++) {
            double xi = vertices.get(i)[0] * w, yi = vertices.get(i)[1] * h;
            double xj = vertices.get(j)[0] * w, yj = vertices.get(j)[1] * h;
            if ((yi > py) != (yj > py) && px < (xj - xi) * (py - yi) / (yj - yi) + xi) {
                inside = !inside;
            }
        }
        return inside;
    }

    @Override
    public String toString() {
        if (rectangle) {
            double[] b = bounds();
            return String.format(Locale.ROOT, "rect:%s,%s,%s,%s", b[0], b[1], b[2], b[3]);
        }
        StringBuilder sb = new StringBuilder("poly:");
        for (int i = 0; i < vertices.size(); i++) {
            sb.append(i == 0 ? "" : ";").append(vertices.get(i)[0]).append(',').append(vertices.get(i)[1]);
        }
        return sb.toString();
    }
}
