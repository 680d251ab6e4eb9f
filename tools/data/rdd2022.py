"""RDD2022 → RDC: the paper's crack / no-crack crop dataset (method.md §6, docs/rdd2022.md).

Reads the official RDD2022 tree as distributed::

    RDD2022/<Country>/train/images/*.jpg
    RDD2022/<Country>/train/annotations/xmls/*.xml      (Pascal VOC boxes)
    RDD2022/<Country>/test/images/*.jpg                 (no annotations: skipped)

and writes a dataset in the CrackCam layout (docs/architecture.md) through
:class:`tools.data.layout.DatasetWriter` (into ``<out>.partial``, renamed on success).

Steps
1. Plan (cheap): parse every XML of the kept countries (default the five car-view ones;
   China_MotorBike and China_Drone are dropped), read each image's size from its header,
   validate and clip the boxes. Crack boxes (default labels D00, D10, D20) of at least
   ``min_side`` px give crack crops; every box of any label (D40 pothole, D43, D44, D50,
   Repair, …) is "damage" that no-crack crops must avoid.
2. No-crack crops are placed geometrically: per image up to ``nocrack_per_image`` random
   rectangles that overlap no annotated box (and no earlier no-crack crop of the image);
   each try draws a (w, h) pair from the crack crops' sizes (clipped to the image) and a
   uniform position; at most ``nocrack_tries`` tries per image; one seeded generator per
   image, so the result does not depend on the order or on other images.
3. Crop (second pass over the pixels): every crop is cut, hashed for the near-duplicate
   search (tools.data.dedup) and written provisionally under ``train/``.
4. Splits: crops of one source photo form a group that lands in one split. A group is
   eligible for the test split when none of its crops has a near-duplicate (Hamming ≤ 10 %
   of the 16×16 hash bits) in any other group. The test split is filled from eligible
   groups, then val from the rest, at random; files are moved inside ``<out>.partial``.
5. ``dataset.json`` (counts, options, skips, dedup figures), ``crops.csv`` (provenance of
   every crop) and ``skipped.csv`` (every skipped item and why) are written; the folder is
   renamed into place.

Every defect of the input is a counted skip with a warning line naming the file; an
unusable root is one error line and exit code 2.

    /usr/bin/python3 -m tools.data.rdd2022 --rdd-root PATH/TO/RDD2022 --out data/rdc --seed 0
"""
from __future__ import annotations

import argparse
import csv
import math
import os
import re
import sys
import time
import zlib
from collections import Counter, OrderedDict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple
import xml.etree.ElementTree as ET

import cv2
import numpy as np

from tools.data import dedup
from tools.data.layout import CLASSES, IMAGE_SUFFIX, SPLITS, DatasetWriter, read_description

SOURCE = "rdd2022-rdc"
BUILDER = "tools.data.rdd2022"
BUILDER_VERSION = "1"

ALL_COUNTRIES = ("Japan", "India", "Czech", "Norway", "United_States",
                 "China_MotorBike", "China_Drone")
CAR_COUNTRIES = ("Japan", "India", "Czech", "Norway", "United_States")
DEFAULT_CRACK_LABELS = ("D00", "D10", "D20")
IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".JPG", ".JPEG", ".PNG")

# the paper's RDC figures (5.1)
PAPER_COUNTS = {"crack": 47513, "no_crack": 30430, "train": 66641, "val": 7405, "test": 3897}
DEFAULT_VAL_FRACTION = 0.095      # 7,405 / 77,943
DEFAULT_TEST_FRACTION = 0.05      # 3,897 / 77,943

# skip reasons (counted in the report; every one but crack_box_small also prints a warning)
SKIP_REASONS = OrderedDict([
    ("xml_malformed", "the XML file does not parse"),
    ("image_missing", "an XML whose image is not in images/"),
    ("image_unreadable", "the image header or pixels cannot be read"),
    ("image_without_xml", "an image in train/images with no XML (unknown damage)"),
    ("box_malformed", "a box with missing or non-numeric coordinates"),
    ("box_inverted", "a box with xmin > xmax or ymin > ymax"),
    ("box_empty", "a zero-size box"),
    ("box_outside", "a box that is empty after clipping to the image"),
    ("crack_box_small", "a crack box with a side below --min-side (no crop)"),
])


class RddError(Exception):
    """Unusable input (root, options): one line for the user, exit code 2."""


