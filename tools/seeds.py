"""Train and export N seeds of one configuration: one command, resumable, with logs.

    /usr/bin/python3 -m tools.seeds --seeds 0 1 2 --out runs/seeds --data data/synth \\
        [--parallel 2] [--nice 5] [--ready runs/READY.txt] [--no-export] [--export-arg=--variants] \\
        -- --preset edge --threads 1 --lr-fe 1e-3 --patience 6      # anything after -- goes to tools.train

Per seed K, in order:

1. ``tools.train --seeds K --out <out> --data <data> --resume <train args>`` — trains into
   ``<out>/seedK/`` (``best.pt``, ``last.pt``, ``metrics.jsonl``, ``result.json``); the log goes
   to ``<out>/seedK/train.log``. Skipped when ``result.json`` exists (the seed is finished);
   an interrupted seed continues from its ``last.pt``.
2. ``tools.export --checkpoint <out>/seedK/best.pt --out <out>/seedK/bundle --data <data>``
   (log ``<out>/seedK/export.log``). Skipped when ``bundle/manifest.json`` exists.
3. The bundle path is appended to the ready file (default ``<out>/READY.txt``), one line per
   finished bundle, so other tools can pick bundles up as they finish.

Seeds run ``--parallel`` at a time (default 1), each training process under ``nice``. Rerunning
the same command after an interruption resumes where it stopped. At the end
``<out>/summary.json`` (``tools.train --summarise``) holds the test accuracy mean ± std.

Exit status: 0 when every seed trained and exported; 1 when one failed (the others still run;
the failing step's log is named on stderr); 2 for bad arguments.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List, Optional, Sequence

PY = sys.executable or "/usr/bin/python3"
REPO_ROOT = Path(__file__).resolve().parent.parent
_lock = threading.Lock()


def log(msg: str) -> None:
    with _lock:
        print(f"[seeds {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run_logged(cmd: List[str], logfile: Path, nice: int) -> int:
    """Run cmd (from the repository root) with stdout+stderr appended to logfile."""
    if nice:
        cmd = ["nice", "-n", str(nice)] + cmd
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    with open(logfile, "a") as fh:
        fh.write(f"\n$ {' '.join(cmd)}\n")
        fh.flush()
        return subprocess.run(cmd, cwd=REPO_ROOT, stdout=fh, stderr=subprocess.STDOUT,
                              env=env).returncode


def mark_ready(ready: Path, bundle: Path) -> None:
    with _lock:
        ready.parent.mkdir(parents=True, exist_ok=True)
        lines = ready.read_text().splitlines() if ready.is_file() else []
        entry = str(bundle)
        if entry not in lines:
            with open(ready, "a") as fh:
                fh.write(entry + "\n")


def one_seed(seed: int, a: argparse.Namespace, train_args: List[str]) -> bool:
    out = Path(a.out)
    run = out / f"seed{seed}"
    run.mkdir(parents=True, exist_ok=True)
    result = run / "result.json"
    if result.is_file():
        log(f"seed {seed}: already trained ({result})")
    else:
        log(f"seed {seed}: training (log {run / 'train.log'})")
        rc = run_logged([PY, "-m", "tools.train", "--seeds", str(seed), "--out", str(out),
                         "--data", str(a.data), "--resume", "--no-progress"] + train_args,
                        run / "train.log", a.nice)
        if rc != 0 or not result.is_file():
            log(f"seed {seed}: training failed (exit {rc}); see {run / 'train.log'}")
            return False
        r = json.loads(result.read_text())
        log(f"seed {seed}: trained, test accuracy {r['test_accuracy']:.4f} at epoch {r['best_epoch']}")
    if a.no_export:
        return True
    bundle = run / "bundle"
    if (bundle / "manifest.json").is_file():
        log(f"seed {seed}: bundle exists ({bundle})")
    else:
        log(f"seed {seed}: exporting (log {run / 'export.log'})")
        rc = run_logged([PY, "-m", "tools.export", "--checkpoint", str(run / "best.pt"),
                         "--out", str(bundle), "--data", str(a.data)] + list(a.export_arg or []),
                        run / "export.log", a.nice)
        if rc != 0 or not (bundle / "manifest.json").is_file():
            log(f"seed {seed}: export failed (exit {rc}); see {run / 'export.log'}")
            return False
    mark_ready(Path(a.ready) if a.ready else out / "READY.txt", bundle)
    log(f"seed {seed}: ready {bundle}")
    return True


def parse(argv: Optional[Sequence[str]]):
    argv = list(sys.argv[1:] if argv is None else argv)
    train_args: List[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, train_args = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(prog="python3 -m tools.seeds",
                                 description=__doc__.split("\n\n")[0],
                                 epilog="Arguments after -- are passed to tools.train.")
    ap.add_argument("--seeds", type=int, nargs="+", required=True)
    ap.add_argument("--out", required=True, help="run directory; one seed<k>/ per seed")
    ap.add_argument("--data", required=True, help="dataset root (training and golden tiles)")
    ap.add_argument("--parallel", type=int, default=1, help="seeds trained at a time")
    ap.add_argument("--nice", type=int, default=5, help="niceness of the child processes")
    ap.add_argument("--ready", default=None, help="file listing finished bundles (default <out>/READY.txt)")
    ap.add_argument("--no-export", action="store_true", help="train only")
    ap.add_argument("--export-arg", action="append", metavar="ARG",
                    help="extra argument for tools.export (repeat; e.g. --export-arg=--variants)")
    a = ap.parse_args(argv)
    # children run from the repository root: make the caller's relative paths absolute
    a.out, a.data = str(Path(a.out).resolve()), str(Path(a.data).resolve())
    a.ready = str(Path(a.ready).resolve()) if a.ready else None
    return a, train_args


def main(argv: Optional[Sequence[str]] = None) -> int:
    a, train_args = parse(argv)
    if len(set(a.seeds)) != len(a.seeds):
        print(f"error: --seeds {a.seeds}: repeated seed", file=sys.stderr)
        return 2
    if a.parallel < 1:
        print(f"error: --parallel must be >= 1, got {a.parallel}", file=sys.stderr)
        return 2
    if not (Path(a.data) / "dataset.json").is_file():
        print(f"error: --data {a.data}: no dataset.json (not a dataset in the CrackCam layout)",
              file=sys.stderr)
        return 2
    for bad in ("--seeds", "--out", "--data", "--resume"):
        if any(t == bad or t.startswith(bad + "=") for t in train_args):
            print(f"error: {bad} after --: tools.seeds sets it itself", file=sys.stderr)
            return 2
    Path(a.out).mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=a.parallel) as ex:
        ok = list(ex.map(lambda s: one_seed(s, a, train_args), a.seeds))
    if any(ok):
        subprocess.run([PY, "-m", "tools.train", "--summarise", str(a.out)], cwd=REPO_ROOT,
                       stdout=sys.stdout, stderr=sys.stderr)
    if not all(ok):
        failed = [s for s, o in zip(a.seeds, ok) if not o]
        print(f"error: seeds {failed} failed (see their train.log / export.log)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
