#!/bin/sh
# Speed of our miniz_oxide emulation (mkpatch recompress with a miniz-oxide recipe) against
# flate2/miniz_oxide itself (testdata/producers/rust-gzip, built offline against Debian's
# crates) and zlib -9 (mkpatch recompress with a zlib recipe) on the same tar, with a
# byte-for-byte check of ours against flate2's, then detection of the flate2-made files.
#
# Usage: bench/miniz-vs-flate2.sh [TARBALL.tar.gz] [LEVELS]
#   default: $DELTA_CORPUS/Django-5.1.tar.gz (61 MB of tar), levels "6 9".
# Needs: a release build, cargo and librust-flate2-dev, hyperfine, python3.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
mkpatch="$root/.build/release/mkpatch"
corpus=${DELTA_CORPUS:-$HOME/.cache/delta-corpus}
source=${1:-$corpus/Django-5.1.tar.gz}
levels=${2:-"6 9"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/cargo-home"
printf '[source.crates-io]\nreplace-with = "debian"\n[source.debian]\ndirectory = "/usr/share/cargo/registry"\n[net]\noffline = true\n' > "$work/cargo-home/config.toml"
cp -r "$root/testdata/producers/rust-gzip" "$work/src"
(cd "$work/src" && CARGO_HOME="$work/cargo-home" CARGO_TARGET_DIR="$work/target" cargo build --release --offline --quiet)
rust_gzip="$work/target/release/rust-gzip"
gzip -dc "$source" > "$work/input.tar"
echo "input: $(basename "$source") -> $(wc -c < "$work/input.tar") bytes of tar; flate2 1.0.25 on miniz_oxide 0.6.2"
cat > "$work/zlib9.json" <<JSON
{"format":"gzip","library":{"name":"zlib","version":"1.2.13"},"trailingZeroBytes":0,
 "gzip":{"deflater":"zlib","level":9,"memLevel":8,"strategy":"default","header":{"modificationTime":0,"operatingSystem":255,"extraFlags":2,"headerCRC":false,"isText":false}}}
JSON
echo "level  flate2_s  ours_s  zlib9_s  flate2/ours  zlib9/ours  identical"
for level in $levels; do
    xfl=0; [ "$level" -le 1 ] && xfl=4; [ "$level" -ge 9 ] && xfl=2
    cat > "$work/recipe$level.json" <<JSON
{"format":"gzip","library":{"name":"deltafetch-miniz-oxide","version":"miniz_oxide-0.6.2/1"},"trailingZeroBytes":0,
 "gzip":{"deflater":"miniz-oxide","level":$level,"header":{"modificationTime":0,"operatingSystem":255,"extraFlags":$xfl,"headerCRC":false,"isText":false}}}
JSON
    hyperfine --runs 3 --export-json "$work/h$level.json" --style none \
        "$rust_gzip $level < $work/input.tar > $work/rust$level.gz" \
        "$mkpatch recompress $work/input.tar --recipe $work/recipe$level.json -o $work/ours$level.gz --jobs 1" \
        "$mkpatch recompress $work/input.tar --recipe $work/zlib9.json -o $work/zlib9.gz --jobs 1" > /dev/null
    same=no; cmp -s "$work/rust$level.gz" "$work/ours$level.gz" && same=yes
    python3 - "$work/h$level.json" "$level" "$same" <<'PY'
import json, sys
r = [x["median"] for x in json.load(open(sys.argv[1]))["results"]]
print(f"{sys.argv[2]:>5}  {r[0]:8.2f}  {r[1]:6.2f}  {r[2]:7.2f}  {r[0] / r[1]:11.2f}  {r[2] / r[1]:10.2f}  {sys.argv[3]}")
PY
done

echo
echo "detection (mkpatch inspect --json minus --no-recipe) of flate2-made files"
for level in $levels; do
    file="$work/rust$level.gz"
    start=$(date +%s.%N)
    result=$("$mkpatch" inspect "$file" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); r=d["recipe"] or {}; g=r.get("gzip") or {}; print(d["reproducible"], g.get("deflater"), g.get("level"))')
    middle=$(date +%s.%N)
    "$mkpatch" inspect "$file" --json --no-recipe > /dev/null
    end=$(date +%s.%N)
    echo "flate2 level $level: $result  detection $(echo "($middle - $start) - ($end - $middle)" | bc) s"
done
