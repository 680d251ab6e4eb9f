"""tools.measure (ablation rows) and tools.bench (ms per tile) on tiny synthetic datasets:
figures against an independent per-tile computation, the held-out family measured at most
once per name, the held-out family refused as --data, bad input as one line with exit 2."""
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from tools import bench, measure
from tools import model as abn
from tools import train as tr
from tools.data import layout
from tools.data.loader import CrackDataset


def _write(root: Path, splits, held_out=False, seed=3):
    rng = np.random.default_rng(seed)
    w = layout.DatasetWriter(root)
    for split, n in splits:
        for i in range(n):
            label = i % 2
            img = np.clip(rng.normal(150, 20, (40, 40, 3)), 0, 255).astype(np.uint8)
            mask = None
            if label:
                mask = np.zeros((40, 40), np.uint8)
                r = int(rng.integers(5, 35))
                mask[r:r + 3, :] = 1
                img[mask > 0] = 30
            w.add(split, label, f"{split}{i:03d}", img, mask)
    desc = {"source": "synthetic", "generator": "tools/tests/test_measure.py", "seed": seed,
            "notes": "SYNTHETIC test tiles"}
    if held_out:
        desc.update(held_out=True, held_out_family="Z")
    return w.finish(desc)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    base = tmp_path_factory.mktemp("measure")
    own = _write(base / "own", (("train", 16), ("val", 10), ("test", 12)))
    held = _write(base / "held", (("test", 8),), held_out=True, seed=5)
    cfg = tr.TrainConfig(preset="tiny", data=str(own), out=str(base / "run"), seeds=(0,),
                         batch_size=8, max_epochs=1, patience=5, lr_fe=3e-3, lr_head=3e-3,
                         threads=1, progress=False, schedule="none", erase_p=0.0, lam=2.0,
                         theta_alpha=0.1)
    tr.train_one(cfg, 0)
    return own, held, base / "run/seed0/best.pt"


def _reference(model, ds):
    """Per tile, one at a time, with float64 log-softmax: (acc, ce_pb, ce_ab)."""
    ok, cpb, cab = 0, 0.0, 0.0
    with torch.no_grad():
        for i in range(len(ds)):
            x, y, _m, _h = ds[i]
            out = model(x[None])
            pb = out.pb_logits[0].double()
            ab = out.ab_logits[0].double()
            ok += int(int(pb.argmax()) == y)
            cpb -= float(pb[y] - torch.logsumexp(pb, 0))
            cab -= float(ab[y] - torch.logsumexp(ab, 0))
    return ok / len(ds), cpb / len(ds), cab / len(ds)


def test_split_figures_match_a_per_tile_reference(data):
    own, _held, ck = data
    model, _ = tr.load_checkpoint(ck)
    assert model.cfg.lam == 2.0 and model.cfg.theta_alpha == 0.1
    ds = CrackDataset(own, "val", model.cfg.image_size, train=False)
    m = measure.measure_split(model, ds, batch_size=4)
    acc, cpb, cab = _reference(model, ds)
    assert m["n"] == 10 and m["acc"] == pytest.approx(acc)
    assert m["ce_pb"] == pytest.approx(cpb, rel=1e-4) and m["ce_ab"] == pytest.approx(cab, rel=1e-4)
    assert m["loss"] == pytest.approx(cpb + 2.0 * cab, rel=1e-4)   # the model's own λ
    # the trainer's evaluate() reports the same loss and accuracy
    ev = tr.evaluate(model, ds, tr.TrainConfig(progress=False, batch_size=4))
    assert ev["acc"] == pytest.approx(m["acc"]) and ev["loss"] == pytest.approx(m["loss"], rel=1e-5)


