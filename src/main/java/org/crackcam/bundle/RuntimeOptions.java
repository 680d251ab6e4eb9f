package org.crackcam.bundle;

import java.nio.file.Path;

/**
 * How sessions are created.
 *
 * @param provider       requested execution provider (falls back TensorRT → CUDA → CPU)
 * @param intraOpThreads ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose
 * @param spinWait       let ONNX Runtime's worker threads spin between work items (its default).
 *                       Off here by default: on a small CPU the spinning threads take the core
 *                       the decoder needs (measured in docs/runtime.md)
 * @param stateDir       directory for the TensorRT engine and timing caches
 * @param trtFp16        TensorRT: allow FP16 kernels
 * @param deviceId       GPU index for CUDA/TensorRT
 * @param warmUp         run each session once on a zero batch when it is created
 */
public record RuntimeOptions(ExecutionProvider provider, int intraOpThreads, Path stateDir,
                             boolean trtFp16, int deviceId, boolean warmUp, boolean spinWait) {

    /** CPU, ONNX Runtime's thread count, no spin-waiting, warm-up on, state under {@code ./state}. */
    public static RuntimeOptions defaults() {
        return new RuntimeOptions(ExecutionProvider.CPU, 0, Path.of("state"), true, 0, true, false);
    }

    public RuntimeOptions withProvider(ExecutionProvider p) {
        return new RuntimeOptions(p, intraOpThreads, stateDir, trtFp16, deviceId, warmUp, spinWait);
    }

    public RuntimeOptions withIntraOpThreads(int n) {
        return new RuntimeOptions(provider, n, stateDir, trtFp16, deviceId, warmUp, spinWait);
    }

    public RuntimeOptions withStateDir(Path dir) {
        return new RuntimeOptions(provider, intraOpThreads, dir, trtFp16, deviceId, warmUp, spinWait);
    }

    public RuntimeOptions withSpinWait(boolean spin) {
        return new RuntimeOptions(provider, intraOpThreads, stateDir, trtFp16, deviceId, warmUp, spin);
    }
}