@dataclass
class Options:
    countries: Tuple[str, ...] = CAR_COUNTRIES
    crack_labels: Tuple[str, ...] = DEFAULT_CRACK_LABELS
    non_damage_labels: Tuple[str, ...] = ()     # labels ignored entirely (default: none)
    margin: int = 0
    min_side: int = 16
    nocrack_per_image: int = 1
    nocrack_tries: int = 50
    hash_size: int = dedup.DEFAULT_HASH_SIZE
    dup_fraction: float = dedup.DEFAULT_THRESHOLD_FRACTION
    val_fraction: float = DEFAULT_VAL_FRACTION
    test_fraction: float = DEFAULT_TEST_FRACTION
    seed: int = 0
    max_warnings: int = 50                      # printed per reason; all go to skipped.csv
    workers: int = 1                            # processes decoding images (pass 2)

    def validate(self) -> None:
        unknown = [c for c in self.countries if c not in ALL_COUNTRIES]
        if unknown:
            raise RddError(f"unknown country {unknown[0]!r}; expected some of {', '.join(ALL_COUNTRIES)}")
        if not self.countries:
            raise RddError("no country selected")
        if not self.crack_labels:
            raise RddError("no crack label given")
        if self.margin < 0 or self.min_side < 1:
            raise RddError("--margin must be >= 0 and --min-side >= 1")
        if self.nocrack_per_image < 0 or self.nocrack_tries < 1:
            raise RddError("--nocrack-per-image must be >= 0 and --nocrack-tries >= 1")
        if self.workers < 1:
            raise RddError("--workers must be >= 1")
        if self.hash_size < 2:
            raise RddError("--hash-size must be >= 2")
        if not 0.0 <= self.dup_fraction < 1.0:
            raise RddError("--dup-threshold must be in [0, 1)")
        if (self.val_fraction < 0 or self.test_fraction < 0
                or self.val_fraction + self.test_fraction >= 1.0):
            raise RddError("--val-fraction and --test-fraction must be >= 0 and sum below 1")


# ---------------------------------------------------------------------------- report

class Report:
    """Skips per reason, notes, per-country counts and the warning list."""

    def __init__(self, max_warnings: int = 50, stream=None):
        self.skips: Counter = Counter({r: 0 for r in SKIP_REASONS})
        self.notes: Counter = Counter()
        self.per_country: Dict[str, Counter] = {}
        self.entries: List[Tuple[str, str, str]] = []        # (reason, file, detail)
        self.max_warnings = max_warnings
        self.stream = stream if stream is not None else sys.stderr
        self._printed: Counter = Counter()

    def country(self, c: str) -> Counter:
        return self.per_country.setdefault(c, Counter())

    def skip(self, reason: str, country: str, file: str, detail: str = "",
             n: int = 1, warn: bool = True) -> None:
        assert reason in SKIP_REASONS, reason
        self.skips[reason] += n
        self.country(country)["skip_" + reason] += n
        self.entries.append((reason, file, detail))
        if warn:
            self.warn(reason, file, detail)

    def warn(self, key: str, file: str, detail: str = "") -> None:
        """One warning line naming the file (at most max_warnings per key are printed)."""
        self._printed[key] += 1
        if self.max_warnings <= 0 or self._printed[key] <= self.max_warnings:
            print(f"warning: {file}: {key}" + (f" ({detail})" if detail else ""),
                  file=self.stream)

    def note(self, key: str, country: Optional[str] = None, n: int = 1) -> None:
        self.notes[key] += n
        if country is not None:
            self.country(country)[key] += n

    def flush_warning_overflow(self) -> None:
        for reason, k in self._printed.items():
            if 0 < self.max_warnings < k:
                where = "listed in skipped.csv" if reason in SKIP_REASONS else "counted in notes"
                print(f"warning: ... {k - self.max_warnings} more {reason} warnings ({where})",
                      file=self.stream)


# ---------------------------------------------------------------------------- tree

def _country_dirs(p: Path) -> Dict[str, Path]:
    out = {}
    lower = {c.lower(): c for c in ALL_COUNTRIES}
    try:
        children = sorted(p.iterdir())
    except OSError:
        return out
    for d in children:
        if d.is_dir() and d.name.lower() in lower:
            out[lower[d.name.lower()]] = d
    return out


def find_rdd_root(path: Path) -> Tuple[Path, Dict[str, Path]]:
    """The folder holding the country folders: ``path`` itself or one folder below it."""
    path = Path(path)
    if not path.exists():
        raise RddError(f"{path}: does not exist")
    if not path.is_dir():
        raise RddError(f"{path}: not a directory")
    found = _country_dirs(path)
    if found:
        return path, found
    below = [(d, _country_dirs(d)) for d in sorted(path.iterdir()) if d.is_dir()]
    below = [(d, c) for d, c in below if c]
    if len(below) == 1:
        return below[0]
    if len(below) > 1:
        named = [(d, c) for d, c in below if d.name.lower() == "rdd2022"]
        if len(named) == 1:
            return named[0]
        raise RddError(f"{path}: several folders hold RDD2022 countries "
                       f"({', '.join(d.name for d, _ in below)}); pass one of them")
    zips = [z.name for z in sorted(path.glob("*.zip"))
            if any(z.stem.lower().startswith(c.lower()) for c in ALL_COUNTRIES + ("RDD2022",))]
    hint = f"; found {', '.join(zips)}: unzip the archives first" if zips else ""
    raise RddError(f"{path}: no RDD2022 country folder found (expected some of "
                   f"{', '.join(ALL_COUNTRIES)} here or one level below){hint}")


