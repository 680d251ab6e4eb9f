"""Train the ABN (tools/model.py) with the paper's settings (method.md §2, Table 1).

    /usr/bin/python3 -m tools.train --preset edge --data data/synth --out runs/edge --seeds 0

Loss L = CE(PB) + λ·CE(AB) (eq. 6, ``model.abn_loss``); AdamW with two learning-rate groups
(``model.param_groups``: feature extractor and PB blocks 1e-4, attention branch and the linear
layer 1e-3); batch 64; up to 300 epochs; early stop when the validation loss has not improved
for 4 epochs; the reported figure is the test accuracy of the checkpoint with the lowest
validation loss. Several ``--seeds`` give several runs and a mean ± std summary (the paper
reports 5 runs).

Outputs, per seed, in ``<out>/seed<k>/``:

    best.pt         lowest validation loss (what gets exported)
    last.pt         end of the latest epoch, with optimizer / RNG / early-stop state (--resume)
    metrics.jsonl   one JSON object per epoch
    metrics.csv     the same as CSV
    result.json     test accuracy at best.pt, best epoch, wall time, command
    curves.png      loss / accuracy curves (when matplotlib is importable)

and ``<out>/summary.json`` over the seeds. See docs/training.md for the checkpoint keys.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from torch.utils.data import DataLoader

from tools import model as abn
from tools.data import layout
from tools.data.loader import AugmentConfig, CrackDataset, epoch_generator, seed_worker

REPO_ROOT = Path(__file__).resolve().parent.parent
CHECKPOINT_FORMAT = 1


# ----------------------------------------------------------------------------- hyper-parameters
@dataclass
class TrainConfig:
    preset: str = "edge"            # tools/model.py PRESETS: paper | edge | edge-wide | tiny
    data: str = "data/synth"        # dataset root in the shared layout (docs/architecture.md)
    out: str = "runs/edge"          # run directory; one sub-directory per seed
    seeds: Tuple[int, ...] = (0,)   # one training run per seed; the paper reports 5 runs
    batch_size: int = 64            # Table 1
    max_epochs: int = 300           # Table 1: "up to 300 epochs"
    patience: int = 4               # Table 1: stop after 4 epochs without val-loss improvement
    lr_fe: float = 1e-4             # Table 1: feature extractor (and the PB's bottlenecks)
    lr_head: float = 1e-3           # Table 1: attention branch and the linear layer
    weight_decay: float = 0.01      # AdamW's default; the paper does not give one
    lam: Optional[float] = None     # λ of eq. 6; None = the preset's (1.0)
    theta_alpha: Optional[float] = None  # θα; None = the preset's (0.3)
    augment: bool = True            # flips, rotations, crops (tools/data/loader.py)
    rotate_fill: str = "black"      # rotation corners: black (torchvision default) | reflect
    max_angle: float = 30.0         # rotation range ±degrees (beside the k·90° turns)
    erase_p: float = 0.5            # occlusion probability (black / blur / noise rectangle)
    blank_p: float = 0.0            # no_crack → featureless tile probability
    schedule: str = "plateau"       # LR schedule: none | plateau | cosine (not in the paper)
    plateau_factor: float = 0.3     # plateau: multiply both LRs by this …
    plateau_patience: int = 1       # … after more than this many epochs without a lower val loss
    min_lr_fraction: float = 0.01   # floor of both LRs, as a fraction of the initial ones
    limit_train: Optional[int] = None  # use only N training samples (smoke runs)
    limit_eval: Optional[int] = None   # use only N val / test samples (smoke runs)
    threads: int = 2                # torch intra-op threads
    workers: int = 0                # DataLoader worker processes (0 = load in the main process)
    progress: bool = True           # progress bar on stderr
    allow_held_out: bool = False    # train on a held-out style family (tools.data.families)
    max_minutes: Optional[float] = None  # wall-clock budget of this process (not an epoch cap)
    init: Optional[str] = None      # start from these weights: a bundle directory or a best.pt
    freeze_bn: Optional[bool] = None  # keep BatchNorm statistics fixed (default: on with --init BUNDLE)

    def to_dict(self) -> Dict:
        d = asdict(self)
        d["seeds"] = list(self.seeds)
        return d


# ----------------------------------------------------------------------------- utilities
class UsageError(Exception):
    """Bad input: reported as one line, exit status 2."""


def code_revision() -> str:
    """``git rev-parse HEAD`` of the repository holding this file, "-dirty" appended when a
    tracked file differs from HEAD; "unknown" outside git."""
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                             text=True, timeout=20)
        if rev.returncode != 0:
            return "unknown"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=REPO_ROOT, capture_output=True, text=True, timeout=20)
        return rev.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def portable_path(p: Path) -> str:
    """The path relative to the repository (or as given) — no absolute machine paths in the
    provenance that ends up in committed bundles."""
    p = Path(p)
    try:
        return str(p.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(p)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2 ** 32)
    torch.manual_seed(seed)


def rng_state() -> Dict:
    return {"python": random.getstate(), "numpy": np.random.get_state(),
            "torch": torch.get_rng_state()}


def set_rng_state(s: Dict) -> None:
    random.setstate(s["python"])
    np.random.set_state(s["numpy"])
    torch.set_rng_state(s["torch"])


class Progress:
    """A one-line progress bar on stderr (redrawn in place on a terminal, every 25 % otherwise)."""

    def __init__(self, total: int, label: str, enabled: bool = True, tty_only: bool = False):
        self.tty = sys.stderr.isatty()
        self.total, self.label = max(total, 1), label
        self.enabled = enabled and (self.tty or not tty_only)
        self.t0 = time.time()
        self.last_quarter = -1

    def update(self, done: int, info: str = "") -> None:
        if not self.enabled:
            return
        frac = done / self.total
        if not self.tty:  # a log file: one line at 25 %, 50 %, 75 %, 100 %
            q = int(frac * 4)
            if q == 0 or q <= self.last_quarter:
                return
            self.last_quarter = q
        width = 24
        bar = "#" * int(frac * width) + "." * (width - int(frac * width))
        el = time.time() - self.t0
        eta = el / max(done, 1) * (self.total - done)
        line = f"{self.label} [{bar}] {done}/{self.total} {el:5.0f}s eta {eta:4.0f}s {info}"
        sys.stderr.write(("\r" + line) if self.tty else (line + "\n"))
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.tty:
            sys.stderr.write("\n")
            sys.stderr.flush()


# ----------------------------------------------------------------------------- data
def check_data(root: Path, allow_held_out: bool = False, splits=layout.SPLITS) -> Dict:
    """dataset.json content; UsageError naming the problem when the root is not usable.
    A held-out style family (dataset.json ``"held_out": true``, tools/data/families.py) is
    refused unless ``allow_held_out``: it is test data that training must never see."""
    if not root.is_dir():
        raise UsageError(f"--data {root}: no such directory")
    try:
        desc = layout.read_description(root)
    except FileNotFoundError as e:
        raise UsageError(str(e))
    except json.JSONDecodeError as e:
        raise UsageError(f"{root / 'dataset.json'}: not valid JSON ({e})")
    if desc.get("held_out") and not allow_held_out:
        raise UsageError(f"--data {root}: held-out style family {desc.get('held_out_family')!r} "
                         "(test data); training refuses it unless --allow-held-out")
    for split in splits:
        labels = {s.label for s in layout.list_samples(root, split)}
        if not labels:
            raise UsageError(f"--data {root}: split {split!r} has no images")
        if split == "train" and labels != {0, 1}:
            raise UsageError(f"--data {root}: the train split needs both classes, found "
                             f"{[layout.CLASSES[i] for i in sorted(labels)]}")
    return desc


def augment_config(cfg: TrainConfig) -> AugmentConfig:
    if not cfg.augment:
        return AugmentConfig.none()
    return AugmentConfig(max_angle=cfg.max_angle, rotate_fill=cfg.rotate_fill,
                         erase_p=cfg.erase_p, blank_p=cfg.blank_p)


def make_scheduler(cfg: TrainConfig, opt: torch.optim.Optimizer):
    """The LR schedule (the paper gives none). ``plateau``: both LRs × plateau_factor when the
    validation loss has not improved for more than plateau_patience epochs; ``cosine``: cosine
    decay over max_epochs; both floored at min_lr_fraction of the start. The early stop (on the
    validation loss, --patience) ends the run, not the schedule. None for ``none``."""
    mins = [g["lr"] * cfg.min_lr_fraction for g in opt.param_groups]
    if cfg.schedule == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            opt, mode="min", factor=cfg.plateau_factor, patience=cfg.plateau_patience,
            min_lr=mins)
    if cfg.schedule == "cosine":
        return torch.optim.lr_scheduler.LambdaLR(opt, lambda e: max(
            cfg.min_lr_fraction, 0.5 * (1 + math.cos(math.pi * min(e, cfg.max_epochs) /
                                                     cfg.max_epochs))))
    return None


def make_loaders(cfg: TrainConfig, mcfg: abn.ABNConfig, seed: int):
    root = Path(cfg.data)
    aug = augment_config(cfg)
    train = CrackDataset(root, "train", mcfg.image_size, train=True, seed=seed,
                         augment_config=aug, limit=cfg.limit_train)
    val = CrackDataset(root, "val", mcfg.image_size, train=False, seed=seed, limit=cfg.limit_eval)
    test = CrackDataset(root, "test", mcfg.image_size, train=False, seed=seed, limit=cfg.limit_eval)
    return train, val, test


def loader(ds: CrackDataset, cfg: TrainConfig, shuffle: bool, seed: int, epoch: int) -> DataLoader:
    return DataLoader(ds, batch_size=cfg.batch_size, shuffle=shuffle,
                      generator=epoch_generator(seed, epoch) if shuffle else None,
                      num_workers=cfg.workers, worker_init_fn=seed_worker if cfg.workers else None,
                      drop_last=False)


@torch.no_grad()
def evaluate(model: abn.ABN, ds: CrackDataset, cfg: TrainConfig, label: str = "eval") -> Dict:
    """Mean loss (eq. 6) and PB / AB accuracy over a split, model in eval mode."""
    model.eval()
    n, loss_sum, pb_ok, ab_ok = 0, 0.0, 0, 0
    dl = loader(ds, cfg, shuffle=False, seed=0, epoch=0)
    bar = Progress(len(dl), label, cfg.progress, tty_only=True)
    for i, (x, y, _m, _hm) in enumerate(dl, 1):
        out = model(x)
        loss = abn.abn_loss(out, y, model.cfg.lam)
        b = y.shape[0]
        n += b
        loss_sum += float(loss) * b
        pb_ok += int((out.pb_logits.argmax(1) == y).sum())
        ab_ok += int((out.ab_logits.argmax(1) == y).sum())
        bar.update(i)
    bar.close()
    return {"loss": loss_sum / max(n, 1), "acc": pb_ok / max(n, 1), "acc_ab": ab_ok / max(n, 1),
            "n": n}


# ----------------------------------------------------------------------------- checkpoints
def save_atomic(obj: Dict, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def torch_load(path: Path) -> Dict:
    """torch.load of our own checkpoints (they hold RNG states and dicts, not only tensors;
    torch ≥ 2.6 defaults to weights_only=True)."""
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:  # an old torch without weights_only
        return torch.load(path, map_location="cpu")


def load_checkpoint(path: Path) -> Tuple[abn.ABN, Dict]:
    """(model in eval mode, checkpoint dict) from a best.pt / last.pt."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such checkpoint")
    ckpt = torch_load(path)
    if not isinstance(ckpt, dict) or "model" not in ckpt or "config" not in ckpt:
        raise ValueError(f"{path}: not a CrackCam training checkpoint")
    model = abn.ABN(abn.ABNConfig.from_dict(ckpt["config"]))
    model.load_state_dict(ckpt["model"])
    model.eval()
    return model, ckpt


