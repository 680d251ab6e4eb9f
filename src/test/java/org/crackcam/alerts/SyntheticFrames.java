package org.crackcam.alerts;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.crackcam.pipeline.FrameResult;
import org.crackcam.pipeline.Position;
import org.crackcam.pipeline.TileResult;

/**
 * SYNTHETIC frames for tests: grey noise "asphalt" with dark crack lines drawn into a mask, tiles
 * of a fixed grid flagged where the mask has pixels. Not real camera data.
 */
public final class SyntheticFrames {

    public static final int W = 640;
    public static final int H = 360;
    public static final int TILE = 80;

    private SyntheticFrames() {
    }

    /** An empty mask. */
    public static byte[] mask() {
        return new byte[W * H];
    }

    /** Draws a line of the given thickness (square brush) into a W×H mask. */
    public static void line(byte[] mask, int x0, int y0, int x1, int y1, int thickness) {
        int steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0)) * 2 + 1;
        for (int i = 0; i <= steps; i++) {
            double t = (double) i / steps;
            int cx = (int) Math.round(x0 + t * (x1 - x0));
            int cy = (int) Math.round(y0 + t * (y1 - y0));
            for (int dy = 0; dy < thickness; dy++) {
                for (int dx = 0; dx < thickness; dx++) {
                    int x = cx + dx - thickness / 2;
                    int y = cy + dy - thickness / 2;
                    if (x >= 0 && y >= 0 && x < W && y < H) {
                        mask[y * W + x] = 1;
                    }
                }
            }
        }
    }

    /** A wiggly crack (seeded random walk) of {@code length} px starting at (x, y), heading {@code deg}. */
    public static void crack(byte[] mask, long seed, int x, int y, double deg, int length) {
        Random r = new Random(seed);
        double a = Math.toRadians(deg);
        double px = x, py = y;
        for (int done = 0; done < length; done += 6) {
            double na = a + (r.nextDouble() - 0.5) * 0.6;
            double nx = px + 6 * Math.cos(na);
            double ny = py - 6 * Math.sin(na);
            line(mask, (int) px, (int) py, (int) nx, (int) ny, 3);
            px = nx;
            py = ny;
        }
    }

    /** A frame: BGR noise darkened under the mask, tiles flagged (p = {@code p}) where the mask is. */
    public static FrameResult frame(String source, long index, byte[] mask, float p, Optional<Position> pos) {
        Random r = new Random(index * 31 + 7);
        byte[] bgr = new byte[W * H * 3];
        for (int i = 0; i < W * H; i++) {
            int g = 95 + r.nextInt(25);
            int v = mask != null && mask[i] != 0 ? 30 : g;
            bgr[3 * i] = (byte) v;
            bgr[3 * i + 1] = (byte) v;
            bgr[3 * i + 2] = (byte) (v + 5);
        }
        List<TileResult> tiles = new ArrayList<>();
        boolean any = false;
        int idx = 0;
        for (int ty = 0; ty < H / TILE * TILE; ty += TILE) {
            for (int tx = 0; tx < W; tx += TILE) {
                boolean has = false;
                for (int y = ty; y < ty + TILE && !has && mask != null; y++) {
                    for (int x = tx; x < tx + TILE; x++) {
                        if (mask[y * W + x] != 0) {
                            has = true;
                            break;
                        }
                    }
                }
                any |= has;
                tiles.add(new TileResult(idx++, tx, ty, TILE, has ? p : 0.05f, has));
            }
        }
        return new FrameResult(source, index, index * 100_000L, 1_790_000_000_000_000L + index * 100_000L,
                W, H, List.copyOf(tiles), any ? mask : null, bgr, pos);
    }
}
