"""SYNTHETIC drive (tools/data/drive.py): a short real MP4 through the real ffmpeg, decoded with
OpenCV; truth polygons compared with a frame rendered again from scratch."""
import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from tools.data import drive as D
from tools.data import render as R

SEED, SECONDS, SPEED, FAR = 3, 0.6, 9.0, 30.0   # shorter far field than the shipped drives (time)
REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg (Debian package) missing")


@pytest.fixture(scope="module")
def drive(tmp_path_factory):
    out = tmp_path_factory.mktemp("drive")
    road = D.build_road(SEED, D.road_length(SECONDS, SPEED, FAR))
    truth = D.generate(out, SEED, SECONDS, SPEED, progress=False, road=road, far_m=FAR)
    return out, truth, road


def _decode(path: Path):
    cap = cv2.VideoCapture(str(path))
    assert cap.isOpened(), path
    frames = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        frames.append(f)
    cap.release()
    return frames


def test_mp4_decodes_to_frame_count_and_size(drive):
    out, truth, _ = drive
    frames = _decode(out / "drive.mp4")
    assert len(frames) == truth["frame_count"] == round(SECONDS * D.FPS)
    assert all(f.shape == (540, 960, 3) for f in frames)


def test_truth_header(drive):
    out, truth, _ = drive
    t = json.loads((out / "truth.json").read_text())
    assert t["synthetic"] is True and "SYNTHETIC" in t["note"]
    assert t["fps"] == 15 and t["width"] == 960 and t["height"] == 540
    assert t["roi"]["x0"] == 0.125 and t["roi"]["y1"] == 0.9444
    assert t["roi"]["px"] == {"x0": 120, "y0": 270, "x1": 840, "y1": 510}
    assert t["grid"] == {"rows": 2, "cols": 6, "tile": 120}
    assert [f["index"] for f in t["frames"]] == list(range(t["frame_count"]))
    assert all(abs(f["t"] - f["index"] / 15) < 1e-6 for f in t["frames"])
    assert "SYNTHETIC" in (out / "README.md").read_text()


def test_polygons_inside_frame_and_ids_stable(drive):
    _, truth, _ = drive
    seen = {}
    n = 0
    for f in truth["frames"]:
        for c in f["cracks"]:
            n += 1
            for poly in c["polygons"] + c["holes"]:
                a = np.asarray(poly)
                assert a.ndim == 2 and a.shape[1] == 2
                assert (a[:, 0] >= 0).all() and (a[:, 0] < 960).all()
                assert (a[:, 1] >= 0).all() and (a[:, 1] < 540).all()
            x, y, w, h = c["bbox"]
            assert 0 <= x and 0 <= y and x + w <= 960 and y + h <= 540
            seen.setdefault(c["id"], []).append(f["index"])
    assert n > 0
    known = {c["id"] for c in truth["cracks"]}
    assert set(seen) == known
    # a crack stays visible over consecutive frames as the camera approaches it
    assert max(len(v) for v in seen.values()) >= 3


