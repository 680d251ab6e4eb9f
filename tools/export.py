"""Checkpoint → model bundle: ONNX graphs, manifest.json, MODEL_CARD.md, golden tensors.

    /usr/bin/python3 -m tools.export --checkpoint runs/edge/seed0/best.pt --out models/edge-synthetic \\
        [--gamma 0.5] [--skip-rule paper|splitting] [--variants] \\
        [--golden-out src/test/resources/golden/edge-synthetic] [--data data/synth]

    # no training yet: an UNTRAINED bundle (random weights), marked so in manifest and card
    /usr/bin/python3 -m tools.export --untrained edge --seed 0 --out /tmp/bundle

Graphs (docs/architecture.md): abn.onnx, lrp_bn.onnx, lrp_plain.onnx, gradcam.onnx, and with
``--variants`` lrp_bn_gamma0.onnx, lrp_bn_gamma1.onnx, lrp_bn_split.onnx (same inputs and
outputs as lrp_bn). Each is a torch module of explicit tensor ops (tools/lrp/) exported with
torch.onnx.export at opset 17 with a dynamic batch axis, then checked: onnx.checker, every op in
tools/trt_supported_ops.txt, Conv/ConvTranspose weights are initializers, names and shapes as
the manifest says. Golden tensors are the outputs of the very modules that were exported.
The manifest's rule sections and labels are read off the graphs' composites
(``LRPGraph.settings()``), not written here.
"""
from __future__ import annotations

import argparse
import copy
import datetime as dt
import hashlib
import inspect
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

from tools import lrp
from tools import lrp_reference as ref
from tools import model as abn

OPSET = 17
REPO_ROOT = Path(__file__).resolve().parent.parent
TRT_OPS_FILE = Path(__file__).resolve().parent / "trt_supported_ops.txt"
C1C = {"size": 28, "threshold": "mean", "interpolation": "bilinear", "keep": "values"}
CRACK_THRESHOLD = 0.5
VARIANTS = {  # graph name → composite; the ablations of the evaluation
    "lrp_bn_gamma0": lrp.LRPBN(0.0, "paper"),
    "lrp_bn_gamma1": lrp.LRPBN(1.0, "paper"),
    "lrp_bn_split": lrp.LRPBN(0.5, "splitting"),
}
GOLDEN_TARGETS = [1, 0, 1, 1]        # random, random, dataset/drawn crack, dataset no_crack (or drawn)
ALPHA_MARGIN = 1e-4                  # golden inputs keep every α̃ at least this far from θα


class UsageError(Exception):
    """Bad input: one line, exit status 2."""


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------
def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def git_revision() -> str:
    try:
        from tools.train import code_revision
        return code_revision()
    except Exception:  # noqa: BLE001 — provenance only
        return "unknown"


