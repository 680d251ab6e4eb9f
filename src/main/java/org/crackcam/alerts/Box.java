package org.crackcam.alerts;

/** An axis-aligned box in frame pixels, origin top-left; {@code width, height >= 0}. */
public record Box(int x, int y, int width, int height) {

    public Box {
        if (width < 0 || height < 0) {
            throw new IllegalArgumentException("negative box size " + width + "x" + height);
        }
    }

    public long area() {
        return (long) width * height;
    }

    public int right() {
        return x + width;
    }

    public int bottom() {
        return y + height;
    }

    /** Area of the intersection with {@code o} (0 when disjoint). */
    public long intersection(Box o) {
        long w = Math.min(right(), o.right()) - Math.max(x, o.x);
        long h = Math.min(bottom(), o.bottom()) - Math.max(y, o.y);
        return w <= 0 || h <= 0 ? 0 : w * h;
    }

    /** Intersection over union; 0 for two empty boxes. */
    public double iou(Box o) {
        long inter = intersection(o);
        long union = area() + o.area() - inter;
        return union == 0 ? 0 : (double) inter / union;
    }

    /** The smallest box holding both. */
    public Box union(Box o) {
        int x0 = Math.min(x, o.x);
        int y0 = Math.min(y, o.y);
        return new Box(x0, y0, Math.max(right(), o.right()) - x0, Math.max(bottom(), o.bottom()) - y0);
    }

    /** This box grown by the given margins (may extend outside the frame). */
    public Box grow(int left, int top, int rightMargin, int bottomMargin) {
        return new Box(x - left, y - top, width + left + rightMargin, height + top + bottomMargin);
    }

    /** True when the boxes overlap or touch (share an edge or a corner). */
    public boolean touches(Box o) {
        return x <= o.right() && o.x <= right() && y <= o.bottom() && o.y <= bottom();
    }
}
