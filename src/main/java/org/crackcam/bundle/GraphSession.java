package org.crackcam.bundle;

import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/**
 * One ONNX Runtime session of one bundle graph, checked against the manifest. Owned by its
 * {@link ModelBundle}; closing the bundle closes it. {@link #run} may be called from one thread
 * at a time per caller (ONNX Runtime sessions are thread-safe, but the runtime's buffers are not).
 */
public final class GraphSession implements AutoCloseable {

    private final String graph;
    private final Manifest.Graph spec;
    private final OrtSession session;
    private volatile boolean closed;

    GraphSession(String graph, Manifest.Graph spec, OrtSession session) {
        this.graph = graph;
        this.spec = spec;
        this.session = session;
    }

    /** The graph's key in the manifest ("abn", "lrp_bn", …). */
    public String graph() {
        return graph;
    }

    public Manifest.Graph spec() {
        return spec;
    }

    /** Runs the graph; the caller owns (and must close) the result. */
    public OrtSession.Result run(Map<String, OnnxTensor> inputs) throws OrtException {
        if (closed) {
            throw new IllegalStateException("graph session " + graph + " is closed");
        }
        return session.run(inputs);
    }

    /** Runs the graph computing only the named outputs; the caller owns (and must close) the result. */
    public OrtSession.Result run(Map<String, OnnxTensor> inputs, java.util.Set<String> outputs) throws OrtException {
        if (closed) {
            throw new IllegalStateException("graph session " + graph + " is closed");
        }
        return session.run(inputs, outputs);
    }

    /** The underlying session (for benchmarks that call ONNX Runtime directly). */
    public OrtSession session() {
        if (closed) {
            throw new IllegalStateException("graph session " + graph + " is closed");
        }
        return session;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("closing session " + graph + " failed", e);
        }
    }
}
