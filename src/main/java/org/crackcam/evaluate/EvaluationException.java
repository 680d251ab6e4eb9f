package org.crackcam.evaluate;

/** A failure while evaluating (a graph that fails to run, an unreadable sample); cause kept. */
public final class EvaluationException extends Exception {
    private static final long serialVersionUID = 1L;

    public EvaluationException(String message) {
        super(message);
    }

    public EvaluationException(String message, Throwable cause) {
        super(message, cause);
    }
}
