package org.crackcam.alerts;

import java.util.List;

/** Gives tests in other packages the SYNTHETIC sample alerts of {@link AlertFactoryTest}. */
public final class AlertFactoryTestAccess {

    private AlertFactoryTestAccess() {
    }

    public static List<Alert> sampleAlerts(String device) {
        return AlertFactoryTest.sampleAlerts(device);
    }
}
