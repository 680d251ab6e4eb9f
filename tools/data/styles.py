"""Style families for the SYNTHETIC renderer (not real road images).

The classic generator (``tools.data.synthetic``) draws every tile with one look. Here the look
is split into five independent *axes*, each with five *styles* designed separately:

    crack        path (the classic jagged paths, branches, Voronoi alligator) · walk (pixel-step
                 random walks, constant width, sharp turns) · network (block cracking on a
                 jittered grid) · lit (cracks whose far edge catches low sun: a bright rim) ·
                 sealed (a crack inside a smooth tar sealant band it partly escapes)
    surface      asphalt_dense (classic) · concrete (light slabs, brushed texture, joints) ·
                 worn_patched (ravelled blotches, tone patches) · asphalt_coarse (big stones)
                 · wet (dark, glossy sheen, puddles)
    distractors  classic (lane paint, sealed / expansion joints, oil, patches, manholes,
                 shadows) · markings (arrows, zebra bars, stop lines, worn paint) · tyre
                 (skid marks, rubber streaks) · debris (leaves, twigs, stones, litter) ·
                 stains (water blotches, tar drips, paint splatter)
    camera       dashcam (classic) · high (truck, 2–2.6 m, pitched down) · wide (short focal,
                 1920×1080-class sharpness) · phone (1280×720-class, motion blur) ·
                 low_quality (960×540-class sensor, heavy JPEG)
    light        day (classic) · overcast · low_sun · dusk · headlights

A *family* is one style on every axis (``FAMILIES``); the families are disjoint: no style
belongs to two of them. Training scenes draw each axis independently from the styles of the
training families (so styles mix); a held-out family's scenes use only its own styles, and
those never occur in training (``leave one style family out``, docs/synthetic-data.md).

Everything is deterministic given the seed (numpy Generators from SeedSequence, no global
state). Importing this module registers the surface / distractor / crack hooks of
``tools.data.render``.
"""
from __future__ import annotations

import math
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np

from tools.data import render as R

AXES = ("crack", "surface", "distractors", "camera", "light")
FAMILIES: Dict[str, Dict[str, str]] = {
    "A": {"crack": "path", "surface": "asphalt_dense", "distractors": "classic",
          "camera": "dashcam", "light": "day"},
    "B": {"crack": "walk", "surface": "concrete", "distractors": "markings",
          "camera": "high", "light": "overcast"},
    "C": {"crack": "network", "surface": "worn_patched", "distractors": "tyre",
          "camera": "wide", "light": "low_sun"},
    "D": {"crack": "lit", "surface": "asphalt_coarse", "distractors": "debris",
          "camera": "phone", "light": "dusk"},
    "E": {"crack": "sealed", "surface": "wet", "distractors": "stains",
          "camera": "low_quality", "light": "headlights"},
}
# Chosen before any model was trained on family data; never used for tuning.
DEFAULT_HELD_OUT = "B"


def family_of(axis: str, style: str) -> str:
    for name, fam in FAMILIES.items():
        if fam[axis] == style:
            return name
    raise KeyError(f"{axis} style {style!r} belongs to no family")


def pick_styles(rng: np.random.Generator, families: Sequence[str]) -> Dict[str, str]:
    """One style per axis, each drawn independently from the given families' styles."""
    fams = sorted(families)
    return {ax: FAMILIES[fams[int(rng.integers(len(fams)))]][ax] for ax in AXES}


# =========================================================================== cracks
def _walk_pixels(rng, start, heading, length, step=0.012, persist=0.08, turn_p=0.01):
    """A fine random walk (metres): small heading noise, rare sharp turns."""
    n = max(3, int(length / step))
    pts = np.empty((n + 1, 2))
    pts[0] = start
    h = heading
    for i in range(n):
        h += rng.normal(0, persist)
        if rng.random() < turn_p:
            h += rng.choice([-1, 1]) * rng.uniform(0.5, 1.2)
        pts[i + 1] = pts[i] + step * np.array([math.sin(h), math.cos(h)])
    return pts


