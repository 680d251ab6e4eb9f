package org.crackcam.alerts;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.Objects;
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
 * Builds {@code crackcam.alert/2} documents from crack events. Thread-safe (no mutable state
 * besides the JSON mapper, which is thread-safe).
 *
 * <p><b>Alert ids</b> ({@link #alertId(AlertContext, String, CrackEvent)}) are UUID version 8
 * (RFC 9562, name-based with SHA-256): 122 bits of SHA-256 over what the event is — device id,
 * source kind, the source's identity (a file's content hash, or a camera session), the settings
 * that decided which frames and tiles were processed, the bundle's manifest SHA-256, the alert
 * settings (tracker and mask parameters), the event's first frame index and its track id. No
 * wall time: the same drive replayed with the same bundle and settings gives the same ids; two
 * events of one run never share one (their track ids differ). Updated reports of an open event
 * keep the id and raise {@code revision}.
 *
 * <p><b>Numbers</b> are rounded and then brought into the schema's ranges (see {@link #probability},
 * {@link #orientation}, {@link #heading}): rounding must never push a value over a bound.
 */
public final class AlertFactory {

    /** The value of the {@code schema} field of the alerts made here. */
    public static final String SCHEMA = AlertSchema.V2;
    /** JPEG quality of the raw tile crops (training samples: kept higher than the overlay's). */
    public static final int CROP_JPEG_QUALITY = 85;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final AlertContext context;
    private final int jpegQuality;
    private final String settings;
    private final org.crackcam.explain.CrackMask.Settings maskRule;

    /** A factory with no alert settings in the ids (tests); overlay JPEG quality {@code jpegQuality}. */
    public AlertFactory(AlertContext context, int jpegQuality) {
        this(context, jpegQuality, "", null);
    }

    /**
     * @param settings the alert settings that change events or their content (tracker parameters,
     *                 mask rule), as text; part of every alert id
     * @param maskRule the crack-mask rule the masks were made with (written as {@code mask_rule}), or null
     */
    public AlertFactory(AlertContext context, int jpegQuality, String settings,
                        org.crackcam.explain.CrackMask.Settings maskRule) {
        this.context = Objects.requireNonNull(context, "context");
        if (jpegQuality < 1 || jpegQuality > 100) {
            throw new IllegalArgumentException("JPEG quality must be in 1..100, got " + jpegQuality);
        }
        this.jpegQuality = jpegQuality;
        this.settings = settings == null ? "" : settings;
        this.maskRule = maskRule;
    }

    /** The alert for one event (or one revision of it). */
    public Alert create(CrackEvent e) {
        String id = alertId(context, settings, e).toString();
        ObjectNode root = JSON.createObjectNode();
        root.put("schema", SCHEMA);
        root.put("alert_id", id);
        root.put("revision", e.revision());
        root.put("device_id", context.deviceId());
        root.put("time", isoTime(e.bestWallTimeMicros()));
        ObjectNode source = root.putObject("source");
        source.put("kind", context.sourceKind());
        source.put("name", e.sourceId());
        source.put("identity", e.sourceIdentity());
        source.put("frame_index", e.bestFrame());
        source.put("timestamp_us", e.bestTimestampMicros());
        source.put("first_frame", e.firstFrame());
        source.put("last_frame", e.lastFrame());
        source.put("frames_merged", e.framesMerged());
        source.put("track_id", e.trackId());
        if (e.position().isPresent() && validFix(e.position().get())) {
            Position p = e.position().get();
            ObjectNode pos = root.putObject("position");
            pos.put("lat", p.latitude());
            pos.put("lon", longitude(p.longitude()));
            if (Double.isFinite(p.speedMps()) && p.speedMps() >= 0) {
                pos.put("speed_mps", round(p.speedMps(), 3));
            } else {
                pos.putNull("speed_mps");
            }
            double heading = heading(p.headingDeg());
            if (Double.isFinite(heading)) {
                pos.put("heading_deg", heading);
            } else {
                pos.putNull("heading_deg");
            }
        }
        root.put("crack_probability", probability(e.probability()));
        ArrayNode tiles = root.putArray("tiles");
        for (TileResult t : e.tiles()) {
            ObjectNode tn = tiles.addObject();
            tn.put("x", t.x());
            tn.put("y", t.y());
            tn.put("size", t.size());
            tn.put("p", probability(t.probability()));
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
        putImage(root.putObject("mask"), "image/png", b.width(), b.height(), maskPng(e.mask(), b.width(), b.height()));
        putImage(root.putObject("region"), "image/png", b.width(), b.height(),
                maskPng(e.region(), b.width(), b.height()));
        ArrayNode crops = root.putArray("crops");
        for (CrackEvent.TileCrop c : e.crops()) {
            ObjectNode cn = crops.addObject();
            cn.put("x", c.x());
            cn.put("y", c.y());
            cn.put("size", c.size());
            putImage(cn.putObject("image"), "image/jpeg", c.image().getWidth(), c.image().getHeight(),
                    jpeg(c.image(), CROP_JPEG_QUALITY));
        }
        putImage(root.putObject("overlay"), "image/jpeg", e.overlay().getWidth(), e.overlay().getHeight(),
                jpeg(e.overlay(), jpegQuality));
        ObjectNode model = root.putObject("model");
        model.put("name", context.modelName());
        model.put("manifest_sha256", context.manifestSha256());
        if (maskRule != null) {
            maskRule.writeJson(root.putObject("mask_rule"));
        }
        MaskStats s = MaskStats.of(e.mask(), b.width(), b.height());
        ObjectNode stats = root.putObject("mask_stats");
        stats.put("area_px", s.areaPx());
        stats.put("skeleton_length_px", Math.max(0, round(s.skeletonLengthPx(), 1)));
        double orientation = orientation(s.orientationDeg());
        if (Double.isFinite(orientation)) {
            stats.put("orientation_deg", orientation);
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

    private static void putImage(ObjectNode n, String mediaType, int w, int h, byte[] data) {
        n.put("media_type", mediaType);
        n.put("width", w);
        n.put("height", h);
        n.put("data", Base64.getEncoder().encodeToString(data));
    }

    /**
     * The id of an event (see the class comment): a UUID version 8 whose other 122 bits are the
     * first bits of SHA-256 over the event's identity, one field per line.
     *
     * @param settings the factory's alert settings (tracker and mask parameters as text)
     */
    public static UUID alertId(AlertContext context, String settings, CrackEvent e) {
        return uuid8(sha256Lines("crackcam.alert-id/2", context.deviceId(), context.sourceKind(), e.sourceIdentity(),
                e.sourceSettings(), context.manifestSha256(), settings, Long.toString(e.firstFrame()),
                Long.toString(e.trackId())));
    }

    /** A UUID version 8, variant RFC 9562, from the first 16 bytes of {@code hash}. */
    static UUID uuid8(byte[] hash) {
        ByteBuffer bb = ByteBuffer.wrap(hash);
        long hi = (bb.getLong(0) & ~0xF000L) | 0x8000L;
        long lo = (bb.getLong(8) & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(hi, lo);
    }

    private static byte[] sha256Lines(String... fields) {
        MessageDigest md = SourceIdentity.sha256();
        for (String f : fields) {
            if (f.indexOf('\n') >= 0) { // a newline would make two field lists hash alike
                f = f.replace("\\", "\\\\").replace("\n", "\\n");
            }
            md.update(f.getBytes(StandardCharsets.UTF_8));
            md.update((byte) '\n');
        }
        return md.digest();
    }

    /**
     * The version 1 id (UUIDv7 from wall time; kept for tests of the delivery path that need
     * time-ordered ids). Alerts use {@link #alertId(AlertContext, String, CrackEvent)}.
     */
    @Deprecated
    public static UUID alertId(String deviceId, String sourceId, long firstFrame, long firstWallMicros) {
        byte[] h = sha256Lines(deviceId, sourceId, Long.toString(firstFrame), Long.toString(firstWallMicros));
        long ms = Math.floorDiv(firstWallMicros, 1000L) & 0xFFFF_FFFF_FFFFL;
        ByteBuffer bb = ByteBuffer.wrap(h);
        long hi = (ms << 16) | 0x7000L | (bb.getShort(0) & 0x0FFFL);
        long lo = (bb.getLong(8) & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(hi, lo);
    }

    /** A probability rounded to 4 digits, within [0, 1] (NaN: 0). */
    static double probability(double p) {
        if (!(p > 0)) {
            return 0;
        }
        return Math.min(1.0, round(p, 4));
    }

    /** An axis angle rounded to 0.1°, wrapped into [0, 180) after rounding (179.96 → 0.0); NaN stays NaN. */
    static double orientation(double deg) {
        return wrap(round(deg, 1), 180);
    }

    /** A heading rounded to 0.001°, wrapped into [0, 360) after rounding (359.9996 → 0.0); NaN stays NaN. */
    static double heading(double deg) {
        return wrap(round(deg, 3), 360);
    }

    /** A longitude in [-180, 180] (wrapped when outside). */
    static double longitude(double lon) {
        if (lon >= -180 && lon <= 180) {
            return lon;
        }
        double w = ((lon + 180) % 360 + 360) % 360 - 180;
        return w == -180 && lon > 0 ? 180 : w;
    }

    /** True when the fix has a finite latitude in [-90, 90] and a finite longitude. */
    static boolean validFix(Position p) {
        return Double.isFinite(p.latitude()) && Math.abs(p.latitude()) <= 90 && Double.isFinite(p.longitude());
    }

    private static double wrap(double v, double period) {
        if (!Double.isFinite(v)) {
            return Double.NaN;
        }
        double w = v % period;
        if (w < 0) {
            w += period;
        }
        // -0.0 % p and tiny negatives + p can round to p itself
        return w >= period || w == 0 ? 0.0 : w;
    }

    /** UTC ISO 8601 with microseconds, e.g. {@code 2026-11-26T23:40:00.123456Z}. */
    static String isoTime(long epochMicros) {
        // the schema's pattern wants a four-digit year: clamp to 1970-01-01 .. 9999-12-31
        epochMicros = Math.max(0, Math.min(epochMicros, 253_402_300_799_999_999L));
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

    static double round(double v, int digits) {
        if (!Double.isFinite(v)) {
            return v;
        }
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
