#!/bin/sh
# Speed of our libdeflate emulation (mkpatch recompress with a libdeflate recipe) against
# libdeflate-gzip itself (Debian's libdeflate-tools 1.14) and against zlib -9 (mkpatch
# recompress with a zlib recipe) on the same tar, with a byte-for-byte check of ours against
# libdeflate's; then the detection time of the libdeflate-made files (mkpatch inspect) and of
# zlib -9's, and one zlib -9 compression for the issue's ratio.
#
# Usage: bench/libdeflate-vs-libdeflate.sh [TARBALL.tar.gz] [LEVELS]
#   default: $DELTA_CORPUS/Django-5.0.6.tar.gz (61 MB of tar), levels "6 1 9".
# Needs: a release build, hyperfine, libdeflate-gzip.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
mkpatch="$root/.build/release/mkpatch"
corpus=${DELTA_CORPUS:-$HOME/.cache/delta-corpus}
source=${1:-$corpus/Django-5.0.6.tar.gz}
levels=${2:-"6 1 9"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

gzip -dc "$source" > "$work/input.tar"
echo "input: $(basename "$source") -> $(wc -c < "$work/input.tar") bytes of tar; $(libdeflate-gzip -V | head -1)"
cat > "$work/zlib9.json" <<JSON
{"format":"gzip","library":{"name":"zlib","version":"1.2.13"},"trailingZeroBytes":0,
 "gzip":{"deflater":"zlib","level":9,"memLevel":8,"strategy":"default","header":{"modificationTime":0,"operatingSystem":255,"extraFlags":2,"headerCRC":false,"isText":false}}}
JSON
echo "level  libdeflate_s  ours_s  zlib9_s  ours/libdeflate  zlib9/ours  identical"
for level in $levels; do
    xfl=0; [ "$level" -lt 2 ] && xfl=4; [ "$level" -ge 8 ] && xfl=2
    # deflate-producer payload: code 6, generation 1 (varints).
    cat > "$work/recipe$level.json" <<JSON
{"format":"gzip","library":{"name":"deltafetch-libdeflate","version":"libdeflate-1.14/1"},"trailingZeroBytes":0,
 "gzip":{"deflater":"libdeflate","level":$level,"header":{"modificationTime":0,"operatingSystem":255,"extraFlags":$xfl,"headerCRC":false,"isText":false}},
 "extensions":[{"tag":2,"required":true,"payload":"0601"}]}
JSON
    hyperfine --runs 3 --export-json "$work/h$level.json" --style none \
        "libdeflate-gzip -$level -c $work/input.tar > $work/ld$level.gz" \
        "$mkpatch recompress $work/input.tar --recipe $work/recipe$level.json -o $work/ours$level.gz --jobs 1" \
        "$mkpatch recompress $work/input.tar --recipe $work/zlib9.json -o $work/zlib9.gz --jobs 1" > /dev/null
    same=no; cmp -s "$work/ld$level.gz" "$work/ours$level.gz" && same=yes
    python3 - "$work/h$level.json" "$level" "$same" <<'PY'
import json, sys
r = [x["median"] for x in json.load(open(sys.argv[1]))["results"]]
print(f"{sys.argv[2]:>5}  {r[0]:12.2f}  {r[1]:6.2f}  {r[2]:7.2f}  {r[1] / r[0]:15.2f}  {r[2] / r[1]:10.2f}  {sys.argv[3]}")
PY
done

echo
echo "detection (mkpatch inspect --json minus --no-recipe)"
for file in $(for level in $levels; do echo "$work/ld$level.gz"; done) "$work/zlib9.gz"; do
    start=$(date +%s.%N)
    result=$("$mkpatch" inspect "$file" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); r=d["recipe"] or {}; g=r.get("gzip") or {}; print(d["reproducible"], g.get("deflater"), g.get("level"), d.get("recipe_kind"), d.get("reconstruction_bytes"))')
    middle=$(date +%s.%N)
    "$mkpatch" inspect "$file" --json --no-recipe > /dev/null
    end=$(date +%s.%N)
    echo "$(basename "$file"): $result  detection $(echo "($middle - $start) - ($end - $middle)" | bc) s"
done
