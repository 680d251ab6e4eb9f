"""SYNTHETIC dashcam drive (not real road images): H.264 MP4 + per-frame ground truth.

A forward-facing camera moves along a synthetic road rendered by ``tools.data.render`` (the same
renderer that makes the training tiles). Cracks lie at known ground positions; every frame's
truth lists each visible crack (id stable across frames) with its outline polygons in frame
pixels, its bounding box and pixel area, plus the label of each tile of the runtime's ROI grid.

    /usr/bin/python3 -m tools.data.drive --out models/demo --seed 7 --seconds 20

writes ``drive.mp4`` (libx264, yuv420p, 960×540, 15 fps), ``truth.json`` and ``README.md``.

Polygon rule (exact, lossless): a crack's mask in a frame is
``fill(polygons) − fill(holes) + outline(holes)`` (OpenCV ``findContours`` RETR_CCOMP /
CHAIN_APPROX_SIMPLE: outer contours in ``polygons``, hole contours in ``holes``; hole contours
run through crack pixels, so they are drawn back after the holes are cleared).
:func:`rasterize` implements it.
"""
from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from tools.data import render as R

GENERATOR = "crackcam-synthetic-drive"
CRACK_RATE = 0.85      # probability of a crack every 3-7 m (the shipped drives)
VERSION = "1.0.0"
FPS = 15
NOTE = "SYNTHETIC — not real road images. Rendered by tools/data/drive.py; ground truth is exact."
FAR_M = 70.0            # rendered road distance; beyond it the scene fades into haze


def _gen(seed: int, *salt: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *salt])))


def build_road(seed: int, length: float, crack_rate: float = CRACK_RATE,
               family: Optional[str] = None) -> R.Road:
    """The drive's road: 3.6 m lanes (dashed lines at ±1.8 m, solid edges at ±5.4 m), a crack
    with probability ``crack_rate`` every few metres in front of the camera (0: a crack-free
    drive, for benchmarks), and hard negatives along the way. ``family`` (tools/data/styles.py):
    surface, crack drawing and distractors of that style family instead of the classic look."""
    if family is not None:
        return _family_road(seed, length, crack_rate, family)
    rng = _gen(seed, 4242)
    v = rng.uniform(85, 120)
    warm = rng.uniform(-0.03, 0.06)
    surf = R.Surface(base_bgr=(v * (1 - warm), v, v * (1 + warm)), grain=rng.uniform(5, 9),
                     speckle=rng.uniform(0.015, 0.04), large_var=rng.uniform(0.04, 0.09),
                     mid_var=rng.uniform(0.03, 0.06), road_half=(-6.4, 6.4),
                     seed=int(rng.integers(1 << 30)))
    feats: List[R.Feature] = []
    for x, dashed, w in ((-1.8, True, 0.12), (1.8, True, 0.12), (-5.4, False, 0.15), (5.4, False, 0.15)):
        feats.append(R.Feature("lane_paint", -1.0, length + 1, dict(
            x=x, z0=-1.0, z1=length + 1, width=w, dashed=dashed, dash=3.0, gap=6.0,
            phase=float(rng.uniform(0, 9)), yellow=False, wear=float(rng.uniform(0.0, 0.5)),
            seed=int(rng.integers(1 << 30)), angle=0.0)))
    cracks: List[R.Crack] = []
    z = 7.0
    types = ("longitudinal", "transverse", "alligator", "diagonal")
    while z < length - 2:
        if rng.uniform() < crack_rate:
            kind = str(rng.choice(types, p=(0.3, 0.3, 0.2, 0.2)))
            x = float(rng.uniform(-2.2, 2.2))
            c = R.make_crack(rng, len(cracks) + 1, kind, x, z)
            c.contrast = max(c.contrast, 0.6)             # demo cracks: clearly visible
            c.pieces = [(p, np.clip(w * 1.3, 0.006, 0.03)) for p, w in c.pieces]
            cracks.append(c)
        z += rng.uniform(3.0, 7.0)
    z = 5.0
    while z < length - 2:          # hard negatives, roughly every 6 m
        kind = str(rng.choice(["sealed_joint", "oil_stain", "patch", "manhole", "expansion_joint",
                               "tree_shadow"], p=(0.3, 0.2, 0.15, 0.1, 0.15, 0.1)))
        feats.append(R.make_feature(rng, kind, float(rng.uniform(-3, 3)), z, (-6.4, 6.4)))
        z += rng.uniform(3.0, 9.0)
    z = rng.uniform(5, 20)
    ang = rng.uniform(0.3, 0.9)
    while z < length:              # roadside poles, their shadows cross the road
        feats.append(R.Feature("pole_shadow", z - 12, z + 12, dict(
            a=np.array([7.5, z]), b=np.array([7.5 - 14 * math.cos(ang), z - 14 * math.sin(ang) * 0.5]),
            width=0.2, soft=0.08, dark=0.45)))
        z += rng.uniform(25, 45)
    return R.Road(surf, cracks, feats, length, seed, cache_size=6)


