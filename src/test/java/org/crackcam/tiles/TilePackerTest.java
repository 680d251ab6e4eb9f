package org.crackcam.tiles;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;

import org.crackcam.capture.VideoFrame;
import org.junit.jupiter.api.Test;

class TilePackerTest {

    @Test
    void packsRgbPlanesDividedBy255IntoOneReusedDirectBuffer() {
        // 224x224 frame, ROI = bottom-left quarter -> one tile of exactly 112 px: resize is the identity
        int w = 224, h = 224;
        TileGrid g = TileGrid.compute(Roi.rect(0, 0.5, 0.5, 1.0), w, h, 1, 0);
        assertEquals(1, g.size());
        Tile t = g.tiles().get(0);
        assertEquals(112, t.size());
        VideoFrame f = new VideoFrame();
        f.ensureSize(w, h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = (y * w + x) * 3;
                f.bgr[p] = (byte) (x & 0xff);          // B
                f.bgr[p + 1] = (byte) (y & 0xff);      // G
                f.bgr[p + 2] = (byte) ((x + y) & 0xff); // R
            }
        }
        try (TilePacker packer = new TilePacker(112, 112, 4)) {
            FloatBuffer b = packer.pack(f, g);
            assertTrue(b.isDirect());
            assertEquals(ByteOrder.nativeOrder(), b.order());
            assertEquals(0, b.position());
            assertEquals(3 * 112 * 112, b.limit());
            int hw = 112 * 112;
            for (int v = 0; v < 112; v++) {
                for (int u = 0; u < 112; u++) {
                    int x = t.x() + u, y = t.y() + v;
                    assertEquals(((x + y) & 0xff) / 255f, b.get(v * 112 + u), 1e-6f, "R");
                    assertEquals((y & 0xff) / 255f, b.get(hw + v * 112 + u), 1e-6f, "G");
                    assertEquals((x & 0xff) / 255f, b.get(2 * hw + v * 112 + u), 1e-6f, "B");
                }
            }
            FloatBuffer again = packer.pack(f, g);
            assertSame(b, again, "the same buffer serves every frame");
        }
    }

    @Test
    void downscaledTileOfUniformColourKeepsItsValue() {
        int w = 960, h = 540;
        TileGrid g = TileGrid.compute(Roi.DEFAULT, w, h, 2, 0);
        VideoFrame f = new VideoFrame();
        f.ensureSize(w, h);
        for (int i = 0; i < w * h; i++) {
            f.bgr[3 * i] = 10;
            f.bgr[3 * i + 1] = 100;
            f.bgr[3 * i + 2] = (byte) 200;
        }
        try (TilePacker packer = new TilePacker(112, 112, 12)) {
            FloatBuffer b = packer.pack(f, g);
            assertEquals(12 * 3 * 112 * 112, b.limit());
            int hw = 112 * 112;
            for (int k = 0; k < 12; k++) {
                int base = k * 3 * hw;
                assertEquals(200 / 255f, b.get(base + 5), 1e-6f);
                assertEquals(100 / 255f, b.get(base + hw + 77), 1e-6f);
                assertEquals(10 / 255f, b.get(base + 2 * hw + hw - 1), 1e-6f);
            }
        }
    }
}
