"""The graph-size layer: how a rule bound to an operator becomes few, cheap ONNX nodes.

Nothing here changes what is computed — every function has a plain counterpart that the tests
compare it with (docs/lrp-rules.md §6 says what each one saved, measured with ONNX Runtime
1.23 CPU). The rule maths is in :mod:`tools.lrp.rules` and :mod:`tools.lrp.core`; this module
decides only the form:

* :class:`ConvAdjoint` — the adjoint of a conv as a Conv with the flipped kernel (stride 1),
  as the sub-pixel Conv + DepthToSpace + Slice (the 7×7/2 stem), or as ConvTranspose; and the
  colour-channel sum done in phase space before interleaving;
* :func:`lower_step` — the initializers of one step: ε in the denominator's bias (or in the
  constant map), no denominator conv when the rule's weight is the layer's own (the forward
  pre-activation plus a shift), a skip rule's γ folded into the adjoint weights, one adjoint
  weight for all rule terms, and no duplicate initializers;
* :class:`Upscale` — bilinear upscaling as two MatMuls instead of Resize.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F


# --------------------------------------------------------------------------------------------
# adjoint of a convolution
# --------------------------------------------------------------------------------------------
def conv_padded(x: torch.Tensor, w: torch.Tensor, b: Optional[torch.Tensor], stride: int, lo: int, hi: int,
                groups: int) -> torch.Tensor:
    """conv2d with zero padding lo before and hi after on both spatial axes (a Pad node only
    when the two differ: ONNX Conv's own pads are symmetric as PyTorch exports them)."""
    if lo == hi:
        return F.conv2d(x, w, b, stride, lo, 1, groups)
    return F.conv2d(F.pad(x, (lo, hi, lo, hi)), w, b, stride, 0, 1, groups)


class ConvAdjoint:
    """How the graph computes ``conv_transpose2d(s, w)`` for one conv (geometry fixed at build
    time in plain ints, so tracing records constants).

    The adjoint as an ordinary Conv: ONNX Runtime's ConvTranspose (im2col + col2im, no NCHWc
    path) costs 2-3x a Conv of the same size on CPU, and the relevance graph has one per layer.
    Sub-pixel form: for stride S the transposed conv's output phase (r_h, r_w) is a stride-1
    correlation of s with the taps W[r + S·(J-1-u)], J = ceil(K/S); one Conv computes all S²
    phases as S²·C channels, pixel_shuffle (DepthToSpace) interleaves them, a Slice drops the
    padding rows. For S = 1 this is the flipped, transposed kernel and nothing else."""

    FORMS = ("conv", "subpixel", "transpose")
    SUBPIXEL_MAX_WASTE = 1.5

    def __init__(self, conv, form: Optional[str] = None):
        self.stride, self.padding, self.groups = conv.stride, conv.padding, conv.groups
        self.kernel, self.in_hw, self.out_hw = conv.kernel, conv.in_hw, conv.out_hw
        self.output_padding = conv.output_padding
        self.plan = self._plan()
        if form is None:
            form = self.default_form()
        if form not in self.FORMS:
            raise ValueError(f"adjoint form {form!r}: expected one of {self.FORMS}")
        self.form = form

    def default_form(self) -> str:
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

    def _plan(self) -> Tuple[int, int, int, int, int]:
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

    def kernel_for(self, w: torch.Tensor) -> torch.Tensor:
        """Kernel of the op that computes ``transpose(·, w)``; w in the forward layout
        (K_out, C_in/groups, k, k), possibly with extra term columns concatenated on dim 1."""
        if self.form == "transpose":
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

    def apply(self, s: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """``transpose(s, w)`` computed as Conv (+ DepthToSpace + Slice), v = kernel_for(w)."""
        if self.form == "transpose":
            return F.conv_transpose2d(s, v, None, self.stride, self.padding, self.output_padding,
                                      self.groups)
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

    # Σ_c a_c ⊙ transpose(s, W)_c for the sub-pixel form, without interleaving all channels:
    # split `a` into the same S² phases (a stride-S Conv with one-hot S×S kernels, which also
    # appends constant-1 channels for the constant terms), multiply in phase space, sum the
    # channels of each phase (a 1×1 Conv with 0/1 weights), and interleave only the S² summed
    # maps. DepthToSpace (a strided copy in ONNX Runtime) then moves 1/C of the data.
    def phase_kernels(self, n_in: int, n_const: int, dtype: torch.dtype
                      ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(split kernel, split bias, sum kernel) for :meth:`channel_sum`."""
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

    def channel_sum(self, s: torch.Tensor, v: torch.Tensor, a: torch.Tensor, split: torch.Tensor,
                    split_bias: torch.Tensor, gsum: torch.Tensor) -> torch.Tensor:
        """(N,1,H,W): Σ_c a_c ⊙ transpose(s, W_a)_c (+ transpose(s, W_const)), sub-pixel form."""
        _, _, _, start, Q = self.plan
        S = self.stride
        ap = conv_padded(a, split, split_bias, S, start, S * Q - start - self.in_hw, 1)
        u = F.pixel_shuffle(F.conv2d(self._phases(s, v) * ap, gsum), S)
        return self._crop(u)


# --------------------------------------------------------------------------------------------
# one step's initializers
# --------------------------------------------------------------------------------------------
@dataclass
class Lowered:
    """What a :class:`tools.lrp.core.Step` stores and how :func:`tools.lrp.core.propagate`
    reads it. Tensors are exported as initializers; the rest are build-time constants.

    * ``w_den``/``b_den``: the denominator's weight and bias (the rule's bias, or ε);
      ``w_den`` is None when it equals the layer's own weight (``den_is_layer``): then the
      denominator is the forward pre-activation plus ``z_shift``;
    * ``z_const``: the image-independent part of the denominator (constant terms, ε);
      ``eps_outside``: ε of a weightless operator, added as a scalar;
    * ``w_adj``: the adjoint kernel of [W_a | W_c]·scale, or None when it equals the layer's
      weight or ``w_den`` (``adj_src`` says which); ``n_in``: the channels of W_a;
    * ``phase_sum`` with ``w_split``/``b_split``/``w_gsum``: the colour-channel sum in phase
      space (sub-pixel adjoint)."""

    w_den: Optional[torch.Tensor]
    z_shift: Optional[torch.Tensor]
    b_den: Optional[torch.Tensor]
    z_const: Optional[torch.Tensor]
    w_adj: Optional[torch.Tensor]
    w_split: Optional[torch.Tensor]
    b_split: Optional[torch.Tensor]
    w_gsum: Optional[torch.Tensor]
    den_is_layer: bool
    adj_src: str
    eps_outside: bool
    n_in: Optional[int]
    phase_sum: bool


def lower_step(op: nn.Module, rule, terms, dtype: torch.dtype, scale: float, sum_channels: bool,
               name: str = "") -> Lowered:
    """The initializers of one step from the rule's terms (:class:`tools.lrp.core.Terms`):

    * ε of an additive stabiliser is the denominator's bias (or joins ``z_const``);
    * ``scale`` (a skip rule's γ or 1−γ for the relevance entering this step) is folded into
      the adjoint weights: the rules are linear in R;
    * the constant terms' columns are summed up front when the step sums colour channels;
    * a denominator weight equal to the layer's own is that tensor (and the forward pass has
      already computed op(a, W) + b_layer: z = that + (b − b_layer), no conv at all); an
      adjoint weight equal to one already stored is that tensor (the exporter would otherwise
      dedupe the two into an Identity between initializer and Conv)."""
    w_a, w_c, z_const = terms.w_a, terms.w_c, terms.z_const
    with torch.no_grad():
        bias = None
        if rule.use_bias:
            bias = terms.bias
        elif rule.additive_eps:
            if z_const is not None:
                z_const = z_const + rule.eps
            elif op.weight is not None:
                bias = torch.full((op.weight.shape[0],), rule.eps, dtype=dtype)
        eps_outside = rule.additive_eps and z_const is None and op.weight is None
        n_in = None if w_c is None else w_c.shape[1]
        if w_c is not None and sum_channels:
            w_c = w_c.sum(dim=1, keepdim=True)          # Σ_c c_c·W_t[:, c]: one column
        adj = None
        if w_a is not None:
            adj = w_a if w_c is None else torch.cat([w_a, w_c], dim=1)
            adj = op.adjoint_kernel(adj * scale)
        phase_sum = (sum_channels and getattr(op, "adjoint_form", "") == "subpixel" and op.groups == 1)
        split = split_bias = gsum = None
        if phase_sum:
            split, split_bias, gsum = op.adj.phase_kernels(op.weight.shape[1], 0 if w_c is None else 1, dtype)
    den_is_layer = w_a is not None and torch.equal(w_a, op.weight)
    w_den = None if w_a is None or den_is_layer else w_a.contiguous()
    shift = None
    if den_is_layer:
        with torch.no_grad():
            lb = op.bias_view()
            bshape = (1, -1) + (1,) * (op.weight.dim() - 2)
            if bias is not None and not rule.use_bias:
                shift = bias.view(bshape) if lb is None else bias.view(bshape) - lb
            elif not rule.use_bias and lb is not None:
                shift = -lb
            if z_const is not None:
                shift = z_const if shift is None else z_const + shift
    adj_src = "own"
    if adj is not None and op.weight is not None and adj.shape == op.weight.shape:
        if torch.equal(adj, op.weight):
            adj_src, adj = "layer", None
        elif w_den is not None and torch.equal(adj, w_den):
            adj_src, adj = "den", None
    return Lowered(w_den=w_den, z_shift=shift, b_den=None if bias is None else bias.contiguous(),
                   z_const=z_const, w_adj=adj, w_split=split, b_split=split_bias, w_gsum=gsum,
                   den_is_layer=den_is_layer, adj_src=adj_src, eps_outside=eps_outside, n_in=n_in,
                   phase_sum=phase_sum)


# --------------------------------------------------------------------------------------------
# bilinear upscaling
# --------------------------------------------------------------------------------------------
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
