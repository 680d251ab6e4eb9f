package org.crackcam.evaluate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * A split of a dataset in the shared layout (docs/architecture.md), read for evaluation:
 * {@code <root>/<split>/{no_crack,crack}/<id>.{jpg,jpeg,png}} with optional
 * {@code <id>.mask.png}. A user's own folder without {@code dataset.json} is accepted when it
 * has that layout ({@link #hasDatasetJson} tells the caller to print a note). Samples are
 * ordered by class (no_crack = 0, crack = 1), then file name, as tools/data/layout.py orders them.
 */
public final class EvalDataset {
    static final String[] CLASSES = {"no_crack", "crack"};
    static final List<String> IMAGE_SUFFIXES = List.of(".jpg", ".jpeg", ".png");
    static final String MASK_SUFFIX = ".mask.png";

    /** One sample on disk; {@code mask} is null when the sample has no pixel truth. */
    public record Sample(String id, Path image, int label, Path mask) {
    }

    /** One sample read and resized to the model input. */
    public record Loaded(Sample sample, float[] image, boolean[] mask) {
    }

    private EvalDataset() {
    }

    /**
     * The dataset's {@code source} and {@code seed} from dataset.json ("synthetic", "rdd2022-rdc"),
     * for labelling reports; "user folder (no dataset.json)" without one, "unknown" when unreadable.
     */
    public static String describe(Path root) {
        if (!hasDatasetJson(root)) {
            return "user folder (no dataset.json)";
        }
        try {
            var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(root.resolve("dataset.json").toFile());
            String source = node.path("source").asText("unknown");
            return node.has("seed") ? source + " (seed " + node.get("seed").asText() + ")" : source;
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** True when {@code root} has a dataset.json (made by tools/data); false for a user's own folder. */
    public static boolean hasDatasetJson(Path root) {
        return Files.isRegularFile(root.resolve("dataset.json"));
    }

    /** The image id of a file name, or null when the file is not an evaluation image (masks are not). */
    static String imageId(String fileName) {
        String lower = fileName.toLowerCase(java.util.Locale.ROOT);
        if (lower.endsWith(MASK_SUFFIX)) {
            return null;
        }
        for (String suffix : IMAGE_SUFFIXES) {
            if (lower.endsWith(suffix) && lower.length() > suffix.length()) {
                return fileName.substring(0, fileName.length() - suffix.length());
            }
        }
        return null;
    }

    /**
     * Every sample of the split; throws IllegalArgumentException with one line naming what is
     * missing: the root, the split, or (without dataset.json) the {@code <split>/crack|no_crack} layout.
     */
    public static List<Sample> list(Path root, String split) {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException(root + ": no such dataset folder");
        }
        Path dir = root.resolve(split);
        boolean layout = Files.isDirectory(dir.resolve(CLASSES[0])) || Files.isDirectory(dir.resolve(CLASSES[1]));
        if (!hasDatasetJson(root) && !layout) {
            throw new IllegalArgumentException(root + ": not a dataset: expected dataset.json or the folders " + split
                    + "/crack and " + split + "/no_crack with .jpg, .jpeg or .png images");
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(root + ": has no split '" + split + "'");
        }
        List<Sample> out = new ArrayList<>();
        for (int label = 0; label < CLASSES.length; label++) {
            Path cls = dir.resolve(CLASSES[label]);
            if (!Files.isDirectory(cls)) {
                continue;
            }
            List<Path> images;
            try (Stream<Path> s = Files.list(cls)) {
                images = s.filter(p -> Files.isRegularFile(p) && imageId(p.getFileName().toString()) != null)
                        .sorted().toList();
            } catch (IOException e) {
                throw new IllegalArgumentException(cls + ": cannot list: " + e.getMessage(), e);
            }
            for (Path img : images) {
                String name = img.getFileName().toString();
                String id = imageId(name);
                Path mask = img.resolveSibling(id + MASK_SUFFIX);
                out.add(new Sample(id, img, label, Files.isRegularFile(mask) ? mask : null));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(dir + ": no images (.jpg, .jpeg, .png) in no_crack/ or crack/");
        }
        return out;
    }

    /**
     * At most {@code limit} samples, evenly spaced over the ordered list (index ⌊i·n/limit⌋), so
     * that a subset keeps the split's class proportions; {@code limit <= 0} keeps all.
     */
    public static List<Sample> subset(List<Sample> all, int limit) {
        if (limit <= 0 || limit >= all.size()) {
            return all;
        }
        List<Sample> out = new ArrayList<>(limit);
        for (int i = 0; i < limit; i++) {
            out.add(all.get((int) ((long) i * all.size() / limit)));
        }
        return out;
    }

    /**
     * Reads a sample as the runtime prepares a tile: bilinear resize to H×W, BGR → RGB, /255,
     * CHW float; the mask is resized with nearest neighbour and is true where &gt; 127.
     */
    public static Loaded load(Sample s, ImageShape shape) throws EvaluationException {
        int h = shape.height();
        int w = shape.width();
        float[] chw = new float[3 * h * w];
        try (Mat bgr = opencv_imgcodecs.imread(s.image().toString(), opencv_imgcodecs.IMREAD_COLOR)) {
            if (bgr == null || bgr.empty()) {
                throw new EvaluationException(s.image() + ": not a readable image");
            }
            try (Mat resized = new Mat(); Size size = new Size(w, h)) {
                opencv_imgproc.resize(bgr, resized, size, 0, 0, opencv_imgproc.INTER_LINEAR);
                byte[] px = bytes(resized, h * w * 3);
                for (int p = 0; p < h * w; p++) {
                    chw[p] = (px[3 * p + 2] & 0xff) / 255f;             // R
                    chw[h * w + p] = (px[3 * p + 1] & 0xff) / 255f;     // G
                    chw[2 * h * w + p] = (px[3 * p] & 0xff) / 255f;     // B
                }
            }
        }
        boolean[] mask = null;
        if (s.mask() != null) {
            try (Mat m = opencv_imgcodecs.imread(s.mask().toString(), opencv_imgcodecs.IMREAD_GRAYSCALE)) {
                if (m == null || m.empty()) {
                    throw new EvaluationException(s.mask() + ": not a readable mask image");
                }
                try (Mat resized = new Mat(); Size size = new Size(w, h)) {
                    opencv_imgproc.resize(m, resized, size, 0, 0, opencv_imgproc.INTER_NEAREST);
                    byte[] px = bytes(resized, h * w);
                    mask = new boolean[h * w];
                    for (int p = 0; p < h * w; p++) {
                        mask[p] = (px[p] & 0xff) > 127;
                    }
                }
            }
        }
        return new Loaded(s, chw, mask);
    }

    private static byte[] bytes(Mat m, int n) {
        Mat c = m.isContinuous() ? m : m.clone();
        byte[] out = new byte[n];
        BytePointer data = c.data();
        data.get(out);
        if (c != m) {
            c.close();
        }
        return out;
    }
}
