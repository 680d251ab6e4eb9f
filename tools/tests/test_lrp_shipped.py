"""The shipped bundle pins the relevance graphs: rebuilt from the bundle's own abn.onnx with
today's tools/lrp, every graph must come out node for node and initializer for initializer
(bit for bit) as shipped. The golden tensors under src/test/resources/golden/edge-synthetic,
which the Java GoldenTensorsTest reproduces with ONNX Runtime, are outputs of these graphs on
fixed inputs — so they stay valid exactly as long as this holds. A refactor of tools/lrp that
changes one weight bit, one node or the order of two ops fails here.

The manifest sections that the rule objects write must also say what the shipped ones say
(keys added since, such as ``label``, aside)."""
from pathlib import Path

import onnx
import pytest

from tools import export as ex
from tools import lrp
from tools import recover

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "models" / "edge-synthetic"

pytestmark = pytest.mark.skipif(not (SHIPPED / "manifest.json").exists(), reason="no shipped bundle")


@pytest.fixture(scope="module")
def rebuilt():
    model, manifest, _ = recover.from_bundle(SHIPPED)
    sec = manifest["lrp"]
    skip = next(k for k in lrp.SKIP_RULES if lrp.LRPBN(sec["gamma"], k).skip.name == sec["skip_rule"])
    variants = any(g in manifest["graphs"] for g in ex.VARIANTS)
    return manifest, ex.build_graphs(model, sec["gamma"], skip, variants)


def _graph_parts(path: Path):
    g = onnx.load(str(path)).graph
    nodes = [(n.op_type, n.name, list(n.input), list(n.output),
              [a.SerializeToString(deterministic=True) for a in n.attribute]) for n in g.node]
    inits = [(i.name, i.data_type, list(i.dims), i.SerializeToString(deterministic=True)) for i in g.initializer]
    io = [v.SerializeToString(deterministic=True) for v in list(g.input) + list(g.output)]
    return nodes, inits, io


@pytest.mark.parametrize("name", ["lrp_bn", "lrp_plain", "gradcam", "abn",
                                  "lrp_bn_gamma0", "lrp_bn_gamma1", "lrp_bn_split"])
def test_rebuilt_graph_equals_shipped_graph(name, rebuilt, tmp_path):
    manifest, graphs = rebuilt
    if name not in manifest["graphs"]:
        pytest.skip(f"{name} not in the shipped bundle")
    path = tmp_path / f"{name}.onnx"
    ex.export_onnx(graphs[name], name, path, manifest["input"]["height"])
    ex.declare_output_shapes(path, manifest["graphs"][name]["outputs"])
    want_nodes, want_inits, want_io = _graph_parts(SHIPPED / manifest["graphs"][name]["file"])
    nodes, inits, io = _graph_parts(path)
    assert len(nodes) == len(want_nodes), (len(nodes), len(want_nodes))
    for i, (got, want) in enumerate(zip(nodes, want_nodes)):
        what = "attributes" if got[:4] == want[:4] else "op/name/inputs/outputs"
        assert got == want, f"{name}: node {i} ({want[1]}) differs in {what}: {got[:4]} vs {want[:4]}"
    assert [i[:3] for i in inits] == [i[:3] for i in want_inits], f"{name}: initializer names/shapes differ"
    for got, want in zip(inits, want_inits):
        assert got[3] == want[3], f"{name}: initializer {got[0]} differs"
    assert io == want_io


def test_manifest_sections_read_off_the_rules_say_what_the_shipped_ones_say(rebuilt):
    manifest, graphs = rebuilt
    sections = {"lrp_bn": manifest["lrp"], "lrp_plain": manifest["baselines"]["lrp_plain"],
                "gradcam": manifest["baselines"]["gradcam"]}
    sections.update(manifest.get("variants", {}))
    for name, shipped in sections.items():
        now = graphs[name].settings()
        assert {k: now[k] for k in shipped} == shipped, name
        assert now["label"]


def test_labels_name_the_rules_the_graphs_use():
    """The plain-LRP baseline uses the ε-rule on every layer, so its label says ε (it once said
    z⁺); LRP-BN's names zB, z⁺ and its skip rule — each read off the rule objects."""
    plain, bn, split = lrp.PlainLRP(), lrp.LRPBN(0.5), lrp.LRPBN(0.5, "splitting")
    assert isinstance(plain.layer, lrp.Epsilon) and plain.label == f"plain LRP ({lrp.Epsilon.symbol})"
    assert "z⁺" not in plain.label and "ε" in plain.label
    assert isinstance(bn.layer, lrp.ZPlus) and "z⁺" in bn.label and "zB" in bn.label and "γ = 0.5" in bn.label
    assert "splitting" in split.label and "γ" not in split.label
    assert lrp.LRPBN(0.0).label != lrp.LRPBN(1.0).label