def test_polygons_match_rerendered_frame(drive):
    out, truth, road = drive
    frames = _decode(out / "drive.mp4")
    checked = 0
    for i in (0, len(truth["frames"]) // 2):
        v = D.render_frame(road, SEED, i, SPEED, FAR)
        ft = truth["frames"][i]
        assert {c["id"] for c in ft["cracks"]} == set(np.unique(v["ids"][v["ids"] > 0]).tolist())
        union = np.zeros(v["mask"].shape, bool)
        for c in ft["cracks"]:
            m = D.rasterize(c["polygons"], c["holes"], v["mask"].shape)
            mine = v["ids"] == c["id"]
            iou = (m & mine).sum() / max(1, (m | mine).sum())
            assert iou >= 0.99, (i, c["id"], iou)
            assert m.sum() == c["area_px"]
            union |= m
            checked += 1
        assert (union == v["mask"]).mean() > 0.999
        # the decoded video frame is the rendered frame (H.264 quality) and the truth pixels
        # are darker than their surroundings in it
        dec = frames[i].astype(np.float32)
        psnr = 10 * np.log10(255 ** 2 / np.mean((dec - v["bgr"]) ** 2))
        assert psnr > 28, psnr
        if union.sum() > 50:
            g = cv2.cvtColor(frames[i], cv2.COLOR_BGR2GRAY).astype(np.float32)
            ring = cv2.dilate(union.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool) & ~union
            assert g[ring].mean() - g[union].mean() > 5
    assert checked > 0


def test_tile_labels_follow_mask(drive):
    _, truth, road = drive
    v = D.render_frame(road, SEED, 0, SPEED, FAR)
    tiles = truth["frames"][0]["tiles"]
    assert len(tiles) == 12 and [(t["row"], t["col"]) for t in tiles] == [(r, c) for r in range(2) for c in range(6)]
    for t, (r, c, x0, y0, x1, y1) in zip(tiles, R.grid_tiles()):
        assert t["crack_px"] == int(v["mask"][y0:y1, x0:x1].sum())
        if t["label"] == "crack":
            assert t["crack_px"] >= R.CRACK_MIN_FRAC * 120 * 120
        if t["label"] == "no_crack":
            assert t["crack_px"] == 0


def test_render_frame_deterministic(drive):
    _, _, road = drive
    a = D.render_frame(road, SEED, 2, SPEED, FAR)["bgr"]
    b = D.render_frame(road, SEED, 2, SPEED, FAR)["bgr"]
    assert np.array_equal(a, b)
    fresh = D.build_road(SEED, D.road_length(SECONDS, SPEED, FAR))     # same seed, new road object
    for key in ("color", "cov", "ids", "kind"):
        assert np.array_equal(R.render_chunk(fresh, 2)[key], road.chunk(2)[key])


def test_cli_bad_input(tmp_path, capsys):
    assert D.main(["--out", str(tmp_path / "d"), "--seconds", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--seconds" in err[0]


@pytest.mark.parametrize("rel", ["models/demo", "src/test/resources/drives/e2e"])
def test_shipped_drives(rel):
    d = REPO / rel
    if not (d / "truth.json").exists():
        pytest.skip(f"{rel} not generated")
    t = json.loads((d / "truth.json").read_text())
    cap = cv2.VideoCapture(str(d / "drive.mp4"))
    assert cap.isOpened()
    assert int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)) == 960 and int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)) == 540
    n = 0
    while cap.grab():
        n += 1
    assert n == t["frame_count"] == len(t["frames"])
    assert t["synthetic"] is True
    assert sum(tl["label"] == "crack" for f in t["frames"] for tl in f["tiles"]) > 0


def test_crack_rate():
    """--crack-rate 0 gives a road without cracks (hard negatives kept); the default is the
    shipped drives' 0.85, so their roads are unchanged."""
    length = D.road_length(20, SPEED)
    default, same = D.build_road(7, length), D.build_road(7, length, 0.85)
    assert len(default.cracks) > 10
    assert [(c.kind, c.pieces[0][0].tolist()) for c in default.cracks] == \
        [(c.kind, c.pieces[0][0].tolist()) for c in same.cracks]
    clean = D.build_road(7, length, 0.0)
    assert clean.cracks == []
    assert sum(f.kind != "lane_paint" for f in clean.features) > 0


def test_cli_rejects_bad_crack_rate(tmp_path, capsys):
    assert D.main(["--out", str(tmp_path / "d"), "--crack-rate", "1.5"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--crack-rate" in err[0]


def test_family_drive_is_deterministic_and_differs_from_classic():
    """--family B renders the held-out style family: same seed → same frame; its look differs
    from the classic drive; the truth still comes from the crack layer."""
    L = D.road_length(0.2, SPEED, 20.0)
    a = D.render_frame(D.build_road(SEED, L, family="B"), SEED, 1, SPEED, 20.0, family="B")
    b = D.render_frame(D.build_road(SEED, L, family="B"), SEED, 1, SPEED, 20.0, family="B")
    c = D.render_frame(D.build_road(SEED, L), SEED, 1, SPEED, 20.0)
    assert np.array_equal(a["bgr"], b["bgr"]) and np.array_equal(a["mask"], b["mask"])
    assert not np.array_equal(a["bgr"], c["bgr"])
    road = D.build_road(SEED, L, family="B")
    assert road.surface.style == "concrete" and all(k.style == "walk" for k in road.cracks)
    assert D.camera_at(SEED, 0, SPEED, "B").height >= 2.0          # family B's high camera
    assert D.main(["--out", "/nonexistent-never-written", "--family", "Z"]) == 2
