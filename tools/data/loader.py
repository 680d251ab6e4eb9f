"""A torch Dataset over the shared dataset layout (tools/data/layout.py), with the paper's
augmentation ("flips, rotations, crops", method.md §2) for training and a plain resize for
evaluation.

Each item is ``(image, label, mask, has_mask)``:

    image     float32 [3,H,W], plain RGB in [0,1] (the model normalises inside, see
              docs/architecture.md "Model input contract"), H = W = the preset's image_size
    label     int, 0 no_crack / 1 crack
    mask      float32 [1,H,W], the pixel mask (0/1) moved by the same geometric transform as
              the image; zeros when the sample has none
    has_mask  bool

Randomness. The random draws for sample ``i`` in epoch ``e`` come from a NumPy generator seeded
with ``(seed, e, i)``, never from a global or per-worker stream. So an epoch's augmentations do
not depend on the number of loader workers, on which worker serves which item, or on whether
training was interrupted and resumed — and a resumed run sees exactly the images an
uninterrupted run would have seen. The shuffle order comes from :func:`epoch_generator`, a
torch Generator seeded from ``(seed, epoch)``. :func:`seed_worker` additionally seeds Python,
NumPy and torch inside each worker (for any third-party code that draws from global state).

Evaluation resizes with bilinear interpolation, like the runtime (docs/architecture.md).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from tools.data import layout


@dataclass(frozen=True)
class AugmentConfig:
    """Training augmentation. The paper names only "flips, rotations, crops"; the amounts are ours.

    Rotations fill the uncovered corners with black (``rotate_fill="black"``), as torchvision's
    ``RandomRotation`` does with its default ``fill=0`` — the paper's toolchain. Without it the
    model never sees black and called an all-black tile a crack with p = 0.49 (issue 13);
    ``"reflect"`` is the earlier behaviour (ablation only).

    Occlusion (beyond the paper, ``erase_p`` > 0): like torchvision's ``RandomErasing`` (area
    2–25 % of the tile, aspect 0.3–3.3) but the rectangle is filled with black, with a strong
    blur of what was there, or with grey noise (one of the three, uniformly). On a crack tile a
    rectangle that would hide more than ``erase_max_crack`` of the crack's mask pixels is
    redrawn (up to 10 tries, then no erasing), so the label stays true; the mask is zeroed
    under black and noise patches.

    Featureless negatives (``blank_p`` > 0, no_crack tiles only): the tile is replaced by a flat
    tile (black, grey or a random road colour, with faint noise) or by a heavy blur of itself.
    """
    crop_scale: Tuple[float, float] = (0.7, 1.0)     # RandomResizedCrop area fraction
    crop_ratio: Tuple[float, float] = (3 / 4, 4 / 3)  # RandomResizedCrop aspect ratio range
    hflip: float = 0.5                               # probability of a horizontal flip
    vflip: float = 0.5                               # probability of a vertical flip
    rot90: bool = True                               # rotate by k·90°, k uniform in 0..3
    max_angle: float = 30.0                          # extra rotation, uniform in ±max_angle degrees
    rotate_fill: str = "black"                       # black (torchvision default) | reflect
    erase_p: float = 0.5                             # probability of one occluding rectangle
    erase_scale: Tuple[float, float] = (0.02, 0.25)  # its area fraction
    erase_ratio: Tuple[float, float] = (0.3, 3.3)    # its aspect ratio range (log-uniform)
    erase_max_crack: float = 0.5                     # most of a crack's mask it may hide
    blank_p: float = 0.0                             # no_crack → featureless tile probability

    def to_dict(self) -> dict:
        return {"crop_scale": list(self.crop_scale), "crop_ratio": list(self.crop_ratio),
                "hflip": self.hflip, "vflip": self.vflip, "rot90": self.rot90,
                "max_angle": self.max_angle, "rotate_fill": self.rotate_fill,
                "erase_p": self.erase_p, "erase_scale": list(self.erase_scale),
                "erase_ratio": list(self.erase_ratio), "erase_max_crack": self.erase_max_crack,
                "blank_p": self.blank_p}

    @staticmethod
    def legacy() -> "AugmentConfig":
        """The augmentation before issue 13 (reflecting ±15° rotations, no occlusion)."""
        return AugmentConfig(max_angle=15.0, rotate_fill="reflect", erase_p=0.0, blank_p=0.0)

    @staticmethod
    def none() -> "AugmentConfig":
        return AugmentConfig(crop_scale=(1.0, 1.0), crop_ratio=(1.0, 1.0), hflip=0.0, vflip=0.0,
                             rot90=False, max_angle=0.0, erase_p=0.0, blank_p=0.0)


def sample_rng(seed: int, epoch: int, index: int) -> np.random.Generator:
    """The generator for one item of one epoch (independent of workers and resumption)."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, int(epoch), int(index)])


def epoch_generator(seed: int, epoch: int) -> torch.Generator:
    """A torch Generator for the DataLoader's shuffle order in one epoch."""
    g = torch.Generator()
    g.manual_seed((int(seed) * 1_000_003 + int(epoch) * 7_919 + 12_345) % (2 ** 63))
    return g


