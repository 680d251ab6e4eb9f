#!/usr/bin/env bash
# Before/after timing of two crackcam jars on the SYNTHETIC demo drive, interleaved so that a
# change in the machine's load hits both alike (issue 15: "bench figures before/after: nothing
# slower; the service's frames/s on a file source at least the replay's").
#
# Per round, for each jar (the order alternates: old first in odd rounds, new first in even ones):
#   bench    java -jar JAR bench VIDEO --threads 1 --json --out F.json
#   replay   java -jar JAR replay VIDEO --threads 1 --no-progress --device bench --outbox DIR
#            (alerts made and stored in a fresh outbox, no broker; frames/s = summary.json's
#            processing_fps, the frame loop's own wall time)
#   replay-na  the same with --no-alerts
#   service  the service on the same file (kind: file, loop: false, realtime: false, every frame,
#            model.threads 1, no MQTT, no health port, outbox in a fresh folder), timed by
#            src/test/java/org/crackcam/bench/ServiceFileBench.java compiled against the jar:
#            frames processed (the service's metrics) / wall time of ServiceRunner.run()
# Every run records /proc/loadavg before it starts. Prints a table of medians and new/old ratios.
#
# Usage (from the repository root):
#   tools/scripts/bench-before-after.sh [--rounds N] [--old-jar JAR | --old-ref REV] [--new-jar JAR]
#                                       [--video FILE] [--bundle DIR] [--out DIR]
#                                       [--kinds "bench replay replay-na service"] [--report-only]
# Defaults: 3 rounds; the old jar is built from --old-ref (default 39d9f24~1, the commit before
# the one-loop change) in a temporary detached worktree; the new jar is target/crackcam.jar
# (build it first: mvn -B -q -o -DskipTests package). --kinds runs only some of the four;
# --report-only prints the table again from the runs already in --out. The table has the medians
# of each version's runs and, since the load drifts, the median of the per-round ratios (each
# new run against the old run of the same round, run right before or after it).
# Exit 2 on a bad argument, 1 when a run fails.
set -euo pipefail

rounds=3
old_jar=""
old_ref="39d9f24~1"
new_jar="target/crackcam.jar"
video="models/demo/drive.mp4"
bundle="models/edge-synthetic"
out=""
kinds="bench replay replay-na service"
report_only=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --old-jar) old_jar="$2"; shift 2 ;;
    --old-ref) old_ref="$2"; shift 2 ;;
    --new-jar) new_jar="$2"; shift 2 ;;
    --video) video="$2"; shift 2 ;;
    --bundle) bundle="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --kinds) kinds="$2"; shift 2 ;;
    --report-only) report_only=1; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "bench-before-after: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "bench-before-after: --rounds must be a positive integer, got $rounds" >&2; exit 2; }
for k in $kinds; do
  case "$k" in bench|replay|replay-na|service) ;; *) echo "bench-before-after: unknown kind $k in --kinds" >&2; exit 2 ;; esac
done
if (( report_only )); then
  [[ -n "$out" && -f "$out/runs.tsv" ]] || { echo "bench-before-after: --report-only needs --out DIR with a runs.tsv" >&2; exit 2; }
fi
[[ -f "$new_jar" ]] || { echo "bench-before-after: new jar $new_jar not found (mvn -B -q -o -DskipTests package)" >&2; exit 2; }
[[ -f "$video" ]] || { echo "bench-before-after: video $video not found" >&2; exit 2; }
[[ -f "$bundle/manifest.json" ]] || { echo "bench-before-after: bundle $bundle has no manifest.json" >&2; exit 2; }

out="${out:-$(mktemp -d -t crackcam-bench-XXXXXX)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
video="$(cd "$(dirname "$video")" && pwd)/$(basename "$video")"
bundle="$(cd "$bundle" && pwd)"
new_jar="$(cd "$(dirname "$new_jar")" && pwd)/$(basename "$new_jar")"

