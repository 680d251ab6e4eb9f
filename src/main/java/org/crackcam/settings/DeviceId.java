package org.crackcam.settings;

import java.util.regex.Pattern;

/**
 * The device id: MQTT topics {@code crackcam/<id>/…}, the default client id, the alert ids.
 * 1–64 characters of letters, digits, '_', '.', '-', starting with a letter or digit (a leading
 * '-' would read as an option; '.' and '..' as folders).
 */
public final class DeviceId {

    /** {@code device.id} / {@code --device}. */
    public static final Key KEY = new Key("device.id", "--device");

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    private DeviceId() {
    }

    /** The alert schema's rule (v1 and v2): what a consumer accepts from any producer, old ones included. */
    private static final Pattern SCHEMA = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /**
     * True for a device id that a consumer accepts in an alert or a topic filter: the schema's
     * rule, wider than {@link #isValid} (alerts made before the leading-character rule stay readable).
     */
    public static boolean isAcceptable(String id) {
        return id != null && SCHEMA.matcher(id).matches() && !id.equals(".") && !id.equals("..");
    }

    /** True for a device id this program gives itself (a producer's rule). */
    public static boolean isValid(String id) {
        return id != null && VALID.matcher(id).matches();
    }

    /** The id, checked. */
    public static String of(String id) {
        if (!isValid(id)) {
            throw new InvalidSettingException(KEY, "must be 1–64 characters of letters, digits, '_', '.', '-' "
                    + "starting with a letter or digit (used in MQTT topics), got \"" + id + "\"");
        }
        return id;
    }
}
