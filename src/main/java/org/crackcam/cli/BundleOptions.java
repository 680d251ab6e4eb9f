package org.crackcam.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.crackcam.bundle.ModelBundle;
import org.crackcam.bundle.RuntimeOptions;
import org.crackcam.settings.ModelSettings;
import picocli.CommandLine.Option;

/** Model bundle and ONNX Runtime options shared by commands (a picocli mixin). */
public final class BundleOptions {

    /** The bundle used when {@code --bundle} is not given. */
    public static final String DEFAULT_BUNDLE = "models/edge-synthetic";

    @Option(names = "--bundle", paramLabel = "DIR",
            description = "model bundle directory (default: " + DEFAULT_BUNDLE
                    + ", looked up in the working directory, then next to the jar)")
    Path bundle;

    @Option(names = "--provider", paramLabel = "EP", defaultValue = "cpu",
            description = "execution provider: tensorrt, cuda or cpu (falls back in that order; default ${DEFAULT-VALUE})")
    String provider;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "ONNX Runtime intra-op threads (0 = ONNX Runtime's choice)")
    int threads;

    @Option(names = "--spin", description = "let ONNX Runtime's threads spin-wait between work items "
            + "(ONNX Runtime's default; off here: on small CPUs it takes the decoder's core)")
    boolean spin;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "state",
            description = "directory for TensorRT engine and timing caches (default ${DEFAULT-VALUE})")
    Path stateDir;

    @Option(names = "--fp16", negatable = true,
            description = "TensorRT: FP16 kernels (default on for tensorrt/cuda; --no-fp16 turns them off)")
    Boolean fp16;

    @Option(names = "--gpu-id", paramLabel = "N", defaultValue = "0",
            description = "CUDA / TensorRT device index (default ${DEFAULT-VALUE})")
    int gpuId;

    /** The model settings these flags describe, with {@code relevanceBatch} (checked by {@link ModelSettings}). */
    public ModelSettings settings(int relevanceBatch) {
        return new ModelSettings(bundle, ModelSettings.provider(provider), threads, spin, stateDir, fp16, gpuId,
                relevanceBatch);
    }

    /** The runtime options these flags describe. */
    public RuntimeOptions runtimeOptions() {
        return settings(ModelSettings.DEFAULT_RELEVANCE_BATCH).runtimeOptions();
    }

    /** Resolves the bundle directory and opens it (hashes verified). */
    public ModelBundle open() {
        return ModelBundle.open(resolve(bundle), runtimeOptions());
    }

    /** An explicit directory as given; the default looked up in the working directory, then next to the jar. */
    public static Path resolve(Path explicit) {
        if (explicit != null) {
            return explicit;
        }
        List<Path> candidates = new ArrayList<>();
        candidates.add(Path.of(DEFAULT_BUNDLE));
        Path jarDir = jarDirectory();
        if (jarDir != null) {
            candidates.add(jarDir.resolve(DEFAULT_BUNDLE));
            if (jarDir.getParent() != null) {
                candidates.add(jarDir.getParent().resolve(DEFAULT_BUNDLE)); // target/crackcam.jar
            }
        }
        for (Path c : candidates) {
            if (Files.isDirectory(c)) {
                return c;
            }
        }
        return candidates.get(0);
    }

    /** Directory of the running jar (or classes directory), or null. */
    static Path jarDirectory() {
        try {
            var src = BundleOptions.class.getProtectionDomain().getCodeSource();
            if (src == null) {
                return null;
            }
            Path p = Path.of(src.getLocation().toURI());
            return Files.isRegularFile(p) ? p.getParent() : p.getParent();
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    /** Resolves another default path (e.g. the demo drive) the same way as the bundle. */
    public static Path resolveDefault(String relative) {
        Path p = Path.of(relative);
        if (Files.exists(p)) {
            return p;
        }
        Path jarDir = jarDirectory();
        if (jarDir != null) {
            for (Path c : new Path[] {jarDir.resolve(relative),
                    jarDir.getParent() == null ? null : jarDir.getParent().resolve(relative)}) {
                if (c != null && Files.exists(c)) {
                    return c;
                }
            }
        }
        return p;
    }
}
