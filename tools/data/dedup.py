"""Near-duplicate detection for dataset images (the RDC paper's comparison, method.md §6).

The paper finds similar images by "shrinking, standardising and binarising" them and then
computing the XOR between images. Here:

1. :func:`image_hash` shrinks an image to ``size × size`` gray (``cv2.INTER_AREA``),
   standardises it (zero mean, unit standard deviation), and binarises it at 0
   (bit = pixel > 0). A flat image (std below 1e-3 gray levels) hashes to all-zero bits.
2. Two images are near-duplicates when the Hamming distance of their bits (the popcount of
   the XOR) is ``<= max_dist``; :func:`threshold_bits` turns a fraction of the bits
   (default 10 %) into that integer (floor: 10 % of 256 bits is 25).
3. :func:`near_duplicate_pairs` finds every pair within ``max_dist`` among many hashes.
   Comparing all pairs of ~78k items is 3·10⁹ comparisons; instead it uses multi-index
   hashing with an exact pigeonhole guarantee: the bits are cut into ``m`` chunks with
   ``m > max_dist / 2``, so two hashes within ``max_dist`` agree in at least one chunk up to
   one flipped bit. Each chunk is a sorted integer key; every item probes its own key and
   its one-bit neighbours in a direct-address table of key runs (``np.searchsorted`` for
   chunks wider than 24 bits); the candidate pairs are verified with an
   exact popcount of the packed XOR. Nothing is approximate: the result equals the
   brute-force comparison (:func:`near_duplicate_pairs_bruteforce`, the test reference).
   When chunks would get too short to be selective (very large thresholds), it falls back
   to the blockwise brute force.

Benchmark (prints times, not a test)::

    /usr/bin/python3 -m tools.data.dedup --bench 80000
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import Iterable, List, Optional, Tuple

import cv2
import numpy as np

DEFAULT_HASH_SIZE = 16
DEFAULT_THRESHOLD_FRACTION = 0.10

# popcount of every byte value
_POPCOUNT8 = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def image_hash(image: np.ndarray, size: int = DEFAULT_HASH_SIZE) -> np.ndarray:
    """Bits (``size*size`` bool, row-major) of one image (H×W gray or H×W×3 RGB uint8)."""
    if image.ndim == 3:
        gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    elif image.ndim == 2:
        gray = image
    else:
        raise ValueError(f"image_hash: expected H×W or H×W×3, got shape {image.shape}")
    if gray.shape[0] < 1 or gray.shape[1] < 1:
        raise ValueError("image_hash: empty image")
    # float before shrinking: no uint8 rounding, so an inverted image gives exactly the
    # negated standardised values (every bit flips)
    small = cv2.resize(gray.astype(np.float32), (size, size),
                       interpolation=cv2.INTER_AREA).astype(np.float64)
    std = small.std()
    # float resizing leaves ~1e-6 ripples on a flat image: below 1e-3 gray levels = flat
    z = (small - small.mean()) / std if std > 1e-3 else np.zeros_like(small)
    return (z > 0).reshape(-1)


def pack(bits: np.ndarray) -> np.ndarray:
    """N×B bool bits → N×ceil(B/8) uint8 (``np.packbits`` along the bits)."""
    bits = np.atleast_2d(np.asarray(bits, dtype=bool))
    return np.packbits(bits, axis=1)


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamming distance of packed hashes (broadcasting over leading axes)."""
    return _POPCOUNT8[np.bitwise_xor(a, b)].sum(axis=-1, dtype=np.int64)


