package org.crackcam.delivery;

import org.crackcam.pipeline.CrackcamException;

/** A broker, outbox or other delivery failure. */
public class DeliveryException extends CrackcamException {
    private static final long serialVersionUID = 1L;

    public DeliveryException(String message) {
        super(message);
    }

    public DeliveryException(String message, Throwable cause) {
        super(message, cause);
    }
}
