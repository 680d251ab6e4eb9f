"""tools/export.py: the ONNX files (checker, TensorRT op list, opset, initializer weights, names
and shapes as in the manifest, sha256), golden tensors (equal to the exported modules and to the
independent float64 reference), tracing faithfulness with a different batch size, bad input,
and the shipped bundle under models/edge-synthetic."""
import copy
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from tools import export as ex
from tools import lrp
from tools import lrp_reference as ref
from tools import model as abn

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "models" / "edge-synthetic"
SHIPPED_GOLDEN = REPO / "src" / "test" / "resources" / "golden" / "edge-synthetic"
ALL_GRAPHS = ["abn", "lrp_bn", "lrp_plain", "gradcam", "lrp_bn_gamma0", "lrp_bn_gamma1", "lrp_bn_split"]


def tiny_checkpoint(path: Path) -> abn.ABN:
    torch.manual_seed(7)
    m = ref.randomise_batchnorm(abn.build("tiny"), 7)
    torch.save({"format": 1, "model": m.state_dict(), "config": m.cfg.to_dict(), "preset": "tiny",
                "seed": 7, "code_revision": "abc123", "data": {"path": "data/synth",
                                                               "description": {"source": "synthetic", "seed": 1}},
                "epoch": 3, "val_loss": 0.5, "test_accuracy": 0.75, "test_accuracy_ab": 0.7}, path)
    return m


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    d = tmp_path_factory.mktemp("export")
    ck = d / "best.pt"
    model = tiny_checkpoint(ck)
    out, gold = d / "tiny-bundle", d / "golden"
    rc = ex.main(["--checkpoint", str(ck), "--out", str(out), "--golden-out", str(gold), "--variants",
                  "--data", str(d / "nothing-here")])
    assert rc == 0
    return model, out, gold


def load_golden(gold: Path):
    doc = json.loads((gold / "golden.json").read_text())
    out = {}
    for t in doc["tensors"]:
        raw = (gold / t["file"]).read_bytes()
        arr = np.frombuffer(raw, dtype="<f4" if t["dtype"] == "float32" else "<i8").reshape(t["shape"])
        out[t["name"]] = torch.from_numpy(arr.copy())
    return doc, out


def check_bundle_files(out: Path, graphs):
    man = json.loads((out / "manifest.json").read_text())
    allowed = ex.trt_ops()
    for g in graphs:
        e = man["graphs"][g]
        p = out / e["file"]
        assert hashlib.sha256(p.read_bytes()).hexdigest() == e["sha256"]
        mp = onnx.load(str(p))
        onnx.checker.check_model(mp, full_check=True)
        assert max(o.version for o in mp.opset_import if o.domain in ("", "ai.onnx")) <= 17
        ops = {n.op_type for n in mp.graph.node}
        assert ops <= allowed, ops - allowed
        consts = {i.name for i in mp.graph.initializer}
        for n in mp.graph.node:
            if n.op_type in ("Conv", "ConvTranspose"):
                assert n.input[1] in consts, f"{g}: {n.name} weight is computed"
        ins, outs = ex.onnx_io(mp)
        assert ins == e["inputs"] and outs == e["outputs"], g
        assert ins[0]["shape"][0] == -1 and all(o["shape"][0] == -1 for o in outs)   # dynamic batch
    return man


def test_manifest_and_onnx_files(bundle):
    model, out, _ = bundle
    man = check_bundle_files(out, ALL_GRAPHS)
    assert set(man["graphs"]) == set(ALL_GRAPHS)
    cfg = model.cfg
    assert man["schema_version"] == 1 and man["classes"] == ["no_crack", "crack"] and man["crack_class"] == 1
    assert man["input"]["height"] == cfg.image_size and man["input"]["normalization"]["inside_graph"] is True
    assert man["feature_map"] == {"height": cfg.feature_size, "width": cfg.feature_size}
    assert man["graphs"]["abn"]["outputs"][2] == {"name": "alpha_tilde", "dtype": "float32",
                                                  "shape": [-1, 1, cfg.feature_size, cfg.feature_size]}
    assert [i["name"] for i in man["graphs"]["lrp_bn"]["inputs"]] == ["image", "target"]
    assert [o["name"] for o in man["graphs"]["lrp_bn_split"]["outputs"]] == ["relevance", "alpha_up", "explanation"]
    assert man["theta_alpha"] == cfg.theta_alpha and man["decision"] == {"crack_threshold": 0.5}
    lrp_s = man["lrp"]
    for k, v in {"gamma": 0.5, "skip_rule": "paper-eq5", "start": "probability", "first_layer": "zB",
                 "maxpool": "proportional", "batchnorm": "folded", "gate": "all-to-h",
                 "downsample_skip": "zplus-through-downsample-conv"}.items():
        assert lrp_s[k] == v, k
    assert man["variants"]["lrp_bn_gamma0"]["gamma"] == 0.0
    assert man["variants"]["lrp_bn_split"]["skip_rule"] == "relevance-splitting"
    assert man["c1c"] == {"size": 28, "threshold": "mean", "interpolation": "bilinear", "keep": "values"}
    assert man["opset"] == 17
    p = man["provenance"]
    assert p["preset"] == "tiny" and p["seed"] == 7 and p["test_accuracy"] == 0.75
    assert p["training_data"]["source"] == "synthetic" and p["untrained"] is False
    assert p["exported_at"].endswith("Z") and p["code_revision"] == "abc123"
    assert not str(p["checkpoint"]).startswith("/")
    card = (out / "MODEL_CARD.md").read_text()
    assert "SYNTHETIC" in card and "0.7500" in card


