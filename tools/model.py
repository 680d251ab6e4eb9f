"""The Attention Branch Network of the LRP-BN paper (method.md §2), and only that.

Shapes are given for the ``paper`` preset at 224×224 (edge preset: 112×112 → h is 128×14×14).

    x (N,3,224,224)  plain RGB in [0,1]; normalisation happens inside the model
    └─ Feature Extractor  stem conv7×7/2+BN+ReLU, max-pool 3×3/2, stages 1..3
         h (N,1024,14,14)
         ├─ Attention Branch: ab_blocks → BN → 1×1 conv→K → BN → ReLU = a (N,K,14,14)
         │     f_AB^(1): a → 3×3 conv→1 → BN → sigmoid = α̃ (N,1,14,14);  α' = α̃·[α̃ ≥ θα]
         │     f_AB^(2): a → 1×1 conv K→K → GAP = AB logits (N,K)
         └─ Perception Branch: (α' ⊙ h) → stage 4 → GAP → fc = PB logits (N,K)

The BN in front of the AB's 1×1 conv sees the non-negative block output; LRP folds it into
that conv (exact for a 1×1 conv), see ``tools/lrp.py``. The paper also lists a max-pool in
the AB heads; like the ABN reference code we leave it out, so α̃ keeps h's resolution.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CLASS_NAMES = ("no_crack", "crack")  # index 1 is the crack class everywhere


@dataclass
class ABNConfig:
    preset: str = "edge"
    image_size: int = 112                    # square input side in pixels
    num_classes: int = 2                     # K: no_crack, crack
    stem_width: int = 8                      # channels of the 7×7 stem conv
    widths: Tuple[int, ...] = (8, 16, 32, 64)    # bottleneck planes of stages 1..4 (out = 4×)
    blocks: Tuple[int, ...] = (1, 1, 1, 1)   # bottlenecks per stage; stages 1..3 = FE, 4 = PB
    strides: Tuple[int, ...] = (1, 2, 1, 2)  # first-block stride of each stage
    ab_blocks: int = 1                       # bottlenecks in the attention branch (stride 1)
    ab_width: int = 32                       # their planes (out = 4×); paper: stage-4 width 512
    theta_alpha: float = 0.3                 # θα: α̃ values below it are zeroed (α')
    lam: float = 1.0                         # λ in L = CE(PB) + λ·CE(AB)
    mean: Tuple[float, ...] = IMAGENET_MEAN  # applied inside the model
    std: Tuple[float, ...] = IMAGENET_STD

    def to_dict(self) -> Dict:
        return asdict(self)

    @staticmethod
    def from_dict(d: Dict) -> "ABNConfig":
        d = dict(d)
        for k in ("widths", "blocks", "strides", "mean", "std"):
            if k in d:
                d[k] = tuple(d[k])
        return ABNConfig(**d)

    @property
    def feature_size(self) -> int:
        """Side of h (and of α̃): stem /4, then the strides of stages 1..3."""
        s = self.image_size // 4
        for st in self.strides[:3]:
            s = (s + st - 1) // st
        return s


PRESETS: Dict[str, ABNConfig] = {
    # ResNet-50 bottleneck counts at 224×224; the AB has one stride-1 stage-4-wide bottleneck
    # (the count that lands nearest the paper's 32M parameters, see `python3 -m tools.model`).
    "paper": ABNConfig(preset="paper", image_size=224, stem_width=64, widths=(64, 128, 256, 512),
                       blocks=(3, 4, 6, 3), strides=(1, 2, 2, 2), ab_blocks=1, ab_width=512),
    # Narrow, one block per stage, 112×112 with h at 14×14, an AB as wide as h (no down-sampling
    # skip there): trains on 2 CPU cores in well under an hour.
    # Widths are an eighth of ResNet-50's: the preset must train on 2 shared CPU cores in well
    # under an hour (measured: ~20 M multiply-adds, 3.6× cheaper than quarter widths).
    "edge": ABNConfig(),
    # 1.5× the edge widths (issue 13's size point): ~0.33 M parameters, ~2.1× the multiply-adds.
    "edge-wide": ABNConfig(preset="edge-wide", stem_width=12, widths=(12, 24, 48, 96),
                           ab_width=48),
    # Smallest wiring that still has every part; for unit tests only.
    "tiny": ABNConfig(preset="tiny", image_size=32, stem_width=8, widths=(4, 4, 8, 8),
                      blocks=(1, 1, 1, 1), strides=(1, 2, 1, 2), ab_blocks=1, ab_width=4),
}


class Bottleneck(nn.Module):
    """ResNet v1.5 bottleneck: 1×1 → 3×3 (stride) → 1×1, + skip, ReLU. out = 4·planes."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1):
        super().__init__()
        out = planes * self.expansion
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out)
        self.downsample: Optional[nn.Sequential] = None
        if stride != 1 or inplanes != out:
            # down-sampling skip: 1×1 conv (stride) + BN
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, out, 1, stride=stride, bias=False),
                                            nn.BatchNorm2d(out))

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        """The residual branch F(x), before the addition."""
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        return self.bn3(self.conv3(y))

    def skip(self, x: torch.Tensor) -> torch.Tensor:
        """The skip path S(x): identity or the down-sampling conv."""
        return x if self.downsample is None else self.downsample(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.residual(x) + self.skip(x))