def portable(p: Optional[Path]) -> Optional[str]:
    if p is None:
        return None
    try:
        return str(Path(p).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return Path(p).name


def trt_ops() -> set:
    ops = set()
    for line in TRT_OPS_FILE.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            ops.add(line)
    return ops


def load_model(args) -> Tuple[abn.ABN, Dict]:
    """(model in eval mode, provenance)."""
    if args.untrained:
        if args.untrained not in abn.PRESETS:
            raise UsageError(f"--untrained {args.untrained}: unknown preset; choose one of {sorted(abn.PRESETS)}")
        torch.manual_seed(args.seed)
        model = abn.build(args.untrained).eval()
        return model, {"checkpoint": None, "untrained": True, "preset": args.untrained, "seed": args.seed,
                       "code_revision": git_revision(), "training_data": None, "test_accuracy": None,
                       "note": "UNTRAINED: random initial weights, for testing the export path and the "
                               "runtime contract only; its outputs mean nothing"}
    if args.from_bundle:
        return load_from_bundle(Path(args.from_bundle))
    path = Path(args.checkpoint)
    if not path.is_file():
        raise UsageError(f"--checkpoint {path}: no such file")
    try:
        try:
            ckpt = torch.load(path, map_location="cpu", weights_only=False)
        except TypeError:
            ckpt = torch.load(path, map_location="cpu")
    except Exception as e:  # noqa: BLE001
        raise UsageError(f"--checkpoint {path}: not a readable torch checkpoint ({type(e).__name__})")
    if not isinstance(ckpt, dict) or "model" not in ckpt or "config" not in ckpt:
        raise UsageError(f"--checkpoint {path}: not a tools.train checkpoint (no 'model'/'config' keys)")
    try:
        model = abn.ABN(abn.ABNConfig.from_dict(ckpt["config"]))
        model.load_state_dict(ckpt["model"])
    except Exception as e:  # noqa: BLE001
        raise UsageError(f"--checkpoint {path}: weights do not fit the ABN config ({e.__class__.__name__})")
    data = ckpt.get("data") or {}
    prov = {"checkpoint": portable(path), "untrained": False, "preset": ckpt.get("preset", model.cfg.preset),
            "seed": ckpt.get("seed"), "code_revision": ckpt.get("code_revision", "unknown"),
            "training_data": data.get("description"), "training_data_path": data.get("path"),
            "test_accuracy": ckpt.get("test_accuracy"), "test_accuracy_ab": ckpt.get("test_accuracy_ab"),
            "best_epoch": ckpt.get("epoch"), "val_loss": ckpt.get("val_loss"),
            "counts": ckpt.get("counts")}
    return model.eval(), prov


def load_from_bundle(bundle: Path) -> Tuple[abn.ABN, Dict]:
    """The ABN read back from a bundle's abn.onnx (tools/recover.py); the provenance is the
    bundle's own (training data, seed, accuracy), plus where the weights came from."""
    from tools import recover
    try:
        model, manifest, graph = recover.from_bundle(bundle)
    except recover.RecoverError as e:
        raise UsageError(f"--from-bundle: {e}")
    prov = dict(manifest.get("provenance") or {})
    earlier = prov.get("recovered_from") or {}          # a re-export of a re-export: keep the first
    first_export = earlier.get("exported_at") or prov.get("exported_at")
    for k in ("exported_at", "export_code_revision", "export_command", "recovered_from"):
        prov.pop(k, None)
    prov["recovered_from"] = {
        "bundle": manifest.get("name"), "graph": graph["file"], "sha256": graph["sha256"],
        "exported_at": first_export,
        "note": "weights read back from the bundle's ABN graph (BatchNorm folded into the convs "
                "by the ONNX exporter); the training checkpoint named above was not kept"}
    return model.eval(), prov


# --------------------------------------------------------------------------------------------
# graphs
# --------------------------------------------------------------------------------------------
def build_graphs(model: abn.ABN, gamma: float, skip_rule: str, variants: bool) -> Dict[str, nn.Module]:
    """name → float32 torch module, in manifest order."""
    m32 = copy.deepcopy(model).float().eval()
    g: Dict[str, nn.Module] = {
        "abn": lrp.ABNGraph(m32),
        "lrp_bn": lrp.LRPGraph(m32, lrp.LRPBN(gamma, skip_rule), torch.float32),
        "lrp_plain": lrp.LRPGraph(m32, lrp.PlainLRP(), torch.float32),
        "gradcam": lrp.GradCAMGraph(m32, torch.float32),
    }
    if variants:
        for name, composite in VARIANTS.items():
            g[name] = lrp.LRPGraph(m32, composite, torch.float32)
    for mod in g.values():
        mod.eval()
    return g


def graph_io(name: str) -> Tuple[List[str], List[str]]:
    base = "lrp_bn" if name.startswith("lrp_bn") else name
    ins = ["image"] if base == "abn" else ["image", "target"]
    return ins, list(lrp.GRAPH_OUTPUTS[base])


def export_onnx(module: nn.Module, name: str, path: Path, hw: int) -> None:
    ins, outs = graph_io(name)
    example = (torch.rand(2, 3, hw, hw),) if ins == ["image"] else \
        (torch.rand(2, 3, hw, hw), torch.tensor([1, 0], dtype=torch.int64))
    axes = {n: {0: "N"} for n in ins + outs}
    kwargs = dict(input_names=ins, output_names=outs, dynamic_axes=axes, opset_version=OPSET,
                  do_constant_folding=True)
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False            # newer PyTorch: keep the TorchScript exporter
    with torch.no_grad():
        torch.onnx.export(module, example, str(path), **kwargs)


DTYPES = {1: "float32", 7: "int64", 11: "float64", 9: "bool", 6: "int32"}


def declare_output_shapes(path: Path, outputs: List[Dict]) -> None:
    """The exporter's shape inference loses the static H×W after Resize (a `sizes` input built
    from Shape); write the true output shapes into the graph (batch = dim_param "N"). The
    checker's full shape inference then confirms they are consistent with the graph."""
    import onnx
    mp = onnx.load(str(path))
    by_name = {o["name"]: o for o in outputs}
    for v in mp.graph.output:
        want = by_name[v.name]["shape"]
        dims = v.type.tensor_type.shape.dim
        while len(dims):
            dims.pop()
        for d in want:
            nd = dims.add()
            if d == -1:
                nd.dim_param = "N"
            else:
                nd.dim_value = d
    onnx.save(mp, str(path))


def onnx_io(model_proto) -> Tuple[List[Dict], List[Dict]]:
    def desc(v):
        t = v.type.tensor_type
        shape = [d.dim_value if d.HasField("dim_value") else -1 for d in t.shape.dim]
        return {"name": v.name, "shape": shape, "dtype": DTYPES.get(t.elem_type, str(t.elem_type))}
    inits = {i.name for i in model_proto.graph.initializer}
    return ([desc(v) for v in model_proto.graph.input if v.name not in inits],
            [desc(v) for v in model_proto.graph.output])


def check_onnx(path: Path, name: str, expected_io: Optional[Tuple[List[Dict], List[Dict]]] = None) -> Dict:
    """onnx.checker + TensorRT op list + weights-are-initializers + opset; returns a summary."""
    import onnx
    mp = onnx.load(str(path))
    onnx.checker.check_model(mp, full_check=True)
    opsets = {o.domain: o.version for o in mp.opset_import}
    if opsets.get("", opsets.get("ai.onnx", 0)) > OPSET:
        raise RuntimeError(f"{path.name}: opset {opsets} above {OPSET}")
    allowed = trt_ops()
    ops = sorted({n.op_type for n in mp.graph.node})
    bad = [o for o in ops if o not in allowed]
    if bad:
        raise RuntimeError(f"{path.name}: ops not in {TRT_OPS_FILE.name}: {bad}")
    consts = {i.name for i in mp.graph.initializer}
    consts |= {o for n in mp.graph.node if n.op_type == "Constant" for o in n.output}
    for n in mp.graph.node:
        if n.op_type in ("Conv", "ConvTranspose") and n.input[1] not in consts:
            raise RuntimeError(f"{path.name}: {n.op_type} {n.name} has a computed weight (TensorRT needs an initializer)")
    io = onnx_io(mp)
    if expected_io is not None and io != expected_io:
        raise RuntimeError(f"{path.name}: graph inputs/outputs {io} differ from {expected_io}")
    return {"ops": ops, "nodes": len(mp.graph.node), "opset": opsets.get("", 0), "io": io}


def expected_io(name: str, cfg: abn.ABNConfig) -> Tuple[List[Dict], List[Dict]]:
    hw, fh = cfg.image_size, cfg.feature_size
    k = cfg.num_classes
    img = {"name": "image", "shape": [-1, 3, hw, hw], "dtype": "float32"}
    tgt = {"name": "target", "shape": [-1], "dtype": "int64"}
    full = lambda n: {"name": n, "shape": [-1, 1, hw, hw], "dtype": "float32"}  # noqa: E731
    if name == "abn":
        return [img], [{"name": "p_pb", "shape": [-1, k], "dtype": "float32"},
                       {"name": "p_ab", "shape": [-1, k], "dtype": "float32"},
                       {"name": "alpha_tilde", "shape": [-1, 1, fh, fh], "dtype": "float32"},
                       {"name": "alpha", "shape": [-1, 1, fh, fh], "dtype": "float32"}]
    _, outs = graph_io(name)
    return [img, tgt], [full(o) for o in outs]


# --------------------------------------------------------------------------------------------
# golden inputs
# --------------------------------------------------------------------------------------------
def real_tiles(data: Optional[Path], size: int) -> List[Tuple[str, torch.Tensor, str]]:
    """Test tiles from the dataset (bilinear resize as the runtime does): [(label, image, id)]."""
    if data is None or not (Path(data) / "test").is_dir():
        return []
    from tools.data import layout
    from tools.data.loader import resize_eval
    out = []
    samples = layout.list_samples(Path(data), "test")
    for cls in (1, 0):
        for s in [s for s in samples if s.label == cls][:20]:
            rgb, _ = resize_eval(layout.read_rgb(s.image), None, size)
            img = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1).float().div(255.0).unsqueeze(0)
            out.append(("crack" if cls == 1 else "no_crack", img, portable(s.image)))
    return out


