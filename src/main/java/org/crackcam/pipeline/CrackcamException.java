package org.crackcam.pipeline;

/**
 * A failure the program reports to its user as one line and a specific exit code. Domain code
 * throws one of the specific subclasses (a bad setting, an unreadable input, a bad bundle, a
 * delivery failure, ...); which exit code each one means is decided in one place only,
 * {@code org.crackcam.cli.ExitCodes}, used by the command line and the service alike.
 *
 * <p>Subclasses: {@code settings.InvalidSettingException}, {@code capture.UnreadableInputException},
 * {@code capture.DamagedInputException}, {@code bundle.BundleException},
 * {@code delivery.DeliveryException}, {@code delivery.UndeliveredException},
 * {@code inference.InferenceException}, {@link OutputException}.
 */
public abstract class CrackcamException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    protected CrackcamException(String message) {
        super(message);
    }

    protected CrackcamException(String message, Throwable cause) {
        super(message, cause);
    }
}
