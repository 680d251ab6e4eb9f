"""The exported graphs: torch modules of explicit tensor ops, one per ONNX file of a bundle.

* :class:`LRPGraph` — lrp_bn, its variants and lrp_plain: one composite each;
* :class:`ABNGraph` — the trained model itself;
* :class:`GradCAMGraph` — the GradCAM baseline.

Each graph knows its inputs and outputs and the manifest section that describes it
(``settings()``, read off its rule objects), so tools/export.py hard-codes neither.
"""
from __future__ import annotations

from typing import Dict, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from tools import model as abn
from tools.lrp.composites import Composite, LRPBN, PlainLRP
from tools.lrp.graph_size import Upscale
from tools.lrp.network import FoldedABN


class LRPGraph(nn.Module):
    """(image [N,3,H,W], target [N]) → relevance [N,1,H,W] (+ alpha_up, explanation when the
    composite explains the attention branch too, i.e. LRP-BN)."""

    INPUTS = ("image", "target")
    OUTPUT = "sum over colour channels"

    def __init__(self, model: abn.ABN, composite: Optional[Composite] = None,
                 dtype: torch.dtype = torch.float32):
        super().__init__()
        # the graph outputs Σ_c R_c: the stem step sums the colour channels itself, which lets
        # zB's two constant terms share one adjoint output channel
        self.net = FoldedABN(model, composite, dtype, sum_channels=True)
        self.composite = self.net.composite
        self.outputs = self.composite.outputs
        self.upscale = Upscale(model.cfg.feature_size, model.cfg.image_size, dtype)

    def settings(self) -> Dict:
        return self.composite.settings(self.OUTPUT)

    def forward(self, image: torch.Tensor, target: torch.Tensor):
        relevance, act = self.net.input_relevance(image, target)
        if len(self.outputs) == 1:
            return relevance
        alpha_up = self.upscale(act["alpha"])
        return relevance, alpha_up, relevance * alpha_up


class ABNGraph(nn.Module):
    """abn: image → p_pb, p_ab (softmax), alpha_tilde, alpha — the trained model itself."""

    INPUTS = ("image",)
    OUTPUTS = ("p_pb", "p_ab", "alpha_tilde", "alpha")

    def __init__(self, model: abn.ABN):
        super().__init__()
        self.model = model.eval()

    def forward(self, image: torch.Tensor):
        o = self.model(image)
        return (torch.softmax(o.pb_logits, dim=1), torch.softmax(o.ab_logits, dim=1), o.alpha_tilde, o.alpha)


class GradCAMGraph(nn.Module):
    """GradCAM at the last perception block (layer4 output A), target logit. GAP + linear follow
    A, so ∂y_t/∂A_k,ij = w_tk/(H·W) and GradCAM = CAM: ReLU(Σ_k w_tk A_k)/(H·W), upscaled."""

    INPUTS = ("image", "target")
    OUTPUTS = ("cam",)
    LABEL = "GradCAM"

    def __init__(self, model: abn.ABN, dtype: torch.dtype = torch.float32):
        super().__init__()
        self.net = FoldedABN(model, PlainLRP(), dtype=dtype)      # only its forward pass is used
        self.upscale = Upscale(self.net.pb_hw, model.cfg.image_size, dtype)

    def settings(self) -> Dict:
        return {"layer": "layer4 output", "equals": "CAM (GAP + linear follow)", "normalised": False,
                "formula": "ReLU(sum_k w_tk A_k)/(h*w), bilinear to H*W", "label": self.LABEL}

    def forward(self, image: torch.Tensor, target: torch.Tensor):
        act = self.net.forward(image)
        v = act["v"]
        onehot = self.net.onehot(target, image.dtype)                          # (N,K)
        w_t = torch.matmul(onehot, self.net.fc.op.weight)                       # (N,C)
        cam = F.relu((v * w_t.unsqueeze(-1).unsqueeze(-1)).sum(dim=1, keepdim=True))
        cam = cam / float(self.net.pb_hw * self.net.pb_hw)
        return self.upscale(cam)


GRAPH_OUTPUTS = {
    "abn": list(ABNGraph.OUTPUTS),
    "lrp_bn": list(LRPBN.outputs),
    "lrp_plain": list(PlainLRP.outputs),
    "gradcam": list(GradCAMGraph.OUTPUTS),
}
