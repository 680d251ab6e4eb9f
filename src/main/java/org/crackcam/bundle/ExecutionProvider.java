package org.crackcam.bundle;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Where ONNX Runtime runs the graphs. A request is tried in the order TensorRT → CUDA → CPU,
 * starting at the requested provider, and falls back to the next one the ONNX Runtime build
 * offers.
 */
public enum ExecutionProvider {
    TENSORRT, CUDA, CPU;

    /** Parses "tensorrt", "cuda" or "cpu" (case-insensitive). */
    public static ExecutionProvider parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown execution provider '" + s + "'; choose one of "
                    + Arrays.stream(values()).map(v -> v.name().toLowerCase(Locale.ROOT))
                    .collect(Collectors.joining(", ")), e);
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
