package org.crackcam.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.providers.OrtTensorRTProviderOptions;
import org.crackcam.pipeline.CrackcamException;
import org.tinylog.Logger;

/**
 * A model bundle directory: its manifest, its verified graph files, and lazily created ONNX
 * Runtime sessions (one per graph, created on first use, checked against the manifest and
 * warmed up). All sessions share the process's single {@link OrtEnvironment}.
 *
 * <p>Opening a bundle verifies the sha256 of every graph file the manifest lists; creating a
 * session verifies its input/output names, shapes and dtypes. Either failure is a
 * {@link BundleException} naming what differs.
 */
public final class ModelBundle implements AutoCloseable {

    private final Path dir;
    private final String label;
    private final Manifest manifest;
    private final RuntimeOptions options;
    private final Map<String, GraphSession> sessions = new HashMap<>();
    private ExecutionProvider provider;
    private String providerLine;
    private boolean closed;

    private ModelBundle(Path dir, String label, Manifest manifest, RuntimeOptions options) {
        this.dir = dir;
        this.label = label;
        this.manifest = manifest;
        this.options = options;
    }

    /** The process-wide ONNX Runtime environment. */
    public static OrtEnvironment environment() {
        return OrtEnvironment.getEnvironment();
    }

    /** Opens {@code dir}: reads the manifest and verifies every graph file's sha256. */
    public static ModelBundle open(Path dir, RuntimeOptions options) {
        String label = dir.toString();
        if (!Files.isDirectory(dir)) {
            throw new BundleException("bundle " + label + ": directory not found");
        }
        Manifest m = Manifest.read(dir, label);
        for (var e : m.graphs().entrySet()) {
            verifyHash(dir, label, e.getValue());
        }
        return new ModelBundle(dir, label, m, options);
    }

    public Manifest manifest() {
        return manifest;
    }

    public Path directory() {
        return dir;
    }

    public RuntimeOptions options() {
        return options;
    }

    /** True when the manifest lists the graph. */
    public boolean hasGraph(String graph) {
        return manifest.graphs().containsKey(graph);
    }

    /** The session of a graph, created (checked, warmed up) on first use. */
    public synchronized GraphSession graph(String graph) {
        if (closed) {
            throw new IllegalStateException("bundle " + label + " is closed");
        }
        GraphSession s = sessions.get(graph);
        if (s != null) {
            return s;
        }
        Manifest.Graph spec = manifest.graphs().get(graph);
        if (spec == null) {
            throw new BundleException("bundle " + label
                    + ": manifest has no graph '" + graph + "' (has " + manifest.graphs().keySet() + ")");
        }
        OrtSession session = createSession(spec);
        try {
            checkContract(label, spec, session);
            s = new GraphSession(graph, spec, session);
            if (options.warmUp()) {
                warmUp(s);
            }
        } catch (RuntimeException e) {
            closeQuietly(session);
            throw e;
        }
        sessions.put(graph, s);
        return s;
    }

    /** The execution provider in use (known once a session exists; resolves it otherwise). */
    public synchronized ExecutionProvider provider() {
        if (provider == null) {
            resolveProvider();
        }
        return provider;
    }

    /** The one log line that named the provider in use. */
    public synchronized String providerLine() {
        provider();
        return providerLine;
    }

    private void resolveProvider() {
        EnumSet<OrtProvider> available = OrtEnvironment.getAvailableProviders();
        ExecutionProvider requested = options.provider();
        List<String> skipped = new ArrayList<>();
        ExecutionProvider chosen = ExecutionProvider.CPU;
        for (ExecutionProvider p : ExecutionProvider.values()) {
            if (p.ordinal() < requested.ordinal()) {
                continue;
            }
            if (p == ExecutionProvider.CPU || available.contains(ortProvider(p))) {
                chosen = p;
                break;
            }
            skipped.add(p.toString());
        }
        provider = chosen;
        if (skipped.isEmpty()) {
            providerLine = "ONNX Runtime execution provider: " + chosen + " (requested " + requested
                    + ", " + threadsText() + ")";
            Logger.info(providerLine);
        } else {
            providerLine = "ONNX Runtime execution provider: " + chosen + " (requested " + requested
                    + "; " + String.join(", ", skipped) + " not in this ONNX Runtime build, which has "
                    + available + "; " + threadsText() + ")";
            Logger.warn(providerLine);
        }
    }

