"""SYNTHETIC tile generator (tools/data/synthetic.py, tools/data/render.py).

One small dataset is generated once for the module (real files through the real CLI); a second
run of one split checks byte-identical output for the same seed.
"""
import hashlib
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from tools.data import render as R
from tools.data import synthetic as S
from tools.data.layout import list_samples, read_description, read_mask, read_rgb

N_TRAIN = 24


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth") / "ds"
    rc = S.main(["--out", str(root), "--seed", "5", "--train", str(N_TRAIN), "--val", "2",
                 "--test", "0", "--workers", "1"])
    assert rc == 0
    return root


def _digest(root: Path, split: str):
    d = {}
    for p in sorted((root / split).rglob("*")):
        if p.is_file():
            d[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return d


def test_same_seed_byte_identical(ds, tmp_path):
    again = tmp_path / "again"
    assert S.main(["--out", str(again), "--seed", "5", "--train", str(N_TRAIN), "--val", "0",
                   "--test", "0", "--workers", "2"]) == 0
    a, b = _digest(ds, "train"), _digest(again, "train")
    assert len(a) > N_TRAIN and a == b


def test_other_seed_differs():
    a = S.random_scene(1).chunk(1)["color"]
    b = S.random_scene(2).chunk(1)["color"]
    assert a.shape == b.shape and not np.array_equal(a, b)


def test_description_says_synthetic(ds):
    d = read_description(ds)
    assert d["source"] == "synthetic" and d["synthetic"] is True
    assert "SYNTHETIC" in d["note"] and "not real" in d["note"]
    assert d["seed"] == 5 and d["generator_version"] == S.VERSION
    assert d["grid"] == {"rows": 2, "cols": 6, "tile": 120}


def test_classes_balanced(ds):
    d = read_description(ds)
    for split, n in (("train", N_TRAIN), ("val", 2), ("test", 0)):
        c = d["counts"][split]
        assert c["crack"] + c["no_crack"] == n
        assert abs(c["crack"] - c["no_crack"]) <= 1
    assert d["counts"]["test"] == {"crack": 0, "no_crack": 0}


def test_labels_follow_masks(ds):
    meta = {m["id"]: m for m in map(json.loads, (ds / "meta.jsonl").read_text().splitlines())}
    for s in list_samples(ds, "train"):
        m = meta[s.sample_id]
        assert m["label"] == s.label
        img = read_rgb(s.image)
        assert img.shape == (S.TILE_OUT, S.TILE_OUT, 3)
        if s.label == 1:
            assert s.mask is not None, s.image
            mk = read_mask(s.mask)
            assert mk.shape == img.shape[:2]
            assert m["crack_frac"] >= R.CRACK_MIN_FRAC
            assert mk.mean() >= 0.5 * R.CRACK_MIN_FRAC          # survives the 120 → 128 resize
        else:
            assert s.mask is None and m["crack_frac"] == 0


def test_mask_pixels_darker_than_surroundings(ds):
    diffs = []
    for s in list_samples(ds, "train"):
        if s.label != 1:
            continue
        g = cv2.cvtColor(read_rgb(s.image), cv2.COLOR_RGB2GRAY).astype(np.float32)
        mk = read_mask(s.mask)
        ring = cv2.dilate(mk.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool) & ~mk
        diffs.append(g[ring].mean() - g[mk].mean())
    diffs = np.array(diffs)
    assert len(diffs) >= N_TRAIN // 2
    assert diffs.mean() > 8, diffs                      # clearly darker on average
    assert (diffs > 0).mean() >= 0.9, diffs


def test_hard_negatives_in_both_classes(ds):
    meta = [json.loads(l) for l in (ds / "meta.jsonl").read_text().splitlines()]
    neg = [m for m in meta if m["label"] == 0]
    pos = [m for m in meta if m["label"] == 1]
    frac_neg = np.mean([bool(m["distractors"]) for m in neg])
    frac_pos = np.mean([bool(m["distractors"]) for m in pos])
    assert frac_neg >= 0.25, frac_neg
    assert frac_pos >= 0.15, frac_pos
    kinds = {k for m in meta for k in m["distractors"]}
    assert len(kinds) >= 3, kinds


def test_every_distractor_kind_is_rendered():
    """A scene with every hard-negative kind; each shows up in the rendered view's kind map."""
    rng = np.random.default_rng(0)
    surf = S.random_surface(rng, 0, (-7.5, 7.5))
    feats = [R.make_feature(rng, k, x, z) for k, x, z in (
        ("lane_paint", 1.5, 0.0), ("sealed_joint", -1.0, 5.0), ("expansion_joint", 0.0, 7.0),
        ("oil_stain", -1.5, 6.0), ("patch", 1.5, 8.0), ("manhole", -0.5, 9.0),
        ("pole_shadow", -6.0, 6.0))]
    road = R.Road(surf, [], feats, 20.0, 1)
    v = R.render_view(road, R.Camera(), 250, 540, far=False)
    found = {R.KINDS[k] for k in np.unique(v["kind"]) if k}
    assert found == {"lane_paint", "sealed_joint", "expansion_joint", "oil_stain", "patch",
                     "manhole", "shadow"}
    assert not v["mask"].any()                         # no crack, no crack pixels


def test_tile_label_rule():
    z = np.zeros((120, 120), bool)
    assert R.tile_label(z) == 0
    m = z.copy()
    m[60:62, 10:110] = True                            # a 2 px line through the middle
    assert R.tile_label(m) == 1
    m = z.copy()
    m[0:2, :] = True                                   # only a sliver at the border
    assert R.tile_label(m) is None
    m = z.copy()
    m[60, 60:70] = True                                # too small
    assert R.tile_label(m) is None


def test_cli_rejects_bad_counts(tmp_path, capsys):
    assert S.main(["--out", str(tmp_path / "x"), "--train", "-1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--train" in err[0]
    assert not (tmp_path / "x").exists()
