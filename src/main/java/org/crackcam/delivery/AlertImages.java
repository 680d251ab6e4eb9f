package org.crackcam.delivery;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Decodes and verifies the images of an alert ({@code mask}, {@code overlay}, {@code region},
 * {@code crops[*].image}): each must be strict base64 of a PNG or JPEG that matches its
 * {@code media_type} by its magic bytes, declares the {@code width} x {@code height} the alert
 * says, has at most {@value #MAX_PIXELS} pixels (checked from the header, before any pixel is
 * decoded), and decodes completely without a decoder warning (a truncated JPEG decodes with the
 * warning "Premature end of JPEG file" into a grey-filled image; that counts as broken). A JPEG
 * must also end with its EOI marker.
 *
 * <p>Stateless and thread-safe.
 */
public final class AlertImages {

    /** Most pixels of one image (4096 x 4096): larger declared sizes are refused undecoded. */
    public static final long MAX_PIXELS = 4096L * 4096L;

    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private AlertImages() {
    }

    /** One verified image of an alert. {@code field} is its JSON path, e.g. {@code crops[2].image}. */
    public record Image(String field, String mediaType, byte[] bytes) {
        /** File name extension for the media type: {@code png} or {@code jpg}. */
        public String extension() {
            return mediaType.equals("image/png") ? "png" : "jpg";
        }
    }

    /** Why an image was refused: the field and the problem in one line. */
    public static final class BadImage extends Exception {
        BadImage(String field, String problem) {
            super(field + ": " + problem);
        }
    }

    /**
     * Every image field present in {@code alert}, decoded and verified, in the order mask,
     * overlay, region, crops.
     *
     * @throws BadImage for the first image that does not hold
     */
    public static List<Image> verifyAll(JsonNode alert) throws BadImage {
        List<Image> out = new ArrayList<>();
        for (String f : new String[] {"mask", "overlay", "region"}) {
            JsonNode n = alert.get(f);
            if (n != null && !n.isNull()) {
                out.add(verify(f, n));
            }
        }
        JsonNode crops = alert.get("crops");
        if (crops != null && crops.isArray()) {
            for (int i = 0; i < crops.size(); i++) {
                out.add(verify("crops[" + i + "].image", crops.get(i).path("image")));
            }
        }
        return out;
    }

    /** Decodes and verifies one image object ({@code media_type}, {@code width}, {@code height}, {@code data}). */
    public static Image verify(String field, JsonNode image) throws BadImage {
        if (image == null || !image.isObject()) {
            throw new BadImage(field, "not an image object");
        }
        String type = image.path("media_type").asText("");
        if (!type.equals("image/png") && !type.equals("image/jpeg")) {
            throw new BadImage(field, "media_type must be image/png or image/jpeg, got '" + type + "'");
        }
        JsonNode data = image.get("data");
        if (data == null || !data.isTextual()) {
            throw new BadImage(field, "data is not a base64 string");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(data.asText());
        } catch (IllegalArgumentException ex) {
            throw new BadImage(field, "data is not valid base64 (" + ex.getMessage() + ")");
        }
        boolean png = type.equals("image/png");
        if (png ? !startsWith(bytes, PNG_MAGIC) : !isJpegStart(bytes)) {
            throw new BadImage(field, "data is not a " + (png ? "PNG" : "JPEG") + " (magic bytes "
                    + hexHead(bytes) + ")");
        }
        if (!png && !(bytes.length >= 4 && bytes[bytes.length - 2] == (byte) 0xff && bytes[bytes.length - 1] == (byte) 0xd9)) {
            throw new BadImage(field, "JPEG is truncated (no end-of-image marker)");
        }
        long declaredW = image.path("width").asLong(-1);
        long declaredH = image.path("height").asLong(-1);
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(png ? "png" : "jpeg");
        if (!readers.hasNext()) {
            throw new IllegalStateException("this JVM has no " + type + " reader");
        }
        ImageReader reader = readers.next();
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((src, msg) -> warnings.add(msg));
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            int w = reader.getWidth(0);
            int h = reader.getHeight(0);
            if ((long) w * h > MAX_PIXELS) {
                throw new BadImage(field, "image is " + w + "x" + h + ", more than " + MAX_PIXELS + " pixels");
            }
            if (w != declaredW || h != declaredH) {
                throw new BadImage(field, "image is " + w + "x" + h + " but the alert says " + declaredW + "x" + declaredH);
            }
            reader.read(0);
            if (!warnings.isEmpty()) {
                throw new BadImage(field, "image is damaged (" + warnings.get(0) + ")");
            }
        } catch (IOException | RuntimeException ex) {
            throw new BadImage(field, (png ? "PNG" : "JPEG") + " cannot be decoded (" + oneLine(ex) + ")");
        } finally {
            reader.dispose();
        }
        return new Image(field, type, bytes);
    }

    private static boolean startsWith(byte[] a, byte[] prefix) {
        if (a.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (a[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean isJpegStart(byte[] a) {
        return a.length >= 3 && a[0] == (byte) 0xff && a[1] == (byte) 0xd8 && a[2] == (byte) 0xff;
    }

    private static String hexHead(byte[] a) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(8, a.length); i++) {
            s.append(String.format("%02x", a[i] & 0xff));
        }
        return a.length == 0 ? "none: empty" : s.toString();
    }

    private static String oneLine(Throwable ex) {
        String m = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        return m.replaceAll("\\s+", " ");
    }
}
