"""LRP-BN graph module (tools/lrp/) against the independent autograd reference
(tools/lrp_reference.py), rule-by-rule and whole-graph conservation, GradCAM = CAM.

All in float64 on the tiny and edge presets with random weights and random BatchNorm
statistics (so folding mistakes cannot hide behind identity BNs)."""
import copy

import pytest
import torch
import torch.nn.functional as F

from tools import lrp
from tools import lrp_reference as ref
from tools import model as abn

F64 = torch.float64
REL_TOL = 1e-4          # graph module vs reference (the brief's bound; we see ~1e-12)
ACCOUNT_TOL = 1e-9      # relevance bookkeeping identities, relative, float64

OPTIONS = [("bn", 0.5, "paper"), ("bn", 0.0, "paper"), ("bn", 1.0, "paper"),
           ("bn", 0.5, "splitting"), ("plain", 0.5, "paper")]


def composite(mode: str, gamma: float, skip: str) -> lrp.Composite:
    """The composite of one OPTIONS entry (the reference takes the same entry as strings)."""
    return lrp.LRPBN(gamma, skip) if mode == "bn" else lrp.PlainLRP()


def make_model(preset: str, seed: int = 0) -> abn.ABN:
    torch.manual_seed(seed)
    return ref.randomise_batchnorm(abn.build(preset), seed).double().eval()


def inputs(cfg, n_random: int = 2, seed: int = 1):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n_random, 3, cfg.image_size, cfg.image_size, generator=g, dtype=F64)
    x = torch.cat([x, ref.drawn_crack_tile(cfg.image_size, seed)], 0)
    t = torch.tensor([1, 0, 1][: x.shape[0]], dtype=torch.int64)
    return x, t


@pytest.fixture(scope="module")
def tiny():
    return make_model("tiny", 0)


@pytest.fixture(scope="module")
def edge():
    return make_model("edge", 3)


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max() / b.abs().max().clamp(min=1e-30))


# ---------------------------------------------------------------------------------- folding
@pytest.mark.parametrize("preset", ["tiny", "edge"])
def test_folded_forward_equals_model(preset, tiny, edge):
    m = tiny if preset == "tiny" else edge
    x, _ = inputs(m.cfg)
    act = lrp.FoldedABN(m, dtype=F64)(x)
    o = m(x)
    assert rel_err(act["pb_logits"], o.pb_logits) < 1e-10
    assert rel_err(act["ab_logits"], o.ab_logits) < 1e-10
    assert torch.equal(act["alpha"] > 0, o.alpha > 0)
    assert rel_err(act["alpha"], o.alpha) < 1e-10


def test_fold_bn_conv_bn_is_exact_for_1x1(tiny):
    m = tiny
    w, b = lrp.fold_bn_conv_bn(m.ab_bn, m.ab_conv, m.ab_bn2)
    u = torch.rand(2, m.ab_conv.in_channels, 5, 5, dtype=F64)
    assert rel_err(F.conv2d(u, w, b), m.ab_bn2(m.ab_conv(m.ab_bn(u)))) < 1e-12
    conv3 = torch.nn.Conv2d(4, 2, 3, padding=1, bias=False)
    with pytest.raises(ValueError):
        lrp.fold_bn_conv_bn(m.ab_bn, conv3, m.ab_bn2)


# ------------------------------------------------------------------------- graph vs reference
@pytest.mark.parametrize("mode,gamma,skip", OPTIONS)
@pytest.mark.parametrize("preset", ["tiny", "edge"])
def test_graph_matches_reference(preset, mode, gamma, skip, tiny, edge):
    m = tiny if preset == "tiny" else edge
    if preset == "edge" and (mode, gamma, skip) not in [("bn", 0.5, "paper"), ("bn", 0.5, "splitting"),
                                                          ("plain", 0.5, "paper"), ("bn", 0.0, "paper")]:
        pytest.skip("edge: the default and the differently wired options suffice (time)")
    x, t = inputs(m.cfg)
    g = lrp.LRPGraph(m, composite(mode, gamma, skip), F64)
    out = g(x, t)
    rel = out if mode == "plain" else out[0]
    r = ref.reference(copy.deepcopy(m), x, t, mode, gamma, skip)
    assert rel.shape == (x.shape[0], 1, m.cfg.image_size, m.cfg.image_size)
    assert rel_err(rel, r["relevance"]) < REL_TOL
    for i in range(x.shape[0]):    # per sample too: a small map must not hide behind a big one
        assert rel_err(rel[i], r["relevance"][i]) < REL_TOL
    if mode == "bn":
        relevance, alpha_up, expl = out
        want_up = F.interpolate(m(x).alpha, size=rel.shape[-2:], mode="bilinear", align_corners=False)
        assert rel_err(alpha_up, want_up) < 1e-10
        assert torch.allclose(expl, relevance * alpha_up, rtol=0, atol=1e-15)


