"""Shared helpers of the tools/lrp tests (float64 throughout)."""
import torch

from tools import lrp

F64 = torch.float64


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max() / b.abs().max().clamp(min=1e-30))


def conv_op(cin, cout, k, stride, pad, hw, seed):
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(cout, cin, k, k, generator=g, dtype=F64)
    b = torch.randn(cout, generator=g, dtype=F64)
    return lrp.Conv(w, b, stride, pad, hw, dtype=F64)
