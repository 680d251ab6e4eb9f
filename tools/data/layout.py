"""The dataset layout shared by every source (docs/architecture.md).

    <root>/dataset.json
    <root>/{train,val,test}/{crack,no_crack}/<id>.jpg
    <root>/{train,val,test}/crack/<id>.mask.png     optional pixel mask, 0 / 255

Writers go through :class:`DatasetWriter`, which writes into ``<root>.partial`` and renames it
to ``<root>`` only when :meth:`DatasetWriter.finish` is called, so a crash never leaves a
half-written dataset under the final name.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np

SPLITS = ("train", "val", "test")
CLASSES = ("no_crack", "crack")          # class index = position
IMAGE_SUFFIX = ".jpg"
MASK_SUFFIX = ".mask.png"
JPEG_QUALITY = 92


@dataclass(frozen=True)
class Sample:
    image: Path
    label: int                 # 0 no_crack, 1 crack
    mask: Optional[Path]       # None when no pixel truth exists

    @property
    def sample_id(self) -> str:
        return self.image.name[: -len(IMAGE_SUFFIX)]


def list_samples(root: Path, split: str) -> List[Sample]:
    """Every sample of a split, sorted by class then file name (deterministic order)."""
    root = Path(root)
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    out: List[Sample] = []
    for label, cls in enumerate(CLASSES):
        d = root / split / cls
        if not d.is_dir():
            continue
        for img in sorted(d.glob("*" + IMAGE_SUFFIX)):
            mask = img.with_name(img.name[: -len(IMAGE_SUFFIX)] + MASK_SUFFIX)
            out.append(Sample(img, label, mask if mask.exists() else None))
    return out


def read_description(root: Path) -> Dict:
    p = Path(root) / "dataset.json"
    if not p.exists():
        raise FileNotFoundError(f"{p}: not a dataset in the CrackCam layout (no dataset.json)")
    return json.loads(p.read_text())


def count(root: Path) -> Dict[str, Dict[str, int]]:
    """{split: {class: n}} as found on disk."""
    return {s: {c: len(list((Path(root) / s / c).glob("*" + IMAGE_SUFFIX)))
                for c in CLASSES} for s in SPLITS}


def read_rgb(path: Path) -> np.ndarray:
    """H×W×3 uint8 RGB; raises ValueError naming the file when it is not a readable image."""
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"{path}: not a readable image")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def read_mask(path: Path) -> np.ndarray:
    """H×W bool."""
    m = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if m is None:
        raise ValueError(f"{path}: not a readable mask")
    return m > 127


class DatasetWriter:
    """Writes a dataset atomically: into ``<root>.partial``, renamed on :meth:`finish`."""

    def __init__(self, root: Path, overwrite: bool = False):
        self.root = Path(root)
        if self.root.exists() and not overwrite:
            raise FileExistsError(f"{self.root} exists; pass --overwrite to replace it")
        self.tmp = self.root.with_name(self.root.name + ".partial")
        if self.tmp.exists():
            shutil.rmtree(self.tmp)
        for s in SPLITS:
            for c in CLASSES:
                (self.tmp / s / c).mkdir(parents=True, exist_ok=True)
        self.counts = {s: {c: 0 for c in CLASSES} for s in SPLITS}

    def add(self, split: str, label: int, sample_id: str, rgb: np.ndarray,
            mask: Optional[np.ndarray] = None) -> Path:
        cls = CLASSES[label]
        path = self.tmp / split / cls / (sample_id + IMAGE_SUFFIX)
        ok = cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                         [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            raise IOError(f"{path}: could not write image")
        if mask is not None:
            if mask.shape[:2] != rgb.shape[:2]:
                raise ValueError(f"{sample_id}: mask {mask.shape[:2]} != image {rgb.shape[:2]}")
            cv2.imwrite(str(path.with_name(sample_id + MASK_SUFFIX)),
                        (mask.astype(bool) * 255).astype(np.uint8))
        self.counts[split][cls] += 1
        return path

    def finish(self, description: Dict) -> Path:
        """Write dataset.json (with the counts) and move the dataset into place."""
        desc = dict(description)
        desc["counts"] = self.counts
        desc["layout_version"] = 1
        (self.tmp / "dataset.json").write_text(json.dumps(desc, indent=2, sort_keys=True))
        if self.root.exists():
            shutil.rmtree(self.root)
        os.replace(self.tmp, self.root)
        return self.root

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
