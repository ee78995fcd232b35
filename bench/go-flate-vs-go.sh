#!/bin/sh
# Speed of our Go compress/flate emulation (mkpatch recompress with a go-flate recipe) against
# Go's own compress/gzip (testdata/producers/go-gzip, built with the go on PATH) and against
# zlib -9 (mkpatch recompress with a zlib recipe) on the same tar, with a byte-for-byte check
# of ours against Go's; then the detection time of a Go-made file (mkpatch inspect).
#
# Usage: bench/go-flate-vs-go.sh [TARBALL.tar.gz] [LEVELS]
#   default: $DELTA_CORPUS/Django-5.1.tar.gz (61 MB of tar), levels "1 6 9".
# Needs: a release build, go, hyperfine, python3.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
mkpatch="$root/.build/release/mkpatch"
corpus=${DELTA_CORPUS:-$HOME/.cache/delta-corpus}
source=${1:-$corpus/Django-5.1.tar.gz}
levels=${2:-"1 6 9"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$root/testdata/producers/go-gzip" && GOCACHE="$work/go-cache" GOTOOLCHAIN=local go build -o "$work/go-gzip" .)
gzip -dc "$source" > "$work/input.tar"
echo "input: $(basename "$source") -> $(wc -c < "$work/input.tar") bytes of tar; $(go version)"
cat > "$work/zlib9.json" <<JSON
{"format":"gzip","library":{"name":"zlib","version":"1.2.13"},"trailingZeroBytes":0,
 "gzip":{"deflater":"zlib","level":9,"memLevel":8,"strategy":"default","header":{"modificationTime":0,"operatingSystem":255,"extraFlags":2,"headerCRC":false,"isText":false}}}
JSON
echo "level  go_s  ours_s  zlib9_s  go/ours  zlib9/ours  identical"
for level in $levels; do
    xfl=0; [ "$level" = 1 ] && xfl=4; [ "$level" = 9 ] && xfl=2
    strategy=""; recipe_level=$level
    [ "$level" = -2 ] && { recipe_level=0; strategy=',"strategy":"huffmanOnly"'; }
    cat > "$work/recipe$level.json" <<JSON
{"format":"gzip","library":{"name":"deltafetch-go-flate","version":"go1.8-1.25/1"},"trailingZeroBytes":0,
 "gzip":{"deflater":"go-flate","level":$recipe_level$strategy,"header":{"modificationTime":0,"operatingSystem":255,"extraFlags":$xfl,"headerCRC":false,"isText":false}}}
JSON
    hyperfine --runs 3 --export-json "$work/h$level.json" --style none \
        "$work/go-gzip $level < $work/input.tar > $work/go$level.gz" \
        "$mkpatch recompress $work/input.tar --recipe $work/recipe$level.json -o $work/ours$level.gz --jobs 1" \
        "$mkpatch recompress $work/input.tar --recipe $work/zlib9.json -o $work/zlib9.gz --jobs 1" > /dev/null
    same=no; cmp -s "$work/go$level.gz" "$work/ours$level.gz" && same=yes
    python3 - "$work/h$level.json" "$level" "$same" <<'PY'
import json, sys
r = [x["median"] for x in json.load(open(sys.argv[1]))["results"]]
print(f"{sys.argv[2]:>5}  {r[0]:5.2f}  {r[1]:6.2f}  {r[2]:7.2f}  {r[0] / r[1]:7.2f}  {r[2] / r[1]:10.2f}  {sys.argv[3]}")
PY
done

echo
echo "detection (mkpatch inspect --json minus --no-recipe) of Go-made files"
for level in $levels; do
    file="$work/go$level.gz"
    start=$(date +%s.%N)
    result=$("$mkpatch" inspect "$file" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); r=d["recipe"] or {}; g=r.get("gzip") or {}; print(d["reproducible"], g.get("deflater"), g.get("level"))')
    middle=$(date +%s.%N)
    "$mkpatch" inspect "$file" --json --no-recipe > /dev/null
    end=$(date +%s.%N)
    echo "go level $level: $result  detection $(echo "($middle - $start) - ($end - $middle)" | bc) s"
done