def write_metrics(run_dir: Path, history: List[Dict]) -> None:
    with open(run_dir / "metrics.jsonl", "w") as f:
        for row in history:
            f.write(json.dumps(row) + "\n")
    if history:
        with open(run_dir / "metrics.csv", "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(history[0].keys()))
            w.writeheader()
            w.writerows(history)


# ----------------------------------------------------------------------------- training
def load_init(model: abn.ABN, src: Path) -> Dict:
    """Copy weights into ``model`` from a bundle directory (its abn.onnx, read back by
    tools/recover.py: BatchNorms folded into the convs, so fine-tune with frozen BN statistics)
    or from a training checkpoint; the model configs must match."""
    if src.is_dir():
        from tools import recover
        try:
            other, manifest, sha = recover.from_bundle(src)
        except recover.RecoverError as e:
            raise UsageError(f"--init {src}: {e}")
        info = {"path": portable_path(src), "kind": "bundle", "abn_onnx_sha256": sha,
                "name": manifest.get("name")}
    elif src.is_file():
        try:
            other, ck = load_checkpoint(src)
        except ValueError as e:
            raise UsageError(f"--init {src}: {e}")
        info = {"path": portable_path(src), "kind": "checkpoint", "epoch": ck.get("epoch")}
    else:
        raise UsageError(f"--init {src}: no such bundle or checkpoint")
    a, b = other.cfg.to_dict(), model.cfg.to_dict()
    if a != b:
        diff = sorted(k for k in b if a.get(k) != b[k])
        raise UsageError(f"--init {src}: model config differs ({', '.join(diff)})")
    model.load_state_dict(other.state_dict())
    return info


def train_one(cfg: TrainConfig, seed: int, resume: Optional[Path] = None,
              data_desc: Optional[Dict] = None) -> Dict:
    """Train one seed; returns the result dict (also written to <out>/seed<k>/result.json)."""
    t_start = time.time()
    root = Path(cfg.data)
    if data_desc is None:
        data_desc = check_data(root, cfg.allow_held_out)
    run_dir = Path(cfg.out) / f"seed{seed}"
    run_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(max(1, cfg.threads))
    cv2.setNumThreads(1)  # tiles are small; leave the cores to torch
    seed_everything(seed)

    overrides = {}
    if cfg.lam is not None:
        overrides["lam"] = cfg.lam
    if cfg.theta_alpha is not None:
        overrides["theta_alpha"] = cfg.theta_alpha
    try:
        model = abn.build(cfg.preset, **overrides)
    except ValueError as e:
        raise UsageError(str(e))
    init_info = None
    if cfg.init is not None and resume is None:
        init_info = load_init(model, Path(cfg.init))
    freeze_bn = cfg.freeze_bn if cfg.freeze_bn is not None else (
        cfg.init is not None and Path(cfg.init).is_dir())
    opt = torch.optim.AdamW(model.param_groups(cfg.lr_fe, cfg.lr_head),
                            weight_decay=cfg.weight_decay)
    sched = make_scheduler(cfg, opt)
    train_ds, val_ds, test_ds = make_loaders(cfg, model.cfg, seed)

    start_epoch, best_loss, best_epoch, bad_epochs = 1, math.inf, 0, 0
    history: List[Dict] = []
    wall_before = 0.0
    if resume is not None:
        prev_model, ck = load_checkpoint(resume)
        if "optimizer" not in ck:
            raise UsageError(f"--resume {resume}: not a last.pt (no optimizer state)")
        if ck["config"] != model.cfg.to_dict():
            raise UsageError(f"--resume {resume}: model config differs from this run's "
                             f"(preset {ck['config'].get('preset')})")
        if ck["seed"] != seed:
            raise UsageError(f"--resume {resume}: checkpoint seed {ck['seed']} != {seed}")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        if sched is not None and ck.get("scheduler") is not None:
            sched.load_state_dict(ck["scheduler"])
            if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
                # the options of this command win over the saved ones
                sched.patience, sched.factor = cfg.plateau_patience, cfg.plateau_factor
        elif sched is None:
            for g, lr in zip(opt.param_groups, (cfg.lr_fe, cfg.lr_head)):
                g["lr"] = lr
        st = ck["early_stop"]
        best_loss, best_epoch, bad_epochs = st["best_val_loss"], st["best_epoch"], st["bad_epochs"]
        start_epoch = ck["epoch"] + 1
        history = list(ck.get("history", []))
        wall_before = float(ck.get("wall_seconds", 0.0))
        set_rng_state(ck["rng"])
        print(f"[seed {seed}] resumed from {resume} at epoch {ck['epoch']} "
              f"(best val loss {best_loss:.4f} at epoch {best_epoch}, {bad_epochs} bad epochs)",
              file=sys.stderr)

    meta = {
        "format": CHECKPOINT_FORMAT,
        "config": model.cfg.to_dict(),
        "preset": model.cfg.preset,
        "seed": seed,
        "code_revision": code_revision(),
        "data": {"path": portable_path(root), "description": data_desc},
        "train_config": cfg.to_dict(),
        "augment": augment_config(cfg).to_dict() if cfg.augment else None,
        "counts": {"train": len(train_ds), "val": len(val_ds), "test": len(test_ds)},
        "init": init_info if init_info is not None else (
            {"path": cfg.init} if cfg.init is not None else None),
        "freeze_bn": freeze_bn,
    }
    lam = model.cfg.lam
    print(f"[seed {seed}] preset {model.cfg.preset} ({abn.count_parameters(model) / 1e6:.2f} M "
          f"parameters), train/val/test {len(train_ds)}/{len(val_ds)}/{len(test_ds)}, "
          f"lr FE {cfg.lr_fe:g} head {cfg.lr_head:g}, λ {lam:g}, θα {model.cfg.theta_alpha:g}",
          file=sys.stderr)

    stopped_early = bad_epochs >= cfg.patience
    stopped_by_time = False
    epoch = start_epoch - 1
    for epoch in range(start_epoch, cfg.max_epochs + 1):
        if bad_epochs >= cfg.patience:
            break
        t0 = time.time()
        model.train()
        if freeze_bn:
            for m in model.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.eval()
        train_ds.set_epoch(epoch)
        dl = loader(train_ds, cfg, shuffle=True, seed=seed, epoch=epoch)
        bar = Progress(len(dl), f"[seed {seed}] epoch {epoch}", cfg.progress)
        n, loss_sum, pb_ok, ab_ok = 0, 0.0, 0, 0
        for i, (x, y, _m, _hm) in enumerate(dl, 1):
            out = model(x)
            loss = abn.abn_loss(out, y, lam)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            b = y.shape[0]
            n += b
            loss_sum += float(loss) * b
            pb_ok += int((out.pb_logits.argmax(1) == y).sum())
            ab_ok += int((out.ab_logits.argmax(1) == y).sum())
            bar.update(i, f"loss {loss_sum / n:.4f} acc {pb_ok / n:.3f}")
        bar.close()
        val = evaluate(model, val_ds, cfg, f"[seed {seed}] val {epoch}")
        seconds = time.time() - t0
        row = {"epoch": epoch, "train_loss": loss_sum / n, "train_acc_pb": pb_ok / n,
               "train_acc_ab": ab_ok / n, "val_loss": val["loss"], "val_acc": val["acc"],
               "val_acc_ab": val["acc_ab"], "lr_fe": opt.param_groups[0]["lr"],
               "lr_head": opt.param_groups[1]["lr"], "seconds": round(seconds, 3)}
        history.append(row)
        if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
            sched.step(val["loss"])
        elif sched is not None:
            sched.step()
        improved = val["loss"] < best_loss
        if improved:
            best_loss, best_epoch, bad_epochs = val["loss"], epoch, 0
        else:
            bad_epochs += 1
        state = dict(meta, model=model.state_dict(), epoch=epoch, val_loss=val["loss"],
                     val_acc=val["acc"], test_accuracy=None, history=history)
        if improved:
            save_atomic(state, run_dir / "best.pt")
        save_atomic(dict(state, optimizer=opt.state_dict(), rng=rng_state(),
                         scheduler=sched.state_dict() if sched is not None else None,
                         early_stop={"best_val_loss": best_loss, "best_epoch": best_epoch,
                                     "bad_epochs": bad_epochs},
                         wall_seconds=wall_before + time.time() - t_start),
                    run_dir / "last.pt")
        write_metrics(run_dir, history)
        print(f"[seed {seed}] epoch {epoch:3d}  train loss {row['train_loss']:.4f} "
              f"acc PB {row['train_acc_pb']:.3f} AB {row['train_acc_ab']:.3f}  "
              f"val loss {val['loss']:.4f} acc {val['acc']:.3f}  {seconds:.0f}s"
              f"{'  *best' if improved else ''}", file=sys.stderr)
        if bad_epochs >= cfg.patience:
            stopped_early = True
            print(f"[seed {seed}] early stop: no val-loss improvement for {bad_epochs} epochs",
                  file=sys.stderr)
            break
        if cfg.max_minutes is not None and \
                (time.time() - t_start + seconds) / 60.0 > cfg.max_minutes:
            stopped_by_time = True
            print(f"[seed {seed}] stopped: another epoch would exceed --max-minutes "
                  f"{cfg.max_minutes:g} (resume with --resume)", file=sys.stderr)
            break

    # test accuracy at the best-validation checkpoint, written back into the checkpoints
    best_model, best = load_checkpoint(run_dir / "best.pt")
    test = evaluate(best_model, test_ds, cfg, f"[seed {seed}] test")
    probe = blank_probe(best_model, test_ds)
    best["test_accuracy"] = test["acc"]
    best["test_accuracy_ab"] = test["acc_ab"]
    best["test_loss"] = test["loss"]
    save_atomic(best, run_dir / "best.pt")
    last = torch_load(run_dir / "last.pt")
    last["test_accuracy_of_best"] = test["acc"]
    save_atomic(last, run_dir / "last.pt")
    wall = wall_before + time.time() - t_start
    result = {"seed": seed, "preset": model.cfg.preset, "best_epoch": best["epoch"],
              "best_val_loss": best["val_loss"], "best_val_acc": best["val_acc"],
              "test_accuracy": test["acc"], "test_accuracy_ab": test["acc_ab"],
              "test_loss": test["loss"], "test_samples": test["n"], "blank_probe": probe,
              "epochs_run": len(history), "stopped_early": stopped_early,
              "stopped_by_time_budget": stopped_by_time,
              "wall_seconds": round(wall, 1), "code_revision": meta["code_revision"],
              "train_config": cfg.to_dict(), "model_config": model.cfg.to_dict(),
              "command": " ".join(["python3", "-m", "tools.train"] + sys.argv[1:])}
    (run_dir / "result.json").write_text(json.dumps(result, indent=2))
    plot_run(run_dir)
    print(f"[seed {seed}] test accuracy {test['acc']:.4f} at epoch {best['epoch']} "
          f"(val loss {best['val_loss']:.4f}); {wall / 60:.1f} min", file=sys.stderr)
    return result


def test_checkpoint(path: Path, data: Optional[Path], cfg: TrainConfig, write: bool,
                    split: str = "test") -> int:
    """Test accuracy of a checkpoint (e.g. a best.pt of a run that was stopped before its end,
    whose test_accuracy is still null). ``write`` stores it in the checkpoint — refused when
    the file changed while it was being evaluated (a run still training)."""
    if path.is_dir():       # a model bundle (e.g. the shipped models/edge-synthetic)
        from tools import recover
        if data is None:
            raise UsageError(f"--test {path}: a bundle needs --data")
        if write:
            raise UsageError("--write needs a checkpoint, not a bundle")
        try:
            model, _manifest, _sha = recover.from_bundle(path)
        except recover.RecoverError as e:
            raise UsageError(str(e))
        model.eval()
        ck = {"epoch": None}
    elif not path.is_file():
        raise UsageError(f"--test {path}: no such file")
    else:
        try:
            model, ck = load_checkpoint(path)
        except ValueError as e:
            raise UsageError(str(e))
    before = path.stat().st_mtime_ns
    root = data if data is not None else Path(ck["data"]["path"])
    if not root.is_absolute() and not root.exists():
        root = REPO_ROOT / root
    check_data(root, allow_held_out=True, splits=(split,))  # testing on held-out data is its purpose
    if write and split != "test":
        raise UsageError("--write stores the test accuracy; it needs --split test")
    torch.set_num_threads(max(1, cfg.threads))
    ds = CrackDataset(root, split, model.cfg.image_size, train=False, limit=cfg.limit_eval)
    ev = evaluate(model, ds, cfg, split)
    res = {"checkpoint": portable_path(path), "epoch": ck.get("epoch"), "data": portable_path(root),
           "test_accuracy": ev["acc"], "test_accuracy_ab": ev["acc_ab"], "test_loss": ev["loss"],
           "test_samples": ev["n"], "split": split, "blank_probe": blank_probe(model, ds)}
    if write:
        if path.stat().st_mtime_ns != before:
            raise UsageError(f"--write: {path} changed during the evaluation (still training?); "
                             "not written")
        ck.update(test_accuracy=ev["acc"], test_accuracy_ab=ev["acc_ab"], test_loss=ev["loss"])
        save_atomic(ck, path)
        res["written"] = True
    print(json.dumps(res))
    return 0


@torch.no_grad()
def blank_probe(model: abn.ABN, ds: Optional[CrackDataset] = None, n_blur: int = 200,
                sigma: float = 10.0) -> Dict:
    """p(crack) (PB softmax) of featureless tiles: all black, mid grey (128), and the first
    ``n_blur`` tiles of ``ds`` (a test split, both classes) blurred with a Gaussian of
    ``sigma`` px at the tile's stored size. Issue 13 asks for < 0.1 on each."""
    model.eval()
    s = model.cfg.image_size
    flat = torch.stack([torch.zeros(3, s, s), torch.full((3, s, s), 128 / 255.0)])
    p = torch.softmax(model(flat).pb_logits, 1)[:, 1]
    out = {"p_black": float(p[0]), "p_grey": float(p[1])}
    if ds is not None and len(ds):
        idx = np.linspace(0, len(ds) - 1, min(n_blur, len(ds))).round().astype(int)
        xs = []
        for i in idx:
            rgb = layout.read_rgb(ds.samples[i].image)
            rgb = cv2.GaussianBlur(rgb, (0, 0), sigma)
            rgb = cv2.resize(rgb, (s, s), interpolation=cv2.INTER_LINEAR)
            xs.append(torch.from_numpy(rgb).permute(2, 0, 1).float() / 255.0)
        pb = torch.softmax(model(torch.stack(xs)).pb_logits, 1)[:, 1]
        out.update(p_blur_mean=float(pb.mean()), p_blur_max=float(pb.max()),
                   p_blur_frac_over_half=float((pb > 0.5).float().mean()), n_blur=len(xs))
    return out


def summarise(out: Path, results: List[Dict]) -> Dict:
    accs = [r["test_accuracy"] for r in results]
    summary = {"runs": len(results), "seeds": [r["seed"] for r in results],
               "test_accuracy": accs,
               "test_accuracy_mean": float(np.mean(accs)),
               "test_accuracy_std": float(np.std(accs, ddof=1)) if len(accs) > 1 else 0.0,
               "std": "sample (ddof=1)",
               "wall_seconds": [r["wall_seconds"] for r in results],
               "best_epochs": [r["best_epoch"] for r in results]}
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary


# ----------------------------------------------------------------------------- plots
def plot_run(run_dir: Path) -> Optional[Path]:
    """curves.png from metrics.jsonl, or None when matplotlib is not importable."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    rows = [json.loads(l) for l in (run_dir / "metrics.jsonl").read_text().splitlines() if l.strip()]
    if not rows:
        return None
    ep = [r["epoch"] for r in rows]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    a1.plot(ep, [r["train_loss"] for r in rows], "o-", label="train loss")
    a1.plot(ep, [r["val_loss"] for r in rows], "o-", label="val loss")
    a1.set_xlabel("epoch"); a1.set_ylabel("L = CE(PB) + λ·CE(AB)"); a1.legend(); a1.grid(alpha=.3)
    a2.plot(ep, [r["train_acc_pb"] for r in rows], "o-", label="train acc PB")
    a2.plot(ep, [r["train_acc_ab"] for r in rows], "o-", label="train acc AB")
    a2.plot(ep, [r["val_acc"] for r in rows], "o-", label="val acc PB")
    a2.set_xlabel("epoch"); a2.set_ylabel("accuracy"); a2.legend(); a2.grid(alpha=.3)
    fig.suptitle(f"{run_dir.parent.name}/{run_dir.name}")
    fig.tight_layout()
    p = run_dir / "curves.png"
    fig.savefig(p, dpi=100)
    plt.close(fig)
    return p


# ----------------------------------------------------------------------------- CLI
def parse_args(argv: Optional[Sequence[str]] = None) -> Tuple[TrainConfig, argparse.Namespace]:
    d = TrainConfig()
    ap = argparse.ArgumentParser(prog="python3 -m tools.train", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--preset", default=d.preset, help="model preset (tools/model.py)")
    ap.add_argument("--data", default=d.data, help="dataset root")
    ap.add_argument("--out", default=d.out, help="run directory")
    ap.add_argument("--seeds", type=int, nargs="+", default=list(d.seeds), help="one run per seed")
    ap.add_argument("--batch-size", type=int, default=d.batch_size)
    ap.add_argument("--max-epochs", type=int, default=d.max_epochs)
    ap.add_argument("--patience", type=int, default=d.patience)
    ap.add_argument("--lr-fe", type=float, default=d.lr_fe, help="feature-extractor learning rate")
    ap.add_argument("--lr-head", type=float, default=d.lr_head,
                    help="attention-branch + linear-layer learning rate")
    ap.add_argument("--weight-decay", type=float, default=d.weight_decay)
    ap.add_argument("--lam", type=float, default=d.lam, help="λ (default: the preset's)")
    ap.add_argument("--theta-alpha", type=float, default=d.theta_alpha,
                    help="θα (default: the preset's)")
    ap.add_argument("--no-augment", action="store_true", help="train without augmentation")
    ap.add_argument("--rotate-fill", choices=("black", "reflect"), default=d.rotate_fill,
                    help="rotation corners: black (torchvision default fill) or reflect")
    ap.add_argument("--max-angle", type=float, default=d.max_angle,
                    help="rotation range ±degrees (beside the k·90° turns)")
    ap.add_argument("--erase-p", type=float, default=d.erase_p,
                    help="probability of one occluding rectangle (black / blur / noise)")
    ap.add_argument("--blank-p", type=float, default=d.blank_p,
                    help="probability that a no_crack tile becomes a featureless tile")
    ap.add_argument("--schedule", choices=("none", "plateau", "cosine"), default=d.schedule,
                    help="learning-rate schedule (early stop still ends the run)")
    ap.add_argument("--plateau-factor", type=float, default=d.plateau_factor)
    ap.add_argument("--plateau-patience", type=int, default=d.plateau_patience)
    ap.add_argument("--min-lr-fraction", type=float, default=d.min_lr_fraction)
    ap.add_argument("--limit-train", type=int, default=d.limit_train, metavar="N")
    ap.add_argument("--limit-eval", type=int, default=d.limit_eval, metavar="N")
    ap.add_argument("--threads", type=int, default=d.threads)
    ap.add_argument("--workers", type=int, default=d.workers)
    ap.add_argument("--no-progress", action="store_true")
    ap.add_argument("--max-minutes", type=float, default=None,
                    help="wall-clock budget of this process: stop before an epoch would exceed it "
                         "(result.json says so; --resume continues)")
    ap.add_argument("--init", default=None, metavar="BUNDLE_OR_CKPT",
                    help="start from these weights (a bundle directory, e.g. models/edge-synthetic, "
                         "or a best.pt) instead of a random initialisation")
    ap.add_argument("--freeze-bn", dest="freeze_bn", action="store_true", default=None,
                    help="keep BatchNorm statistics fixed (default with --init BUNDLE)")
    ap.add_argument("--no-freeze-bn", dest="freeze_bn", action="store_false")
    ap.add_argument("--allow-held-out", action="store_true",
                    help="allow --data to be a held-out style family (never for real runs)")
    ap.add_argument("--resume", nargs="?", const="auto", default=None, metavar="LAST_PT",
                    help="continue from <out>/seed<k>/last.pt (or the given last.pt, one seed only)")
    ap.add_argument("--plot", metavar="RUN_DIR", default=None,
                    help="only (re)draw curves.png for every seed directory under RUN_DIR")
    ap.add_argument("--summarise", metavar="RUN_DIR", default=None,
                    help="only rewrite RUN_DIR/summary.json from every seed*/result.json "
                         "(seeds trained by separate commands)")
    ap.add_argument("--test", metavar="CKPT", default=None,
                    help="only evaluate CKPT (a checkpoint, or a bundle directory with --data) on "
                         "the test split of its dataset (or --data when given) and print the "
                         "accuracy and the blank-tile probe; with --write store it in CKPT")
    ap.add_argument("--write", action="store_true", help="with --test: write test_accuracy into CKPT")
    ap.add_argument("--split", default="test", choices=layout.SPLITS,
                    help="with --test: the split to measure (val for model selection)")
    a = ap.parse_args(argv)
    a.data_given = any(x == "--data" or x.startswith("--data=") for x in (argv or sys.argv[1:]))
    cfg = TrainConfig(preset=a.preset, data=a.data, out=a.out, seeds=tuple(a.seeds),
                      batch_size=a.batch_size, max_epochs=a.max_epochs, patience=a.patience,
                      lr_fe=a.lr_fe, lr_head=a.lr_head, weight_decay=a.weight_decay, lam=a.lam,
                      theta_alpha=a.theta_alpha, augment=not a.no_augment,
                      rotate_fill=a.rotate_fill, max_angle=a.max_angle, erase_p=a.erase_p,
                      blank_p=a.blank_p, schedule=a.schedule, plateau_factor=a.plateau_factor,
                      plateau_patience=a.plateau_patience, min_lr_fraction=a.min_lr_fraction,
                      limit_train=a.limit_train, limit_eval=a.limit_eval, threads=a.threads,
                      workers=a.workers, progress=not a.no_progress,
                      allow_held_out=a.allow_held_out, max_minutes=a.max_minutes,
                      init=a.init, freeze_bn=a.freeze_bn)
    return cfg, a


def validate(cfg: TrainConfig) -> None:
    if cfg.preset not in abn.PRESETS:
        raise UsageError(f"--preset {cfg.preset!r}: unknown; choose one of {sorted(abn.PRESETS)}")
    for name in ("batch_size", "max_epochs", "patience", "threads"):
        if getattr(cfg, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be ≥ 1, got {getattr(cfg, name)}")
    for name in ("limit_train", "limit_eval"):
        v = getattr(cfg, name)
        if v is not None and v < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be ≥ 1, got {v}")
    if cfg.lr_fe <= 0 or cfg.lr_head <= 0:
        raise UsageError("learning rates must be > 0")
    for name in ("erase_p", "blank_p"):
        v = getattr(cfg, name)
        if not 0.0 <= v <= 1.0:
            raise UsageError(f"--{name.replace('_', '-')} must be in [0, 1], got {v}")
    if not 0.0 < cfg.plateau_factor < 1.0:
        raise UsageError(f"--plateau-factor must be in (0, 1), got {cfg.plateau_factor}")
    if len(set(cfg.seeds)) != len(cfg.seeds):
        raise UsageError(f"--seeds {list(cfg.seeds)}: repeated seed")


def main(argv: Optional[Sequence[str]] = None) -> int:
    cfg, a = parse_args(argv)
    try:
        if a.summarise:
            run = Path(a.summarise)
            res = [json.loads(p.read_text()) for p in sorted(run.glob("seed*/result.json"))]
            if not res:
                raise UsageError(f"--summarise {run}: no seed*/result.json found")
            res.sort(key=lambda r: r["seed"])
            s = summarise(run, res)
            print(json.dumps({"seeds": s["seeds"], "test_accuracy": s["test_accuracy"],
                              "mean": round(s["test_accuracy_mean"], 4),
                              "std": round(s["test_accuracy_std"], 4)}))
            return 0
        if a.test:
            return test_checkpoint(Path(a.test), Path(a.data) if a.data_given else None, cfg,
                                   a.write, a.split)
        if a.plot:
            run = Path(a.plot)
            dirs = sorted(p for p in run.glob("seed*") if (p / "metrics.jsonl").is_file())
            if (run / "metrics.jsonl").is_file():
                dirs.append(run)
            if not dirs:
                raise UsageError(f"--plot {run}: no metrics.jsonl found")
            for d in dirs:
                p = plot_run(d)
                if p is None:
                    raise UsageError("--plot needs matplotlib (apt-get install python3-matplotlib)")
                print(p)
            return 0
        validate(cfg)
        desc = check_data(Path(cfg.data), cfg.allow_held_out)
        resume_path: Optional[Path] = None
        if a.resume and a.resume != "auto":
            if len(cfg.seeds) != 1:
                raise UsageError("--resume LAST_PT takes a single --seeds value")
            resume_path = Path(a.resume)
            if not resume_path.is_file():
                raise UsageError(f"--resume {resume_path}: no such file")
        out = Path(cfg.out)
        out.mkdir(parents=True, exist_ok=True)
        results = []
        for seed in cfg.seeds:
            r_path = resume_path
            if a.resume == "auto":
                cand = out / f"seed{seed}" / "last.pt"
                r_path = cand if cand.is_file() else None
            results.append(train_one(cfg, seed, r_path, desc))
        s = summarise(out, results)
        print(json.dumps({"test_accuracy": s["test_accuracy"],
                          "mean": round(s["test_accuracy_mean"], 4),
                          "std": round(s["test_accuracy_std"], 4)}))
        return 0
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