    private String threadsText() {
        return options.intraOpThreads() > 0 ? options.intraOpThreads() + " intra-op threads"
                : "intra-op threads chosen by ONNX Runtime";
    }

    private static OrtProvider ortProvider(ExecutionProvider p) {
        return switch (p) {
            case TENSORRT -> OrtProvider.TENSOR_RT;
            case CUDA -> OrtProvider.CUDA;
            case CPU -> OrtProvider.CPU;
        };
    }

    /**
     * Creates the session on the provider in use; a GPU provider that the build lists but that
     * fails to start (missing libraries, no kernel for this GPU) falls back to the next one
     * with one warning naming both.
     */
    private OrtSession createSession(Manifest.Graph spec) {
        while (true) {
            ExecutionProvider p = provider();
            try {
                return createSession(spec, p);
            } catch (CrackcamException e) {
                if (p == ExecutionProvider.CPU) {
                    throw e;
                }
                ExecutionProvider next = ExecutionProvider.values()[p.ordinal() + 1];
                providerLine = "ONNX Runtime execution provider: " + next + " (" + p + " failed to start: "
                        + firstLine(e.getCause() == null ? e.getMessage() : e.getCause().getMessage()) + ")";
                Logger.warn(providerLine);
                provider = next;
            }
        }
    }

    private OrtSession createSession(Manifest.Graph spec, ExecutionProvider p) {
        Path file = dir.resolve(spec.file());
        try (OrtSession.SessionOptions so = sessionOptions(p)) {
            return environment().createSession(file.toString(), so);
        } catch (OrtException | IOException e) {
            throw new BundleException("bundle " + label + ": "
                    + spec.file() + " cannot be loaded by ONNX Runtime (" + p + "): " + firstLine(e.getMessage()), e);
        }
    }

    /**
     * New session options exactly as this bundle's sessions get them, for the provider in use
     * (for benchmarks that run a graph through a plain session of their own). The caller closes them.
     */
    public OrtSession.SessionOptions sessionOptions() throws OrtException, IOException {
        return sessionOptions(provider());
    }

