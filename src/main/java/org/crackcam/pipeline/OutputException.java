package org.crackcam.pipeline;

/** An output (report, overlay, summary) that cannot be written. */
public class OutputException extends CrackcamException {
    private static final long serialVersionUID = 1L;

    public OutputException(String message) {
        super(message);
    }

    public OutputException(String message, Throwable cause) {
        super(message, cause);
    }
}
