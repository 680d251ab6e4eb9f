"""SYNTHETIC style families (tools/data/styles.py, tools/data/families.py): deterministic by
seed, disjoint, and the held-out family never reaches training unless asked."""
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from tools import train as tr
from tools.data import families as F
from tools.data import layout
from tools.data import render as R
from tools.data import styles as St


def test_families_are_disjoint_on_every_axis():
    for ax in St.AXES:
        styles = [fam[ax] for fam in St.FAMILIES.values()]
        assert len(set(styles)) == len(styles), (ax, styles)
    assert St.DEFAULT_HELD_OUT in St.FAMILIES


def test_training_scenes_never_draw_a_held_out_style():
    held = St.FAMILIES["B"]
    train_fams = [f for f in St.FAMILIES if f != "B"]
    seen = {ax: set() for ax in St.AXES}
    for i in range(60):
        _road, styles = F.make_scene(F.scene_seed(0, "train", i), train_fams)
        for ax in St.AXES:
            assert styles[ax] != held[ax], (i, ax)
            seen[ax].add(styles[ax])
    # every training style does occur (the axes mix independently)
    for ax in St.AXES:
        assert seen[ax] == {St.FAMILIES[f][ax] for f in train_fams}, ax
    # and a held-out scene is purely its family
    for i in range(5):
        _road, styles = F.make_scene(F.scene_seed(0, "heldout", i), ["B"])
        assert styles == held


@pytest.mark.parametrize("fam", sorted(St.FAMILIES))
def test_scene_and_chunk_deterministic_by_seed(fam):
    a, sa = F.make_scene(1234, [fam])
    b, sb = F.make_scene(1234, [fam])
    c, _ = F.make_scene(1235, [fam])
    assert sa == sb == St.FAMILIES[fam]
    ca, cb, cc = a.chunk(1), b.chunk(1), c.chunk(1)
    for k in ("color", "cov", "kind"):
        assert np.array_equal(ca[k], cb[k]), k
    assert not np.array_equal(ca["color"], cc["color"])


def test_every_style_draws_something():
    rng = np.random.default_rng(0)
    scene = {"sun": 0.5}
    for st in ("path", "walk", "network", "lit", "sealed"):
        c = St.make_crack(st, rng, 1, 0.0, 2.0, scene)
        assert c.pieces and all(len(p) >= 2 and len(w) == len(p) - 1 for p, w in c.pieces), st
    surf = St.make_surface("asphalt_dense", rng)
    for st in ("classic", "markings", "tyre", "debris", "stains"):
        fs = St.make_distractors(st, np.random.default_rng(1), 30.0, surf, "day")
        assert fs, st
    for st in ("dashcam", "high", "wide", "phone", "low_quality"):
        cam, chain = St.make_camera(st, rng, 0.0)
        assert 1.0 < cam.height < 3 and chain["jpeg"][0] < chain["jpeg"][1]
    img = np.full((40, 960, 3), 120, np.uint8)
    cam = R.Camera()
    for st in ("day", "overcast", "low_sun", "dusk", "headlights"):
        out = St.apply_light(st, img, np.random.default_rng(2), 400, cam, dict(blur=0.5))
        assert out.shape == img.shape and out.dtype == np.uint8
    # the lights differ from each other
    over = St.apply_light("overcast", img, np.random.default_rng(2), 400, cam, dict(blur=0.0))
    dusk = St.apply_light("dusk", img, np.random.default_rng(2), 400, cam, dict(blur=0.0))
    assert dusk.mean() < 0.8 * over.mean()
    strip = np.full((240, 960, 3), 120, np.uint8)            # the ROI rows 270..510
    night = St.apply_light("headlights", strip, np.random.default_rng(2), 270, cam, dict(blur=0.0))
    assert night[:20].mean() < 0.7 * night[-20:].mean()      # the beam falls off with depth
    assert night[-20:, :40].mean() < night[-20:, 460:500].mean()   # and sideways


def _digest(root: Path):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.suffix in (".jpg", ".png")}


@pytest.fixture(scope="module")
def fam_ds(tmp_path_factory):
    out = tmp_path_factory.mktemp("fam") / "fams"
    rc = F.main(["--out", str(out), "--seed", "3", "--train", "4", "--val", "2", "--test", "2",
                 "--held-out-test", "2", "--workers", "1"])
    assert rc == 0
    return out


