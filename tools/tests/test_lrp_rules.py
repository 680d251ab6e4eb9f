"""Layer rules (tools/lrp/rules.py) through the one mechanism (tools/lrp/core.py), one layer at a
time: conservation on random non-negative inputs, equality with the reference's single-layer
forms (tools/lrp_reference.py), and the ε-rule's leak equal to its bias share. float64."""
import pytest
import torch
import torch.nn.functional as F

from tools import lrp
from tools import lrp_reference as ref
from tools.tests.lrp_helpers import F64, conv_op, rel_err


@pytest.mark.parametrize("k,stride,pad,hw", [(1, 1, 0, 7), (3, 1, 1, 7), (3, 2, 1, 8), (3, 2, 1, 7),
                                             (1, 2, 0, 8), (7, 2, 3, 16)])
def test_zplus_conv_conserves(k, stride, pad, hw):
    op = conv_op(6, 5, k, stride, pad, hw, seed=k + stride + hw)
    step = lrp.Step(op, lrp.ZPlus(), F64)
    a = torch.rand(2, 6, hw, hw, dtype=F64) + 0.05          # z⁺ > 0 everywhere
    r = torch.rand(2, 5, op.out_hw, op.out_hw, dtype=F64)
    r_in = step(a, r)
    assert r_in.shape == a.shape
    assert abs(float(r_in.sum() - r.sum())) < 1e-6 * float(r.sum())
    assert float(r_in.min()) >= 0


def test_zplus_matches_autograd_form_single_layer():
    op = conv_op(4, 3, 3, 2, 1, 9, seed=5)
    a = torch.rand(1, 4, 9, 9, dtype=F64)
    r = torch.rand(1, 3, op.out_hw, op.out_hw, dtype=F64)
    got = lrp.Step(op, lrp.ZPlus(), F64)(a, r)
    want = ref.zplus_conv(a, op.weight, 2, 1, r)
    assert rel_err(got, want) < 1e-12


def test_zbox_conserves_and_is_non_negative():
    low, high = [-2.0, -1.5, -1.8], [2.2, 2.4, 2.6]
    op = conv_op(3, 4, 7, 2, 3, 16, seed=11)
    step = lrp.Step(op, lrp.ZBox(low, high), F64)
    lo = torch.tensor(low, dtype=F64).view(1, 3, 1, 1)
    hi = torch.tensor(high, dtype=F64).view(1, 3, 1, 1)
    x = lo + (hi - lo) * torch.rand(2, 3, 16, 16, dtype=F64)
    r = torch.rand(2, 4, op.out_hw, op.out_hw, dtype=F64)
    r_in = step(x, r)
    assert abs(float(r_in.sum() - r.sum())) < 1e-6 * float(r.sum())
    assert float(r_in.min()) >= -1e-12
    assert rel_err(r_in, ref.zbox_conv(x, op.weight, 2, 3, lo.view(-1), hi.view(-1), r)) < 1e-12


@pytest.mark.parametrize("hw", [8, 7])
def test_sumpool_conserves_and_matches_avgpool_form(hw):
    op = lrp.SumPool(3, 3, 2, 1, hw, dtype=F64)
    step = lrp.Step(op, lrp.ZPlus(), F64)
    a = torch.rand(2, 3, hw, hw, dtype=F64) + 0.01
    r = torch.rand(2, 3, op.out_hw, op.out_hw, dtype=F64)
    r_in = step(a, r)
    assert abs(float(r_in.sum() - r.sum())) < 1e-7 * float(r.sum())
    assert rel_err(r_in, ref.sumpool(a, 3, 2, 1, r, ref._stab_plus)) < 1e-12


def test_gap_rule_is_proportional():
    step = lrp.Step(lrp.GlobalSum(), lrp.ZPlus(), F64)
    a = torch.rand(2, 5, 4, 4, dtype=F64)
    r = torch.rand(2, 5, dtype=F64)
    want = a / a.sum(dim=(2, 3), keepdim=True) * r.view(2, 5, 1, 1)
    assert rel_err(step(a, r), want) < 1e-8


def test_dense_zplus_conserves():
    g = torch.Generator().manual_seed(2)
    op = lrp.Dense(torch.randn(3, 10, generator=g, dtype=F64), torch.randn(3, generator=g, dtype=F64), F64)
    a = torch.rand(4, 10, generator=g, dtype=F64)
    r = torch.rand(4, 3, generator=g, dtype=F64)
    r_in = lrp.Step(op, lrp.ZPlus(), F64)(a, r)
    assert abs(float(r_in.sum() - r.sum())) < 1e-7 * float(r.sum())


def test_epsilon_leak_equals_bias_share():
    """Plain z-rule: Σ R_in = Σ R_out − Σ_k b_k s_k − Σ_k ε_k s_k (the bias keeps its share)."""
    op = conv_op(4, 5, 3, 1, 1, 6, seed=7)
    step = lrp.Step(op, lrp.Epsilon(), F64, "c")
    log = []
    step.record = log
    a = torch.randn(2, 4, 6, 6, dtype=F64)
    r = torch.randn(2, 5, 6, 6, dtype=F64)
    r_in = step(a, r)
    rec = log[0]
    leak = float(r.sum() - r_in.sum())
    assert abs(rec["bias_share"]) > 1e-3                       # not conserved
    assert abs(leak - rec["bias_share"] - rec["stabiliser_share"]) < 1e-9 * max(1.0, abs(leak))
    # and the bias share computed independently
    z = F.conv2d(a, op.weight, op.bias, 1, 1)
    s = r / (z + 1e-6 * (2.0 * (z >= 0).double() - 1.0))
    assert abs(rec["bias_share"] - float((s * op.bias.view(1, -1, 1, 1)).sum())) < 1e-9 * max(1.0, abs(leak))
