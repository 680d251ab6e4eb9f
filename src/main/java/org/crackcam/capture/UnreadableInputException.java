package org.crackcam.capture;

import org.crackcam.pipeline.CrackcamException;

/** A video, image or sidecar file that is missing, not media, too large or truncated. */
public class UnreadableInputException extends CrackcamException {
    private static final long serialVersionUID = 1L;

    public UnreadableInputException(String message) {
        super(message);
    }

    public UnreadableInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