def _stage(inplanes: int, planes: int, blocks: int, stride: int) -> Tuple[nn.Sequential, int]:
    layers: List[nn.Module] = []
    for i in range(blocks):
        layers.append(Bottleneck(inplanes, planes, stride if i == 0 else 1))
        inplanes = planes * Bottleneck.expansion
    return nn.Sequential(*layers), inplanes


@dataclass
class ABNOutput:
    pb_logits: torch.Tensor      # (N,K)  perception branch, the prediction (eq. 1)
    ab_logits: torch.Tensor      # (N,K)  attention branch, used in the loss only (eq. 2)
    alpha_tilde: torch.Tensor    # (N,1,h1,w1) sigmoid attention map α̃
    alpha: torch.Tensor          # (N,1,h1,w1) gated map α' = α̃·[α̃ ≥ θα]
    h: torch.Tensor = field(repr=False, default=None)  # (N,C1,h1,w1) FE output


class ABN(nn.Module):
    def __init__(self, cfg: ABNConfig):
        super().__init__()
        self.cfg = cfg
        k = cfg.num_classes
        self.register_buffer("mean", torch.tensor(cfg.mean).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(cfg.std).view(1, 3, 1, 1))
        # --- Feature Extractor
        self.conv1 = nn.Conv2d(3, cfg.stem_width, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(cfg.stem_width)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        c = cfg.stem_width
        self.layer1, c = _stage(c, cfg.widths[0], cfg.blocks[0], cfg.strides[0])
        self.layer2, c = _stage(c, cfg.widths[1], cfg.blocks[1], cfg.strides[1])
        self.layer3, c = _stage(c, cfg.widths[2], cfg.blocks[2], cfg.strides[2])
        c_h = c
        # --- Attention Branch (shared stack, two heads)
        self.ab_layer, c_ab = _stage(c_h, cfg.ab_width, cfg.ab_blocks, 1)
        self.ab_bn = nn.BatchNorm2d(c_ab)
        self.ab_conv = nn.Conv2d(c_ab, k, 1, bias=False)
        self.ab_bn2 = nn.BatchNorm2d(k)
        self.ab_map_conv = nn.Conv2d(k, 1, 3, padding=1, bias=False)   # f_AB^(1)
        self.ab_map_bn = nn.BatchNorm2d(1)
        # f_AB^(2). Unlike the ABN reference code this conv has a bias: with K = 2 and a ≥ 0 a
        # bias-free head decides by the sign of w·a alone and was seen to stall at chance (AB
        # accuracy 0.5 for 7 epochs on the edge preset). z⁺ LRP ignores biases, so the relevance
        # rules are unchanged.
        self.ab_logit_conv = nn.Conv2d(k, k, 1, bias=True)
        # --- Perception Branch
        self.layer4, c_pb = _stage(c_h, cfg.widths[3], cfg.blocks[3], cfg.strides[3])
        self.fc = nn.Linear(c_pb, k)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    # The pieces are public so that tools/lrp.py can walk the same modules.
    def normalise(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """FE: plain RGB (N,3,H,W) in [0,1] → h (N,C1,h1,w1)."""
        y = self.maxpool(F.relu(self.bn1(self.conv1(self.normalise(x)))))
        return self.layer3(self.layer2(self.layer1(y)))

    def attention_stack(self, h: torch.Tensor) -> torch.Tensor:
        """Shared AB stack: h → a (N,K,h1,w1), non-negative."""
        return F.relu(self.ab_bn2(self.ab_conv(self.ab_bn(self.ab_layer(h)))))

    def attention_map(self, a: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """f_AB^(1): a → (α̃, α')."""
        alpha_tilde = torch.sigmoid(self.ab_map_bn(self.ab_map_conv(a)))
        alpha = alpha_tilde * (alpha_tilde >= self.cfg.theta_alpha).to(alpha_tilde.dtype)
        return alpha_tilde, alpha

    def attention_logits(self, a: torch.Tensor) -> torch.Tensor:
        """f_AB^(2): a → AB logits (N,K)."""
        return self.ab_logit_conv(a).mean(dim=(2, 3))

    def perception(self, g: torch.Tensor) -> torch.Tensor:
        """PB on the gated features g = α' ⊙ h → PB logits (N,K)."""
        return self.fc(self.layer4(g).mean(dim=(2, 3)))

    def forward(self, x: torch.Tensor) -> ABNOutput:
        h = self.features(x)
        a = self.attention_stack(h)
        alpha_tilde, alpha = self.attention_map(a)
        return ABNOutput(pb_logits=self.perception(alpha * h), ab_logits=self.attention_logits(a),
                         alpha_tilde=alpha_tilde, alpha=alpha, h=h)

    def param_groups(self, lr_fe: float, lr_head: float) -> List[Dict]:
        """AdamW groups of Table 1: FE (and PB blocks) at lr_fe; AB and the linear layer at lr_head."""
        head = [p for n, p in self.named_parameters() if n.startswith(("ab_", "fc."))]
        head_ids = {id(p) for p in head}
        body = [p for p in self.parameters() if id(p) not in head_ids]
        return [{"params": body, "lr": lr_fe, "name": "feature_extractor"},
                {"params": head, "lr": lr_head, "name": "attention_branch_and_linear"}]


def abn_loss(out: ABNOutput, y: torch.Tensor, lam: float) -> torch.Tensor:
    """Eq. 6: L = CE(ŷ_PB, y) + λ·CE(ŷ_AB, y)."""
    return F.cross_entropy(out.pb_logits, y) + lam * F.cross_entropy(out.ab_logits, y)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def count_macs(model: ABN) -> int:
    """Multiply-adds of one forward pass at the preset's size (convs and linear layers)."""
    macs = 0

    def conv_hook(m: nn.Conv2d, _inp, out):
        nonlocal macs
        k = m.kernel_size[0] * m.kernel_size[1] * (m.in_channels // m.groups)
        macs += out.numel() // out.shape[0] * k

    def lin_hook(m: nn.Linear, _inp, out):
        nonlocal macs
        macs += m.in_features * m.out_features

    hooks = [m.register_forward_hook(conv_hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    hooks += [m.register_forward_hook(lin_hook) for m in model.modules() if isinstance(m, nn.Linear)]
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, model.cfg.image_size, model.cfg.image_size))
    model.train(was_training)
    for hk in hooks:
        hk.remove()
    return macs


def build(preset: str = "edge", **overrides) -> ABN:
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {sorted(PRESETS)}")
    d = PRESETS[preset].to_dict()
    d.update(overrides)
    return ABN(ABNConfig.from_dict(d))


PAPER_PARAMETERS = 32e6  # "32M parameters", Table 1


def main() -> None:
    import argparse
    ap = argparse.ArgumentParser(description="Print parameters and multiply-adds of each ABN preset.")
    ap.add_argument("--preset", action="append", help="preset(s) to print (default: all)")
    args = ap.parse_args()
    for name in args.preset or list(PRESETS):
        m = build(name)
        p, macs = count_parameters(m), count_macs(m)
        line = (f"{name:9s} input {m.cfg.image_size}×{m.cfg.image_size}  h {m.cfg.feature_size}×"
                f"{m.cfg.feature_size}  parameters {p / 1e6:7.2f} M  multiply-adds {macs / 1e9:6.2f} G")
        if name == "paper":
            line += f"  (paper: 32M, ratio {p / PAPER_PARAMETERS:.3f})"
        print(line)


if __name__ == "__main__":
    main()
