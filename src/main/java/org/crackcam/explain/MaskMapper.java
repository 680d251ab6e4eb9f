package org.crackcam.explain;

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
                if (tileMap[rowBase + u] > 0f) {
                    frameMask[frameRow + fx] = 1;
                    count++;
                }
            }
        }
        return count;
    }

    /** As {@link #orInto(byte[], int, int, Tile, float[], int, int)} for a 0/1 tile mask (set where {@code != 0}). */
    public static int orInto(byte[] frameMask, int frameWidth, int frameHeight, Tile tile,
                             byte[] tileMask, int mapHeight, int mapWidth) {
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
                if (tileMask[rowBase + u] != 0) {
                    frameMask[frameRow + fx] = 1;
                    count++;
                }
            }
        }
        return count;
    }
}
