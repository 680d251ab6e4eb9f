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
from tools.tests.lrp_helpers import F64, rel_err

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


# ------------------------------------------------------------------------------- composites
def test_composite_maps_each_layer_to_its_rule(tiny):
    """LRP-BN: zB (with the model's own input bounds) on the stem, proportional max-pool and
    GAP, z⁺ everywhere else, eq. 5 at every join; plain LRP: the ε-rule on every step."""
    net = lrp.FoldedABN(tiny, lrp.LRPBN(0.3), F64)
    assert isinstance(net.stem.rule, lrp.ZBox)
    low, high = lrp.input_bounds(tiny)
    assert net.stem.rule.low == low and net.stem.rule.high == high
    assert all(-2.2 < v < -1.7 for v in low) and all(2.2 < v < 2.7 for v in high)     # ImageNet
    assert isinstance(net.pool.rule, lrp.Proportional)
    assert isinstance(net.ab_gap.rule, lrp.Proportional) and isinstance(net.pb_gap.rule, lrp.Proportional)
    others = [s for s in net.steps() if s not in (net.stem, net.pool, net.ab_gap, net.pb_gap)]
    assert others and all(type(s.rule) is lrp.ZPlus for s in others)
    blocks = list(net.fe) + list(net.ab) + list(net.pb)
    assert all(isinstance(b.skip_rule, lrp.PaperSkip) and b.skip_rule.gamma == 0.3 for b in blocks)
    assert all(b.s3.scale == 0.3 for b in blocks)
    assert all(b.sd.scale == pytest.approx(0.7) for b in blocks if b.sd is not None)
    plain = lrp.FoldedABN(tiny, lrp.PlainLRP(), F64)
    assert all(isinstance(s.rule, lrp.Epsilon) for s in plain.steps())
    assert all(isinstance(b.skip_rule, lrp.ProportionalSkip) for b in plain.fe)
    with pytest.raises(ValueError, match="layer kind"):
        lrp.LRPBN().rule_for("softmax", tiny)


def test_manifest_settings_are_read_off_the_rule_objects():
    s = lrp.LRPBN(0.25, "paper").settings("out")
    assert (s["first_layer"], s["ordinary_layers"], s["maxpool"], s["gap"]) == \
        (lrp.ZBox.name, lrp.ZPlus.name, lrp.Proportional.name, lrp.Proportional.name)
    assert s["skip_rule"] == lrp.PaperSkip.name and s["gamma"] == 0.25 and s["eps"] == lrp.EPS_ZPLUS
    assert s["downsample_skip"] == "zplus-through-downsample-conv"
    assert lrp.LRPBN(0.5, "splitting").settings("out")["downsample_skip"] == \
        "split-then-zplus-through-downsample-conv"
    p = lrp.PlainLRP().settings("out")
    assert p["rule"].startswith(lrp.Epsilon.name) and p["eps"] == lrp.EPS_PLAIN and p["conserved"] is False
    assert p["label"] == "plain LRP (ε)"
