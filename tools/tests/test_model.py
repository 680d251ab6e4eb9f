"""Wiring tests of the ABN (tools/model.py): they fail when a head, the gate, the loss or the
learning-rate groups are connected differently from method.md §2."""
import pytest
import torch
import torch.nn.functional as F

from tools import model as abn


def _model(preset="tiny", **kw):
    torch.manual_seed(0)
    m = abn.build(preset, **kw)
    # give the BNs non-trivial running statistics so eval mode is not the identity
    m.train()
    with torch.no_grad():
        for _ in range(3):
            m(torch.rand(8, 3, m.cfg.image_size, m.cfg.image_size))
    return m.eval()


@pytest.mark.parametrize("preset", ["tiny", "edge"])
def test_head_shapes(preset):
    m = _model(preset)
    c = m.cfg
    x = torch.rand(3, 3, c.image_size, c.image_size)
    with torch.no_grad():
        out = m(x)
    f = c.feature_size
    c_h = c.widths[2] * 4
    assert out.h.shape == (3, c_h, f, f)
    assert out.pb_logits.shape == (3, c.num_classes)
    assert out.ab_logits.shape == (3, c.num_classes)
    assert out.alpha_tilde.shape == (3, 1, f, f)
    assert out.alpha.shape == (3, 1, f, f)
    a = m.attention_stack(out.h)
    assert a.shape == (3, c.num_classes, f, f)
    assert bool((a >= 0).all())
    if preset == "edge":  # docs/architecture.md: edge input 112×112, h at 14×14
        assert (c.image_size, f) == (112, 14)


def test_edge_wide_is_edge_at_one_and_a_half_widths():
    """The size point of issue 13: same input, h resolution and wiring as edge, widths × 1.5."""
    e, w = abn.PRESETS["edge"], abn.PRESETS["edge-wide"]
    assert (w.image_size, w.feature_size, w.blocks, w.strides) == \
        (e.image_size, e.feature_size, e.blocks, e.strides)
    assert w.widths == tuple(int(c * 1.5) for c in e.widths)
    assert (w.stem_width, w.ab_width) == (int(e.stem_width * 1.5), int(e.ab_width * 1.5))
    me, mw = abn.build("edge"), abn.build("edge-wide")
    assert mw.cfg.preset == "edge-wide"
    ratio = abn.count_macs(mw) / abn.count_macs(me)
    assert 1.8 < ratio < 2.4, ratio   # widths² ≈ 2.25 (the stem's first conv grows only ×1.5)
    with torch.no_grad():
        out = mw(torch.rand(2, 3, 112, 112))
    assert out.pb_logits.shape == (2, 2) and out.alpha.shape == (2, 1, 14, 14)


def test_alpha_is_alpha_tilde_gated_at_theta():
    torch.manual_seed(1)
    m = _model("tiny")
    x = torch.rand(16, 3, 32, 32)
    with torch.no_grad():
        out = m(x)
        theta = float(out.alpha_tilde.median())   # so both sides of the gate are populated
        m.cfg.theta_alpha = theta
        out = m(x)
    at = out.alpha_tilde
    assert bool(((at > 0) & (at < 1)).all()), "α̃ must be a sigmoid map"
    below = at < theta
    assert below.any() and (~below).any()
    expected = torch.where(below, torch.zeros_like(at), at)
    assert torch.equal(out.alpha, expected)
    # α̃ comes from the AB stack through f_AB^(1)
    with torch.no_grad():
        at2, al2 = m.attention_map(m.attention_stack(m.features(x)))
    assert torch.equal(at2, at) and torch.equal(al2, out.alpha)


def test_pb_consumes_gated_features_exactly():
    m = _model("tiny", theta_alpha=0.5)
    x = torch.rand(6, 3, 32, 32)
    with torch.no_grad():
        out = m(x)
        assert torch.equal(m.perception(out.alpha * out.h), out.pb_logits)
        # a different gate gives a different PB output ...
        other = out.alpha_tilde.flip(-1) * (out.alpha_tilde.flip(-1) >= 0.5)
        assert not torch.allclose(m.perception(other * out.h), out.pb_logits)
        # ... and neither the ungated h nor ABN's residual (1 + α)·h is what the PB gets
        assert not torch.allclose(m.perception(out.h), out.pb_logits)
        assert not torch.allclose(m.perception((1 + out.alpha) * out.h), out.pb_logits)
        # the AB logits come from f_AB^(2) on the AB stack only
        assert torch.equal(m.attention_logits(m.attention_stack(out.h)), out.ab_logits)


