/**
 * Road tiles: the ROI ({@link org.crackcam.tiles.Roi}, rectangle or polygon in normalised
 * coordinates), the square-tile grid ({@link org.crackcam.tiles.TileGrid}) and packing into the
 * model's NCHW float input ({@link org.crackcam.tiles.TilePacker}, one reused direct buffer).
 */
package org.crackcam.tiles;
