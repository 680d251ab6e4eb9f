package org.crackcam.evaluate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class PixelRankingTest {
    @Test
    void sortsDescendingWithTiesByRowMajorIndex() {
        float[] map = {1f, 2f, 2f, 1f, 2f, 0f};
        assertArrayEquals(new int[] {1, 2, 4, 0, 3, 5}, PixelRanking.descending(map));
    }

    @Test
    void negativeValuesInfinitiesAndNanHaveAFixedPlace() {
        float[] map = {-1f, Float.NaN, Float.POSITIVE_INFINITY, -0.0f, 0.0f, Float.NEGATIVE_INFINITY, -2f, 3e-38f};
        // +inf, tiny positive, 0 and -0 tie (index order), -1, -2, -inf, NaN last
        assertArrayEquals(new int[] {2, 7, 3, 4, 0, 6, 5, 1}, PixelRanking.descending(map));
    }

    @Test
    void constantMapKeepsRowMajorOrder() {
        assertArrayEquals(new int[] {0, 1, 2, 3}, PixelRanking.descending(new float[] {5f, 5f, 5f, 5f}));
    }
}
