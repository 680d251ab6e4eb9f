package org.crackcam.alerts;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.UUID;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.crackcam.pipeline.Position;
import org.crackcam.pipeline.TileResult;

/**
 * Builds {@code crackcam.alert/1} documents from crack events. Thread-safe (no mutable state
 * besides the JSON mapper, which is thread-safe).
 *
 * <p>Alert ids are UUID version 7 strings: the first 48 bits are the event's first-frame
 * wall-clock time in milliseconds (ids sort by time), the remaining random bits come from
 * SHA-256 of device, source, first frame index and first-frame time in microseconds, so the
 * same event always gets the same id and different events get different ids.
 */
public final class AlertFactory {

    /** The value of the {@code schema} field. */
    public static final String SCHEMA = "crackcam.alert/1";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final AlertContext context;
    private final int jpegQuality;

    public AlertFactory(AlertContext context, int jpegQuality) {
        this.context = context;
        this.jpegQuality = jpegQuality;
    }

    /** The alert for one event. */
    public Alert create(CrackEvent e) {
        String id = alertId(context.deviceId(), e.sourceId(), e.firstFrame(), e.firstWallTimeMicros()).toString();
        ObjectNode root = JSON.createObjectNode();
        root.put("schema", SCHEMA);
        root.put("alert_id", id);
        root.put("device_id", context.deviceId());
        root.put("time", isoTime(e.bestWallTimeMicros()));
        ObjectNode source = root.putObject("source");
        source.put("kind", context.sourceKind());
        source.put("name", e.sourceId());
        source.put("frame_index", e.bestFrame());
        source.put("timestamp_us", e.bestTimestampMicros());
        source.put("first_frame", e.firstFrame());
        source.put("last_frame", e.lastFrame());
        source.put("frames_merged", e.framesMerged());
        if (e.position().isPresent()) {
            Position p = e.position().get();
            ObjectNode pos = root.putObject("position");
            pos.put("lat", p.latitude());
            pos.put("lon", p.longitude());
            putFinite(pos, "speed_mps", p.speedMps());
            putFinite(pos, "heading_deg", p.headingDeg());
        }
        root.put("crack_probability", round(e.probability(), 4));
        ArrayNode tiles = root.putArray("tiles");
        for (TileResult t : e.tiles()) {
            ObjectNode tn = tiles.addObject();
            tn.put("x", t.x());
            tn.put("y", t.y());
            tn.put("size", t.size());
            tn.put("p", round(t.probability(), 4));
        }
        ObjectNode frame = root.putObject("frame");
        frame.put("width", e.frameWidth());
        frame.put("height", e.frameHeight());
        Box b = e.bbox();
        ObjectNode bbox = root.putObject("bbox");
        bbox.put("x", b.x());
        bbox.put("y", b.y());
        bbox.put("width", b.width());
        bbox.put("height", b.height());
        ObjectNode mask = root.putObject("mask");
        mask.put("media_type", "image/png");
        mask.put("width", b.width());
        mask.put("height", b.height());
        mask.put("data", Base64.getEncoder().encodeToString(maskPng(e.mask(), b.width(), b.height())));
        ObjectNode overlay = root.putObject("overlay");
        overlay.put("media_type", "image/jpeg");
        overlay.put("width", e.overlay().getWidth());
        overlay.put("height", e.overlay().getHeight());
        overlay.put("data", Base64.getEncoder().encodeToString(jpeg(e.overlay(), jpegQuality)));
        ObjectNode model = root.putObject("model");
        model.put("name", context.modelName());
        model.put("manifest_sha256", context.manifestSha256());
        MaskStats s = MaskStats.of(e.mask(), b.width(), b.height());
        ObjectNode stats = root.putObject("mask_stats");
        stats.put("area_px", s.areaPx());
        stats.put("skeleton_length_px", round(s.skeletonLengthPx(), 1));
        if (Double.isFinite(s.orientationDeg())) {
            stats.put("orientation_deg", round(s.orientationDeg(), 1));
        } else {
            stats.putNull("orientation_deg");
        }
        stats.put("class", s.crackClass().jsonName());
        root.put("closed_by", e.closedBy().name().toLowerCase(java.util.Locale.ROOT));
        try {
            return new Alert(id, JSON.writeValueAsBytes(root));
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot serialise alert " + id, ex);
        }
    }

    /** A UUIDv7 from the time and a SHA-256 of what identifies the event (see class comment). */
    public static UUID alertId(String deviceId, String sourceId, long firstFrame, long firstWallMicros) {
        byte[] h;
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((deviceId + "\n" + sourceId + "\n" + firstFrame + "\n" + firstWallMicros)
                    .getBytes(StandardCharsets.UTF_8));
            h = md.digest();
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 missing from this JVM", ex);
        }
        long ms = Math.floorDiv(firstWallMicros, 1000L) & 0xFFFF_FFFF_FFFFL;
        ByteBuffer bb = ByteBuffer.wrap(h);
        long hi = (ms << 16) | 0x7000L | (bb.getShort(0) & 0x0FFFL);
        long lo = (bb.getLong(8) & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(hi, lo);
    }

    /** UTC ISO 8601 with microseconds, e.g. {@code 2026-11-26T23:40:00.123456Z}. */
    static String isoTime(long epochMicros) {
        return Instant.ofEpochSecond(Math.floorDiv(epochMicros, 1_000_000L),
                Math.floorMod(epochMicros, 1_000_000L) * 1000L).toString();
    }

    /** A 1-bit PNG of a 0/1 mask (white = crack). */
    public static byte[] maskPng(byte[] mask, int w, int h) {
        BufferedImage img = new BufferedImage(Math.max(1, w), Math.max(1, h), BufferedImage.TYPE_BYTE_BINARY);
        var raster = img.getRaster();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (mask[y * w + x] != 0) {
                    raster.setSample(x, y, 0, 1);
                }
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try {
            if (!ImageIO.write(img, "png", out)) {
                throw new IllegalStateException("no PNG writer in this JVM");
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot encode mask PNG", ex);
        }
        return out.toByteArray();
    }

    /** A baseline JPEG of {@code img} at {@code quality} (1..100). */
    public static byte[] jpeg(BufferedImage img, int quality) {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        if (!writers.hasNext()) {
            throw new IllegalStateException("no JPEG writer in this JVM");
        }
        ImageWriter writer = writers.next();
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(ios);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality / 100f);
            writer.write(null, new IIOImage(img, null, null), param);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot encode overlay JPEG", ex);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    private static void putFinite(ObjectNode n, String field, double v) {
        if (Double.isFinite(v)) {
            n.put(field, round(v, 3));
        } else {
            n.putNull(field);
        }
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
