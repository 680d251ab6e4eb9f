package org.crackcam.explain;

import java.util.ArrayList;
import java.util.List;

/**
 * Compact encoding of a frame mask (0/1 bytes, row-major): the bounding box of the set pixels
 * and run lengths inside it.
 *
 * <p>{@code bbox = [x, y, w, h]} in frame pixels; {@code runs} walk the box row by row (left to
 * right, top to bottom) and alternate 0-runs and 1-runs, starting with a 0-run (which may be
 * 0). The runs sum to {@code w·h}. An empty mask is {@code bbox = [0, 0, 0, 0]}, no runs.
 *
 * @param area number of set pixels
 */
public record MaskRle(int[] bbox, int[] runs, int area) {

    /** Encodes a {@code width × height} mask. */
    public static MaskRle encode(byte[] mask, int width, int height) {
        int x0 = width, y0 = height, x1 = -1, y1 = -1, area = 0;
        for (int y = 0; y < height; y++) {
            int row = y * width;
            for (int x = 0; x < width; x++) {
                if (mask[row + x] != 0) {
                    area++;
                    if (x < x0) {
                        x0 = x;
                    }
                    if (x > x1) {
                        x1 = x;
                    }
                    if (y < y0) {
                        y0 = y;
                    }
                    y1 = y;
                }
            }
        }
        if (area == 0) {
            return new MaskRle(new int[] {0, 0, 0, 0}, new int[0], 0);
        }
        List<Integer> runs = new ArrayList<>();
        int current = 0;
        int length = 0;
        for (int y = y0; y <= y1; y++) {
            int row = y * width;
            for (int x = x0; x <= x1; x++) {
                int v = mask[row + x] != 0 ? 1 : 0;
                if (v != current) {
                    runs.add(length);
                    current = v;
                    length = 0;
                }
                length++;
            }
        }
        runs.add(length);
        return new MaskRle(new int[] {x0, y0, x1 - x0 + 1, y1 - y0 + 1},
                runs.stream().mapToInt(Integer::intValue).toArray(), area);
    }

    /** Decodes into a {@code width × height} mask. */
    public byte[] decode(int width, int height) {
        byte[] mask = new byte[width * height];
        int bw = bbox[2];
        int pos = 0;
        byte v = 0;
        for (int run : runs) {
            for (int k = 0; k < run; k++, pos++) {
                if (v != 0) {
                    int x = bbox[0] + pos % bw;
                    int y = bbox[1] + pos / bw;
                    mask[y * width + x] = 1;
                }
            }
            v = (byte) (1 - v);
        }
        return mask;
    }
}