def seed_worker(worker_id: int) -> None:
    """DataLoader ``worker_init_fn``: seed Python and NumPy from the worker's torch seed
    (which the DataLoader derives from its generator), one OpenCV thread per worker."""
    s = torch.initial_seed() % 2 ** 32
    np.random.seed(s)
    random.seed(s)
    cv2.setNumThreads(1)


def random_resized_crop_box(rng: np.random.Generator, h: int, w: int,
                            scale: Tuple[float, float], ratio: Tuple[float, float]
                            ) -> Tuple[int, int, int, int]:
    """(top, left, height, width) of a crop with area fraction in ``scale`` and aspect ratio
    (w/h) log-uniform in ``ratio``; falls back to the largest centred crop that fits."""
    area = h * w
    log_r = (np.log(ratio[0]), np.log(ratio[1]))
    for _ in range(10):
        target = area * rng.uniform(scale[0], scale[1])
        ar = float(np.exp(rng.uniform(*log_r)))
        cw = int(round(np.sqrt(target * ar)))
        ch = int(round(np.sqrt(target / ar)))
        if 0 < cw <= w and 0 < ch <= h:
            top = int(rng.integers(0, h - ch + 1))
            left = int(rng.integers(0, w - cw + 1))
            return top, left, ch, cw
    # fallback: centre crop at the nearest allowed aspect ratio
    in_ratio = w / h
    if in_ratio < ratio[0]:
        cw, ch = w, int(round(w / ratio[0]))
    elif in_ratio > ratio[1]:
        ch, cw = h, int(round(h * ratio[1]))
    else:
        cw, ch = w, h
    return (h - ch) // 2, (w - cw) // 2, ch, cw


def rotate(img: np.ndarray, angle: float, fill: str, interpolation=cv2.INTER_LINEAR
           ) -> np.ndarray:
    """Rotate a square image by ``angle`` degrees about its centre, same size (torchvision's
    ``expand=False``); ``fill`` "black" sets uncovered pixels to 0, "reflect" mirrors."""
    size = img.shape[0]
    m = cv2.getRotationMatrix2D(((size - 1) / 2.0, (size - 1) / 2.0), angle, 1.0)
    border = cv2.BORDER_CONSTANT if fill == "black" else cv2.BORDER_REFLECT_101
    return cv2.warpAffine(np.ascontiguousarray(img), m, (size, size), flags=interpolation,
                          borderMode=border, borderValue=0)


def erase(rgb: np.ndarray, mask: Optional[np.ndarray], rng: np.random.Generator,
          aug: AugmentConfig) -> Tuple[np.ndarray, Optional[np.ndarray], Optional[Tuple]]:
    """One occluding rectangle (see :class:`AugmentConfig`); returns (rgb, mask, (top, left,
    h, w, mode) or None). Always draws the same number of values from ``rng``."""
    size = rgb.shape[0]
    do = rng.random() < aug.erase_p
    mode = ("black", "blur", "noise")[int(rng.integers(0, 3))]
    boxes = []
    for _ in range(10):
        area = size * size * rng.uniform(*aug.erase_scale)
        ar = float(np.exp(rng.uniform(np.log(aug.erase_ratio[0]), np.log(aug.erase_ratio[1]))))
        eh = int(round(np.sqrt(area / ar)))
        ew = int(round(np.sqrt(area * ar)))
        eh, ew = max(1, min(eh, size)), max(1, min(ew, size))
        boxes.append((int(rng.integers(0, size - eh + 1)), int(rng.integers(0, size - ew + 1)), eh, ew))
    sigma = rng.uniform(3.0, 8.0)
    grey, noise_sd = rng.uniform(40, 200), rng.uniform(5, 30)
    noise = rng.normal(0, 1, (size, size, 1)).astype(np.float32)
    if not do:
        return rgb, mask, None
    total = float((mask > 0.5).sum()) if mask is not None else 0.0
    for (t, l, eh, ew) in boxes:
        if total > 0 and float((mask[t:t + eh, l:l + ew] > 0.5).sum()) > aug.erase_max_crack * total:
            continue
        rgb = rgb.copy()
        if mode == "black":
            rgb[t:t + eh, l:l + ew] = 0
        elif mode == "blur":
            rgb[t:t + eh, l:l + ew] = cv2.GaussianBlur(rgb, (0, 0), sigma)[t:t + eh, l:l + ew]
        else:
            patch = grey + noise_sd * noise[t:t + eh, l:l + ew]
            rgb[t:t + eh, l:l + ew] = np.clip(patch, 0, 255).astype(np.uint8)
        if mask is not None and mode != "blur":
            mask = mask.copy()
            mask[t:t + eh, l:l + ew] = 0
        return rgb, mask, (t, l, eh, ew, mode)
    return rgb, mask, None