def test_golden_equals_modules_and_reference(bundle):
    model, out, gold = bundle
    doc, g = load_golden(gold)
    man_sha = hashlib.sha256((out / "manifest.json").read_bytes()).hexdigest()
    assert doc["manifest_sha256"] == man_sha
    x, t = g["input.image"], g["input.target"]
    assert x.shape == (4, 3, 32, 32) and t.tolist() == ex.GOLDEN_TARGETS
    assert any("drawn" in i["kind"] for i in doc["inputs"])            # no dataset given → drawn tile
    # (1) the exported float32 modules reproduce the golden files (trivially, same code)
    graphs = ex.build_graphs(model, 0.5, "paper", True)
    with torch.no_grad():
        for name, mod in graphs.items():
            ins, outs = ex.graph_io(name)
            res = mod(x) if ins == ["image"] else mod(x, t)
            res = res if isinstance(res, tuple) else (res,)
            for o, v in zip(outs, res):
                assert torch.equal(v, g[f"{name}.{o}"]), f"{name}.{o}"
    # (2) …and the independent float64 reference (float32 vs float64: 1e-4 of each sample's max)
    m64 = copy.deepcopy(model).double()
    settings = {"lrp_bn": ("bn", 0.5, "paper"), "lrp_bn_gamma0": ("bn", 0.0, "paper"),
                "lrp_bn_gamma1": ("bn", 1.0, "paper"), "lrp_bn_split": ("bn", 0.5, "splitting"),
                "lrp_plain": ("plain", 0.5, "paper")}
    for name, (mode, gamma, skip) in settings.items():
        want = ref.reference(copy.deepcopy(m64), x.double(), t, mode, gamma, skip)["relevance"]
        got = g[f"{name}.relevance"].double()
        tol = doc["tolerance"]["outputs"][f"{name}.relevance"]
        assert tol["rel_to_max"] <= (2e-2 if name == "lrp_plain" else 1e-4)
        for i in range(4):
            assert float((got[i] - want[i]).abs().max()) <= tol["rel_to_max"] * float(want[i].abs().max()) + tol["atol"], (name, i)
    cam = ref.gradcam(copy.deepcopy(m64), x.double(), t)
    assert float((g["gradcam.cam"].double() - cam).abs().max()) <= 1e-4 * float(cam.abs().max()) + 1e-7
    o = m64(x.double())
    assert torch.allclose(g["abn.p_pb"].double(), torch.softmax(o.pb_logits, 1), atol=1e-5)
    assert torch.allclose(g["abn.p_ab"].double(), torch.softmax(o.ab_logits, 1), atol=1e-5)
    assert torch.allclose(g["abn.alpha"].double(), o.alpha, atol=1e-5)
    assert torch.allclose(g["lrp_bn.explanation"], g["lrp_bn.relevance"] * g["lrp_bn.alpha_up"])


def test_batch_dimension_is_named_throughout(bundle):
    """Every 4-D tensor of every graph keeps the input's batch name "N" under ONNX shape inference.
    ONNX Runtime's CPU EP runs a Mul in its blocked NCHWc layout only when it can prove both
    inputs have the same shape; an anonymous batch dimension (from a Reshape with -1) on the
    relevance side makes every x ⊙ c product fall back to plain layout with two reorders."""
    _, out, _ = bundle
    for g in ALL_GRAPHS:
        mp = onnx.shape_inference.infer_shapes(onnx.load(str(out / f"{g}.onnx")))
        anonymous = []
        for v in mp.graph.value_info:
            dims = v.type.tensor_type.shape.dim
            if len(dims) == 4 and dims[0].dim_param != "N":
                anonymous.append(v.name)
        assert not anonymous, f"{g}: batch dimension lost at {anonymous[:5]}"


