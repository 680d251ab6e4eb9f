"""Independent numpy re-implementation of Insertion / Deletion (method.md §5).

It exists to check the Java evaluation (``org.crackcam.evaluate.InsertionDeletion``): it is
written separately and as plainly as possible (2-D blur kernel instead of a separable one,
``np.trapz`` instead of a hand-written sum, ``argsort`` instead of bit tricks), and it writes
golden values that a Java test reads::

    /usr/bin/python3 -m tools.eval_reference --out src/test/resources/evaluate/insertion_deletion_golden.json

The conventions are the Java side's, stated in docs/evaluation.md:
- pixels visited by descending map value, ties by row-major index (stable argsort of -map);
- n_k = min(k*step, H*W), k = 0..ceil(H*W/step);
- insertion: image on the first n pixels, substrate elsewhere; deletion: substrate on the first
  n pixels, image elsewhere; "black" substrate = 0 in the RGB [0, 1] input space, "blur" = an
  11x11 Gaussian (sigma 5) with zero padding (RISE); "mean" = the image's mean colour; "road" =
  ROAD's linear imputation (Rong et al. 2022) of the removed pixels, made afresh at every step,
  here without its noise (the Java side draws the noise from its own generator);
- score = probability of the given class; area = trapezoid over n / (H*W) in [0, 1].

The analytic scorer used for the golden cases is a linear-softmax model
``softmax(W · x + b)`` with W of shape [K, C*H*W]; the Java test re-implements that one line.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Callable, Dict, List

import numpy as np

Scorer = Callable[[np.ndarray], np.ndarray]   # [N, C, H, W] -> [N, K] probabilities

BLUR_KERNEL = 11
BLUR_SIGMA = 5.0


def gaussian_kernel_2d(length: int = BLUR_KERNEL, sigma: float = BLUR_SIGMA) -> np.ndarray:
    """length x length Gaussian exp(-(x^2+y^2)/(2 sigma^2)), normalised to sum 1."""
    r = length // 2
    ax = np.arange(-r, r + 1, dtype=np.float64)
    xx, yy = np.meshgrid(ax, ax)
    k = np.exp(-(xx ** 2 + yy ** 2) / (2 * sigma ** 2))
    return k / k.sum()


def blur(image: np.ndarray, length: int = BLUR_KERNEL, sigma: float = BLUR_SIGMA) -> np.ndarray:
    """Per-channel 2-D correlation with the Gaussian kernel, zero padding (same size out)."""
    k = gaussian_kernel_2d(length, sigma)
    r = length // 2
    c, h, w = image.shape
    padded = np.zeros((c, h + 2 * r, w + 2 * r), dtype=np.float64)
    padded[:, r:r + h, r:r + w] = image
    out = np.zeros((c, h, w), dtype=np.float64)
    for dy in range(length):
        for dx in range(length):
            out += k[dy, dx] * padded[:, dy:dy + h, dx:dx + w]
    return out


# ROAD's neighbour weights: 1/6 for the 4 direct neighbours, 1/12 for the 4 diagonal ones.
NEIGHBOURS = [((dy, dx), (1 / 6 if dy == 0 or dx == 0 else 1 / 12))
              for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)]


def linear_imputation(image: np.ndarray, removed: np.ndarray) -> np.ndarray:
    """ROAD's linear imputation without noise, as one dense linear system per channel.

    Every removed pixel equals the weighted mean of its in-image 8 neighbours (removed or not):
    ``sum_j w_ij * x_i - sum_{j removed} w_ij * x_j = sum_{j kept} w_ij * v_j``. Solved with
    ``np.linalg.solve`` (a direct solver, unlike the Java conjugate gradients). A fully removed
    image is singular and becomes its mean colour.
    """
    c, h, w = image.shape
    out = image.astype(np.float64).copy()
    idx = -np.ones((h, w), dtype=int)
    coords = np.argwhere(removed)
    if len(coords) == 0:
        return out
    if len(coords) == h * w:
        return np.broadcast_to(image.reshape(c, -1).mean(axis=1)[:, None, None], image.shape).astype(np.float64).copy()
    idx[removed] = np.arange(len(coords))
    a = np.zeros((len(coords), len(coords)))
    b = np.zeros((len(coords), c))
    for u, (y, x) in enumerate(coords):
        for (dy, dx), wt in NEIGHBOURS:
            yy, xx = y + dy, x + dx
            if not (0 <= yy < h and 0 <= xx < w):
                continue
            a[u, u] += wt
            if removed[yy, xx]:
                a[u, idx[yy, xx]] -= wt
            else:
                b[u] += wt * image[:, yy, xx]
    sol = np.linalg.solve(a, b)
    for u, (y, x) in enumerate(coords):
        out[:, y, x] = sol[u]
    return out


def substrate(image: np.ndarray, kind: str) -> np.ndarray:
    if kind == "black":
        return np.zeros_like(image, dtype=np.float64)
    if kind == "blur":
        return blur(image)
    if kind == "mean":
        return np.broadcast_to(image.reshape(image.shape[0], -1).mean(axis=1)[:, None, None],
                               image.shape).astype(np.float64).copy()
    raise ValueError(f"unknown substrate {kind!r}; expected 'black', 'blur' or 'mean' ('road' is per step)")


def _with_substrate(image: np.ndarray, chosen: np.ndarray, kind: str, removed_is_chosen: bool) -> np.ndarray:
    """The image with its removed pixels (chosen, or not chosen) replaced by the substrate."""
    c, h, w = image.shape
    removed = (chosen if removed_is_chosen else ~chosen).reshape(h, w)
    if kind == "road":
        return linear_imputation(image, removed)
    return np.where(removed[None], substrate(image, kind), image)


def step_counts(pixels: int, step: int) -> np.ndarray:
    k = -(-pixels // step)
    return np.minimum(np.arange(k + 1) * step, pixels)


def insertion_deletion(scorer: Scorer, image: np.ndarray, sal: np.ndarray, cls: int, step: int,
                       insertion_substrate: str = "black",
                       deletion_substrate: str = "black") -> Dict:
    """Both curves and their normalised areas for one image [C, H, W] and map [H, W]."""
    c, h, w = image.shape
    hw = h * w
    order = np.argsort(-sal.reshape(-1).astype(np.float64), kind="stable")
    ns = step_counts(hw, step)
    image = image.astype(np.float64)
    ins_inputs, del_inputs = [], []
    for n in ns:
        chosen = np.zeros(hw, dtype=bool)
        chosen[order[:n]] = True
        ins_inputs.append(_with_substrate(image, chosen, insertion_substrate, removed_is_chosen=False))
        del_inputs.append(_with_substrate(image, chosen, deletion_substrate, removed_is_chosen=True))
    ins = scorer(np.stack(ins_inputs))[:, cls]
    dele = scorer(np.stack(del_inputs))[:, cls]
    x = ns / hw
    ins_auc = float(np.trapz(ins, x))
    del_auc = float(np.trapz(dele, x))
    return {"pixels": ns.tolist(), "insertion": ins.tolist(), "deletion": dele.tolist(),
            "insertion_auc": ins_auc, "deletion_auc": del_auc, "id": ins_auc - del_auc}


def linear_softmax(weights: np.ndarray, bias: np.ndarray) -> Scorer:
    """softmax(W · vec(x) + b); weights [K, C*H*W], bias [K]."""
    def score(batch: np.ndarray) -> np.ndarray:
        z = batch.reshape(batch.shape[0], -1).astype(np.float64) @ weights.T + bias
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)
    return score


def golden_cases(seed: int = 0) -> List[Dict]:
    """Cases for the Java agreement test: random images, maps with ties and NaN, odd steps."""
    rng = np.random.default_rng(seed)
    specs = [
        # name, C, H, W, step, insertion substrate, deletion substrate, cls, map kind
        ("black_step7_ties", 3, 10, 12, 7, "black", "black", 1, "ties"),
        ("black_step1_continuous", 3, 6, 5, 1, "black", "black", 0, "continuous"),
        ("blur_insertion_step9", 3, 14, 13, 9, "blur", "black", 1, "continuous"),
        ("blur_both_step16_nan", 3, 16, 16, 16, "blur", "blur", 1, "nan"),
        ("mean_both_step11", 3, 9, 11, 11, "mean", "mean", 1, "continuous"),
        ("road_both_step13_ties", 3, 8, 9, 13, "road", "road", 1, "ties"),
    ]
    cases = []
    for name, c, h, w, step, ins_s, del_s, cls, kind in specs:
        image = rng.random((c, h, w)).astype(np.float32)
        if kind == "ties":
            sal = rng.integers(0, 5, size=(h, w)).astype(np.float32)   # many ties
        else:
            sal = rng.standard_normal((h, w)).astype(np.float32)
        if kind == "nan":
            sal[0, 3] = np.nan
            sal[5, 5] = np.nan
        weights = (rng.standard_normal((2, c * h * w)) * 4.0 / np.sqrt(c * h * w))
        bias = rng.standard_normal(2)
        result = insertion_deletion(linear_softmax(weights, bias), image.astype(np.float64),
                                    sal, cls, step, ins_s, del_s)
        cases.append({
            "name": name, "shape": [c, h, w], "step": step, "cls": cls,
            "insertion_substrate": ins_s, "deletion_substrate": del_s,
            "image": image.reshape(-1).tolist(),
            "map": [None if np.isnan(v) else float(v) for v in sal.reshape(-1)],
            "weights": weights.reshape(-1).tolist(), "bias": bias.tolist(),
            "expected": result,
        })
    return cases


def imputation_cases(seed: int = 0) -> List[Dict]:
    """Cases for the Java imputation test: masks touching borders and corners, holes, all removed."""
    rng = np.random.default_rng(seed + 1)
    h, w = 9, 11
    masks = {}
    masks["random_30pct"] = rng.random((h, w)) < 0.3
    border = np.zeros((h, w), dtype=bool)
    border[0, :] = True
    border[:, -1] = True
    border[h - 1, 0] = True
    masks["border_rows_and_corner"] = border
    block = np.zeros((h, w), dtype=bool)
    block[2:7, 3:9] = True
    masks["interior_block"] = block
    masks["all_but_one"] = np.ones((h, w), dtype=bool)
    masks["all_but_one"][4, 5] = False
    masks["all_removed"] = np.ones((h, w), dtype=bool)
    masks["none_removed"] = np.zeros((h, w), dtype=bool)
    cases = []
    for name, removed in masks.items():
        image = rng.random((3, h, w)).astype(np.float32)
        cases.append({"name": name, "shape": [3, h, w], "image": image.reshape(-1).tolist(),
                      "removed": removed.reshape(-1).astype(int).tolist(),
                      "expected": linear_imputation(image.astype(np.float64), removed).reshape(-1).tolist()})
    return cases


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="golden JSON file to write")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    doc = {"generator": "tools/eval_reference.py", "seed": args.seed,
           "note": "map entries null = NaN; image values are float32, scores float64",
           "cases": golden_cases(args.seed),
           "imputation": imputation_cases(args.seed)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {len(doc['cases'])} cases to {args.out}")


if __name__ == "__main__":
    main()
