"""SYNTHETIC crack / no_crack tiles from style families, with one family held out (not real
road images).

    /usr/bin/python3 -m tools.data.families --out data/families --seed 0 --held-out B \\
        --train 4800 --val 800 --test 800 --held-out-test 800

writes two datasets in the CrackCam layout (tools/data/layout.py):

    <out>/                     train / val / test from the training families (every family but
                               the held-out one; each scene draws each style axis independently
                               from those families, tools/data/styles.py)
    <out>-heldout-<F>/         test split only, every scene purely family F (its styles never
                               occur in <out>); dataset.json says "held_out": true, and
                               tools.train refuses it unless --allow-held-out is given

Tiles are cut like ``tools.data.synthetic`` (the runtime's ROI grid of a 960×540 view, small
jitter, 128×128 JPEG, mask per crack tile, same label rule, balanced classes). ``meta.jsonl``
lists each tile's scene, styles and distractors. Same seed → byte-identical files.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np

from tools.data import render as R
from tools.data import styles as St
from tools.data import synthetic as S
from tools.data.layout import SPLITS, DatasetWriter

GENERATOR = "crackcam-synthetic-families"
VERSION = "1.0.0"
NOTE = ("SYNTHETIC — not real road images. Procedurally rendered road tiles in style families "
        "(crack drawing, surface, distractors, camera, light; tools/data/styles.py).")
SALT = {"train": 11, "val": 12, "test": 13, "heldout": 14}


def _gen(*seq) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(x) for x in seq])))


def scene_seed(seed: int, part: str, index: int) -> int:
    return int(np.random.SeedSequence([seed, SALT[part], index]).generate_state(1)[0])


def make_scene(sseed: int, families: Sequence[str], crack_rate: Optional[float] = None):
    """(road, styles) of one 30 m scene whose styles come from ``families``."""
    rng = _gen(sseed, 101)
    styles = St.pick_styles(rng, families)
    if crack_rate is None:
        crack_rate = rng.uniform(3, 18)
    L = S.SCENE_LENGTH
    surf = St.make_surface(styles["surface"], rng)
    feats = St.make_distractors(styles["distractors"], rng, L, surf, styles["light"])
    scene = {"sun": float(rng.uniform(0, 2 * np.pi))}
    cracks: List[R.Crack] = []
    anchors = [f for f in feats if f.kind not in ("pole_shadow", "tree_shadow")]
    for i in range(rng.poisson(crack_rate * L / 10)):
        if anchors and rng.random() < 0.25:        # a crack right at a distractor
            f = anchors[int(rng.integers(len(anchors)))]
            xr = f.params.get("x_range", (-5.5, 5.5))
            x = float(np.clip(rng.uniform(*xr), -6, 6))
            z = float(np.clip(rng.uniform(f.z_min, f.z_max), 1.0, L - 1))
        else:
            x, z = float(rng.uniform(-5.5, 5.5)), float(rng.uniform(1.0, L - 1))
        cracks.append(St.make_crack(styles["crack"], rng, i + 1, x, z, scene))
    return R.Road(surf, cracks, feats, L + 4, sseed, cache_size=5), styles


def scene_tiles(part: str, seed: int, index: int, families: Sequence[str],
                crack_rate: Optional[float] = None) -> List[Dict]:
    """All labelled tiles of one scene (``part``: train / val / test / heldout)."""
    cv2.setNumThreads(1)
    sseed = scene_seed(seed, part, index)
    road, styles = make_scene(sseed, families, crack_rate)
    rng = _gen(sseed, 202)
    out = []
    for v in range(S.VIEWS_PER_SCENE):
        cam, chain = St.make_camera(styles["camera"], rng, z=v * S.VIEW_SPACING + rng.uniform(-0.5, 0.5))
        view = R.render_view(road, cam, S.STRIP_Y0, S.STRIP_Y1, ss=2, far=False)
        img = St.camera_chain(view["bgr"], chain, rng)
        img = St.apply_light(styles["light"], img, rng, S.STRIP_Y0, cam, chain)
        img = R.jpeg(img, int(rng.integers(*chain["jpeg"])))
        for t in S.cut_tiles(view, img, rng):
            t["meta"].update(scene=index, view=v, styles=styles)
            out.append(t)
    return out


def _job(args):
    return scene_tiles(*args)


def generate(part: str, n: int, seed: int, families: Sequence[str], workers: int, on_tile,
             crack_rate: Optional[float] = None) -> int:
    """Balanced tiles (n // 2 crack rounded up, the rest no_crack) in scene order."""
    want = {1: (n + 1) // 2, 0: n // 2}
    got = {0: 0, 1: 0}

    def take(tiles, idx):
        for t in tiles:
            if got[t["label"]] < want[t["label"]]:
                got[t["label"]] += 1
                m = t["meta"]
                m["id"] = f"{part}-{idx:05d}-{m['view']}{m['cell'][0]}{m['cell'][1]}"
                on_tile(t)

    def done():
        return got[0] >= want[0] and got[1] >= want[1]

    if n <= 0:
        return 0
    fams = tuple(families)
    if workers <= 1:
        i = 0
        while not done():
            take(scene_tiles(part, seed, i, fams, crack_rate), i)
            i += 1
        return i
    start = 0
    with mp.get_context("fork").Pool(workers) as pool:
        while not done():
            missing = max(want[0] - got[0], want[1] - got[1])
            batch = min(workers * 8, max(1, -(-missing // 20)))
            batch = -(-batch // workers) * workers
            jobs = [(part, seed, i, fams, crack_rate) for i in range(start, start + batch)]
            for j, tiles in enumerate(pool.imap(_job, jobs)):
                if done():
                    break
                take(tiles, start + j)
            start += batch
    return start


def _description(seed: int, families: Sequence[str], held_out: str, is_held_out: bool) -> Dict:
    return {
        "source": "synthetic", "synthetic": True, "note": NOTE, "generator": GENERATOR,
        "generator_version": VERSION, "seed": seed, "tile_size": S.TILE_OUT,
        "families": sorted(families), "held_out_family": held_out, "held_out": is_held_out,
        "family_styles": {f: St.FAMILIES[f] for f in sorted(families)},
        "label_rule": {"crack_min_frac": R.CRACK_MIN_FRAC, "crack_min_inner_frac": R.CRACK_MIN_INNER_FRAC,
                       "inner_margin": R.INNER_MARGIN, "no_crack": "zero crack pixels in the tile "
                       "and a 4 px margin", "mask_coverage": R.MASK_COVERAGE},
        "roi": {"x0": R.ROI_NORM[0], "y0": R.ROI_NORM[1], "x1": R.ROI_NORM[2], "y1": R.ROI_NORM[3]},
        "grid": {"rows": R.GRID_ROWS, "cols": R.GRID_COLS, "tile": R.GRID_TILE},
        "meta": "meta.jsonl",
    }


def write_dataset(root: Path, parts: Dict[str, int], seed: int, families: Sequence[str],
                  held_out: str, is_held_out: bool, workers: int, overwrite: bool) -> Dict:
    """One dataset; ``parts`` maps split → count (held-out data uses the "heldout" salt)."""
    writer = DatasetWriter(root, overwrite=overwrite)
    metas = []
    total = sum(parts.values())
    t0 = time.time()
    try:
        for split, n in parts.items():
            part = "heldout" if is_held_out else split

            def cb(t, split=split):
                m = t["meta"]
                writer.add(split, t["label"], m["id"], t["rgb"], t["mask"])
                metas.append(dict(m, split=split, label=t["label"]))
                if len(metas) % 100 == 0 or len(metas) == total:
                    el = time.time() - t0
                    print(f"\r[{root.name}] {len(metas):6d}/{total}  elapsed {el:5.0f}s  "
                          f"eta {el / len(metas) * (total - len(metas)):5.0f}s", end="",
                          file=sys.stderr, flush=True)
            generate(part, n, seed, families, workers, cb)
        print(file=sys.stderr)
        with open(writer.tmp / "meta.jsonl", "w") as fh:
            for m in metas:
                fh.write(json.dumps(m, sort_keys=True) + "\n")
        writer.finish(_description(seed, families, held_out, is_held_out))
    except BaseException:
        writer.abort()
        raise
    return writer.counts


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.data.families",
                                 description="Generate SYNTHETIC (not real road images) crack "
                                             "tiles from style families, one family held out.")
    ap.add_argument("--out", required=True, type=Path, help="training-families dataset root")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--held-out", default=St.DEFAULT_HELD_OUT,
                    help=f"family left out of training (one of {sorted(St.FAMILIES)}; 'none' for no hold-out)")
    ap.add_argument("--train", type=int, default=4800)
    ap.add_argument("--val", type=int, default=800)
    ap.add_argument("--test", type=int, default=800)
    ap.add_argument("--held-out-test", type=int, default=800, help="test tiles of the held-out family")
    ap.add_argument("--workers", type=int, default=min(2, mp.cpu_count()))
    ap.add_argument("--overwrite", action="store_true")
    a = ap.parse_args(argv)
    held = None if a.held_out.lower() == "none" else a.held_out
    if held is not None and held not in St.FAMILIES:
        print(f"error: --held-out {a.held_out!r}: unknown family; choose one of "
              f"{sorted(St.FAMILIES)} or none", file=sys.stderr)
        return 2
    for name in ("train", "val", "test", "held_out_test"):
        if getattr(a, name) < 0:
            print(f"error: --{name.replace('_', '-')} must be >= 0", file=sys.stderr)
            return 2
    if a.workers < 1:
        print(f"error: --workers must be >= 1, got {a.workers}", file=sys.stderr)
        return 2
    train_fams = [f for f in sorted(St.FAMILIES) if f != held]
    t0 = time.time()
    try:
        c = write_dataset(a.out, {"train": a.train, "val": a.val, "test": a.test}, a.seed,
                          train_fams, held or "none", False, a.workers, a.overwrite)
        print(f"{a.out}: families {''.join(train_fams)}  " +
              "  ".join(f"{s} {c[s]['crack']}+{c[s]['no_crack']}" for s in SPLITS))
        if held is not None and a.held_out_test > 0:
            hroot = a.out.with_name(f"{a.out.name}-heldout-{held}")
            c = write_dataset(hroot, {"test": a.held_out_test}, a.seed, [held], held, True,
                              a.workers, a.overwrite)
            print(f"{hroot}: held-out family {held}  test {c['test']['crack']}+{c['test']['no_crack']}")
    except FileExistsError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"done in {time.time() - t0:.0f}s (SYNTHETIC)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
