"""Composites: which rule each layer of the ABN gets (Zennit's composites).

A composite names the canonizer, the rule per *kind* of layer — ``first`` (the stem conv on the
normalised image), ``pool`` (the stem max-pool, as a sum-pool), ``layer`` (every other conv and
dense layer), ``gap`` (global average pooling) — the ReLU rule, the skip rule at residual joins,
the starting relevance, the gate and the branch rule. The network (:mod:`tools.lrp.network`)
asks it for rules while it builds its steps; the manifest sections and the labels are read off
the same rule objects (:meth:`Composite.settings`, :attr:`Composite.label`).

* :class:`LRPBN` — the paper's LRP-BN (zB, z⁺, proportional pooling, eq. 4, eq. 5 with γ, or
  relevance splitting): ``LRPBN()``, ``LRPBN(0.0)``, ``LRPBN(1.0)``, ``LRPBN(0.5, "splitting")``;
* :class:`PlainLRP` — the baseline: the ε-rule everywhere, proportional split at joins,
  perception branch only.
"""
from __future__ import annotations

from typing import Dict, List, Tuple

from tools import model as abn
from tools.lrp.canonizers import BatchNormFold
from tools.lrp.joins import (AllToH, BranchSum, PaperSkip, PerceptionOnly, ProbabilityStart,
                             ProportionalSkip, SkipRule, SplitSkip)
from tools.lrp.rules import Epsilon, Pass, Proportional, Rule, ZBox, ZPlus

LAYER_KINDS = ("first", "pool", "layer", "gap")
SKIP_RULES = ("paper", "splitting")          # the --skip-rule choices of LRP-BN


def input_bounds(model: abn.ABN) -> Tuple[List[float], List[float]]:
    """l = (0 − mean)/std, h = (1 − mean)/std per channel: the [0,1] pixel range, normalised
    (with the model's own mean/std buffers, so the bounds match its normalisation exactly)."""
    mean, std = model.mean.detach().double().view(-1), model.std.detach().double().view(-1)
    return ([float((0.0 - m) / s) for m, s in zip(mean, std)],
            [float((1.0 - m) / s) for m, s in zip(mean, std)])


class Composite:
    """Base: subclasses set the rule objects and :meth:`first_rule` (the stem's rule may depend
    on the model's input normalisation)."""

    name = "composite"
    canonizer = BatchNormFold()
    relu = Pass()
    start = ProbabilityStart()
    gate = AllToH()
    layer: Rule
    pool: Rule
    gap: Rule
    skip: SkipRule
    branches: object
    # graph outputs: the attention map joins the relevance only where the AB is explained
    outputs: Tuple[str, ...] = ("relevance",)
    conserved = True          # Σ R(input) = the starting relevance, up to ε and dead units
    # golden-tensor tolerance (fraction of each sample's max) for float32 vs float64 / runtimes
    rel_tolerance = 1e-4

    def first_rule(self, model: abn.ABN) -> Rule:
        raise NotImplementedError

    def rule_for(self, kind: str, model: abn.ABN) -> Rule:
        """The rule for one kind of layer (LAYER_KINDS)."""
        if kind == "first":
            return self.first_rule(model)
        if kind not in LAYER_KINDS:
            raise ValueError(f"layer kind {kind!r}: expected one of {LAYER_KINDS}")
        return getattr(self, kind)

    @property
    def label(self) -> str:
        raise NotImplementedError

    def settings(self, output: str) -> Dict:
        """The manifest's section for a graph built with this composite."""
        raise NotImplementedError


class LRPBN(Composite):
    """LRP-BN (method.md §3, docs/lrp-rules.md §2): zB on the stem, z⁺ on every other linear
    layer, proportional max-pool and GAP, both branches summed at h (eq. 4), eq. 5 with γ at
    residual joins (``skip="paper"``) or relevance splitting (``skip="splitting"``)."""

    name = "lrp-bn"
    first = ZBox          # built per model: its bounds are the model's normalised pixel range
    branches = BranchSum()
    outputs = ("relevance", "alpha_up", "explanation")

    def __init__(self, gamma: float = 0.5, skip: str = "paper"):
        if skip not in SKIP_RULES:
            raise ValueError(f"skip rule {skip!r}: expected one of {SKIP_RULES}")
        if not 0.0 <= gamma <= 1.0:
            raise ValueError(f"gamma {gamma}: expected 0 ≤ γ ≤ 1")
        self.gamma = float(gamma)
        self.layer, self.pool, self.gap = ZPlus(), Proportional(), Proportional()
        self.skip = PaperSkip(gamma) if skip == "paper" else SplitSkip()

    def first_rule(self, model: abn.ABN) -> Rule:
        return self.first(*input_bounds(model))

    @property
    def label(self) -> str:
        return f"LRP-BN ({self.first.symbol} + {self.layer.symbol}, {self.skip.label})"

    def settings(self, output: str) -> Dict:
        return {"gamma": self.gamma, "skip_rule": self.skip.name, "start": self.start.name,
                "first_layer": self.first.name, "maxpool": self.pool.name, "gap": self.gap.name,
                "batchnorm": self.canonizer.name, "gate": self.gate.name, "branches": self.branches.name,
                "downsample_skip": self.skip.downsample(self.layer), "ordinary_layers": self.layer.name,
                "eps": self.layer.eps, "relu": self.relu.name, "output": output, "label": self.label}


class PlainLRP(Composite):
    """The plain-LRP baseline (docs/lrp-rules.md §3): the ε-rule on every layer including the
    stem, max-pool and GAP; proportional split at residual joins; perception branch only.
    Not conserved (each bias keeps its share), and ill-conditioned in float32: ε = 1e-6 divides
    signed sums near 0, so float32 rounding is amplified (hence its looser golden tolerance)."""

    name = "plain-lrp"
    branches = PerceptionOnly()
    conserved = False
    rel_tolerance = 2e-2

    def __init__(self):
        self.layer = self.pool = self.gap = Epsilon()
        self.skip = ProportionalSkip()

    def first_rule(self, model: abn.ABN) -> Rule:
        return self.layer

    @property
    def label(self) -> str:
        return f"plain LRP ({self.layer.symbol})"

    def settings(self, output: str) -> Dict:
        return {"rule": self.layer.description, "eps": self.layer.eps, "stabiliser": self.layer.stabiliser,
                "residual": self.skip.label, "branches": self.branches.name, "start": self.start.name,
                "conserved": self.conserved, "output": output, "label": self.label}