def threshold_bits(n_bits: int, fraction: float = DEFAULT_THRESHOLD_FRACTION) -> int:
    """Largest Hamming distance that still counts as a near-duplicate (floor of the fraction)."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"duplicate threshold fraction must be in [0, 1), got {fraction}")
    return int(np.floor(fraction * n_bits + 1e-9))


def near_duplicate_pairs_bruteforce(packed: np.ndarray, max_dist: int,
                                    block: int = 1024) -> np.ndarray:
    """Every pair (i < j) with distance <= max_dist by comparing all pairs, blockwise.

    The reference for tests and the fallback; O(N²) byte popcounts."""
    packed = np.ascontiguousarray(packed, dtype=np.uint8)
    n = packed.shape[0]
    out: List[np.ndarray] = []
    for s in range(0, n, block):
        a = packed[s:s + block]
        for t in range(s, n, block):
            b = packed[t:t + block]
            d = _POPCOUNT8[a[:, None, :] ^ b[None, :, :]].sum(axis=2, dtype=np.int32)
            i, j = np.nonzero(d <= max_dist)
            i = i + s
            j = j + t
            keep = i < j
            if keep.any():
                out.append(np.stack([i[keep], j[keep]], axis=1))
    if not out:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(out).astype(np.int64)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]


def _chunk_bounds(n_bits: int, max_dist: int) -> Tuple[List[Tuple[int, int]], int]:
    """Chunks (start, end) and the per-chunk radius (0 or 1) with an exact guarantee."""
    m = max(max_dist // 2 + 1, -(-n_bits // 60))      # m > max_dist/2; chunks fit in uint64
    m = min(m, n_bits)
    radius = max_dist // m                              # 0 or 1 (pigeonhole)
    edges = np.linspace(0, n_bits, m + 1).round().astype(int)
    return [(int(edges[k]), int(edges[k + 1])) for k in range(m)], radius


def _expand_ranges(query: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                   order: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """For each query q with a range [lo, hi) in ``order``: the pairs (q, order[k])."""
    lengths = hi - lo
    nz = lengths > 0
    query, lo, lengths = query[nz], lo[nz], lengths[nz]
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    rep_q = np.repeat(query, lengths)
    starts = np.repeat(lo - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    idx = np.arange(total, dtype=np.int64) + starts
    return rep_q, order[idx]


def near_duplicate_pairs(packed: np.ndarray, max_dist: int, n_bits: Optional[int] = None,
                         min_chunk_bits: int = 12, query_block: int = 8192,
                         max_candidates: int = 2_000_000) -> np.ndarray:
    """Every pair (i < j) of packed hashes with Hamming distance <= max_dist, sorted.

    Exact (same result as the brute force); multi-index hashing as described in the
    module docstring. Identical hashes are collapsed first (one search per distinct hash),
    so large groups of exact copies cost only their output. ``n_bits`` defaults to 8 × the
    packed width."""
    packed = np.ascontiguousarray(packed, dtype=np.uint8)
    n = packed.shape[0]
    if max_dist < 0:
        raise ValueError("max_dist must be >= 0")
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    uniq, inverse = np.unique(packed, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    rep = _distinct_pairs(uniq, max_dist, n_bits, min_chunk_bits, query_block, max_candidates)
    if len(uniq) == n:                       # no exact copies: representatives are the items
        order = np.argsort(inverse)          # uniq index -> item index
        pairs = np.sort(order[rep], axis=1)
        return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))] if len(pairs) else pairs
    return _expand_copies(rep, inverse)


def _expand_copies(rep: np.ndarray, inverse: np.ndarray) -> np.ndarray:
    """Pairs of distinct hashes (indices into the unique rows) → pairs of items."""
    order = np.argsort(inverse, kind="stable")
    counts = np.bincount(inverse)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    out: List[np.ndarray] = []
    if len(rep):
        u, v = rep[:, 0], rep[:, 1]
        cu, cv = counts[u], counts[v]
        tot = cu * cv
        k = np.repeat(np.arange(len(u)), tot)
        off = np.arange(int(tot.sum()), dtype=np.int64) - np.repeat(np.cumsum(tot) - tot, tot)
        a = order[starts[u][k] + off // cv[k]]
        b = order[starts[v][k] + off % cv[k]]
        out.append(np.stack([a, b], axis=1))
    for g in np.nonzero(counts > 1)[0]:      # exact copies are distance 0 from each other
        members = order[starts[g]:starts[g] + counts[g]]
        ii, jj = np.triu_indices(len(members), 1)
        out.append(np.stack([members[ii], members[jj]], axis=1))
    if not out:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.sort(np.concatenate(out).astype(np.int64), axis=1)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]


def _distinct_pairs(packed: np.ndarray, max_dist: int, n_bits: Optional[int],
                    min_chunk_bits: int, query_block: int, max_candidates: int) -> np.ndarray:
    n = packed.shape[0]
    n_bits = packed.shape[1] * 8 if n_bits is None else n_bits
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    chunks, radius = _chunk_bounds(n_bits, max_dist)
    if min(e - s for s, e in chunks) < min_chunk_bits:
        return near_duplicate_pairs_bruteforce(packed, max_dist)
    bits = np.unpackbits(packed, axis=1)[:, :n_bits]
    found: List[np.ndarray] = []
    for s, e in chunks:
        width = e - s
        weights = (np.uint64(1) << np.arange(width, dtype=np.uint64))
        keys = (bits[:, s:e].astype(np.uint64) * weights).sum(axis=1, dtype=np.uint64)
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        # short chunks: a direct-address table of run starts (O(1) per probe);
        # long chunks: binary search in the sorted keys
        table = None
        if width <= 24:
            counts = np.bincount(keys.astype(np.int64), minlength=1 << width)
            table = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        flips = [np.uint64(0)] + ([np.uint64(1) << np.uint64(b) for b in range(width)]
                                  if radius >= 1 else [])
        for q0 in range(0, n, query_block):
            qidx = np.arange(q0, min(n, q0 + query_block), dtype=np.int64)
            qkeys = keys[q0:q0 + query_block]
            for f in flips:
                probe = qkeys ^ f
                if table is not None:
                    pi = probe.astype(np.int64)
                    lo, hi = table[pi], table[pi + 1]
                else:
                    lo = np.searchsorted(sorted_keys, probe, side="left")
                    hi = np.searchsorted(sorted_keys, probe, side="right")
                # bound the memory of one expansion (skewed data can have huge key runs)
                csum = np.cumsum(hi - lo)
                cuts = np.searchsorted(csum, np.arange(max_candidates, int(csum[-1]),
                                                       max_candidates), side="left")
                for a, b in zip(np.concatenate([[0], cuts]),
                                np.concatenate([cuts, [len(qidx)]])):
                    i, j = _expand_ranges(qidx[a:b], lo[a:b], hi[a:b], order)
                    keep = i < j
                    i, j = i[keep], j[keep]
                    if i.size == 0:
                        continue
                    d = hamming(packed[i], packed[j])
                    ok = d <= max_dist
                    if ok.any():
                        found.append(np.stack([i[ok], j[ok]], axis=1))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.unique(np.concatenate(found).astype(np.int64), axis=0)
    return pairs


def has_near_duplicate_elsewhere(pairs: np.ndarray, groups: Iterable[int], n: int) -> np.ndarray:
    """Bool per item: it has a near-duplicate in a *different* group.

    ``groups[i]`` is the group (here: source photo) of item i; near-duplicates inside one
    group do not count, because a group always lands in one split."""
    g = np.asarray(list(groups), dtype=np.int64)
    if g.shape[0] != n:
        raise ValueError(f"groups has {g.shape[0]} entries, expected {n}")
    flag = np.zeros(n, dtype=bool)
    if len(pairs):
        cross = g[pairs[:, 0]] != g[pairs[:, 1]]
        flag[pairs[cross, 0]] = True
        flag[pairs[cross, 1]] = True
    return flag


def _bench(n: int, seed: int, brute_n: int) -> None:
    rng = np.random.default_rng(seed)
    n_bits = DEFAULT_HASH_SIZE ** 2
    max_dist = threshold_bits(n_bits)
    bits = rng.random((n, n_bits)) < 0.5
    # plant near-duplicates (synthetic): every 100th item is a copy of its predecessor
    # with 5 bits flipped, so the search has something to find
    for i in range(1, n, 100):
        bits[i] = bits[i - 1]
        bits[i, rng.choice(n_bits, 5, replace=False)] ^= True
    packed = pack(bits)
    print(f"synthetic random hashes: n={n}, {n_bits} bits, max_dist={max_dist}, "
          f"planted pairs={len(range(1, n, 100))}")
    t0 = time.perf_counter()
    pairs = near_duplicate_pairs(packed, max_dist, n_bits)
    t_mih = time.perf_counter() - t0
    print(f"multi-index search, all {n}: {t_mih:.2f} s, pairs found={len(pairs)}")
    m = min(brute_n, n)
    t0 = time.perf_counter()
    ref = near_duplicate_pairs_bruteforce(packed[:m], max_dist)
    t_bf = time.perf_counter() - t0
    t0 = time.perf_counter()
    sub = near_duplicate_pairs(packed[:m], max_dist, n_bits)
    t_sub = time.perf_counter() - t0
    same = np.array_equal(ref, sub)
    est = t_bf * (n / m) ** 2
    print(f"subset n={m}: brute force {t_bf:.2f} s, multi-index {t_sub:.2f} s, "
          f"same pairs: {same}; brute force on all {n} extrapolated (n²): {est:.0f} s "
          f"= {est / max(t_mih, 1e-9):.0f}× the multi-index time")


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m tools.data.dedup",
                                 description="Benchmark of the near-duplicate search on "
                                             "synthetic random hashes (prints times).")
    ap.add_argument("--bench", type=int, default=80000, metavar="N",
                    help="number of random 256-bit hashes (default 80000)")
    ap.add_argument("--brute-n", type=int, default=8000,
                    help="subset size for the brute-force comparison (default 8000)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    if a.bench < 2 or a.brute_n < 2:
        print("error: --bench and --brute-n must be >= 2", file=sys.stderr)
        return 2
    _bench(a.bench, a.seed, a.brute_n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
