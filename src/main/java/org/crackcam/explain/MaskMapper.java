package org.crackcam.explain;

import java.util.function.IntPredicate;

import org.crackcam.tiles.Tile;

/**
 * Maps a tile-space map (model input size, H×W) back into frame pixels. Frame pixel
 * {@code (fx, fy)} of a tile at {@code (x, y)} with side {@code s} samples the tile map at
 * {@code (floor((fx − x)·W / s), floor((fy − y)·H / s))} (nearest neighbour).
 */
public final class MaskMapper {

    private MaskMapper() {
    }

    /**
     * Sets {@code frameMask[fy·frameWidth + fx] = 1} for every frame pixel of {@code tile} whose
     * tile-map sample is {@code > 0} (OR: pixels already set stay set). Returns the number of
     * pixels the tile contributed.
     */
    public static int orInto(byte[] frameMask, int frameWidth, int frameHeight, Tile tile,
                             float[] tileMap, int mapHeight, int mapWidth) {
        return orInto(frameMask, frameWidth, frameHeight, tile, i -> tileMap[i] > 0f, mapWidth, mapHeight);
    }

    /** As {@link #orInto(byte[], int, int, Tile, float[], int, int)} for a 0/1 tile mask (set where {@code != 0}). */
    public static int orInto(byte[] frameMask, int frameWidth, int frameHeight, Tile tile,
                             byte[] tileMask, int mapHeight, int mapWidth) {
        return orInto(frameMask, frameWidth, frameHeight, tile, i -> tileMask[i] != 0, mapWidth, mapHeight);
    }

    /** The mapping itself: {@code set} says whether tile-map sample {@code v·mapWidth + u} is in the mask. */
    private static int orInto(byte[] frameMask, int frameWidth, int frameHeight, Tile tile, IntPredicate set,
                              int mapWidth, int mapHeight) {
        int s = tile.size();
        int count = 0;
        int yEnd = Math.min(tile.y() + s, frameHeight);
        int xEnd = Math.min(tile.x() + s, frameWidth);
        for (int fy = Math.max(tile.y(), 0); fy < yEnd; fy++) {
            int v = (int) ((long) (fy - tile.y()) * mapHeight / s);
            int rowBase = v * mapWidth;
            int frameRow = fy * frameWidth;
            for (int fx = Math.max(tile.x(), 0); fx < xEnd; fx++) {
                int u = (int) ((long) (fx - tile.x()) * mapWidth / s);
                if (set.test(rowBase + u)) {
                    frameMask[frameRow + fx] = 1;
                    count++;
                }
            }
        }
        return count;
    }
}
