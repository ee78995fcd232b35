#!/usr/bin/env bash
# Recompression on 2 jobs against 1 (issue "Never slower"), on one content in one run.
#   bench/parallel-recompress.sh [CONTENT.tar.gz]   (default: the corpus's Django-5.0.7.tar.gz)
# For each target kind the content is compressed by the real tool (or is the upstream file),
# `mkpatch inspect --json` finds its recipe (with restart points for gzip), and rounds of
# times `mkpatch recompress --jobs 1` and `--jobs 2` side by side; every output is compared
# with the target byte for byte. Prints a Markdown table with the 2-job/1-job ratio; the
# issue's target is <= 0.6. Run it on idle cores: other load shrinks the second core.
# RUNS=N rounds per target (default 5), each a 1-job and a 2-job run back to back.
set -euo pipefail
cd "$(dirname "$0")/.."
source_file=${1:-${DELTA_CORPUS:-$HOME/.cache/delta-corpus}/Django-5.0.7.tar.gz}
[ -f "$source_file" ] || { echo "parallel-recompress: $source_file missing (run ../shared/corpus/fetch-corpus.sh)" >&2; exit 1; }
for tool in bc jq gzip bzip2 xz; do command -v $tool >/dev/null || { echo "parallel-recompress: $tool missing" >&2; exit 1; }; done
swift build -c release --product mkpatch >/dev/null
mkpatch=$PWD/.build/release/mkpatch
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
gzip -dc "$source_file" > "$work/content.tar"
size=$(stat -c %s "$work/content.tar")
cp "$source_file" "$work/upstream-zlib.tar.gz"
gzip -9 -n -c "$work/content.tar" > "$work/gnu-9.tar.gz"
gzip -6 -n -c "$work/content.tar" > "$work/gnu-6.tar.gz"
bzip2 -9 -c "$work/content.tar" > "$work/bzip2-9.tar.bz2"
xz -T2 -6 -c "$work/content.tar" > "$work/xz-T2-6.tar.xz"
xz -T2 -3 -c "$work/content.tar" > "$work/xz-T2-3.tar.xz"
echo "Content: $(basename "$source_file") uncompressed, $size bytes; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| target | how it splits | 1 job s (median) | 2 jobs s (median) | 2 jobs / 1 job (median of rounds) | range | identical |"
echo "|---|---|---:|---:|---:|---|---|"
seconds() { # wall seconds of a command
  local start end
  start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for target in upstream-zlib.tar.gz gnu-9.tar.gz gnu-6.tar.gz bzip2-9.tar.bz2 xz-T2-6.tar.xz xz-T2-3.tar.xz; do
  "$mkpatch" inspect --json "$work/$target" | jq .recipe > "$work/recipe.json"
  # Rounds of one 1-job run and one 2-job run back to back, after a warm-up: these cores'
  # speed drifts by 10-20 % from minute to minute (shared hosts), so each round's ratio is
  # taken apart and the median reported.
  "$mkpatch" recompress "$work/content.tar" --recipe "$work/recipe.json" -o "$work/out1" --jobs 2 >/dev/null
  : > "$work/rounds"
  for _ in $(seq "${RUNS:-5}"); do
    one=$(seconds "$mkpatch" recompress "$work/content.tar" --recipe "$work/recipe.json" -o "$work/out1" --jobs 1)
    two=$(seconds "$mkpatch" recompress "$work/content.tar" --recipe "$work/recipe.json" -o "$work/out2" --jobs 2)
    echo "$one $two $(echo "$two / $one" | bc -l)" >> "$work/rounds"
  done
  one=$(cut -d' ' -f1 "$work/rounds" | median); two=$(cut -d' ' -f2 "$work/rounds" | median)
  ratio=$(cut -d' ' -f3 "$work/rounds" | median)
  range=$(cut -d' ' -f3 "$work/rounds" | sort -g | awk 'NR == 1 { low = $1 } { high = $1 } END { printf "%.2f-%.2f", low, high }')
  same=no; cmp -s "$work/out1" "$work/$target" && cmp -s "$work/out2" "$work/$target" && same=yes
  how=$(jq -r '[.extensions[]? | select(.tag == 1)] | if length > 0 then "restart points" else "" end' "$work/recipe.json")
  case $target in *.bz2) how="bzip2 blocks" ;; *.xz) how="xz blocks" ;; esac
  [ -n "$how" ] || how="serial"
  printf '| %s | %s | %.2f | %.2f | %.2f | %s | %s |\n' "$target" "$how" "$one" "$two" "$ratio" "$range" "$same"
done
echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
