#!/bin/sh
# Speed of our zlib-ng emulation (mkpatch recompress with a zlib-ng recipe) against zlib-ng
# 2.3.3 itself (PyPI's zlib-ng module through testdata/producers/zlib-ng/make-vectors.py:
# GzipNGFile, 64 KiB writes, mtime 0) and against zlib -9 (mkpatch recompress with a zlib
# recipe) on the same tar, with a byte-for-byte check of ours against zlib-ng's; then the
# detection time of the zlib-ng-made files (mkpatch inspect).
#
# Usage: bench/zlibng-vs-zlibng.sh [TARBALL.tar.gz] [LEVELS]
#   default: $DELTA_CORPUS/Django-5.1.tar.gz (61 MB of tar), levels "9 6 1".
# Needs: a release build, hyperfine, python3 with `pip install zlib-ng` (1.1.0).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
mkpatch="$root/.build/release/mkpatch"
maker="$root/testdata/producers/zlib-ng/make-vectors.py"
corpus=${DELTA_CORPUS:-$HOME/.cache/delta-corpus}
source=${1:-$corpus/Django-5.1.tar.gz}
levels=${2:-"9 6 1"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

gzip -dc "$source" > "$work/input.tar"
echo "input: $(basename "$source") -> $(wc -c < "$work/input.tar") bytes of tar; zlib-ng $(python3 -c 'from zlib_ng import zlib_ng; print(zlib_ng.ZLIBNG_VERSION)')"
cat > "$work/zlib9.json" <<JSON
{"format":"gzip","library":{"name":"zlib","version":"1.2.13"},"trailingZeroBytes":0,
 "gzip":{"deflater":"zlib","level":9,"memLevel":8,"strategy":"default","header":{"modificationTime":0,"operatingSystem":255,"extraFlags":2,"headerCRC":false,"isText":false}}}
JSON
echo "level  zlibng_s  ours_s  zlib9_s  zlibng/ours  zlib9/ours  identical"
for level in $levels; do
    xfl=0; [ "$level" = 1 ] && xfl=4; [ "$level" = 9 ] && xfl=2
    # deflate-producer payload: code 5, generation 1, write size 65536 (varints).
    cat > "$work/recipe$level.json" <<JSON
{"format":"gzip","library":{"name":"deltafetch-zlib-ng","version":"zlib-ng-2.3.3/1"},"trailingZeroBytes":0,
 "gzip":{"deflater":"zlib-ng","level":$level,"header":{"modificationTime":0,"operatingSystem":255,"extraFlags":$xfl,"headerCRC":false,"isText":false}},
 "extensions":[{"tag":2,"required":true,"payload":"0501808004"}]}
JSON
    hyperfine --runs 3 --export-json "$work/h$level.json" --style none \
        "python3 $maker $level < $work/input.tar > $work/ng$level.gz" \
        "$mkpatch recompress $work/input.tar --recipe $work/recipe$level.json -o $work/ours$level.gz --jobs 1" \
        "$mkpatch recompress $work/input.tar --recipe $work/zlib9.json -o $work/zlib9.gz --jobs 1" > /dev/null
    same=no; cmp -s "$work/ng$level.gz" "$work/ours$level.gz" && same=yes
    python3 - "$work/h$level.json" "$level" "$same" <<'PY'
import json, sys
r = [x["median"] for x in json.load(open(sys.argv[1]))["results"]]
print(f"{sys.argv[2]:>5}  {r[0]:8.2f}  {r[1]:6.2f}  {r[2]:7.2f}  {r[0] / r[1]:11.2f}  {r[2] / r[1]:10.2f}  {sys.argv[3]}")
PY
done

echo
echo "detection (mkpatch inspect --json minus --no-recipe) of zlib-ng-made files"
for level in $levels; do
    file="$work/ng$level.gz"
    start=$(date +%s.%N)
    result=$("$mkpatch" inspect "$file" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); r=d["recipe"] or {}; g=r.get("gzip") or {}; print(d["reproducible"], g.get("deflater"), g.get("level"), d.get("recipe_kind"), d.get("reconstruction_bytes"))')
    middle=$(date +%s.%N)
    "$mkpatch" inspect "$file" --json --no-recipe > /dev/null
    end=$(date +%s.%N)
    echo "zlib-ng level $level: $result  detection $(echo "($middle - $start) - ($end - $middle)" | bc) s"
done
