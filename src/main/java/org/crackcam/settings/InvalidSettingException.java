package org.crackcam.settings;

import org.crackcam.pipeline.CrackcamException;

/** A command-line option, configuration key or request parameter with a value that cannot be used; the message names the setting and the value. */
public class InvalidSettingException extends CrackcamException {
    private static final long serialVersionUID = 1L;

    public InvalidSettingException(String message) {
        super(message);
    }

    public InvalidSettingException(String message, Throwable cause) {
        super(message, cause);
    }
}