def blank_tile(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A featureless tile of rgb's size: flat black / grey / road colour with faint noise, or a
    heavy blur of ``rgb`` (one of four, uniformly)."""
    h, w = rgb.shape[:2]
    kind = int(rng.integers(0, 4))
    level = rng.uniform(60, 200)
    tint = rng.normal(0, 6, 3)
    sd = rng.uniform(0, 4)
    sigma = rng.uniform(6, 16)
    noise = rng.normal(0, 1, (h, w, 1))
    if kind == 0:
        base = np.zeros((h, w, 3))
    elif kind == 1:
        base = np.full((h, w, 3), level)
    elif kind == 2:
        base = np.full((h, w, 3), level) + tint
    else:
        return cv2.GaussianBlur(rgb, (0, 0), sigma)
    return np.clip(base + (sd * noise if kind else 0), 0, 255).astype(np.uint8)


def augment(rgb: np.ndarray, mask: Optional[np.ndarray], size: int, rng: np.random.Generator,
            aug: AugmentConfig, label: Optional[int] = None
            ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Random crop → resize to size×size → flips → k·90° → rotation (black corners) → occlusion
    → (no_crack only, ``blank_p``) featureless tile.
    ``rgb`` H×W×3 uint8, ``mask`` H×W float32 or None; the mask gets the same geometry."""
    h, w = rgb.shape[:2]
    top, left, ch, cw = random_resized_crop_box(rng, h, w, aug.crop_scale, aug.crop_ratio)
    rgb = cv2.resize(rgb[top:top + ch, left:left + cw], (size, size), interpolation=cv2.INTER_LINEAR)
    if mask is not None:
        mask = cv2.resize(mask[top:top + ch, left:left + cw], (size, size),
                          interpolation=cv2.INTER_LINEAR)
    # draw every random number, used or not, so the stream does not depend on the options
    do_h = rng.random() < aug.hflip
    do_v = rng.random() < aug.vflip
    k = int(rng.integers(0, 4))
    angle = float(rng.uniform(-aug.max_angle, aug.max_angle))
    if do_h:
        rgb = rgb[:, ::-1]
        mask = mask[:, ::-1] if mask is not None else None
    if do_v:
        rgb = rgb[::-1]
        mask = mask[::-1] if mask is not None else None
    if aug.rot90 and k:
        rgb = np.rot90(rgb, k)
        mask = np.rot90(mask, k) if mask is not None else None
    if aug.max_angle > 0 and angle != 0.0:
        rgb = rotate(rgb, angle, aug.rotate_fill)
        if mask is not None:
            mask = rotate(mask, angle, aug.rotate_fill)
    rgb = np.ascontiguousarray(rgb)
    mask = np.ascontiguousarray(mask) if mask is not None else None
    rgb, mask, _ = erase(rgb, mask, rng, aug)
    blank = rng.random() < aug.blank_p
    if blank and label == 0:
        rgb = blank_tile(rgb, rng)
    return rgb, mask


def resize_eval(rgb: np.ndarray, mask: Optional[np.ndarray], size: int
                ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Evaluation transform: bilinear resize to size×size (as the runtime does)."""
    rgb = cv2.resize(rgb, (size, size), interpolation=cv2.INTER_LINEAR)
    if mask is not None:
        mask = cv2.resize(mask, (size, size), interpolation=cv2.INTER_LINEAR)
    return rgb, mask


class CrackDataset(Dataset):
    """The samples of one split of a dataset in the shared layout.

    ``train=True`` applies :func:`augment` with draws from ``sample_rng(seed, epoch, index)``;
    call :meth:`set_epoch` before each epoch. ``limit`` keeps the first ``limit`` samples of a
    deterministic shuffle of the split (both classes stay represented), for smoke runs.
    """

    def __init__(self, root: Path, split: str, image_size: int, train: bool = False,
                 seed: int = 0, augment_config: AugmentConfig = AugmentConfig(),
                 limit: Optional[int] = None):
        self.root = Path(root)
        self.split = split
        self.image_size = int(image_size)
        self.train = train
        self.seed = int(seed)
        self.aug = augment_config
        self.epoch = 0
        samples = layout.list_samples(self.root, split)
        if limit is not None and limit < len(samples):
            order = np.random.default_rng([self.seed, 99]).permutation(len(samples))
            samples = [samples[i] for i in sorted(order[:limit])]
        self.samples: List[layout.Sample] = samples

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.samples)

    @property
    def labels(self) -> List[int]:
        return [s.label for s in self.samples]

    def __getitem__(self, index: int):
        s = self.samples[index]
        rgb = layout.read_rgb(s.image)
        mask = layout.read_mask(s.mask).astype(np.float32) if s.mask is not None else None
        if mask is not None and mask.shape != rgb.shape[:2]:
            raise ValueError(f"{s.mask}: mask size {mask.shape} != image size {rgb.shape[:2]}")
        if self.train:
            rgb, mask = augment(rgb, mask, self.image_size, sample_rng(self.seed, self.epoch, index),
                                self.aug, s.label)
        else:
            rgb, mask = resize_eval(rgb, mask, self.image_size)
        image = torch.from_numpy(rgb).permute(2, 0, 1).float().div_(255.0)
        if mask is None:
            m = torch.zeros(1, self.image_size, self.image_size, dtype=torch.float32)
        else:
            m = torch.from_numpy((mask > 0.5).astype(np.float32)).unsqueeze(0)
        return image, s.label, m, s.mask is not None