def alpha_margin(model: abn.ABN, x: torch.Tensor) -> float:
    with torch.no_grad():
        at = model.float()(x.float()).alpha_tilde
    return float((at - model.cfg.theta_alpha).abs().min())


def golden_inputs(model: abn.ABN, data: Optional[Path], seed: int) -> Tuple[torch.Tensor, torch.Tensor, List[Dict]]:
    """4 images: 2 random, 1 crack (dataset test tile, else drawn), 1 no_crack (dataset tile, else a second
    drawn crack); every α̃ keeps ALPHA_MARGIN from θα so ORT and PyTorch gate identically."""
    m = copy.deepcopy(model).float().eval()
    hw = m.cfg.image_size
    g = torch.Generator().manual_seed(seed)
    chosen, notes = [], []
    tries = 0
    while len(chosen) < 2:
        x = torch.rand(1, 3, hw, hw, generator=g)
        tries += 1
        if alpha_margin(m, x) >= ALPHA_MARGIN or tries > 200:
            chosen.append(x)
            notes.append({"kind": "random uniform [0,1]", "seed": seed, "draw": tries})
    tiles = real_tiles(data, hw)
    source = "unknown"
    if tiles:
        try:
            source = json.loads((Path(data) / "dataset.json").read_text()).get("source", "unknown")
        except (OSError, ValueError):
            pass
    for want in ("crack", "no_crack"):
        cands = [t for t in tiles if t[0] == want]
        pick = None
        for _, img, sid in cands:
            if alpha_margin(m, img) >= ALPHA_MARGIN:
                pick = (img, {"kind": f"dataset test tile ({want})", "source": sid, "dataset_source": source})
                break
        if pick is None and cands:
            pick = (cands[0][1], {"kind": f"dataset test tile ({want})", "source": cands[0][2],
                                  "dataset_source": source})
        if pick is None:
            for k in range(50):
                img = ref.drawn_crack_tile(hw, seed + 10 * (want == "no_crack") + k).float()
                if alpha_margin(m, img) >= ALPHA_MARGIN or k == 49:
                    pick = (img, {"kind": "drawn synthetic crack tile (no dataset test tile found)",
                                  "seed": seed + 10 * (want == "no_crack") + k})
                    break
        chosen.append(pick[0])
        notes.append(pick[1])
    x = torch.cat(chosen, 0).contiguous()
    t = torch.tensor(GOLDEN_TARGETS, dtype=torch.int64)
    for i, n in enumerate(notes):
        n["target"] = int(t[i])
        n["alpha_margin"] = alpha_margin(m, x[i:i + 1])
    return x, t, notes


