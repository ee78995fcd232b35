#!/usr/bin/env bash
# Where a rebuild's time goes, stage by stage, and what running the stages as a pipeline
# saves (issue "Never slower", §1).
#   bench/rebuild-stages.sh [OLD NEW] [JOBS]   (default: the corpus's Django 5.0.6 → 5.0.7, 2 jobs)
# Makes the patch (`mkpatch create`), then alternates `mkpatch rebuild --jobs JOBS` run one
# stage after another (`--sequential --stage-times`, which prints when each stage began) and
# as the pipeline, 5 times each, and prints the median seconds per stage and in all. Every
# output is compared with NEW byte for byte. Notes the load average: run it on idle cores.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${DELTA_CORPUS:-$HOME/.cache/delta-corpus}
old=${1:-$corpus/Django-5.0.6.tar.gz}
new=${2:-$corpus/Django-5.0.7.tar.gz}
jobs=${3:-2}
swift build -c release --product mkpatch >/dev/null
mkpatch=$PWD/.build/release/mkpatch
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$mkpatch" create "$old" "$new" -o "$work" >/dev/null
patch=$(ls "$work"/*.patch)
echo "$(basename "$old") → $(basename "$new"), --jobs $jobs; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for run in 1 2 3 4 5; do
  start=$(date +%s.%N)
  "$mkpatch" rebuild "$old" "$patch" -o "$work/sequential.out" --jobs "$jobs" --sequential --stage-times \
    2>"$work/sequential-$run.txt" >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l > "$work/wall-$run.txt"
  cmp -s "$work/sequential.out" "$new" || { echo "sequential output differs" >&2; exit 1; }
  rm -f "$work/sequential.out"
  start=$(date +%s.%N)
  "$mkpatch" rebuild "$old" "$patch" -o "$work/pipelined.out" --jobs "$jobs" >/dev/null
  end=$(date +%s.%N)
  cmp -s "$work/pipelined.out" "$new" || { echo "pipelined output differs" >&2; exit 1; }
  rm -f "$work/pipelined.out"
  echo "$end - $start" | bc -l > "$work/pipelined-$run.txt"
done
python3 - "$work" <<'PY'
import re, statistics, sys, glob
work = sys.argv[1]
stages = {"decompress base": [], "apply": [], "recompress + hash": []}
for path in sorted(glob.glob(f"{work}/sequential-*.txt")):
    marks = {}
    for line in open(path):
        m = re.match(r"([0-9.]+) s: (\w+)", line)
        if m: marks.setdefault(m.group(2), float(m.group(1)))
    start = marks.get("decompressingBase", 0.0)
    stages["decompress base"].append(marks["applying"] - start)
    stages["apply"].append(marks["recompressing"] - marks["applying"])
    stages["recompress + hash"].append(marks["done"] - marks["recompressing"])
walls = [float(open(p).read()) for p in glob.glob(f"{work}/wall-*.txt")]
pipelined = [float(open(p).read()) for p in glob.glob(f"{work}/pipelined-*.txt")]
print()
print("| stage | one after another s | pipelined s |")
print("|---|---:|---:|")
for name, values in stages.items():
    print(f"| {name} | {statistics.median(values):.2f} | overlapped |")
print(f"| whole command | {statistics.median(walls):.2f} | {statistics.median(pipelined):.2f} |")
PY
echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
