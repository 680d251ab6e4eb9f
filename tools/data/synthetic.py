"""SYNTHETIC crack / no_crack tile dataset (not real road images).

Tiles are cut from random dashcam views rendered by ``tools.data.render`` with the runtime's
ROI grid (2 × 6 tiles of 120 px in x 120..840, y 270..510 of a 960×540 frame), with a little
random jitter of position and scale, and stored as 128×128 JPEGs in the CrackCam dataset layout
(``tools.data.layout``); every crack tile gets its pixel mask. Labels follow the mask: crack when
the crack covers ≥ 0.4 % of the tile (and ≥ 0.2 % in its inner part), no_crack when the tile and a
small margin around it hold no crack pixel; ambiguous tiles are dropped; classes are balanced.

    /usr/bin/python3 -m tools.data.synthetic --out data/synth --seed 0 --train 6000 --val 1000 --test 1000

Besides the layout, ``meta.jsonl`` lists every tile with its scene, crack fraction and the hard
negatives (distractor kinds) visible in it.
"""
from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

import cv2
import numpy as np

from tools.data import render as R
from tools.data.layout import SPLITS, DatasetWriter

GENERATOR = "crackcam-synthetic-tiles"
VERSION = "1.0.0"
NOTE = ("SYNTHETIC — not real road images. Procedurally rendered asphalt with cracks and hard "
        "negatives (lane paint, sealed joints, expansion joints, shadows, oil stains, patches, "
        "manholes), cut from perspective dashcam views with the runtime's ROI grid.")
TILE_OUT = 128
STRIP_Y0, STRIP_Y1 = 250, 530           # rendered rows (ROI 270..510 plus jitter room)
VIEWS_PER_SCENE = 6
VIEW_SPACING = 3.0
SCENE_LENGTH = 30.0
SPLIT_SALT = {"train": 1, "val": 2, "test": 3}
CRACK_TYPES = ("longitudinal", "transverse", "alligator", "diagonal")
CRACK_P = (0.3, 0.27, 0.23, 0.2)


def random_surface(rng, seed: int, road_half=None) -> R.Surface:
    v = rng.uniform(65, 140)
    warm = rng.uniform(-0.06, 0.08)
    base = (v * (1 - warm), v, v * (1 + warm * 0.8))
    if road_half is None:
        road_half = (-rng.uniform(6.8, 8.6), rng.uniform(6.8, 8.6))
    return R.Surface(base_bgr=base, grain=rng.uniform(4, 12), speckle=rng.uniform(0.01, 0.05),
                     large_var=rng.uniform(0.03, 0.12), mid_var=rng.uniform(0.02, 0.09),
                     road_half=road_half, seed=int(rng.integers(1 << 30)))


