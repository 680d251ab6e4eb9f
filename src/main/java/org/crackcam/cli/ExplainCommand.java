package org.crackcam.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.crackcam.bundle.ModelBundle;
import org.crackcam.capture.UnreadableInputException;
import org.crackcam.explain.MaskRle;
import org.crackcam.explain.OverlayRenderer;
import org.crackcam.inference.Detector;
import org.crackcam.pipeline.CrackcamException;
import org.crackcam.settings.InvalidSettingException;
import org.crackcam.settings.TilingSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code crackcam explain IMAGE…}: each image (any size) is resized to the model input and
 * explained as one tile: p(crack), the LRP-BN explanation, its C1C mask.
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Explain images: p(crack), crack-shaped mask, C1C region and LRP-BN heat map per image.",
                "Writes DIR/<name>.json, DIR/<name>.mask.png (crack-shaped), DIR/<name>.region.png (C1C) and DIR/<name>.overlay.png; one line per image on stdout."})
final class ExplainCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "image files (JPEG, PNG, …)")
    List<Path> images;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/explain", description = "output directory (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--label", paramLabel = "TEXT", description = "text drawn on overlays (e.g. SYNTHETIC DATA)")
    String label;

    @Mixin
    BundleOptions bundleOptions;

    @Spec
    CommandSpec spec;

    /** Images larger than this (from their header, before decoding) are refused: 50 megapixels. */
    static final long MAX_PIXELS = 50_000_000L;

    @Override
    public Integer call() {
        org.crackcam.service.Preflight.outputDirectory(out, "--out");
        var stdout = spec.commandLine().getOut();
        var stderr = spec.commandLine().getErr();
        List<CrackcamException> failed = new java.util.ArrayList<>();
        try (ModelBundle bundle = bundleOptions.open();
             Detector detector = new Detector(bundle, TilingSettings.DEFAULTS)) {
            for (Path p : images) {
                try {
                    stdout.println(explain(bundle, detector, p));
                    stdout.flush();
                } catch (CrackcamException e) {
                    if (!(e instanceof UnreadableInputException)) {
                        throw e; // bundle or output problems concern every image
                    }
                    failed.add(e);
                    if (images.size() > 1) {
                        stderr.println("crackcam: " + e.getMessage());
                        stderr.flush();
                    }
                }
            }
        }
        if (failed.size() == 1 && images.size() == 1) {
            throw failed.get(0);
        }
        if (!failed.isEmpty()) {
            throw new UnreadableInputException(failed.size() + " of " + images.size()
                    + " image(s) failed (see above); the others were explained");
        }
        return ExitCodes.OK;
    }

    /** Explains one image and writes its files; an INPUT error for an image that cannot be read. */
    private String explain(ModelBundle bundle, Detector detector, Path p) {
        if (!Files.isRegularFile(p)) {
            throw new UnreadableInputException("image " + p + ": file not found");
        }
        checkDeclaredSize(p);
        Mat decoded;
        try {
            decoded = opencv_imgcodecs.imread(p.toString(), opencv_imgcodecs.IMREAD_COLOR);
        } catch (RuntimeException e) { // OpenCV refuses (its own size limits, a broken stream)
            throw new UnreadableInputException("image " + p + ": not a readable image ("
                    + firstLine(e.getMessage()) + ")", e);
        }
        int mh = detector.mapHeight();
        int mw = detector.mapWidth();
        try (Mat img = decoded) {
            if (img == null || img.empty()) {
                throw new UnreadableInputException("image " + p + ": not a readable image (cannot decode)");
            }
            Detector.ImageExplanation e = detector.explainImage(img, true);
            String stem = ReplayCommand.stem(p);
            Path maskFile = out.resolve(stem + ".mask.png");
            Path overlayFile = out.resolve(stem + ".overlay.png");
            Path regionFile = out.resolve(stem + ".region.png");
            OverlayRenderer.ImageMasks masks = OverlayRenderer.writeImageOverlay(overlayFile, img,
                    e.explanation(), e.c1cMap(), e.crackShape(), mh, mw, e.probability(), e.flagged(), label);
            byte[] mask = masks.crack(); // crack-shaped (org.crackcam.explain.CrackMask)
            OverlayRenderer.writeMask(maskFile, mask, img.cols(), img.rows());
            OverlayRenderer.writeMask(regionFile, masks.region(), img.cols(), img.rows());
            MaskRle rle = MaskRle.encode(mask, img.cols(), img.rows());
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("image", p.toString());
            json.put("width", img.cols());
            json.put("height", img.rows());
            json.put("bundle", bundle.manifest().name());
            json.put("p_crack", Math.round(e.probability() * 1e6) / 1e6);
            json.put("crack_threshold", bundle.manifest().decision().crackThreshold());
            json.put("flagged", e.flagged());
            json.put("mask_area", rle.area());
            json.put("mask_fraction", Math.round(rle.area() * 1e6 / ((double) img.cols() * img.rows())) / 1e6);
            json.put("mask", Map.of("encoding", "rle-bbox", "bbox", rle.bbox(), "runs", rle.runs()));
            json.put("mask_png", maskFile.getFileName().toString());
            json.put("region_area", MaskRle.encode(masks.region(), img.cols(), img.rows()).area());
            json.put("region_png", regionFile.getFileName().toString());
            json.put("mask_rule", detector.crackMaskSettings().toString());
            json.put("overlay_png", overlayFile.getFileName().toString());
            Path jsonFile = out.resolve(stem + ".json");
            try {
                JSON.writeValue(jsonFile.toFile(), json);
            } catch (IOException ex) {
                throw new InvalidSettingException("cannot write " + jsonFile + ": "
                        + ex.getMessage(), ex);
            }
            return String.format(Locale.ROOT, "%s: p(crack)=%.4f %s mask=%d px -> %s", p,
                    e.probability(), e.flagged() ? "CRACK" : "no-crack", rle.area(), jsonFile);
        }
    }

    /**
     * Reads the image's declared size from its header (formats ImageIO knows: PNG, JPEG, BMP, GIF,
     * TIFF) and refuses one over {@link #MAX_PIXELS} before any pixel is decoded.
     */
    static void checkDeclaredSize(Path p) {
        try (javax.imageio.stream.ImageInputStream in = javax.imageio.ImageIO.createImageInputStream(p.toFile())) {
            if (in == null) {
                return;
            }
            var readers = javax.imageio.ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return; // a format ImageIO does not know: OpenCV decides
            }
            javax.imageio.ImageReader r = readers.next();
            try {
                r.setInput(in, true, true);
                long w = r.getWidth(0);
                long h = r.getHeight(0);
                if (w <= 0 || h <= 0 || w * h > MAX_PIXELS) {
                    throw new UnreadableInputException(String.format(Locale.ROOT,
                            "image %s: declares %dx%d pixels, more than the %d megapixels allowed", p, w, h,
                            MAX_PIXELS / 1_000_000));
                }
            } finally {
                r.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof CrackcamException ce) {
                throw ce;
            }
            // an unreadable header: OpenCV's decoder gives the verdict
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "cannot decode";
        }
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }
}
