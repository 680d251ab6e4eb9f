"""tools.seeds: trains and exports N seeds in one command (tiny preset, tiny dataset), lists the
finished bundles in the ready file, and resumes instead of redoing finished seeds."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tools import seeds as sd
from tools.data import layout

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tiny_ds(tmp_path_factory):
    root = tmp_path_factory.mktemp("sd") / "tiny"
    rng = np.random.default_rng(3)
    w = layout.DatasetWriter(root)
    for split, n in (("train", 16), ("val", 8), ("test", 8)):
        for i in range(n):
            img = np.clip(rng.normal(150, 15, (40, 40, 3)), 0, 255).astype(np.uint8)
            mask = None
            if i % 2:
                mask = np.zeros((40, 40), bool)
                mask[18:21, 4:36] = True
                img[mask] = 30
            w.add(split, i % 2, f"{split}{i:02d}", img, mask)
    w.finish({"source": "synthetic", "synthetic": True, "note": "SYNTHETIC test tiles"})
    return root


def test_seeds_trains_exports_and_resumes(tiny_ds, tmp_path):
    out, ready = tmp_path / "runs" / "seeds", tmp_path / "runs" / "READY.txt"
    args = ["--seeds", "0", "1", "--out", str(out), "--data", str(tiny_ds), "--parallel", "2",
            "--nice", "0", "--ready", str(ready), "--",
            "--preset", "tiny", "--max-epochs", "1", "--batch-size", "8", "--threads", "1"]
    assert sd.main(args) == 0
    lines = ready.read_text().splitlines()
    assert sorted(lines) == sorted(str(out / f"seed{k}" / "bundle") for k in (0, 1))
    for k in (0, 1):
        run = out / f"seed{k}"
        r = json.loads((run / "result.json").read_text())
        assert r["seed"] == k and r["preset"] == "tiny"
        m = json.loads((run / "bundle" / "manifest.json").read_text())
        assert (run / "bundle" / "abn.onnx").is_file() and m
        assert "tools.train" in (run / "train.log").read_text()
    s = json.loads((out / "summary.json").read_text())
    assert s["seeds"] == [0, 1]
    # rerun: nothing is retrained or re-exported, the ready file gets no duplicates
    before = {k: (out / f"seed{k}" / "best.pt").stat().st_mtime_ns for k in (0, 1)}
    assert sd.main(args) == 0
    assert {k: (out / f"seed{k}" / "best.pt").stat().st_mtime_ns for k in (0, 1)} == before
    assert len(ready.read_text().splitlines()) == 2


def test_seeds_bad_arguments_one_line(tiny_ds, tmp_path):
    def run(*a):
        p = subprocess.run([sys.executable, "-m", "tools.seeds", *a], cwd=REPO,
                           capture_output=True, text=True)
        return p.returncode, p.stderr.strip().splitlines()

    rc, err = run("--seeds", "0", "--out", str(tmp_path / "o"), "--data", str(tmp_path / "none"))
    assert rc == 2 and len(err) == 1 and "no dataset.json" in err[0]
    rc, err = run("--seeds", "0", "0", "--out", str(tmp_path / "o"), "--data", str(tiny_ds))
    assert rc == 2 and len(err) == 1 and "repeated seed" in err[0]
    rc, err = run("--seeds", "0", "--out", str(tmp_path / "o"), "--data", str(tiny_ds), "--",
                  "--seeds", "3")
    assert rc == 2 and len(err) == 1 and "--seeds after --" in err[0]


def test_a_failing_seed_is_reported(tiny_ds, tmp_path):
    out = tmp_path / "bad"
    rc = sd.main(["--seeds", "0", "--out", str(out), "--data", str(tiny_ds), "--nice", "0", "--",
                  "--preset", "nonexistent"])
    assert rc == 1
    assert "unknown" in (out / "seed0" / "train.log").read_text()
    assert not (out / "READY.txt").exists()
