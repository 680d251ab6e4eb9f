"""SYNTHETIC GPS track (tools/data/gps_track.py): duration, speed, labelling; the shipped
models/demo/drive.gpx is what the script writes for the shipped drive."""
import json
import math
import shutil
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

from tools.data import gps_track as G

REPO = Path(__file__).resolve().parents[2]
NS = {"g": "http://www.topografix.com/GPX/1/1"}


def _points(path: Path):
    root = ET.parse(path).getroot()
    out = []
    for p in root.iterfind(".//g:trkpt", NS):
        t = datetime.strptime(p.find("g:time", NS).text, "%Y-%m-%dT%H:%M:%S.%fZ")
        out.append((t, float(p.get("lat")), float(p.get("lon"))))
    return root, out


def _haversine(a, b):
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dp, dl = p2 - p1, math.radians(b[1] - a[1])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * G.EARTH_RADIUS_M * math.asin(math.sqrt(h))


def test_track_spans_the_drive_at_its_speed_and_says_synthetic(tmp_path):
    drive = tmp_path / "drive"
    drive.mkdir()
    (drive / "truth.json").write_text(json.dumps({"synthetic": True, "fps": 15, "frame_count": 95,
                                                  "speed_mps": 7.5, "video": "drive.mp4"}))
    out = G.write(drive)
    root, pts = _points(out)
    assert out.name == "drive.gpx"
    assert abs((pts[-1][0] - pts[0][0]).total_seconds() - 95 / 15) <= 0.001   # ms in the GPX
    for a, b in zip(pts, pts[1:]):
        dt = (b[0] - a[0]).total_seconds()
        assert abs(_haversine(a[1:], b[1:]) - 7.5 * dt) < 0.02   # 1e-7 degree and 1 ms rounding
    meta = ET.tostring(root.find("g:metadata", NS), encoding="unicode")
    assert meta.count("SYNTHETIC") >= 3
    assert abs(pts[0][1]) < 0.01 and abs(pts[0][2]) < 0.01   # near Null Island: clearly not a road


def test_refuses_a_drive_not_marked_synthetic(tmp_path):
    (tmp_path / "truth.json").write_text(json.dumps({"fps": 15, "frame_count": 10, "speed_mps": 9}))
    try:
        G.write(tmp_path)
    except SystemExit as e:
        assert "SYNTHETIC" in str(e)
    else:
        raise AssertionError("a non-synthetic drive must be refused")


def test_shipped_demo_track_is_reproducible(tmp_path):
    shutil.copy(REPO / "models/demo/truth.json", tmp_path / "truth.json")
    assert G.write(tmp_path).read_text() == (REPO / "models/demo/drive.gpx").read_text()
