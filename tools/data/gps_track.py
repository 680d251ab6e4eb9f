"""SYNTHETIC GPS track for a SYNTHETIC drive (tools/data/drive.py).

Reads the drive's ``truth.json`` (frame rate, frame count, speed) and writes a GPX 1.1 track
beside the MP4 with one fix per second: a straight road driven at the drive's speed from an
origin near 0°N 0°E ("Null Island", in the Gulf of Guinea: clearly not a real road), with
speed and course in GPX 1.0-style extension elements, which ``position.GpxReader`` reads.
The GPX ``metadata`` says SYNTHETIC in its name, description and keywords.

    /usr/bin/python3 -m tools.data.gps_track --drive models/demo

``crackcam demo`` picks up ``drive.gpx`` beside ``drive.mp4`` and puts the positions into its
alerts, so the road office (``crackcam office``) shows the demo's cracks on a map.
"""
from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import List, Tuple
from xml.sax.saxutils import escape

EARTH_RADIUS_M = 6_371_008.8   # mean radius, the same as position/Geo.java


@dataclass(frozen=True)
class TrackConfig:
    origin_lat: float = 0.0010          # degrees; near Null Island on purpose (SYNTHETIC)
    origin_lon: float = 0.0010
    course_deg: float = 45.0            # from true north, clockwise
    start: str = "2026-01-01T08:00:00Z" # UTC of the first frame (fixed: the file is reproducible)
    step_s: float = 1.0                 # one fix per second, like a consumer GNSS receiver


def destination(lat: float, lon: float, course_deg: float, metres: float) -> Tuple[float, float]:
    """Great-circle destination from (lat, lon) after ``metres`` on ``course_deg``."""
    d = metres / EARTH_RADIUS_M
    th = math.radians(course_deg)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(th))
    l2 = l1 + math.atan2(math.sin(th) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), math.degrees(l2)


def fixes(seconds: float, speed_mps: float, cfg: TrackConfig) -> List[Tuple[float, float, float]]:
    """(t_s, lat, lon) from 0 to the end of the drive inclusive, every ``step_s``."""
    n = int(math.ceil(seconds / cfg.step_s - 1e-9))
    out = []
    for i in range(n + 1):
        t = min(i * cfg.step_s, seconds)
        lat, lon = destination(cfg.origin_lat, cfg.origin_lon, cfg.course_deg, speed_mps * t)
        out.append((t, lat, lon))
    return out


def gpx(points: List[Tuple[float, float, float]], speed_mps: float, cfg: TrackConfig, video: str) -> str:
    t0 = datetime.strptime(cfg.start, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    desc = (f"SYNTHETIC track for the SYNTHETIC drive {video}: a straight road at {speed_mps:g} m/s "
            f"on course {cfg.course_deg:g} deg from {cfg.origin_lat:g},{cfg.origin_lon:g} (near Null Island). "
            "Not a real place or drive. Written by tools/data/gps_track.py.")
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<gpx version="1.1" creator="crackcam tools/data/gps_track.py (SYNTHETIC)" '
             'xmlns="http://www.topografix.com/GPX/1/1">',
             '  <metadata>',
             f'    <name>SYNTHETIC {escape(video)} track</name>',
             f'    <desc>{escape(desc)}</desc>',
             f'    <time>{cfg.start}</time>',
             '    <keywords>SYNTHETIC</keywords>',
             '  </metadata>',
             '  <trk>',
             '    <name>SYNTHETIC</name>',
             '    <trkseg>']
    for t, lat, lon in points:
        when = (t0 + timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        lines.append(f'      <trkpt lat="{lat:.7f}" lon="{lon:.7f}"><time>{when}</time>'
                     f'<extensions><speed>{speed_mps:g}</speed><course>{cfg.course_deg:g}</course></extensions>'
                     '</trkpt>')
    lines += ['    </trkseg>', '  </trk>', '</gpx>', '']
    return "\n".join(lines)


def write(drive_dir: Path, cfg: TrackConfig = TrackConfig()) -> Path:
    truth = json.loads((drive_dir / "truth.json").read_text())
    if not truth.get("synthetic", False):
        raise SystemExit(f"{drive_dir}/truth.json does not say synthetic: this tool only tracks SYNTHETIC drives")
    seconds = truth["frame_count"] / truth["fps"]
    speed = float(truth["speed_mps"])
    video = truth.get("video", "drive.mp4")
    out = drive_dir / (Path(video).stem + ".gpx")
    out.write_text(gpx(fixes(seconds, speed, cfg), speed, cfg, video))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--drive", type=Path, default=Path("models/demo"), help="folder with truth.json and the MP4")
    ap.add_argument("--origin", type=float, nargs=2, metavar=("LAT", "LON"),
                    default=(TrackConfig.origin_lat, TrackConfig.origin_lon))
    ap.add_argument("--course", type=float, default=TrackConfig.course_deg, help="degrees from true north")
    a = ap.parse_args(argv)
    out = write(a.drive, TrackConfig(origin_lat=a.origin[0], origin_lon=a.origin[1], course_deg=a.course))
    print(f"wrote {out} (SYNTHETIC)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
