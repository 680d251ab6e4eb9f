"""An independent reference for LRP-BN and the baselines (tests only; never exported).

A deliberately different code path from tools/lrp/:

* it walks the *un-folded* ABN module by module (model.conv1, model.bn1, Bottleneck.conv1 …)
  for the forward activations, in float64;
* BatchNorm is folded separately, per layer, by :func:`_effective_conv` below;
* every rule is the autograd "gradient × input" form: a modified forward z(a) with a
  *detached* normaliser s = R / (z + ε), then autograd of Σ z·s w.r.t. the inputs, R = a ⊙ ∂.
  No conv_transpose, no rule objects, explicit per-layer loops.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from tools import model as abn

EPS = 1e-9
EPS_PLAIN = 1e-6


def _effective_conv(conv: nn.Conv2d, bn: Optional[nn.BatchNorm2d]):
    """(weight, bias) of conv→BN in eval mode, float64, written out longhand."""
    w = conv.weight.detach().to(torch.float64)
    if bn is None:
        return w, torch.zeros(w.shape[0], dtype=torch.float64)
    inv_std = 1.0 / torch.sqrt(bn.running_var.detach().to(torch.float64) + bn.eps)
    g = bn.weight.detach().to(torch.float64) * inv_std
    w_eff = torch.einsum("oihw,o->oihw", w, g)
    b_eff = bn.bias.detach().to(torch.float64) - g * bn.running_mean.detach().to(torch.float64)
    return w_eff, b_eff


def _grad_x_input(fn: Callable, inputs: List[torch.Tensor], r: torch.Tensor, stab: Callable
                  ) -> List[torch.Tensor]:
    """Generic gradient × input: z = fn(*inputs); R_i = inputs_i ⊙ ∂(Σ z · [R/stab(z)]_detached)/∂inputs_i."""
    xs = [x.detach().clone().requires_grad_(True) for x in inputs]
    z = fn(*xs)
    s = (r / stab(z)).detach()
    grads = torch.autograd.grad((z * s).sum(), xs, allow_unused=True)
    return [x.detach() * (g if g is not None else torch.zeros_like(x)) for x, g in zip(xs, grads)]


def _stab_plus(z):
    return z + EPS


def _stab_sign(z):
    return z + EPS_PLAIN * (2.0 * (z >= 0).to(z.dtype) - 1.0)


def zplus_conv(a, w, stride, padding, r):
    wp = w.clamp(min=0)
    return _grad_x_input(lambda t: F.conv2d(t, wp, None, stride, padding), [a], r, _stab_plus)[0]


def eps_conv(a, w, b, stride, padding, r):
    return _grad_x_input(lambda t: F.conv2d(t, w, b, stride, padding), [a], r, _stab_sign)[0]


def zbox_conv(x, w, stride, padding, low, high, r):
    wp, wn = w.clamp(min=0), w.clamp(max=0)

    def fn(t, lo, hi):
        return F.conv2d(t, w, None, stride, padding) - F.conv2d(lo, wp, None, stride, padding) \
            - F.conv2d(hi, wn, None, stride, padding)

    lo = low.view(1, -1, 1, 1).expand_as(x).contiguous()
    hi = high.view(1, -1, 1, 1).expand_as(x).contiguous()
    rx, rl, rh = _grad_x_input(fn, [x, lo, hi], r, _stab_plus)
    # the minus signs of fn are inside the gradients: R_j = x_j c_j − l_j c⁺_j − h_j c⁻_j
    return rx + rl + rh


def sumpool(a, k, s, p, r, stab):
    return _grad_x_input(lambda t: F.avg_pool2d(t, k, s, p, count_include_pad=True) * (k * k), [a], r, stab)[0]


def _block_forward(b: abn.Bottleneck, x):
    w1, b1 = _effective_conv(b.conv1, b.bn1)
    w2, b2 = _effective_conv(b.conv2, b.bn2)
    w3, b3 = _effective_conv(b.conv3, b.bn3)
    st, pd = b.conv2.stride[0], b.conv2.padding[0]
    u1 = F.relu(b.bn1(b.conv1(x)))            # activations from the original modules
    u2 = F.relu(b.bn2(b.conv2(u1)))
    f = b.bn3(b.conv3(u2))
    if b.downsample is None:
        s, wd, bd, sd = x, None, None, 1
    else:
        s = b.downsample(x)
        wd, bd = _effective_conv(b.downsample[0], b.downsample[1])
        sd = b.downsample[0].stride[0]
    y = F.relu(f + s)
    return y, dict(x=x, u1=u1, u2=u2, f=f, s=s, w1=w1, b1=b1, w2=w2, b2=b2, w3=w3, b3=b3,
                   st=st, pd=pd, wd=wd, bd=bd, sd=sd)


def _block_residual(c, r, plain: bool):
    if plain:
        r = eps_conv(c["u2"], c["w3"], c["b3"], 1, 0, r)
        r = eps_conv(c["u1"], c["w2"], c["b2"], c["st"], c["pd"], r)
        return eps_conv(c["x"], c["w1"], c["b1"], 1, 0, r)
    r = zplus_conv(c["u2"], c["w3"], 1, 0, r)
    r = zplus_conv(c["u1"], c["w2"], c["st"], c["pd"], r)
    return zplus_conv(c["x"], c["w1"], 1, 0, r)


def _block_skip(c, r, plain: bool):
    if c["wd"] is None:
        return r
    if plain:
        return eps_conv(c["x"], c["wd"], c["bd"], c["sd"], 0, r)
    return zplus_conv(c["x"], c["wd"], c["sd"], 0, r)


def _block_relevance(c, r_y, rule: str, gamma: float):
    if rule == "paper":
        out = torch.zeros_like(c["x"])
        if gamma != 0:
            out = out + gamma * _block_residual(c, r_y, False)
        if gamma != 1:
            out = out + (1 - gamma) * _block_skip(c, r_y, False)
        return out
    if rule == "splitting":
        fa, sa = c["f"].abs(), c["s"].abs()
        tot = fa + sa + EPS
        return _block_residual(c, r_y * fa / tot, False) + _block_skip(c, r_y * sa / tot, False)
    if rule == "plain":
        z = c["f"] + c["s"]
        q = r_y / _stab_sign(z)
        return _block_residual(c, c["f"] * q, True) + _block_skip(c, c["s"] * q, True)
    raise ValueError(rule)


def _run_blocks(layers, x):
    caches = []
    for layer in layers:
        for b in layer:
            x, c = _block_forward(b, x)
            caches.append(c)
    return x, caches


def reference(model: abn.ABN, image: torch.Tensor, target: torch.Tensor, mode: str = "bn",
              gamma: float = 0.5, skip_rule: str = "paper") -> Dict[str, torch.Tensor]:
    """LRP-BN (mode "bn") or plain LRP (mode "plain") of a float64 model; returns
    relevance (N,1,H,W), the per-channel input relevance, alpha, probabilities and R(h)."""
    model = model.double().eval()
    x = image.double()
    cfg = model.cfg
    k = cfg.num_classes
    with torch.enable_grad():
        xn = model.normalise(x)
        w0, b0 = _effective_conv(model.conv1, model.bn1)
        a0 = F.relu(model.bn1(model.conv1(xn)))
        p0 = model.maxpool(a0)
        h, fe = _run_blocks([model.layer1, model.layer2, model.layer3], p0)
        u, abc = _run_blocks([model.ab_layer], h)
        a = F.relu(model.ab_bn2(model.ab_conv(model.ab_bn(u))))
        alpha_tilde, alpha = model.attention_map(a)
        ab_logits = model.attention_logits(a)
        v, pbc = _run_blocks([model.layer4], alpha * h)
        pb_logits = model.fc(v.mean(dim=(2, 3)))
        onehot = F.one_hot(target.long(), k).double()
        p_pb, p_ab = torch.softmax(pb_logits, 1), torch.softmax(ab_logits, 1)
        rule = "plain" if mode == "plain" else skip_rule
        plain = mode == "plain"
        # --- perception branch: fc (signed for plain), GAP, layer4
        r = onehot * p_pb
        gv = v.mean(dim=(2, 3))
        wf, bf = model.fc.weight.detach().double(), model.fc.bias.detach().double()
        if plain:
            r = _grad_x_input(lambda t: F.linear(t, wf, bf), [gv], r, _stab_sign)[0]
            r = _grad_x_input(lambda t: t.sum(dim=(2, 3)), [v], r, _stab_sign)[0]
        else:
            r = _grad_x_input(lambda t: F.linear(t, wf.clamp(min=0)), [gv], r, _stab_plus)[0]
            r = _grad_x_input(lambda t: t.sum(dim=(2, 3)), [v], r, _stab_plus)[0]
        for c in reversed(pbc):
            r = _block_relevance(c, r, rule, gamma)
        r_h_pb = r                                   # gate: all of R(α'⊙h) to h
        r_h = r_h_pb
        r_h_ab = torch.zeros_like(h)
        if not plain:
            # --- attention branch: logits = GAP(W a) treated as one linear map of a (z⁺)
            wl = model.ab_logit_conv.weight.detach().double()
            r = onehot * p_ab
            r = _grad_x_input(lambda t: F.conv2d(t, wl.clamp(min=0)).mean(dim=(2, 3)), [a], r, _stab_plus)[0]
            # folded ab_bn → ab_conv → ab_bn2 (1×1): weight and bias built longhand
            sc1 = model.ab_bn.weight.double() / torch.sqrt(model.ab_bn.running_var.double() + model.ab_bn.eps)
            wc = model.ab_conv.weight.detach().double()
            sc2 = model.ab_bn2.weight.double() / torch.sqrt(model.ab_bn2.running_var.double() + model.ab_bn2.eps)
            w_head = wc * sc1.view(1, -1, 1, 1) * sc2.view(-1, 1, 1, 1)
            r = zplus_conv(u, w_head.detach(), 1, 0, r)
            for c in reversed(abc):
                r = _block_relevance(c, r, rule, gamma)
            r_h_ab = r
            r_h = r_h_pb + r_h_ab
        r = r_h
        for c in reversed(fe):
            r = _block_relevance(c, r, rule, gamma)
        mp = model.maxpool
        r = sumpool(a0, mp.kernel_size, mp.stride, mp.padding, r, _stab_sign if plain else _stab_plus)
        if plain:
            r_in = eps_conv(xn, w0, b0, model.conv1.stride[0], model.conv1.padding[0], r)
        else:
            low = (0.0 - model.mean.view(-1)) / model.std.view(-1)
            high = (1.0 - model.mean.view(-1)) / model.std.view(-1)
            r_in = zbox_conv(xn, w0, model.conv1.stride[0], model.conv1.padding[0], low.double(),
                             high.double(), r)
    return {"relevance": r_in.sum(1, keepdim=True).detach(), "input_relevance": r_in.detach(),
            "alpha": alpha.detach(), "p_pb": p_pb.detach(), "p_ab": p_ab.detach(),
            "r_h_pb": r_h_pb.detach(), "r_h_ab": r_h_ab.detach()}


def gradcam(model: abn.ABN, image: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Autograd GradCAM at the layer4 output for the target PB logit, bilinearly upscaled.
    No normalisation (the exported graph doesn't normalise either)."""
    model = model.double().eval()
    feats = {}

    def hook(_m, _i, out):
        out.retain_grad()
        feats["A"] = out

    hk = model.layer4.register_forward_hook(hook)
    try:
        with torch.enable_grad():
            out = model(image.double())
            sel = out.pb_logits.gather(1, target.long().view(-1, 1)).sum()
            sel.backward()
    finally:
        hk.remove()
    A, G = feats["A"], feats["A"].grad
    weights = G.mean(dim=(2, 3), keepdim=True)
    cam = F.relu((weights * A).sum(1, keepdim=True)).detach()
    hw = model.cfg.image_size
    return F.interpolate(cam, size=(hw, hw), mode="bilinear", align_corners=False)


