"""tools/eval_reference.py against cases computed by hand (docs/evaluation.md)."""
import numpy as np
import pytest

from tools import eval_reference as ref


def important_fraction(important: np.ndarray):
    """Toy scorer: p(crack) = fraction of the important pixels whose channel 0 is non-zero."""
    idx = np.flatnonzero(important.reshape(-1))

    def score(batch):
        kept = (batch[:, 0].reshape(batch.shape[0], -1)[:, idx] != 0).mean(axis=1)
        return np.stack([1 - kept, kept], axis=1)
    return score


def _case():
    image = np.ones((3, 4, 4))
    important = np.zeros((4, 4), dtype=bool)
    important[1:3, 1:3] = True            # 4 of 16 pixels
    perfect = important.astype(np.float32) + 0.0
    return image, important, perfect


def test_perfect_map_step1_matches_hand_computed_areas():
    image, important, perfect = _case()
    r = ref.insertion_deletion(important_fraction(important), image, perfect, 1, step=1)
    assert r["pixels"] == list(range(17))
    np.testing.assert_allclose(r["insertion"], [min(n, 4) / 4 for n in range(17)])
    # insertion: sum of trapezoids = (1+3+5+7)/8 + 12 = 14 over 16 pixels
    assert r["insertion_auc"] == pytest.approx(14 / 16)
    assert r["deletion_auc"] == pytest.approx(2 / 16)
    assert r["id"] == pytest.approx(0.75)


def test_reversed_map_swaps_the_areas():
    image, important, perfect = _case()
    r = ref.insertion_deletion(important_fraction(important), image, -perfect, 1, step=1)
    assert r["insertion_auc"] == pytest.approx(2 / 16)
    assert r["deletion_auc"] == pytest.approx(14 / 16)


def test_step3_has_a_short_last_interval():
    image, important, perfect = _case()
    r = ref.insertion_deletion(important_fraction(important), image, perfect, 1, step=3)
    assert r["pixels"] == [0, 3, 6, 9, 12, 15, 16]
    # (0,3): 3*(0+.75)/2, (3,6): 3*(.75+1)/2, 3 intervals of 3*1, (15,16): 1*1 -> 13.75 / 16
    assert r["insertion_auc"] == pytest.approx(13.75 / 16)
    # (0,3): 3*(1+.25)/2, (3,6): 3*(.25+0)/2 -> 2.25 / 16
    assert r["deletion_auc"] == pytest.approx(2.25 / 16)


def test_ties_are_visited_in_row_major_order():
    image = np.ones((1, 2, 3))
    sal = np.array([[1.0, 2.0, 2.0], [1.0, 2.0, 0.0]])
    assert np.argsort(-sal.reshape(-1), kind="stable").tolist() == [1, 2, 4, 0, 3, 5]
    # a scorer that only looks at pixel 2 (second of the tied 2.0s): inserted at n = 2
    only = np.zeros((2, 3), dtype=bool)
    only[0, 2] = True
    r = ref.insertion_deletion(important_fraction(only), image, sal, 1, step=1)
    assert r["insertion"] == [0, 0, 1, 1, 1, 1, 1]


def test_blur_kernel_sums_to_one_and_keeps_a_constant_interior():
    k = ref.gaussian_kernel_2d()
    assert k.shape == (11, 11)
    assert k.sum() == pytest.approx(1.0)
    out = ref.blur(np.full((1, 30, 30), 0.7))
    assert out[0, 5:25, 5:25] == pytest.approx(np.full((20, 20), 0.7))
    assert out[0, 0, 0] < 0.7          # zero padding darkens the corner, as in RISE


def test_golden_cases_are_reproducible():
    a = ref.golden_cases(0)
    b = ref.golden_cases(0)
    assert [c["expected"]["id"] for c in a] == [c["expected"]["id"] for c in b]
    for c in a:
        e = c["expected"]
        assert 0.0 <= e["insertion_auc"] <= 1.0 and 0.0 <= e["deletion_auc"] <= 1.0


# --- ROAD's linear imputation (tools/eval_reference.linear_imputation) -----------------------

def test_one_removed_pixel_is_the_weighted_mean_of_its_eight_neighbours():
    image = np.arange(3 * 3 * 3, dtype=np.float64).reshape(3, 3, 3) ** 1.5
    removed = np.zeros((3, 3), dtype=bool)
    removed[1, 1] = True
    out = ref.linear_imputation(image, removed)
    direct = image[:, 0, 1] + image[:, 1, 0] + image[:, 1, 2] + image[:, 2, 1]
    diagonal = image[:, 0, 0] + image[:, 0, 2] + image[:, 2, 0] + image[:, 2, 2]
    np.testing.assert_allclose(out[:, 1, 1], direct / 6 + diagonal / 12)   # weights sum to 1
    np.testing.assert_array_equal(out[:, ~removed], image[:, ~removed])


def test_a_corner_pixel_uses_only_its_three_neighbours():
    image = np.random.default_rng(0).random((1, 4, 4))
    removed = np.zeros((4, 4), dtype=bool)
    removed[0, 0] = True
    out = ref.linear_imputation(image, removed)
    want = (image[0, 0, 1] / 6 + image[0, 1, 0] / 6 + image[0, 1, 1] / 12) / (1 / 6 + 1 / 6 + 1 / 12)
    assert out[0, 0, 0] == pytest.approx(want)


def test_an_interior_hole_in_a_linear_ramp_is_filled_exactly():
    yy, xx = np.mgrid[0:10, 0:12].astype(np.float64)
    image = np.stack([0.3 + 0.02 * xx - 0.01 * yy, 0.5 + 0.0 * xx, 0.1 + 0.03 * yy])
    removed = np.zeros((10, 12), dtype=bool)
    removed[2:8, 3:9] = True
    np.testing.assert_allclose(ref.linear_imputation(image, removed), image, atol=1e-12)


def test_fully_removed_image_is_its_mean_colour_and_nothing_removed_is_the_image():
    image = np.random.default_rng(1).random((3, 5, 6))
    out = ref.linear_imputation(image, np.ones((5, 6), dtype=bool))
    np.testing.assert_allclose(out, np.broadcast_to(image.mean(axis=(1, 2))[:, None, None], image.shape))
    np.testing.assert_array_equal(ref.linear_imputation(image, np.zeros((5, 6), dtype=bool)), image)


def test_mean_substrate_and_road_curves_meet_at_their_ends():
    image = np.random.default_rng(2).random((3, 6, 7))
    sal = np.random.default_rng(3).standard_normal((6, 7))
    w = np.random.default_rng(4).standard_normal((2, 3 * 6 * 7)) * 0.3
    scorer = ref.linear_softmax(w, np.zeros(2))
    for kind in ("mean", "road"):
        r = ref.insertion_deletion(scorer, image, sal, 1, step=5, insertion_substrate=kind,
                                   deletion_substrate=kind)
        assert r["insertion"][0] == pytest.approx(r["deletion"][-1])
        assert r["insertion"][-1] == pytest.approx(r["deletion"][0])