def _family_road(seed: int, length: float, crack_rate: float, family: str) -> R.Road:
    from tools.data import styles as St
    sty = St.FAMILIES[family]
    rng = _gen(seed, 4343)
    surf = St.make_surface(sty["surface"], rng, road_half=(-6.4, 6.4))
    feats: List[R.Feature] = []
    for x, dashed, w in ((-1.8, True, 0.12), (1.8, True, 0.12), (-5.4, False, 0.15), (5.4, False, 0.15)):
        feats.append(R.Feature("lane_paint", -1.0, length + 1, dict(
            x=x, z0=-1.0, z1=length + 1, width=w, dashed=dashed, dash=3.0, gap=6.0,
            phase=float(rng.uniform(0, 9)), yellow=False, wear=float(rng.uniform(0.0, 0.5)),
            seed=int(rng.integers(1 << 30)), angle=0.0)))
    scene = {"sun": float(rng.uniform(0, 2 * math.pi))}
    cracks: List[R.Crack] = []
    z = 7.0
    while z < length - 2:
        if rng.uniform() < crack_rate:
            c = St.make_crack(sty["crack"], rng, len(cracks) + 1, float(rng.uniform(-2.2, 2.2)), z, scene)
            c.contrast = max(c.contrast, 0.6)
            cracks.append(c)
        z += rng.uniform(3.0, 7.0)
    feats += St.make_distractors(sty["distractors"], rng, length, surf, sty["light"])
    return R.Road(surf, cracks, feats, length, seed, cache_size=6)


def camera_at(seed: int, i: int, speed: float, family: Optional[str] = None) -> R.Camera:
    t = i / FPS
    rng = _gen(seed, 77)
    ph = rng.uniform(0, 2 * math.pi, 4)
    if family is not None:     # the family's camera pose, fixed for the drive, with the same sway
        from tools.data import styles as St
        base, _chain = St.make_camera(St.FAMILIES[family]["camera"], _gen(seed, 78), 0.0)
        return R.Camera(x=0.3 * math.sin(2 * math.pi * t / 11 + ph[0]), z=speed * t, height=base.height,
                        f=base.f, horizon=base.horizon + 1.2 * math.sin(2 * math.pi * t * 0.9 + ph[1]),
                        yaw=0.012 * math.sin(2 * math.pi * t / 11 + ph[0] + math.pi / 2),
                        roll=0.004 * math.sin(2 * math.pi * t * 0.5 + ph[2]))
    return R.Camera(x=0.3 * math.sin(2 * math.pi * t / 11 + ph[0]), z=speed * t, height=1.35, f=700.0,
                    horizon=150 + 1.2 * math.sin(2 * math.pi * t * 0.9 + ph[1]),
                    yaw=0.012 * math.sin(2 * math.pi * t / 11 + ph[0] + math.pi / 2),
                    roll=0.004 * math.sin(2 * math.pi * t * 0.5 + ph[2]))