def golden_tolerance(graphs: Dict[str, nn.Module]) -> Dict:
    """Suggested comparison per output: |got − want| ≤ rel_to_max · max|want| (per sample) + atol.
    Plain LRP divides by signed sums that can be close to 0 (ε = 1e-6), so float32 rounding
    differences are amplified: PyTorch float32 vs float64 already differ by ~4e-3 of the max
    there, while LRP-BN (non-negative denominators) agrees to ~1e-6."""
    tol = {}
    for name in graphs:
        for o in graph_io(name)[1]:
            key = f"{name}.{o}"
            if o in ("p_pb", "p_ab", "alpha_tilde", "alpha"):
                tol[key] = {"rel_to_max": 0.0, "atol": 1e-5}
            else:       # an LRP graph's composite knows how well-conditioned its rules are
                comp = getattr(graphs[name], "composite", None)
                tol[key] = {"rel_to_max": comp.rel_tolerance if comp is not None else 1e-4, "atol": 1e-7}
    return {"rule": "per sample i: max|got_i - want_i| <= rel_to_max * max|want_i| + atol", "outputs": tol}


def write_golden(out: Path, bundle: str, graphs: Dict[str, nn.Module], x: torch.Tensor, t: torch.Tensor,
                 notes: List[Dict], manifest_sha: str) -> Dict:
    out.mkdir(parents=True, exist_ok=True)
    for p in out.glob("*.f32"):
        p.unlink()
    for p in out.glob("*.i64"):
        p.unlink()
    tensors = []

    def put(name: str, arr: torch.Tensor):
        arr = arr.detach().contiguous()
        if arr.dtype == torch.int64:
            fn, dt_ = f"{name}.i64", "int64"
            data = arr.numpy().astype("<i8")
        else:
            fn, dt_ = f"{name}.f32", "float32"
            data = arr.float().numpy().astype("<f4")
        (out / fn).write_bytes(data.tobytes())
        tensors.append({"name": name, "file": fn, "shape": list(arr.shape), "dtype": dt_})

    put("input.image", x)
    put("input.target", t)
    with torch.no_grad():
        for name, mod in graphs.items():
            ins, outs = graph_io(name)
            res = mod(x) if ins == ["image"] else mod(x, t)
            res = res if isinstance(res, tuple) else (res,)
            for oname, val in zip(outs, res):
                put(f"{name}.{oname}", val)
    doc = {"schema_version": 1, "bundle": bundle, "manifest_sha256": manifest_sha,
           "byte_order": "little-endian",
           "tolerance": golden_tolerance(graphs),
           "inputs": notes, "tensors": tensors}
    (out / "golden.json").write_text(json.dumps(doc, indent=2) + "\n")
    return doc