def test_options_really_differ(tiny):
    """γ and the skip rule must change the map (else the option is not wired)."""
    x, t = inputs(tiny.cfg)
    maps = [lrp.LRPGraph(tiny, composite(mo, ga, sk), F64)(x, t) for mo, ga, sk in OPTIONS]
    maps = [m if isinstance(m, torch.Tensor) else m[0] for m in maps]
    for i in range(len(maps)):
        for j in range(i + 1, len(maps)):
            assert rel_err(maps[i], maps[j]) > 1e-3, (OPTIONS[i], OPTIONS[j])


def test_lrp_bn_relevance_is_non_negative(edge):
    """z⁺, zB and the convex γ-mix keep R ≥ 0 when the start is ≥ 0."""
    x, t = inputs(edge.cfg)
    for skip in ("paper", "splitting"):
        r, _ = lrp.FoldedABN(edge, lrp.LRPBN(0.5, skip), F64).input_relevance(x, t)
        assert float(r.min()) >= -1e-12


# ------------------------------------------------------------------------ per-rule conservation
def _conv_op(cin, cout, k, stride, pad, hw, seed):
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(cout, cin, k, k, generator=g, dtype=F64)
    b = torch.randn(cout, generator=g, dtype=F64)
    return lrp.Conv(w, b, stride, pad, hw, dtype=F64)


@pytest.mark.parametrize("k,stride,pad,hw", [(1, 1, 0, 7), (3, 1, 1, 7), (3, 2, 1, 8), (3, 2, 1, 7),
                                             (1, 2, 0, 8), (7, 2, 3, 16)])
def test_zplus_conv_conserves(k, stride, pad, hw):
    op = _conv_op(6, 5, k, stride, pad, hw, seed=k + stride + hw)
    step = lrp.Step(op, lrp.ZPlus(), F64)
    a = torch.rand(2, 6, hw, hw, dtype=F64) + 0.05          # z⁺ > 0 everywhere
    r = torch.rand(2, 5, op.out_hw, op.out_hw, dtype=F64)
    r_in = step(a, r)
    assert r_in.shape == a.shape
    assert abs(float(r_in.sum() - r.sum())) < 1e-6 * float(r.sum())
    assert float(r_in.min()) >= 0


def test_zplus_matches_autograd_form_single_layer():
    op = _conv_op(4, 3, 3, 2, 1, 9, seed=5)
    a = torch.rand(1, 4, 9, 9, dtype=F64)
    r = torch.rand(1, 3, op.out_hw, op.out_hw, dtype=F64)
    got = lrp.Step(op, lrp.ZPlus(), F64)(a, r)
    want = ref.zplus_conv(a, op.weight, 2, 1, r)
    assert rel_err(got, want) < 1e-12


def test_zbox_conserves_and_is_non_negative():
    low, high = [-2.0, -1.5, -1.8], [2.2, 2.4, 2.6]
    op = _conv_op(3, 4, 7, 2, 3, 16, seed=11)
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
    op = _conv_op(4, 5, 3, 1, 1, 6, seed=7)
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


# ------------------------------------------------------------------ whole-graph conservation
def _start(m, x, t, mode):
    o = m(x)
    s = torch.softmax(o.pb_logits, 1).gather(1, t.view(-1, 1))
    if mode == "bn":
        s = s + torch.softmax(o.ab_logits, 1).gather(1, t.view(-1, 1))
    return s.view(-1)


