"""Rules where relevance paths start, split and join: the starting relevance, the gate, the two
branches (eq. 4) and the residual joins (eq. 5, relevance splitting, the plain proportional
split). Like the layer rules they are small objects with a ``name`` the manifest records;
they call back into the network (:mod:`tools.lrp.network`) for the paths themselves.
"""
from __future__ import annotations

from typing import Dict

import torch

from tools.lrp.rules import EPS_PLAIN, EPS_SPLIT, Rule


# --------------------------------------------------------------------------------------------
# start, gate, branches
# --------------------------------------------------------------------------------------------
class ProbabilityStart:
    """R at a branch's logits = onehot(target) · p[target] (probability scale, so that the two
    branches' relevance adds comparable quantities; docs/lrp-rules.md §2.5)."""

    name = "probability"

    def __call__(self, onehot: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        return onehot * torch.softmax(logits, dim=1)


class AllToH:
    """The gate g = α' ⊙ h gives all of R(g) to h and none to α' (like an LSTM gate)."""

    name = "all-to-h"

    def __call__(self, r_g: torch.Tensor) -> torch.Tensor:
        return r_g


class BranchSum:
    """Eq. 4: R(h) = R_AB + R_PB, each branch started from its own probability."""

    name = "R(h)=R_AB+R_PB"

    def relevance(self, net, act: Dict, onehot: torch.Tensor) -> torch.Tensor:
        r_h = net.backward_pb(act, net.start(onehot, act["pb_logits"]))
        return r_h + net.backward_ab(act, net.start(onehot, act["ab_logits"]))


class PerceptionOnly:
    """The baseline: only the perception branch is explained."""

    name = "perception only"

    def relevance(self, net, act: Dict, onehot: torch.Tensor) -> torch.Tensor:
        return net.backward_pb(act, net.start(onehot, act["pb_logits"]))


# --------------------------------------------------------------------------------------------
# skip rules at residual joins  y = ReLU(F(x) + S(x))
# --------------------------------------------------------------------------------------------
class SkipRule:
    """``residual_scale`` / ``skip_scale``: the share of R(y) each path receives when it is a
    fixed number (eq. 5's γ and 1−γ); the blocks fold it into the first step of the path.
    ``relevance(blk, cache, r_y)`` returns R(x); ``blk.residual_relevance`` and
    ``blk.skip_relevance`` send a relevance down the residual branch F and the skip path S."""

    name = "skip"
    residual_scale = 1.0
    skip_scale = 1.0

    def downsample(self, layer_rule: Rule) -> str:
        """How a down-sampling skip path is treated, for the manifest."""
        return f"{layer_rule.name}-through-downsample-conv"

    def relevance(self, blk, cache: Dict[str, torch.Tensor], r_y: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class PaperSkip(SkipRule):
    """Eq. 5: R(x) = γ R(x)⁻ + (1−γ) R(y); R(x)⁻ = z⁺ through F with all of R(y). Down-sampling
    skip: the second term is z⁺ through the (folded) down-sampling conv with all of R(y)."""

    name = "paper-eq5"

    def __init__(self, gamma: float = 0.5):
        self.gamma = float(gamma)
        self.residual_scale, self.skip_scale = self.gamma, 1.0 - self.gamma

    @property
    def label(self) -> str:
        return f"eq. 5, γ = {self.gamma:g}"

    def relevance(self, blk, cache, r_y):
        # γ and 1−γ ride in the paths' first steps (the rules are linear in R), so the graph
        # spends no Mul on them; a step's bookkeeping counts the relevance that really enters.
        parts = []
        if self.gamma != 0.0:
            parts.append(blk.residual_relevance(cache, r_y))
        if self.gamma != 1.0:
            parts.append(blk.skip_relevance(cache, r_y))
        return parts[0] if len(parts) == 1 else parts[0] + parts[1]


class SplitSkip(SkipRule):
    """Relevance splitting (ECCV 2024): R_F = |F|/(|F|+|S|)·R(y), R_S = |S|/(|F|+|S|)·R(y),
    each sent down its own path, then summed."""

    name = "relevance-splitting"
    label = "relevance splitting"

    def __init__(self, eps: float = EPS_SPLIT):
        self.eps = eps

    def downsample(self, layer_rule: Rule) -> str:
        return "split-then-" + super().downsample(layer_rule)

    def relevance(self, blk, cache, r_y):
        fa, sa = torch.abs(cache["f"]), torch.abs(cache["s"])
        q = r_y / (fa + sa + self.eps)
        rf, rs = fa * q, sa * q
        blk.note_join(self.name, r_y, rf + rs)
        return blk.residual_relevance(cache, rf) + blk.skip_relevance(cache, rs)


class ProportionalSkip(SkipRule):
    """Plain LRP: the addition z = F + S is a sum layer, z-rule: R_F = F/z·R, R_S = S/z·R."""

    name = "proportional"
    label = "proportional split"

    def __init__(self, eps: float = EPS_PLAIN):
        self.eps = eps

    def relevance(self, blk, cache, r_y):
        z = cache["f"] + cache["s"]
        q = r_y / torch.where(z >= 0, z + self.eps, z - self.eps)
        rf, rs = cache["f"] * q, cache["s"] * q
        blk.note_join(self.name, r_y, rf + rs)
        return blk.residual_relevance(cache, rf) + blk.skip_relevance(cache, rs)