def _list_images(d: Path) -> List[Path]:
    if not d.is_dir():
        return []
    return sorted(p for p in d.iterdir() if p.is_file() and p.suffix in IMAGE_EXTS)


def _image_size(path: Path) -> Tuple[int, int]:
    """(width, height) of the stored raster (EXIF orientation ignored); header only when
    Pillow is present. Raises ValueError when unreadable."""
    try:
        from PIL import Image  # noqa: WPS433 (optional dependency)
    except ImportError:        # pragma: no cover - Debian's torchvision pulls in Pillow
        img = _read_raw_rgb(path)
        return img.shape[1], img.shape[0]
    try:
        with Image.open(path) as im:
            w, h = im.size
    except Exception as e:     # noqa: BLE001 - any decoder error means unreadable
        raise ValueError(f"{type(e).__name__}: {e}") from None
    if w < 1 or h < 1:
        raise ValueError("empty image")
    return int(w), int(h)


def _read_raw_rgb(path: Path) -> np.ndarray:
    """H×W×3 RGB of the stored raster: EXIF orientation is ignored because the VOC boxes
    (and the XML <size>) refer to the raster as stored."""
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    if bgr is None:
        raise ValueError("cv2 cannot decode it")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


# ---------------------------------------------------------------------------- plan

@dataclass
class Crop:
    kind: int                       # 1 crack, 0 no-crack
    rect: Tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive) in the source image
    label: str                      # the crack box's label; "" for no-crack


@dataclass
class ImagePlan:
    country: str
    key: str                        # "<country>/<stem>"
    image: Path
    rel: str                        # image path relative to the RDD2022 root
    width: int
    height: int
    crack: List[Crop] = field(default_factory=list)
    damage: List[Tuple[int, int, int, int]] = field(default_factory=list)  # boxes to avoid
    nocrack_allowed: bool = True
    nocrack: List[Crop] = field(default_factory=list)


def _round(v: float) -> int:
    return int(math.floor(v + 0.5))


def _parse_xml(path: Path) -> Tuple[Optional[str], Optional[Tuple[int, int]], list]:
    """(<filename> or None, (w, h) from <size> or None, [(label, coords or None)])."""
    root = ET.parse(str(path)).getroot()
    fname = (root.findtext("filename") or "").strip() or None
    size = None
    try:
        sw, sh = int(float(root.findtext("size/width"))), int(float(root.findtext("size/height")))
        if sw > 0 and sh > 0:
            size = (sw, sh)
    except (TypeError, ValueError):
        pass
    objs = []
    for obj in root.iter("object"):
        label = (obj.findtext("name") or "").strip()
        coords = None
        bb = obj.find("bndbox")
        if bb is not None:
            try:
                coords = tuple(float(bb.findtext(k)) for k in ("xmin", "ymin", "xmax", "ymax"))
                if not all(math.isfinite(c) for c in coords):
                    coords = None
            except (TypeError, ValueError):
                coords = None
        objs.append((label, coords))
    return fname, size, objs


def _find_image(xml: Path, images_dir: Path, fname: Optional[str]) -> Optional[Path]:
    # the XML's own stem first (RDD2022 names them alike), then its <filename>
    cands = [images_dir / (xml.stem + e) for e in IMAGE_EXTS]
    if fname:
        cands.append(images_dir / Path(fname).name)
    for c in cands:
        if c.is_file():
            return c
    return None


def _norm_labels(labels: Sequence[str]) -> set:
    return {l.strip().upper() for l in labels}