def test_tracing_is_faithful_and_batch_dynamic():
    """torch.jit.trace (what the ONNX exporter records) equals eager, also at another batch size."""
    torch.manual_seed(3)
    m = ref.randomise_batchnorm(abn.build("tiny"), 3)
    graphs = ex.build_graphs(m, 0.5, "paper", False)
    graphs["lrp_bn_split"] = lrp.LRPGraph(copy.deepcopy(m), lrp.LRPBN(0.5, "splitting"))
    hw = m.cfg.image_size
    x2, t2 = torch.rand(2, 3, hw, hw), torch.tensor([1, 0])
    x3, t3 = torch.rand(3, 3, hw, hw), torch.tensor([0, 1, 1])
    with torch.no_grad():
        for name, mod in graphs.items():
            args2 = (x2,) if name == "abn" else (x2, t2)
            args3 = (x3,) if name == "abn" else (x3, t3)
            traced = torch.jit.trace(mod, args2, check_trace=False)
            for args in (args2, args3):
                a, b = mod(*args), traced(*args)
                a = a if isinstance(a, tuple) else (a,)
                b = b if isinstance(b, tuple) else (b,)
                for u, v in zip(a, b):
                    assert u.shape == v.shape and u.shape[0] == args[0].shape[0]
                    assert torch.allclose(u, v, rtol=1e-5, atol=1e-7), name


def _run_cli(*argv):
    return subprocess.run([sys.executable, "-m", "tools.export", *argv], cwd=REPO, capture_output=True,
                          text=True, timeout=300)


def test_bad_input_is_one_line(tmp_path, capsys):
    r = _run_cli("--checkpoint", str(tmp_path / "missing.pt"), "--out", str(tmp_path / "b"))
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0 and "no such file" in r.stderr
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    cases = [(["--checkpoint", str(tmp_path / "junk.pt")], "junk.pt"),
             (["--untrained", "tiny", "--skip-rule", "winner"], "--skip-rule"),
             (["--untrained", "tiny", "--gamma", "2"], "--gamma"),
             (["--untrained", "huge"], "--untrained"),
             (["--untrained", "tiny", "--checkpoint", "x.pt"], "exactly one")]
    for argv, needle in cases:
        capsys.readouterr()
        assert ex.main(argv + ["--out", str(tmp_path / "b")]) == 2
        err = capsys.readouterr().err
        assert needle in err and err.strip().count("\n") == 0, (argv, err)
    assert not (tmp_path / "b").exists()


@pytest.mark.skipif(not (SHIPPED / "manifest.json").exists(), reason="no shipped bundle")
def test_shipped_bundle():
    man = json.loads((SHIPPED / "manifest.json").read_text())
    check_bundle_files(SHIPPED, list(man["graphs"]))
    assert {"abn", "lrp_bn", "lrp_plain", "gradcam"} <= set(man["graphs"])
    assert man["name"] == "edge-synthetic" and man["input"]["height"] == 112
    assert man["feature_map"] == {"height": 14, "width": 14}
    if (SHIPPED_GOLDEN / "golden.json").exists():
        doc, g = load_golden(SHIPPED_GOLDEN)
        assert doc["manifest_sha256"] == hashlib.sha256((SHIPPED / "manifest.json").read_bytes()).hexdigest()
        names = {t["name"] for t in doc["tensors"]}
        for gname, e in man["graphs"].items():
            for o in e["outputs"]:
                assert f"{gname}.{o['name']}" in names
        for t in doc["tensors"]:
            assert (SHIPPED_GOLDEN / t["file"]).stat().st_size == int(np.prod(t["shape"])) * (4 if t["dtype"] == "float32" else 8)


def test_golden_uses_real_test_tiles(tmp_path):
    """With a dataset in the shared layout, golden inputs 3 and 4 are its crack / no_crack test tiles
    (bilinear resize to the model size, /255), not drawn ones."""
    import cv2
    root = tmp_path / "ds"
    for cls, val in (("crack", 60), ("no_crack", 180)):
        d = root / "test" / cls
        d.mkdir(parents=True)
        img = np.full((50, 70, 3), val, np.uint8)
        img[20:30, :, :] = 255 - val
        cv2.imwrite(str(d / f"{cls}-0001.jpg"), img)
    (root / "dataset.json").write_text(json.dumps({"source": "synthetic"}))
    torch.manual_seed(0)
    m = abn.build("tiny").eval()
    x, t, notes = ex.golden_inputs(m, root, 0)
    assert x.shape == (4, 3, 32, 32) and t.tolist() == ex.GOLDEN_TARGETS
    assert notes[2]["kind"] == "dataset test tile (crack)" and notes[3]["kind"] == "dataset test tile (no_crack)"
    assert notes[2]["dataset_source"] == "synthetic"
    assert notes[2]["source"].endswith("crack-0001.jpg")
    assert 0.0 <= float(x.min()) and float(x.max()) <= 1.0
    assert abs(float(x[3].mean()) - ((180 * 4 + 75) / 5) / 255.0) < 0.05    # the bright tile, resized
