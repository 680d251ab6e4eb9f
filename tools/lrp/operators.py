"""Linear operators with explicit adjoints: what a rule modifies.

Each operator stores its canonized (BatchNorm-folded) weight and bias once and offers

* ``forward(x, w, b)``: the operator with any weight (a rule's modified one),
* ``layer(x)``: the layer itself (own weight and bias), used by the forward pass,
* ``transpose(s, w)``: the adjoint by its definition (conv_transpose2d, ``s @ w``, a broadcast),
* ``adjoint_kernel(w)`` / ``adjoint(s, v)``: the adjoint as the exported graph computes it.

For :class:`Conv` the last pair is chosen by :class:`tools.lrp.graph_size.ConvAdjoint`
(flipped-kernel Conv, sub-pixel Conv + DepthToSpace, or ConvTranspose); for the others it is
the definition.
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from tools.lrp.graph_size import ConvAdjoint


class Conv(nn.Module):
    """A 2-D convolution with its adjoint. ``in_hw`` fixes output_padding for strided kernels;
    ``adjoint_form`` (None: the measured default) picks how the graph computes the adjoint."""

    ADJOINT_FORMS = ConvAdjoint.FORMS

    def __init__(self, weight: torch.Tensor, bias: Optional[torch.Tensor], stride: int, padding: int,
                 in_hw: int, groups: int = 1, dtype: torch.dtype = torch.float32,
                 adjoint_form: Optional[str] = None):
        super().__init__()
        self.register_buffer("weight", weight.to(dtype).contiguous())
        self.register_buffer("bias", None if bias is None else bias.to(dtype).contiguous())
        self.stride, self.padding, self.groups = int(stride), int(padding), int(groups)
        k = weight.shape[-1]
        self.kernel = int(k)
        self.in_hw = int(in_hw)
        self.out_hw = (self.in_hw + 2 * self.padding - k) // self.stride + 1
        self.output_padding = self.in_hw - ((self.out_hw - 1) * self.stride - 2 * self.padding + k)
        self.adj = ConvAdjoint(self, adjoint_form)     # plain ints, fixed at build time (tracing-safe)

    @property
    def adjoint_form(self) -> str:
        return self.adj.form

    def forward(self, x: torch.Tensor, w: torch.Tensor, b: Optional[torch.Tensor] = None) -> torch.Tensor:
        return F.conv2d(x, w, b, self.stride, self.padding, 1, self.groups)

    def layer(self, x: torch.Tensor) -> torch.Tensor:
        """The layer itself (signed weights and bias): used by the forward pass."""
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, 1, self.groups)

    def transpose(self, s: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        """The adjoint as ConvTranspose: the definition, kept as the tests' yardstick."""
        return F.conv_transpose2d(s, w, None, self.stride, self.padding, self.output_padding,
                                  self.groups)

    def adjoint_kernel(self, w: torch.Tensor) -> torch.Tensor:
        """Kernel of the op that computes ``transpose(·, w)``; w in the forward layout
        (K_out, C_in/groups, k, k), possibly with extra term columns concatenated on dim 1."""
        return self.adj.kernel_for(w)

    def adjoint(self, s: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """``transpose(s, w)`` in the graph's form, v = adjoint_kernel(w)."""
        return self.adj.apply(s, v)

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
