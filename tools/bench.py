"""Milliseconds per tile of ABN presets on this CPU, with PyTorch (not ONNX Runtime).

    /usr/bin/python3 -m tools.bench --preset edge --preset edge-wide --threads 1 --batch 16

Times the full ABN forward pass (FE, attention branch, perception branch; eval mode, no
gradients) on a batch of random tiles at the preset's input size, with random weights (the
cost does not depend on their values). The presets are timed in interleaved rounds
(A, B, A, B, …) so that other jobs on a shared machine slow them alike; the printed figures
are the median and the 10th / 90th percentile over the rounds, per batch and per tile, and
the load average before and after; beside the wall time, the process CPU time per tile
(with one thread it is the compute time, and it is far less disturbed by other jobs). The Java runtime uses ONNX Runtime, whose figures differ;
this benchmark compares presets with each other.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from typing import Dict, List, Optional, Sequence

import torch

from tools import model as abn


def percentile(xs: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in [0, 100]) of a non-empty sequence."""
    s = sorted(xs)
    if not s:
        raise ValueError("percentile of an empty sequence")
    k = (len(s) - 1) * q / 100.0
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def bench(presets: Sequence[str], batch: int = 16, rounds: int = 20, warmup: int = 3,
          threads: int = 1, seed: int = 0) -> List[Dict]:
    """One result per preset: ms per batch and per tile (median, p10, p90), parameters, MACs."""
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    models, inputs = {}, {}
    for p in presets:
        m = abn.build(p).eval()
        models[p] = m
        inputs[p] = torch.rand(batch, 3, m.cfg.image_size, m.cfg.image_size)
    times: Dict[str, List[float]] = {p: [] for p in presets}
    cpu: Dict[str, List[float]] = {p: [] for p in presets}
    with torch.no_grad():
        for p in presets:
            for _ in range(warmup):
                models[p](inputs[p])
        for _ in range(rounds):
            for p in presets:
                c0, t0 = time.process_time(), time.perf_counter()
                models[p](inputs[p])
                times[p].append((time.perf_counter() - t0) * 1000.0)
                cpu[p].append((time.process_time() - c0) * 1000.0)
    out = []
    for p in presets:
        t = times[p]
        med = statistics.median(t)
        out.append({"preset": p, "image_size": models[p].cfg.image_size, "batch": batch,
                    "threads": threads, "rounds": rounds,
                    "parameters": abn.count_parameters(models[p]),
                    "macs_per_tile": abn.count_macs(models[p]),
                    "ms_per_batch_median": med, "ms_per_batch_p10": percentile(t, 10),
                    "ms_per_batch_p90": percentile(t, 90), "ms_per_tile_median": med / batch,
                    "ms_per_tile_p10": percentile(t, 10) / batch,
                    "ms_per_tile_p90": percentile(t, 90) / batch,
                    "cpu_ms_per_tile_median": statistics.median(cpu[p]) / batch,
                    "cpu_ms_per_tile_p10": percentile(cpu[p], 10) / batch,
                    "cpu_ms_per_tile_p90": percentile(cpu[p], 90) / batch})
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m tools.bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", action="append", help="preset(s) to time (default: edge)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print one JSON object per preset")
    a = ap.parse_args(argv)
    presets = a.preset or ["edge"]
    for p in presets:
        if p not in abn.PRESETS:
            print(f"error: --preset {p!r}: unknown; choose one of {sorted(abn.PRESETS)}",
                  file=sys.stderr)
            return 2
    for name in ("batch", "rounds", "threads"):
        if getattr(a, name) < 1:
            print(f"error: --{name} must be ≥ 1, got {getattr(a, name)}", file=sys.stderr)
            return 2
    if a.warmup < 0:
        print(f"error: --warmup must be ≥ 0, got {a.warmup}", file=sys.stderr)
        return 2
    load0 = os.getloadavg()[0]
    res = bench(presets, a.batch, a.rounds, a.warmup, a.threads)
    load1 = os.getloadavg()[0]
    print(f"# torch {torch.__version__} CPU, {a.threads} thread(s), batch {a.batch}, "
          f"{a.rounds} interleaved rounds; load average {load0:.2f} before, {load1:.2f} after",
          flush=True)
    for r in res:
        r.update(load_before=load0, load_after=load1, torch=torch.__version__)
        if a.json:
            print(json.dumps(r))
        else:
            print(f"{r['preset']:10s} {r['parameters'] / 1e6:5.2f} M params  "
                  f"{r['macs_per_tile'] / 1e6:7.1f} M MACs/tile  "
                  f"{r['ms_per_tile_median']:7.2f} ms/tile (p10 {r['ms_per_tile_p10']:.2f}, "
                  f"p90 {r['ms_per_tile_p90']:.2f})  {r['ms_per_batch_median']:8.1f} ms/batch  "
                  f"CPU {r['cpu_ms_per_tile_median']:.2f} ms/tile")
    return 0


if __name__ == "__main__":
    sys.exit(main())
