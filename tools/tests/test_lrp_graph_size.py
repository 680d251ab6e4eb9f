"""The graph-size layer (tools/lrp/graph_size.py): every cheaper form equals the plain
computation it replaces — each adjoint form equals conv_transpose2d and is the adjoint, extra
term columns, a step's scale (γ in the weights), the forward pre-activation shortcut, the
phase-space channel sum, the MatMul upscaling. float64."""
import pytest
import torch
import torch.nn.functional as F

from tools import lrp
from tools.tests.lrp_helpers import F64, conv_op, rel_err


@pytest.mark.parametrize("cin,cout,k,stride,pad,hw,groups", [
    (6, 5, 1, 1, 0, 7, 1), (6, 5, 3, 1, 1, 7, 1), (6, 5, 3, 2, 1, 8, 1), (6, 5, 3, 2, 1, 7, 1),
    (6, 5, 1, 2, 0, 8, 1), (6, 5, 1, 2, 0, 7, 1), (3, 8, 7, 2, 3, 112, 1), (3, 8, 7, 2, 3, 15, 1),
    (4, 4, 3, 2, 1, 56, 4), (4, 4, 3, 2, 1, 9, 4), (6, 4, 3, 1, 1, 6, 2), (5, 7, 5, 3, 2, 13, 1),
    (4, 6, 2, 2, 0, 8, 1), (4, 6, 4, 2, 1, 10, 2)])
