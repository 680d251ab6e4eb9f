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
def conv_padded(x: torch.Tensor, w: torch.Tensor, b: Optional[torch.Tensor], stride: int, lo: int, hi: int,
                groups: int) -> torch.Tensor:
    """conv2d with zero padding lo before and hi after on both spatial axes (a Pad node only
    when the two differ: ONNX Conv's own pads are symmetric as PyTorch exports them)."""
    if lo == hi:
        return F.conv2d(x, w, b, stride, lo, 1, groups)
    return F.conv2d(F.pad(x, (lo, hi, lo, hi)), w, b, stride, 0, 1, groups)


class Conv(nn.Module):
    """A 2-D convolution with its adjoint. ``in_hw`` fixes output_padding for strided kernels."""

    ADJOINT_FORMS = ("conv", "subpixel", "transpose")
    SUBPIXEL_MAX_WASTE = 1.5

    def __init__(self, weight: torch.Tensor, bias: Optional[torch.Tensor], stride: int, padding: int,
                 in_hw: int, groups: int = 1, dtype: torch.dtype = torch.float32,
                 adjoint_form: Optional[str] = None):
        super().__init__()
        self.register_buffer("weight", weight.to(dtype).contiguous())
        self.register_buffer("bias", None if bias is None else bias.to(dtype).contiguous())
        self.stride, self.padding, self.groups = int(stride), int(padding), int(groups)
        k = weight.shape[-1]
        self.in_hw = int(in_hw)
        self.out_hw = (self.in_hw + 2 * self.padding - k) // self.stride + 1
        self.output_padding = self.in_hw - ((self.out_hw - 1) * self.stride - 2 * self.padding + k)
        self.kernel = int(k)
        self.plan = self._adjoint_plan()          # plain ints, fixed at build time (tracing-safe)
        if adjoint_form is None:
            adjoint_form = self.default_adjoint_form()
        if adjoint_form not in self.ADJOINT_FORMS:
            raise ValueError(f"adjoint form {adjoint_form!r}: expected one of {self.ADJOINT_FORMS}")
        self.adjoint_form = adjoint_form

    def default_adjoint_form(self) -> str:
        """Stride 1: a Conv with the flipped, transposed kernel (same cost as the forward conv).
        Strided: the sub-pixel Conv + DepthToSpace only where its zero taps waste little
        ((S·J)²/K² ≤ 1.5: the 7×7/2 stem, 1.31); else ConvTranspose (3×3/2: 1.78, 1×1/2: 4),
        whose col2im costs less than computing and interleaving mostly-zero phases (measured
        with ONNX Runtime 1.23 CPU, docs/lrp-rules.md)."""
        if self.stride == 1:
            return "conv"
        J = self.plan[0]
        waste = (self.stride * J) ** 2 / float(self.kernel ** 2)
        return "subpixel" if waste <= self.SUBPIXEL_MAX_WASTE else "transpose"

    def forward(self, x: torch.Tensor, w: torch.Tensor, b: Optional[torch.Tensor] = None) -> torch.Tensor:
        return F.conv2d(x, w, b, self.stride, self.padding, 1, self.groups)

    def layer(self, x: torch.Tensor) -> torch.Tensor:
        """The layer itself (signed weights and bias): used by the forward pass."""
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, 1, self.groups)

    def transpose(self, s: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        """The adjoint as ConvTranspose: the definition, kept as the tests' yardstick."""
        return F.conv_transpose2d(s, w, None, self.stride, self.padding, self.output_padding,
                                  self.groups)

    # The adjoint as an ordinary Conv. ONNX Runtime's ConvTranspose (im2col + col2im, no NCHWc
    # path) costs 2-3x a Conv of the same size on CPU, and the relevance graph has one per
    # layer. Sub-pixel form: for stride S the transposed conv's output phase (r_h, r_w) is a
    # stride-1 correlation of s with the taps W[r + S·(J-1-u)], J = ceil(K/S); one Conv computes
    # all S² phases as S²·C channels, pixel_shuffle (DepthToSpace) interleaves them, a Slice
    # drops the padding rows. For S = 1 this is the flipped, transposed kernel and nothing else.
    def _adjoint_plan(self) -> Tuple[int, int, int, int, int]:
        """(J, pad_left, pad_right, slice_start, Q): conv over s padded (pad_left, pad_right)
        gives Q positions per phase; after the shuffle, rows [start, start + in_hw) are R."""
        k = self.kernel
        S, P, n, m = self.stride, self.padding, self.out_hw, self.in_hw
        J = -(-k // S)
        drop = min(P // S, J - 1)                  # whole phase rows that only the padding needs
        pad_left = J - 1 - drop
        start = P - S * drop
        Q = -(-(start + m) // S)
        pad_right = max(0, Q - n - pad_left + J - 1)
        return J, pad_left, pad_right, start, Q

    def adjoint_kernel(self, w: torch.Tensor) -> torch.Tensor:
        """Kernel of the op that computes ``transpose(·, w)``; w in the forward layout
        (K_out, C_in/groups, k, k), possibly with extra term columns concatenated on dim 1."""
        if self.adjoint_form == "transpose":
            return w.contiguous()
        S, g = self.stride, self.groups
        J = self.plan[0]
        cs, co_g, k = w.shape[0], w.shape[1], w.shape[-1]
        wp = w.new_zeros(cs, co_g, S * J, S * J)
        wp[:, :, :k, :k] = w
        wr = wp.view(cs, co_g, J, S, J, S).flip(2).flip(4)       # [cs, co, u, r_h, v, r_w]
        v = wr.permute(1, 3, 5, 0, 2, 4)                         # [co, r_h, r_w, cs, u, v]
        v = v.reshape(co_g * S * S, g, cs // g, J, J).permute(1, 0, 2, 3, 4)
        return v.reshape(g * co_g * S * S, cs // g, J, J).contiguous()

    def adjoint(self, s: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """``transpose(s, w)`` computed as Conv (+ DepthToSpace + Slice), v = adjoint_kernel(w)."""
        if self.adjoint_form == "transpose":
            return self.transpose(s, v)
        t = self._phases(s, v)
        if self.stride > 1:
            t = F.pixel_shuffle(t, self.stride)
        return self._crop(t)

    def _phases(self, s: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """The sub-pixel Conv: all S² output phases of ``transpose(s, ·)`` as channels."""
        _, pl, pr, _, _ = self.plan
        return conv_padded(s, v, None, 1, pl, pr, self.groups)

    def _crop(self, t: torch.Tensor) -> torch.Tensor:
        """Interleaved phases (S·Q rows) → the layer input's in_hw rows."""
        _, _, _, start, Q = self.plan
        if start != 0 or self.stride * Q != self.in_hw:
            t = t[:, :, start:start + self.in_hw, start:start + self.in_hw]
        return t

    def bias_view(self) -> Optional[torch.Tensor]:
        return None if self.bias is None else self.bias.view(1, -1, 1, 1)

    # Σ_c a_c ⊙ transpose(s, W)_c for the sub-pixel form, without interleaving all channels:
    # split `a` into the same S² phases (a stride-S Conv with one-hot S×S kernels, which also
    # appends constant-1 channels for the constant terms), multiply in phase space, sum the
    # channels of each phase (a 1×1 Conv with 0/1 weights), and interleave only the S² summed
    # maps. DepthToSpace (a strided copy in ONNX Runtime) then moves 1/C of the data.
    def phase_kernels(self, n_in: int, n_const: int, dtype: torch.dtype) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(split kernel, split bias, sum kernel) for ``adjoint_channel_sum``."""
        S = self.stride
        n = n_in + n_const
        split = torch.zeros(n * S * S, n_in, S, S, dtype=dtype)
        for c in range(n_in):
            for rh in range(S):
                for rw in range(S):
                    split[c * S * S + rh * S + rw, c, rh, rw] = 1.0
        bias = torch.zeros(n * S * S, dtype=dtype)
        bias[n_in * S * S:] = 1.0
        gsum = torch.zeros(S * S, n * S * S, 1, 1, dtype=dtype)
        for c in range(n):
            for ph in range(S * S):
                gsum[ph, c * S * S + ph, 0, 0] = 1.0
        return split, bias, gsum

    def adjoint_channel_sum(self, s: torch.Tensor, v: torch.Tensor, a: torch.Tensor, split: torch.Tensor,
                            split_bias: torch.Tensor, gsum: torch.Tensor) -> torch.Tensor:
        """(N,1,H,W): Σ_c a_c ⊙ transpose(s, W_a)_c (+ transpose(s, W_const)), sub-pixel form."""
        _, _, _, start, Q = self.plan
        S = self.stride
        ap = conv_padded(a, split, split_bias, S, start, S * Q - start - self.in_hw, 1)
        u = F.pixel_shuffle(F.conv2d(self._phases(s, v) * ap, gsum), S)
        return self._crop(u)


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

    def forward(self, x: torch.Tensor, w: torch.Tensor, b: Optional[torch.Tensor] = None) -> torch.Tensor:
        y = torch.matmul(x, w.t())
        return y if b is None else y + b

    def layer(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.matmul(x, self.weight.t())
        return y if self.bias is None else y + self.bias

    def transpose(self, s: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return torch.matmul(s, w)

    def adjoint_kernel(self, w: torch.Tensor) -> torch.Tensor:
        return w

    adjoint = transpose

    def bias_view(self) -> Optional[torch.Tensor]:
        return None if self.bias is None else self.bias.view(1, -1)


class GlobalSum(nn.Module):
    """(N,C,H,W) → (N,C) spatial sum; the GAP's rule (1/(H·W) cancels in z-rule ratios).
    Its adjoint is a broadcast; ``weight`` is None (all ones)."""

    weight = None
    bias = None
    in_hw = 0

    def forward(self, x: torch.Tensor, w: Optional[torch.Tensor], b: Optional[torch.Tensor] = None) -> torch.Tensor:
        y = x.sum(dim=(2, 3))
        return y if b is None else y + b

    def transpose(self, s: torch.Tensor, w: Optional[torch.Tensor]) -> torch.Tensor:
        return s.unsqueeze(-1).unsqueeze(-1)

    def adjoint_kernel(self, w: Optional[torch.Tensor]) -> Optional[torch.Tensor]:
        return None

    adjoint = transpose

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
    Input source "a" is the layer's input; any other name is a constant the rule provides.
    ``additive_eps``: the stabiliser is z + ε (z ≥ 0 by construction), so ε can ride in the
    denominator conv's bias instead of costing an Add per layer."""

    name = "rule"
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
    additive_eps = True
    terms = (("a", positive, 1.0),)

    def __init__(self, eps: float = EPS_ZPLUS):
        self.eps = eps

    def stabilise(self, z: torch.Tensor) -> torch.Tensor:
        return z + self.eps          # z ≥ 0 by construction


class ZBox(Rule):
    """zB for the first layer (inputs bounded by l ≤ x ≤ h, per channel):
    R_j = Σ_k (x_j w_jk − l_j w⁺_jk − h_j w⁻_jk) / Σ_j'(…) · R_k, no bias; every numerator ≥ 0."""

    name = "zB"
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
    use_bias = True
    terms = (("a", identity, 1.0),)

    def __init__(self, eps: float = EPS_PLAIN):
        self.eps = eps

    def stabilise(self, z: torch.Tensor) -> torch.Tensor:
        return torch.where(z >= 0, z + self.eps, z - self.eps)


class Step(nn.Module):
    """One operator under one rule, prepared once at build time so that the exported graph does
    one forward-type op and one adjoint op per layer, whatever the number of terms:

    * every operator is linear in its weight, so the terms on the layer input combine into one
      weight, W_a = Σ_t sign_t · mod_t(W), for the denominator and for the adjoint alike;
    * a term whose input is a per-channel rule constant c (zB's l and h) contributes
      ``op(c, W_t)`` to the denominator, which does not depend on the image (folded into the
      constant map ``z_const``), and ``c ⊙ opᵀ(s, W_t) = opᵀ(s, c·W_t)`` to the relevance: its
      weights are scaled per input channel and appended to the adjoint's output channels, so
      R_in = a ⊙ T[:, :C] + T[:, C:] with T = opᵀ(s, [W_a | W_c]) — one adjoint op;
    * ε of an additive stabiliser is the denominator's bias (or joins ``z_const``);
    * ``scale`` (a skip rule's γ or 1−γ for the relevance entering this step) is folded into
      the adjoint weights: the rules are linear in R.
    All of these are initializers in the exported graph (TensorRT wants Conv weights as
    initializers); no weight arithmetic happens per inference.

    ``record`` (tests only, never exported) collects the relevance entering/leaving and the
    share absorbed by the bias and the stabiliser."""

    def __init__(self, op: nn.Module, rule: Rule, dtype: torch.dtype = torch.float32, name: str = "",
                 scale: float = 1.0, sum_channels: bool = False):
        super().__init__()
        self.op, self.rule, self.name, self.scale = op, rule, name, float(scale)
        self.sum_channels = bool(sum_channels)
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
            bias = None
            if rule.use_bias:
                bias = op.bias
            elif rule.additive_eps:
                if z_const is not None:
                    z_const = z_const + rule.eps
                elif op.weight is not None:
                    bias = torch.full((op.weight.shape[0],), rule.eps, dtype=dtype)
            self.eps_outside = rule.additive_eps and z_const is None and op.weight is None
            self.n_in = None if w_c is None else w_c.shape[1]
            if w_c is not None and self.sum_channels:
                w_c = w_c.sum(dim=1, keepdim=True)          # Σ_c c_c·W_t[:, c]: one column
            adj = None
            if w_a is not None:
                adj = w_a if w_c is None else torch.cat([w_a, w_c], dim=1)
                adj = op.adjoint_kernel(adj * self.scale)
            self.phase_sum = (self.sum_channels and getattr(op, "adjoint_form", "") == "subpixel"
                              and op.groups == 1)
            split = split_bias = gsum = None
            if self.phase_sum:
                split, split_bias, gsum = op.phase_kernels(op.weight.shape[1], 0 if w_c is None else 1, dtype)
        # a denominator weight equal to the layer's own (zB's signed term) is that tensor: the
        # exporter would otherwise dedupe the two into an Identity between initializer and Conv
        self.den_is_layer = w_a is not None and torch.equal(w_a, op.weight)
        self.register_buffer("w_den", None if w_a is None or self.den_is_layer else w_a.contiguous())
        # ... and then the forward pass has already computed op(a, W) + b_layer: given that
        # pre-activation, z = pre-activation + (b − b_layer), no conv at all
        shift = None
        if self.den_is_layer:
            with torch.no_grad():
                lb = op.bias_view()
                bshape = (1, -1) + (1,) * (op.weight.dim() - 2)
                if bias is not None and not rule.use_bias:
                    shift = bias.view(bshape) if lb is None else bias.view(bshape) - lb
                elif not rule.use_bias and lb is not None:
                    shift = -lb
                if z_const is not None:
                    shift = z_const if shift is None else z_const + shift
        self.register_buffer("z_shift", shift)
        # an adjoint weight equal to one already stored (a ConvTranspose of W⁺ reads the
        # denominator's W⁺) is that tensor, for the same reason
        self.adj_src = "own"
        if adj is not None and op.weight is not None and adj.shape == op.weight.shape:
            if torch.equal(adj, op.weight):
                self.adj_src, adj = "layer", None
            elif self.w_den is not None and torch.equal(adj, self.w_den):
                self.adj_src, adj = "den", None
        self.register_buffer("b_den", None if bias is None else bias.contiguous())
        self.register_buffer("z_const", z_const)
        self.register_buffer("w_adj", adj)
        self.register_buffer("w_split", split)
        self.register_buffer("b_split", split_bias)
        self.register_buffer("w_gsum", gsum)
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
        out = op.adjoint_channel_sum(s, w_adj, a, step.w_split, step.b_split, step.w_gsum)
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


# --------------------------------------------------------------------------------------------
# skip rules at residual joins  y = ReLU(F(x) + S(x))
# --------------------------------------------------------------------------------------------
class SkipRule:
    """``residual_scale`` / ``skip_scale``: the share of R(y) each path receives when it is a
    fixed number (eq. 5's γ and 1−γ); the blocks fold it into the first step of the path."""
    name = "skip"
    residual_scale = 1.0
    skip_scale = 1.0
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
        self.residual_scale, self.skip_scale = self.gamma, 1.0 - self.gamma

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
        self.s1, self.s2 = Step(c1, rule, dtype, name + ".conv1"), Step(c2, rule, dtype, name + ".conv2")
        self.s3 = Step(c3, rule, dtype, name + ".conv3", scale=skip.residual_scale)
        self.sd: Optional[Step] = None
        if b.downsample is not None:
            w, bias = fold_conv_bn(b.downsample[0], b.downsample[1])
            self.sd = Step(Conv(w, bias, b.downsample[0].stride[0], 0, in_hw, dtype=dtype), rule, dtype,
                           name + ".downsample", scale=skip.skip_scale)
        self.skip_rule = skip
        self.out_hw = c3.out_hw

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        z1 = self.s1.op.layer(x)
        u1 = F.relu(z1)
        z2 = self.s2.op.layer(u1)
        u2 = F.relu(z2)
        f = self.s3.op.layer(u2)
        s = x if self.sd is None else self.sd.op.layer(x)
        return F.relu(f + s), {"x": x, "z1": z1, "u1": u1, "z2": z2, "u2": u2, "f": f, "s": s}

    def residual_relevance(self, c: Dict[str, torch.Tensor], r: torch.Tensor) -> torch.Tensor:
        r = self.s3(c["u2"], r, c["f"])           # ReLUs pass relevance unchanged
        r = self.s2(c["u1"], r, c["z2"])
        return self.s1(c["x"], r, c["z1"])

    def skip_relevance(self, c: Dict[str, torch.Tensor], r: torch.Tensor) -> torch.Tensor:
        if self.sd is not None:
            return self.sd(c["x"], r, c["s"])
        k = self.skip_rule.skip_scale
        return r if k == 1.0 else k * r

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
                 dtype: torch.dtype = torch.float32, sum_channels: bool = False):
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
        self.stem = Step(stem, first, dtype, "stem", sum_channels=sum_channels)
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
        z0 = self.stem.op.layer(xn)
        a0 = F.relu(z0)
        act["z0"], act["a0"] = z0, a0
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
        z_a = self.ab_head.op.layer(x)
        a = F.relu(z_a)
        act["z_a"], act["a"] = z_a, a
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
        return (target.unsqueeze(1) == self.classes).to(dtype)

    def backward_pb(self, act: Dict, r_logits: torch.Tensor) -> torch.Tensor:
        """PB logits → g = α' ⊙ h; the gate gives all of R(g) to h (returned as R(h))."""
        r = self.fc(act["gv"], r_logits, act["pb_logits"])
        r = self.pb_gap(act["v"], r)
        for blk, c in zip(reversed(self.pb), reversed(act["pb"])):
            r = blk.relevance(c, r)
        return r

    def backward_ab(self, act: Dict, r_logits: torch.Tensor) -> torch.Tensor:
        """AB logits → f_AB^(2) → ReLU → folded ab_bn/ab_conv/ab_bn2 → ab_layer → R(h)."""
        r = self.ab_logit(act["m"], r_logits, act["ab_logits"])
        r = self.ab_gap(act["a"], r)
        r = self.ab_head(act["u_ab"], r, act["z_a"])
        for blk, c in zip(reversed(self.ab), reversed(act["ab"])):
            r = blk.relevance(c, r)
        return r

    def backward_fe(self, act: Dict, r_h: torch.Tensor) -> torch.Tensor:
        """R(h) → layer3..1 → max-pool → stem → R(normalised input), (N,3,H,W), or its sum over
        the colour channels (N,1,H,W) when built with ``sum_channels``."""
        r = r_h
        for blk, c in zip(reversed(self.fe), reversed(act["fe"])):
            r = blk.relevance(c, r)
        r = self.pool(act["a0"], r)
        return self.stem(act["xn"], r, act["z0"])

    def input_relevance(self, image: torch.Tensor, target: torch.Tensor) -> Tuple[torch.Tensor, Dict]:
        act = self.forward(image)
        onehot = self.onehot(target, image.dtype)
        r_pb = onehot * torch.softmax(act["pb_logits"], dim=1)
        r_h = self.backward_pb(act, r_pb)
        if self.mode == "bn":
            r_ab = onehot * torch.softmax(act["ab_logits"], dim=1)
            r_h = r_h + self.backward_ab(act, r_ab)       # eq. 4
        return self.backward_fe(act, r_h), act


def interpolation_matrix(n_in: int, n_out: int, dtype: torch.dtype) -> torch.Tensor:
    """The [n_out, n_in] matrix of 1-D linear interpolation with PyTorch's align_corners=False
    (half-pixel) coordinates, taken from F.interpolate itself on the unit vectors."""
    eye = torch.eye(n_in, dtype=dtype).unsqueeze(0)                           # (1, n_in, n_in)
    return F.interpolate(eye, size=n_out, mode="linear", align_corners=False)[0].t().contiguous()


class Upscale(nn.Module):
    """Bilinear upscaling (align_corners=False) of [N,C,n,n] maps to hw×hw as two matrix products
    U·m·Uᵀ. Bilinear is separable, and the two small MatMuls cost ONNX Runtime's CPU EP a fraction
    of its Resize kernel (docs/lrp-rules.md §6). U is built once here, so it is exported as a
    constant."""

    def __init__(self, n_in: int, hw: int, dtype: torch.dtype):
        super().__init__()
        self.register_buffer("u", interpolation_matrix(n_in, hw, dtype), persistent=False)

    def forward(self, m: torch.Tensor) -> torch.Tensor:
        n = self.u.shape[1]
        if m.shape[-2:] != (n, n):
            raise ValueError(f"Upscale built for {n}x{n} maps, got {tuple(m.shape[-2:])}")
        return torch.matmul(torch.matmul(self.u, m), self.u.t())


# --------------------------------------------------------------------------------------------
# exported graphs
# --------------------------------------------------------------------------------------------
class LRPGraph(nn.Module):
    """lrp_bn / lrp_plain: (image [N,3,H,W], target [N]) → relevance [N,1,H,W]
    (+ alpha_up, explanation for LRP-BN)."""

    def __init__(self, model: abn.ABN, mode: str = "bn", gamma: float = 0.5, skip_rule: str = "paper",
                 dtype: torch.dtype = torch.float32):
        super().__init__()
        # the graph outputs Σ_c R_c: the stem step sums the colour channels itself, which lets
        # zB's two constant terms share one adjoint output channel
        self.net = FoldedABN(model, mode, gamma, skip_rule, dtype, sum_channels=True)
        self.mode = mode
        self.upscale = Upscale(model.cfg.feature_size, model.cfg.image_size, dtype)

    def forward(self, image: torch.Tensor, target: torch.Tensor):
        relevance, act = self.net.input_relevance(image, target)
        if self.mode == "plain":
            return relevance
        alpha_up = self.upscale(act["alpha"])
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
        self.upscale = Upscale(self.net.pb_hw, model.cfg.image_size, dtype)

    def forward(self, image: torch.Tensor, target: torch.Tensor):
        act = self.net.forward(image)
        v = act["v"]
        onehot = self.net.onehot(target, image.dtype)                          # (N,K)
        w_t = torch.matmul(onehot, self.net.fc.op.weight)                       # (N,C)
        cam = F.relu((v * w_t.unsqueeze(-1).unsqueeze(-1)).sum(dim=1, keepdim=True))
        cam = cam / float(self.net.pb_hw * self.net.pb_hw)
        return self.upscale(cam)


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
