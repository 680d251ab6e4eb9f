package org.crackcam.tiles;

/**
 * A square road tile in frame pixels.
 *
 * @param index grid index, row-major over the full grid (kept even when a polygon drops tiles)
 * @param x     left edge
 * @param y     top edge
 * @param size  side length
 */
public record Tile(int index, int row, int col, int x, int y, int size) {
}
