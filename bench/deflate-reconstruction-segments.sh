#!/bin/sh
# Segmented deflate reconstruction (payload version 4): per producer, the compressed size, the
# reconstruction data `mkpatch inspect --json` finds (bytes and %), the same payload as one
# segment (bench/segment-sizes, which calls the library's analysis with the segment size
# unbounded), the analysis (inspect minus inspect --no-recipe) and the replay (`mkpatch
# recompress` with --jobs 1 and --jobs 2, checked byte for byte), wall and CPU seconds,
# against one zlib -9 compression of the same content (mkpatch recompress --jobs 1).
#
# Usage: [ONLY=prefix] [MKPATCH=path] bench/deflate-reconstruction-segments.sh [TARBALL.tar.gz]
#   default: $DELTA_CORPUS/Django-5.1.tar.gz. Needs release builds of mkpatch and of
#   bench/segment-sizes (cd bench/segment-sizes && swift build -c release), python3 with
#   zlib-ng and isal, libdeflate-gzip and 7zz. SEGMENT_SIZES=none skips the one-segment sizes;
#   WORK=dir keeps the files there and reuses those already made.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
mkpatch=${MKPATCH:-$root/.build/release/mkpatch}
sizes_tool=${SEGMENT_SIZES:-$root/bench/segment-sizes/.build/release/segment-sizes}
only=${ONLY:-}
corpus=${DELTA_CORPUS:-$HOME/.cache/delta-corpus}
source=${1:-$corpus/Django-5.1.tar.gz}
if [ -n "${WORK:-}" ]; then # kept, and files already made there reused
    work=$WORK
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi
[ -f "$work/input.tar" ] || gzip -dc "$source" > "$work/input.tar"
size=$(wc -c < "$work/input.tar")
echo "input: $(basename "$source") -> $size bytes of tar; $(nproc) cores"

timed() { # wall and CPU seconds (user + system) of a command: "wall cpu"
    /usr/bin/time -f '%e %U %S' "$@" 2> "$work/time" > /dev/null
    tail -n 1 "$work/time" | awk '{ printf "%.2f %.2f", $1, $2 + $3 }'
}
cat > "$work/zlib9.json" <<JSON
{"format":"gzip","library":{"name":"zlib","version":"1.2.13"},"trailingZeroBytes":0,
 "gzip":{"deflater":"zlib","level":9,"memLevel":8,"strategy":"default","header":{"modificationTime":0,"operatingSystem":255,"extraFlags":2,"headerCRC":false,"isText":false}}}
JSON
z9=$(timed "$mkpatch" recompress "$work/input.tar" --recipe "$work/zlib9.json" -o "$work/zlib9.gz" --jobs 1)
echo "zlib -9 (mkpatch recompress --jobs 1): wall/cpu $z9 s"

isal() { python3 -c "import sys, isal.igzip as g; sys.stdout.buffer.write(g.compress(sys.stdin.buffer.read(), $1, mtime=0))"; }
produce() { # name command...
    name=$1
    shift
    case $name in "$only"*) ;; *) return 0 ;; esac
    [ -f "$work/$name.gz" ] || "$@" < "$work/input.tar" > "$work/$name.gz"
}
produce isal-2 isal 2
produce 7zip-9 7zz a -tgzip -mx9 -si -so dummy
produce zlib-ng-6-uneven python3 "$root/testdata/producers/zlib-ng-uneven.py" 6
produce libdeflate-12 libdeflate-gzip -12 -c

for file in "$work"/*.gz; do
    name=$(basename "$file" .gz)
    [ "$name" = zlib9 ] && continue
    "$mkpatch" inspect "$file" --json > "$work/inspect.json"
    full=$(timed "$mkpatch" inspect "$file" --json)
    bare=$(timed "$mkpatch" inspect "$file" --json --no-recipe)
    python3 -c 'import json,sys; json.dump(json.load(open(sys.argv[1]))["recipe"], open(sys.argv[2], "w"))' \
        "$work/inspect.json" "$work/recipe.json"
    recon=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("reconstruction_bytes", 0))' "$work/inspect.json")
    layout=$(python3 - "$work/recipe.json" <<'PY'
import json, sys
recipe = json.load(open(sys.argv[1]))
payload = next((bytes.fromhex(e["payload"]) for e in recipe.get("extensions", []) if e["tag"] == 3), b"")
def varints(data, at, count):
    values = []
    for _ in range(count):
        value, shift = 0, 0
        while True:
            byte = data[at]; at += 1
            value |= (byte & 0x7F) << shift; shift += 7
            if byte < 0x80: break
        values.append(value)
    return values, at
if not payload: print("no payload"); sys.exit()
version = payload[0]
fields, at = varints(payload, 1, 8 if version >= 3 else 7)
flags = fields[7] if version >= 3 else 0
segments = varints(payload, at, 1)[0][0] if flags & 2 else 1
print(f"version {version}, mode {fields[6]}, {fields[2]} blocks, {segments} segments")
PY
)
    j1=$(timed "$mkpatch" recompress "$work/input.tar" --recipe "$work/recipe.json" -o "$work/out1.gz" --jobs 1)
    cmp -s "$work/out1.gz" "$file" || j1="$j1 MISMATCH"
    j2=$(timed "$mkpatch" recompress "$work/input.tar" --recipe "$work/recipe.json" -o "$work/out2.gz" --jobs 2)
    cmp -s "$work/out2.gz" "$file" || j2="$j2 MISMATCH"
    python3 - "$file" "$work/raw.deflate" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
flags, at = data[3], 10
if flags & 4: at += 2 + int.from_bytes(data[at:at + 2], "little")
for bit in (8, 16):
    if flags & bit: at = data.index(0, at) + 1
if flags & 2: at += 2
open(sys.argv[2], "wb").write(data[at:-8])
PY
    : > "$work/sizes.txt"
    [ -x "$sizes_tool" ] && "$sizes_tool" "$work/raw.deflate" "$work/input.tar" > "$work/sizes.txt"
    echo "== $name: $(wc -c < "$file") bytes compressed, reconstruction $recon bytes ($layout)"
    sed 's/^/   /' "$work/sizes.txt"
    python3 - "$(wc -c < "$file")" "$recon" "$full" "$bare" "$j1" "$j2" "$z9" "$work/sizes.txt" <<'PY'
import sys
comp, recon = int(sys.argv[1]), int(sys.argv[2])
full, bare, j1, j2, z9 = (sys.argv[i].split() for i in range(3, 8))
sizes = {l.split()[0]: int(l.split()[2]) for l in open(sys.argv[8])}
zw, zc = float(z9[0]), float(z9[1])
aw, ac = float(full[0]) - float(bare[0]), float(full[1]) - float(bare[1])
print(f"   recon {100 * recon / comp:.2f}% of the file")
if "one-segment" in sizes:
    one = sizes["one-segment"]
    print(f"   one segment {one} bytes: segments cost {recon - one:+d} bytes ({100 * (recon - one) / comp:+.4f}% of the file)")
print(f"   analysis wall {aw:.2f} s ({aw / zw:.2f} x z9 wall), cpu {ac:.2f} s ({ac / zc:.2f} x z9 cpu)")
for label, run in (("jobs 1", j1), ("jobs 2", j2)):
    w, c = float(run[0]), float(run[1])
    print(f"   replay {label}: wall {w:.2f} s ({w / zw:.2f} x z9), cpu {c:.2f} s ({c / zc:.2f} x z9)"
          + (" MISMATCH" if len(run) > 2 else ""))
PY
done
