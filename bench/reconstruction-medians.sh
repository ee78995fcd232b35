#!/bin/bash
# Medians of N wall-clock runs, builds alternated run by run (the shared cores are noisy), of
# what a maintainer and a user wait for a reconstructed .gz, against the median of one zlib -9
# compression of the same content (`mkpatch recompress --jobs 1`, single-threaded):
#   inspect   `mkpatch inspect --reconstruction GOAL`: detection, analysis and the replay
#             that proves it, on every core;
#   replay    `mkpatch recompress --jobs $(nproc)` with the recipe that build found (the
#             output compared with the file every run);
#   unproven  inspect - replay: the analysis as `mkpatch create` runs it (create leaves the
#             proof to its rebuild of the whole file).
#
# Usage: BUILDS="label=path/to/mkpatch ..." [N=5] [GOAL=small|fast] \
#        bench/reconstruction-medians.sh CONTENT.tar FILE.gz...
#   each FILE.gz must decompress to CONTENT.tar; default BUILDS is this checkout's release build.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
builds=${BUILDS:-current=$root/.build/release/mkpatch}
runs=${N:-5}
goal=${GOAL:-small}
jobs=$(nproc)
content=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
median() { sort -g | awk '{ value[NR] = $1 } END { print value[int((NR + 1) / 2)] }'; }
wall() { /usr/bin/time -f %e "$@" 2>&1 > /dev/null | tail -n 1; }
first=${builds%% *}
reference=${first#*=}
cat > "$work/zlib9.json" <<JSON
{"format":"gzip","library":{"name":"zlib","version":"1.2.13"},"trailingZeroBytes":0,
 "gzip":{"deflater":"zlib","level":9,"memLevel":8,"strategy":"default","header":{"modificationTime":0,"operatingSystem":255,"extraFlags":2,"headerCRC":false,"isText":false}}}
JSON
z9=$(for _ in $(seq "$runs"); do wall "$reference" recompress "$content" --recipe "$work/zlib9.json" -o "$work/z9.gz" --jobs 1; done | median)
echo "content: $(basename "$content"), $(wc -c < "$content") bytes; goal $goal; $runs runs each; zlib -9 median $z9 s"
printf "%-22s %-10s %8s %8s %8s %10s %11s %9s %9s\n" file build inspect replay unproven inspect/z9 unproven/z9 replay/z9 recon_B
for file in "$@"; do
    for build in $builds; do
        label=${build%%=*}
        "${build#*=}" inspect "$file" --json --reconstruction "$goal" | python3 -c "
import json, sys
detection = json.load(sys.stdin)
json.dump(detection['recipe'], open('$work/$label.recipe.json', 'w'))
print(detection.get('reconstruction_bytes', 0))" > "$work/$label.bytes"
        : > "$work/$label.inspect"
        : > "$work/$label.replay"
    done
    for _ in $(seq "$runs"); do
        for build in $builds; do
            label=${build%%=*}
            mkpatch=${build#*=}
            wall "$mkpatch" inspect "$file" --json --reconstruction "$goal" >> "$work/$label.inspect"
            wall "$mkpatch" recompress "$content" --recipe "$work/$label.recipe.json" -o "$work/replayed.gz" \
                --jobs "$jobs" >> "$work/$label.replay"
            cmp -s "$work/replayed.gz" "$file" || { echo "$label: the replay of $file differs" >&2; exit 1; }
        done
    done
    for build in $builds; do
        label=${build%%=*}
        inspect=$(median < "$work/$label.inspect")
        replay=$(median < "$work/$label.replay")
        awk -v f="$(basename "$file")" -v b="$label" -v i="$inspect" -v r="$replay" -v z="$z9" \
            -v n="$(cat "$work/$label.bytes")" \
            'BEGIN { printf "%-22s %-10s %8.2f %8.2f %8.2f %10.2f %11.2f %9.2f %9s\n", f, b, i, r, i - r, i / z, (i - r) / z, r / z, n }'
    done
done
