package org.crackcam.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.crackcam.explain.CrackMask;
import org.junit.jupiter.api.Test;

/**
 * Every alert the factory makes passes its own schema: many random SYNTHETIC events with the
 * values that break rounding and bounds (issue 14: orientation 179.96 was written as 180.0).
 */
class AlertValidityPropertyTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void manyRandomEventsAllGiveValidAlerts() throws Exception {
        AlertSchema schema = AlertSchema.load();
        AlertFactory factory = new AlertFactory(new AlertContext("van-9", "file", "edge-synthetic", "ef".repeat(32)), 70,
                TrackerConfig.DEFAULTS.toString(), CrackMask.Settings.DEFAULTS);
        Random r = new Random(20261205);
        int n = 300;
        List<String> failures = new ArrayList<>();
        int orientationsWrapped = 0, headingsWrapped = 0;
        for (int i = 0; i < n; i++) {
            CrackEvent e = TestEvents.random(r);
            JsonNode doc = JSON.readTree(factory.create(e).json());
            List<String> errors = schema.validate(doc);
            if (!errors.isEmpty()) {
                failures.add("event " + i + ": " + errors);
            }
            MaskStats s = MaskStats.of(e.mask(), e.bbox().width(), e.bbox().height());
            if (Double.isFinite(s.orientationDeg()) && AlertFactory.round(s.orientationDeg(), 1) >= 180) {
                orientationsWrapped++;
                assertEquals(0.0, doc.at("/mask_stats/orientation_deg").asDouble());
            }
            if (e.position().isPresent() && AlertFactory.round(e.position().get().headingDeg(), 3) == 360.0) {
                headingsWrapped++;
            }
        }
        assertEquals(List.of(), failures.subList(0, Math.min(5, failures.size())), failures.size() + " of " + n + " invalid");
        // the generator really produced the edge cases this test is about
        assertTrue(orientationsWrapped > 0, "no orientation rounded to 180 among " + n + " events");
        assertTrue(headingsWrapped > 0, "no heading rounded to 360 among " + n + " events");
        System.out.printf("%d random events: all valid; %d orientations and %d headings rounded onto the bound and wrapped%n",
                n, orientationsWrapped, headingsWrapped);
    }

    @Test
    void roundingNeverPushesAValueOverItsBound() {
        assertEquals(0.0, AlertFactory.orientation(179.96));
        assertEquals(179.9, AlertFactory.orientation(179.94));
        assertEquals(0.0, AlertFactory.orientation(-0.01));
        assertEquals(0.0, AlertFactory.orientation(180.0));
        assertTrue(Double.isNaN(AlertFactory.orientation(Double.NaN)));
        assertEquals(0.0, AlertFactory.heading(359.9996));
        assertEquals(359.999, AlertFactory.heading(359.9994));
        assertEquals(270.0, AlertFactory.heading(-90));
        assertEquals(0.5, AlertFactory.heading(720.5));
        assertEquals(1.0, AlertFactory.probability(0.99996));
        assertEquals(1.0, AlertFactory.probability(1.0000001));
        assertEquals(0.0, AlertFactory.probability(Double.NaN));
        assertEquals(0.0, AlertFactory.probability(-0.2));
        assertEquals(0.1235, AlertFactory.probability(0.12345));
        assertEquals(180.0, AlertFactory.longitude(180.0));
        assertEquals(-179.5, AlertFactory.longitude(180.5), 1e-12);
        assertEquals(160.0, AlertFactory.longitude(-200), 1e-12);
        assertEquals("1970-01-01T00:00:00Z", AlertFactory.isoTime(-5));
        assertEquals("9999-12-31T23:59:59.999999Z", AlertFactory.isoTime(Long.MAX_VALUE));
    }
}
