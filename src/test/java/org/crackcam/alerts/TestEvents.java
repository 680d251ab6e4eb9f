package org.crackcam.alerts;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.crackcam.pipeline.Position;
import org.crackcam.pipeline.TileResult;

/**
 * Random SYNTHETIC crack events for property tests: every field drawn over its whole range,
 * with a bias towards the values that break rounding and bounds (probabilities near 1, headings
 * near 360, axes near 180, positions at the poles and the date line, missing or odd values).
 */
final class TestEvents {

    private TestEvents() {
    }

    static CrackEvent random(Random r) {
        return random(r, r.nextBoolean() ? "sha256:" + hex(r, 32) : "session:" + hex(r, 16) + "/cam0",
                r.nextInt(100_000), r.nextInt(1000));
    }

    static CrackEvent random(Random r, String identity, long firstFrame, long trackId) {
        int fw = 16 + r.nextInt(1905);
        int fh = 16 + r.nextInt(1065);
        int bw = 1 + r.nextInt(Math.min(fw, 400));
        int bh = 1 + r.nextInt(Math.min(fh, 300));
        Box box = new Box(r.nextInt(fw - bw + 1), r.nextInt(fh - bh + 1), bw, bh);
        byte[] region = new byte[bw * bh];
        byte[] mask = new byte[bw * bh];
        int kind = r.nextInt(4);
        if (kind == 1 && bw >= 50) {
            // a horizontal line with a pixel below its right end: its axis is a few thousandths
            // of a degree below 180, which rounds to 180.0 (issue 14)
            for (int i = 0; i < region.length; i++) {
                region[i] = 1;
            }
            for (int x = 0; x < bw; x++) {
                mask[x] = 1;
            }
            if (bh > 1) {
                mask[bw + bw - 1] = 1;
            }
        } else if (kind > 0) { // a filled region and a line (any angle) inside it
            for (int i = 0; i < region.length; i++) {
                region[i] = 1;
            }
            double a = kind == 1 ? Math.toRadians(180 - r.nextDouble() * 0.2) : r.nextDouble() * Math.PI;
            int cx = bw / 2, cy = bh / 2;
            int len = Math.max(bw, bh);
            for (int t = -len; t <= len; t++) {
                int x = (int) Math.round(cx + t * Math.cos(a) / 2);
                int y = (int) Math.round(cy - t * Math.sin(a) / 2);
                if (x >= 0 && y >= 0 && x < bw && y < bh) {
                    mask[y * bw + x] = 1;
                }
            }
        }
        List<TileResult> tiles = new ArrayList<>();
        List<CrackEvent.TileCrop> crops = new ArrayList<>();
        int n = 1 + r.nextInt(6);
        for (int i = 0; i < n; i++) {
            int size = 1 + r.nextInt(Math.min(fw, fh));
            int x = r.nextInt(fw - size + 1);
            int y = r.nextInt(fh - size + 1);
            tiles.add(new TileResult(i, x, y, size, probability(r), true));
            if (r.nextInt(3) > 0 && size <= 200) {
                crops.add(new CrackEvent.TileCrop(x, y, size, noise(r, size, size)));
            }
        }
        Optional<Position> pos = Optional.empty();
        if (r.nextInt(4) > 0) {
            pos = Optional.of(new Position(pick(r, -90, 90, 89.99999999, -90.0, 90.0, Double.NaN),
                    pick(r, -180, 180, 179.99999999, -180.0, 180.0, 180.5, -200, Double.NaN),
                    pick(r, 0, 60, 0.0, -1.0, Double.NaN, 1e-9),
                    pick(r, 0, 360, 359.9996, 359.99999, 360.0, -0.0001, -90, 720.5, Double.NaN), 0));
        }
        long wall = switch (r.nextInt(5)) {
            case 0 -> 0L;
            case 1 -> Long.MAX_VALUE / 2;
            case 2 -> -1_000_000L;
            default -> 1_790_000_000_000_000L + r.nextInt(1_000_000_000);
        };
        int ow = 16 + r.nextInt(305);
        return new CrackEvent("drive-" + r.nextInt(5) + ".mp4", identity, r.nextBoolean() ? "" : "selector=all",
                trackId, r.nextInt(3), firstFrame, firstFrame + r.nextInt(500), 1 + r.nextInt(500),
                firstFrame + r.nextInt(10), r.nextLong() >> 20, wall, wall, pos, probability(r), List.copyOf(tiles), box,
                fw, fh, mask, region, List.copyOf(crops), noise(r, ow, Math.max(1, ow * 9 / 16)),
                CrackEvent.Reason.values()[r.nextInt(3)]);
    }

    private static float probability(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> 1f;
            case 1 -> 0.99996f;
            case 2 -> Math.nextDown(1f);
            case 3 -> 0.5f;
            default -> r.nextFloat();
        };
    }

    private static double pick(Random r, double lo, double hi, double... edges) {
        if (r.nextInt(3) == 0) {
            return edges[r.nextInt(edges.length)];
        }
        return lo + r.nextDouble() * (hi - lo);
    }

    private static BufferedImage noise(Random r, int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int g = 80 + r.nextInt(40);
                img.setRGB(x, y, (g << 16) | (g << 8) | g);
            }
        }
        return img;
    }

    private static String hex(Random r, int bytes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < bytes; i++) {
            sb.append(String.format("%02x", r.nextInt(256)));
        }
        return sb.toString();
    }
}