    private OrtSession.SessionOptions sessionOptions(ExecutionProvider p) throws OrtException, IOException {
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        try {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (options.intraOpThreads() > 0) {
                so.setIntraOpNumThreads(options.intraOpThreads());
            }
            // ONNX Runtime's workers spin-wait between parallel sections by default; on a 2-core
            // CPU that steals the decoder's core (docs/runtime.md: pipeline 98 -> 165 frames/s)
            so.addConfigEntry("session.intra_op.allow_spinning", options.spinWait() ? "1" : "0");
            if (p == ExecutionProvider.TENSORRT) {
                Path cache = options.stateDir().resolve("tensorrt");
                Files.createDirectories(cache);
                OrtTensorRTProviderOptions trt = new OrtTensorRTProviderOptions(options.deviceId());
                trt.add("trt_fp16_enable", options.trtFp16() ? "1" : "0");
                trt.add("trt_engine_cache_enable", "1");
                trt.add("trt_engine_cache_path", cache.toString());
                trt.add("trt_timing_cache_enable", "1");
                trt.add("trt_timing_cache_path", cache.toString());
                so.addTensorrt(trt);
                so.addCUDA(options.deviceId()); // nodes TensorRT cannot take
            } else if (p == ExecutionProvider.CUDA) {
                so.addCUDA(options.deviceId());
            }
            return so;
        } catch (OrtException | IOException | RuntimeException e) {
            so.close();
            throw e;
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Verifies a graph file's sha256 against the manifest. */
    static void verifyHash(Path dir, String label, Manifest.Graph spec) {
        Path file = dir.resolve(spec.file());
        if (!Files.isRegularFile(file)) {
            throw new BundleException("bundle " + label + ": " + spec.file() + " is missing");
        }
        String actual = sha256(file);
        String expected = spec.sha256().toLowerCase();
        if (!actual.equals(expected)) {
            throw new BundleException("bundle " + label + ": " + spec.file()
                    + " sha256 mismatch (manifest " + abbrev(expected) + ", file " + abbrev(actual) + ")");
        }
    }

    private static String abbrev(String hex) {
        return hex.length() > 12 ? hex.substring(0, 12) + "…" : hex;
    }

    /** Hex sha256 of a file. */
    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new BundleException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Checks a session's inputs and outputs against the manifest; throws naming the first difference. */
    static void checkContract(String label, Manifest.Graph spec, OrtSession session) {
        try {
            checkSide(label, spec.file(), "input", spec.inputs(), session.getInputInfo());
            checkSide(label, spec.file(), "output", spec.outputs(), session.getOutputInfo());
        } catch (OrtException e) {
            throw new BundleException("bundle " + label + ": cannot read the signature of " + spec.file(), e);
        }
    }

    private static void checkSide(String label, String file, String side, List<Manifest.Tensor> expected,
                                  Map<String, NodeInfo> actual) {
        String p = "bundle " + label + ": " + file + " ";
        var expectedNames = new TreeSet<String>();
        expected.forEach(t -> expectedNames.add(t.name()));
        if (!expectedNames.equals(new TreeSet<>(actual.keySet()))) {
            throw new BundleException(p + side + "s " + new TreeSet<>(actual.keySet())
                    + " != manifest " + expectedNames);
        }
        for (Manifest.Tensor t : expected) {
            if (!(actual.get(t.name()).getInfo() instanceof TensorInfo info)) {
                throw new BundleException(p + side + " " + t.name() + " is not a tensor");
            }
            long[] shape = info.getShape();
            long[] want = t.shape().stream().mapToLong(Long::longValue).toArray();
            if (!Arrays.equals(shape, want)) {
                throw new BundleException(p + side + " " + t.name() + " shape "
                        + shapeText(shape) + " != manifest " + shapeText(want));
            }
            String dtype = dtypeName(info.type);
            if (!dtype.equals(t.dtype())) {
                throw new BundleException(p + side + " " + t.name() + " dtype "
                        + dtype + " != manifest " + t.dtype());
            }
        }
    }

    /** Shape as "[-1,3,112,112]". */
    public static String shapeText(long[] shape) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            b.append(i == 0 ? "" : ",").append(shape[i]);
        }
        return b.append(']').toString();
    }

    static String dtypeName(ai.onnxruntime.OnnxJavaType t) {
        return switch (t) {
            case FLOAT -> "float32";
            case DOUBLE -> "float64";
            case INT64 -> "int64";
            case INT32 -> "int32";
            case INT8 -> "int8";
            case UINT8 -> "uint8";
            case BOOL -> "bool";
            case FLOAT16 -> "float16";
            default -> t.name().toLowerCase();
        };
    }

    private void warmUp(GraphSession s) {
        OrtEnvironment env = environment();
        Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
        try {
            for (Manifest.Tensor t : s.spec().inputs()) {
                long[] shape = t.shape().stream().mapToLong(d -> d < 0 ? 1 : d).toArray();
                int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
                OnnxTensor tensor = switch (t.dtype()) {
                    case "float32" -> OnnxTensor.createTensor(env, FloatBuffer.allocate(n), shape);
                    case "int64" -> {
                        LongBuffer lb = LongBuffer.allocate(n);
                        for (int i = 0; i < n; i++) {
                            lb.put(i, manifest.crackClass());
                        }
                        yield OnnxTensor.createTensor(env, lb, shape);
                    }
                    default -> throw new BundleException("bundle " + label
                            + ": " + s.spec().file() + " input " + t.name() + " has unsupported dtype " + t.dtype());
                };
                inputs.put(t.name(), tensor);
            }
            long t0 = System.nanoTime();
            try (OrtSession.Result r = s.run(inputs)) {
                Logger.debug("warm-up {} in {} ms", s.graph(), (System.nanoTime() - t0) / 1_000_000);
            }
        } catch (OrtException e) {
            throw new BundleException("bundle " + label + ": warm-up run of " + s.spec().file() + " failed: " + firstLine(e.getMessage()), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private static void closeQuietly(OrtSession s) {
        try {
            s.close();
        } catch (OrtException e) {
            Logger.debug(e, "closing a failed session");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        sessions.values().forEach(GraphSession::close);
        sessions.clear();
    }
}