def render_frame(road: R.Road, seed: int, i: int, speed: float, far_m: float = FAR_M,
                 family: Optional[str] = None) -> Dict[str, np.ndarray]:
    """Frame ``i`` exactly as it goes into the video (before H.264), with its crack masks."""
    cam = camera_at(seed, i, speed, family)
    v = R.render_view(road, cam, 0, R.FRAME_H, ss=2, far=True, far_m=far_m)
    if family is not None:     # the family's image chain and light, the same every frame
        from tools.data import styles as St
        sty = St.FAMILIES[family]
        _base, chain = St.make_camera(sty["camera"], _gen(seed, 78), 0.0)
        lrng = _gen(seed, 98)
        img = St.camera_chain(v["bgr"], chain, lrng)
        v["bgr"] = St.apply_light(sty["light"], img, lrng, 0, cam, chain)
        v["camera"] = cam
        return v
    rng = _gen(seed, 99, i)
    img = v["bgr"].astype(np.float32)
    t = i / FPS
    img *= 1 + 0.06 * math.sin(2 * math.pi * t / 7.0)           # slow exposure drift
    img = cv2.GaussianBlur(img, (0, 0), 0.5)
    img += rng.normal(0, 1.5, img.shape).astype(np.float32)      # sensor noise
    v["bgr"] = np.clip(img, 0, 255).astype(np.uint8)
    v["camera"] = cam
    return v


def rasterize(polygons: Sequence, holes: Sequence, shape: Tuple[int, int]) -> np.ndarray:
    """Boolean mask from a crack's truth polygons (see module docstring)."""
    m = np.zeros(shape, np.uint8)
    outer = [np.asarray(p, np.int32).reshape(-1, 1, 2) for p in polygons]
    inner = [np.asarray(p, np.int32).reshape(-1, 1, 2) for p in holes]
    if outer:
        cv2.fillPoly(m, outer, 1)
    if inner:
        cv2.fillPoly(m, inner, 0)
        cv2.polylines(m, inner, True, 1)
    return m.astype(bool)


def frame_truth(v: Dict, i: int) -> Dict:
    ids = v["ids"]
    out = []
    for cid in np.unique(ids[ids > 0]):
        mk = (ids == cid).astype(np.uint8)
        cs, hier = cv2.findContours(mk, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
        polys, holes = [], []
        for c, h in zip(cs, hier[0]):
            (holes if h[3] >= 0 else polys).append(c.reshape(-1, 2).tolist())
        ys, xs = np.nonzero(mk)
        out.append({"id": int(cid), "polygons": polys, "holes": holes,
                    "bbox": [int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1),
                             int(ys.max() - ys.min() + 1)],
                    "area_px": int(mk.sum())})
    mask = v["mask"]
    tiles = []
    for (r, c, x0, y0, x1, y1) in R.grid_tiles():
        n = int(mask[y0:y1, x0:x1].sum())
        lab = R.tile_label(mask[y0:y1, x0:x1])
        if lab == 0 and mask[max(0, y0 - 4):y1 + 4, max(0, x0 - 4):x1 + 4].any():
            lab = None
        tiles.append({"row": r, "col": c, "crack_px": n,
                      "label": {1: "crack", 0: "no_crack", None: "ambiguous"}[lab]})
    cam = v["camera"]
    return {"index": i, "t": round(i / FPS, 6), "camera": {"x": round(cam.x, 4), "z": round(cam.z, 4)},
            "cracks": out, "tiles": tiles}


def _ffmpeg_cmd(path: Path, crf: int) -> List[str]:
    return ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24",
            "-s", f"{R.FRAME_W}x{R.FRAME_H}", "-r", str(FPS), "-i", "-",
            "-c:v", "libx264", "-preset", "medium", "-crf", str(crf), "-g", str(2 * FPS),
            "-pix_fmt", "yuv420p", "-threads", "2", "-movflags", "+faststart", "-an",
            "-metadata", "comment=SYNTHETIC crackcam drive", str(path)]


def road_length(seconds: float, speed: float, far_m: float = FAR_M) -> float:
    return speed * seconds + far_m + R.NEAR_MAX + 8


