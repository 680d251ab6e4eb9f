"""LRP-BN (method.md §3) and the baseline explanations as plain tensor graphs, ready for ONNX.

Everything here is made of explicit, exportable tensor ops — conv2d, conv_transpose2d,
pooling, elementwise arithmetic, Resize — and never calls autograd, so that
``torch.onnx.export`` turns a module into a standalone relevance graph. The rules and the
reasons for them are in docs/lrp-rules.md; the independent reference is
tools/lrp_reference.py.

Design (Zennit style: rules over ONE propagation mechanism)

* :class:`Conv`, :class:`Dense`, :class:`SumPool`, :class:`GlobalSum` are *linear operators*:
  ``forward(x, w)`` and its adjoint ``transpose(s, w)`` (conv_transpose2d with the right
  output_padding, ``s @ w``, broadcasting, …). Weights are the canonized (BatchNorm-folded)
  ones, stored once; modified weights (w⁺, w⁻) are computed in the graph from them (a Relu on
  an initializer, which ONNX Runtime and TensorRT fold at load time).
* A :class:`Rule` says how a layer is modified: which *terms* (input, weight modifier, sign)
  make the numerator, whether the bias joins the denominator, how the denominator is
  stabilised. :class:`ZPlus` (eq. 3, z⁺), :class:`ZBox` (zB, bounded first layer),
  :class:`Epsilon` (plain z-rule with bias, baseline).
* :class:`Step` binds one operator to one rule; :func:`propagate` is the single backward
  routine that every step uses:

      z   = Σ_t sign_t · op(in_t, W_t)  (+ b if the rule uses the bias)
      s   = R_out / stabilise(z)
      R_in = Σ_t sign_t · in_t ⊙ opᵀ(s, W_t)

* :class:`SkipRule` objects decide what happens at residual joins
  (:class:`PaperSkip` eq. 5 with γ, :class:`SplitSkip` relevance splitting,
  :class:`ProportionalSkip` the plain-LRP split).
* :class:`FoldedABN` is the canonized forward pass (float64 folding, BN gone), keeping the
  activations the backward sweep needs; :class:`LRPGraph` runs it once and sweeps back once.
"""
from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from tools import model as abn

EPS_ZPLUS = 1e-9      # only keeps 0/0 finite in z⁺ / zB / pooling denominators
EPS_PLAIN = 1e-6      # ε of the plain-LRP baseline, ε·sign(z) stabiliser
EPS_SPLIT = 1e-9      # keeps |F|/(|F|+|S|) finite where both are 0

SKIP_RULES = ("paper", "splitting")
MANIFEST_SKIP_NAMES = {"paper": "paper-eq5", "splitting": "relevance-splitting"}


# --------------------------------------------------------------------------------------------
# canonization: fold BatchNorm (float64)
# --------------------------------------------------------------------------------------------
def bn_affine(bn: nn.BatchNorm2d) -> Tuple[torch.Tensor, torch.Tensor]:
    """(scale, shift) of an eval-mode BatchNorm, float64: bn(z) = scale·z + shift."""
    var = bn.running_var.detach().double()
    scale = bn.weight.detach().double() / torch.sqrt(var + bn.eps)
    shift = bn.bias.detach().double() - bn.running_mean.detach().double() * scale
    return scale, shift


def fold_conv_bn(conv: nn.Conv2d, bn: Optional[nn.BatchNorm2d]) -> Tuple[torch.Tensor, torch.Tensor]:
    """conv (no bias) followed by BN → one conv (W, b), float64."""
    w = conv.weight.detach().double()
    b = conv.bias.detach().double() if conv.bias is not None else torch.zeros(w.shape[0], dtype=torch.float64)
    if bn is None:
        return w, b
    scale, shift = bn_affine(bn)
    return w * scale.view(-1, 1, 1, 1), b * scale + shift