@pytest.mark.parametrize("form", [None, "subpixel", "transpose"])
def test_adjoint_conv_equals_conv_transpose(cin, cout, k, stride, pad, hw, groups, form):
    """Every form of the adjoint (the default choice, the sub-pixel Conv + DepthToSpace, the
    ConvTranspose) equals conv_transpose2d exactly (float64), for 1×1/3×3/5×5/7×7 kernels,
    strides 1–3, odd and even sizes, grouped and depthwise."""
    g = torch.Generator().manual_seed(cin * 100 + k * 10 + stride + hw)
    w = torch.randn(cout, cin // groups, k, k, generator=g, dtype=F64)
    if form == "subpixel" and stride == 1:
        form = "conv"
    op = lrp.Conv(w, None, stride, pad, hw, groups=groups, dtype=F64, adjoint_form=form)
    x = torch.randn(2, cin, hw, hw, generator=g, dtype=F64)
    assert op.layer(x).shape[-1] == op.out_hw
    s = torch.randn(2, cout, op.out_hw, op.out_hw, generator=g, dtype=F64)
    want = op.transpose(s, op.weight)
    assert want.shape[-1] == hw
    got = op.adjoint(s, op.adjoint_kernel(op.weight))
    assert got.shape == want.shape
    assert rel_err(got, want) < 1e-12
    # and it really is the adjoint: <conv(x), s> = <x, convᵀ(s)>
    lhs = float((op.forward(x, op.weight) * s).sum())
    assert abs(lhs - float((x * got).sum())) < 1e-9 * max(1.0, abs(lhs))


def test_adjoint_kernel_takes_extra_term_columns():
    """Extra term weights concatenated on the input-channel axis come out as extra channels."""
    g = torch.Generator().manual_seed(3)
    w1 = torch.randn(8, 3, 7, 7, generator=g, dtype=F64)
    w2 = torch.randn(8, 3, 7, 7, generator=g, dtype=F64)
    op = lrp.Conv(w1, None, 2, 3, 20, dtype=F64)
    assert op.adjoint_form == "subpixel"
    s = torch.randn(1, 8, op.out_hw, op.out_hw, generator=g, dtype=F64)
    got = op.adjoint(s, op.adjoint_kernel(torch.cat([w1, w2], 1)))
    assert rel_err(got[:, :3], op.transpose(s, w1)) < 1e-12
    assert rel_err(got[:, 3:], op.transpose(s, w2)) < 1e-12


@pytest.mark.parametrize("scale", [0.0, 0.3, 1.0])
def test_step_scale_is_relevance_scale(scale):
    """A step built with scale k returns k times the relevance of the unscaled step (how the
    γ of eq. 5 rides in the weights), and books k·ΣR as entering."""
    op = conv_op(6, 5, 3, 2, 1, 8, seed=9)
    a = torch.rand(2, 6, 8, 8, dtype=F64) + 0.05
    r = torch.rand(2, 5, op.out_hw, op.out_hw, dtype=F64)
    plain = lrp.Step(op, lrp.ZPlus(), F64)(a, r)
    step = lrp.Step(op, lrp.ZPlus(), F64, "s", scale=scale)
    log = []
    step.record = log
    got = step(a, r)
    assert torch.allclose(got, scale * plain, rtol=1e-12, atol=1e-15)
    assert abs(log[0]["r_out"] - scale * float(r.sum())) < 1e-9


def test_default_adjoint_forms():
    """The documented choice: stride 1 → conv, 7×7/2 → sub-pixel, 3×3/2 and 1×1/2 → transpose."""
    w = lambda k: torch.ones(4, 4, k, k, dtype=F64)
    assert lrp.Conv(w(1), None, 1, 0, 8, dtype=F64).adjoint_form == "conv"
    assert lrp.Conv(w(3), None, 1, 1, 8, dtype=F64).adjoint_form == "conv"
    assert lrp.Conv(w(7), None, 2, 3, 16, dtype=F64).adjoint_form == "subpixel"
    assert lrp.Conv(w(3), None, 2, 1, 16, dtype=F64).adjoint_form == "transpose"
    assert lrp.Conv(w(1), None, 2, 0, 16, dtype=F64).adjoint_form == "transpose"
    with pytest.raises(ValueError):
        lrp.Conv(w(1), None, 1, 0, 8, dtype=F64, adjoint_form="magic")


@pytest.mark.parametrize("rule", ["zB", "epsilon", "zplus"])
def test_step_with_forward_pre_activation_equals_step_without(rule):
    """Given the layer's pre-activation op(a, W) + b from the forward pass, a step whose
    denominator weight is the layer's own skips its conv and must give the same relevance."""
    op = conv_op(3, 4, 7, 2, 3, 16, seed=13)
    r_rule = {"zB": lrp.ZBox([-2.0, -1.5, -1.8], [2.2, 2.4, 2.6]), "epsilon": lrp.Epsilon(),
              "zplus": lrp.ZPlus()}[rule]
    a = torch.rand(2, 3, 16, 16, dtype=F64) * (1.0 if rule != "zB" else 4.0) - (0.0 if rule != "zB" else 1.5)
    r = torch.rand(2, 4, op.out_hw, op.out_hw, dtype=F64)
    for sum_channels in (False, True):
        step = lrp.Step(op, r_rule, F64, sum_channels=sum_channels)
        assert step.den_is_layer == (rule != "zplus")
        want = step(a, r)
        got = step(a, r, op.layer(a))
        assert rel_err(got, want) < 1e-12
    full = lrp.Step(op, r_rule, F64)(a, r)
    summed = lrp.Step(op, r_rule, F64, sum_channels=True)(a, r)
    assert summed.shape == (2, 1, 16, 16)
    assert rel_err(summed, full.sum(dim=1, keepdim=True)) < 1e-12


@pytest.mark.parametrize("cin,cout,k,stride,pad,hw", [(3, 8, 7, 2, 3, 16), (3, 8, 7, 2, 3, 15),
                                                     (4, 6, 5, 3, 2, 13), (2, 5, 3, 2, 1, 9)])
@pytest.mark.parametrize("with_const", [False, True])
def test_phase_space_channel_sum(cin, cout, k, stride, pad, hw, with_const):
    """The sub-pixel step that sums colour channels in phase space equals Σ_c of the plain step."""
    g = torch.Generator().manual_seed(k * 7 + hw)
    w = torch.randn(cout, cin, k, k, generator=g, dtype=F64)
    op = lrp.Conv(w, torch.randn(cout, generator=g, dtype=F64), stride, pad, hw, dtype=F64,
                  adjoint_form="subpixel")
    rule = lrp.ZBox([-1.0] * cin, [1.5] * cin) if with_const else lrp.ZPlus()
    a = torch.rand(2, cin, hw, hw, generator=g, dtype=F64) * (2.5 if with_const else 1.0) - (1.0 if with_const else 0.0)
    r = torch.rand(2, cout, op.out_hw, op.out_hw, generator=g, dtype=F64)
    summed = lrp.Step(op, rule, F64, sum_channels=True)
    assert summed.phase_sum
    full = lrp.Step(op, rule, F64)(a, r)
    assert rel_err(summed(a, r), full.sum(dim=1, keepdim=True)) < 1e-12


@pytest.mark.parametrize("n_in,hw", [(14, 112), (7, 112), (7, 64), (5, 17)])
def test_upscale_equals_bilinear_interpolate(n_in, hw):
    """The graphs' matrix-product upscaling equals F.interpolate(bilinear, align_corners=False)."""
    torch.manual_seed(n_in + hw)
    m = torch.rand(3, 2, n_in, n_in, dtype=torch.float64)
    up = lrp.Upscale(n_in, hw, torch.float64)
    want = F.interpolate(m, size=(hw, hw), mode="bilinear", align_corners=False)
    assert torch.allclose(up(m), want, rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="built for"):
        up(torch.rand(1, 1, n_in + 1, n_in + 1, dtype=torch.float64))
