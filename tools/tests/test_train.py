"""Loader and training tests on a small generated dataset (synthetic, written with
layout.DatasetWriter into tmp_path): shapes and transforms, the loss falls, resume equals an
uninterrupted run, checkpoints carry their provenance, bad input gives one clear line."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from tools import train as tr
from tools.data import layout
from tools.data.loader import AugmentConfig, CrackDataset, augment, sample_rng

REPO = Path(__file__).resolve().parents[2]


def _tile(rng, crack: bool, size=40):
    """Synthetic grey asphalt-like noise; crack tiles get a dark polyline and its mask."""
    img = np.clip(rng.normal(150, 18, (size, size, 1)) + rng.normal(0, 6, (size, size, 3)), 0, 255)
    mask = np.zeros((size, size), np.uint8)
    if crack:
        import cv2
        pts = np.cumsum(rng.integers(-4, 5, (6, 2)), 0) + rng.integers(8, size - 8, 2)
        pts = np.clip(pts, 0, size - 1).astype(np.int32)
        if rng.random() < 0.5:
            pts = np.stack([np.linspace(0, size - 1, 6), pts[:, 1]], 1).astype(np.int32)
        else:
            pts = np.stack([pts[:, 0], np.linspace(0, size - 1, 6)], 1).astype(np.int32)
        cv2.polylines(mask, [pts.reshape(-1, 1, 2)], False, 1, thickness=3)
        img[mask > 0] = 25
    return img.astype(np.uint8), mask


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("ds") / "tiny-synthetic"
    rng = np.random.default_rng(7)
    w = layout.DatasetWriter(root)
    for split, n in (("train", 48), ("val", 12), ("test", 12)):
        for i in range(n):
            label = i % 2
            img, mask = _tile(rng, bool(label))
            w.add(split, label, f"{split}{i:03d}", img, mask if label else None)
    w.finish({"source": "synthetic", "generator": "tools/tests/test_train.py", "seed": 7,
              "notes": "synthetic test tiles"})
    return root


def _cfg(dataset, out, **kw):
    base = dict(preset="tiny", data=str(dataset), out=str(out), seeds=(0,), batch_size=8,
                max_epochs=3, patience=50, lr_fe=3e-3, lr_head=3e-3, threads=1, progress=False,
                schedule="none", erase_p=0.0, max_angle=15.0)
    base.update(kw)
    return tr.TrainConfig(**base)


# ----------------------------------------------------------------------------- loader
def test_loader_items(dataset):
    ds = CrackDataset(dataset, "train", 32, train=True, seed=0)
    assert len(ds) == 48 and sorted(set(ds.labels)) == [0, 1]
    for i in (0, 1, len(ds) - 1):
        img, label, mask, has_mask = ds[i]
        assert img.dtype == torch.float32 and img.shape == (3, 32, 32)
        assert 0.0 <= float(img.min()) and float(img.max()) <= 1.0
        assert mask.shape == (1, 32, 32) and mask.dtype == torch.float32
        assert has_mask == (label == 1)
        if not has_mask:
            assert float(mask.abs().sum()) == 0.0
    ev = CrackDataset(dataset, "val", 32, train=False)
    a, b = ev[3], ev[3]
    assert torch.equal(a[0], b[0])


def test_augmentation_is_seeded_and_moves_the_mask_with_the_image(dataset):
    ds = CrackDataset(dataset, "train", 32, train=True, seed=3)
    crack_idx = [i for i, l in enumerate(ds.labels) if l == 1][0]
    ds.set_epoch(1)
    x1, _, m1, _ = ds[crack_idx]
    x1b, _, m1b, _ = ds[crack_idx]
    assert torch.equal(x1, x1b) and torch.equal(m1, m1b)        # same (seed, epoch, index)
    ds.set_epoch(2)
    x2, _, m2, _ = ds[crack_idx]
    assert not torch.equal(x1, x2)                                # a new epoch, new draws
    # the crack pixels are dark (25/255), the rest ~150/255: the moved mask must sit on them
    for x, m in ((x1, m1), (x2, m2)):
        grey = x.mean(0)
        on, off = grey[m[0] > 0.5], grey[m[0] < 0.5]
        assert on.numel() > 0
        assert float(on.mean()) < 0.35 < float(off.mean())


def test_every_augmentation_keeps_image_and_mask_aligned():
    rng = np.random.default_rng(0)
    img = np.zeros((50, 60, 3), np.uint8)
    img[10:20, 5:40] = 255
    mask = (img[..., 0] > 0).astype(np.float32)
    for k in range(20):
        a, m = augment(img, mask, 32, sample_rng(1, 0, k), AugmentConfig(erase_p=0.0))
        assert a.shape == (32, 32, 3) and m.shape == (32, 32)
        assert np.abs(a[..., 0] / 255.0 - m).max() < 1e-6 + 1 / 255 * 2


# ----------------------------------------------------------------------------- training
def test_smoke_training_loss_falls(dataset, tmp_path):
    cfg = _cfg(dataset, tmp_path / "run", max_epochs=6)
    r = tr.train_one(cfg, 0)
    rows = [json.loads(l) for l in (tmp_path / "run/seed0/metrics.jsonl").read_text().splitlines()]
    assert [row["epoch"] for row in rows] == list(range(1, 7))
    assert rows[-1]["train_loss"] < 0.8 * rows[0]["train_loss"], rows
    csv_lines = (tmp_path / "run/seed0/metrics.csv").read_text().splitlines()
    assert csv_lines[0].split(",")[:6] == ["epoch", "train_loss", "train_acc_pb", "train_acc_ab",
                                           "val_loss", "val_acc"]
    assert len(csv_lines) == 7
    assert 0.0 <= r["test_accuracy"] <= 1.0


def test_resume_equals_uninterrupted_run(dataset, tmp_path):
    full = tr.train_one(_cfg(dataset, tmp_path / "full", max_epochs=4), 0)
    tr.train_one(_cfg(dataset, tmp_path / "split", max_epochs=2), 0)
    part = tr.train_one(_cfg(dataset, tmp_path / "split", max_epochs=4), 0,
                        resume=tmp_path / "split/seed0/last.pt")
    a = tr.torch_load(tmp_path / "full/seed0/last.pt")
    b = tr.torch_load(tmp_path / "split/seed0/last.pt")
    assert a["epoch"] == b["epoch"] == 4
    for k, v in a["model"].items():
        assert torch.equal(v, b["model"][k]), k
    assert [r["val_loss"] for r in a["history"]] == [r["val_loss"] for r in b["history"]]
    assert a["early_stop"] == b["early_stop"]
    assert full["test_accuracy"] == part["test_accuracy"]


def test_checkpoint_carries_provenance(dataset, tmp_path):
    cfg = _cfg(dataset, tmp_path / "prov", max_epochs=2, lam=2.5, theta_alpha=0.25)
    r = tr.train_one(cfg, 5)
    best = tr.torch_load(tmp_path / "prov/seed5/best.pt")
    assert best["seed"] == 5 and best["preset"] == "tiny"
    assert best["config"]["lam"] == 2.5 and best["config"]["theta_alpha"] == 0.25
    assert best["config"] == dict(best["config"], image_size=32)
    rev = best["code_revision"]
    assert rev == "unknown" or (len(rev.split("-")[0]) == 40 and set(rev.split("-")[0]) <= set("0123456789abcdef"))
    assert best["data"]["description"] == json.loads((dataset / "dataset.json").read_text())
    assert best["data"]["path"]
    assert best["train_config"]["lr_fe"] == 3e-3 and best["train_config"]["seeds"] == [0]
    assert best["test_accuracy"] == r["test_accuracy"]
    assert best["epoch"] == r["best_epoch"] and isinstance(best["val_loss"], float)
    # the checkpoint alone rebuilds the model that gave the test accuracy
    model, _ = tr.load_checkpoint(tmp_path / "prov/seed5/best.pt")
    ev = tr.evaluate(model, CrackDataset(dataset, "test", 32), cfg)
    assert ev["acc"] == best["test_accuracy"]
    last = tr.torch_load(tmp_path / "prov/seed5/last.pt")
    assert {"optimizer", "rng", "early_stop", "history"} <= set(last)


def test_cli_two_seeds_summary_and_plot(dataset, tmp_path):
    out = tmp_path / "cli"
    p = subprocess.run([sys.executable, "-m", "tools.train", "--preset", "tiny", "--data",
                        str(dataset), "--out", str(out), "--seeds", "0", "1", "--max-epochs", "1",
                        "--batch-size", "16", "--limit-train", "20", "--threads", "1",
                        "--no-progress"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    s = json.loads((out / "summary.json").read_text())
    assert s["seeds"] == [0, 1] and len(s["test_accuracy"]) == 2
    assert s["test_accuracy_mean"] == pytest.approx(np.mean(s["test_accuracy"]))
    assert s["test_accuracy_std"] == pytest.approx(np.std(s["test_accuracy"], ddof=1))
    assert tr.torch_load(out / "seed1/best.pt")["counts"]["train"] == 20
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return
    assert (out / "seed0/curves.png").stat().st_size > 1000


@pytest.mark.parametrize("args,needle", [
    (["--data", "{tmp}/nope"], "no such directory"),
    (["--data", "{tmp}"], "no dataset.json"),
    (["--preset", "huge"], "unknown"),
    (["--max-epochs", "0"], "--max-epochs must be"),
    (["--resume", "{tmp}/missing.pt"], "no such file"),
])
def test_bad_input_one_line_and_nonzero(dataset, tmp_path, capsys, args, needle):
    args = [a.format(tmp=tmp_path) for a in args]
    if "--data" not in args:
        args += ["--data", str(dataset)]
    rc = tr.main(args + ["--out", str(tmp_path / "o"), "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc != 0
    assert len(err) == 1 and needle in err[0], err


def test_test_option_evaluates_and_writes(dataset, tmp_path, capsys):
    cfg = _cfg(dataset, tmp_path / "t", max_epochs=1)
    r = tr.train_one(cfg, 0)
    ck_path = tmp_path / "t/seed0/best.pt"
    ck = tr.torch_load(ck_path)
    ck["test_accuracy"] = None          # as a run stopped before its end leaves best.pt
    tr.save_atomic(ck, ck_path)
    capsys.readouterr()
    assert tr.main(["--test", str(ck_path), "--data", str(dataset), "--write", "--threads", "1",
                    "--no-progress"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["test_accuracy"] == r["test_accuracy"] and out["test_samples"] == 12
    assert tr.torch_load(ck_path)["test_accuracy"] == r["test_accuracy"]


def test_summarise_over_separately_trained_seeds(tmp_path, capsys):
    run = tmp_path / "sum"
    for seed, acc in ((0, 0.9), (3, 0.96)):
        (run / f"seed{seed}").mkdir(parents=True)
        (run / f"seed{seed}/result.json").write_text(json.dumps(
            {"seed": seed, "test_accuracy": acc, "wall_seconds": 1.0, "best_epoch": 2}))
    assert tr.main(["--summarise", str(run)]) == 0
    s = json.loads((run / "summary.json").read_text())
    assert s["seeds"] == [0, 3]
    assert s["test_accuracy_mean"] == pytest.approx(0.93)
    assert s["test_accuracy_std"] == pytest.approx(np.std([0.9, 0.96], ddof=1))
    assert tr.main(["--summarise", str(tmp_path / "empty")]) == 2


# ----------------------------------------------------------------------------- issue 13 augmentation
from tools.data.loader import blank_tile, erase, rotate  # noqa: E402


def test_rotation_fills_corners_black_like_torchvision():
    """45° on a white square: the four corners become exactly 0 (torchvision's default fill),
    the centre stays white; "reflect" (the old behaviour) leaves no black."""
    img = np.full((64, 64, 3), 255, np.uint8)
    out = rotate(img, 45.0, "black")
    for (y, x) in ((0, 0), (0, 63), (63, 0), (63, 63)):
        assert (out[y, x] == 0).all()
    assert (out[32, 32] == 255).all()
    corner = out[:8, :8, 0]
    assert (corner == 0).mean() > 0.9
    assert rotate(img, 45.0, "reflect").min() == 255
    # through augment(): with a rotation drawn, black appears only in the corners
    cfg = AugmentConfig(crop_scale=(1, 1), crop_ratio=(1, 1), hflip=0, vflip=0, rot90=False,
                        max_angle=30.0, erase_p=0.0)
    blacks = 0
    for k in range(10):
        a, _ = augment(img, None, 48, sample_rng(0, 0, k), cfg)
        blacks += int((a[:4, :4] == 0).all(-1).any())
        assert (a[20:28, 20:28] == 255).all()
    assert blacks >= 5


def test_erasing_modes_and_mask():
    rng0 = np.random.default_rng(0)
    img = rng0.integers(60, 200, (64, 64, 3)).astype(np.uint8)
    cfg = AugmentConfig(erase_p=1.0)
    seen = set()
    for k in range(40):
        out, m, box = erase(img, None, sample_rng(5, 0, k), cfg)
        assert box is not None
        t, l, h, w, mode = box
        seen.add(mode)
        outside = np.ones((64, 64), bool)
        outside[t:t + h, l:l + w] = False
        assert np.array_equal(out[outside], img[outside])            # only the rectangle changes
        assert 0.02 * 64 * 64 * 0.8 <= h * w <= 0.25 * 64 * 64 * 1.2
        if mode == "black":
            assert (out[t:t + h, l:l + w] == 0).all()
        elif mode == "noise":
            assert out[t:t + h, l:l + w].std() > 1.0
    assert seen == {"black", "blur", "noise"}
    assert erase(img, None, sample_rng(5, 0, 0), AugmentConfig(erase_p=0.0))[2] is None


def test_erasing_never_hides_most_of_a_crack():
    img = np.full((64, 64, 3), 150, np.uint8)
    mask = np.zeros((64, 64), np.float32)
    mask[30:33, 10:40] = 1                                  # a short crack
    img[mask > 0] = 20
    cfg = AugmentConfig(erase_p=1.0, erase_scale=(0.2, 0.25))
    for k in range(60):
        out, m, box = erase(img, mask, sample_rng(9, 1, k), cfg)
        if box is None:
            continue
        t, l, h, w, mode = box
        hidden = mask[t:t + h, l:l + w].sum()
        assert hidden <= 0.5 * mask.sum()
        if mode == "black":                                 # the mask follows what is visible
            assert m[t:t + h, l:l + w].sum() == 0


def test_blank_tiles_only_for_no_crack():
    img = np.random.default_rng(1).integers(0, 255, (40, 40, 3)).astype(np.uint8)
    cfg = AugmentConfig(erase_p=0.0, blank_p=1.0)
    for k in range(12):
        a0, _ = augment(img, None, 32, sample_rng(2, 0, k), cfg, label=0)
        assert a0.std() < 12                                # featureless
        a1, _ = augment(img, None, 32, sample_rng(2, 0, k), cfg, label=1)
        assert a1.std() > 30                                # a crack tile is never blanked
    kinds = {int(blank_tile(img, np.random.default_rng(s)).mean() == 0) for s in range(20)}
    assert kinds == {0, 1}


def test_schedule_plateau_lowers_lr_and_resume_keeps_it(dataset, tmp_path):
    cfg = _cfg(dataset, tmp_path / "p", max_epochs=5, schedule="plateau", plateau_patience=0,
               plateau_factor=0.5, lr_fe=1e-6, lr_head=1e-6)   # tiny LR: val loss ~ flat
    tr.train_one(cfg, 0)
    rows = [json.loads(l) for l in (tmp_path / "p/seed0/metrics.jsonl").read_text().splitlines()]
    lrs = [r["lr_fe"] for r in rows]
    assert lrs[-1] < lrs[0]
    ck = tr.torch_load(tmp_path / "p/seed0/last.pt")
    assert ck["scheduler"] is not None


def test_blank_probe_keys(dataset):
    from tools import model as abn
    m = abn.build("tiny")
    ds = CrackDataset(dataset, "test", 32)
    p = tr.blank_probe(m, ds, n_blur=5)
    assert set(p) >= {"p_black", "p_grey", "p_blur_mean", "p_blur_max"} and p["n_blur"] == 5
    assert all(0.0 <= p[k] <= 1.0 for k in ("p_black", "p_grey", "p_blur_mean"))


def test_max_minutes_stops_after_an_epoch_and_says_so(dataset, tmp_path):
    r = tr.train_one(_cfg(dataset, tmp_path / "t", max_epochs=50, max_minutes=1e-4), 0)
    assert r["epochs_run"] == 1 and r["stopped_by_time_budget"] and not r["stopped_early"]


def test_init_from_checkpoint_and_bundle(dataset, tmp_path):
    """--init copies the weights (checkpoint: exactly); a bundle is read back through
    tools/recover.py and gives the same outputs; frozen BN keeps the running statistics."""
    from tools import export as ex
    tr.train_one(_cfg(dataset, tmp_path / "a", max_epochs=1), 0)
    m0, _ = tr.load_checkpoint(tmp_path / "a/seed0/best.pt")
    from tools import model as abn
    m1 = abn.build("tiny")
    info = tr.load_init(m1, tmp_path / "a/seed0/best.pt")
    assert info["kind"] == "checkpoint"
    for k, v in m0.state_dict().items():
        assert torch.equal(v, m1.state_dict()[k]), k
    assert ex.main(["--checkpoint", str(tmp_path / "a/seed0/best.pt"), "--out", str(tmp_path / "b"),
                    "--data", str(dataset)]) == 0
    m2 = abn.build("tiny")
    assert tr.load_init(m2, tmp_path / "b")["kind"] == "bundle"
    m2.eval()
    x = torch.rand(4, 3, 32, 32)
    assert torch.allclose(m0(x).pb_logits, m2(x).pb_logits, atol=1e-4)
    r = tr.train_one(_cfg(dataset, tmp_path / "c", max_epochs=1, init=str(tmp_path / "b")), 0)
    ck = tr.torch_load(tmp_path / "c/seed0/last.pt")
    assert ck["freeze_bn"] is True and ck["init"]["kind"] == "bundle"
    rm = [k for k in ck["model"] if k.endswith("running_mean")]
    assert rm and all(torch.equal(ck["model"][k], m2.state_dict()[k]) for k in rm)
    with pytest.raises(tr.UsageError):
        tr.load_init(abn.build("edge"), tmp_path / "a/seed0/best.pt")
