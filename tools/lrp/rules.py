"""Layer rules: how a linear layer's inputs, weights and denominator are modified.

A rule is a few class attributes and at most two short methods (Zennit style): its *terms*
(input source, weight modifier, sign) whose sum forms the numerator, whether the layer's bias
joins the denominator, and how the denominator is stabilised. How a rule becomes graph nodes is
:mod:`tools.lrp.core` (the one propagation mechanism) and :mod:`tools.lrp.graph_size`.

``name`` is the identifier the manifest records; ``symbol`` is how a label writes the rule.
"""
from __future__ import annotations

from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

EPS_ZPLUS = 1e-9      # only keeps 0/0 finite in z⁺ / zB / pooling denominators
EPS_PLAIN = 1e-6      # ε of the plain-LRP baseline, ε·sign(z) stabiliser
EPS_SPLIT = 1e-9      # keeps |F|/(|F|+|S|) finite where both are 0


# weight modifiers (a Relu on an initializer: folded at build time)
def positive(w: Optional[torch.Tensor]) -> Optional[torch.Tensor]:
    return None if w is None else F.relu(w)


def negative(w: Optional[torch.Tensor]) -> Optional[torch.Tensor]:
    return None if w is None else w - F.relu(w)


def identity(w: Optional[torch.Tensor]) -> Optional[torch.Tensor]:
    return w


class Rule:
    """A rule = terms (input source, weight modifier, sign) + bias flag + stabiliser.
    Input source "a" is the layer's input; any other name is a constant the rule provides.
    ``additive_eps``: the stabiliser is z + ε (z ≥ 0 by construction), so ε can ride in the
    denominator conv's bias instead of costing an Add per layer."""

    name = "rule"
    symbol = "?"
    use_bias = False
    additive_eps = False
    eps = 0.0
    terms: Sequence[Tuple[str, object, float]] = ()

    def constants(self, op: nn.Module, dtype: torch.dtype) -> Dict[str, torch.Tensor]:
        return {}

    def stabilise(self, z: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class ZPlus(Rule):
    """Eq. 3 on non-negative inputs: R_j = a_j Σ_k w⁺_jk R_k / (Σ_j' a_j' w⁺_j'k + ε), no bias."""

    name = "zplus"
    symbol = "z⁺"
    additive_eps = True
    terms = (("a", positive, 1.0),)

    def __init__(self, eps: float = EPS_ZPLUS):
        self.eps = eps

    def stabilise(self, z: torch.Tensor) -> torch.Tensor:
        return z + self.eps          # z ≥ 0 by construction


class Proportional(ZPlus):
    """Max-pool (as a sum-pool) and GAP: z⁺ over all-ones weights on a non-negative input, i.e.
    R_j = a_j / (Σ_window a + ε) · R_k — each window's relevance split in proportion to its
    inputs (docs/lrp-rules.md §2.4)."""

    name = "proportional"
    symbol = "proportional"


class ZBox(Rule):
    """zB for the first layer (inputs bounded by l ≤ x ≤ h, per channel):
    R_j = Σ_k (x_j w_jk − l_j w⁺_jk − h_j w⁻_jk) / Σ_j'(…) · R_k, no bias; every numerator ≥ 0."""

    name = "zB"
    symbol = "zB"
    additive_eps = True
    terms = (("a", identity, 1.0), ("low", positive, -1.0), ("high", negative, -1.0))

    def __init__(self, low: Sequence[float], high: Sequence[float], eps: float = EPS_ZPLUS):
        self.low, self.high, self.eps = list(low), list(high), eps

    def constants(self, op: nn.Module, dtype: torch.dtype) -> Dict[str, torch.Tensor]:
        c = len(self.low)       # per-channel bounds, (1,C,1,1); padded positions stay 0
        return {"low": torch.tensor(self.low, dtype=dtype).view(1, c, 1, 1),
                "high": torch.tensor(self.high, dtype=dtype).view(1, c, 1, 1)}

    def stabilise(self, z: torch.Tensor) -> torch.Tensor:
        return z + self.eps          # z ≥ 0 by construction


class Epsilon(Rule):
    """Plain z-rule (baseline): signed weights, bias in the denominator, z + ε·sign(z)."""

    name = "epsilon"
    symbol = "ε"
    description = "epsilon (z-rule, signed weights, bias in the denominator)"
    stabiliser = "eps*sign(z)"
    use_bias = True
    terms = (("a", identity, 1.0),)

    def __init__(self, eps: float = EPS_PLAIN):
        self.eps = eps

    def stabilise(self, z: torch.Tensor) -> torch.Tensor:
        return torch.where(z >= 0, z + self.eps, z - self.eps)


class Pass:
    """ReLU: relevance passes unchanged (the next layer's rule already multiplies by its
    input, so switched-off units get 0)."""

    name = "pass"

    def __call__(self, r: torch.Tensor) -> torch.Tensor:
        return r
