/**
 * Model bundles: {@link org.crackcam.bundle.Manifest} (manifest.json), sha256 and graph
 * contract checks, and ONNX Runtime sessions ({@link org.crackcam.bundle.ModelBundle}, one
 * session per graph, created lazily; execution provider TensorRT → CUDA → CPU).
 */
package org.crackcam.bundle;