# --------------------------------------------------------------------------------------------
# test fixtures
# --------------------------------------------------------------------------------------------
def randomise_batchnorm(model: abn.ABN, seed: int = 0) -> abn.ABN:
    """A freshly initialised ABN has identity BatchNorms (mean 0, var 1, γ 1, β 0), which would
    let a folding bug pass unseen; give every BN random running statistics and affine
    parameters (γ > 0 and γ < 0 both occur, so folding can flip weight signs)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                n = m.num_features
                m.running_mean.copy_(torch.randn(n, generator=g) * 0.2)
                m.running_var.copy_(torch.rand(n, generator=g) * 0.8 + 0.4)
                sign = torch.where(torch.rand(n, generator=g) < 0.1, -1.0, 1.0)
                m.weight.copy_(sign * (torch.rand(n, generator=g) * 0.6 + 0.7))
                m.bias.copy_(torch.randn(n, generator=g) * 0.1)
    return model.eval()


def drawn_crack_tile(size: int, seed: int = 0) -> torch.Tensor:
    """A synthetic (drawn, not photographed) road tile: grey asphalt-like noise with a dark,
    wandering crack line; (1,3,size,size) float64 in [0,1]. Used when no real test tile exists."""
    g = torch.Generator().manual_seed(seed)
    base = 0.45 + 0.08 * torch.randn(1, 1, size, size, generator=g, dtype=torch.float64)
    base = F.avg_pool2d(F.pad(base, (1, 1, 1, 1), mode="replicate"), 3, 1) + \
        0.04 * torch.randn(1, 1, size, size, generator=g, dtype=torch.float64)
    img = base.repeat(1, 3, 1, 1) * torch.tensor([1.0, 0.98, 0.95], dtype=torch.float64).view(1, 3, 1, 1)
    yy, xx = torch.meshgrid(torch.arange(size, dtype=torch.float64), torch.arange(size, dtype=torch.float64),
                            indexing="ij")
    x = size * (0.3 + 0.4 * float(torch.rand(1, generator=g)))
    width = max(1.0, size / 56.0)
    dark = torch.zeros(size, size, dtype=torch.float64)
    for row in range(size):
        x += float(torch.randn(1, generator=g)) * 0.8
        d = (xx[row] - x).abs()
        dark[row] = torch.clamp(1.0 - d / (width + 0.5), min=0.0)
    img = img * (1.0 - 0.75 * dark)
    return img.clamp(0.0, 1.0)
