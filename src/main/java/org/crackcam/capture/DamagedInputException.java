package org.crackcam.capture;

import org.crackcam.pipeline.CrackcamException;

/** A video that decoded, but with more damaged frames than allowed; the outputs are complete. */
public class DamagedInputException extends CrackcamException {
    private static final long serialVersionUID = 1L;

    public DamagedInputException(String message) {
        super(message);
    }

    public DamagedInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
