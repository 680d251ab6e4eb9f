"""RDD2022 → RDC builder on a miniature, SYNTHETIC RDD2022 tree created in tmp_path.

The images are synthetic (smooth random patterns with dark "crack" lines drawn with cv2);
the XML files follow the official Pascal VOC layout of RDD2022. Every defect the builder
must survive is planted on purpose and its count asserted to the image.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from tools.data import dedup, layout, rdd2022
from tools.data.rdd2022 import Options

W, H = 320, 240


def _pattern(seed: int) -> np.ndarray:
    """Synthetic road-like texture: low-frequency random field + fine noise, BGR uint8."""
    rng = np.random.default_rng(seed)
    low = rng.random((48, 64)).astype(np.float32)
    img = cv2.resize(low, (W, H), interpolation=cv2.INTER_CUBIC) * 150 + 50
    img = img + rng.normal(0, 6, (H, W)).astype(np.float32)
    img = np.clip(img, 0, 255).astype(np.uint8)
    return cv2.merge([img, img, img])


def _draw_crack(img: np.ndarray, box) -> None:
    x0, y0, x1, y1 = [int(v) for v in box]
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, img.shape[1]) - 1, min(y1, img.shape[0]) - 1
    if x1 > x0 and y1 > y0:
        cv2.line(img, (x0 + 2, y0 + 2), (x1 - 2, y1 - 2), (20, 20, 20), 2)


def _xml(filename: str, objects, size=(W, H)) -> str:
    objs = []
    for label, box in objects:
        coords = "".join(f"<{k}>{v}</{k}>" for k, v in zip(("xmin", "ymin", "xmax", "ymax"), box))
        objs.append(f"<object><name>{label}</name><pose>Unspecified</pose><truncated>0"
                    f"</truncated><difficult>0</difficult><bndbox>{coords}</bndbox></object>")
    return (f"<annotation><folder>images</folder><filename>{filename}</filename>"
            f"<size><width>{size[0]}</width><height>{size[1]}</height><depth>3</depth></size>"
            f"<segmented>0</segmented>{''.join(objs)}</annotation>")


def _add(country_dir: Path, stem: str, objects, seed: int, image=True, brighten=0,
         xml_text=None):
    img_dir = country_dir / "train" / "images"
    xml_dir = country_dir / "train" / "annotations" / "xmls"
    img_dir.mkdir(parents=True, exist_ok=True)
    xml_dir.mkdir(parents=True, exist_ok=True)
    if image:
        img = _pattern(seed)
        for label, box in objects:
            if label in ("D00", "D10", "D20"):
                try:
                    _draw_crack(img, [float(v) for v in box])
                except ValueError:
                    pass
        if brighten:
            img = np.clip(img.astype(np.int16) + brighten, 0, 255).astype(np.uint8)
        cv2.imwrite(str(img_dir / f"{stem}.jpg"), img, [cv2.IMWRITE_JPEG_QUALITY, 95])
    (xml_dir / f"{stem}.xml").write_text(xml_text if xml_text is not None
                                         else _xml(f"{stem}.jpg", objects))


# The miniature tree. Expected outcome per image (defaults: min side 16, 1 no-crack/image):
#   Japan_000001  D00 60x40 + D40 pothole + Repair box     -> 1 crack, 1 no-crack
#   Japan_000002  D10 partly outside (clipped to 40x40), D20 10x40 (small)
#                                                       -> 1 crack, 1 no-crack, 1 clipped
#   Japan_000003  D00 fully outside                     -> 0 crack, 1 no-crack
#   Japan_000004  malformed XML                         -> skip xml_malformed
#   Japan_000005  XML without image                     -> skip image_missing
#   Japan_000006  D00 50x30 + inverted box              -> 1 crack, 0 no-crack (untrusted)
#   Japan_000007  D00 30x50 + zero-size box             -> 1 crack, 1 no-crack
#   Japan_000008  garbage bytes as image                -> skip image_unreadable
#   Japan_000009  image without XML                     -> skip image_without_xml
#   Japan_000010  one D40 box covering the whole image  -> 0 crack, 0 no-crack (shortfall 1)
#   Japan_000011  D00 with a non-numeric coordinate + D10 40x60
#                                                       -> 1 crack, 0 no-crack, box_malformed
#   Japan test/images: 2 images                         -> ignored
#   Norway_000001 D00 70x40; Norway_000002 = same picture brightened by 12 (near-duplicate)
#   Norway_000003..000012 D00 boxes, distinct pictures  -> 1 crack + 1 no-crack each
#   China_Drone: one annotated image                    -> dropped
JAPAN = {
    "Japan_000001": [("D00", (40, 40, 100, 80)), ("D40", (200, 150, 260, 200)),
                     ("Repair", (150, 20, 300, 60))],
    "Japan_000002": [("D10", (280, 100, 360, 140)), ("D20", (20, 20, 30, 60))],
    "Japan_000003": [("D00", (400, 300, 450, 350))],
    "Japan_000006": [("D00", (60, 60, 110, 90)), ("D10", (200, 10, 150, 50))],
    "Japan_000007": [("D00", (10, 100, 40, 150)), ("D00", (70, 70, 70, 120))],
    "Japan_000010": [("D40", (0, 0, W, H))],
    "Japan_000011": [("D00", (10, "abc", 50, 60)), ("D10", (100, 100, 140, 160))],
}
NORWAY_SIZES = [(70, 40), (50, 30), (40, 60), (30, 50), (60, 40), (40, 40),
                (80, 30), (30, 80), (45, 45), (55, 35), (35, 55), (65, 25)]
N_NORWAY = 12


def _norway_box(i: int):
    w, h = NORWAY_SIZES[i % len(NORWAY_SIZES)]
    x0, y0 = 30 + 13 * i, 20 + 9 * i
    return (x0, y0, x0 + w, y0 + h)


def make_tree(base: Path) -> Path:
    root = base / "RDD2022"
    j = root / "Japan"
    for i, (stem, objs) in enumerate(JAPAN.items()):
        _add(j, stem, objs, seed=100 + i)
    _add(j, "Japan_000004", [], seed=4, xml_text="<annotation><object><name>D00</name")
    _add(j, "Japan_000005", [("D00", (10, 10, 60, 60))], seed=5, image=False)
    _add(j, "Japan_000008", [("D00", (10, 10, 60, 60))], seed=8, image=False)
    (j / "train" / "images" / "Japan_000008.jpg").write_bytes(b"this is not a jpeg" * 10)
    cv2.imwrite(str(j / "train" / "images" / "Japan_000009.jpg"), _pattern(9))
    (j / "test" / "images").mkdir(parents=True)
    for k in range(2):
        cv2.imwrite(str(j / "test" / "images" / f"Japan_t{k}.jpg"), _pattern(900 + k))
    n = root / "Norway"
    for i in range(N_NORWAY):
        stem = f"Norway_{i + 1:06d}"
        box = _norway_box(i)
        seed = 500 if i == 1 else 500 + i            # 000002 reuses 000001's picture ...
        _add(n, stem, [("D00", _norway_box(0) if i == 1 else box)], seed=seed,
             brighten=12 if i == 1 else 0)            # ... brightened: a near-duplicate
    _add(root / "China_Drone", "China_Drone_000001", [("D00", (10, 10, 80, 80))], seed=7)
    return root


EXPECTED_CRACK = {"Japan": 5, "Norway": N_NORWAY}                 # see the table above
EXPECTED_NOCRACK = {"Japan": 4, "Norway": N_NORWAY}
EXPECTED_SKIPS = {"xml_malformed": 1, "image_missing": 1, "image_unreadable": 1,
                  "image_without_xml": 1, "box_malformed": 1, "box_inverted": 1,
                  "box_empty": 1, "box_outside": 1, "crack_box_small": 1}
OPT = dict(val_fraction=0.2, test_fraction=0.25, seed=0)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("rdd")
    root = make_tree(base)
    out = base / "rdc"
    desc = rdd2022.build(root, out, Options(**OPT))
    rows = list(csv.DictReader(open(out / "crops.csv")))
    return root, out, desc, rows


def _boxes(root: Path, source: str):
    """Every annotated box of the source image as written by this test (ground truth)."""
    stem = Path(source).stem
    objs = JAPAN.get(stem)
    if objs is None:
        i = int(stem.split("_")[1]) - 1
        objs = [("D00", _norway_box(0) if i == 1 else _norway_box(i))]
    out = []
    for _, b in objs:
        try:
            out.append(tuple(float(v) for v in b))
        except ValueError:
            pass
    return out


def test_counts_to_the_image(built):
    root, out, desc, rows = built
    assert desc["totals"] == {"crack": 17, "no_crack": 16}
    for c in ("Japan", "Norway"):
        assert desc["per_country"][c].get("crack", 0) == EXPECTED_CRACK[c]
        assert desc["per_country"][c].get("no_crack", 0) == EXPECTED_NOCRACK[c]
    assert desc["skips"] == EXPECTED_SKIPS
    notes = desc["notes_counts"]
    assert notes["boxes_clipped"] == 1
    assert notes["test_images_ignored"] == 2
    assert notes["dropped_country_images"] == 1
    assert notes["nocrack_shortfall"] == 1                          # Japan_000010
    assert notes["images_without_nocrack_bad_box"] == 2            # 000006, 000011
    assert desc["countries"] == ["Japan", "Norway"]
    assert not any("China" in r["source"] for r in rows)
    # on disk = description = crops.csv
    on_disk = layout.count(out)
    assert on_disk == desc["counts"]
    assert sum(v for s in on_disk.values() for v in s.values()) == len(rows) == 33
    assert json.loads((out / "dataset.json").read_text())["source"] == "rdd2022-rdc"
    skipped = list(csv.DictReader(open(out / "skipped.csv")))
    assert len(skipped) == sum(EXPECTED_SKIPS.values())
    assert {r["reason"]: r["file"] for r in skipped}["image_missing"].endswith("Japan_000005.xml")


def test_crops_match_their_source_rectangles(built):
    root, out, desc, rows = built
    for r in rows:
        img = cv2.imread(str(out / r["split"] / r["class"] / (r["id"] + ".jpg")))
        src = cv2.imread(str(root / r["source"]))
        x, y, w, h = (int(r[k]) for k in "xywh")
        assert img.shape[:2] == (h, w)
        diff = np.abs(img.astype(int) - src[y:y + h, x:x + w].astype(int)).mean()
        assert diff < 6, (r["id"], diff)                            # JPEG round trip only


def test_crack_crops_are_the_boxes_clipped(built):
    root, out, desc, rows = built
    crack = {(Path(r["source"]).stem, int(r["x"]), int(r["y"]), int(r["w"]), int(r["h"]))
             for r in rows if r["class"] == "crack"}
    assert ("Japan_000001", 40, 40, 60, 40) in crack
    assert ("Japan_000002", 280, 100, 40, 40) in crack              # clipped at x = 320
    assert ("Japan_000011", 100, 100, 40, 60) in crack
    assert not any(s == "Japan_000003" for s, *_ in crack)          # outside: skipped
    assert not any(w < 16 or h < 16 for *_, w, h in crack)


def test_nocrack_crops_avoid_every_annotated_box(built):
    root, out, desc, rows = built
    nc = [r for r in rows if r["class"] == "no_crack"]
    assert nc
    for r in nc:
        x, y, w, h = (int(r[k]) for k in "xywh")
        for (bx0, by0, bx1, by1) in _boxes(root, r["source"]):
            if bx0 > bx1 or by0 > by1:
                continue                      # inverted: its image gives no no-crack crop
            overlap = bx0 < x + w and x < bx1 and by0 < y + h and y < by1
            assert not overlap, (r["id"], (x, y, w, h), (bx0, by0, bx1, by1))
    # the pothole / Repair image still gives one; the untrusted and covered ones give none
    srcs = [Path(r["source"]).stem for r in nc]
    assert "Japan_000001" in srcs
    assert not {"Japan_000006", "Japan_000010", "Japan_000011"} & set(srcs)


def test_nocrack_sizes_come_from_crack_sizes(built):
    root, out, desc, rows = built
    crack_sizes = {(int(r["w"]), int(r["h"])) for r in rows if r["class"] == "crack"}
    nc_sizes = [(int(r["w"]), int(r["h"])) for r in rows if r["class"] == "no_crack"]
    assert all(s in crack_sizes for s in nc_sizes), (nc_sizes, crack_sizes)
    assert len(set(nc_sizes)) > 3                     # drawn from the distribution, not one size


def test_splits_group_photos_and_keep_test_free_of_near_duplicates(built):
    root, out, desc, rows = built
    n = len(rows)
    t = desc["split_targets"]
    assert t == {"test": round(0.25 * n), "val": round(0.2 * n)}
    sizes = desc["splits"]
    assert sum(sizes.values()) == n
    # groups hold 1 or 2 crops and some singletons exist, so the greedy fill reaches both
    # targets exactly here (seed 0): 8 test, 7 val, the other 18 train
    assert sizes == {"train": 18, "val": 7, "test": 8}
    assert desc["counts"]["test"] == {c: sum(1 for r in rows if r["split"] == "test"
                                             and r["class"] == c) for c in layout.CLASSES}
    by_photo = {}
    for r in rows:
        by_photo.setdefault(r["source"], set()).add(r["split"])
    assert all(len(s) == 1 for s in by_photo.values())     # a photo never straddles splits
    # the deliberate near-duplicate pair is found and kept out of test
    split_of = {Path(k).stem: next(iter(v)) for k, v in by_photo.items()}
    assert split_of["Norway_000001"] != "test" and split_of["Norway_000002"] != "test"
    assert desc["near_duplicates"]["pairs_across_photos"] == 1       # the two crack crops
    assert desc["near_duplicates"]["crops_with_duplicate_elsewhere"] == 2
    assert desc["near_duplicates"]["photos_test_eligible"] == desc["near_duplicates"]["photos"] - 2
    # independent check on the written files: no test image is a near-duplicate of any
    # train/val image
    max_d = dedup.threshold_bits(256)

    def hashes(split_names):
        out_h = []
        for s in split_names:
            for smp in layout.list_samples(out, s):
                out_h.append(dedup.image_hash(layout.read_rgb(smp.image)))
        return dedup.pack(np.stack(out_h))

    test_h, rest_h = hashes(["test"]), hashes(["train", "val"])
    d = dedup.hamming(test_h[:, None, :], rest_h[None, :, :])
    assert d.min() > max_d
    # and the planted pair really is a near-duplicate on disk
    a = [r for r in rows if r["source"].endswith("Norway_000001.jpg") and r["class"] == "crack"]
    b = [r for r in rows if r["source"].endswith("Norway_000002.jpg") and r["class"] == "crack"]
    ha = dedup.image_hash(layout.read_rgb(out / a[0]["split"] / "crack" / (a[0]["id"] + ".jpg")))
    hb = dedup.image_hash(layout.read_rgb(out / b[0]["split"] / "crack" / (b[0]["id"] + ".jpg")))
    assert int(dedup.hamming(dedup.pack(ha), dedup.pack(hb))[0]) <= max_d


def test_deterministic_and_seed_dependent(built, tmp_path):
    root, out, desc, rows = built
    again = rdd2022.build(root, tmp_path / "again", Options(**OPT))
    rows2 = list(csv.DictReader(open(tmp_path / "again" / "crops.csv")))
    assert rows2 == rows and again["splits"] == desc["splits"]
    other = rdd2022.build(root, tmp_path / "other", Options(**{**OPT, "seed": 1}))
    rows3 = list(csv.DictReader(open(tmp_path / "other" / "crops.csv")))
    assert [r["x"] for r in rows3 if r["class"] == "no_crack"] != \
        [r["x"] for r in rows if r["class"] == "no_crack"]
    assert other["totals"]["crack"] == desc["totals"]["crack"]


def test_label_options(built, tmp_path):
    root, *_ = built
    # D40 counted as crack: Japan_000001's pothole becomes a crack crop; the whole-image
    # D40 of Japan_000010 too (240 x 320 box)
    d = rdd2022.build(root, tmp_path / "d40", Options(**{**OPT, "crack_labels": ("D00", "D10", "D20", "D40")}))
    assert d["totals"]["crack"] == 19
    # Repair ignored entirely: no longer avoided, nothing else changes in the counts
    d2 = rdd2022.build(root, tmp_path / "rep", Options(**{**OPT, "non_damage_labels": ("Repair",)}))
    assert d2["notes_counts"]["boxes_ignored_label"] == 1
    assert d2["totals"] == {"crack": 17, "no_crack": 16}


def test_crash_mid_way_leaves_no_dataset(built, tmp_path, monkeypatch):
    root, *_ = built
    calls = {"n": 0}
    real = rdd2022._crop_hash

    def flaky(*a, **k):
        calls["n"] += 1
        if calls["n"] == 7:
            raise RuntimeError("injected failure")
        return real(*a, **k)

    monkeypatch.setattr(rdd2022, "_crop_hash", flaky)
    out = tmp_path / "rdc"
    with pytest.raises(RuntimeError, match="injected"):
        rdd2022.build(root, out, Options(**OPT))
    assert not out.exists()
    assert not (tmp_path / "rdc.partial").exists()
    # an existing dataset survives a crashed --overwrite rebuild untouched
    monkeypatch.setattr(rdd2022, "_crop_hash", real)
    rdd2022.build(root, out, Options(**OPT))
    before = (out / "dataset.json").read_text()
    calls["n"] = 0
    monkeypatch.setattr(rdd2022, "_crop_hash", flaky)
    with pytest.raises(RuntimeError):
        rdd2022.build(root, out, Options(**OPT), overwrite=True)
    assert (out / "dataset.json").read_text() == before
    assert layout.count(out) == json.loads(before)["counts"]


def test_root_discovery_and_errors(built, tmp_path, capsys):
    root, *_ = built
    # the parent of RDD2022 is accepted
    assert rdd2022.find_rdd_root(root.parent)[0] == root
    # bad roots: one line, exit code 2
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "Japan.zip").write_bytes(b"PK")
    assert rdd2022.main(["--rdd-root", str(empty), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no RDD2022 country folder" in err[0] and "unzip" in err[0]
    assert rdd2022.main(["--rdd-root", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    assert "does not exist" in capsys.readouterr().err
    only_china = tmp_path / "cn"
    (only_china / "China_Drone" / "train" / "images").mkdir(parents=True)
    assert rdd2022.main(["--rdd-root", str(only_china), "--out", str(tmp_path / "o")]) == 2
    assert "none of the selected countries" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
    # existing output without --overwrite
    (tmp_path / "exists").mkdir()
    assert rdd2022.main(["--rdd-root", str(root), "--out", str(tmp_path / "exists")]) == 2
    assert "--overwrite" in capsys.readouterr().err


def test_cli_prints_paper_comparison_and_warnings(built, tmp_path, capsys):
    root, *_ = built
    rc = rdd2022.main(["--rdd-root", str(root.parent), "--out", str(tmp_path / "cli"),
                       "--val-fraction", "0.2", "--test-fraction", "0.25"])
    assert rc == 0
    cap = capsys.readouterr()
    assert "paper 47,513" in cap.out and "paper 3,897" in cap.out
    assert "crack images         17" in cap.out
    for reason, f in [("xml_malformed", "Japan_000004.xml"), ("image_missing", "Japan_000005.xml"),
                      ("image_unreadable", "Japan_000008.jpg"),
                      ("image_without_xml", "Japan_000009.jpg"),
                      ("box_outside", "Japan_000003.xml"), ("box_inverted", "Japan_000006.xml"),
                      ("box_empty", "Japan_000007.xml"), ("box_malformed", "Japan_000011.xml"),
                      ("box_clipped", "Japan_000002.xml")]:
        assert any(f in line and reason in line for line in cap.err.splitlines()), reason


def test_assign_splits_reproduces_paper_sizes():
    n = 47513 + 30430
    split, targets = rdd2022.assign_splits(np.ones(n, int), np.ones(n, bool),
                                           rdd2022.DEFAULT_VAL_FRACTION,
                                           rdd2022.DEFAULT_TEST_FRACTION, seed=0)
    assert np.bincount(split).tolist() == [66641, 7405, 3897]
    # only eligible groups go to test; groups stay whole
    rng = np.random.default_rng(0)
    sizes = rng.integers(1, 4, 500)
    elig = rng.random(500) < 0.3
    split, targets = rdd2022.assign_splits(sizes, elig, 0.1, 0.1, seed=3)
    assert not np.any((split == 2) & ~elig)
    assert sizes[split == 2].sum() <= targets["test"]
    assert sizes[split == 2].sum() >= targets["test"] - 2


def test_sample_nocrack_respects_tries_and_boxes():
    plan = rdd2022.ImagePlan("Japan", "Japan/x", Path("x.jpg"), "x.jpg", 100, 80)
    plan.damage = [(0, 0, 100, 40)]                              # top half is damage
    sizes = np.array([[20, 20], [30, 16]])
    opt = Options(nocrack_per_image=3, nocrack_tries=200)
    crops, tries = rdd2022.sample_nocrack(plan, sizes, opt)
    assert len(crops) == 3 and tries <= 200
    for c in crops:
        x0, y0, x1, y1 = c.rect
        assert y0 >= 40 and (x1 - x0, y1 - y0) in {(20, 20), (30, 16)}
    for i in range(3):                                           # and not each other
        for j in range(i + 1, 3):
            a, b = crops[i].rect, crops[j].rect
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])
    plan.damage = [(0, 0, 100, 80)]
    crops, tries = rdd2022.sample_nocrack(plan, sizes, Options(nocrack_tries=7))
    assert crops == [] and tries == 7


def test_workers_give_the_same_dataset(built, tmp_path):
    root, out, desc, rows = built
    d2 = rdd2022.build(root, tmp_path / "w2", Options(**{**OPT, "workers": 2}))
    assert list(csv.DictReader(open(tmp_path / "w2" / "crops.csv"))) == rows
    assert d2["splits"] == desc["splits"] and d2["skips"] == desc["skips"]
    for r in rows[:5]:
        rel = Path(r["split"]) / r["class"] / (r["id"] + ".jpg")
        assert (tmp_path / "w2" / rel).read_bytes() == (out / rel).read_bytes()


def test_module_entry_point(tmp_path):
    import subprocess
    import sys
    repo = Path(__file__).resolve().parents[2]
    h = subprocess.run([sys.executable, "-m", "tools.data.rdd2022", "--help"], cwd=repo,
                       capture_output=True, text=True)
    assert h.returncode == 0 and "--rdd-root" in h.stdout and "--overwrite" in h.stdout
    bad = subprocess.run([sys.executable, "-m", "tools.data.rdd2022", "--rdd-root",
                          str(tmp_path), "--out", str(tmp_path / "o")], cwd=repo,
                         capture_output=True, text=True)
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0 and bad.stderr.startswith("error: ")
