package org.crackcam.bundle;

import org.crackcam.pipeline.CrackcamException;

/** A model bundle that fails its checks: hash, graph contract or manifest. */
public class BundleException extends CrackcamException {
    private static final long serialVersionUID = 1L;

    public BundleException(String message) {
        super(message);
    }

    public BundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
