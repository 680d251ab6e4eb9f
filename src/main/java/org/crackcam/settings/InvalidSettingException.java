package org.crackcam.settings;

import org.crackcam.pipeline.CrackcamException;

/**
 * A command-line option, configuration key or request parameter with a value that cannot be
 * used; the message names the setting and the value. Thrown by the settings records with the
 * {@link Key} of the setting, so each front end can name it its own way
 * ({@link #problemFor(boolean)}); the default message uses the command-line option.
 */
public class InvalidSettingException extends CrackcamException {
    private static final long serialVersionUID = 1L;

    private final transient Key key;
    private final String problem;

    public InvalidSettingException(String message) {
        super(message);
        this.key = null;
        this.problem = message;
    }

    public InvalidSettingException(String message, Throwable cause) {
        super(message, cause);
        this.key = null;
        this.problem = message;
    }

    /** A problem with one setting: {@code problem} is what follows its name ("must be ≥ 1, got 0"). */
    public InvalidSettingException(Key key, String problem) {
        super(key.option() + " " + problem);
        this.key = key;
        this.problem = problem;
    }

    /** The setting, or null when the message names it already. */
    public Key key() {
        return key;
    }

    /** The problem without the setting's name (the whole message when there is no key). */
    public String problem() {
        return problem;
    }

    /** The message naming the setting as the YAML key ({@code yaml}) or as the option. */
    public String problemFor(boolean yaml) {
        if (key == null) {
            return problem;
        }
        return (yaml ? key.yaml() : key.option()) + " " + problem;
    }
}
