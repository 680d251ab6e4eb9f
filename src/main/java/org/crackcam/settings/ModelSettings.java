package org.crackcam.settings;

import java.nio.file.Path;
import java.util.List;

import org.crackcam.bundle.ExecutionProvider;
import org.crackcam.bundle.RuntimeOptions;

/**
 * The model bundle and how it runs — {@code model.*} in the service's file, {@code --bundle
 * --provider --threads --spin --state-dir --fp16/--no-fp16 --gpu-id --relevance-batch} on the
 * command line.
 *
 * @param bundle         bundle directory (null on the command line: the shipped bundle, looked up)
 * @param provider       requested execution provider (falls back TensorRT → CUDA → CPU)
 * @param threads        ONNX Runtime intra-op threads, 0 = ONNX Runtime's choice, 0–256
 * @param spin           ONNX Runtime's worker threads spin-wait between work items
 * @param stateDir       directory for the TensorRT engine and timing caches
 * @param fp16           TensorRT FP16 kernels; null = the default (on); explicitly on with the cpu
 *                       provider is an error (it would be ignored)
 * @param gpuId          CUDA / TensorRT device index, 0–64
 * @param relevanceBatch flagged tiles of consecutive frames run through the relevance graph
 *                       together, up to this many tiles (and frames waiting); 1 = each frame alone
 */
public record ModelSettings(Path bundle, ExecutionProvider provider, int threads, boolean spin, Path stateDir,
                            Boolean fp16, int gpuId, int relevanceBatch) {

    public static final Key BUNDLE = new Key("model.bundle", "--bundle");
    public static final Key PROVIDER = new Key("model.provider", "--provider");
    public static final Key THREADS = new Key("model.threads", "--threads");
    public static final Key SPIN = new Key("model.spin", "--spin");
    public static final Key STATE_DIR = new Key("model.state_dir", "--state-dir");
    public static final Key FP16 = new Key("model.fp16", "--fp16");
    public static final Key GPU_ID = new Key("model.gpu_id", "--gpu-id");
    public static final Key RELEVANCE_BATCH = new Key("model.relevance_batch", "--relevance-batch");
    /** Every key of this record. */
    public static final List<Key> KEYS = List.of(BUNDLE, PROVIDER, THREADS, SPIN, STATE_DIR, FP16, GPU_ID,
            RELEVANCE_BATCH);

    /** Relevance batch of every front end unless set (replay, demo, bench and the service alike). */
    public static final int DEFAULT_RELEVANCE_BATCH = 8;

    public ModelSettings {
        if (provider == null) {
            throw new InvalidSettingException(PROVIDER, "is required");
        }
        threads(threads);
        gpuId(gpuId);
        relevanceBatch(relevanceBatch);
        if (Boolean.TRUE.equals(fp16) && provider == ExecutionProvider.CPU) {
            throw new InvalidSettingException(FP16, "applies to the tensorrt and cuda providers only, provider is cpu");
        }
    }

    /** The provider's one parser: tensorrt, cuda or cpu. */
    public static ExecutionProvider provider(String text) {
        try {
            return ExecutionProvider.parse(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(PROVIDER, e.getMessage());
        }
    }

    public static int threads(int v) {
        return Check.range(THREADS, v, 0, 256);
    }

    public static int gpuId(int v) {
        return Check.range(GPU_ID, v, 0, 64);
    }

    public static int relevanceBatch(int v) {
        return Check.range(RELEVANCE_BATCH, v, 1, 4096);
    }

    /** FP16 kernels asked for: on unless turned off (the cpu provider ignores it). */
    public boolean fp16Enabled() {
        return fp16 == null || fp16;
    }

    /** The ONNX Runtime session options (sessions warm up when created). */
    public RuntimeOptions runtimeOptions() {
        return new RuntimeOptions(provider, threads, stateDir, fp16Enabled(), gpuId, true, spin);
    }
}
