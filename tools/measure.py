"""Measure trained models for an ablation table (SYNTHETIC data in this project).

    /usr/bin/python3 -m tools.measure --data data/families --out table.jsonl \\
        shipped=models/edge-synthetic lam0.5=runs/abl/lam0.5/seed0/best.pt
    /usr/bin/python3 -m tools.measure --data data/families --out table.jsonl \\
        --held-out data/families-heldout-B shipped=models/edge-synthetic ...
    /usr/bin/python3 -m tools.measure --csv table.jsonl > table.csv

Each NAME=PATH is a bundle directory (read back by tools/recover.py) or a training checkpoint
(best.pt). Per model and split it measures, in eval mode: PB and AB accuracy, the mean
cross-entropy of each branch, and L = CE(PB) + λ·CE(AB) with the model's own λ (the training
loss: not comparable across λ, CE(PB) is), and the blank-tile probe of ``tools.train``
(p(crack) of a black and a grey tile and of blurred test tiles). When PATH is a checkpoint its
run's result.json adds the best / last epoch and the training config, and its metrics.jsonl
the mean val accuracy of the last three epochs (less noisy than one epoch's) and the median
seconds per epoch.

Model choices are made on ``val``. The held-out style family is measured only when
``--held-out`` is given, and at most once per name: a name whose row in ``--out`` already has
held-out figures keeps them (rows are appended and reused, so an interrupted run resumes and
the held-out family is never re-measured to pick a different model). ``--compare A B``
prints the paired difference of two rows on the val tiles with an exact McNemar test.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from tools import model as abn
from tools import train
from tools.data.loader import CrackDataset


class UsageError(Exception):
    """Bad input: one line, exit status 2."""


def load_model(path: Path) -> Tuple[abn.ABN, Dict]:
    """(model in eval mode, info) from a bundle directory or a training checkpoint."""
    path = Path(path)
    if path.is_dir():
        from tools import recover
        try:
            model, manifest, sha = recover.from_bundle(path)
        except recover.RecoverError as e:
            raise UsageError(f"{path}: {e}")
        model.eval()
        return model, {"kind": "bundle", "abn_onnx_sha256": sha}
    if not path.is_file():
        raise UsageError(f"{path}: no such bundle or checkpoint")
    try:
        model, ck = train.load_checkpoint(path)
    except (ValueError, RuntimeError, KeyError) as e:
        raise UsageError(f"{path}: {e}")
    info = {"kind": "checkpoint", "epoch": ck.get("epoch")}
    res = path.parent / "result.json"
    if res.is_file():
        r = json.loads(res.read_text())
        tc = r.get("train_config", {})
        info.update(best_epoch=r.get("best_epoch"), epochs_run=r.get("epochs_run"),
                    stopped_early=r.get("stopped_early"),
                    stopped_by_time_budget=r.get("stopped_by_time_budget"),
                    wall_seconds=r.get("wall_seconds"),
                    train={k: tc.get(k) for k in ("lr_fe", "lr_head", "schedule", "max_epochs",
                                                  "patience", "blank_p", "erase_p", "rotate_fill",
                                                  "init", "freeze_bn", "seeds")})
    mpath = path.parent / "metrics.jsonl"
    if mpath.is_file():
        hist = [json.loads(l) for l in mpath.read_text().splitlines() if l.strip()]
        if hist:
            last3 = [h["val_acc"] for h in hist[-3:]]
            info.update(val_acc_last=hist[-1]["val_acc"], val_acc_last3_mean=sum(last3) / len(last3),
                        train_acc_last=hist[-1].get("train_acc_pb"),
                        seconds_per_epoch_median=sorted(h["seconds"] for h in hist)[len(hist) // 2])
    return model, info


@torch.no_grad()
def measure_split(model: abn.ABN, ds: CrackDataset, batch_size: int = 64) -> Dict:
    """Accuracy and mean cross-entropy of both branches over a split (model in eval mode)."""
    model.eval()
    n, ce_pb, ce_ab, ok_pb, ok_ab = 0, 0.0, 0.0, 0, 0
    correct: List[str] = []
    dl = torch.utils.data.DataLoader(ds, batch_size=batch_size, shuffle=False)
    for x, y, _m, _hm in dl:
        out = model(x)
        ce_pb += float(F.cross_entropy(out.pb_logits, y, reduction="sum"))
        ce_ab += float(F.cross_entropy(out.ab_logits, y, reduction="sum"))
        hit = out.pb_logits.argmax(1) == y
        correct.extend("1" if h else "0" for h in hit.tolist())
        ok_pb += int(hit.sum())
        ok_ab += int((out.ab_logits.argmax(1) == y).sum())
        n += int(y.shape[0])
    if n == 0:
        raise UsageError("empty split")
    lam = model.cfg.lam
    # "correct": the PB's hit (1) or miss (0) per tile in the split's fixed order, for paired
    # comparisons of two models on the same tiles (mcnemar)
    return {"acc": ok_pb / n, "acc_ab": ok_ab / n, "ce_pb": ce_pb / n, "ce_ab": ce_ab / n,
            "loss": (ce_pb + lam * ce_ab) / n, "n": n, "correct": "".join(correct)}


def mcnemar(correct_a: str, correct_b: str) -> Dict:
    """Exact two-sided McNemar test of two models on the same tiles: b = tiles only A gets
    right, c = tiles only B gets right; p = P(min(b, c) or fewer of b + c fair coin flips, ×2)."""
    if len(correct_a) != len(correct_b) or not correct_a:
        raise UsageError(f"paired comparison needs the same tiles ({len(correct_a)} vs "
                         f"{len(correct_b)})")
    b = sum(1 for x, y in zip(correct_a, correct_b) if x == "1" and y == "0")
    c = sum(1 for x, y in zip(correct_a, correct_b) if x == "0" and y == "1")
    m = b + c
    tail = sum(math.comb(m, k) for k in range(min(b, c) + 1)) / 2 ** m if m else 1.0
    n = len(correct_a)
    return {"n": n, "only_a": b, "only_b": c, "diff_b_minus_a": (c - b) / n,
            "p": min(1.0, 2 * tail)}


def measure(name: str, path: Path, data: Path, held_out: Optional[Path],
            previous: Optional[Dict] = None) -> Dict:
    """One table row. ``previous`` (this name's earlier row) supplies figures already
    measured; held-out figures in it are kept, never re-measured."""
    row = dict(previous or {})
    model, info = load_model(path)
    size = model.cfg.image_size
    if "val" not in row or "test" not in row:
        row.update(name=name, path=train.portable_path(path), data=train.portable_path(data),
                   preset=model.cfg.preset, lam=model.cfg.lam, theta_alpha=model.cfg.theta_alpha,
                   parameters=abn.count_parameters(model), **info)
        val = CrackDataset(data, "val", size, train=False)
        test = CrackDataset(data, "test", size, train=False)
        row["val"] = measure_split(model, val)
        row["test"] = measure_split(model, test)
        row["blank_probe"] = train.blank_probe(model, test)
    if held_out is not None and "held_out" not in row:
        ds = CrackDataset(held_out, "test", size, train=False)
        row["held_out"] = dict(measure_split(model, ds), data=train.portable_path(held_out),
                               measured_utc=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    return row


def read_rows(path: Path) -> Dict[str, Dict]:
    rows: Dict[str, Dict] = {}
    if path.is_file():
        for i, line in enumerate(path.read_text().splitlines(), 1):
            if line.strip():
                try:
                    r = json.loads(line)
                except json.JSONDecodeError as e:
                    raise UsageError(f"{path}:{i}: not JSON ({e})")
                rows[r["name"]] = r
    return rows


def write_rows(path: Path, rows: Dict[str, Dict]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(json.dumps(r) + "\n" for r in rows.values()))
    tmp.replace(path)


CSV_COLUMNS = ("name", "preset", "parameters", "lam", "theta_alpha", "best_epoch", "epochs_run",
               "val_acc_last3_mean", "seconds_per_epoch_median", "val_acc", "val_ce_pb", "val_loss", "test_acc", "test_ce_pb", "held_out_acc",
               "held_out_ce_pb", "p_black", "p_grey", "p_blur_mean", "p_blur_max")


def flat(row: Dict) -> Dict:
    """One CSV line of a row (4 decimals; empty where not measured)."""
    def r4(v):
        return "" if v is None else (round(v, 4) if isinstance(v, float) else v)
    p = row.get("blank_probe", {})
    h = row.get("held_out", {})
    out = {"name": row["name"], "preset": row.get("preset"), "parameters": row.get("parameters"),
           "lam": row.get("lam"), "theta_alpha": row.get("theta_alpha"),
           "best_epoch": row.get("best_epoch", row.get("epoch")), "epochs_run": row.get("epochs_run"),
           "val_acc_last3_mean": row.get("val_acc_last3_mean"),
           "seconds_per_epoch_median": row.get("seconds_per_epoch_median"),
           "val_acc": row["val"]["acc"], "val_ce_pb": row["val"]["ce_pb"],
           "val_loss": row["val"]["loss"], "test_acc": row["test"]["acc"],
           "test_ce_pb": row["test"]["ce_pb"], "held_out_acc": h.get("acc"),
           "held_out_ce_pb": h.get("ce_pb"), "p_black": p.get("p_black"),
           "p_grey": p.get("p_grey"), "p_blur_mean": p.get("p_blur_mean"),
           "p_blur_max": p.get("p_blur_max")}
    return {k: r4(out[k]) for k in CSV_COLUMNS}


MD_HEADER = ("row", "λ", "θα", "best / run epochs", "val acc", "val acc, last 3 epochs",
             "val CE(PB)", "own test acc",
             "held-out B acc", "p black", "p grey", "p blur mean / max")


def markdown_line(f: Dict) -> str:
    """One markdown table line of a ``flat`` row (3 decimals; — where not measured)."""
    def d3(v):
        return "—" if v == "" or v is None else f"{v:.3f}"
    ep = "—" if f["best_epoch"] in ("", None) else f"{f['best_epoch']} / {f['epochs_run']}"
    cells = [f["name"], f"{f['lam']:g}", f"{f['theta_alpha']:g}", ep, d3(f["val_acc"]),
             d3(f["val_acc_last3_mean"]), d3(f["val_ce_pb"]), d3(f["test_acc"]), d3(f["held_out_acc"]), d3(f["p_black"]),
             d3(f["p_grey"]), f"{d3(f['p_blur_mean'])} / {d3(f['p_blur_max'])}"]
    return "| " + " | ".join(cells) + " |"


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m tools.measure", description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="*", metavar="NAME=PATH", help="bundle directory or best.pt")
    ap.add_argument("--data", help="dataset root whose val and test splits are measured")
    ap.add_argument("--held-out", default=None,
                    help="held-out style family (test split); measured once per name")
    ap.add_argument("--out", help="JSONL table: rows are reused and updated")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--csv", metavar="JSONL", help="only print the JSONL table as CSV")
    ap.add_argument("--markdown", metavar="JSONL", help="only print the JSONL table as markdown")
    ap.add_argument("--compare", nargs=2, metavar=("A", "B"),
                    help="only print the paired val comparison of rows A and B of --out "
                         "(exact McNemar test); --split test for the test split")
    ap.add_argument("--split", default="val", choices=("val", "test"), help="with --compare")
    a = ap.parse_args(argv)
    try:
        if a.markdown:
            rows = read_rows(Path(a.markdown))
            if not rows:
                raise UsageError(f"--markdown {a.markdown}: no rows")
            print("| " + " | ".join(MD_HEADER) + " |")
            print("|" + "---|" * len(MD_HEADER))
            for r in rows.values():
                print(markdown_line(flat(r)))
            return 0
        if a.compare:
            if not a.out:
                raise UsageError("--compare needs --out (the JSONL table)")
            rows = read_rows(Path(a.out))
            for nm in a.compare:
                if nm not in rows:
                    raise UsageError(f"--compare: no row {nm!r} in {a.out}")
            ra, rb = (rows[nm][a.split] for nm in a.compare)
            r = mcnemar(ra["correct"], rb["correct"])
            r.update(a=a.compare[0], b=a.compare[1], split=a.split, acc_a=ra["acc"], acc_b=rb["acc"],
                     ce_pb_a=ra["ce_pb"], ce_pb_b=rb["ce_pb"])
            print(json.dumps(r))
            return 0
        if a.csv:
            rows = read_rows(Path(a.csv))
            if not rows:
                raise UsageError(f"--csv {a.csv}: no rows")
            w = csv.DictWriter(sys.stdout, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
            w.writeheader()
            for r in rows.values():
                w.writerow(flat(r))
            return 0
        if not a.models or not a.data or not a.out:
            raise UsageError("give --data, --out and at least one NAME=PATH")
        torch.set_num_threads(max(1, a.threads))
        data = Path(a.data)
        try:
            train.check_data(data, allow_held_out=False, splits=("val", "test"))
            held = None
            if a.held_out:
                held = Path(a.held_out)
                train.check_data(held, allow_held_out=True, splits=("test",))
        except train.UsageError as e:
            raise UsageError(str(e))
        pairs: List[Tuple[str, Path]] = []
        for item in a.models:
            name, sep, p = item.partition("=")
            if not sep or not name or not p:
                raise UsageError(f"{item!r}: expected NAME=PATH")
            pairs.append((name, Path(p)))
        out = Path(a.out)
        rows = read_rows(out)
        for name, p in pairs:
            rows[name] = measure(name, p, data, held, rows.get(name))
            write_rows(out, rows)
            f = flat(rows[name])
            print(" ".join(f"{k}={f[k]}" for k in CSV_COLUMNS), flush=True)
        return 0
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