# --------------------------------------------------------------------------------------------
# conservation figure for the card
# --------------------------------------------------------------------------------------------
def conservation(model: abn.ABN, x: torch.Tensor, t: torch.Tensor, gamma: float, skip: str) -> Dict:
    m = copy.deepcopy(model).double().eval()
    net = lrp.FoldedABN(m, lrp.LRPBN(gamma, skip), torch.float64)
    with torch.no_grad():
        r, act = net.input_relevance(x.double(), t)
        onehot = net.onehot(t, torch.float64)
        start = (onehot * (torch.softmax(act["pb_logits"], 1) + torch.softmax(act["ab_logits"], 1))).sum(1)
        err = (r.sum(dim=(1, 2, 3)) - start).abs() / start
    return {"relative_error_per_input": [round(float(e), 8) for e in err], "max": float(err.max())}


# --------------------------------------------------------------------------------------------
# manifest and card
# --------------------------------------------------------------------------------------------
def write_card(out: Path, manifest: Dict, cons: Dict, sizes: Dict[str, int]) -> None:
    prov = manifest["provenance"]
    cfg = manifest["model_config"]
    untrained = prov.get("untrained")
    data = prov.get("training_data") or {}
    acc = prov.get("test_accuracy")
    lines = [f"# Model card: {manifest['name']}", ""]
    if untrained:
        lines += ["**UNTRAINED BUNDLE.** The weights are the random initialisation of the "
                  f"`{prov['preset']}` preset (seed {prov['seed']}). It exists so that the runtime and its "
                  "tests can be built against the real graph contract before training finishes. Its "
                  "predictions, attention maps and relevance maps mean nothing. Do not deploy.", ""]
    lines += ["## What it is",
              "An Attention Branch Network (ABN, ResNet bottlenecks, gate α' ⊙ h) that classifies a road "
              "tile as `crack` (1) or `no_crack` (0), plus the LRP-BN relevance graph that explains the "
              "crack class (docs/lrp-rules.md), and two baseline explanation graphs (plain LRP, GradCAM).",
              "",
              f"- preset `{prov['preset']}`: input {cfg['image_size']}×{cfg['image_size']} RGB in [0,1] "
              f"(ImageNet normalisation inside the graphs), feature map {manifest['feature_map']['height']}×"
              f"{manifest['feature_map']['width']}, θα = {manifest['theta_alpha']}",
              f"- decision: crack when p_pb[crack] ≥ {manifest['decision']['crack_threshold']}",
              f"- LRP-BN: γ = {manifest['lrp']['gamma']}, skip rule `{manifest['lrp']['skip_rule']}`, "
              "start at the class probabilities of both branches", ""]
    lines += ["## Training data"]
    if untrained:
        lines += ["None (untrained).", ""]
    else:
        src = data.get("source", "unknown")
        lines += [f"- source: `{src}`" + ("  — **SYNTHETIC**: rendered asphalt tiles with drawn cracks, "
                                         "not photographs of real roads" if src == "synthetic" else ""),
                  f"- dataset description: `{json.dumps({k: data[k] for k in list(data)[:8]})}`", ""]
    lines += ["## Accuracy"]
    if acc is None:
        lines += ["Not measured (untrained).", ""]
    else:
        lines += [f"- test accuracy (perception branch, checkpoint of lowest validation loss): **{acc:.4f}**"
                  + (f" (AB: {prov['test_accuracy_ab']:.4f})" if prov.get("test_accuracy_ab") is not None else ""),
                  f"- measured on the test split of the training data source above"
                  + (" (synthetic)" if data.get("source") == "synthetic" else ""), ""]
    rec = prov.get("recovered_from")
    if rec:
        lines += ["## Provenance of the weights",
                  f"Re-exported from the `{rec.get('graph')}` of bundle `{rec.get('bundle')}` (sha256 "
                  f"`{str(rec.get('sha256'))[:12]}…`, first exported {rec.get('exported_at')}): the training "
                  "checkpoint was not kept, so the weights were read back from that graph "
                  "(`tools.export --from-bundle`, docs/lrp-rules.md §4). Training facts above are that "
                  "bundle's.", ""]
    lines += ["## Relevance conservation (LRP-BN, float64, golden inputs)",
              f"Σ R(input) vs p_PB[t] + p_AB[t]: relative error per input {cons['relative_error_per_input']} "
              "(the gap is relevance of units whose positive pre-activation is exactly 0; see docs/lrp-rules.md).",
              "", "## Files", "| file | bytes |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sizes.items()]
    lines += ["", "## Limits",
              "- A tile classifier: no localisation beyond the explanation map; the crack mask is the C1C "
              "of the LRP-BN explanation, a weakly supervised estimate.",
              "- Synthetic training data (when the source says so) does not cover real road textures, "
              "lighting, paint, shadows, wet surfaces or camera noise: accuracy on real dashcam video is "
              "unknown and likely much lower than the figure above.",
              "- The edge preset is a narrow, one-block-per-stage ResNet at 112×112, far smaller than the "
              "paper's ResNet-50 at 224×224.",
              "- z⁺ drops the relevance of units whose positive pre-activation is 0, so the relevance sum can "
              "fall short of p_PB[t] + p_AB[t] (figure above).",
              ""]
    (out / "MODEL_CARD.md").write_text("\n".join(lines))


def run(args) -> Dict:
    if args.skip_rule not in lrp.SKIP_RULES:
        raise UsageError(f"--skip-rule {args.skip_rule}: expected one of {list(lrp.SKIP_RULES)}")
    if not 0.0 <= args.gamma <= 1.0:
        raise UsageError(f"--gamma {args.gamma}: expected a value in [0, 1]")
    if sum(bool(v) for v in (args.checkpoint, args.untrained, args.from_bundle)) != 1:
        raise UsageError("give exactly one of --checkpoint PATH, --from-bundle DIR or --untrained PRESET")
    model, prov = load_model(args)
    cfg = model.cfg
    out = Path(args.out)
    name = args.name or out.name
    tmp = out.with_name(out.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    graphs = build_graphs(model, args.gamma, args.skip_rule, args.variants)
    entries, checks, sizes = {}, {}, {}
    for gname, mod in graphs.items():
        fn = f"{gname}.onnx"
        export_onnx(mod, gname, tmp / fn, cfg.image_size)
        exp = expected_io(gname, cfg)
        declare_output_shapes(tmp / fn, exp[1])
        checks[gname] = check_onnx(tmp / fn, gname, exp)
        entries[gname] = {"file": fn, "sha256": sha256(tmp / fn), "inputs": exp[0], "outputs": exp[1]}
        sizes[fn] = (tmp / fn).stat().st_size
    manifest = {
        "schema_version": 1,
        "name": name,
        "classes": list(abn.CLASS_NAMES),
        "crack_class": 1,
        "input": {"height": cfg.image_size, "width": cfg.image_size, "layout": "NCHW", "color_order": "RGB",
                  "dtype": "float32", "value_range": [0.0, 1.0],
                  "normalization": {"mean": [float(v) for v in cfg.mean], "std": [float(v) for v in cfg.std],
                                    "inside_graph": True}},
        "feature_map": {"height": cfg.feature_size, "width": cfg.feature_size},
        "graphs": entries,
        "theta_alpha": cfg.theta_alpha,
        "decision": {"crack_threshold": CRACK_THRESHOLD},
        "lrp": graphs["lrp_bn"].settings(),
        "variants": {g: graphs[g].settings() for g in entries if g in VARIANTS},
        "baselines": {"lrp_plain": graphs["lrp_plain"].settings(), "gradcam": graphs["gradcam"].settings()},
        "c1c": dict(C1C),
        "opset": OPSET,
        "model_config": cfg.to_dict(),
        "provenance": dict(prov, exported_at=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                           export_code_revision=git_revision(),
                           export_command=" ".join(["python3", "-m", "tools.export"] + list(args.argv))),
    }
    mtext = json.dumps(manifest, indent=2) + "\n"
    (tmp / "manifest.json").write_text(mtext)
    sizes["manifest.json"] = len(mtext.encode())
    x, t, notes = golden_inputs(model, Path(args.data) if args.data else None, args.seed)
    cons = conservation(model, x, t, args.gamma, args.skip_rule)
    write_card(tmp, manifest, cons, sizes)
    if out.exists():
        shutil.rmtree(out)
    os.replace(tmp, out)
    golden = None
    if args.golden_out:
        golden = write_golden(Path(args.golden_out), name, graphs, x, t, notes, sha256(out / "manifest.json"))
    total = sum(p.stat().st_size for p in out.iterdir())
    return {"out": str(out), "graphs": {g: {"bytes": sizes[f"{g}.onnx"], "nodes": c["nodes"], "ops": c["ops"]}
                                        for g, c in checks.items()},
            "total_bytes": total, "conservation": cons,
            "golden": None if golden is None else {"dir": args.golden_out, "tensors": len(golden["tensors"])}}


def parse_args(argv: Sequence[str]):
    ap = argparse.ArgumentParser(prog="python3 -m tools.export", description=__doc__.split("\n\n")[0])
    src = ap.add_argument_group("model (exactly one)")
    src.add_argument("--checkpoint", help="tools.train checkpoint (best.pt)")
    src.add_argument("--from-bundle", metavar="DIR",
                     help="re-export a bundle from its own abn.onnx weights (when the checkpoint is gone)")
    src.add_argument("--untrained", metavar="PRESET", help="export random initial weights of a preset (testing only)")
    ap.add_argument("--out", required=True, help="bundle directory (replaced atomically)")
    ap.add_argument("--name", help="bundle name in the manifest (default: the --out folder name)")
    ap.add_argument("--gamma", type=float, default=0.5, help="γ of the skip rule (eq. 5), default 0.5")
    ap.add_argument("--skip-rule", default="paper", help="paper (eq. 5) or splitting (relevance splitting)")
    ap.add_argument("--variants", action="store_true",
                    help="also write lrp_bn_gamma0/gamma1/split.onnx for the evaluation ablations")
    ap.add_argument("--golden-out", help="write golden tensors (inputs + every graph's outputs) here")
    ap.add_argument("--data", default="data/synth", help="dataset whose test split gives real golden tiles")
    ap.add_argument("--seed", type=int, default=0, help="seed of --untrained weights and random golden inputs")
    args = ap.parse_args(argv)
    args.argv = list(argv)
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parse_args(argv)
        torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
        res = run(args)
    except UsageError as e:
        print(f"export: {e}", file=sys.stderr)
        return 2
    print(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
