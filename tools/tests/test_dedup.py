"""Near-duplicate hash and search (tools.data.dedup). Images here are synthetic."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from tools.data import dedup


def _smooth(seed: int, h: int = 120, w: int = 160) -> np.ndarray:
    rng = np.random.default_rng(seed)
    low = rng.random((24, 32)).astype(np.float32)
    img = cv2.resize(low, (w, h), interpolation=cv2.INTER_CUBIC) * 160 + 40
    return np.clip(img, 0, 255).astype(np.uint8)


def _dist(a: np.ndarray, b: np.ndarray) -> int:
    return int(dedup.hamming(dedup.pack(dedup.image_hash(a)), dedup.pack(dedup.image_hash(b)))[0])


def test_hash_shape_and_reference():
    img = _smooth(0)
    h = dedup.image_hash(img)
    assert h.shape == (256,) and h.dtype == bool
    # reference: the paper's steps written out by hand
    small = cv2.resize(img.astype(np.float32), (16, 16), interpolation=cv2.INTER_AREA)
    z = (small - small.mean()) / small.std()
    assert np.array_equal(h, (z > 0).reshape(-1))
    assert 64 < h.sum() < 192                       # binarised at the mean: about half set
    rgb = np.dstack([img, img, img])
    assert np.array_equal(dedup.image_hash(rgb), h)  # RGB goes through gray


def test_identical_is_zero_and_inverted_is_all_bits():
    img = _smooth(1)
    assert _dist(img, img.copy()) == 0
    assert _dist(img, 255 - img) == 256
    assert dedup.image_hash(np.full((30, 30), 77, np.uint8)).sum() == 0   # constant image


def test_small_changes_small_distance_and_different_images_far():
    img = _smooth(2)
    rng = np.random.default_rng(0)
    noisy = np.clip(img + rng.normal(0, 3, img.shape), 0, 255).astype(np.uint8)
    d_noise = _dist(img, noisy)
    assert 0 < d_noise <= 10
    brighter = np.clip(img.astype(int) + 12, 0, 255).astype(np.uint8)
    assert _dist(img, brighter) <= 2                 # standardisation removes brightness
    contrast = (img * 0.8 + 20).astype(np.uint8)
    assert _dist(img, contrast) <= 3
    others = [_dist(img, _smooth(s)) for s in range(10, 20)]
    assert min(others) > dedup.threshold_bits(256)   # unrelated pictures are not duplicates
    assert 80 < np.mean(others) < 176


def test_threshold_bits():
    assert dedup.threshold_bits(256) == 25
    assert dedup.threshold_bits(256, 0.0) == 0
    assert dedup.threshold_bits(64) == 6
    with pytest.raises(ValueError):
        dedup.threshold_bits(256, 1.0)


def _planted(n: int, n_bits: int, seed: int, dists):
    """Random hashes with pairs planted at exact distances (and one exact copy)."""
    rng = np.random.default_rng(seed)
    bits = rng.random((n, n_bits)) < 0.5
    for k, d in enumerate(dists):
        i = 2 * k
        bits[i + 1] = bits[i]
        bits[i + 1, rng.choice(n_bits, d, replace=False)] ^= True
    bits[n - 1] = bits[n - 2]                        # exact copy
    return dedup.pack(bits)


# (256, 60) takes the brute-force fallback (chunks too short); (1024, 30) has chunks wider
# than 24 bits and takes the binary-search path
@pytest.mark.parametrize("n_bits,max_dist", [(256, 25), (256, 0), (256, 3), (256, 40),
                                             (256, 60), (64, 6), (1024, 30)])
def test_multi_index_equals_brute_force(n_bits, max_dist):
    dists = [0, 1, max_dist, max_dist + 1, max(max_dist - 1, 0), min(2 * max_dist + 1, n_bits)]
    n = 1500 if n_bits <= 256 else 400
    packed = _planted(n, n_bits, seed=n_bits + max_dist, dists=dists)
    ref = dedup.near_duplicate_pairs_bruteforce(packed, max_dist)
    got = dedup.near_duplicate_pairs(packed, max_dist, n_bits)
    assert np.array_equal(got, ref)
    found = {tuple(p) for p in got.tolist()}
    for k, d in enumerate(dists):
        assert ((2 * k, 2 * k + 1) in found) == (d <= max_dist), (k, d)
    assert (n - 2, n - 1) in found
    # the pairs really are within the threshold, checked bit by bit
    bits = np.unpackbits(packed, axis=1)
    for i, j in got[:50]:
        assert int((bits[i] != bits[j]).sum()) <= max_dist


def test_many_exact_copies():
    rng = np.random.default_rng(5)
    bits = rng.random((400, 256)) < 0.5
    bits[:150] = bits[0]
    bits[150:160] = bits[0]
    bits[150:160, :4] ^= True                        # 10 items at distance 4 from 150 copies
    packed = dedup.pack(bits)
    got = dedup.near_duplicate_pairs(packed, 25)
    assert np.array_equal(got, dedup.near_duplicate_pairs_bruteforce(packed, 25))
    assert len(got) == 160 * 159 // 2


def test_has_near_duplicate_elsewhere_ignores_own_group():
    pairs = np.array([[0, 1], [2, 3], [4, 5]])
    groups = [7, 7, 8, 9, 10, 10]
    flag = dedup.has_near_duplicate_elsewhere(pairs, groups, 6)
    assert flag.tolist() == [False, False, True, True, False, False]
    with pytest.raises(ValueError):
        dedup.has_near_duplicate_elsewhere(pairs, groups, 5)
