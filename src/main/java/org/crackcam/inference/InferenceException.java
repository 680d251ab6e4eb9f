package org.crackcam.inference;

import org.crackcam.pipeline.CrackcamException;

/** An ONNX Runtime run that failed, or the inference threads interrupted: not the user's input (a bug or the runtime). */
public class InferenceException extends CrackcamException {
    private static final long serialVersionUID = 1L;

    public InferenceException(String message) {
        super(message);
    }

    public InferenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
