#!/usr/bin/env bash
# preflate's reconstruction figures for .gz files, to set beside `mkpatch inspect --json`'s
# `reconstruction_bytes` on the same files (issue 13 asks for both in one table).
#   bench/preflate-figures.sh FILE.gz...
# Per file: the compressed size, preflate's reconstruction data (its .r file) in bytes and as
# a share of the compressed file, and the seconds of its split and of its recombination
# (checked to give the deflate stream back). preflate reads raw deflate, so the gzip header
# and trailer are cut off first (one member only). Builds preflate with
# bench/lib/build-preflate.sh unless $PREFLATE names a binary.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
preflate=${PREFLATE:-$("$here/lib/build-preflate.sh")}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
printf '%-40s %12s %12s %8s %8s %8s\n' file compressed preflate_r share split_s merge_s
for gz in "$@"; do
    raw=$work/$(basename "$gz").raw
    python3 - "$gz" "$raw" <<'PY'
import sys, zlib
data = open(sys.argv[1], 'rb').read()
flags, pos = data[3], 10
if flags & 4: pos += 2 + int.from_bytes(data[pos:pos + 2], 'little')
for bit in (8, 16):
    if flags & bit: pos = data.index(0, pos) + 1
if flags & 2: pos += 2
inflater = zlib.decompressobj(-15)
inflater.decompress(data[pos:])
end = len(data) - len(inflater.unused_data)
open(sys.argv[2], 'wb').write(data[pos:end])
PY
    start=$(date +%s.%N)
    if ! "$preflate" -s "$raw" > "$work/log" 2>&1 || ! grep -q successful "$work/log"; then
        printf '%-40s %12s %12s\n' "$(basename "$gz")" "$(stat -c %s "$gz")" "failed: $(head -c 60 "$work/log" | tr '\n' ' ')"
        continue
    fi
    split=$(echo "$(date +%s.%N) - $start" | bc)
    cp "$raw" "$raw.orig"
    start=$(date +%s.%N)
    "$preflate" -r "$raw" > /dev/null 2>&1
    merge=$(printf '%.2f' "$(echo "$(date +%s.%N) - $start" | bc)")
    cmp -s "$raw" "$raw.orig" || merge="MISMATCH"
    compressed=$(stat -c %s "$gz"); recon=$(stat -c %s "$raw.r")
    printf '%-40s %12s %12s %7.2f%% %8.2f %8s\n' "$(basename "$gz")" "$compressed" "$recon" \
        "$(echo "100 * $recon / $compressed" | bc -l)" "$split" "$merge"
    rm -f "$raw"*
done
