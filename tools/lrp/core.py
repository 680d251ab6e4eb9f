"""The one propagation mechanism: a :class:`Step` binds one operator to one rule, and
:func:`propagate` is the single backward routine every step of every graph goes through.

    z    = op(a, W_a) + b  (+ z_const)          b: the layer bias (ε-rule), or ε, or nothing
    s    = R_out / stabilise(z)
    T    = opᵀ(s, scale · [W_a | W_c])
    R_in = a ⊙ T[:, :C]  (+ T[:, C:])

:func:`combine_terms` is the rule maths (every operator is linear in its weight, so a rule's
terms combine into one weight); :func:`tools.lrp.graph_size.lower_step` decides the graph form.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional

import torch
import torch.nn as nn

from tools.lrp.graph_size import lower_step
from tools.lrp.rules import Rule


@dataclass
class Terms:
    """A rule's terms on one operator, combined:

    * ``w_a`` = Σ_t sign_t · mod_t(W) over the terms on the layer input (None: weightless op);
    * a term on a per-channel rule constant c (zB's l and h) adds the image-independent map
      op(c, W_t) to ``z_const`` and c ⊙ opᵀ(s, W_t) = opᵀ(s, c·W_t) to the relevance: its
      weight scaled per input channel, summed into ``w_c`` (extra adjoint output channels);
    * ``bias``: the layer's bias when the rule puts it in the denominator."""

    w_a: Optional[torch.Tensor]
    w_c: Optional[torch.Tensor]
    z_const: Optional[torch.Tensor]
    bias: Optional[torch.Tensor]


def combine_terms(op: nn.Module, rule: Rule, dtype: torch.dtype, name: str = "") -> Terms:
    consts = rule.constants(op, dtype)
    w_a, w_c, z_const = None, None, None
    with torch.no_grad():
        for src, mod, sign in rule.terms:
            w = None if op.weight is None else sign * mod(op.weight)
            if src == "a":
                w_a = w if w_a is None else w_a + w
                continue
            if w is None or getattr(op, "groups", 1) != 1:
                raise ValueError(f"{name}: a constant-input term needs a dense weight")
            c = consts[src]
            t = op.forward(c.expand(1, c.shape[1], op.in_hw, op.in_hw), w)
            z_const = t if z_const is None else z_const + t
            wc = w * c.view(1, -1, *([1] * (w.dim() - 2)))
            w_c = wc if w_c is None else w_c + wc
    return Terms(w_a, w_c, z_const, op.bias if rule.use_bias else None)


class Step(nn.Module):
    """One operator under one rule, prepared once at build time so that the exported graph does
    one forward-type op and one adjoint op per layer, whatever the number of terms. ``scale``:
    the share of the relevance entering this step (a skip rule's γ or 1−γ); ``sum_channels``:
    return Σ_c R_c (the stem of a graph that outputs one map). All tensors are initializers in
    the exported graph (TensorRT wants Conv weights as initializers); no weight arithmetic
    happens per inference.

    ``record`` (tests only, never exported) collects the relevance entering/leaving and the
    share absorbed by the bias and the stabiliser."""

    def __init__(self, op: nn.Module, rule: Rule, dtype: torch.dtype = torch.float32, name: str = "",
                 scale: float = 1.0, sum_channels: bool = False):
        super().__init__()
        self.op, self.rule, self.name, self.scale = op, rule, name, float(scale)
        self.sum_channels = bool(sum_channels)
        low = lower_step(op, rule, combine_terms(op, rule, dtype, name), dtype, self.scale,
                         self.sum_channels, name)
        self.den_is_layer, self.adj_src = low.den_is_layer, low.adj_src
        self.eps_outside, self.n_in, self.phase_sum = low.eps_outside, low.n_in, low.phase_sum
        self.register_buffer("w_den", low.w_den)
        self.register_buffer("z_shift", low.z_shift)
        self.register_buffer("b_den", low.b_den)
        self.register_buffer("z_const", low.z_const)
        self.register_buffer("w_adj", low.w_adj)
        self.register_buffer("w_split", low.w_split)
        self.register_buffer("b_split", low.b_split)
        self.register_buffer("w_gsum", low.w_gsum)
        self.record: Optional[List[Dict]] = None

    def adjoint_weight(self) -> Optional[torch.Tensor]:
        return {"own": self.w_adj, "layer": self.op.weight, "den": self.w_den}[self.adj_src]

    def forward(self, a: torch.Tensor, r: torch.Tensor, z_layer: Optional[torch.Tensor] = None) -> torch.Tensor:
        return propagate(self, a, r, z_layer)


def propagate(step: Step, a: torch.Tensor, r: torch.Tensor, z_layer: Optional[torch.Tensor] = None
              ) -> torch.Tensor:
    """THE backward routine: every rule and every operator goes through here.

        z    = op(a, W_a) + b  (+ z_const)          b: the layer bias, or ε, or nothing
        s    = R_out / stabilise(z)
        T    = opᵀ(s, scale·[W_a | W_c])
        R_in = a ⊙ T[:, :C]  (+ T[:, C:])             (summed over C for ``sum_channels``)

    ``z_layer``: the layer's own pre-activation op(a, W) + b_layer from the forward pass; used
    (instead of a conv) when the rule's denominator weight is the layer's own."""
    op, rule = step.op, step.rule
    if step.den_is_layer and z_layer is not None:
        z = z_layer if step.z_shift is None else z_layer + step.z_shift
    else:
        z = op.forward(a, op.weight if step.den_is_layer else step.w_den, step.b_den)
        if step.z_const is not None:
            z = z + step.z_const
    if step.eps_outside:
        z = z + rule.eps
    den = z if rule.additive_eps else rule.stabilise(z)
    s = r / den
    w_adj = step.adjoint_weight()
    if step.phase_sum:                                      # a ⊙ T summed, in phase space
        out = op.adj.channel_sum(s, w_adj, a, step.w_split, step.b_split, step.w_gsum)
    else:
        if w_adj is None:                                   # weightless operator (GAP)
            t = op.adjoint(s if step.scale == 1.0 else s * step.scale, None)
        else:
            t = op.adjoint(s, w_adj)
        if step.n_in is None:
            out = a * t
        else:
            out = a * t[:, :step.n_in]
        if step.sum_channels:
            out = out.sum(dim=1, keepdim=True)
        if step.n_in is not None:
            out = out + t[:, step.n_in:]
    if step.record is not None:
        k = step.scale
        bias = op.bias_view() if rule.use_bias else None
        leak_bias = k * (s * bias).sum() if bias is not None else torch.zeros((), dtype=r.dtype)
        if rule.additive_eps:
            stab = k * rule.eps * s.sum()
        else:
            stab = k * (s * (den - z)).sum()
        step.record.append({"step": step.name, "rule": rule.name, "r_out": float(k * r.sum()),
                            "r_in": float(out.sum()), "bias_share": float(leak_bias),
                            "stabiliser_share": float(stab)})
    return out
