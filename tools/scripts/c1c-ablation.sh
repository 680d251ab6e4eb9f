#!/usr/bin/env bash
# Explanation ablation of issue 13 part 3: how C1C's choices (method.md §7: the shrunk size and
# the binarisation threshold) change LRP-BN's faithfulness and mask, beside R alone and R ⊙ α'.
# Every variant is the SAME bundle (same ONNX graphs, symlinked) with another manifest `c1c`
# section; `crackcam evaluate` reads C1C from the manifest. SYNTHETIC data only here.
#
#   tools/scripts/c1c-ablation.sh BUNDLE DATA SPLIT OUT [LIMIT] [SUBSTRATES]
#
# e.g. tools/scripts/c1c-ablation.sh models/edge-synthetic data/families val out/c1c-val 120 road,black
# Writes OUT/<variant>/results.json (one evaluate run each) and OUT/table.md. Variants: env
# C1C_VARIANTS="size:threshold …" (default "14:mean 28:mean 56:mean 112:mean 28:0"; 28:mean is the shipped one),
# C1C_STEPS (Insertion/Deletion steps, default 16).
set -euo pipefail
bundle=${1:?bundle}; data=${2:?dataset root}; split=${3:?split}; out=${4:?output folder}
limit=${5:-120}; substrates=${6:-road,black}
steps=${C1C_STEPS:-16}   # Insertion/Deletion steps (16 = 784 px per step at 112x112, as docs/evaluation.md's runs)
jar=${CRACKCAM_JAR:-target/crackcam.jar}
[ -f "$jar" ] || { echo "c1c-ablation: $jar missing: mvn -B -q -DskipTests package" >&2; exit 2; }
py=/usr/bin/python3
mkdir -p "$out/bundles"
# variants: "size:threshold" (threshold mean = the map's mean, the paper's; a number = fixed)
read -r -a variants <<< "${C1C_VARIANTS:-14:mean 28:mean 56:mean 112:mean 28:0}"

variant() { # name size threshold -> bundle folder with that c1c section
  local dir="$out/bundles/$1"
  rm -rf "$dir"; mkdir -p "$dir"
  for f in "$bundle"/*; do
    [ "$(basename "$f")" = manifest.json ] || ln -s "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")" "$dir/"
  done
  "$py" - "$bundle/manifest.json" "$dir/manifest.json" "$2" "$3" <<'PY'
import json, sys
src, dst, size, thr = sys.argv[1:5]
m = json.load(open(src))
c = dict(m.get("c1c") or {"interpolation": "bilinear", "keep": "values"})
c["size"] = int(size)
c["threshold"] = thr if thr == "mean" else float(thr)
m["c1c"] = c
m["name"] = m.get("name", "bundle") + f"-c1c{size}-{thr}"
json.dump(m, open(dst, "w"), indent=2)
PY
}

run() { # name methods bundle-dir
  [ -f "$out/$1/results.json" ] && { echo "c1c-ablation: $1 done already"; return; }
  echo "c1c-ablation: $1 ($(date -u +%H:%M:%S))"
  java -jar "$jar" evaluate --bundle "$3" --data "$data" --split "$split" --limit "$limit" \
    --methods "$2" --substrate "$substrates" --steps "$steps" --out "$out/$1" --no-progress --threads 1 >"$out/$1.log" 2>&1
}

run baseline "lrp-bn,r-only,r-alpha,crack-mask,gradcam,abn" "$bundle"
for v in "${variants[@]}"; do
  s=${v%%:*}; t=${v#*:}
  name="c1c-$s-$t"
  variant "$name" "$s" "$t"
  run "$name" "lrp-bn,crack-mask" "$out/bundles/$name"
done

"$py" - "$out" "${variants[*]}" > "$out/table.md" <<'PY'
import json, os, sys
out, variants = sys.argv[1], [v.split(":") for v in sys.argv[2].split()]
def load(name):
    return json.load(open(os.path.join(out, name, "results.json")))["bundles"][0]
def row(b, method):
    m = next(x for x in b["methods"] if x["method"] == method)
    cells = []
    for c in m["curves"]:
        ids = [float(v) for v, t in zip(c["perImageId"], b["truthImages"]) if t and float(v) == float(v)]
        cells.append(f"{sum(ids) / len(ids):.3f}" if ids else "—")
    f1 = float(m["mask"]["f1"]) if m.get("mask") else float("nan")
    return cells, f1, [c["substrate"] for c in m["curves"]]
base = load("baseline")
print("SYNTHETIC data. ID on crack images with a mask (truth anchor's images); mask F1 = tolerant F1 of the map's mask vs the crack mask.\n")
_, _, subs = row(base, "truth")
print("| variant | method | " + " | ".join(f"ID {s}" for s in subs) + " | mask F1 |")
print("|---|---|" + "---|" * len(subs) + "---|")
for method in ["truth", "random", "r-only", "r-alpha", "abn", "gradcam", "lrp-bn", "crack-mask"]:
    cells, f1, _ = row(base, method)
    label = "shipped c1c" if method in ("lrp-bn", "crack-mask") else "—"
    print(f"| {label} | {method} | " + " | ".join(cells) + f" | {f1:.3f} |")
for s, t in variants:
    b = load(f"c1c-{s}-{t}")
    for method in ["lrp-bn", "crack-mask"]:
        cells, f1, _ = row(b, method)
        print(f"| size {s}, threshold {t} | {method} | " + " | ".join(cells) + f" | {f1:.3f} |")
PY
echo "c1c-ablation: table in $out/table.md"