def test_cli_rows_held_out_once_and_csv(data, tmp_path, capsys):
    own, held, ck = data
    out = tmp_path / "t.jsonl"
    assert measure.main(["--data", str(own), "--out", str(out), f"a={ck}"]) == 0
    row = measure.read_rows(out)["a"]
    assert "held_out" not in row
    assert (row["kind"], row["lam"], row["theta_alpha"], row["val"]["n"], row["test"]["n"]) == \
        ("checkpoint", 2.0, 0.1, 10, 12)
    assert row["best_epoch"] == 1 and row["epochs_run"] == 1
    hist = [json.loads(l) for l in (ck.parent / "metrics.jsonl").read_text().splitlines()]
    assert row["val_acc_last3_mean"] == pytest.approx(hist[-1]["val_acc"])
    assert set(row["blank_probe"]) >= {"p_black", "p_grey", "p_blur_mean"}
    assert measure.main(["--data", str(own), "--out", str(out), "--held-out", str(held),
                         f"a={ck}"]) == 0
    row2 = measure.read_rows(out)["a"]
    assert row2["held_out"]["n"] == 8 and row2["val"] == row["val"]
    # tamper with the stored held-out figure: a later call keeps it (measured once, never redone)
    first = row2["held_out"]["acc"]
    assert 0.0 <= first <= 1.0
    row2["held_out"]["acc"] = -1.0
    measure.write_rows(out, {"a": row2})
    assert measure.main(["--data", str(own), "--out", str(out), "--held-out", str(held),
                         f"a={ck}", f"b={ck}"]) == 0
    rows = measure.read_rows(out)
    assert rows["a"]["held_out"]["acc"] == -1.0
    assert rows["b"]["held_out"]["acc"] == pytest.approx(first)   # a new name is measured
    capsys.readouterr()
    assert measure.main(["--csv", str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split(",") == list(measure.CSV_COLUMNS) and len(lines) == 3
    assert lines[1].split(",")[measure.CSV_COLUMNS.index("held_out_acc")] == "-1.0"
    assert measure.main(["--markdown", str(out)]) == 0
    md = capsys.readouterr().out.strip().splitlines()
    assert len(md) == 4 and md[0].count("|") == len(measure.MD_HEADER) + 1
    cells = [c.strip() for c in md[2].strip("|").split("|")]
    assert cells[0] == "a" and cells[1] == "2" and cells[2] == "0.1" and cells[3] == "1 / 1"
    assert cells[8] == "-1.000" and cells[4] == f"{rows['a']['val']['acc']:.3f}"


@pytest.mark.parametrize("args,needle", [
    (["--data", "{held}", "--out", "{tmp}/x.jsonl", "a={ck}"], "held-out style family"),
    (["--data", "{own}", "--out", "{tmp}/x.jsonl", "nameonly"], "expected NAME=PATH"),
    (["--data", "{own}", "--out", "{tmp}/x.jsonl", "a={tmp}/missing.pt"], "no such bundle"),
    (["--data", "{own}", "a={ck}"], "give --data, --out"),
])
def test_bad_input_one_line_exit_2(data, tmp_path, capsys, args, needle):
    own, held, ck = data
    args = [a.format(own=own, held=held, ck=ck, tmp=tmp_path) for a in args]
    assert measure.main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and needle in err[0], err


def test_mcnemar_exact_values_and_cli(data, tmp_path, capsys):
    # b = 0, c = 6: p = 2 / 2^6; b = 1, c = 9: p = 2 · (1 + 10) / 2^10; no discordant tiles: 1
    r = measure.mcnemar("111111" + "0" * 4, "000000" + "0" * 4)
    assert (r["only_a"], r["only_b"], r["p"]) == (6, 0, pytest.approx(2 / 64))
    r = measure.mcnemar("1" + "0" * 9 + "11", "0" + "1" * 9 + "11")
    assert (r["only_a"], r["only_b"]) == (1, 9) and r["p"] == pytest.approx(22 / 1024)
    assert r["diff_b_minus_a"] == pytest.approx(8 / 12)
    assert measure.mcnemar("1010", "1010")["p"] == 1.0
    from scipy.stats import binomtest
    assert measure.mcnemar("1" * 3 + "0" * 17, "0" * 3 + "1" * 17)["p"] == \
        pytest.approx(binomtest(3, 20).pvalue)
    with pytest.raises(measure.UsageError):
        measure.mcnemar("10", "101")
    own, _held, ck = data
    out = tmp_path / "c.jsonl"
    assert measure.main(["--data", str(own), "--out", str(out), f"a={ck}", f"b={ck}"]) == 0
    row = measure.read_rows(out)["a"]
    assert len(row["val"]["correct"]) == 10 and row["val"]["correct"].count("1") == \
        round(row["val"]["acc"] * 10)
    capsys.readouterr()
    assert measure.main(["--out", str(out), "--compare", "a", "b"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert (r["only_a"], r["only_b"], r["p"], r["split"]) == (0, 0, 1.0, "val")
    assert measure.main(["--out", str(out), "--compare", "a", "zz"]) == 2


def test_percentile_matches_numpy():
    rng = np.random.default_rng(0)
    for n in (1, 2, 7, 20):
        xs = list(rng.random(n))
        for q in (0, 10, 50, 90, 100):
            assert bench.percentile(xs, q) == pytest.approx(float(np.percentile(xs, q)))
    with pytest.raises(ValueError):
        bench.percentile([], 50)


def test_bench_figures_are_consistent(capsys):
    res = bench.bench(["tiny", "tiny"], batch=4, rounds=3, warmup=1, threads=1)
    assert [r["preset"] for r in res] == ["tiny", "tiny"]
    for r in res:
        assert r["ms_per_batch_median"] > 0 and r["batch"] == 4
        assert r["ms_per_tile_median"] == pytest.approx(r["ms_per_batch_median"] / 4)
        assert r["ms_per_tile_p10"] <= r["ms_per_tile_median"] <= r["ms_per_tile_p90"]
        assert r["parameters"] == abn.count_parameters(abn.build("tiny"))
        assert r["cpu_ms_per_tile_p10"] <= r["cpu_ms_per_tile_median"] <= r["cpu_ms_per_tile_p90"]
        assert r["cpu_ms_per_tile_median"] > 0
    assert bench.main(["--preset", "tiny", "--batch", "2", "--rounds", "2", "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith("# torch") and "1 thread(s), batch 2" in out[0]
    r = json.loads(out[1])
    assert r["preset"] == "tiny" and math.isfinite(r["ms_per_tile_median"])
    assert bench.main(["--preset", "nope"]) == 2
    assert bench.main(["--batch", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(e.startswith("error:") for e in err)