def plan_country(root: Path, country: str, cdir: Path, opt: Options, rep: Report) -> List[ImagePlan]:
    """Parse one country's annotations and validate/clip its boxes (no pixels read)."""
    crack_set = _norm_labels(opt.crack_labels)
    ignore_set = _norm_labels(opt.non_damage_labels)
    cnt = rep.country(country)
    n_test = len(_list_images(cdir / "test" / "images"))
    if n_test:
        rep.note("test_images_ignored", country, n_test)
    images_dir = cdir / "train" / "images"
    xml_dir = cdir / "train" / "annotations" / "xmls"
    if not xml_dir.is_dir():
        print(f"warning: {xml_dir}: no annotation folder; {country} contributes nothing",
              file=rep.stream)
        rep.note("countries_without_annotations")
        return []
    xmls = sorted(p for p in xml_dir.iterdir() if p.is_file() and p.suffix.lower() == ".xml")
    cnt["xml_files"] += len(xmls)
    xml_stems = {x.stem for x in xmls}
    used_images = set()            # images that belong to an XML (even a malformed one)
    plans: List[ImagePlan] = []
    for xml in xmls:
        rel_xml = str(xml.relative_to(root))
        try:
            fname, xml_size, objs = _parse_xml(xml)
        except (ET.ParseError, OSError, UnicodeDecodeError) as e:
            rep.skip("xml_malformed", country, rel_xml, str(e))
            continue
        img = _find_image(xml, images_dir, fname)
        if img is None:
            rep.skip("image_missing", country, rel_xml,
                     f"no {fname or xml.stem + '.jpg'} in {images_dir.relative_to(root)}")
            continue
        used_images.add(img.name)
        rel_img = str(img.relative_to(root))
        try:
            w, h = _image_size(img)
        except (ValueError, OSError) as e:
            rep.skip("image_unreadable", country, rel_img, str(e))
            continue
        if xml_size is not None and xml_size != (w, h):
            rep.note("xml_size_differs_from_image", country)
        plan = ImagePlan(country, f"{country}/{img.stem}", img, rel_img, w, h)
        for label, coords in objs:
            lab = label.upper()
            if lab in ignore_set:
                rep.note("boxes_ignored_label", country)
                continue
            is_crack = lab in crack_set
            if coords is None:
                rep.skip("box_malformed", country, rel_xml, f"label {label!r}")
                plan.nocrack_allowed = False
                continue
            xmin, ymin, xmax, ymax = coords
            if xmin > xmax or ymin > ymax:
                rep.skip("box_inverted", country, rel_xml,
                         f"label {label!r} ({xmin:g},{ymin:g},{xmax:g},{ymax:g})")
                plan.nocrack_allowed = False
                continue
            x0, y0, x1, y1 = _round(xmin), _round(ymin), _round(xmax), _round(ymax)
            if x1 <= x0 or y1 <= y0:
                rep.skip("box_empty", country, rel_xml,
                         f"label {label!r} ({xmin:g},{ymin:g},{xmax:g},{ymax:g})")
                continue
            cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
            if cx1 <= cx0 or cy1 <= cy0:
                rep.skip("box_outside", country, rel_xml,
                         f"label {label!r} ({xmin:g},{ymin:g},{xmax:g},{ymax:g}) vs image {w}x{h}")
                continue
            if (cx0, cy0, cx1, cy1) != (x0, y0, x1, y1):
                rep.note("boxes_clipped", country)
                rep.warn("box_clipped", rel_xml, f"label {label!r} ({xmin:g},{ymin:g},"
                         f"{xmax:g},{ymax:g}) clipped to image {w}x{h}")
            box = (cx0, cy0, cx1, cy1)
            plan.damage.append(box)
            rep.note("boxes_damage", country)
            if not is_crack:
                continue
            if min(cx1 - cx0, cy1 - cy0) < opt.min_side:
                rep.skip("crack_box_small", country, rel_xml,
                         f"label {label!r} {cx1 - cx0}x{cy1 - cy0}", warn=False)
                continue
            m = opt.margin
            rect = (max(cx0 - m, 0), max(cy0 - m, 0), min(cx1 + m, w), min(cy1 + m, h))
            plan.crack.append(Crop(1, rect, label))
        if not plan.nocrack_allowed:
            rep.note("images_without_nocrack_bad_box", country)
        plans.append(plan)
    for img in _list_images(images_dir):
        if img.name not in used_images and img.stem not in xml_stems:
            rep.skip("image_without_xml", country, str(img.relative_to(root)))
    cnt["images_planned"] += len(plans)
    return plans


# ---------------------------------------------------------------------------- no-crack

def _overlaps(rect: Tuple[int, int, int, int], boxes: np.ndarray) -> bool:
    if boxes.size == 0:
        return False
    x0, y0, x1, y1 = rect
    return bool(np.any((boxes[:, 0] < x1) & (x0 < boxes[:, 2]) &
                       (boxes[:, 1] < y1) & (y0 < boxes[:, 3])))


def image_rng(seed: int, key: str) -> np.random.Generator:
    """One generator per source image: independent of processing order and other images."""
    return np.random.default_rng([seed, zlib.crc32(key.encode("utf-8"))])


