package org.crackcam.alerts;

import java.util.Objects;

import org.crackcam.explain.CrackMask;

/**
 * What an alert says about where it came from, fixed for a run.
 *
 * @param deviceId       the vehicle/device id (also the MQTT topic level); {@code [A-Za-z0-9._-]+}
 * @param sourceKind     {@code camera} or {@code file}
 * @param modelName      the model bundle's name (manifest {@code name})
 * @param manifestSha256 sha256 (hex) of the bundle's {@code manifest.json}
 * @param maskRule       the crack-shaped mask rule the detector runs with (the bundle manifest's
 *                       {@code crack_mask}, {@code Manifest.crackMaskOrDefault()}); written into
 *                       every alert as {@code mask_rule}
 */
public record AlertContext(String deviceId, String sourceKind, String modelName, String manifestSha256,
                           CrackMask.Settings maskRule) {

    /** A context whose detector runs the default mask rule ({@link CrackMask.Settings#DEFAULTS}). */
    public AlertContext(String deviceId, String sourceKind, String modelName, String manifestSha256) {
        this(deviceId, sourceKind, modelName, manifestSha256, CrackMask.Settings.DEFAULTS);
    }

    public AlertContext {
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(maskRule, "maskRule");
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(manifestSha256, "manifestSha256");
        if (!isValidDeviceId(deviceId)) {
            throw new IllegalArgumentException("device id '" + deviceId
                    + "' is not valid: use 1..64 characters from A-Z a-z 0-9 . _ - starting with a letter or digit");
        }
        if (!sourceKind.equals("camera") && !sourceKind.equals("file")) {
            throw new IllegalArgumentException("source kind must be camera or file, got '" + sourceKind + "'");
        }
        if (!manifestSha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("manifest sha256 must be 64 lower-case hex digits, got '"
                    + manifestSha256 + "'");
        }
    }

    /** True for ids usable as one MQTT topic level and a file name. */
    public static boolean isValidDeviceId(String id) {
        return org.crackcam.settings.DeviceId.isValid(id);
    }
}
