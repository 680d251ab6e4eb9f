"""Read an ABN back out of a bundle's ``abn.onnx``, for re-exporting a bundle whose training
checkpoint is gone (new relevance rules, another γ, a faster relevance graph) without retraining.

The ONNX exporter folded every BatchNorm that follows a conv into that conv (eval mode), so the
graph holds (W', b') per conv. We put W' into the conv and make its BatchNorm an identity with
shift b' (weight 1, running mean 0, running variance 1 − ε, so that √(var + ε) = 1). The
network then computes the same function; tools/lrp/canonizers.py folds those identities away again.
Parameters the exporter kept under their module names (``model.fc.weight``, the AB's leading
BatchNorm, the normalisation buffers, …) load as they are. Every conv node must find its module
and every parameter of the model must be set, else :class:`RecoverError` says what is missing.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Tuple

import torch
import torch.nn as nn

from tools import model as abn


class RecoverError(Exception):
    """The bundle's ABN graph does not map onto the ABN of its manifest's config."""


# conv → the BatchNorm folded into it (relative to the conv's parent module)
BN_OF = {"conv1": "bn1", "conv2": "bn2", "conv3": "bn3", "0": "1", "ab_conv": "ab_bn2",
         "ab_map_conv": "ab_map_bn"}


def _module_path(node_name: str) -> str:
    """'/model/layer1/layer1.0/downsample/downsample.0/Conv' → 'layer1.0.downsample.0'.
    TorchScript scopes name a child by its parent-qualified name; its attribute is the last part."""
    parts = [p for p in node_name.split("/") if p]
    if len(parts) < 3 or parts[0] != "model":
        raise RecoverError(f"conv node {node_name!r}: not a /model/... scope")
    return ".".join(p.split(".")[-1] for p in parts[1:-1])


def model_from_abn_onnx(path: Path, cfg: abn.ABNConfig) -> abn.ABN:
    import onnx
    from onnx import numpy_helper

    g = onnx.load(str(path)).graph
    init = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in g.initializer}
    model = abn.ABN(cfg).eval()
    modules = dict(model.named_modules())
    state = {k: v.clone() for k, v in model.state_dict().items()}
    assigned = set()

    def put(key: str, value: torch.Tensor) -> None:
        if key not in state:
            raise RecoverError(f"{path.name}: {key} has no place in the {cfg.preset} ABN")
        if tuple(state[key].shape) != tuple(value.shape):
            raise RecoverError(f"{path.name}: {key} has shape {tuple(value.shape)}, the model wants "
                               f"{tuple(state[key].shape)}")
        state[key] = value.to(state[key].dtype)
        assigned.add(key)

    for name, t in init.items():                 # kept under their module names
        if name.startswith("model.") and name[6:] in state:
            put(name[6:], t)
    for node in g.node:
        if node.op_type != "Conv":
            continue
        mpath = _module_path(node.name)
        conv = modules.get(mpath)
        if not isinstance(conv, nn.Conv2d):
            raise RecoverError(f"{path.name}: conv node {node.name} → {mpath!r}, not a conv of the model")
        w_name = node.input[1]
        b_name = node.input[2] if len(node.input) > 2 else ""
        if w_name.startswith("model."):
            continue                             # already loaded by name
        put(mpath + ".weight", init[w_name])
        bias = init[b_name] if b_name else torch.zeros(conv.out_channels)
        if conv.bias is not None:
            put(mpath + ".bias", bias)
            continue
        parent, _, leaf = mpath.rpartition(".")
        bn_path = (parent + "." if parent else "") + BN_OF.get(leaf, "")
        bn = modules.get(bn_path)
        if not isinstance(bn, nn.BatchNorm2d):
            raise RecoverError(f"{path.name}: conv {mpath} has a folded bias but no BatchNorm to carry it")
        put(bn_path + ".weight", torch.ones_like(bias))
        put(bn_path + ".bias", bias)
        put(bn_path + ".running_mean", torch.zeros_like(bias))
        put(bn_path + ".running_var", torch.full_like(bias, 1.0 - bn.eps))
    for k in state:
        if k.endswith("num_batches_tracked"):
            assigned.add(k)
    missing = sorted(set(state) - assigned)
    if missing:
        raise RecoverError(f"{path.name}: no value for {', '.join(missing[:5])}"
                           + (f" and {len(missing) - 5} more" if len(missing) > 5 else ""))
    model.load_state_dict(state)
    return model.eval()


def from_bundle(bundle: Path) -> Tuple[abn.ABN, Dict, Dict]:
    """(model, the bundle's manifest, the sha256 of its abn.onnx as the manifest states it)."""
    mpath = bundle / "manifest.json"
    if not mpath.is_file():
        raise RecoverError(f"{bundle}: no manifest.json")
    manifest = json.loads(mpath.read_text())
    try:
        cfg = abn.ABNConfig.from_dict(manifest["model_config"])
        entry = manifest["graphs"]["abn"]
    except (KeyError, TypeError) as e:
        raise RecoverError(f"{bundle}: manifest lacks {e}") from None
    graph = bundle / entry["file"]
    if not graph.is_file():
        raise RecoverError(f"{bundle}: {entry['file']} missing")
    import hashlib
    digest = hashlib.sha256(graph.read_bytes()).hexdigest()
    if digest != entry.get("sha256"):
        raise RecoverError(f"{graph}: sha256 {digest[:12]}… differs from the manifest's")
    return model_from_abn_onnx(graph, cfg), manifest, {"file": entry["file"], "sha256": digest}