def test_cli_writes_training_and_held_out_datasets(fam_ds):
    held = fam_ds.with_name(fam_ds.name + "-heldout-B")
    d, h = layout.read_description(fam_ds), layout.read_description(held)
    assert d["synthetic"] and "SYNTHETIC" in d["note"] and h["synthetic"]
    assert d["held_out"] is False and d["families"] == ["A", "C", "D", "E"]
    assert h["held_out"] is True and h["families"] == ["B"] and h["held_out_family"] == "B"
    assert layout.count(fam_ds)["train"] == {"no_crack": 2, "crack": 2}
    assert layout.count(held)["test"] == {"no_crack": 1, "crack": 1}
    assert layout.count(held)["train"] == {"no_crack": 0, "crack": 0}
    metas = [json.loads(l) for l in (fam_ds / "meta.jsonl").read_text().splitlines()]
    assert len(metas) == 8
    for m in metas:
        for ax in St.AXES:
            assert m["styles"][ax] != St.FAMILIES["B"][ax]
    for m in (json.loads(l) for l in (held / "meta.jsonl").read_text().splitlines()):
        assert m["styles"] == St.FAMILIES["B"]
    for s in layout.list_samples(fam_ds, "train"):
        if s.label == 1:
            assert s.mask is not None and layout.read_mask(s.mask).any()


def test_cli_same_seed_byte_identical(fam_ds, tmp_path):
    again = tmp_path / "fams"
    assert F.main(["--out", str(again), "--seed", "3", "--train", "4", "--val", "2", "--test", "2",
                   "--held-out-test", "2", "--workers", "2"]) == 0
    assert _digest(fam_ds) == _digest(again)
    held = "fams-heldout-B"
    assert _digest(fam_ds.with_name(held)) == _digest(again.with_name(held))


def test_cli_bad_family_one_line(tmp_path, capsys):
    assert F.main(["--out", str(tmp_path / "x"), "--held-out", "Z"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown family" in err[0]


def test_training_refuses_the_held_out_dataset(fam_ds, tmp_path, capsys):
    held = fam_ds.with_name(fam_ds.name + "-heldout-B")
    rc = tr.main(["--preset", "tiny", "--data", str(held), "--out", str(tmp_path / "r"),
                  "--max-epochs", "1", "--threads", "1", "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "held-out style family 'B'" in err[0]
    assert not (tmp_path / "r" / "seed0").exists()


def test_training_reads_no_held_out_tile(fam_ds, tmp_path, monkeypatch):
    """The training command on the families root opens images of the training families only."""
    opened = []
    real = layout.read_rgb

    def spy(path):
        opened.append(Path(path))
        return real(path)

    monkeypatch.setattr(layout, "read_rgb", spy)
    rc = tr.main(["--preset", "tiny", "--data", str(fam_ds), "--out", str(tmp_path / "r"),
                  "--max-epochs", "1", "--batch-size", "4", "--threads", "1", "--no-progress"])
    assert rc == 0 and opened
    held = fam_ds.with_name(fam_ds.name + "-heldout-B").resolve()
    assert all(held not in p.resolve().parents for p in opened)
    assert all(fam_ds.resolve() in p.resolve().parents for p in opened)


def test_allow_held_out_lets_training_read_it(tmp_path):
    """--allow-held-out is the explicit way in (a held-out set with all three splits)."""
    root = tmp_path / "held"
    w = layout.DatasetWriter(root)
    rng = np.random.default_rng(0)
    for split in layout.SPLITS:
        for i in range(4):
            img = rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)
            w.add(split, i % 2, f"{split}{i}", img, np.ones((32, 32), bool) if i % 2 else None)
    w.finish({"source": "synthetic", "held_out": True, "held_out_family": "B"})
    args = ["--preset", "tiny", "--data", str(root), "--out", str(tmp_path / "r"),
            "--max-epochs", "1", "--batch-size", "4", "--threads", "1", "--no-progress"]
    assert tr.main(args) == 2
    assert tr.main(args + ["--allow-held-out"]) == 0
