"""Shared renderer for SYNTHETIC road scenes (tiles and dashcam drives).

Not real road images. A road is a ground plane described in metres (x lateral, right positive;
z forward). Its surface is rendered lazily into bird's-eye-view (BEV) *chunks* of 4 m at
``PX_PER_M`` pixels per metre: asphalt texture (value-noise fBm that is seamless across chunks,
grain, aggregate speckle), then the hard negatives (patches, oil stains, manhole covers, lane
paint, tar-sealed joints, expansion joints), then cracks, then shadows. Each chunk carries four
layers: colour (BGR uint8), crack coverage (uint8, 0..255), crack id (uint16) and distractor
kind (uint8, see ``KINDS``).

A pinhole camera above the ground gives a homography ground → frame; frames are produced with
``cv2.warpPerspective`` of the BEV (2× supersampled, then area-downsampled), so a crack's mask
in the frame is the warped crack coverage (≥ ``MASK_COVERAGE``). Training tiles and drives use
this same code, so their tile statistics match.

Everything is deterministic given the seeds: numpy ``Generator`` objects seeded from
``SeedSequence`` and a hashed-lattice noise; no global random state.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

PX_PER_M = 160                  # BEV resolution (6.25 mm per pixel)
CHUNK_M = 4.0                   # BEV chunk length along z
CHUNK_ROWS = int(CHUNK_M * PX_PER_M)
X_MIN, X_MAX = -8.8, 8.8        # BEV lateral extent (m)
BEV_COLS = int(round((X_MAX - X_MIN) * PX_PER_M))
PAD_ROWS = 64                   # rendered around a chunk so blurs are seamless
FAR_FACTOR = 4                  # far field uses BEV downsampled by this factor
MASK_COVERAGE = 0.5             # frame pixel is crack when warped coverage ≥ this

FRAME_W, FRAME_H = 960, 540
# Fixed contract with the Java runtime (docs/architecture.md, runtime default ROI).
ROI_NORM = (0.125, 0.5, 0.875, 0.9444)
ROI_PX = (120, 270, 840, 510)   # x0, y0, x1, y1
GRID_ROWS, GRID_COLS, GRID_TILE = 2, 6, 120

# Tile label rule (shared by the tile generator and the drive truth).
CRACK_MIN_FRAC = 0.004          # crack tile: ≥ 0.4 % of the tile is crack …
CRACK_MIN_INNER_FRAC = 0.002    # … and ≥ 0.2 % of the tile area lies in the inner part
INNER_MARGIN = 0.12             # inner part = tile shrunk by 12 % of its side on each edge

KINDS = {0: "none", 1: "lane_paint", 2: "sealed_joint", 3: "expansion_joint", 4: "oil_stain",
         5: "patch", 6: "manhole", 7: "shadow",
         # style families (tools/data/styles.py)
         8: "marking", 9: "tyre_mark", 10: "debris", 11: "stain"}
KIND_IDS = {v: k for k, v in KINDS.items()}

# Hooks of the style families (tools/data/styles.py registers them; the classic renderer needs
# none): SURFACE_HOOKS[style](surface, v, gx0, gz0, W, H, rng) edits the asphalt colour v
# (float32 H×W×3) in place; FEATURE_HOOKS[kind](feature, color, kindmap, gz0, gx0, rng) draws a
# distractor like _draw_feature; CRACK_HOOKS[style](crack, color, gz0, rng) draws what goes
# with a crack under its dark line (a sealant band, a lit rim).
SURFACE_HOOKS: Dict[str, "object"] = {}
FEATURE_HOOKS: Dict[str, "object"] = {}
CRACK_HOOKS: Dict[str, "object"] = {}


# --------------------------------------------------------------------------- noise
def _hash01(ix: np.ndarray, iz: np.ndarray, seed: int) -> np.ndarray:
    ix, iz = np.broadcast_arrays(ix, iz)
    h = (ix.astype(np.int64) & 0xFFFFFFFF).astype(np.uint32) * np.uint32(0x8DA6B343)
    h ^= (iz.astype(np.int64) & 0xFFFFFFFF).astype(np.uint32) * np.uint32(0xD8163841)
    h ^= np.uint32((seed * 0xCB1AB31F + 0x68E31DA4) & 0xFFFFFFFF)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0x5BD1E995)
    h ^= h >> np.uint32(15)
    h *= np.uint32(0x27D4EB2D)
    h ^= h >> np.uint32(16)
    return (h >> np.uint32(8)).astype(np.float32) / np.float32(1 << 24)


def value_noise(gx0: int, gz0: int, w: int, h: int, cell: float, seed: int) -> np.ndarray:
    """Smooth value noise in [0, 1) on global pixel coordinates (seamless between chunks)."""
    xs = (gx0 + np.arange(w)) / cell
    zs = (gz0 + np.arange(h)) / cell
    ix = np.floor(xs).astype(np.int64)
    iz = np.floor(zs).astype(np.int64)
    tx = (xs - ix).astype(np.float32)
    tz = (zs - iz).astype(np.float32)
    tx = tx * tx * (3 - 2 * tx)
    tz = tz * tz * (3 - 2 * tz)
    lx = np.arange(ix[0], ix[-1] + 2)
    lz = np.arange(iz[0], iz[-1] + 2)
    lat = _hash01(lx[None, :], lz[:, None], seed)            # (nz, nx)
    cx = ix - ix[0]
    rows = lat[:, cx] * (1 - tx) + lat[:, cx + 1] * tx       # (nz, w)
    cz = iz - iz[0]
    return rows[cz] * (1 - tz)[:, None] + rows[cz + 1] * tz[:, None]


def fbm(gx0, gz0, w, h, cells: Sequence[float], amps: Sequence[float], seed: int) -> np.ndarray:
    out = np.zeros((h, w), np.float32)
    for i, (c, a) in enumerate(zip(cells, amps)):
        out += a * (value_noise(gx0, gz0, w, h, c, seed * 31 + i) - 0.5)
    return out


# --------------------------------------------------------------------------- features
@dataclass
class Crack:
    id: int
    kind: str                           # longitudinal | transverse | diagonal | alligator
    pieces: List[Tuple[np.ndarray, np.ndarray]]   # (points N×2 in metres (x, z), widths N-1 m)
    contrast: float
    z_min: float = 0.0
    z_max: float = 0.0
    style: str = "path"                 # crack drawing style (tools/data/styles.py)
    params: Dict = field(default_factory=dict)

    def __post_init__(self):
        zs = np.concatenate([p[:, 1] for p, _ in self.pieces])
        self.z_min, self.z_max = float(zs.min()) - 0.05, float(zs.max()) + 0.05


@dataclass
class Feature:
    kind: str
    z_min: float
    z_max: float
    params: Dict = field(default_factory=dict)


@dataclass
class Surface:
    """Asphalt appearance of one road."""
    base_bgr: Tuple[float, float, float]
    grain: float                     # per-pixel grain std (levels)
    speckle: float                   # aggregate density
    large_var: float                 # large-scale brightness variation (fraction)
    mid_var: float
    road_half: Tuple[float, float]   # asphalt edges (left, right), metres
    seed: int
    style: str = "asphalt_dense"     # surface style (tools/data/styles.py)
    params: Dict = field(default_factory=dict)


@dataclass
class Road:
    surface: Surface
    cracks: List[Crack]
    features: List[Feature]
    length: float
    seed: int
    _cache: Dict = field(default_factory=dict, repr=False)
    _far: Dict = field(default_factory=dict, repr=False)
    cache_size: int = 8

    def chunk(self, k: int) -> Dict[str, np.ndarray]:
        if k in self._cache:
            return self._cache[k]
        c = render_chunk(self, k)
        self._cache[k] = c
        while len(self._cache) > self.cache_size:
            self._cache.pop(next(iter(self._cache)))
        return c

    def far_chunk(self, k: int) -> np.ndarray:
        if k not in self._far:
            col = self.chunk(k)["color"]
            self._far[k] = cv2.resize(col, (BEV_COLS // FAR_FACTOR, CHUNK_ROWS // FAR_FACTOR),
                                      interpolation=cv2.INTER_AREA)
        return self._far[k]


def _jagged(rng, p0, p1, rough: float, seg: float = 0.03) -> np.ndarray:
    """Midpoint-displacement polyline from p0 to p1 (metres)."""
    pts = np.array([p0, p1], np.float64)
    while True:
        d = np.diff(pts, axis=0)
        ln = np.hypot(d[:, 0], d[:, 1])
        if ln.max() <= seg:
            break
        mid = (pts[:-1] + pts[1:]) / 2
        nrm = np.stack([-d[:, 1], d[:, 0]], 1) / np.maximum(ln, 1e-9)[:, None]
        mid += nrm * (rng.normal(0, rough, len(mid)) * ln)[:, None]
        out = np.empty((len(pts) + len(mid), 2))
        out[0::2] = pts
        out[1::2] = mid
        pts = out
    return pts


def _walk(rng, start, heading, length, meander, step=0.25) -> np.ndarray:
    """Coarse meandering path (metres), later made jagged."""
    pts = [np.array(start, np.float64)]
    n = max(2, int(length / step))
    for _ in range(n):
        heading += rng.normal(0, meander)
        pts.append(pts[-1] + step * np.array([math.sin(heading), math.cos(heading)]))
    return np.array(pts)


def _widths(rng, n, w0) -> np.ndarray:
    t = np.linspace(0, 1, n)
    prof = 1 + 0.35 * np.sin(2 * math.pi * (rng.uniform(0.5, 2.5) * t + rng.uniform()))
    taper = np.minimum(1, np.minimum(t, 1 - t) * rng.uniform(4, 10) + 0.35)
    return np.clip(w0 * prof * taper, 0.004, 0.03)


def _path_piece(rng, coarse, w0, rough) -> Tuple[np.ndarray, np.ndarray]:
    pts = [coarse[:1]]
    for a, b in zip(coarse[:-1], coarse[1:]):
        pts.append(_jagged(rng, a, b, rough)[1:])
    pts = np.concatenate(pts)
    return pts, _widths(rng, len(pts) - 1, w0)


def make_crack(rng, cid: int, kind: str, x: float, z: float) -> Crack:
    w0 = rng.uniform(0.006, 0.016)
    rough = rng.uniform(0.12, 0.3)
    contrast = float(rng.uniform(0.4, 0.85))
    pieces = []
    if kind == "alligator":
        sx, sz = rng.uniform(0.5, 1.6), rng.uniform(0.6, 2.2)
        spacing = rng.uniform(0.14, 0.3)
        n = int(sx * sz / spacing ** 2) + 4
        pts = np.stack([rng.uniform(-sx / 2, sx / 2, n), rng.uniform(-sz / 2, sz / 2, n)], 1)
        sub = cv2.Subdiv2D((-10, -10, 20, 20))
        for p in pts:
            sub.insert((float(p[0] + 5), float(p[1] + 5)))
        facets, _ = sub.getVoronoiFacetList([])
        seen = set()
        for f in facets:
            f = np.asarray(f, np.float64) - 5
            for a, b in zip(f, np.roll(f, -1, 0)):
                key = tuple(np.round(np.concatenate([np.minimum(a, b), np.maximum(a, b)]), 4))
                if key in seen:
                    continue
                seen.add(key)
                m = (a + b) / 2
                if (m[0] / (sx / 2)) ** 2 + (m[1] / (sz / 2)) ** 2 > 1 or rng.uniform() < 0.12:
                    continue
                seg = _jagged(rng, a + (x, z), b + (x, z), rough * 0.7, 0.02)
                pieces.append((seg, _widths(rng, len(seg) - 1, w0 * 0.7)))
        if not pieces:
            kind = "diagonal"
    if kind != "alligator":
        if kind == "longitudinal":
            heading, length, meander = rng.normal(0, 0.2), rng.uniform(1.5, 6.0), 0.12
        elif kind == "transverse":
            heading = math.pi / 2 * rng.choice([-1, 1]) + rng.normal(0, 0.2)
            length, meander = rng.uniform(0.8, 3.5), 0.12
        else:
            heading, length, meander = rng.uniform(0, 2 * math.pi), rng.uniform(0.5, 2.0), 0.25
        coarse = _walk(rng, (x, z), heading, length, meander)
        pieces.append(_path_piece(rng, coarse, w0, rough))
        for _ in range(rng.integers(0, 4)):            # branches
            main = pieces[0][0]
            i = rng.integers(len(main) // 5, max(len(main) // 5 + 1, 4 * len(main) // 5))
            h2 = heading + rng.choice([-1, 1]) * rng.uniform(0.5, 1.2)
            br = _walk(rng, main[i], h2, rng.uniform(0.2, 1.0), 0.3, 0.1)
            pieces.append(_path_piece(rng, br, w0 * rng.uniform(0.5, 0.8), rough))
    return Crack(cid, kind, pieces, contrast)


# --------------------------------------------------------------------------- distractors
def make_feature(rng, kind: str, x: float, z: float, road_half=(-6.4, 6.4)) -> Feature:
    p: Dict = {}
    if kind == "sealed_joint":
        # Smooth, wide, uniform dark band (tar crack-sealing): low jitter, constant width.
        heading = rng.choice([rng.normal(0, 0.15), math.pi / 2 + rng.normal(0, 0.2),
                              rng.uniform(0, math.pi)])
        path = _walk(rng, (x, z), heading, rng.uniform(1.0, 5.0), 0.06, 0.3)
        p = dict(path=path, width=rng.uniform(0.025, 0.07), dark=rng.uniform(0.45, 0.75),
                 tar=rng.uniform(25, 40))
    elif kind == "expansion_joint":
        p = dict(z=z, x0=road_half[0], x1=road_half[1], width=rng.uniform(0.008, 0.02),
                 dark=rng.uniform(0.35, 0.7), band=rng.uniform(0.1, 0.3), angle=rng.normal(0, 0.03))
        return Feature(kind, z - 0.6, z + 0.6, p)
    elif kind == "oil_stain":
        p = dict(x=x, z=z, rx=rng.uniform(0.1, 0.45), rz=rng.uniform(0.15, 0.7),
                 angle=rng.uniform(0, 180), dark=rng.uniform(0.2, 0.5), seed=int(rng.integers(1 << 30)))
    elif kind == "patch":
        w, l = rng.uniform(0.5, 3.0), rng.uniform(0.5, 3.5)
        ang = rng.normal(0, 0.05)
        c, s = math.cos(ang), math.sin(ang)
        corners = np.array([[-w / 2, -l / 2], [w / 2, -l / 2], [w / 2, l / 2], [-w / 2, l / 2]])
        poly = corners @ np.array([[c, s], [-s, c]]) + (x, z)
        p = dict(poly=poly, tone=rng.uniform(0.6, 1.15), edge=rng.uniform(0.0, 0.5),
                 edge_w=rng.uniform(0.01, 0.03))
    elif kind == "manhole":
        p = dict(x=x, z=z, r=rng.uniform(0.3, 0.42), tone=rng.uniform(0.55, 0.95),
                 square=bool(rng.uniform() < 0.25))
    elif kind == "pole_shadow":
        ang = rng.uniform(-1.2, 1.2)                     # shadow direction from the pole base
        length, wdt = rng.uniform(6, 16), rng.uniform(0.1, 0.35)
        d = np.array([math.cos(ang), math.sin(ang)])
        start = np.array([x, z])
        p = dict(a=start, b=start + d * length * rng.choice([-1, 1]), width=wdt,
                 soft=rng.uniform(0.03, 0.15), dark=rng.uniform(0.35, 0.6))
        zs = [p["a"][1], p["b"][1]]
        return Feature(kind, min(zs) - 0.5, max(zs) + 0.5, p)
    elif kind == "tree_shadow":
        p = dict(x=x, z=z, rx=rng.uniform(1.5, 5), rz=rng.uniform(1.5, 5), dark=rng.uniform(0.35, 0.6),
                 seed=int(rng.integers(1 << 30)), soft=rng.uniform(0.05, 0.2))
        return Feature(kind, z - p["rz"] - 0.5, z + p["rz"] + 0.5, p)
    elif kind == "lane_paint":
        dashed = bool(rng.uniform() < 0.5)
        p = dict(x=x, z0=z, z1=z + rng.uniform(8, 30), width=rng.uniform(0.1, 0.18), dashed=dashed,
                 dash=rng.uniform(2, 4), gap=rng.uniform(3, 8), phase=rng.uniform(0, 10),
                 yellow=bool(rng.uniform() < 0.25), wear=rng.uniform(0.0, 0.7),
                 seed=int(rng.integers(1 << 30)), angle=rng.normal(0, 0.01))
        return Feature(kind, z - 0.1, p["z1"] + 0.1, p)
    else:
        raise ValueError(kind)
    zs = {"sealed_joint": lambda: (p["path"][:, 1].min(), p["path"][:, 1].max()),
          "oil_stain": lambda: (z - max(p["rx"], p["rz"]), z + max(p["rx"], p["rz"])),
          "patch": lambda: (p["poly"][:, 1].min(), p["poly"][:, 1].max()),
          "manhole": lambda: (z - p["r"], z + p["r"])}[kind]()
    return Feature(kind, zs[0] - 0.3, zs[1] + 0.3, p)


# --------------------------------------------------------------------------- chunk rendering
def _to_px(pts: np.ndarray, gz0: int, gx0: int = 0) -> np.ndarray:
    """metres (x, z) → local BEV pixel coordinates (col, row) as float."""
    return np.stack([(pts[:, 0] - X_MIN) * PX_PER_M - gx0, pts[:, 1] * PX_PER_M - gz0], 1)


def _x_range(f: "Feature") -> Tuple[float, float]:
    p = f.params
    if f.kind == "patch":
        return p["poly"][:, 0].min(), p["poly"][:, 0].max()
    if f.kind == "oil_stain":
        r = max(p["rx"], p["rz"]) + 0.1
        return p["x"] - r, p["x"] + r
    if f.kind == "manhole":
        return p["x"] - p["r"] - 0.05, p["x"] + p["r"] + 0.05
    if f.kind == "lane_paint":
        d = abs(p["angle"]) * (p["z1"] - p["z0"]) + p["width"]
        return p["x"] - d, p["x"] + d
    if f.kind == "sealed_joint":
        return p["path"][:, 0].min() - p["width"], p["path"][:, 0].max() + p["width"]
    if "x_range" in p:
        return p["x_range"]
    return X_MIN, X_MAX


def _fix(pts: np.ndarray) -> np.ndarray:
    return np.round(pts * 16).astype(np.int32)          # cv2 shift=4


def render_chunk(road: Road, k: int) -> Dict[str, np.ndarray]:
    s = road.surface
    gz0 = k * CHUNK_ROWS - PAD_ROWS
    H, W = CHUNK_ROWS + 2 * PAD_ROWS, BEV_COLS
    gx0 = 0
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([road.seed, 7919, k])))
    # ---- asphalt
    lum = 1 + fbm(gx0, gz0, W, H, [640, 256], [s.large_var * 2, s.large_var], s.seed)
    lum += fbm(gx0, gz0, W, H, [64, 20], [s.mid_var * 2, s.mid_var], s.seed + 1)
    tint = fbm(gx0, gz0, W, H, [400], [0.06], s.seed + 2)
    grain = rng.random((H, W), dtype=np.float32)
    grain = cv2.GaussianBlur(grain, (0, 0), 0.7) * (s.grain * 1.6 * 3.46)
    grain -= s.grain * 1.6 * 1.73
    # aggregate speckle: sparse impulses blurred into small stones, brighter and darker
    density = s.speckle * (1 + 0.8 * fbm(gx0, gz0, W, H, [90], [1.0], s.seed + 3))
    u = rng.random((H, W), dtype=np.float32)
    bright = (u < density * 0.5).astype(np.float32) * rng.uniform(25, 70)
    dark = ((u > 1 - density * 0.5)).astype(np.float32) * rng.uniform(15, 40)
    stones = cv2.GaussianBlur(bright - dark, (0, 0), rng.uniform(0.8, 1.3)) * 3.0
    base = np.array(s.base_bgr, np.float32)
    v = lum[..., None] * base[None, None, :] + (grain + stones)[..., None]
    v[..., 2] += tint * 60
    v[..., 0] -= tint * 40
    if s.style in SURFACE_HOOKS:
        SURFACE_HOOKS[s.style](s, v, gx0, gz0, W, H, rng)
    # road edge: shoulder (grass / gravel) outside the asphalt, computed only near the edges
    xs = X_MIN + (np.arange(W) + 0.5) / PX_PER_M
    for side, xe in ((0, s.road_half[0]), (1, s.road_half[1])):
        cols = np.flatnonzero((xs < xe + 0.5) if side == 0 else (xs > xe - 0.5))
        if len(cols) == 0:
            continue
        c0, c1 = int(cols[0]), int(cols[-1]) + 1
        en = fbm(c0, gz0, c1 - c0, H, [48, 12], [0.25, 0.1], s.seed + 4)
        xx = xs[None, c0:c1]
        outside = (xx < xe + en) if side == 0 else (xx > xe - en)
        g = fbm(c0, gz0, c1 - c0, H, [24, 6], [60, 30], s.seed + 5)
        grass = np.stack([40 + g * 0.5, 85 + g, 70 + g * 0.8], -1)
        sub = v[:, c0:c1]
        sub[outside] = grass[outside]
    color = v
    kindmap = np.zeros((H, W), np.uint8)
    cov = np.zeros((H, W), np.uint8)
    dark_l = np.zeros((H, W), np.uint8)
    ids = np.zeros((H, W), np.uint16)
    z0m, z1m = gz0 / PX_PER_M, (gz0 + H) / PX_PER_M
    feats = [f for f in road.features if f.z_max >= z0m and f.z_min <= z1m]
    order = ["patch", "oil_stain", "manhole", "lane_paint", "sealed_joint", "expansion_joint"]
    for kind in order:
        for f in feats:
            if f.kind == kind:
                r0 = int(max(0, math.floor(f.z_min * PX_PER_M) - gz0))
                r1 = int(min(H, math.ceil(f.z_max * PX_PER_M) - gz0))
                xa, xb = _x_range(f)
                c0 = int(max(0, math.floor((xa - X_MIN) * PX_PER_M) - 8))
                c1 = int(min(W, math.ceil((xb - X_MIN) * PX_PER_M) + 8))
                if r1 > r0 and c1 > c0:
                    _draw_feature(f, color[r0:r1, c0:c1], kindmap[r0:r1, c0:c1], gz0 + r0, c0, rng)
    for f in feats:
        if f.kind in FEATURE_HOOKS:
            r0 = int(max(0, math.floor(f.z_min * PX_PER_M) - gz0))
            r1 = int(min(H, math.ceil(f.z_max * PX_PER_M) - gz0))
            xa, xb = _x_range(f)
            c0 = int(max(0, math.floor((xa - X_MIN) * PX_PER_M) - 8))
            c1 = int(min(W, math.ceil((xb - X_MIN) * PX_PER_M) + 8))
            if r1 > r0 and c1 > c0:
                FEATURE_HOOKS[f.kind](f, color[r0:r1, c0:c1], kindmap[r0:r1, c0:c1], gz0 + r0, c0, rng)
    for c in road.cracks:
        if c.z_max < z0m or c.z_min > z1m:
            continue
        if c.style in CRACK_HOOKS:
            CRACK_HOOKS[c.style](c, color, gz0, rng)
        for pts, wid in c.pieces:
            px = _fix(_to_px(pts, gz0))
            for i in range(len(wid)):
                t = max(1, int(round(wid[i] * PX_PER_M)))
                a, b = tuple(px[i]), tuple(px[i + 1])
                cv2.line(cov, a, b, 255, t, cv2.LINE_AA, 4)
                cv2.line(dark_l, a, b, int(c.contrast * 255), t, cv2.LINE_AA, 4)
                cv2.line(ids, a, b, c.id, t, cv2.LINE_8, 4)
    rows = np.flatnonzero(cov.any(1))
    if len(rows):
        r0, r1 = max(0, rows[0] - 4), min(H, rows[-1] + 5)
        d = cv2.GaussianBlur(dark_l[r0:r1], (0, 0), 0.6).astype(np.float32) / 255
        d *= 0.75 + 0.5 * rng.random(d.shape, dtype=np.float32)
        color[r0:r1] *= (1 - np.clip(d, 0, 0.95))[..., None]
        ids[cov < 128] = 0
    # shadows last: they darken everything under them
    shade = np.ones((H, W), np.float32)
    for f in feats:
        if f.kind in ("pole_shadow", "tree_shadow"):
            shade = np.minimum(shade, _shadow(f, gz0, H, W))
    if (shade < 0.999).any():
        color *= shade[..., None]
        kindmap[(shade < 0.85) & (kindmap == 0)] = KIND_IDS["shadow"]
    sl = slice(PAD_ROWS, PAD_ROWS + CHUNK_ROWS)
    return {"color": np.clip(color[sl], 0, 255).astype(np.uint8), "cov": cov[sl].copy(),
            "ids": ids[sl].copy(), "kind": kindmap[sl].copy()}


def _low_res_grid(gz0, H, W):
    f = FAR_FACTOR
    return (W + f - 1) // f, (H + f - 1) // f


def _shadow(f: Feature, gz0: int, H: int, W: int) -> np.ndarray:
    p = f.params
    lw, lh = _low_res_grid(gz0, H, W)
    m = np.zeros((lh, lw), np.float32)
    sc = 1.0 / FAR_FACTOR
    if f.kind == "pole_shadow":
        pts = _to_px(np.array([p["a"], p["b"]]), gz0) * sc
        t = max(1, int(round(p["width"] * PX_PER_M * sc)))
        cv2.line(m, tuple(_fix(pts[0])), tuple(_fix(pts[1])), 1.0, t, cv2.LINE_AA, 4)
        soft = p["soft"] * PX_PER_M * sc
    else:
        yy, xx = np.mgrid[0:lh, 0:lw].astype(np.float32)
        cx = (p["x"] - X_MIN) * PX_PER_M * sc
        cz = (p["z"] * PX_PER_M - gz0) * sc
        r = ((xx - cx) / (p["rx"] * PX_PER_M * sc)) ** 2 + ((yy - cz) / (p["rz"] * PX_PER_M * sc)) ** 2
        n = value_noise(0, gz0 // FAR_FACTOR, lw, lh, 12, p["seed"]) * 0.6 \
            + value_noise(0, gz0 // FAR_FACTOR, lw, lh, 5, p["seed"] + 1) * 0.4
        m = ((n > 0.45 + 0.4 * r) & (r < 1)).astype(np.float32)
        soft = p["soft"] * PX_PER_M * sc
    m = cv2.GaussianBlur(m, (0, 0), max(0.5, soft))
    m = cv2.resize(m, (W, H), interpolation=cv2.INTER_LINEAR)
    return 1 - p["dark"] * np.clip(m, 0, 1)


def _draw_feature(f: Feature, color: np.ndarray, kindmap: np.ndarray, gz0: int, gx0: int, rng) -> None:
    p = f.params
    H, W = kindmap.shape
    kid = KIND_IDS.get(f.kind, 0)
    m = np.zeros((H, W), np.uint8)
    if f.kind == "patch":
        poly = _fix(_to_px(p["poly"], gz0, gx0))
        cv2.fillPoly(m, [poly], 255, cv2.LINE_AA, 4)
        a = m.astype(np.float32)[..., None] / 255
        color *= 1 - a * (1 - p["tone"])
        if p["edge"] > 0.05:
            e = np.zeros((H, W), np.uint8)
            cv2.polylines(e, [poly], True, 255, max(1, int(p["edge_w"] * PX_PER_M)), cv2.LINE_AA, 4)
            color *= 1 - (e.astype(np.float32)[..., None] / 255) * p["edge"]
            m |= e
    elif f.kind == "oil_stain":
        lw, lh = _low_res_grid(gz0, H, W)
        sc = 1.0 / FAR_FACTOR
        s = np.zeros((lh, lw), np.float32)
        cen = _to_px(np.array([[p["x"], p["z"]]]), gz0, gx0)[0] * sc
        ax = (max(1, int(p["rx"] * PX_PER_M * sc)), max(1, int(p["rz"] * PX_PER_M * sc)))
        cv2.ellipse(s, (int(cen[0]), int(cen[1])), ax, p["angle"], 0, 360, 1.0, -1)
        n = value_noise(gx0 // FAR_FACTOR, gz0 // FAR_FACTOR, lw, lh, 4, p["seed"])
        s = cv2.GaussianBlur(s * (0.5 + n), (0, 0), 2.0)
        s = cv2.resize(np.clip(s, 0, 1), (W, H))
        color *= 1 - (s * p["dark"])[..., None]
        color[..., 0] += s * 6                                    # faint bluish sheen
        m = (s > 0.15).astype(np.uint8) * 255
    elif f.kind == "manhole":
        cen = _to_px(np.array([[p["x"], p["z"]]]), gz0, gx0)[0]
        r = int(p["r"] * PX_PER_M)
        c16 = tuple(_fix(cen))
        if p["square"]:
            half = _fix(np.array([r, r], np.float64))
            cv2.rectangle(m, (c16[0] - half[0], c16[1] - half[1]), (c16[0] + half[0], c16[1] + half[1]),
                          255, -1, cv2.LINE_AA, 4)
        else:
            cv2.circle(m, c16, r * 16, 255, -1, cv2.LINE_AA, 4)
        a = m.astype(np.float32) / 255
        metal = np.full((H, W), 110 * p["tone"], np.float32)
        pat = np.zeros((H, W), np.uint8)
        for rr in (0.85, 0.6, 0.35):
            cv2.circle(pat, c16, int(r * rr * 16), 255, max(2, r // 12), cv2.LINE_AA, 4)
        step = max(6, r // 5)
        for off in range(-r, r + 1, step):
            cv2.line(pat, (c16[0] + off * 16, c16[1] - r * 16), (c16[0] + off * 16, c16[1] + r * 16),
                     255, 2, cv2.LINE_AA, 4)
        metal -= pat.astype(np.float32) / 255 * 35
        metal += rng.normal(0, 6, (H, W)).astype(np.float32)
        ring = np.zeros((H, W), np.uint8)
        cv2.circle(ring, c16, (r + 2) * 16, 255, 3, cv2.LINE_AA, 4) if not p["square"] else None
        color[:] = color * (1 - a[..., None]) + metal[..., None] * a[..., None]
        color *= 1 - (ring.astype(np.float32)[..., None] / 255) * 0.6
        m |= ring
    elif f.kind == "lane_paint":
        zs = np.arange(p["z0"], p["z1"], 0.05)
        if p["dashed"]:
            ph = (zs + p["phase"]) % (p["dash"] + p["gap"])
            on = ph < p["dash"]
        else:
            on = np.ones(len(zs), bool)
        x = p["x"] + (zs - p["z0"]) * p["angle"]
        hw = p["width"] / 2
        for i in np.flatnonzero(on):
            quad = np.array([[x[i] - hw, zs[i]], [x[i] + hw, zs[i]], [x[i] + hw, zs[i] + 0.051],
                             [x[i] - hw, zs[i] + 0.051]])
            cv2.fillPoly(m, [_fix(_to_px(quad, gz0, gx0))], 255, cv2.LINE_AA, 4)
        if m.any():
            a = m.astype(np.float32) / 255
            if p["wear"] > 0:
                n = value_noise(gx0, gz0, W, H, 6, p["seed"]) * 0.6 + value_noise(gx0, gz0, W, H, 24, p["seed"] + 1) * 0.4
                a *= np.clip((n - p["wear"] * 0.7) * 4, 0.1, 1)
            paint = np.array([60, 190, 215] if p["yellow"] else [215, 215, 210], np.float32)
            color[:] = color * (1 - a[..., None]) + (paint * (0.85 + 0.15 * a[..., None])) * a[..., None]
    elif f.kind == "sealed_joint":
        pts = _fix(_to_px(p["path"], gz0, gx0))
        t = max(2, int(round(p["width"] * PX_PER_M)))
        cv2.polylines(m, [pts], False, 255, t, cv2.LINE_AA, 4)
        a = cv2.GaussianBlur(m, (0, 0), 1.0).astype(np.float32) / 255
        tar = np.float32(p["tar"])
        color[:] = color * (1 - a[..., None] * p["dark"]) + tar * a[..., None] * p["dark"] * 0.3
    elif f.kind == "expansion_joint":
        zc = p["z"]
        a_, b_ = np.array([[p["x0"], zc], [p["x1"], zc + (p["x1"] - p["x0"]) * p["angle"]]])
        pts = _fix(_to_px(np.array([a_, b_]), gz0, gx0))
        band = np.zeros((H, W), np.uint8)
        cv2.line(band, tuple(pts[0]), tuple(pts[1]), 255, max(2, int(p["band"] * PX_PER_M)), cv2.LINE_AA, 4)
        color *= 1 + (band.astype(np.float32)[..., None] / 255) * 0.12
        cv2.line(m, tuple(pts[0]), tuple(pts[1]), 255, max(1, int(round(p["width"] * PX_PER_M))),
                 cv2.LINE_AA, 4)
        color *= 1 - (m.astype(np.float32)[..., None] / 255) * p["dark"]
    kindmap[(m > 64) & (kindmap == 0)] = kid


# --------------------------------------------------------------------------- camera
@dataclass
class Camera:
    x: float = 0.0          # lateral position (m)
    z: float = 0.0          # forward position (m)
    height: float = 1.35    # above ground (m)
    f: float = 700.0        # focal length (px, at 960 wide)
    horizon: float = 150.0  # horizon row (px) before roll
    yaw: float = 0.0        # radians, positive = looking right
    roll: float = 0.0       # radians

    def ground_to_frame(self) -> np.ndarray:
        c, s = math.cos(self.yaw), math.sin(self.yaw)
        cx, f, h, yh = FRAME_W / 2, self.f, self.height, self.horizon
        tz = s * self.x + c * self.z
        tx = c * self.x - s * self.z
        M = np.array([[f * c + cx * s, -f * s + cx * c, -f * tx - cx * tz],
                      [yh * s, yh * c, f * h - yh * tz],
                      [s, c, -tz]])
        cr, sr = math.cos(self.roll), math.sin(self.roll)
        ox, oy = FRAME_W / 2, FRAME_H / 2
        R = np.array([[cr, -sr, ox - cr * ox + sr * oy], [sr, cr, oy - sr * ox - cr * oy], [0, 0, 1]])
        return R @ M

    def depth_map(self, y0: int, y1: int, scale: int = 1) -> np.ndarray:
        """Forward depth (m) of the ground under each pixel of rows y0..y1 (inf above horizon)."""
        ys = (np.arange(y0 * scale, y1 * scale) + 0.5) / scale
        xs = (np.arange(FRAME_W * scale) + 0.5) / scale
        cr, sr = math.cos(self.roll), math.sin(self.roll)
        v = -sr * (xs[None, :] - FRAME_W / 2) + cr * (ys[:, None] - FRAME_H / 2) + FRAME_H / 2
        with np.errstate(divide="ignore"):
            d = np.where(v > self.horizon + 0.5, self.f * self.height / (v - self.horizon), np.inf)
        return d


NEAR_MAX = 14.0   # metres of high-resolution ground in front of the camera


def render_view(road: Road, cam: Camera, y0: int = 0, y1: int = FRAME_H, ss: int = 2,
                far: bool = True, far_m: float = 70.0) -> Dict[str, np.ndarray]:
    """Render frame rows y0..y1 (full width). Returns bgr (uint8), cov (float 0..1),
    mask (bool, cov ≥ MASK_COVERAGE), ids (uint16 crack id per mask pixel), kind (uint8)."""
    G = cam.ground_to_frame()
    hh = y1 - y0
    T = np.array([[ss, 0, 0], [0, ss, -y0 * ss], [0, 0, 1]], np.float64)
    T1 = np.array([[1, 0, 0], [0, 1, -y0], [0, 0, 1]], np.float64)
    zn0, zn1 = cam.z + 1.0, cam.z + NEAR_MAX + 1.0
    k0, k1 = int(math.floor(zn0 / CHUNK_M)), int(math.floor(zn1 / CHUNK_M))
    chunks = [road.chunk(k) for k in range(k0, k1 + 1)]
    col = np.concatenate([c["color"] for c in chunks])
    cov = np.concatenate([c["cov"] for c in chunks])
    ids = np.concatenate([c["ids"] for c in chunks])
    kind = np.concatenate([c["kind"] for c in chunks])
    A = np.array([[1 / PX_PER_M, 0, X_MIN], [0, 1 / PX_PER_M, k0 * CHUNK_M], [0, 0, 1]])
    Hn = T @ G @ A
    W2, H2 = FRAME_W * ss, hh * ss
    depth2 = cam.depth_map(y0, y1, ss)
    near2 = depth2 <= NEAR_MAX
    img2 = cv2.warpPerspective(col, Hn, (W2, H2), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=(60, 95, 75))
    far_sel = np.isfinite(depth2) & ~near2
    if far and far_sel.any():
        kf0 = k1
        kf1 = int(math.floor((cam.z + far_m) / CHUNK_M))
        kf1 = min(kf1, int(math.ceil(road.length / CHUNK_M)))
        fcol = np.concatenate([road.far_chunk(k) for k in range(kf0, kf1 + 1)])
        Af = np.array([[FAR_FACTOR / PX_PER_M, 0, X_MIN], [0, FAR_FACTOR / PX_PER_M, kf0 * CHUNK_M],
                       [0, 0, 1]])
        far_img = cv2.warpPerspective(fcol, T @ G @ Af, (W2, H2), flags=cv2.INTER_LINEAR,
                                      borderMode=cv2.BORDER_CONSTANT, borderValue=(60, 95, 75))
        img2 = np.where(near2[..., None], img2, far_img)
    out = cv2.resize(img2, (FRAME_W, hh), interpolation=cv2.INTER_AREA) if ss > 1 else img2
    out = out.astype(np.float32)
    depth = cam.depth_map(y0, y1, 1)
    ground = np.isfinite(depth)
    dd = np.minimum(depth, 1e6)
    fog = 0.8 * (1 - np.exp(-dd / 120.0))
    if far:   # fade the far field into haze (no effect closer than 30 m)
        w = np.clip((dd - 30.0) / max(1.0, far_m - 30.0), 0, 1) ** 1.5
        fog = fog + (1 - fog) * w
    fog = np.where(ground, fog, 0).astype(np.float32)
    haze = np.array([175, 175, 170], np.float32)
    out = out * (1 - fog[..., None]) + haze * fog[..., None]
    if not ground.all():
        ys = np.arange(y0, y1, dtype=np.float32)[:, None]
        grad = np.clip(ys / max(1.0, cam.horizon), 0, 1)
        sky_col = np.array([205, 190, 170], np.float32) * (0.85 + 0.15 * grad)[..., None]
        out = np.where(ground[..., None], out, sky_col)
    bgr = out
    covw = cv2.warpPerspective(cov, Hn, (W2, H2), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    covw = np.where(near2, covw, 0).astype(np.float32) / 255
    if ss > 1:
        covw = cv2.resize(covw, (FRAME_W, hh), interpolation=cv2.INTER_AREA)
    mask = covw >= MASK_COVERAGE
    Hn1 = T1 @ G @ A
    idw = cv2.warpPerspective(ids, Hn1, (FRAME_W, hh), flags=cv2.INTER_NEAREST,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    idw = cv2.dilate(idw, np.ones((3, 3), np.uint8))
    idw = np.where(mask, idw, 0).astype(np.uint16)
    if (mask & (idw == 0)).any():          # pixels not hit by the nearest sample: widen further
        id2 = cv2.dilate(idw, np.ones((5, 5), np.uint8))
        fill = mask & (idw == 0)
        idw[fill] = id2[fill]
    kindw = cv2.warpPerspective(kind, Hn1, (FRAME_W, hh), flags=cv2.INTER_NEAREST,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return {"bgr": np.clip(bgr, 0, 255).astype(np.uint8), "cov": covw, "mask": mask, "ids": idw,
            "kind": kindw}


# --------------------------------------------------------------------------- image effects
def photometric(bgr: np.ndarray, rng, strength: float = 1.0, noise: Tuple[float, float] = (1.0, 5.0),
                blur_max: float = 1.1) -> np.ndarray:
    """Lighting change, blur and sensor noise (JPEG is applied by the caller)."""
    img = bgr.astype(np.float32)
    gain = rng.uniform(1 - 0.35 * strength, 1 + 0.3 * strength)
    gamma = rng.uniform(1 - 0.2 * strength, 1 + 0.25 * strength)
    wb = 1 + rng.normal(0, 0.04 * strength, 3).astype(np.float32)
    img = 255 * (np.clip(img * gain * wb, 0, 255) / 255) ** gamma
    h, w = img.shape[:2]
    gx = rng.normal(0, 0.12 * strength)
    gy = rng.normal(0, 0.12 * strength)
    ramp = 1 + gx * (np.arange(w, dtype=np.float32) / w - 0.5)[None, :] \
        + gy * (np.arange(h, dtype=np.float32) / h - 0.5)[:, None]
    img *= ramp[..., None]
    b = rng.uniform(0, blur_max)
    if b > 0.3:
        if rng.uniform() < 0.5:
            img = cv2.GaussianBlur(img, (0, 0), b)
        else:                                   # vertical motion blur
            kl = max(2, int(round(b * 3)))
            k = np.ones((kl, 1), np.float32) / kl
            img = cv2.filter2D(img, -1, k)
    sig = rng.uniform(*noise)
    img += rng.normal(0, sig, img.shape).astype(np.float32)
    img += rng.normal(0, sig * 0.7, (h, w, 1)).astype(np.float32)   # luminance noise
    return np.clip(img, 0, 255).astype(np.uint8)


def jpeg(bgr: np.ndarray, quality: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


# --------------------------------------------------------------------------- tile labels
def tile_label(mask_tile: np.ndarray, context_px: int = 0) -> Optional[int]:
    """1 crack / 0 no_crack / None ambiguous, for a tile's boolean crack mask.
    ``context_px`` > 0 means the mask includes that many pixels of surroundings on every side;
    a no_crack tile must then also be free of cracks in that margin."""
    m = mask_tile
    if context_px:
        inner_t = m[context_px:-context_px, context_px:-context_px]
    else:
        inner_t = m
    h, w = inner_t.shape
    area = h * w
    n = int(inner_t.sum())
    if n == 0:
        return 0 if not m.any() else None
    e = int(round(INNER_MARGIN * h)), int(round(INNER_MARGIN * w))
    n_in = int(inner_t[e[0]:h - e[0], e[1]:w - e[1]].sum())
    if n >= CRACK_MIN_FRAC * area and n_in >= CRACK_MIN_INNER_FRAC * area:
        return 1
    return None


def grid_tiles() -> List[Tuple[int, int, int, int, int, int]]:
    """(row, col, x0, y0, x1, y1) of the runtime's default ROI grid, row-major."""
    out = []
    for r in range(GRID_ROWS):
        for c in range(GRID_COLS):
            x0 = ROI_PX[0] + c * GRID_TILE
            y0 = ROI_PX[1] + r * GRID_TILE
            out.append((r, c, x0, y0, x0 + GRID_TILE, y0 + GRID_TILE))
    return out
