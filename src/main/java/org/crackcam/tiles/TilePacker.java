package org.crackcam.tiles;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;
import org.crackcam.capture.VideoFrame;

/**
 * Packs tiles into the model's input: each tile resized to H×W (bilinear), BGR→RGB, /255,
 * NCHW float32, into ONE direct native-order {@link FloatBuffer} reused across frames (ONNX
 * Runtime reads it without a copy). Slot {@code i} starts at float {@code i·3·H·W}.
 *
 * <p>Per tile everything runs in OpenCV on native memory: {@code resize} of the tile's view of
 * the frame into a reused 8-bit H×W image, {@code convertTo} float ×1/255, and {@code split}
 * straight into the three planes of the slot (Mat headers on the direct buffer, B→plane 2,
 * G→plane 1, R→plane 0). Per frame only the rows the grid covers are copied from the frame's
 * byte array into native memory. The steady state allocates nothing. The values are those of
 * OpenCV's 8-bit bilinear resize divided by 255 in float, as before.
 *
 * <p>Not thread-safe: one packer per pipeline thread. Owns native OpenCV memory: close it.
 */
public final class TilePacker implements AutoCloseable {

    private final int height;
    private final int width;
    private final int capacity;
    private final int perTile;
    private final ByteBuffer bytes;
    private final FloatBuffer buffer;
    private final BytePointer bufferPointer;
    /** Per slot: the three float planes as Mat headers on {@link #buffer}, in B, G, R order. */
    private final MatVector[] slotPlanes;
    private final List<Mat> planeHeaders = new ArrayList<>();
    private final Mat resized;
    private final Mat resizedFloat;
    private final Size size;
    private Mat frameMat = new Mat();
    private BytePointer frameData;
    private TileGrid cachedGrid;
    private int rowFrom;
    private int rowTo;
    private final List<Mat> views = new ArrayList<>();
    private boolean closed;

    /** A packer for tiles of {@code height × width} and up to {@code capacity} tiles per batch. */
    public TilePacker(int height, int width, int capacity) {
        this.height = height;
        this.width = width;
        this.capacity = capacity;
        this.perTile = 3 * height * width;
        this.bytes = ByteBuffer.allocateDirect(capacity * perTile * Float.BYTES).order(ByteOrder.nativeOrder());
        this.buffer = bytes.asFloatBuffer();
        this.bufferPointer = new BytePointer(bytes);
        this.slotPlanes = new MatVector[capacity];
        long planeBytes = (long) height * width * Float.BYTES;
        for (int slot = 0; slot < capacity; slot++) {
            long base = slot * 3L * planeBytes;
            Mat r = plane(base);
            Mat g = plane(base + planeBytes);
            Mat b = plane(base + 2 * planeBytes);
            slotPlanes[slot] = new MatVector(b, g, r); // split() writes channel k into element k
        }
        this.resized = new Mat(height, width, opencv_core.CV_8UC3);
        this.resizedFloat = new Mat(height, width, opencv_core.CV_32FC3);
        this.size = new Size(width, height);
    }

    /** A float H×W Mat header on the direct buffer at {@code byteOffset} (no copy, no ownership). */
    private Mat plane(long byteOffset) {
        // A Pointer argument passes address + position in BYTES: use a BytePointer positioned in bytes.
        Mat m = new Mat(height, width, opencv_core.CV_32FC1, new BytePointer(bufferPointer).position(byteOffset));
        planeHeaders.add(m);
        return m;
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
        if (frameMat.rows() != frame.height || frameMat.cols() != frame.width) {
            releaseViews();
            frameMat.close();
            frameMat = new Mat(frame.height, frame.width, opencv_core.CV_8UC3);
            frameData = frameMat.data();
            cachedGrid = null;
        }
        if (cachedGrid != grid) {
            releaseViews();
            rowFrom = frame.height;
            rowTo = 0;
            for (Tile t : grid.tiles()) {
                views.add(new Mat(frameMat, new Rect(t.x(), t.y(), t.size(), t.size())));
                rowFrom = Math.min(rowFrom, t.y());
                rowTo = Math.max(rowTo, t.y() + t.size());
            }
            cachedGrid = grid;
        }
        // Only the rows the tiles cover (the frame Mat is continuous, rows of width·3 bytes).
        int row = frame.width * 3;
        frameData.position((long) rowFrom * row).put(frame.bgr, rowFrom * row, (rowTo - rowFrom) * row);
        frameData.position(0);
        for (int i = 0; i < views.size(); i++) {
            packMat(views.get(i), i);
        }
        buffer.clear().limit(views.size() * perTile);
        return buffer;
    }

    /** Packs a whole 3-channel BGR image (any size) as one tile into {@code slot}. */
    public void packMat(Mat bgr, int slot) {
        check();
        if (slot < 0 || slot >= capacity) {
            throw new IndexOutOfBoundsException("slot " + slot + " of a packer holding " + capacity);
        }
        if (bgr.type() != opencv_core.CV_8UC3) {
            throw new IllegalArgumentException("expected an 8-bit 3-channel BGR image, got Mat type " + bgr.type());
        }
        opencv_imgproc.resize(bgr, resized, size, 0, 0, opencv_imgproc.INTER_LINEAR);
        resized.convertTo(resizedFloat, opencv_core.CV_32F, 1.0 / 255.0, 0.0);
        opencv_core.split(resizedFloat, slotPlanes[slot]);
    }

    /** BGR bytes (H·W·3, row-major) → planar RGB floats in [0, 1] at {@code offset} (the plain-Java reference). */
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
        for (MatVector v : slotPlanes) {
            v.close();
        }
        planeHeaders.forEach(Mat::close);
        frameMat.close();
        resized.close();
        resizedFloat.close();
        size.close();
    }
}