def sample_nocrack(plan: ImagePlan, sizes: np.ndarray, opt: Options) -> Tuple[List[Crop], int]:
    """Up to nocrack_per_image rectangles overlapping no annotated box and no earlier pick.

    Each try draws a (w, h) pair from ``sizes`` (the crack crops' sizes), clips it to the
    image, and a uniform position. Returns (crops, tries used)."""
    if not plan.nocrack_allowed or opt.nocrack_per_image == 0 or len(sizes) == 0:
        return [], 0
    rng = image_rng(opt.seed, plan.key)
    avoid = [tuple(b) for b in plan.damage]
    out: List[Crop] = []
    tries = 0
    while len(out) < opt.nocrack_per_image and tries < opt.nocrack_tries:
        tries += 1
        w, h = sizes[rng.integers(len(sizes))]
        w, h = int(min(w, plan.width)), int(min(h, plan.height))
        x = int(rng.integers(0, plan.width - w + 1))
        y = int(rng.integers(0, plan.height - h + 1))
        if min(w, h) < opt.min_side:
            continue
        rect = (x, y, x + w, y + h)
        if _overlaps(rect, np.asarray(avoid, dtype=np.int64).reshape(-1, 4)):
            continue
        out.append(Crop(0, rect, ""))
        avoid.append(rect)
    return out, tries


# ---------------------------------------------------------------------------- splits

def assign_splits(group_sizes: Sequence[int], eligible: Sequence[bool], val_fraction: float,
                  test_fraction: float, seed: int) -> Tuple[np.ndarray, Dict[str, int]]:
    """Split index per group (0 train, 1 val, 2 test) and the targets.

    Test: eligible groups in random order, each taken while it fits the target
    round(test_fraction × N); val: the remaining groups (eligible or not) in random order,
    the same way; train: the rest."""
    sizes = np.asarray(group_sizes, dtype=np.int64)
    elig = np.asarray(eligible, dtype=bool)
    n = int(sizes.sum())
    targets = {"test": int(round(test_fraction * n)), "val": int(round(val_fraction * n))}
    rng = np.random.default_rng([seed, 0x5EED])
    split = np.zeros(len(sizes), dtype=np.int64)

    def fill(candidates: np.ndarray, target: int, code: int) -> None:
        got = 0
        for g in candidates[rng.permutation(len(candidates))]:
            if got >= target:
                break
            if sizes[g] == 0 or got + sizes[g] > target:
                continue
            split[g] = code
            got += int(sizes[g])

    fill(np.nonzero(elig)[0], targets["test"], 2)
    fill(np.nonzero(split == 0)[0], targets["val"], 1)
    return split, targets


# ---------------------------------------------------------------------------- build

def _sample_id(country: str, stem: str, kind: int, k: int) -> str:
    base = stem if stem.lower().startswith(country.lower()) else f"{country}_{stem}"
    base = re.sub(r"[^A-Za-z0-9_.-]", "_", base)
    return f"{base}_{'c' if kind else 'n'}{k:02d}"


def _median(vals: List[int]) -> Optional[float]:
    return float(np.median(vals)) if vals else None


def _crop_hash(rgb: np.ndarray, size: int) -> np.ndarray:
    return dedup.image_hash(rgb, size)


def _cut_crops(plan: ImagePlan) -> Tuple[Optional[str], List[np.ndarray]]:
    """(error or None, the plan's crops: crack first, then no-crack). Runs in a worker
    process when --workers > 1 (decoding is the expensive part)."""
    try:
        rgb = _read_raw_rgb(plan.image)
    except ValueError as e:
        return str(e), []
    if (rgb.shape[1], rgb.shape[0]) != (plan.width, plan.height):
        return (f"decoded {rgb.shape[1]}x{rgb.shape[0]} but header says "
                f"{plan.width}x{plan.height}"), []
    return None, [np.ascontiguousarray(rgb[y0:y1, x0:x1])
                  for (x0, y0, x1, y1) in (c.rect for c in plan.crack + plan.nocrack)]


def _cut_all(plans: List[ImagePlan], pool: Optional[ProcessPoolExecutor], workers: int,
             window: int = 64):
    """_cut_crops over the plans, in order; with a pool, at most ``window`` plans in flight
    per worker so that finished crops never pile up in memory."""
    if pool is None:
        yield from map(_cut_crops, plans)
        return
    step = window * workers
    for s in range(0, len(plans), step):
        yield from pool.map(_cut_crops, plans[s:s + step], chunksize=4)


def _write_crops(p: ImagePlan, gi: int, crops: List[np.ndarray], writer: DatasetWriter,
                 rows: List[Dict], hashes: List[np.ndarray], group_of: List[int],
                 used_ids: set, rep: Report, opt: Options) -> None:
    cnt = rep.country(p.country)
    cnt["images_used"] += 1
    stem = p.image.stem
    for k, (cr, crop) in enumerate(zip(p.crack + p.nocrack, crops)):
        idx = k if cr.kind else k - len(p.crack)
        sid = _sample_id(p.country, stem, cr.kind, idx)
        while sid in used_ids:                 # same stem twice (odd trees)
            sid += "x"
        used_ids.add(sid)
        x0, y0, x1, y1 = cr.rect
        hashes.append(_crop_hash(crop, opt.hash_size))
        writer.add("train", cr.kind, sid, crop)
        group_of.append(gi)
        rows.append({"id": sid, "class": CLASSES[cr.kind], "country": p.country,
                     "source": p.rel, "label": cr.label,
                     "x": x0, "y": y0, "w": x1 - x0, "h": y1 - y0})
        cnt["crack" if cr.kind else "no_crack"] += 1