def fold_bn_conv_bn(bn_in: nn.BatchNorm2d, conv: nn.Conv2d, bn_out: nn.BatchNorm2d
                    ) -> Tuple[torch.Tensor, torch.Tensor]:
    """BN → 1×1 conv → BN as one 1×1 conv (exact because the kernel is 1×1: no padding sees
    the input BN's shift). Used for the AB's ab_bn → ab_conv → ab_bn2."""
    if conv.kernel_size != (1, 1):
        raise ValueError("folding a BatchNorm in front of a conv is exact only for 1×1 kernels")
    s_in, t_in = bn_affine(bn_in)
    w = conv.weight.detach().double()                      # (K, C, 1, 1)
    w_in = w * s_in.view(1, -1, 1, 1)
    b_in = (w[:, :, 0, 0] * t_in.view(1, -1)).sum(1)
    s_out, t_out = bn_affine(bn_out)
    return w_in * s_out.view(-1, 1, 1, 1), b_in * s_out + t_out


# --------------------------------------------------------------------------------------------
# linear operators with explicit adjoints
# --------------------------------------------------------------------------------------------
class Conv(nn.Module):
    """A 2-D convolution with its adjoint. ``in_hw`` fixes output_padding for strided kernels."""

    def __init__(self, weight: torch.Tensor, bias: Optional[torch.Tensor], stride: int, padding: int,
                 in_hw: int, groups: int = 1, dtype: torch.dtype = torch.float32):
        super().__init__()
        self.register_buffer("weight", weight.to(dtype).contiguous())
        self.register_buffer("bias", None if bias is None else bias.to(dtype).contiguous())
        self.stride, self.padding, self.groups = int(stride), int(padding), int(groups)
        k = weight.shape[-1]
        self.in_hw = int(in_hw)
        self.out_hw = (self.in_hw + 2 * self.padding - k) // self.stride + 1
        self.output_padding = self.in_hw - ((self.out_hw - 1) * self.stride - 2 * self.padding + k)

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, w, None, self.stride, self.padding, 1, self.groups)

    def layer(self, x: torch.Tensor) -> torch.Tensor:
        """The layer itself (signed weights and bias): used by the forward pass."""
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, 1, self.groups)

    def transpose(self, s: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return F.conv_transpose2d(s, w, None, self.stride, self.padding, self.output_padding,
                                  self.groups)

    def bias_view(self) -> Optional[torch.Tensor]:
        return None if self.bias is None else self.bias.view(1, -1, 1, 1)


class SumPool(Conv):
    """k×k sum pooling as a depthwise conv with a ones kernel (the max-pool's proportional rule).
    Zero padding: a padded position is no input and carries no relevance."""

    def __init__(self, channels: int, kernel: int, stride: int, padding: int, in_hw: int,
                 dtype: torch.dtype = torch.float32):
        super().__init__(torch.ones(channels, 1, kernel, kernel), None, stride, padding, in_hw,
                         groups=channels, dtype=dtype)


class Dense(nn.Module):
    """y = x Wᵀ (+ b); adjoint s W."""

    def __init__(self, weight: torch.Tensor, bias: Optional[torch.Tensor],
                 dtype: torch.dtype = torch.float32):
        super().__init__()
        self.register_buffer("weight", weight.to(dtype).contiguous())
        self.register_buffer("bias", None if bias is None else bias.to(dtype).contiguous())

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return torch.matmul(x, w.t())

    def layer(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.matmul(x, self.weight.t())
        return y if self.bias is None else y + self.bias

    def transpose(self, s: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return torch.matmul(s, w)

    def bias_view(self) -> Optional[torch.Tensor]:
        return None if self.bias is None else self.bias.view(1, -1)


class GlobalSum(nn.Module):
    """(N,C,H,W) → (N,C) spatial sum; the GAP's rule (1/(H·W) cancels in z-rule ratios).
    Its adjoint is a broadcast; ``weight`` is None (all ones)."""

    weight = None
    in_hw = 0

    def forward(self, x: torch.Tensor, w: Optional[torch.Tensor]) -> torch.Tensor:
        return x.sum(dim=(2, 3))

    def transpose(self, s: torch.Tensor, w: Optional[torch.Tensor]) -> torch.Tensor:
        return s.unsqueeze(-1).unsqueeze(-1)

    def bias_view(self) -> Optional[torch.Tensor]:
        return None


# --------------------------------------------------------------------------------------------
# rules: how a layer's inputs / weights / denominator are modified
# --------------------------------------------------------------------------------------------
def positive(w: Optional[torch.Tensor]) -> Optional[torch.Tensor]:
    return None if w is None else F.relu(w)


def negative(w: Optional[torch.Tensor]) -> Optional[torch.Tensor]:
    return None if w is None else w - F.relu(w)


def identity(w: Optional[torch.Tensor]) -> Optional[torch.Tensor]:
    return w


class Rule:
    """A rule = terms (input source, weight modifier, sign) + bias flag + stabiliser.
    Input source "a" is the layer's input; any other name is a constant the rule provides."""

    name = "rule"
    use_bias = False
    terms: Sequence[Tuple[str, object, float]] = ()

    def constants(self, op: nn.Module, dtype: torch.dtype) -> Dict[str, torch.Tensor]:
        return {}

    def stabilise(self, z: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class ZPlus(Rule):
    """Eq. 3 on non-negative inputs: R_j = a_j Σ_k w⁺_jk R_k / (Σ_j' a_j' w⁺_j'k + ε), no bias."""

    name = "zplus"
    terms = (("a", positive, 1.0),)

    def __init__(self, eps: float = EPS_ZPLUS):
        self.eps = eps

    def stabilise(self, z: torch.Tensor) -> torch.Tensor:
        return z + self.eps          # z ≥ 0 by construction


class ZBox(Rule):
    """zB for the first layer (inputs bounded by l ≤ x ≤ h, per channel):
    R_j = Σ_k (x_j w_jk − l_j w⁺_jk − h_j w⁻_jk) / Σ_j'(…) · R_k, no bias; every numerator ≥ 0."""

    name = "zB"
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
    use_bias = True
    terms = (("a", identity, 1.0),)

    def __init__(self, eps: float = EPS_PLAIN):
        self.eps = eps

    def stabilise(self, z: torch.Tensor) -> torch.Tensor:
        return torch.where(z >= 0, z + self.eps, z - self.eps)


class Step(nn.Module):
    """One operator under one rule, prepared once at build time:

    * modified weights (w⁺, w⁻) are computed here and stored as buffers, so the exported graph
      holds them as initializers (TensorRT's parser wants Conv/ConvTranspose weights to be
      initializers) and does no weight arithmetic per inference; an unmodified weight is the
      operator's own tensor (one initializer);
    * the forward contribution of a term whose input is a rule constant (zB's l and h) does not
      depend on the image: it is folded into one constant ``z_const`` here.

    ``record`` (tests only, never exported) collects the relevance entering/leaving and the
    share absorbed by the bias and the stabiliser."""

    def __init__(self, op: nn.Module, rule: Rule, dtype: torch.dtype = torch.float32, name: str = ""):
        super().__init__()
        self.op, self.rule, self.name = op, rule, name
        self.term_sources = [src for src, _, _ in rule.terms]
        self.term_signs = [sign for _, _, sign in rule.terms]
        self.term_weights: List[str] = []
        for i, (_, mod, _) in enumerate(rule.terms):
            if mod is identity or op.weight is None:
                self.term_weights.append("")
            else:
                self.register_buffer(f"w{i}", mod(op.weight).contiguous())
                self.term_weights.append(f"w{i}")
        consts = rule.constants(op, dtype)
        for k, v in consts.items():
            self.register_buffer("const_" + k, v)
        z_const = None
        with torch.no_grad():
            for i, (src, sign) in enumerate(zip(self.term_sources, self.term_signs)):
                if src == "a":
                    continue
                c = consts[src]
                t = op.forward(c.expand(1, c.shape[1], op.in_hw, op.in_hw), self.weight_of(i))
                t = t if sign == 1.0 else -t
                z_const = t if z_const is None else z_const + t
        self.register_buffer("z_const", z_const)
        self.record: Optional[List[Dict]] = None

    def weight_of(self, i: int) -> Optional[torch.Tensor]:
        return getattr(self, self.term_weights[i]) if self.term_weights[i] else self.op.weight

    def forward(self, a: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
        return propagate(self, a, r)


def propagate(step: Step, a: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
    """THE backward routine: every rule and every operator goes through here."""
    op, rule = step.op, step.rule
    z = step.z_const
    for i, (src, sign) in enumerate(zip(step.term_sources, step.term_signs)):
        if src != "a":
            continue                                   # already in z_const
        t = op.forward(a, step.weight_of(i))
        t = t if sign == 1.0 else -t
        z = t if z is None else z + t
    bias = op.bias_view() if rule.use_bias else None
    if bias is not None:
        z = z + bias
    den = rule.stabilise(z)
    s = r / den
    out = None
    for i, (src, sign) in enumerate(zip(step.term_sources, step.term_signs)):
        x = a if src == "a" else getattr(step, "const_" + src)
        t = x * op.transpose(s, step.weight_of(i))
        t = t if sign == 1.0 else -t
        out = t if out is None else out + t
    if step.record is not None:
        leak_bias = (s * bias).sum() if bias is not None else torch.zeros((), dtype=r.dtype)
        step.record.append({"step": step.name, "rule": rule.name, "r_out": float(r.sum()),
                            "r_in": float(out.sum()), "bias_share": float(leak_bias),
                            "stabiliser_share": float((s * (den - z)).sum())})
    return out


# --------------------------------------------------------------------------------------------
# skip rules at residual joins  y = ReLU(F(x) + S(x))
# --------------------------------------------------------------------------------------------
class SkipRule:
    name = "skip"
    record: Optional[List[Dict]] = None       # tests only: relevance lost at the join

    def _note(self, r_y: torch.Tensor, kept: torch.Tensor) -> None:
        if self.record is not None:
            self.record.append({"step": "join", "rule": self.name, "r_out": float(r_y.sum()),
                                "r_in": float(kept.sum()), "bias_share": 0.0,
                                "stabiliser_share": float((r_y - kept).sum())})

    def relevance(self, blk: "FoldedBlock", cache: Dict[str, torch.Tensor], r_y: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class PaperSkip(SkipRule):
    """Eq. 5: R(x) = γ R(x)⁻ + (1−γ) R(y); R(x)⁻ = z⁺ through F with all of R(y). Down-sampling
    skip: the second term is z⁺ through the (folded) down-sampling conv with all of R(y)."""

    name = "paper-eq5"

    def __init__(self, gamma: float = 0.5):
        self.gamma = float(gamma)

    def relevance(self, blk, cache, r_y):
        # γ is applied before propagating (the rules are linear in R, so this is the same
        # number) so that a step's bookkeeping sees the relevance that really enters it.
        parts = []
        if self.gamma != 0.0:
            parts.append(blk.residual_relevance(cache, self.gamma * r_y))
        if self.gamma != 1.0:
            parts.append(blk.skip_relevance(cache, (1.0 - self.gamma) * r_y))
        return parts[0] if len(parts) == 1 else parts[0] + parts[1]


class SplitSkip(SkipRule):
    """Relevance splitting (ECCV 2024): R_F = |F|/(|F|+|S|)·R(y), R_S = |S|/(|F|+|S|)·R(y),
    each sent down its own path, then summed."""

    name = "relevance-splitting"

    def __init__(self, eps: float = EPS_SPLIT):
        self.eps = eps

    def relevance(self, blk, cache, r_y):
        fa, sa = torch.abs(cache["f"]), torch.abs(cache["s"])
        q = r_y / (fa + sa + self.eps)
        rf, rs = fa * q, sa * q
        self._note(r_y, rf + rs)
        return blk.residual_relevance(cache, rf) + blk.skip_relevance(cache, rs)


class ProportionalSkip(SkipRule):
    """Plain LRP: the addition z = F + S is a sum layer, z-rule: R_F = F/z·R, R_S = S/z·R."""

    name = "proportional"

    def __init__(self, eps: float = EPS_PLAIN):
        self.eps = eps

    def relevance(self, blk, cache, r_y):
        z = cache["f"] + cache["s"]
        q = r_y / torch.where(z >= 0, z + self.eps, z - self.eps)
        rf, rs = cache["f"] * q, cache["s"] * q
        self._note(r_y, rf + rs)
        return blk.residual_relevance(cache, rf) + blk.skip_relevance(cache, rs)


# --------------------------------------------------------------------------------------------
# the canonized network
# --------------------------------------------------------------------------------------------
class FoldedBlock(nn.Module):
    def __init__(self, b: abn.Bottleneck, in_hw: int, rule: Rule, skip: SkipRule, dtype, name: str):
        super().__init__()
        w, bias = fold_conv_bn(b.conv1, b.bn1)
        c1 = Conv(w, bias, 1, 0, in_hw, dtype=dtype)
        w, bias = fold_conv_bn(b.conv2, b.bn2)
        c2 = Conv(w, bias, b.conv2.stride[0], b.conv2.padding[0], c1.out_hw, dtype=dtype)
        w, bias = fold_conv_bn(b.conv3, b.bn3)
        c3 = Conv(w, bias, 1, 0, c2.out_hw, dtype=dtype)
        self.s1, self.s2, self.s3 = (Step(c1, rule, dtype, name + ".conv1"), Step(c2, rule, dtype, name + ".conv2"),
                                     Step(c3, rule, dtype, name + ".conv3"))
        self.sd: Optional[Step] = None
        if b.downsample is not None:
            w, bias = fold_conv_bn(b.downsample[0], b.downsample[1])
            self.sd = Step(Conv(w, bias, b.downsample[0].stride[0], 0, in_hw, dtype=dtype), rule, dtype,
                           name + ".downsample")
        self.skip_rule = skip
        self.out_hw = c3.out_hw

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        u1 = F.relu(self.s1.op.layer(x))
        u2 = F.relu(self.s2.op.layer(u1))
        f = self.s3.op.layer(u2)
        s = x if self.sd is None else self.sd.op.layer(x)
        return F.relu(f + s), {"x": x, "u1": u1, "u2": u2, "f": f, "s": s}

    def residual_relevance(self, c: Dict[str, torch.Tensor], r: torch.Tensor) -> torch.Tensor:
        r = self.s3(c["u2"], r)           # ReLUs pass relevance unchanged
        r = self.s2(c["u1"], r)
        return self.s1(c["x"], r)

    def skip_relevance(self, c: Dict[str, torch.Tensor], r: torch.Tensor) -> torch.Tensor:
        return r if self.sd is None else self.sd(c["x"], r)

    def relevance(self, c: Dict[str, torch.Tensor], r_y: torch.Tensor) -> torch.Tensor:
        return self.skip_rule.relevance(self, c, r_y)


def input_bounds(model: abn.ABN) -> Tuple[List[float], List[float]]:
    """l = (0 − mean)/std, h = (1 − mean)/std per channel: the [0,1] pixel range, normalised
    (with the model's own mean/std buffers, so the bounds match its normalisation exactly)."""
    mean, std = model.mean.detach().double().view(-1), model.std.detach().double().view(-1)
    return ([float((0.0 - m) / s) for m, s in zip(mean, std)],
            [float((1.0 - m) / s) for m, s in zip(mean, std)])


class FoldedABN(nn.Module):
    """The ABN with every BatchNorm folded (float64, then cast), each linear layer bound to its
    rule. ``forward`` runs the network once and returns the activations the backward sweep needs."""

    def __init__(self, model: abn.ABN, mode: str = "bn", gamma: float = 0.5, skip_rule: str = "paper",
                 dtype: torch.dtype = torch.float32):
        super().__init__()
        if mode not in ("bn", "plain"):
            raise ValueError(f"mode {mode!r}: expected 'bn' or 'plain'")
        if skip_rule not in SKIP_RULES:
            raise ValueError(f"skip rule {skip_rule!r}: expected one of {SKIP_RULES}")
        if not 0.0 <= gamma <= 1.0:
            raise ValueError(f"gamma {gamma}: expected 0 ≤ γ ≤ 1")
        cfg = model.cfg
        self.cfg, self.mode, self.dtype = cfg, mode, dtype
        model = model.eval()
        if mode == "bn":
            low, high = input_bounds(model)
            first, rule, pool_rule = ZBox(low, high), ZPlus(), ZPlus()
            skip: SkipRule = PaperSkip(gamma) if skip_rule == "paper" else SplitSkip()
        else:
            first = rule = pool_rule = Epsilon()
            skip = ProportionalSkip()
        self.skip_rule = skip
        self.register_buffer("mean", model.mean.detach().to(dtype).view(1, 3, 1, 1).clone())
        self.register_buffer("std", model.std.detach().to(dtype).view(1, 3, 1, 1).clone())
        self.register_buffer("classes", torch.arange(cfg.num_classes, dtype=torch.int64).view(1, -1))
        hw = cfg.image_size
        w, b = fold_conv_bn(model.conv1, model.bn1)
        stem = Conv(w, b, model.conv1.stride[0], model.conv1.padding[0], hw, dtype=dtype)
        self.stem = Step(stem, first, dtype, "stem")
        mp = model.maxpool
        self.pool = Step(SumPool(cfg.stem_width, mp.kernel_size, mp.stride, mp.padding, stem.out_hw, dtype=dtype),
                         pool_rule, dtype, "maxpool")
        self.mp_args = (mp.kernel_size, mp.stride, mp.padding)
        hw = self.pool.op.out_hw
        self.fe = nn.ModuleList()
        for li, layer in enumerate((model.layer1, model.layer2, model.layer3), 1):
            for bi, blk in enumerate(layer):
                fb = FoldedBlock(blk, hw, rule, skip, dtype, f"layer{li}.{bi}")
                self.fe.append(fb)
                hw = fb.out_hw
        self.h_hw = hw
        self.ab = nn.ModuleList()
        for bi, blk in enumerate(model.ab_layer):
            fb = FoldedBlock(blk, hw, rule, skip, dtype, f"ab_layer.{bi}")
            self.ab.append(fb)
        w, b = fold_bn_conv_bn(model.ab_bn, model.ab_conv, model.ab_bn2)
        self.ab_head = Step(Conv(w, b, 1, 0, hw, dtype=dtype), rule, dtype, "ab_bn+ab_conv+ab_bn2")
        w, b = fold_conv_bn(model.ab_map_conv, model.ab_map_bn)
        self.ab_map = Conv(w, b, 1, model.ab_map_conv.padding[0], hw, dtype=dtype)   # forward only
        self.theta_alpha = float(cfg.theta_alpha)
        # f_AB^(2) = GAP ∘ 1×1 conv = (1×1 conv as a dense layer) ∘ GAP: both linear, so they commute
        k = cfg.num_classes
        self.ab_gap = Step(GlobalSum(), pool_rule, dtype, "ab_gap")
        lb = model.ab_logit_conv.bias            # the forward needs it; z⁺ ignores it
        self.ab_logit = Step(Dense(model.ab_logit_conv.weight.detach().double().view(k, k),
                                   None if lb is None else lb.detach().double(), dtype=dtype),
                             rule, dtype, "ab_logit_conv")
        self.pb = nn.ModuleList()
        for bi, blk in enumerate(model.layer4):
            fb = FoldedBlock(blk, hw, rule, skip, dtype, f"layer4.{bi}")
            self.pb.append(fb)
            hw = fb.out_hw
        self.pb_hw = hw
        self.pb_gap = Step(GlobalSum(), pool_rule, dtype, "pb_gap")
        self.fc = Step(Dense(model.fc.weight.detach().double(), model.fc.bias.detach().double(), dtype=dtype),
                       rule, dtype, "fc")

    def steps(self) -> List[Step]:
        return [m for m in self.modules() if isinstance(m, Step)]

    def start_recording(self) -> List[Dict]:
        """Tests only: every step (and the skip rule) appends its relevance bookkeeping to the
        returned list: r_out (entering from above), r_in (leaving below), bias_share and
        stabiliser_share (what the bias / the ε or a zero denominator absorbed)."""
        log: List[Dict] = []
        for st in self.steps():
            st.record = log
        self.skip_rule.record = log
        return log

    def stop_recording(self) -> None:
        for st in self.steps():
            st.record = None
        self.skip_rule.record = None

    def forward(self, image: torch.Tensor) -> Dict:
        act: Dict = {}
        xn = (image - self.mean) / self.std
        act["xn"] = xn
        a0 = F.relu(self.stem.op.layer(xn))
        act["a0"] = a0
        k, st, p = self.mp_args
        x = F.max_pool2d(a0, k, st, p)
        act["p0"] = x
        fe = []
        for blk in self.fe:
            x, c = blk(x)
            fe.append(c)
        act["fe"], act["h"] = fe, x
        h = x
        ab = []
        for blk in self.ab:
            x, c = blk(x)
            ab.append(c)
        act["ab"], act["u_ab"] = ab, x
        a = F.relu(self.ab_head.op.layer(x))
        act["a"] = a
        alpha_tilde = torch.sigmoid(self.ab_map.layer(a))
        alpha = alpha_tilde * (alpha_tilde >= self.theta_alpha).to(alpha_tilde.dtype)
        act["alpha_tilde"], act["alpha"] = alpha_tilde, alpha
        m = a.sum(dim=(2, 3)) / float(self.h_hw * self.h_hw)
        act["m"] = m
        act["ab_logits"] = self.ab_logit.op.layer(m)
        x = alpha * h
        act["g"] = x
        pb = []
        for blk in self.pb:
            x, c = blk(x)
            pb.append(c)
        act["pb"], act["v"] = pb, x
        gv = x.sum(dim=(2, 3)) / float(self.pb_hw * self.pb_hw)
        act["gv"] = gv
        act["pb_logits"] = self.fc.op.layer(gv)
        return act

    def onehot(self, target: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        return (target.view(-1, 1) == self.classes).to(dtype)

    def backward_pb(self, act: Dict, r_logits: torch.Tensor) -> torch.Tensor:
        """PB logits → g = α' ⊙ h; the gate gives all of R(g) to h (returned as R(h))."""
        r = self.fc(act["gv"], r_logits)
        r = self.pb_gap(act["v"], r)
        for blk, c in zip(reversed(self.pb), reversed(act["pb"])):
            r = blk.relevance(c, r)
        return r

    def backward_ab(self, act: Dict, r_logits: torch.Tensor) -> torch.Tensor:
        """AB logits → f_AB^(2) → ReLU → folded ab_bn/ab_conv/ab_bn2 → ab_layer → R(h)."""
        r = self.ab_logit(act["m"], r_logits)
        r = self.ab_gap(act["a"], r)
        r = self.ab_head(act["u_ab"], r)
        for blk, c in zip(reversed(self.ab), reversed(act["ab"])):
            r = blk.relevance(c, r)
        return r

    def backward_fe(self, act: Dict, r_h: torch.Tensor) -> torch.Tensor:
        """R(h) → layer3..1 → max-pool → stem → R(normalised input), (N,3,H,W)."""
        r = r_h
        for blk, c in zip(reversed(self.fe), reversed(act["fe"])):
            r = blk.relevance(c, r)
        r = self.pool(act["a0"], r)
        return self.stem(act["xn"], r)

    def input_relevance(self, image: torch.Tensor, target: torch.Tensor) -> Tuple[torch.Tensor, Dict]:
        act = self.forward(image)
        onehot = self.onehot(target, image.dtype)
        r_pb = onehot * torch.softmax(act["pb_logits"], dim=1)
        r_h = self.backward_pb(act, r_pb)
        if self.mode == "bn":
            r_ab = onehot * torch.softmax(act["ab_logits"], dim=1)
            r_h = r_h + self.backward_ab(act, r_ab)       # eq. 4
        return self.backward_fe(act, r_h), act


def upscale(m: torch.Tensor, hw: int) -> torch.Tensor:
    return F.interpolate(m, size=(hw, hw), mode="bilinear", align_corners=False)


# --------------------------------------------------------------------------------------------
# exported graphs
# --------------------------------------------------------------------------------------------
class LRPGraph(nn.Module):
    """lrp_bn / lrp_plain: (image [N,3,H,W], target [N]) → relevance [N,1,H,W]
    (+ alpha_up, explanation for LRP-BN)."""

    def __init__(self, model: abn.ABN, mode: str = "bn", gamma: float = 0.5, skip_rule: str = "paper",
                 dtype: torch.dtype = torch.float32):
        super().__init__()
        self.net = FoldedABN(model, mode, gamma, skip_rule, dtype)
        self.mode = mode

    def forward(self, image: torch.Tensor, target: torch.Tensor):
        r, act = self.net.input_relevance(image, target)
        relevance = r.sum(dim=1, keepdim=True)
        if self.mode == "plain":
            return relevance
        alpha_up = upscale(act["alpha"], self.net.cfg.image_size)
        return relevance, alpha_up, relevance * alpha_up


class ABNGraph(nn.Module):
    """abn: image → p_pb, p_ab (softmax), alpha_tilde, alpha — the trained model itself."""

    def __init__(self, model: abn.ABN):
        super().__init__()
        self.model = model.eval()

    def forward(self, image: torch.Tensor):
        o = self.model(image)
        return (torch.softmax(o.pb_logits, dim=1), torch.softmax(o.ab_logits, dim=1), o.alpha_tilde, o.alpha)


class GradCAMGraph(nn.Module):
    """GradCAM at the last perception block (layer4 output A), target logit. GAP + linear follow
    A, so ∂y_t/∂A_k,ij = w_tk/(H·W) and GradCAM = CAM: ReLU(Σ_k w_tk A_k)/(H·W), upscaled."""

    def __init__(self, model: abn.ABN, dtype: torch.dtype = torch.float32):
        super().__init__()
        self.net = FoldedABN(model, "plain", dtype=dtype)
        self.hw = model.cfg.image_size

    def forward(self, image: torch.Tensor, target: torch.Tensor):
        act = self.net.forward(image)
        v = act["v"]
        onehot = self.net.onehot(target, image.dtype)                          # (N,K)
        w_t = torch.matmul(onehot, self.net.fc.op.weight)                       # (N,C)
        cam = F.relu((v * w_t.unsqueeze(-1).unsqueeze(-1)).sum(dim=1, keepdim=True))
        cam = cam / float(self.net.pb_hw * self.net.pb_hw)
        return upscale(cam, self.hw)


GRAPH_OUTPUTS = {
    "abn": ["p_pb", "p_ab", "alpha_tilde", "alpha"],
    "lrp_bn": ["relevance", "alpha_up", "explanation"],
    "lrp_plain": ["relevance"],
    "gradcam": ["cam"],
}


def lrp_settings(gamma: float, skip_rule: str) -> Dict:
    """The manifest's "lrp" section for one LRP-BN graph."""
    return {"gamma": gamma, "skip_rule": MANIFEST_SKIP_NAMES[skip_rule], "start": "probability",
            "first_layer": "zB", "maxpool": "proportional", "gap": "proportional",
            "batchnorm": "folded", "gate": "all-to-h", "branches": "R(h)=R_AB+R_PB",
            "downsample_skip": ("zplus-through-downsample-conv" if skip_rule == "paper"
                                else "split-then-zplus-through-downsample-conv"),
            "ordinary_layers": "zplus", "eps": EPS_ZPLUS, "relu": "pass",
            "output": "sum over colour channels"}
