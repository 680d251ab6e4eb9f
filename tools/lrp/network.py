"""The canonized ABN bound to a composite: the forward pass once, the backward sweep once.

:class:`FoldedABN` folds every BatchNorm (the composite's canonizer, float64, then cast), asks
the composite for the rule of each linear layer and binds it in a :class:`tools.lrp.core.Step`.
``forward`` runs the network and keeps the activations; ``input_relevance`` sweeps back once:
PB logits → layer4 → gate → h, (AB logits → AB → h,) h → layer3..1 → max-pool → stem.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from tools import model as abn
from tools.lrp.composites import Composite, LRPBN
from tools.lrp.core import Step
from tools.lrp.operators import Conv, Dense, GlobalSum, SumPool


class FoldedBlock(nn.Module):
    """A bottleneck y = ReLU(F(x) + S(x)) with its three convs (and the down-sampling conv) as
    steps under the composite's layer rule; the composite's skip rule decides the join."""

    def __init__(self, b: abn.Bottleneck, in_hw: int, composite: Composite, model: abn.ABN, dtype,
                 name: str):
        super().__init__()
        fold, rule, skip = composite.canonizer, composite.rule_for("layer", model), composite.skip
        w, bias = fold.conv_bn(b.conv1, b.bn1)
        c1 = Conv(w, bias, 1, 0, in_hw, dtype=dtype)
        w, bias = fold.conv_bn(b.conv2, b.bn2)
        c2 = Conv(w, bias, b.conv2.stride[0], b.conv2.padding[0], c1.out_hw, dtype=dtype)
        w, bias = fold.conv_bn(b.conv3, b.bn3)
        c3 = Conv(w, bias, 1, 0, c2.out_hw, dtype=dtype)
        self.s1, self.s2 = Step(c1, rule, dtype, name + ".conv1"), Step(c2, rule, dtype, name + ".conv2")
        self.s3 = Step(c3, rule, dtype, name + ".conv3", scale=skip.residual_scale)
        self.sd: Optional[Step] = None
        if b.downsample is not None:
            w, bias = fold.conv_bn(b.downsample[0], b.downsample[1])
            self.sd = Step(Conv(w, bias, b.downsample[0].stride[0], 0, in_hw, dtype=dtype), rule, dtype,
                           name + ".downsample", scale=skip.skip_scale)
        self.skip_rule = skip
        self.relu_rule = composite.relu
        self.out_hw = c3.out_hw
        self.record: Optional[List[Dict]] = None       # tests only: relevance lost at the join

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        z1 = self.s1.op.layer(x)
        u1 = F.relu(z1)
        z2 = self.s2.op.layer(u1)
        u2 = F.relu(z2)
        f = self.s3.op.layer(u2)
        s = x if self.sd is None else self.sd.op.layer(x)
        return F.relu(f + s), {"x": x, "z1": z1, "u1": u1, "z2": z2, "u2": u2, "f": f, "s": s}

    def residual_relevance(self, c: Dict[str, torch.Tensor], r: torch.Tensor) -> torch.Tensor:
        r = self.s3(c["u2"], r, c["f"])
        r = self.s2(c["u1"], self.relu_rule(r), c["z2"])
        return self.s1(c["x"], self.relu_rule(r), c["z1"])

    def skip_relevance(self, c: Dict[str, torch.Tensor], r: torch.Tensor) -> torch.Tensor:
        if self.sd is not None:
            return self.sd(c["x"], r, c["s"])
        k = self.skip_rule.skip_scale
        return r if k == 1.0 else k * r

    def relevance(self, c: Dict[str, torch.Tensor], r_y: torch.Tensor) -> torch.Tensor:
        return self.skip_rule.relevance(self, c, self.relu_rule(r_y))

    def note_join(self, rule: str, r_y: torch.Tensor, kept: torch.Tensor) -> None:
        """A skip rule that splits R(y) books what the split kept (tests only)."""
        if self.record is not None:
            self.record.append({"step": "join", "rule": rule, "r_out": float(r_y.sum()),
                                "r_in": float(kept.sum()), "bias_share": 0.0,
                                "stabiliser_share": float((r_y - kept).sum())})


class FoldedABN(nn.Module):
    """The ABN with every BatchNorm folded (float64, then cast), each linear layer bound to the
    rule its composite gives it (default: :class:`LRPBN` with γ = 0.5). ``forward`` runs the
    network once and returns the activations the backward sweep needs."""

    def __init__(self, model: abn.ABN, composite: Optional[Composite] = None,
                 dtype: torch.dtype = torch.float32, sum_channels: bool = False):
        super().__init__()
        if composite is None:
            composite = LRPBN()
        if not isinstance(composite, Composite):
            raise ValueError(f"composite {composite!r}: expected a Composite (LRPBN(...), PlainLRP())")
        cfg = model.cfg
        self.cfg, self.composite, self.dtype = cfg, composite, dtype
        model = model.eval()
        fold = composite.canonizer
        self.start, self.gate, self.branches = composite.start, composite.gate, composite.branches
        self.relu_rule = composite.relu
        self.skip_rule = composite.skip
        self.register_buffer("mean", model.mean.detach().to(dtype).view(1, 3, 1, 1).clone())
        self.register_buffer("std", model.std.detach().to(dtype).view(1, 3, 1, 1).clone())
        self.register_buffer("classes", torch.arange(cfg.num_classes, dtype=torch.int64).view(1, -1))
        hw = cfg.image_size
        w, b = fold.conv_bn(model.conv1, model.bn1)
        stem = Conv(w, b, model.conv1.stride[0], model.conv1.padding[0], hw, dtype=dtype)
        self.stem = Step(stem, composite.rule_for("first", model), dtype, "stem", sum_channels=sum_channels)
        mp = model.maxpool
        self.pool = Step(SumPool(cfg.stem_width, mp.kernel_size, mp.stride, mp.padding, stem.out_hw, dtype=dtype),
                         composite.rule_for("pool", model), dtype, "maxpool")
        self.mp_args = (mp.kernel_size, mp.stride, mp.padding)
        hw = self.pool.op.out_hw
        rule = composite.rule_for("layer", model)
        self.fe = nn.ModuleList()
        for li, layer in enumerate((model.layer1, model.layer2, model.layer3), 1):
            for bi, blk in enumerate(layer):
                fb = FoldedBlock(blk, hw, composite, model, dtype, f"layer{li}.{bi}")
                self.fe.append(fb)
                hw = fb.out_hw
        self.h_hw = hw
        self.ab = nn.ModuleList()
        for bi, blk in enumerate(model.ab_layer):
            fb = FoldedBlock(blk, hw, composite, model, dtype, f"ab_layer.{bi}")
            self.ab.append(fb)
        w, b = fold.bn_conv_bn(model.ab_bn, model.ab_conv, model.ab_bn2)
        self.ab_head = Step(Conv(w, b, 1, 0, hw, dtype=dtype), rule, dtype, "ab_bn+ab_conv+ab_bn2")
        w, b = fold.conv_bn(model.ab_map_conv, model.ab_map_bn)
        self.ab_map = Conv(w, b, 1, model.ab_map_conv.padding[0], hw, dtype=dtype)   # forward only
        self.theta_alpha = float(cfg.theta_alpha)
        # f_AB^(2) = GAP ∘ 1×1 conv = (1×1 conv as a dense layer) ∘ GAP: both linear, so they commute
        k = cfg.num_classes
        gap = composite.rule_for("gap", model)
        self.ab_gap = Step(GlobalSum(), gap, dtype, "ab_gap")
        lb = model.ab_logit_conv.bias            # the forward needs it; z⁺ ignores it
        self.ab_logit = Step(Dense(model.ab_logit_conv.weight.detach().double().view(k, k),
                                   None if lb is None else lb.detach().double(), dtype=dtype),
                             rule, dtype, "ab_logit_conv")
        self.pb = nn.ModuleList()
        for bi, blk in enumerate(model.layer4):
            fb = FoldedBlock(blk, hw, composite, model, dtype, f"layer4.{bi}")
            self.pb.append(fb)
            hw = fb.out_hw
        self.pb_hw = hw
        self.pb_gap = Step(GlobalSum(), gap, dtype, "pb_gap")
        self.fc = Step(Dense(model.fc.weight.detach().double(), model.fc.bias.detach().double(), dtype=dtype),
                       rule, dtype, "fc")

    def steps(self) -> List[Step]:
        return [m for m in self.modules() if isinstance(m, Step)]

    def start_recording(self) -> List[Dict]:
        """Tests only: every step (and every join that splits) appends its relevance bookkeeping
        to the returned list: r_out (entering from above), r_in (leaving below), bias_share and
        stabiliser_share (what the bias / the ε or a zero denominator absorbed)."""
        log: List[Dict] = []
        for m in self.modules():
            if isinstance(m, (Step, FoldedBlock)):
                m.record = log
        return log

    def stop_recording(self) -> None:
        for m in self.modules():
            if isinstance(m, (Step, FoldedBlock)):
                m.record = None

    def forward(self, image: torch.Tensor) -> Dict:
        act: Dict = {}
        xn = (image - self.mean) / self.std
        act["xn"] = xn
        z0 = self.stem.op.layer(xn)
        a0 = F.relu(z0)
        act["z0"], act["a0"] = z0, a0
        k, st, p = self.mp_args
        x = F.max_pool2d(a0, k, st, p)
        act["p0"] = x
        fe = []
        for blk in self.fe:
            x, c = blk(x)
            fe.append(c)
        act["fe"], act["h"] = fe, x
        h = x
        ab = []
        for blk in self.ab:
            x, c = blk(x)
            ab.append(c)
        act["ab"], act["u_ab"] = ab, x
        z_a = self.ab_head.op.layer(x)
        a = F.relu(z_a)
        act["z_a"], act["a"] = z_a, a
        alpha_tilde = torch.sigmoid(self.ab_map.layer(a))
        alpha = alpha_tilde * (alpha_tilde >= self.theta_alpha).to(alpha_tilde.dtype)
        act["alpha_tilde"], act["alpha"] = alpha_tilde, alpha
        m = a.sum(dim=(2, 3)) / float(self.h_hw * self.h_hw)
        act["m"] = m
        act["ab_logits"] = self.ab_logit.op.layer(m)
        x = alpha * h
        act["g"] = x
        pb = []
        for blk in self.pb:
            x, c = blk(x)
            pb.append(c)
        act["pb"], act["v"] = pb, x
        gv = x.sum(dim=(2, 3)) / float(self.pb_hw * self.pb_hw)
        act["gv"] = gv
        act["pb_logits"] = self.fc.op.layer(gv)
        return act

    def onehot(self, target: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        return (target.unsqueeze(1) == self.classes).to(dtype)

    def backward_pb(self, act: Dict, r_logits: torch.Tensor) -> torch.Tensor:
        """PB logits → g = α' ⊙ h; the gate rule turns R(g) into R(h) (returned)."""
        r = self.fc(act["gv"], r_logits, act["pb_logits"])
        r = self.pb_gap(act["v"], r)
        for blk, c in zip(reversed(self.pb), reversed(act["pb"])):
            r = blk.relevance(c, r)
        return self.gate(r)

    def backward_ab(self, act: Dict, r_logits: torch.Tensor) -> torch.Tensor:
        """AB logits → f_AB^(2) → ReLU → folded ab_bn/ab_conv/ab_bn2 → ab_layer → R(h)."""
        r = self.ab_logit(act["m"], r_logits, act["ab_logits"])
        r = self.ab_gap(act["a"], r)
        r = self.ab_head(act["u_ab"], self.relu_rule(r), act["z_a"])
        for blk, c in zip(reversed(self.ab), reversed(act["ab"])):
            r = blk.relevance(c, r)
        return r

    def backward_fe(self, act: Dict, r_h: torch.Tensor) -> torch.Tensor:
        """R(h) → layer3..1 → max-pool → stem → R(normalised input), (N,3,H,W), or its sum over
        the colour channels (N,1,H,W) when built with ``sum_channels``."""
        r = r_h
        for blk, c in zip(reversed(self.fe), reversed(act["fe"])):
            r = blk.relevance(c, r)
        r = self.pool(act["a0"], r)
        return self.stem(act["xn"], self.relu_rule(r), act["z0"])

    def input_relevance(self, image: torch.Tensor, target: torch.Tensor) -> Tuple[torch.Tensor, Dict]:
        """R(normalised input) for the target class, and the activations; the composite's
        branch rule says which branches are explained and how their relevance meets at h."""
        act = self.forward(image)
        onehot = self.onehot(target, image.dtype)
        r_h = self.branches.relevance(self, act, onehot)
        return self.backward_fe(act, r_h), act