def build(rdd_root: Path, out: Path, opt: Optional[Options] = None, overwrite: bool = False,
          stream=None) -> Dict:
    """Build the RDC dataset; returns the description written to dataset.json."""
    opt = opt or Options()
    opt.validate()
    stream = stream if stream is not None else sys.stdout
    rep = Report(opt.max_warnings, sys.stderr)
    t_start = time.perf_counter()
    root, found = find_rdd_root(rdd_root)
    if Path(out).exists() and not overwrite:      # fail before the long passes
        raise FileExistsError(f"{out} exists; pass --overwrite to replace it")
    for c, d in found.items():
        if c not in opt.countries:
            n = len(_list_images(d / "train" / "images")) + len(_list_images(d / "test" / "images"))
            rep.note("dropped_country_images", None, n)
            rep.notes["dropped_country_images:" + c] += n
    kept = [c for c in opt.countries if c in found]
    if not kept:
        raise RddError(f"{root}: none of the selected countries ({', '.join(opt.countries)}) "
                       f"is present (found {', '.join(found)})")
    for c in opt.countries:
        if c not in found:
            print(f"warning: {root}: country folder {c} not found; continuing without it",
                  file=sys.stderr)
            rep.note("countries_missing")

    # 1. plan
    plans: List[ImagePlan] = []
    for c in kept:
        plans += plan_country(root, c, found[c], opt, rep)
    if not plans:
        raise RddError(f"{root}: no usable annotated image in {', '.join(kept)}")
    sizes = np.array([(cr.rect[2] - cr.rect[0], cr.rect[3] - cr.rect[1])
                      for p in plans for cr in p.crack], dtype=np.int64).reshape(-1, 2)
    if len(sizes) == 0:
        raise RddError(f"{root}: no crack box (labels {', '.join(opt.crack_labels)}) of at "
                       f"least {opt.min_side} px; nothing to build")

    # 2. no-crack rectangles
    for p in plans:
        p.nocrack, _ = sample_nocrack(p, sizes, opt)
        short = (opt.nocrack_per_image - len(p.nocrack)) if p.nocrack_allowed else 0
        if short:
            rep.note("nocrack_shortfall", p.country, short)

    # 3. crop, hash, write provisionally under train/
    writer = DatasetWriter(Path(out), overwrite=overwrite)
    try:
        rows: List[Dict] = []
        hashes: List[np.ndarray] = []
        group_of: List[int] = []
        used_ids = set()
        n_plans = len(plans)
        pool = ProcessPoolExecutor(opt.workers) if opt.workers > 1 else None
        try:
            for gi, (p, (err, crops)) in enumerate(zip(plans, _cut_all(plans, pool, opt.workers))):
                if gi and gi % 2000 == 0:
                    print(f"... {gi}/{n_plans} images, {len(rows)} crops", file=sys.stderr)
                if err is not None:
                    rep.skip("image_unreadable", p.country, p.rel, err)
                    continue
                _write_crops(p, gi, crops, writer, rows, hashes, group_of, used_ids, rep, opt)
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        if not rows:
            raise RddError(f"{root}: no crop could be made (every image was skipped)")

        # 4. near-duplicates and splits
        t0 = time.perf_counter()
        n_bits = opt.hash_size ** 2
        max_dist = dedup.threshold_bits(n_bits, opt.dup_fraction)
        packed = dedup.pack(np.stack(hashes))
        pairs = dedup.near_duplicate_pairs(packed, max_dist, n_bits)
        groups = np.asarray(group_of, dtype=np.int64)
        has_dup = dedup.has_near_duplicate_elsewhere(pairs, groups, len(rows))
        t_dedup = time.perf_counter() - t0
        gids, ginv = np.unique(groups, return_inverse=True)
        gsize = np.bincount(ginv)
        gdup = np.bincount(ginv, weights=has_dup.astype(np.float64)) > 0
        gsplit, targets = assign_splits(gsize, ~gdup, opt.val_fraction, opt.test_fraction,
                                        opt.seed)
        item_split = gsplit[ginv]
        for r, s in zip(rows, item_split):
            r["split"] = SPLITS[s]
            if s != 0:
                src = writer.tmp / "train" / r["class"] / (r["id"] + IMAGE_SUFFIX)
                dst = writer.tmp / SPLITS[s] / r["class"] / (r["id"] + IMAGE_SUFFIX)
                os.replace(src, dst)
                writer.counts["train"][r["class"]] -= 1
                writer.counts[SPLITS[s]][r["class"]] += 1
        for r, d in zip(rows, has_dup):
            r["near_duplicate_elsewhere"] = int(d)
        if int(np.sum(gsize[~gdup])) < targets["test"]:
            print(f"warning: only {int(np.sum(gsize[~gdup]))} crops have no near-duplicate "
                  f"elsewhere; the test split is smaller than its target {targets['test']}",
                  file=sys.stderr)

        # 5. description and side files
        totals = {c: sum(1 for r in rows if r["class"] == c) for c in CLASSES}
        split_sizes = {s: sum(1 for r in rows if r["split"] == s) for s in SPLITS}
        crack_w = [r["w"] for r in rows if r["class"] == "crack"]
        crack_h = [r["h"] for r in rows if r["class"] == "crack"]
        nc_w = [r["w"] for r in rows if r["class"] == "no_crack"]
        nc_h = [r["h"] for r in rows if r["class"] == "no_crack"]
        with open(writer.tmp / "crops.csv", "w", newline="") as f:
            cols = ["id", "split", "class", "country", "source", "label", "x", "y", "w", "h",
                    "near_duplicate_elsewhere"]
            wr = csv.DictWriter(f, fieldnames=cols)
            wr.writeheader()
            wr.writerows(rows)
        with open(writer.tmp / "skipped.csv", "w", newline="") as f:
            wr = csv.writer(f)
            wr.writerow(["reason", "file", "detail"])
            wr.writerows(rep.entries)
        per_country = {c: dict(sorted(rep.per_country.get(c, Counter()).items())) for c in kept}
        desc = {
            "source": SOURCE,
            "builder": BUILDER,
            "builder_version": BUILDER_VERSION,
            "seed": opt.seed,
            "options": {k: (list(v) if isinstance(v, tuple) else v)
                        for k, v in asdict(opt).items() if k != "workers"},
            "rdd_root_name": root.name,
            "countries": kept,
            "totals": totals,
            "splits": split_sizes,
            "split_targets": targets,
            "paper_counts": PAPER_COUNTS,
            "skips": dict(rep.skips),
            "skip_reasons": dict(SKIP_REASONS),
            "notes_counts": dict(sorted(rep.notes.items())),
            "per_country": per_country,
            "near_duplicates": {
                "hash": f"{opt.hash_size}x{opt.hash_size} gray INTER_AREA, standardised, >0",
                "bits": n_bits, "max_distance": max_dist, "pairs": int(len(pairs)),
                "pairs_across_photos": int(np.sum(groups[pairs[:, 0]] != groups[pairs[:, 1]]))
                if len(pairs) else 0,
                "crops_with_duplicate_elsewhere": int(has_dup.sum()),
                "photos": int(len(gsize)), "photos_test_eligible": int((~gdup).sum()),
                "seconds": round(t_dedup, 3)},
            "crop_sizes": {"crack_median_wh": [_median(crack_w), _median(crack_h)],
                           "no_crack_median_wh": [_median(nc_w), _median(nc_h)]},
            "notes": [
                "Crack crops: boxes labelled " + ", ".join(opt.crack_labels) +
                f" with both sides >= {opt.min_side} px, margin {opt.margin} px.",
                "No-crack crops avoid every annotated box of any label (crack, D40 pothole, "
                "D43, D44, D50, Repair, ...) and each other; sizes drawn from the crack crops.",
                "RDD2022 test folders carry no annotations and are not used.",
                "Crops of one source photo are in one split; the test split holds only photos "
                "with no near-duplicate crop in any other photo.",
                "crops.csv gives every crop's source photo and rectangle; skipped.csv every skip.",
            ],
        }
        rep.flush_warning_overflow()
        final = writer.finish(desc)
    except BaseException:
        writer.abort()
        raise
    desc = read_description(final)             # as written, with the writer's counts
    desc["seconds"] = round(time.perf_counter() - t_start, 1)
    print_summary(desc, final, stream)
    return desc


