package org.crackcam.delivery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.zip.CRC32;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** {@link AlertImages}: what passes as a PNG or JPEG of an alert, and what does not. */
class AlertImagesTest {

    static ObjectNode image(String type, int w, int h, byte[] data) {
        ObjectNode n = TestAlerts.JSON.createObjectNode();
        n.put("media_type", type);
        n.put("width", w);
        n.put("height", h);
        n.put("data", Base64.getEncoder().encodeToString(data));
        return n;
    }

    static byte[] encode(String format, int w, int h) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (x * 7) << 16 | (y * 5) << 8 | (x ^ y));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out));
        return out.toByteArray();
    }

    static String problem(ObjectNode img) {
        return assertThrows(AlertImages.BadImage.class, () -> AlertImages.verify("overlay", img)).getMessage();
    }

    @Test
    void realPngAndJpegPassAndComeBackByteForByte() throws Exception {
        byte[] png = encode("png", 40, 30);
        byte[] jpg = encode("jpeg", 64, 48);
        assertArrayEquals(png, AlertImages.verify("mask", image("image/png", 40, 30, png)).bytes());
        AlertImages.Image j = AlertImages.verify("overlay", image("image/jpeg", 64, 48, jpg));
        assertArrayEquals(jpg, j.bytes());
        assertEquals("jpg", j.extension());
    }

    @Test
    void aTruncatedJpegIsRefusedEvenWithItsEndMarkerPutBack() throws Exception {
        byte[] jpg = encode("jpeg", 256, 192);
        byte[] cut = Arrays.copyOf(jpg, jpg.length / 2);
        assertTrue(problem(image("image/jpeg", 256, 192, cut)).contains("truncated"));
        byte[] cutWithEoi = Arrays.copyOf(cut, cut.length + 2);
        cutWithEoi[cut.length] = (byte) 0xff;
        cutWithEoi[cut.length + 1] = (byte) 0xd9;
        // The decoder itself must notice: it warns "Premature end of JPEG file" and fills grey.
        String p = problem(image("image/jpeg", 256, 192, cutWithEoi));
        assertTrue(p.contains("damaged") || p.contains("cannot be decoded"), p);
    }

    @Test
    void wrongMagicWrongTypeAndNonBase64AreRefused() throws Exception {
        byte[] png = encode("png", 8, 8);
        assertTrue(problem(image("image/jpeg", 8, 8, png)).contains("not a JPEG"));
        assertTrue(problem(image("image/png", 8, 8, "GIF89a....".getBytes())).contains("not a PNG"));
        ObjectNode n = image("image/png", 8, 8, png);
        n.put("data", n.get("data").asText() + "\n");
        assertTrue(problem(n).contains("not valid base64"));
        n = image("image/gif", 8, 8, png);
        assertTrue(problem(n).contains("media_type"));
        assertTrue(problem(image("image/png", 9, 8, png)).contains("but the alert says 9x8"));
    }

    @Test
    void aHugeDeclaredSizeIsRefusedFromTheHeaderWithoutDecoding() throws Exception {
        // A PNG whose IHDR says 100000 x 100000 (10^10 pixels) and that has no pixel data at all.
        byte[] png = encode("png", 8, 8);
        ByteBuffer b = ByteBuffer.wrap(png);
        b.putInt(16, 100_000).putInt(20, 100_000);
        CRC32 crc = new CRC32();
        crc.update(png, 12, 17); // "IHDR" + 13 bytes of header
        b.putInt(29, (int) crc.getValue());
        long t0 = System.nanoTime();
        String p = problem(image("image/png", 100_000, 100_000, png));
        assertTrue(p.contains("more than " + AlertImages.MAX_PIXELS + " pixels"), p);
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "must not try to decode 10^10 pixels");
    }

    @Test
    void everyImageFieldOfAnAlertIsChecked() throws Exception {
        ObjectNode alert = TestAlerts.template("van-i");
        byte[] jpg = encode("jpeg", 16, 16);
        alert.putArray("crops").addObject().set("image", image("image/jpeg", 16, 16, jpg));
        alert.withArray("crops").addObject().set("image", image("image/jpeg", 16, 16, Arrays.copyOf(jpg, 100)));
        String p = assertThrows(AlertImages.BadImage.class, () -> AlertImages.verifyAll(alert)).getMessage();
        assertTrue(p.startsWith("crops[1].image: "), p);
        alert.withArray("crops").remove(1);
        List<AlertImages.Image> all = AlertImages.verifyAll(alert);
        List<String> want = alert.has("region") ? List.of("mask", "overlay", "region", "crops[0].image")
                : List.of("mask", "overlay", "crops[0].image");
        assertEquals(want, all.stream().map(AlertImages.Image::field).toList());
        assertEquals("x.crop-0.jpg", AlertArchive.imageFile("x", "crops[0].image", "jpg"));
    }
}
