package org.crackcam.tiles;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;
import org.crackcam.capture.VideoFrame;

/**
 * Packs tiles into the model's input: each tile resized to H×W (bilinear), BGR→RGB, /255,
 * NCHW float32, into ONE direct native-order {@link FloatBuffer} reused across frames (ONNX
 * Runtime reads it without a copy). Slot {@code i} starts at float {@code i·3·H·W}.
 *
 * <p>Not thread-safe: one packer per pipeline thread. Owns native OpenCV memory: close it.
 */
public final class TilePacker implements AutoCloseable {

    private final int height;
    private final int width;
    private final int capacity;
    private final int perTile;
    private final FloatBuffer buffer;
    private final Mat resized;
    private final Size size;
    private final byte[] pixels;
    private Mat frameMat = new Mat();
    private TileGrid cachedGrid;
    private final List<Mat> views = new ArrayList<>();
    private boolean closed;

    /** A packer for tiles of {@code height × width} and up to {@code capacity} tiles per batch. */
    public TilePacker(int height, int width, int capacity) {
        this.height = height;
        this.width = width;
        this.capacity = capacity;
        this.perTile = 3 * height * width;
        this.buffer = ByteBuffer.allocateDirect(capacity * perTile * Float.BYTES)
                .order(ByteOrder.nativeOrder()).asFloatBuffer();
        this.resized = new Mat(height, width, opencv_core.CV_8UC3);
        this.size = new Size(width, height);
        this.pixels = new byte[height * width * 3];
    }

    public int capacity() {
        return capacity;
    }

    /** Floats per tile (3·H·W). */
    public int perTile() {
        return perTile;
    }

    /** The shared buffer (position 0; limit set by the last pack). */
    public FloatBuffer buffer() {
        return buffer;
    }

    /**
     * Packs the grid's tiles of {@code frame} into slots 0..n−1 and returns the buffer with
     * position 0 and limit {@code n·3·H·W}.
     */
    public FloatBuffer pack(VideoFrame frame, TileGrid grid) {
        check();
        if (grid.size() > capacity) {
            throw new IllegalArgumentException("grid has " + grid.size() + " tiles, packer holds " + capacity);
        }
        int n = frame.width * frame.height * 3;
        if (frameMat.rows() != frame.height || frameMat.cols() != frame.width) {
            releaseViews();
            frameMat.close();
            frameMat = new Mat(frame.height, frame.width, opencv_core.CV_8UC3);
            cachedGrid = null;
        }
        frameMat.data().put(frame.bgr, 0, n);
        if (cachedGrid != grid) {
            releaseViews();
            for (Tile t : grid.tiles()) {
                views.add(new Mat(frameMat, new Rect(t.x(), t.y(), t.size(), t.size())));
            }
            cachedGrid = grid;
        }
        for (int i = 0; i < views.size(); i++) {
            packMat(views.get(i), i);
        }
        buffer.clear().limit(views.size() * perTile);
        return buffer;
    }

    /** Packs a whole BGR image (any size) as one tile into {@code slot}. */
    public void packMat(Mat bgr, int slot) {
        check();
        opencv_imgproc.resize(bgr, resized, size, 0, 0, opencv_imgproc.INTER_LINEAR);
        resized.data().get(pixels);
        toFloatsRgb(pixels, height, width, buffer, slot * perTile);
    }

    /** BGR bytes (H·W·3, row-major) → planar RGB floats in [0, 1] at {@code offset}. */
    public static void toFloatsRgb(byte[] bgr, int h, int w, FloatBuffer dst, int offset) {
        int hw = h * w;
        final float k = 1f / 255f;
        for (int i = 0, p = 0; i < hw; i++, p += 3) {
            dst.put(offset + i, (bgr[p + 2] & 0xff) * k);
            dst.put(offset + hw + i, (bgr[p + 1] & 0xff) * k);
            dst.put(offset + 2 * hw + i, (bgr[p] & 0xff) * k);
        }
    }

    private void releaseViews() {
        views.forEach(Mat::close);
        views.clear();
    }

    private void check() {
        if (closed) {
            throw new IllegalStateException("tile packer is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        releaseViews();
        frameMat.close();
        resized.close();
        size.close();
    }
}