def print_summary(desc: Dict, path: Path, stream=None) -> None:
    s = stream if stream is not None else sys.stdout
    t, sp, pc = desc["totals"], desc["splits"], desc["paper_counts"]
    nd = desc["near_duplicates"]
    print(f"RDC dataset written to {path}", file=s)
    print(f"  crack images    {t['crack']:>7}   (paper {pc['crack']:,})", file=s)
    print(f"  no-crack images {t['no_crack']:>7}   (paper {pc['no_crack']:,})", file=s)
    for name in SPLITS:
        target = desc["split_targets"].get(name)
        print(f"  {name:<5} {sp[name]:>7}   (paper {pc[name]:,}"
              + (f"; target {target})" if target is not None else ")"), file=s)
    print("  per country:", file=s)
    for c, d in desc["per_country"].items():
        sk = sum(v for k, v in d.items() if k.startswith("skip_"))
        print(f"    {c:<14} xml {d.get('xml_files', 0):>6}  used {d.get('images_used', 0):>6}  "
              f"crack {d.get('crack', 0):>6}  no-crack {d.get('no_crack', 0):>6}  "
              f"skips {sk:>5}  test-folder images ignored {d.get('test_images_ignored', 0)}",
              file=s)
    print("  skips: " + ", ".join(f"{k} {v}" for k, v in desc["skips"].items()), file=s)
    notes = desc["notes_counts"]
    if notes:
        print("  notes: " + ", ".join(f"{k} {v}" for k, v in notes.items()), file=s)
    print(f"  near-duplicates: {nd['pairs']} pairs within {nd['max_distance']}/{nd['bits']} "
          f"bits ({nd['pairs_across_photos']} across photos); {nd['crops_with_duplicate_elsewhere']}"
          f" crops have one in another photo; {nd['photos_test_eligible']}/{nd['photos']} photos "
          f"eligible for test; search {nd['seconds']:.2f} s", file=s)
    cs = desc["crop_sizes"]
    print(f"  median crop w×h: crack {cs['crack_median_wh']}, no-crack {cs['no_crack_median_wh']}",
          file=s)


