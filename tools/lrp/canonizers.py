"""Canonizers: rewrite the network into an equivalent one that the rules are defined on.

LRP rules are defined on linear layers. A BatchNorm is an affine map whose scale can flip
signs, so z⁺ must see the folded weights, not the raw ones (docs/lrp-rules.md §2.1). Folding
is done in float64 and cast once by the operator that stores the result.
"""
from __future__ import annotations

from typing import Optional, Tuple

import torch
import torch.nn as nn


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


class BatchNormFold:
    """The canonizer every composite here uses: each conv→BN pair becomes one conv, and the
    AB's BN→1×1 conv→BN one 1×1 conv. ``name`` is what the manifest records."""

    name = "folded"

    conv_bn = staticmethod(fold_conv_bn)
    bn_conv_bn = staticmethod(fold_bn_conv_bn)
