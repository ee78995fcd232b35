#!/bin/sh
# Speed of our GNU gzip compatible deflate (mkpatch recompress with a gnu-gzip recipe) against
# the system's GNU gzip at each level, on the same input in the same run, plus a byte-for-byte
# check of the two outputs. Also times recipe detection (mkpatch inspect) per corpus file.
#
# Usage: bench/gnu-deflate-vs-gzip.sh [TARBALL.tar.gz] [LEVELS]
#   default: $DELTA_CORPUS/Django-5.1.tar.gz (61 MB of tar), levels "1 2 3 4 5 6 7 8 9".
# Needs: a release build (swift build -c release), gzip, hyperfine, python3.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
mkpatch="$root/.build/release/mkpatch"
corpus=${DELTA_CORPUS:-$HOME/.cache/delta-corpus}
source=${1:-$corpus/Django-5.1.tar.gz}
levels=${2:-"1 2 3 4 5 6 7 8 9"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

gzip -dc "$source" > "$work/input.tar"
echo "input: $(basename "$source") -> $(wc -c < "$work/input.tar") bytes of tar"
echo "level  gzip_s  ours_s  speed_ratio(gzip/ours)  identical"
for level in $levels; do
    xfl=0; [ "$level" = 1 ] && xfl=4; [ "$level" = 9 ] && xfl=2
    cat > "$work/recipe$level.json" <<JSON
{"format":"gzip","library":{"name":"deltafetch-gnu-deflate","version":"gzip-1.12/1"},"trailingZeroBytes":0,
 "gzip":{"deflater":"gnu-gzip","level":$level,"header":{"modificationTime":0,"operatingSystem":3,"extraFlags":$xfl,"headerCRC":false,"isText":false}}}
JSON
    hyperfine --runs 3 --export-json "$work/h$level.json" --style none \
        "gzip -n -$level < $work/input.tar > $work/gzip$level.gz" \
        "$mkpatch recompress $work/input.tar --recipe $work/recipe$level.json -o $work/ours$level.gz" > /dev/null
    same=no; cmp -s "$work/gzip$level.gz" "$work/ours$level.gz" && same=yes
    python3 - "$work/h$level.json" "$level" "$same" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
gzip, ours = results[0]["median"], results[1]["median"]
print(f"{sys.argv[2]:>5}  {gzip:6.2f}  {ours:6.2f}  {gzip / ours:21.2f}  {sys.argv[3]}")
PY
done

echo
echo "recipe detection (mkpatch inspect --json, includes digests; --no-recipe baseline)"
for file in "$corpus"/*.tar.* "$work/gzip6.gz"; do
    [ -f "$file" ] || continue
    start=$(date +%s.%N)
    result=$("$mkpatch" inspect "$file" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); r=d["recipe"] or {}; s=r.get("gzip") or r.get("xz") or r.get("bzip2") or {}; s.pop("header", None); print(d["reproducible"], s)')
    middle=$(date +%s.%N)
    "$mkpatch" inspect "$file" --json --no-recipe > /dev/null
    end=$(date +%s.%N)
    echo "$(basename "$file"): $result  total $(echo "$middle - $start" | bc) s, of which detection $(echo "($middle - $start) - ($end - $middle)" | bc) s"
done