def generate(out: Path, seed: int, seconds: float, speed: float = 9.0, crf: int = 27,
             max_mb: Optional[float] = None, progress: bool = True,
             road: Optional[R.Road] = None, far_m: float = FAR_M, crack_rate: float = CRACK_RATE,
             family: Optional[str] = None) -> Dict:
    """Render the drive into ``out``; ``road`` (from :func:`build_road` with the same seed and
    :func:`road_length`) may be passed in to share its chunk cache. ``far_m``: rendered road
    distance (the shipped drives use the default; tests use less to save time)."""
    n = int(round(seconds * FPS))
    if road is None:
        road = build_road(seed, road_length(seconds, speed, far_m), crack_rate, family)
    out.mkdir(parents=True, exist_ok=True)
    frames_dir = out / ".frames.partial"
    frames_dir.mkdir(exist_ok=True)
    raw_path = frames_dir / "frames.bgr"
    truth_frames = []
    t0 = time.time()
    with open(raw_path, "wb") as raw:
        for i in range(n):
            v = render_frame(road, seed, i, speed, far_m, family)
            raw.write(v["bgr"].tobytes())
            truth_frames.append(frame_truth(v, i))
            if progress:
                print(f"\rframe {i + 1}/{n}  {time.time() - t0:5.0f}s", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    mp4 = out / "drive.mp4"
    tmp = out / "drive.mp4.partial.mp4"
    while True:
        with open(raw_path, "rb") as raw:
            r = subprocess.run(_ffmpeg_cmd(tmp, crf), stdin=raw, capture_output=True)
        if r.returncode != 0:
            raise RuntimeError("ffmpeg failed: " + r.stderr.decode(errors="replace").strip().splitlines()[-1])
        size_mb = tmp.stat().st_size / 1e6
        if max_mb is None or size_mb <= max_mb or crf >= 40:
            break
        crf += 2
    tmp.replace(mp4)
    shutil.rmtree(frames_dir)
    x0, y0, x1, y1 = R.ROI_PX
    truth = {
        "synthetic": True, "note": NOTE, "generator": GENERATOR, "generator_version": VERSION,
        "seed": seed, "crack_rate": crack_rate, "family": family or "classic", "video": "drive.mp4", "far_m": far_m, "fps": FPS,
        "width": R.FRAME_W, "height": R.FRAME_H,
        "frame_count": n, "seconds": n / FPS, "speed_mps": speed, "h264_crf": crf,
        "roi": {"x0": R.ROI_NORM[0], "y0": R.ROI_NORM[1], "x1": R.ROI_NORM[2], "y1": R.ROI_NORM[3],
                "px": {"x0": x0, "y0": y0, "x1": x1, "y1": y1}},
        "grid": {"rows": R.GRID_ROWS, "cols": R.GRID_COLS, "tile": R.GRID_TILE},
        "tile_label_rule": {"crack": f"crack pixels >= {R.CRACK_MIN_FRAC} of the tile and >= "
                            f"{R.CRACK_MIN_INNER_FRAC} of the tile area inside the tile shrunk by "
                            f"{R.INNER_MARGIN} per side", "no_crack": "no crack pixel in the tile or "
                            "within 4 px around it", "ambiguous": "anything else"},
        "polygon_rule": "mask = fill(polygons) - fill(holes) + outline(holes); OpenCV findContours "
                        "RETR_CCOMP, CHAIN_APPROX_SIMPLE; points are [x, y] pixel centres",
        "camera": ({"height_m": 1.35, "focal_px": 700.0, "horizon_px": 150.0} if family is None else
                   {"height_m": round(camera_at(seed, 0, speed, family).height, 3),
                    "focal_px": round(camera_at(seed, 0, speed, family).f, 1),
                    "horizon_px": round(camera_at(seed, 0, speed, family).horizon, 1)}),
        "cracks": [{"id": c.id, "type": c.kind, "contrast": round(c.contrast, 3),
                    "ground_z_m": [round(c.z_min, 3), round(c.z_max, 3)],
                    "mean_width_mm": round(1000 * float(np.mean(np.concatenate([w for _, w in c.pieces]))), 2)}
                   for c in road.cracks
                   if any(c.id == k["id"] for f in truth_frames for k in f["cracks"])],
        "frames": truth_frames,
    }
    (out / "truth.json").write_text(json.dumps(truth, separators=(",", ":")))
    readme = (f"# Synthetic demo drive (SYNTHETIC — not real road images)\n\n"
              f"`drive.mp4` ({n} frames, {R.FRAME_W}×{R.FRAME_H}, {FPS} fps, H.264 yuv420p) and "
              f"`truth.json` were rendered by\n\n    /usr/bin/python3 -m tools.data.drive --out {out.as_posix()} "
              f"--seed {seed} --seconds {seconds:g}\n\n"
              "Everything in the video is procedurally rendered (asphalt texture, cracks, lane paint, "
              "sealed and expansion joints, shadows, oil stains, patches, manholes). `truth.json` lists "
              "per frame every visible crack (stable id, outline polygons and holes in frame pixels, "
              "bbox [x, y, w, h], pixel area) and the label of each of the 2×6 ROI tiles of the "
              "runtime's default grid. See docs/synthetic-data.md.\n")
    (out / "README.md").write_text(readme)
    return truth


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m tools.data.drive",
        description="Render a SYNTHETIC dashcam drive (not real road images): drive.mp4 "
                    "(H.264, 960x540, 15 fps), truth.json (per-frame crack polygons, boxes, ROI "
                    "tile labels) and README.md into --out.")
    ap.add_argument("--out", required=True, type=Path, help="output folder (e.g. models/demo)")
    ap.add_argument("--seed", type=int, default=7, help="random seed (same seed -> same frames)")
    ap.add_argument("--seconds", type=float, default=20.0, help="length in seconds (default 20)")
    ap.add_argument("--speed", type=float, default=9.0, help="camera speed in m/s (default 9)")
    ap.add_argument("--crf", type=int, default=27, help="libx264 CRF (default 27)")
    ap.add_argument("--max-mb", type=float, default=None,
                    help="re-encode with a higher CRF until drive.mp4 is at most this many MB")
    ap.add_argument("--crack-rate", type=float, default=CRACK_RATE,
                    help=f"probability of a crack every 3-7 m of road (default {CRACK_RATE}; 0 renders a "
                         "crack-free drive, e.g. for the crack-free throughput benchmark)")
    ap.add_argument("--family", default=None,
                    help="render in a style family of tools/data/styles.py (A..E; e.g. the held-out "
                         "family B); default: the classic look")
    a = ap.parse_args(argv)
    if a.family is not None:
        from tools.data import styles as St
        if a.family not in St.FAMILIES:
            print(f"error: --family {a.family!r}: unknown; choose one of {sorted(St.FAMILIES)}",
                  file=sys.stderr)
            return 2
    if not (0 <= a.crack_rate <= 1):
        print(f"error: --crack-rate must be in [0, 1], got {a.crack_rate}", file=sys.stderr)
        return 2
    if not (a.seconds > 0) or a.seconds > 600:
        print(f"error: --seconds must be in (0, 600], got {a.seconds}", file=sys.stderr)
        return 2
    if not (0 < a.speed <= 40):
        print(f"error: --speed must be in (0, 40] m/s, got {a.speed}", file=sys.stderr)
        return 2
    if not (0 <= a.crf <= 51):
        print(f"error: --crf must be in 0..51, got {a.crf}", file=sys.stderr)
        return 2
    if a.out.exists() and not a.out.is_dir():
        print(f"error: --out {a.out} exists and is not a folder", file=sys.stderr)
        return 2
    if shutil.which("ffmpeg") is None:
        print("error: ffmpeg not found on PATH (install the Debian package ffmpeg)", file=sys.stderr)
        return 2
    cv2.setNumThreads(2)
    t0 = time.time()
    try:
        truth = generate(a.out, a.seed, a.seconds, a.speed, a.crf, a.max_mb, crack_rate=a.crack_rate,
                         family=a.family)
    except (OSError, RuntimeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    mp4 = a.out / "drive.mp4"
    ids = {c["id"] for f in truth["frames"] for c in f["cracks"]}
    ntile = sum(t["label"] == "crack" for f in truth["frames"] for t in f["tiles"])
    print(f"wrote {mp4} ({mp4.stat().st_size / 1e6:.2f} MB, {truth['frame_count']} frames, crf "
          f"{truth['h264_crf']}) and truth.json: {len(ids)} cracks, {ntile} crack tiles; "
          f"{time.time() - t0:.0f}s (SYNTHETIC)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