runs="$out/runs.tsv"
if (( ! report_only )); then
if [[ -z "$old_jar" ]]; then
  wt="$out/old-worktree"
  echo "building the old jar from $old_ref in $wt" >&2
  git worktree add --detach "$wt" "$old_ref" >&2
  (cd "$wt" && mvn -B -q -o -DskipTests package >&2)
  old_jar="$wt/target/crackcam.jar"
fi
[[ -f "$old_jar" ]] || { echo "bench-before-after: old jar $old_jar not found" >&2; exit 2; }
old_jar="$(cd "$(dirname "$old_jar")" && pwd)/$(basename "$old_jar")"

# the service harness, compiled once per jar against that jar's classes
src="$(cd "$(dirname "$0")/../.." && pwd)/src/test/java/org/crackcam/bench/ServiceFileBench.java"
for v in old new; do
  jar_var="${v}_jar"
  mkdir -p "$out/harness-$v"
  javac -nowarn -cp "${!jar_var}" -d "$out/harness-$v" "$src"
done

unset CRACKCAM_BROKER

one() { # one VERSION KIND ROUND
  local v="$1" kind="$2" r="$3" jar dir load t0 t1
  jar="${v}_jar"; jar="${!jar}"
  dir="$out/r$r-$v-$kind"
  rm -rf "$dir"; mkdir -p "$dir"
  load="$(cut -d' ' -f1-3 /proc/loadavg)"
  t0=$(date +%s.%N)
  case "$kind" in
    bench)
      java -jar "$jar" bench "$video" --bundle "$bundle" --threads 1 --json --out "$dir/bench.json" \
        > "$dir/stdout" 2> "$dir/stderr" ;;
    replay)
      java -jar "$jar" replay "$video" --bundle "$bundle" --threads 1 --no-progress --device bench \
        --outbox "$dir/outbox" --out "$dir/replay" > "$dir/stdout" 2> "$dir/stderr" ;;
    replay-na)
      java -jar "$jar" replay "$video" --bundle "$bundle" --threads 1 --no-progress --no-alerts \
        --out "$dir/replay" > "$dir/stdout" 2> "$dir/stderr" ;;
    service)
      cat > "$dir/service.yaml" <<EOF
device:
  id: bench
camera:
  kind: file
  url: $video
  loop: false
  realtime: false
model:
  bundle: $bundle
  threads: 1
  state_dir: state
sampling:
  mode: every_frames
  every_frames: 1
mqtt:
  enabled: false
outbox:
  dir: outbox
health:
  enabled: false
EOF
      java -cp "$jar:$out/harness-$v" org.crackcam.bench.ServiceFileBench "$dir/service.yaml" \
        > "$dir/stdout" 2> "$dir/stderr" ;;
  esac
  t1=$(date +%s.%N)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$v" "$kind" "$load" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" "$dir" >> "$runs"
  echo "round $r $v $kind done (load $load)" >&2
}

# rounds go on after those already in --out (a second call adds rounds, e.g. of one kind)
first=1
if [[ -s "$runs" ]]; then first=$(( $(cut -f1 "$runs" | sort -n | tail -1) + 1 )); fi
for r in $(seq "$first" $(( first + rounds - 1 ))); do
  if (( r % 2 == 1 )); then order="old new"; else order="new old"; fi
  for kind in $kinds; do
    for v in $order; do
      one "$v" "$kind" "$r" || { echo "bench-before-after: round $r $v $kind failed; see $out/r$r-$v-$kind/stderr" >&2; exit 1; }
    done
  done
done
fi

python3 - "$runs" "$old_jar" "$new_jar" <<'PY'
import json, statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
vals = {}  # (figure, version) -> {round: value}
figs = []
loads = []
def add(fig, v, r, x):
    if fig not in figs:
        figs.append(fig)
    vals.setdefault((fig, v), {})[r] = x