def test_pb_input_seen_by_a_hook_and_gate_perturbation():
    m = _model("tiny", theta_alpha=0.4)
    x = torch.rand(4, 3, 32, 32)
    seen = {}

    def record(_mod, inp):
        seen["g"] = inp[0].detach().clone()

    hk = m.layer4.register_forward_pre_hook(record)
    with torch.no_grad():
        out = m(x)
    hk.remove()
    assert torch.equal(seen["g"], out.alpha * out.h)

    # replace α' inside the forward pass (hook on the map head): PB changes, AB logits do not
    def zero_half(_mod, _inp, output):
        o = output.clone()
        o[..., : o.shape[-1] // 2] = -20.0     # sigmoid → ~0 → gated out
        return o

    hk = m.ab_map_bn.register_forward_hook(zero_half)
    with torch.no_grad():
        out2 = m(x)
    hk.remove()
    assert not torch.allclose(out2.pb_logits, out.pb_logits)
    assert torch.equal(out2.ab_logits, out.ab_logits)
    assert torch.equal(out2.h, out.h)


def test_parameters_reach_only_their_heads():
    m = _model("tiny", theta_alpha=0.4)
    x = torch.rand(4, 3, 32, 32)
    with torch.no_grad():
        ref = m(x)

        def perturbed(module):
            saved = [p.clone() for p in module.parameters()]
            for p in module.parameters():
                p.add_(torch.randn_like(p) * 0.5 + 0.3)
            o = m(x)
            for p, s in zip(module.parameters(), saved):
                p.copy_(s)
            return o

        o = perturbed(m.ab_logit_conv)          # f_AB^(2): AB logits only
        assert torch.equal(o.pb_logits, ref.pb_logits) and torch.equal(o.alpha, ref.alpha)
        assert not torch.allclose(o.ab_logits, ref.ab_logits)
        o = perturbed(m.fc)                     # PB linear: PB logits only
        assert torch.equal(o.ab_logits, ref.ab_logits)
        assert not torch.allclose(o.pb_logits, ref.pb_logits)
        o = perturbed(m.layer4)                 # PB blocks: PB logits only
        assert torch.equal(o.ab_logits, ref.ab_logits) and torch.equal(o.alpha, ref.alpha)
        assert not torch.allclose(o.pb_logits, ref.pb_logits)
        o = perturbed(m.ab_map_conv)            # f_AB^(1): the map and, through the gate, PB
        assert torch.equal(o.ab_logits, ref.ab_logits)
        assert not torch.allclose(o.alpha_tilde, ref.alpha_tilde)
        assert not torch.allclose(o.pb_logits, ref.pb_logits)
        o = perturbed(m.layer1)                 # FE: everything
        assert not torch.allclose(o.h, ref.h)
        assert not torch.allclose(o.ab_logits, ref.ab_logits)


def _ce_by_hand(logits, y):
    z = logits - logits.max(1, keepdim=True).values
    logp = z - z.exp().sum(1, keepdim=True).log()
    return -logp[torch.arange(len(y)), y].mean()


@pytest.mark.parametrize("lam", [0.0, 1.0, 2.5])
def test_loss_is_weighted_sum(lam):
    m = _model("tiny")
    x = torch.rand(5, 3, 32, 32)
    y = torch.tensor([0, 1, 1, 0, 1])
    out = m(x)
    loss = abn.abn_loss(out, y, lam)
    hand = _ce_by_hand(out.pb_logits, y) + lam * _ce_by_hand(out.ab_logits, y)
    assert torch.allclose(loss, hand, atol=1e-6)
    if lam == 0.0:
        # λ = 0: the AB's map head still learns through the gate, its logit head gets no gradient
        loss.backward()
        assert m.ab_logit_conv.weight.grad is None or float(m.ab_logit_conv.weight.grad.abs().sum()) == 0
        assert m.ab_map_conv.weight.grad is not None and float(m.ab_map_conv.weight.grad.abs().sum()) > 0


def test_param_groups_partition_with_table1_rates():
    m = abn.build("edge")
    groups = m.param_groups(1e-4, 1e-3)
    assert [g["lr"] for g in groups] == [1e-4, 1e-3]
    ids = [id(p) for g in groups for p in g["params"]]
    assert len(ids) == len(set(ids)), "a parameter sits in two groups"
    assert set(ids) == {id(p) for p in m.parameters()}, "a parameter is missing"
    name_of = {id(p): n for n, p in m.named_parameters()}
    fe = {name_of[id(p)] for p in groups[0]["params"]}
    head = {name_of[id(p)] for p in groups[1]["params"]}
    assert all(n.startswith(("ab_", "fc.")) for n in head)
    assert {"fc.weight", "fc.bias", "ab_map_conv.weight", "ab_logit_conv.weight"} <= head
    assert any(n.startswith("ab_layer.") for n in head)
    assert all(n.startswith(("conv1", "bn1", "layer1", "layer2", "layer3", "layer4")) for n in fe)
    opt = torch.optim.AdamW(groups)
    assert [g["lr"] for g in opt.param_groups] == [1e-4, 1e-3]


def test_paper_preset_has_about_32M_parameters():
    m = abn.build("paper")
    n = abn.count_parameters(m)
    assert abs(n / abn.PAPER_PARAMETERS - 1) <= 0.10, n
    assert m.cfg.image_size == 224 and m.cfg.feature_size == 14
    with torch.no_grad():
        out = m.eval()(torch.rand(1, 3, 224, 224))
    assert out.h.shape == (1, 1024, 14, 14) and out.pb_logits.shape == (1, 2)