def random_scene(seed: int, crack_rate: Optional[float] = None) -> R.Road:
    """A random 30 m road segment for tile views: asphalt, cracks and many hard negatives.
    ``crack_rate``: cracks per 10 m of road (default: random per scene, 3..18)."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 101])))
    if crack_rate is None:
        crack_rate = rng.uniform(3, 18)
    surf = random_surface(rng, seed)
    L = SCENE_LENGTH
    cracks: List[R.Crack] = []
    feats: List[R.Feature] = []
    n_cracks = rng.poisson(crack_rate * L / 10)
    for i in range(n_cracks):
        kind = str(rng.choice(CRACK_TYPES, p=CRACK_P))
        cracks.append(R.make_crack(rng, i + 1, kind, rng.uniform(-5.5, 5.5), rng.uniform(1.0, L - 1)))
    # hard negatives, independent of the cracks (so they appear in both classes) …
    for _ in range(rng.integers(0, 4)):
        feats.append(R.make_feature(rng, "lane_paint", rng.uniform(-5, 5), -1.0))
    counts = {"sealed_joint": 3.0, "expansion_joint": 1.0, "oil_stain": 2.0, "patch": 1.5,
              "manhole": 0.4, "pole_shadow": 1.5, "tree_shadow": 0.8}
    for kind, lam in counts.items():
        for _ in range(rng.poisson(lam * L / 10)):
            feats.append(R.make_feature(rng, kind, rng.uniform(-5.5, 5.5), rng.uniform(0, L),
                                        surf.road_half))
    # … and some cracks right next to a distractor (crack along a sealed joint or lane line)
    for f in list(feats):
        if f.kind in ("sealed_joint", "lane_paint", "patch") and rng.uniform() < 0.25:
            if f.kind == "lane_paint":
                x, z = f.params["x"] + rng.choice([-1, 1]) * rng.uniform(0.1, 0.4), rng.uniform(1, L - 1)
                kind = "longitudinal"
            elif f.kind == "sealed_joint":
                j = rng.integers(len(f.params["path"]))
                x, z = f.params["path"][j] + rng.normal(0, 0.1, 2)
                kind = str(rng.choice(CRACK_TYPES, p=CRACK_P))
            else:
                x, z = f.params["poly"][rng.integers(4)]
                kind = str(rng.choice(CRACK_TYPES, p=CRACK_P))
            cracks.append(R.make_crack(rng, len(cracks) + 1, kind, float(x), float(z)))
    return R.Road(surf, cracks, feats, L + 4, seed, cache_size=5)


def random_camera(rng, z: float) -> R.Camera:
    return R.Camera(x=rng.uniform(-0.6, 0.6), z=z, height=rng.uniform(1.25, 1.5),
                    f=rng.uniform(660, 740), horizon=rng.uniform(140, 165),
                    yaw=rng.normal(0, 0.025), roll=rng.normal(0, 0.015))


def cut_tiles(view: Dict, img: np.ndarray, rng) -> List[Dict]:
    """The labelled (non-ambiguous) tiles of one rendered view strip, in grid order, with
    ``meta`` {cell, crack_frac, distractors}. Draws from ``rng`` in a fixed order."""
    out = []
    mask, cov, kind = view["mask"], view["cov"], view["kind"]
    hs, ws = mask.shape
    for (r, c, x0, y0, x1, y1) in R.grid_tiles():
        s = rng.uniform(0.9, 1.12)
        size = int(round(R.GRID_TILE * s))
        cx = (x0 + x1) / 2 + rng.uniform(-12, 12)
        cy = (y0 + y1) / 2 - STRIP_Y0 + rng.uniform(-12, 12)
        tx0 = int(round(min(max(cx - size / 2, 0), ws - size)))
        ty0 = int(round(min(max(cy - size / 2, 0), hs - size)))
        ctx = 4
        cy0, cx0 = max(0, ty0 - ctx), max(0, tx0 - ctx)
        m_ctx = mask[cy0:ty0 + size + ctx, cx0:tx0 + size + ctx]
        # label on the tile itself; no_crack additionally needs a crack-free margin
        lab = R.tile_label(mask[ty0:ty0 + size, tx0:tx0 + size])
        if lab == 0 and m_ctx.any():
            lab = None
        if lab is None:
            continue
        tile = cv2.resize(img[ty0:ty0 + size, tx0:tx0 + size], (TILE_OUT, TILE_OUT),
                          interpolation=cv2.INTER_AREA if size > TILE_OUT else cv2.INTER_LINEAR)
        tcov = cv2.resize(cov[ty0:ty0 + size, tx0:tx0 + size], (TILE_OUT, TILE_OUT),
                          interpolation=cv2.INTER_LINEAR)
        tmask = tcov >= R.MASK_COVERAGE
        if lab == 1 and not tmask.any():
            continue
        kinds = np.bincount(kind[ty0:ty0 + size, tx0:tx0 + size].ravel(), minlength=len(R.KINDS))
        present = [R.KINDS[k] for k in range(1, len(R.KINDS)) if kinds[k] >= 20]
        out.append({"label": lab, "rgb": cv2.cvtColor(tile, cv2.COLOR_BGR2RGB),
                    "mask": tmask if lab == 1 else None,
                    "meta": {"cell": [r, c],
                             "crack_frac": round(float(mask[ty0:ty0 + size, tx0:tx0 + size].mean()), 5),
                             "distractors": present}})
    return out


def scene_tiles(split: str, seed: int, index: int, crack_rate: Optional[float] = None) -> List[Dict]:
    """All labelled (non-ambiguous) tiles of one scene, in a fixed order."""
    cv2.setNumThreads(1)
    sseed = int(np.random.SeedSequence([seed, SPLIT_SALT[split], index]).generate_state(1)[0])
    road = random_scene(sseed, crack_rate)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([sseed, 202])))
    out = []
    for v in range(VIEWS_PER_SCENE):
        cam = random_camera(rng, z=v * VIEW_SPACING + rng.uniform(-0.5, 0.5))
        view = R.render_view(road, cam, STRIP_Y0, STRIP_Y1, ss=2, far=False)
        img = R.photometric(view["bgr"], rng)
        img = R.jpeg(img, int(rng.integers(35, 92)))
        for t in cut_tiles(view, img, rng):
            t["meta"] = {"scene": index, "view": v, **t["meta"]}
            out.append(t)
    return out


def _job(args):
    return scene_tiles(*args)


def generate_split(split: str, n: int, seed: int, workers: int, on_tile=None,
                   crack_rate: Optional[float] = None) -> List[Dict]:
    """Balanced tiles of one split: n // 2 crack (rounded up) and the rest no_crack, in scene order."""
    want = {1: (n + 1) // 2, 0: n // 2}
    got = {0: 0, 1: 0}
    kept: List[Dict] = []

    def take(tiles, idx):
        for t in tiles:
            if got[t["label"]] < want[t["label"]]:
                got[t["label"]] += 1
                t["meta"]["id"] = f"{split}-{idx:05d}-{t['meta']['view']}{t['meta']['cell'][0]}{t['meta']['cell'][1]}"
                kept.append(t)
                if on_tile:
                    on_tile(t)

    def done():
        return got[0] >= want[0] and got[1] >= want[1]

    if n <= 0:
        return kept
    if workers <= 1:
        i = 0
        while not done():
            take(scene_tiles(split, seed, i, crack_rate), i)
            i += 1
        return kept
    ctx = mp.get_context("fork")
    start = 0
    with ctx.Pool(workers) as pool:
        while not done():
            # enough scenes for what is still missing (~20 tiles of each class per scene)
            missing = max(want[0] - got[0], want[1] - got[1])
            batch = min(workers * 8, max(1, -(-missing // 20)))
            batch = -(-batch // workers) * workers
            jobs = [(split, seed, i, crack_rate) for i in range(start, start + batch)]
            for j, tiles in enumerate(pool.imap(_job, jobs)):
                if done():
                    break
                take(tiles, start + j)
            start += batch
    return kept


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m tools.data.synthetic",
        description="Generate the SYNTHETIC crack/no_crack tile dataset (not real road images) in "
                    "the CrackCam dataset layout: 128x128 JPEG tiles cut from rendered dashcam "
                    "views with the runtime's ROI grid, a .mask.png beside every crack tile, "
                    "dataset.json (written last) and meta.jsonl.")
    ap.add_argument("--out", required=True, type=Path, help="output dataset root (e.g. data/synth)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (same seed -> identical files)")
    ap.add_argument("--train", type=int, default=6000, help="train tiles (balanced 50/50)")
    ap.add_argument("--val", type=int, default=1000, help="validation tiles")
    ap.add_argument("--test", type=int, default=1000, help="test tiles")
    ap.add_argument("--workers", type=int, default=min(2, mp.cpu_count()),
                    help="worker processes (default: min(2, CPUs)); output does not depend on it")
    ap.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    a = ap.parse_args(argv)
    for name in ("train", "val", "test"):
        if getattr(a, name) < 0:
            print(f"error: --{name} must be >= 0, got {getattr(a, name)}", file=sys.stderr)
            return 2
    if a.train + a.val + a.test == 0:
        print("error: nothing to generate (--train, --val and --test are all 0)", file=sys.stderr)
        return 2
    if a.workers < 1:
        print(f"error: --workers must be >= 1, got {a.workers}", file=sys.stderr)
        return 2
    try:
        writer = DatasetWriter(a.out, overwrite=a.overwrite)
    except FileExistsError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"error: cannot create {a.out}: {e}", file=sys.stderr)
        return 1
    total = a.train + a.val + a.test
    done = [0]
    t0 = time.time()
    metas = []

    def progress(split):
        def cb(t):
            m = t["meta"]
            writer.add(split, t["label"], m["id"], t["rgb"], t["mask"])
            metas.append(dict(m, split=split, label=t["label"]))
            done[0] += 1
            if done[0] % 100 == 0 or done[0] == total:
                el = time.time() - t0
                eta = el / done[0] * (total - done[0])
                print(f"\r[{done[0]:6d}/{total}] {100 * done[0] / total:5.1f}%  "
                      f"elapsed {el:6.0f}s  eta {eta:6.0f}s", end="", file=sys.stderr, flush=True)
        return cb

    try:
        for split in SPLITS:
            generate_split(split, getattr(a, split), a.seed, a.workers, progress(split))
        print(file=sys.stderr)
        with open(writer.tmp / "meta.jsonl", "w") as fh:
            for m in metas:
                fh.write(json.dumps(m, sort_keys=True) + "\n")
        root = writer.finish({
            "source": "synthetic", "synthetic": True, "note": NOTE,
            "generator": GENERATOR, "generator_version": VERSION, "seed": a.seed,
            "tile_size": TILE_OUT,
            "label_rule": {"crack_min_frac": R.CRACK_MIN_FRAC, "crack_min_inner_frac": R.CRACK_MIN_INNER_FRAC,
                           "inner_margin": R.INNER_MARGIN, "no_crack": "zero crack pixels in the tile "
                           "and a 4 px margin", "mask_coverage": R.MASK_COVERAGE},
            "roi": {"x0": R.ROI_NORM[0], "y0": R.ROI_NORM[1], "x1": R.ROI_NORM[2], "y1": R.ROI_NORM[3]},
            "grid": {"rows": R.GRID_ROWS, "cols": R.GRID_COLS, "tile": R.GRID_TILE},
            "meta": "meta.jsonl",
        })
    except OSError as e:
        writer.abort()
        print(f"\nerror: {e}", file=sys.stderr)
        return 1
    except BaseException:
        writer.abort()
        raise
    c = writer.counts
    for s in SPLITS:
        print(f"{s:5s}: crack {c[s]['crack']:5d}  no_crack {c[s]['no_crack']:5d}")
    print(f"wrote {root} in {time.time() - t0:.0f}s (SYNTHETIC)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