for r, v, kind, load, cmd_s, d in rows:
    r = int(r)
    loads.append(float(load.split()[0]))
    if kind == "bench":
        b = json.load(open(d + "/bench.json"))
        add("bench: all frames, frames/s", v, r, b["throughput"]["pipeline_all_frames_per_s"])
        add("bench: pipeline wall s (300 frames)", v, r, b["pipeline_wall_s"])
        add("bench: crack-free frame p50 ms", v, r, b["stages"]["pipeline_clean_frame"]["p50_ms"])
        add("bench: ABN p50 ms", v, r, b["stages"]["abn"]["p50_ms"])
        add("bench: relevance per flagged tile ms", v, r, b["relevance_vs_abn"]["pipeline_relevance_per_flagged_tile_ms"])
        add("bench: bare ORT loop frames/s (load gauge)", v, r, b["throughput"]["bare_ort_loop_frames_per_s"])
        add("bench: VmHWM MiB", v, r, b["memory"]["vm_hwm_mib"])
    elif kind in ("replay", "replay-na"):
        s = json.load(open(d + "/replay/summary.json"))
        if s.get("error") or s["frames_processed"] != s["frames_decoded"]:
            print(f"WARNING round {r} {v} {kind}: frames {s['frames_processed']} of {s['frames_decoded']}, error {s.get('error')}")
        tag = "replay (alerts to outbox)" if kind == "replay" else "replay --no-alerts"
        add(tag + ": loop frames/s", v, r, s["processing_fps"])
        add(tag + ": whole command s", v, r, float(cmd_s))
    elif kind == "service":
        j = json.loads([l for l in open(d + "/stdout") if l.startswith("{")][-1])
        if j["frames_processed"] != j["frames_captured"] or j["errors"]:
            print(f"WARNING round {r} {v} service: {j}")
        add("service (file camera): loop frames/s", v, r, j["processing_fps"])
        add("service (file camera): frames processed", v, r, j["frames_processed"])
        add("service (file camera): whole command s", v, r, float(cmd_s))
def fmt(x):
    return f"{x:.3g}" if abs(x) < 100 else f"{x:.0f}"
def paired(a, b):  # per-round b/a for the rounds that have both
    return [b[k] / a[k] for k in sorted(a) if k in b]
print(f"old jar: {sys.argv[2]}\nnew jar: {sys.argv[3]}")
print(f"runs: {len(rows)}, load average (1 min) at the start of each run: min {min(loads):.2f}, "
      f"median {statistics.median(loads):.2f}, max {max(loads):.2f}")
print()
print("| figure | old: median (runs) | new: median (runs) | new / old: medians | new / old: median of per-round ratios (min–max) |")
print("|---|---|---|---|---|")
for f in figs:
    o, n = vals.get((f, "old"), {}), vals.get((f, "new"), {})
    if not o or not n:
        continue
    mo, mn = statistics.median(o.values()), statistics.median(n.values())
    pr = paired(o, n)
    print(f"| {f} | **{fmt(mo)}** ({', '.join(fmt(o[k]) for k in sorted(o))}) "
          f"| **{fmt(mn)}** ({', '.join(fmt(n[k]) for k in sorted(n))}) | {mn / mo:.3f} "
          f"| {statistics.median(pr):.3f} ({min(pr):.2f}–{max(pr):.2f}) |")
sv = vals.get(("service (file camera): loop frames/s", "new"), {})
for tag in ("replay (alerts to outbox)", "replay --no-alerts"):
    rp = vals.get((tag + ": loop frames/s", "new"), {})
    common = sorted(k for k in rp if k in sv)  # the rounds that ran both
    if common:
        ms, mr = statistics.median(sv[k] for k in common), statistics.median(rp[k] for k in common)
        print(f"new: service / {tag}, loop frames/s, rounds {common[0]}-{common[-1]}: medians {ms:.1f} / {mr:.1f} "
              f"= {ms / mr:.3f}; per round: {', '.join(f'{sv[k] / rp[k]:.3f}' for k in common)}")
PY
echo "outputs: $out" >&2
