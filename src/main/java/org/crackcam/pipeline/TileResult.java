package org.crackcam.pipeline;

/**
 * One road tile of a frame after classification.
 *
 * @param index       tile index in the grid (row-major)
 * @param x           left edge in frame pixels
 * @param y           top edge in frame pixels
 * @param size        side of the square tile in frame pixels
 * @param probability p(crack) from the perception branch
 * @param flagged     probability at or above the bundle's crack threshold
 */
public record TileResult(int index, int x, int y, int size, float probability, boolean flagged) {
}
