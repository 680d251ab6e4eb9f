package org.crackcam.delivery;

import org.crackcam.pipeline.CrackcamException;

/** Alerts still unacknowledged when the delivery time ran out; they stay in the outbox. */
public class UndeliveredException extends CrackcamException {
    private static final long serialVersionUID = 1L;

    public UndeliveredException(String message) {
        super(message);
    }

    public UndeliveredException(String message, Throwable cause) {
        super(message, cause);
    }
}
