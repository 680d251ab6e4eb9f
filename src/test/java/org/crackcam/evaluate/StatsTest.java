package org.crackcam.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void meanAndSampleStd() {
        assertEquals(3.0, Stats.mean(new double[] {1, 2, 3, 4, 5}), 1e-12);
        assertEquals(Math.sqrt(2.5), Stats.std(new double[] {1, 2, 3, 4, 5}), 1e-12);
    }

    @Test
    void pairedTestsOnAHandComputedExample() {
        double[] a = {2, 4, 6, 8, 10};
        double[] b = {1, 2, 3, 4, 5};           // d = 1..5, all positive
        Stats.Paired p = Stats.paired(a, b);
        assertEquals(3.0, p.meanDifference(), 1e-12);
        assertEquals(15.0, p.wilcoxonW(), 1e-12);             // W+ = 1+2+3+4+5
        assertEquals(2.0 / 32, p.wilcoxonP(), 1e-12);         // exact: 2 of 2^5 sign patterns
        // t = mean(d) / (sd(d)/sqrt(5)) = 3 / (sqrt(2.5)/sqrt(5)) = 3·sqrt(2)
        assertEquals(3 * Math.sqrt(2), Math.abs(p.pairedT()), 1e-9);
        assertEquals(0.01324, p.pairedTP(), 2e-5);            // t(4) two-sided, from tables
    }
}
