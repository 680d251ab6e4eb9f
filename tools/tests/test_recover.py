"""tools/recover.py and ``tools.export --from-bundle``: an ABN read back from a bundle's abn.onnx
computes what the checkpoint computed, a re-export from it reproduces the bundle's golden
tensors, and a bundle that does not fit is refused with one line."""
import json
import shutil
from pathlib import Path

import pytest
import torch

from tools import export as ex
from tools import lrp
from tools import recover
from tools.tests.test_export import load_golden, tiny_checkpoint


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    d = tmp_path_factory.mktemp("recover")
    ck = d / "best.pt"
    model = tiny_checkpoint(ck).eval()
    out, gold = d / "tiny-bundle", d / "golden"
    assert ex.main(["--checkpoint", str(ck), "--out", str(out), "--golden-out", str(gold),
                    "--data", str(d / "nothing-here")]) == 0
    return d, model, out, gold


def test_recovered_model_computes_what_the_checkpoint_computed(exported):
    _, model, out, _ = exported
    got, manifest, graph = recover.from_bundle(out)
    assert graph["sha256"] == manifest["graphs"]["abn"]["sha256"]
    x = torch.rand(3, 3, model.cfg.image_size, model.cfg.image_size, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        a, b = model(x), got(x)
    for name in ("pb_logits", "ab_logits", "alpha_tilde"):
        want, have = getattr(a, name), getattr(b, name)
        assert float((want - have).abs().max()) < 1e-5 * max(1.0, float(want.abs().max())), name
    # and so does its relevance graph (same folded weights up to float32 rounding)
    t = torch.tensor([1, 0, 1])
    r_want = lrp.LRPGraph(model.float(), lrp.LRPBN())(x, t)[0]
    r_have = lrp.LRPGraph(got.float(), lrp.LRPBN())(x, t)[0]
    assert float((r_want - r_have).abs().max()) < 1e-4 * float(r_want.abs().max())


def test_reexport_from_bundle_reproduces_golden(exported):
    d, _, out, gold = exported
    out2, gold2 = d / "again", d / "golden2"
    assert ex.main(["--from-bundle", str(out), "--out", str(out2), "--golden-out", str(gold2),
                    "--data", str(d / "nothing-here")]) == 0
    _, old = load_golden(gold)
    doc, new = load_golden(gold2)
    assert set(old) == set(new)
    for name in old:
        scale = max(1e-12, float(old[name].abs().max()))
        assert float((old[name] - new[name]).abs().max()) <= 1e-4 * scale, name
    prov = json.loads((out2 / "manifest.json").read_text())["provenance"]
    first = json.loads((out / "manifest.json").read_text())
    assert prov["recovered_from"]["sha256"] == first["graphs"]["abn"]["sha256"]
    assert prov["test_accuracy"] == 0.75 and prov["seed"] == 7        # the training facts carry over
    assert "--from-bundle" in prov["export_command"]


def test_bad_bundles_are_refused_in_one_line(exported, tmp_path, capsys):
    _, _, out, _ = exported
    cases = []
    cases.append((tmp_path / "missing", "no manifest.json"))
    tampered = tmp_path / "tampered"
    shutil.copytree(out, tampered)
    with open(tampered / "abn.onnx", "ab") as f:
        f.write(b"\0")
    cases.append((tampered, "sha256"))
    other = tmp_path / "other-config"
    shutil.copytree(out, other)
    m = json.loads((other / "manifest.json").read_text())
    m["model_config"]["widths"] = [w * 2 for w in m["model_config"]["widths"]]
    (other / "manifest.json").write_text(json.dumps(m))
    cases.append((other, "shape"))
    for bundle, needle in cases:
        capsys.readouterr()
        assert ex.main(["--from-bundle", str(bundle), "--out", str(tmp_path / "b")]) == 2
        err = capsys.readouterr().err
        assert needle in err and err.strip().count("\n") == 0, (bundle, err)
    assert not (tmp_path / "b").exists()