def make_walk_crack(rng, cid: int, x: float, z: float) -> R.Crack:
    w = rng.uniform(0.004, 0.011)
    heading = rng.choice([rng.normal(0, 0.3), math.pi / 2 + rng.normal(0, 0.3),
                          rng.uniform(0, 2 * math.pi)])
    main = _walk_pixels(rng, (x, z), heading, rng.uniform(0.6, 4.0))
    pieces = [(main, np.full(len(main) - 1, w))]
    for _ in range(int(rng.integers(0, 3))):
        i = int(rng.integers(len(main) // 4, max(len(main) // 4 + 1, 3 * len(main) // 4)))
        br = _walk_pixels(rng, main[i], heading + rng.choice([-1, 1]) * rng.uniform(0.6, 1.4),
                          rng.uniform(0.15, 0.8))
        pieces.append((br, np.full(len(br) - 1, w * rng.uniform(0.6, 0.9))))
    return R.Crack(cid, "walk", pieces, float(rng.uniform(0.45, 0.9)), style="walk")


def make_network_crack(rng, cid: int, x: float, z: float) -> R.Crack:
    """Block cracking: the edges of a jittered rectangular grid, some missing."""
    cell = rng.uniform(0.25, 0.6)
    nx, nz = int(rng.integers(2, 5)), int(rng.integers(2, 6))
    ang = rng.normal(0, 0.15)
    ca, sa = math.cos(ang), math.sin(ang)
    grid = np.stack(np.meshgrid(np.arange(nx + 1), np.arange(nz + 1), indexing="ij"), -1) * cell
    grid = grid + rng.normal(0, cell * 0.12, grid.shape)
    grid = grid @ np.array([[ca, sa], [-sa, ca]]) + (x, z)
    w0 = rng.uniform(0.005, 0.012)
    pieces = []
    for i in range(nx + 1):
        for j in range(nz + 1):
            for di, dj in ((1, 0), (0, 1)):
                if i + di > nx or j + dj > nz or rng.random() < 0.2:
                    continue
                seg = R._jagged(rng, grid[i, j], grid[i + di, j + dj], 0.18, 0.02)
                pieces.append((seg, np.full(len(seg) - 1, w0 * rng.uniform(0.7, 1.2))))
    if not pieces:
        seg = R._jagged(rng, grid[0, 0], grid[-1, -1], 0.18, 0.02)
        pieces.append((seg, np.full(len(seg) - 1, w0)))
    return R.Crack(cid, "network", pieces, float(rng.uniform(0.45, 0.85)), style="network")


def make_lit_crack(rng, cid: int, x: float, z: float, sun: float) -> R.Crack:
    kind = str(rng.choice(["longitudinal", "transverse", "diagonal"]))
    c = R.make_crack(rng, cid, kind, x, z)
    c.style = "lit"
    c.params = {"sun": sun, "rim": float(rng.uniform(0.25, 0.6))}
    c.pieces = [(p, w * 0.8) for p, w in c.pieces]
    return c


def make_sealed_crack(rng, cid: int, x: float, z: float) -> R.Crack:
    kind = str(rng.choice(["longitudinal", "transverse", "diagonal"]))
    c = R.make_crack(rng, cid, kind, x, z)
    c.style = "sealed"
    c.contrast = float(rng.uniform(0.45, 0.8))
    c.params = {"band": float(rng.uniform(0.03, 0.07)), "tar": float(rng.uniform(0.3, 0.55)),
                "cover": float(rng.uniform(0.3, 0.7)), "seed": int(rng.integers(1 << 30))}
    return c


def make_crack(style: str, rng, cid: int, x: float, z: float, scene: Dict) -> R.Crack:
    if style == "path":
        kind = str(rng.choice(("longitudinal", "transverse", "alligator", "diagonal"),
                              p=(0.3, 0.27, 0.23, 0.2)))
        return R.make_crack(rng, cid, kind, x, z)
    if style == "walk":
        return make_walk_crack(rng, cid, x, z)
    if style == "network":
        return make_network_crack(rng, cid, x, z)
    if style == "lit":
        return make_lit_crack(rng, cid, x, z, scene["sun"])
    if style == "sealed":
        return make_sealed_crack(rng, cid, x, z)
    raise ValueError(f"unknown crack style {style!r}")


def _crack_lines(c: R.Crack, gz0: int, shape, offset=(0.0, 0.0), scale=1.0, value=255):
    m = np.zeros(shape, np.uint8)
    for pts, wid in c.pieces:
        px = R._fix(R._to_px(pts + np.array(offset), gz0))
        for i in range(len(wid)):
            t = max(1, int(round(wid[i] * scale * R.PX_PER_M)))
            cv2.line(m, tuple(px[i]), tuple(px[i + 1]), value, t, cv2.LINE_AA, 4)
    return m


def _hook_lit(c: R.Crack, color: np.ndarray, gz0: int, rng) -> None:
    """A bright rim on the sun-facing edge: the crack's lines shifted by ~1.2 widths."""
    sun = c.params["sun"]
    d = 0.012 * np.array([math.cos(sun), math.sin(sun)])
    rim = _crack_lines(c, gz0, color.shape[:2], offset=d, scale=0.9)
    a = cv2.GaussianBlur(rim, (0, 0), 0.8).astype(np.float32) / 255
    color *= (1 + c.params["rim"] * a)[..., None]


def _hook_sealed(c: R.Crack, color: np.ndarray, gz0: int, rng) -> None:
    """A smooth dark sealant band along the crack, covering only parts of it."""
    band = np.zeros(color.shape[:2], np.uint8)
    prng = np.random.default_rng(c.params["seed"])
    for pts, _w in c.pieces:
        # smooth the jagged path: the sealant is poured along it, not into every kink
        k = max(1, len(pts) // 12)
        sm = np.stack([np.convolve(pts[:, j], np.ones(k) / k, mode="valid") for j in (0, 1)], 1)
        if len(sm) < 2:
            continue
        n = len(sm)
        keep = prng.random() < c.params["cover"]
        start = 0
        while start < n - 1:
            run = int(prng.integers(max(2, n // 6), max(3, n // 2)))
            if keep:
                px = R._fix(R._to_px(sm[start:start + run + 1], gz0))
                cv2.polylines(band, [px], False, 255, max(2, int(c.params["band"] * R.PX_PER_M)),
                              cv2.LINE_AA, 4)
            keep = not keep
            start += run
    a = cv2.GaussianBlur(band, (0, 0), 1.2).astype(np.float32) / 255
    color *= (1 - c.params["tar"] * a)[..., None]


R.CRACK_HOOKS["lit"] = _hook_lit
R.CRACK_HOOKS["sealed"] = _hook_sealed


# =========================================================================== surfaces
def make_surface(style: str, rng, road_half=None) -> R.Surface:
    if road_half is None:
        road_half = (-rng.uniform(6.8, 8.6), rng.uniform(6.8, 8.6))
    seed = int(rng.integers(1 << 30))
    if style == "asphalt_dense":
        v = rng.uniform(65, 140)
        warm = rng.uniform(-0.06, 0.08)
        return R.Surface((v * (1 - warm), v, v * (1 + warm * 0.8)), rng.uniform(4, 12),
                         rng.uniform(0.01, 0.05), rng.uniform(0.03, 0.12), rng.uniform(0.02, 0.09),
                         road_half, seed)
    if style == "concrete":
        v = rng.uniform(150, 200)
        warm = rng.uniform(-0.02, 0.05)
        return R.Surface((v * (1 - warm), v, v * (1 + warm)), rng.uniform(2, 5), rng.uniform(0.0, 0.01),
                         rng.uniform(0.02, 0.06), rng.uniform(0.02, 0.05), road_half, seed,
                         style="concrete", params={"slab": float(rng.uniform(3.5, 5.5)),
                                                   "brush": float(rng.uniform(2, 6)),
                                                   "joint_dark": float(rng.uniform(0.3, 0.6)),
                                                   "lane": float(rng.uniform(1.6, 2.0))})
    if style == "worn_patched":
        v = rng.uniform(80, 130)
        return R.Surface((v * 0.97, v, v * 1.04), rng.uniform(6, 12), rng.uniform(0.03, 0.07),
                         rng.uniform(0.08, 0.16), rng.uniform(0.06, 0.12), road_half, seed,
                         style="worn_patched", params={"ravel": float(rng.uniform(0.2, 0.5)),
                                                       "tone": float(rng.uniform(0.15, 0.35))})
    if style == "asphalt_coarse":
        v = rng.uniform(55, 110)
        return R.Surface((v, v * 1.01, v * 1.03), rng.uniform(8, 16), rng.uniform(0.02, 0.05),
                         rng.uniform(0.03, 0.08), rng.uniform(0.03, 0.07), road_half, seed,
                         style="asphalt_coarse", params={"stone": float(rng.uniform(0.015, 0.04)),
                                                         "size": float(rng.uniform(2.0, 3.5))})
    if style == "wet":
        v = rng.uniform(40, 80)
        return R.Surface((v * 1.05, v, v * 0.97), rng.uniform(3, 7), rng.uniform(0.01, 0.03),
                         rng.uniform(0.05, 0.1), rng.uniform(0.03, 0.06), road_half, seed,
                         style="wet", params={"sheen": float(rng.uniform(0.3, 0.8)),
                                              "puddle": float(rng.uniform(0.0, 0.35))})
    raise ValueError(f"unknown surface style {style!r}")


def _x_px(W):
    return R.X_MIN + (np.arange(W) + 0.5) / R.PX_PER_M


def _surf_concrete(s: R.Surface, v: np.ndarray, gx0, gz0, W, H, rng) -> None:
    p = s.params
    # brushed (tined) texture across the road: fine stripes that vary along z only
    z = (gz0 + np.arange(H)) / R.PX_PER_M
    stripes = R.fbm(0, gz0, 1, H, [p["brush"], p["brush"] * 2.5], [1.0, 0.5], s.seed + 11)[:, 0]
    v *= (1 + 0.05 * stripes)[:, None, None]
    # slab joints: straight transverse lines every `slab` m, longitudinal at lane lines
    jm = np.zeros((H, W), np.float32)
    for k in range(int(math.floor(z[0] / p["slab"])), int(math.ceil(z[-1] / p["slab"])) + 1):
        r = int(round(k * p["slab"] * R.PX_PER_M - gz0))
        if 0 <= r < H:
            jm[max(0, r - 1):r + 2] = 1
    xs = _x_px(W)
    for xl in (-p["lane"] * 2, 0.0, p["lane"] * 2):
        c = int(round((xl - R.X_MIN) * R.PX_PER_M))
        if 0 <= c < W:
            jm[:, max(0, c - 1):c + 2] = 1
    jm = cv2.GaussianBlur(jm, (0, 0), 0.8)
    v *= (1 - p["joint_dark"] * jm)[..., None]


def _surf_worn(s: R.Surface, v: np.ndarray, gx0, gz0, W, H, rng) -> None:
    p = s.params
    n = R.fbm(gx0, gz0, W, H, [200, 60], [1.0, 0.5], s.seed + 21)
    ravel = np.clip((n - (0.3 - p["ravel"])) * 6, 0, 1)        # blotches where fines are gone
    speck = rng.random((H, W), dtype=np.float32)
    pits = cv2.GaussianBlur((speck < 0.04).astype(np.float32), (0, 0), 1.2) * 3
    v *= (1 + 0.12 * ravel - 0.25 * ravel * pits)[..., None]
    tone = R.fbm(gx0, gz0, W, H, [900], [1.0], s.seed + 22)
    v *= (1 + p["tone"] * np.sign(tone) * (np.abs(tone) > 0.15))[..., None]


def _surf_coarse(s: R.Surface, v: np.ndarray, gx0, gz0, W, H, rng) -> None:
    p = s.params
    u = rng.random((H, W), dtype=np.float32)
    stones = (u < p["stone"]).astype(np.float32) * rng.uniform(40, 80)
    stones -= (u > 1 - p["stone"] * 0.7).astype(np.float32) * rng.uniform(20, 45)
    v += (cv2.GaussianBlur(stones, (0, 0), p["size"]) * 3.0)[..., None]


def _surf_wet(s: R.Surface, v: np.ndarray, gx0, gz0, W, H, rng) -> None:
    p = s.params
    gloss = R.fbm(gx0, gz0, W, H, [500, 150], [1.0, 0.4], s.seed + 31)
    sheen = np.clip(gloss * 2.5 + 0.3, 0, 1) * p["sheen"]
    v[:] = v * (1 - 0.3 * sheen[..., None]) + np.array([150, 145, 140], np.float32) * 0.3 * sheen[..., None]
    if p["puddle"] > 0:
        pud = R.fbm(gx0, gz0, W, H, [300, 90], [1.0, 0.3], s.seed + 32)
        a = cv2.GaussianBlur(np.clip((pud - 0.35 + p["puddle"]) * 8, 0, 1), (0, 0), 2.0)
        sky = np.array([185, 175, 165], np.float32)
        v[:] = v * (1 - 0.6 * a[..., None]) + sky * 0.6 * a[..., None] * (0.7 + 0.3 * gloss[..., None])


R.SURFACE_HOOKS.update({"concrete": _surf_concrete, "worn_patched": _surf_worn,
                        "asphalt_coarse": _surf_coarse, "wet": _surf_wet})


# =========================================================================== distractors
def _kindmark(kindmap, m, kind):
    kindmap[(m > 64) & (kindmap == 0)] = R.KIND_IDS[kind]


def _paint(color, a, rgb_bgr):
    color[:] = color * (1 - a[..., None]) + np.array(rgb_bgr, np.float32) * a[..., None]


def _draw_marking(f: R.Feature, color, kindmap, gz0, gx0, rng) -> None:
    p = f.params
    H, W = kindmap.shape
    m = np.zeros((H, W), np.uint8)
    for poly in p["polys"]:
        cv2.fillPoly(m, [R._fix(R._to_px(poly, gz0, gx0))], 255, cv2.LINE_AA, 4)
    a = m.astype(np.float32) / 255
    if p["wear"] > 0:
        n = R.value_noise(gx0, gz0, W, H, 5, p["seed"]) * 0.6 + R.value_noise(gx0, gz0, W, H, 20, p["seed"] + 1) * 0.4
        a *= np.clip((n - p["wear"] * 0.6) * 4, 0.05, 1)
    _paint(color, a * p["opacity"], p["paint"])
    _kindmark(kindmap, m, "marking")


def _draw_tyre(f: R.Feature, color, kindmap, gz0, gx0, rng) -> None:
    p = f.params
    H, W = kindmap.shape
    m = np.zeros((H, W), np.uint8)
    for path in p["paths"]:
        cv2.polylines(m, [R._fix(R._to_px(path, gz0, gx0))], False, 255,
                      max(2, int(p["width"] * R.PX_PER_M)), cv2.LINE_AA, 4)
    a = cv2.GaussianBlur(m, (0, 0), p["soft"] * R.PX_PER_M).astype(np.float32) / 255
    n = R.value_noise(gx0, gz0, W, H, 30, p["seed"])
    color *= (1 - p["dark"] * a * (0.6 + 0.4 * n))[..., None]
    _kindmark(kindmap, (a * 255).astype(np.uint8), "tyre_mark")


def _draw_debris(f: R.Feature, color, kindmap, gz0, gx0, rng) -> None:
    p = f.params
    H, W = kindmap.shape
    m = np.zeros((H, W), np.uint8)
    for it in p["items"]:
        c = R._fix(R._to_px(np.array([it["xz"]]), gz0, gx0))[0]
        one = np.zeros((H, W), np.uint8)
        if it["type"] == "twig":
            e = R._fix(R._to_px(np.array([it["xz"] + it["d"]]), gz0, gx0))[0]
            cv2.line(one, tuple(c), tuple(e), 255, max(1, int(it["w"] * R.PX_PER_M)), cv2.LINE_AA, 4)
        else:
            ax = (max(16, int(it["rx"] * R.PX_PER_M * 16)), max(16, int(it["rz"] * R.PX_PER_M * 16)))
            cv2.ellipse(one, tuple(c), ax, it["ang"], 0, 360, 255, -1, cv2.LINE_AA, 4)
        a = one.astype(np.float32) / 255
        _paint(color, a * it["alpha"], it["bgr"])
        m |= one
    _kindmark(kindmap, m, "debris")


def _draw_stain(f: R.Feature, color, kindmap, gz0, gx0, rng) -> None:
    p = f.params
    H, W = kindmap.shape
    m = np.zeros((H, W), np.uint8)
    for b in p["blobs"]:
        c = R._fix(R._to_px(np.array([b["xz"]]), gz0, gx0))[0]
        ax = (max(16, int(b["rx"] * R.PX_PER_M * 16)), max(16, int(b["rz"] * R.PX_PER_M * 16)))
        cv2.ellipse(m, tuple(c), ax, b["ang"], 0, 360, 255, -1, cv2.LINE_AA, 4)
    n = R.value_noise(gx0, gz0, W, H, 10, p["seed"])
    a = cv2.GaussianBlur(m, (0, 0), p["soft"] * R.PX_PER_M).astype(np.float32) / 255 * (0.6 + 0.6 * n)
    a = np.clip(a, 0, 1)
    if p["mode"] == "dark":
        color *= (1 - p["dark"] * a)[..., None]
    else:
        _paint(color, a * p["dark"], p["bgr"])
    _kindmark(kindmap, (a * 255).astype(np.uint8), "stain")


R.FEATURE_HOOKS.update({"marking": _draw_marking, "tyre_mark": _draw_tyre, "debris": _draw_debris,
                        "stain": _draw_stain})


def _feature(kind, polys_or_pts: np.ndarray, pad: float, params: Dict) -> R.Feature:
    xs, zs = polys_or_pts[:, 0], polys_or_pts[:, 1]
    params["x_range"] = (float(xs.min() - pad), float(xs.max() + pad))
    return R.Feature(kind, float(zs.min() - pad), float(zs.max() + pad), params)


def _rot(a):
    return np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])


def make_marking(rng, x, z) -> R.Feature:
    t = str(rng.choice(["arrow", "zebra", "stop", "text", "lane"]))
    white = [215, 215, 212] if rng.random() < 0.8 else [60, 190, 215]
    polys = []
    if t == "arrow":
        L, w = rng.uniform(2.0, 5.0), rng.uniform(0.12, 0.2)
        shaft = np.array([[-w / 2, 0], [w / 2, 0], [w / 2, L * 0.7], [-w / 2, L * 0.7]])
        head = np.array([[-w * 2.5, L * 0.7], [w * 2.5, L * 0.7], [0, L]])
        polys = [shaft, head]
        if rng.random() < 0.4:                         # a turn arm
            polys.append(np.array([[w / 2, L * 0.4], [w * 6, L * 0.55], [w * 6, L * 0.55 + w],
                                   [w / 2, L * 0.4 + w]]))
    elif t == "zebra":
        bw, gap, n, L = rng.uniform(0.4, 0.6), rng.uniform(0.4, 0.7), int(rng.integers(3, 8)), rng.uniform(2.5, 4)
        polys = [np.array([[i * (bw + gap), 0], [i * (bw + gap) + bw, 0], [i * (bw + gap) + bw, L],
                           [i * (bw + gap), L]]) for i in range(n)]
    elif t == "stop":
        W_, w = rng.uniform(3, 7), rng.uniform(0.25, 0.5)
        polys = [np.array([[0, 0], [W_, 0], [W_, w], [0, w]])]
    elif t == "text":
        for i in range(int(rng.integers(2, 5))):
            cw, ch = rng.uniform(0.25, 0.45), rng.uniform(1.0, 2.0)
            x0 = i * cw * 1.5
            polys += [np.array([[x0, 0], [x0 + cw, 0], [x0 + cw, 0.15], [x0, 0.15]]),
                      np.array([[x0, 0], [x0 + 0.12, 0], [x0 + 0.12, ch], [x0, ch]]),
                      np.array([[x0, ch - 0.15], [x0 + cw, ch - 0.15], [x0 + cw, ch], [x0, ch]])]
    else:
        w = rng.uniform(0.1, 0.2)
        L = rng.uniform(4, 15)
        polys = [np.array([[-w / 2, 0], [w / 2, 0], [w / 2, L], [-w / 2, L]])]
    rot = _rot(rng.normal(0, 0.05) + (0 if t != "stop" else rng.normal(0, 0.05)))
    polys = [pp @ rot + (x, z) for pp in polys]
    allp = np.concatenate(polys)
    return _feature("marking", allp, 0.2, dict(polys=polys, paint=white, wear=float(rng.uniform(0, 0.8)),
                                              opacity=float(rng.uniform(0.6, 1.0)),
                                              seed=int(rng.integers(1 << 30))))


def make_tyre(rng, x, z) -> R.Feature:
    heading = rng.normal(0, 0.25)
    L = rng.uniform(3, 12)
    curve = rng.normal(0, 0.04)
    paths = []
    track = rng.uniform(1.4, 1.7)
    n_marks = 2 if rng.random() < 0.7 else 1
    for k in range(n_marks):
        t = np.linspace(0, L, 40)
        h = heading + curve * t
        pts = np.stack([x + k * track * math.cos(heading) + np.cumsum(np.sin(h)) * (L / 40),
                        z + np.cumsum(np.cos(h)) * (L / 40)], 1)
        paths.append(pts)
    allp = np.concatenate(paths)
    return _feature("tyre_mark", allp, 0.4, dict(paths=paths, width=float(rng.uniform(0.12, 0.25)),
                                                soft=float(rng.uniform(0.01, 0.04)),
                                                dark=float(rng.uniform(0.2, 0.5)),
                                                seed=int(rng.integers(1 << 30))))


def make_debris(rng, x, z) -> R.Feature:
    items = []
    spread = rng.uniform(0.3, 2.0)
    for _ in range(int(rng.integers(3, 25))):
        t = str(rng.choice(["leaf", "twig", "stone", "litter"], p=(0.45, 0.25, 0.2, 0.1)))
        xz = np.array([x, z]) + rng.normal(0, spread, 2)
        if t == "leaf":
            bgr = [rng.uniform(10, 40), rng.uniform(60, 130), rng.uniform(90, 170)] if rng.random() < 0.7 \
                else [rng.uniform(20, 50), rng.uniform(80, 120), rng.uniform(40, 70)]
            items.append(dict(type=t, xz=xz, rx=rng.uniform(0.02, 0.05), rz=rng.uniform(0.01, 0.025),
                              ang=rng.uniform(0, 180), bgr=bgr, alpha=rng.uniform(0.7, 1.0)))
        elif t == "twig":
            a = rng.uniform(0, 2 * math.pi)
            ln = rng.uniform(0.05, 0.3)
            items.append(dict(type=t, xz=xz, d=ln * np.array([math.cos(a), math.sin(a)]),
                              w=rng.uniform(0.004, 0.012), bgr=[rng.uniform(15, 40)] * 2 + [rng.uniform(25, 60)],
                              alpha=rng.uniform(0.6, 0.95)))
        elif t == "stone":
            g = rng.uniform(60, 200)
            items.append(dict(type=t, xz=xz, rx=rng.uniform(0.01, 0.04), rz=rng.uniform(0.01, 0.04),
                              ang=rng.uniform(0, 180), bgr=[g, g, g * 1.02], alpha=rng.uniform(0.7, 1)))
        else:
            items.append(dict(type=t, xz=xz, rx=rng.uniform(0.04, 0.12), rz=rng.uniform(0.02, 0.06),
                              ang=rng.uniform(0, 180), bgr=list(rng.uniform(80, 240, 3)),
                              alpha=rng.uniform(0.8, 1)))
    allp = np.array([it["xz"] for it in items])
    return _feature("debris", allp, 0.35, dict(items=items))


def make_stain(rng, x, z) -> R.Feature:
    mode = "dark" if rng.random() < 0.7 else "paint"
    blobs = []
    n = int(rng.integers(1, 4)) if rng.random() < 0.5 else int(rng.integers(6, 20))
    big = n <= 3
    for _ in range(n):
        blobs.append(dict(xz=np.array([x, z]) + rng.normal(0, 0.2 if big else 0.4, 2),
                          rx=rng.uniform(0.2, 0.9) if big else rng.uniform(0.01, 0.05),
                          rz=rng.uniform(0.2, 0.9) if big else rng.uniform(0.01, 0.05),
                          ang=rng.uniform(0, 180)))
    allp = np.array([b["xz"] for b in blobs])
    pad = max(max(b["rx"], b["rz"]) for b in blobs) + 0.2
    return _feature("stain", allp, pad, dict(blobs=blobs, mode=mode, soft=float(rng.uniform(0.005, 0.05)),
                                             dark=float(rng.uniform(0.15, 0.45)),
                                             bgr=list(rng.uniform(60, 230, 3)),
                                             seed=int(rng.integers(1 << 30))))


def make_distractors(style: str, rng, L: float, surf: R.Surface, light: str) -> List[R.Feature]:
    feats: List[R.Feature] = []
    shadow_scale = {"overcast": 0.0, "low_sun": 2.0, "headlights": 0.0}.get(light, 1.0)
    if style == "classic":
        for _ in range(rng.integers(0, 4)):
            feats.append(R.make_feature(rng, "lane_paint", rng.uniform(-5, 5), -1.0))
        counts = {"sealed_joint": 3.0, "expansion_joint": 1.0, "oil_stain": 2.0, "patch": 1.5,
                  "manhole": 0.4}
        for kind, lam in counts.items():
            for _ in range(rng.poisson(lam * L / 10)):
                feats.append(R.make_feature(rng, kind, rng.uniform(-5.5, 5.5), rng.uniform(0, L),
                                            surf.road_half))
    else:
        make, lam = {"markings": (make_marking, 3.0), "tyre": (make_tyre, 2.0),
                     "debris": (make_debris, 4.0), "stains": (make_stain, 4.0)}[style]
        for _ in range(rng.poisson(lam * L / 10)):
            feats.append(make(rng, rng.uniform(-5.0, 5.0), rng.uniform(0, L)))
        if style == "markings":
            feats.append(make_marking(rng, rng.uniform(-4, 4), rng.uniform(0, L / 2)))
    # shadows belong to the light, not to a distractor style
    for kind, lam in (("pole_shadow", 1.5), ("tree_shadow", 0.8)):
        for _ in range(rng.poisson(lam * shadow_scale * L / 10)):
            f = R.make_feature(rng, kind, rng.uniform(-5.5, 5.5), rng.uniform(0, L), surf.road_half)
            if light == "low_sun":
                f.params["soft"] = float(rng.uniform(0.01, 0.04))
                f.params["dark"] = float(rng.uniform(0.5, 0.7))
            feats.append(f)
    return feats


# =========================================================================== cameras
def make_camera(style: str, rng, z: float) -> Tuple[R.Camera, Dict]:
    """A camera pose and its image chain: (camera, {jpeg (lo, hi), blur, motion, resample})."""
    x, yaw, roll = rng.uniform(-0.6, 0.6), rng.normal(0, 0.025), rng.normal(0, 0.015)
    if style == "dashcam":
        cam = R.Camera(x=x, z=z, height=rng.uniform(1.25, 1.5), f=rng.uniform(660, 740),
                       horizon=rng.uniform(140, 165), yaw=yaw, roll=roll)
        chain = dict(jpeg=(35, 92), blur=1.1, motion=0.0, resample=1.0)
    elif style == "high":
        cam = R.Camera(x=x, z=z, height=rng.uniform(2.0, 2.6), f=rng.uniform(700, 800),
                       horizon=rng.uniform(105, 135), yaw=yaw, roll=roll)
        chain = dict(jpeg=(60, 95), blur=0.8, motion=0.0, resample=1.0)
    elif style == "wide":
        cam = R.Camera(x=x, z=z, height=rng.uniform(1.2, 1.5), f=rng.uniform(480, 580),
                       horizon=rng.uniform(155, 180), yaw=yaw, roll=roll)
        chain = dict(jpeg=(75, 95), blur=0.5, motion=0.0, resample=1.0)
    elif style == "phone":
        cam = R.Camera(x=x, z=z, height=rng.uniform(1.1, 1.4), f=rng.uniform(760, 900),
                       horizon=rng.uniform(130, 160), yaw=yaw * 2, roll=roll * 2)
        chain = dict(jpeg=(50, 85), blur=0.6, motion=float(rng.uniform(1, 4)), resample=1.0)
    elif style == "low_quality":
        cam = R.Camera(x=x, z=z, height=rng.uniform(1.3, 1.7), f=rng.uniform(640, 720),
                       horizon=rng.uniform(140, 165), yaw=yaw, roll=roll)
        chain = dict(jpeg=(15, 40), blur=0.8, motion=0.0, resample=float(rng.uniform(0.5, 0.75)))
    else:
        raise ValueError(f"unknown camera style {style!r}")
    return cam, chain


def camera_chain(img: np.ndarray, chain: Dict, rng) -> np.ndarray:
    """Resampling (sensor resolution) and motion blur of a camera style (before the light)."""
    h, w = img.shape[:2]
    r = chain["resample"]
    mot_angle = rng.uniform(0, 180)
    if r < 1.0:
        small = cv2.resize(img, (max(1, int(w * r)), max(1, int(h * r))), interpolation=cv2.INTER_AREA)
        img = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    if chain["motion"] > 0:
        k = int(round(chain["motion"]))
        ker = np.zeros((2 * k + 1, 2 * k + 1), np.float32)
        ker[k, :] = 1
        ker = cv2.warpAffine(ker, cv2.getRotationMatrix2D((k, k), mot_angle, 1.0), ker.shape)
        ker /= max(ker.sum(), 1e-6)
        img = cv2.filter2D(img, -1, ker)
    return img


# =========================================================================== light
def apply_light(style: str, img: np.ndarray, rng, y0: int, cam: R.Camera, chain: Dict) -> np.ndarray:
    """Light of the scene on a rendered view strip (frame rows y0..), then sensor noise and blur."""
    if style == "day":
        return R.photometric(img, rng, blur_max=chain["blur"])
    f = img.astype(np.float32)
    h, w = f.shape[:2]
    if style == "overcast":
        mean = f.mean((0, 1), keepdims=True)
        f = mean + (f - mean) * rng.uniform(0.55, 0.8)
        f = f * rng.uniform(0.95, 1.2) * np.array([1.06, 1.0, 0.95], np.float32)
        noise = rng.uniform(1, 4)
    elif style == "low_sun":
        g = rng.uniform(1.05, 1.35)
        f = 255 * (np.clip(f, 0, 255) / 255) ** rng.uniform(1.05, 1.3) * g
        f *= np.array([0.9, 0.98, 1.08], np.float32)        # warm (BGR)
        ang = rng.uniform(0, 2 * math.pi)
        xx = np.arange(w, dtype=np.float32)[None, :] / w - 0.5
        yy = np.arange(h, dtype=np.float32)[:, None] / h - 0.5
        f *= (1 + 0.35 * (math.cos(ang) * xx + math.sin(ang) * yy))[..., None]
        noise = rng.uniform(1, 4)
    elif style == "dusk":
        f = f * rng.uniform(0.4, 0.65) * np.array([1.15, 0.97, 0.95], np.float32)
        f = 255 * (np.clip(f, 0, 255) / 255) ** rng.uniform(0.75, 0.95)
        noise = rng.uniform(3, 6)
    elif style == "headlights":
        depth = cam.depth_map(y0, y0 + h, 1)
        d = np.where(np.isfinite(depth), depth, 1e3)
        xs = (np.arange(w, dtype=np.float32) - R.FRAME_W / 2)[None, :] / cam.f * d   # lateral metres
        beam = np.exp(-(xs / rng.uniform(1.8, 3.0)) ** 2) * np.clip(6.0 / np.maximum(d, 2.0), 0, 1.3) ** 1.6
        amb = rng.uniform(0.04, 0.1)
        tint = np.array([0.85, 0.95, 1.1], np.float32) if rng.random() < 0.5 else np.array([1.05, 1.0, 0.98], np.float32)
        f = f * (amb + rng.uniform(0.9, 1.3) * beam)[..., None] * tint
        noise = rng.uniform(5, 10)
    else:
        raise ValueError(f"unknown light style {style!r}")
    b = rng.uniform(0, chain["blur"])
    if b > 0.3:
        f = cv2.GaussianBlur(f, (0, 0), b)
    f += rng.normal(0, noise, f.shape).astype(np.float32)
    f += rng.normal(0, noise * 0.7, (h, w, 1)).astype(np.float32)
    return np.clip(f, 0, 255).astype(np.uint8)