# ---------------------------------------------------------------------------- CLI

def _csv_list(s: str) -> Tuple[str, ...]:
    return tuple(x.strip() for x in s.split(",") if x.strip())


def main(argv: Optional[List[str]] = None) -> int:
    d = Options()
    ap = argparse.ArgumentParser(
        prog="python3 -m tools.data.rdd2022",
        description="Build the paper's RDC crack / no-crack dataset from the official RDD2022 "
                    "release (see docs/rdd2022.md).")
    ap.add_argument("--rdd-root", required=True, type=Path,
                    help="the RDD2022 folder (holding Japan/, India/, ...) or a folder above it")
    ap.add_argument("--out", required=True, type=Path, help="output dataset folder")
    ap.add_argument("--seed", type=int, default=d.seed, help="seed (default 0)")
    ap.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    ap.add_argument("--countries", type=_csv_list, default=d.countries,
                    help="comma-separated countries to keep (default the five car-view ones: "
                         + ",".join(CAR_COUNTRIES) + ")")
    ap.add_argument("--crack-labels", type=_csv_list, default=d.crack_labels,
                    help="labels that count as crack (default D00,D10,D20); every other label "
                         "is damage that no-crack crops avoid")
    ap.add_argument("--non-damage-labels", type=_csv_list, default=d.non_damage_labels,
                    help="labels ignored entirely, not even avoided (default none)")
    ap.add_argument("--margin", type=int, default=d.margin,
                    help="px added around each crack box (default 0)")
    ap.add_argument("--min-side", type=int, default=d.min_side,
                    help="skip crack boxes with a side below this many px (default 16)")
    ap.add_argument("--nocrack-per-image", type=int, default=d.nocrack_per_image,
                    help="no-crack crops per source image (default 1)")
    ap.add_argument("--nocrack-tries", type=int, default=d.nocrack_tries,
                    help="random placements tried per source image (default 50)")
    ap.add_argument("--hash-size", type=int, default=d.hash_size,
                    help="near-duplicate hash side (default 16: 16x16 = 256 bits)")
    ap.add_argument("--dup-threshold", type=float, default=d.dup_fraction,
                    help="near-duplicate when Hamming distance <= this fraction of the bits "
                         "(default 0.10)")
    ap.add_argument("--val-fraction", type=float, default=d.val_fraction,
                    help="val share of all crops (default 0.095)")
    ap.add_argument("--test-fraction", type=float, default=d.test_fraction,
                    help="test share of all crops (default 0.05)")
    ap.add_argument("--max-warnings", type=int, default=d.max_warnings,
                    help="warning lines printed per skip reason, 0 = all (default 50; "
                         "skipped.csv lists all)")
    ap.add_argument("--workers", type=int, default=d.workers,
                    help="processes decoding images (default 1); the output does not "
                         "depend on it")
    a = ap.parse_args(argv)
    opt = Options(workers=a.workers, countries=a.countries, crack_labels=a.crack_labels,
                  non_damage_labels=a.non_damage_labels, margin=a.margin, min_side=a.min_side,
                  nocrack_per_image=a.nocrack_per_image, nocrack_tries=a.nocrack_tries,
                  hash_size=a.hash_size, dup_fraction=a.dup_threshold,
                  val_fraction=a.val_fraction, test_fraction=a.test_fraction, seed=a.seed,
                  max_warnings=a.max_warnings)
    try:
        build(a.rdd_root, a.out, opt, overwrite=a.overwrite)
    except RddError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except FileExistsError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