@pytest.mark.parametrize("mode,gamma,skip", OPTIONS)
@pytest.mark.parametrize("preset", ["tiny", "edge"])
def test_whole_graph_accounting(preset, mode, gamma, skip, tiny, edge):
    """Σ R(input) = p_PB[t] (+ p_AB[t]) − (relevance the steps absorbed). For LRP-BN the only
    absorbers are ε (≤ 1e-9 relative) and units whose positive pre-activation is exactly 0
    (their R is dropped); for plain LRP the biases take their share as well."""
    m = tiny if preset == "tiny" else edge
    x, t = inputs(m.cfg)
    start = _start(m, x, t, mode)
    for i in range(x.shape[0]):
        net = lrp.FoldedABN(m, composite(mode, gamma, skip), F64)
        log = net.start_recording()
        r, _ = net.input_relevance(x[i:i + 1], t[i:i + 1])
        net.stop_recording()
        absorbed = sum(e["bias_share"] + e["stabiliser_share"] for e in log)
        total = float(r.sum())
        assert abs(total + absorbed - float(start[i])) < ACCOUNT_TOL * float(start[i]), (i, total, absorbed)
        bias = sum(e["bias_share"] for e in log)
        if mode == "bn":
            assert bias == 0.0
            assert total <= float(start[i]) * (1 + 1e-9)            # z⁺ never creates relevance
        else:
            assert abs(bias) > 1e-4                                 # plain LRP is NOT conserved


def test_conservation_exact_without_dead_units():
    """With all-positive folded weights no unit has a zero positive pre-activation (inputs > 0),
    so LRP-BN conserves Σ R = p_PB[t] + p_AB[t] up to ε: relative error < 1e-6."""
    torch.manual_seed(4)
    m = ref.randomise_batchnorm(abn.build("tiny"), 4)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, (torch.nn.Conv2d, torch.nn.Linear)):
                mod.weight.abs_()       # and row-stochastic, so activations stay O(1)
                mod.weight.div_(mod.weight.sum(dim=tuple(range(1, mod.weight.dim())), keepdim=True))
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.weight.abs_()
                mod.bias.abs_()
                mod.running_mean.mul_(0.0)
    m = m.double().eval()
    # bright pixels: every normalised input > 0, so no stem unit is switched on by its bias alone
    x = 0.7 + 0.3 * torch.rand(3, 3, m.cfg.image_size, m.cfg.image_size, dtype=F64)
    t = torch.tensor([1, 0, 1])
    for skip in ("paper", "splitting"):
        r, _ = lrp.FoldedABN(m, lrp.LRPBN(0.5, skip), F64).input_relevance(x, t)
        start = _start(m, x, t, "bn")
        err = ((r.sum(dim=(1, 2, 3)) - start).abs() / start).max()
        assert float(err) < 1e-6


# -------------------------------------------------------------------------------- GradCAM
@pytest.mark.parametrize("preset", ["tiny", "edge"])
def test_gradcam_graph_equals_autograd_gradcam(preset, tiny, edge):
    m = tiny if preset == "tiny" else edge
    x, t = inputs(m.cfg)
    cam = lrp.GradCAMGraph(m, F64)(x, t)
    want = ref.gradcam(copy.deepcopy(m), x, t)
    assert cam.shape == want.shape == (x.shape[0], 1, m.cfg.image_size, m.cfg.image_size)
    assert float(want.abs().max()) > 0
    assert rel_err(cam, want) < 1e-10


def test_abn_graph_outputs(tiny):
    x, _ = inputs(tiny.cfg)
    p_pb, p_ab, at, al = lrp.ABNGraph(tiny)(x)
    o = tiny(x)
    assert torch.allclose(p_pb, torch.softmax(o.pb_logits, 1), rtol=0, atol=1e-15)
    assert torch.allclose(p_ab, torch.softmax(o.ab_logits, 1), rtol=0, atol=1e-15)
    assert torch.equal(al, o.alpha) and torch.equal(at, o.alpha_tilde)
    assert float(((al > 0) & (al < tiny.cfg.theta_alpha)).sum()) == 0


def test_bad_options_rejected(tiny):
    with pytest.raises(ValueError):
        lrp.FoldedABN(tiny, lrp.LRPBN(1.5))
    with pytest.raises(ValueError):
        lrp.FoldedABN(tiny, lrp.LRPBN(0.5, "winner"))
    with pytest.raises(ValueError):
        lrp.FoldedABN(tiny, "grad")


# ------------------------------------------------------------- adjoint as Conv (+ DepthToSpace)
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
    op = _conv_op(6, 5, 3, 2, 1, 8, seed=9)
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
    op = _conv_op(3, 4, 7, 2, 3, 16, seed=13)
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
