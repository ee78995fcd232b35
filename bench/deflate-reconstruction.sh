#!/bin/sh
# Deflate reconstruction per producer: the content of a tarball compressed by every gzip
# producer no exact recipe reproduces, then for each file its compressed size, the
# reconstruction data `mkpatch inspect --json` finds (bytes and % of the file), the analysis
# time (inspect minus inspect --no-recipe, CPU seconds; "unproven" without the one replay that
# inspect's search makes to prove a reconstruction and `mkpatch create` leaves to its proof of
# the rebuilt file) and the replay time (`mkpatch
# recompress --jobs 1` with the found recipe, which checks the rebuild byte for byte), against
# one zlib -9 compression of the same content through `mkpatch recompress`.
#
# CLOCK=wall times wall-clock seconds instead, with the analysis and the replay on every core
# (`--jobs` at its default) against the same single-threaded zlib -9: what a maintainer and a
# user wait on this machine.
#
# Usage: [ONLY=prefix] [MKPATCH=path] [GOAL=fast|small] [CLOCK=cpu|wall] bench/deflate-reconstruction.sh [TARBALL.tar.gz]
#   default: $DELTA_CORPUS/Django-5.1.tar.gz, or testdata/six-1.17.0.tar.gz when absent.
#   ONLY=isal runs only the producers whose names start so; MKPATCH times another build;
#   GOAL=small analyses with `--reconstruction small` (the optimal parse for 7-Zip, zopfli
#   and libdeflate -10 to -12).
# Needs: a release build (swift build -c release), python3 with zlib-ng and isal (pip), and
# Debian's libdeflate-tools, 7zip, zopfli, busybox and pigz. zopfli is skipped over 20 MB of
# content (it takes minutes per MB).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
mkpatch=${MKPATCH:-$root/.build/release/mkpatch}
only=${ONLY:-}
goal=${GOAL:-fast}
clock=${CLOCK:-cpu}
replayJobs=1
[ "$clock" = wall ] && replayJobs=$(nproc)
corpus=${DELTA_CORPUS:-$HOME/.cache/delta-corpus}
source=${1:-$corpus/Django-5.1.tar.gz}
[ -f "$source" ] || source="$root/testdata/six-1.17.0.tar.gz"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gzip -dc "$source" > "$work/input.tar"
size=$(wc -c < "$work/input.tar")
echo "input: $(basename "$source") -> $size bytes of tar; reconstruction for $goal; $clock seconds"

cpu() { # CPU seconds (user + system) of a command, or with CLOCK=wall its wall-clock seconds
    /usr/bin/time -f '%U %S %e' "$@" 2> "$work/time" > /dev/null
    if [ "$clock" = wall ]; then
        tail -n 1 "$work/time" | awk '{ printf "%.2f", $3 }'
    else
        tail -n 1 "$work/time" | awk '{ printf "%.2f", $1 + $2 }'
    fi
}
cat > "$work/zlib9.json" <<JSON
{"format":"gzip","library":{"name":"zlib","version":"1.2.13"},"trailingZeroBytes":0,
 "gzip":{"deflater":"zlib","level":9,"memLevel":8,"strategy":"default","header":{"modificationTime":0,"operatingSystem":255,"extraFlags":2,"headerCRC":false,"isText":false}}}
JSON
zlib9=$(cpu "$mkpatch" recompress "$work/input.tar" --recipe "$work/zlib9.json" -o "$work/zlib9.gz" --jobs 1)
echo "zlib -9 (mkpatch recompress --jobs 1): $zlib9 s"

ng() { python3 -c "import sys, zlib_ng.gzip_ng as g; sys.stdout.buffer.write(g.compress(sys.stdin.buffer.read(), $1, mtime=0))"; }
isal() { python3 -c "import sys, isal.igzip as g; sys.stdout.buffer.write(g.compress(sys.stdin.buffer.read(), $1, mtime=0))"; }
produce() { # name command...
    name=$1
    shift
    case $name in "$only"*) ;; *) return 0 ;; esac
    "$@" < "$work/input.tar" > "$work/$name.gz"
}
produce libdeflate-1 libdeflate-gzip -1 -c
produce libdeflate-6 libdeflate-gzip -6 -c
produce libdeflate-12 libdeflate-gzip -12 -c
produce zlib-ng-1 ng 1
produce zlib-ng-6 ng 6
produce zlib-ng-9 ng 9
# zlib-ng in uneven pieces (no exact recipe): 100,000 and 7 bytes in turn, and Python's tarfile.
for level in 4 6 8; do produce zlib-ng-"$level"-uneven python3 "$root/testdata/producers/zlib-ng-uneven.py" "$level"; done
produce zlib-ng-6-tarfile python3 "$root/testdata/producers/zlib-ng-tarfile.py" 6
produce isal-0 isal 0
produce isal-1 isal 1
produce isal-2 isal 2
produce isal-3 isal 3
produce 7zip-5 7zz a -tgzip -mx5 -si -so dummy
produce 7zip-9 7zz a -tgzip -mx9 -si -so dummy
produce busybox-9 busybox gzip -9 -c
produce pigz-6-R pigz -6 -n -R -c
[ "$size" -le 20000000 ] && produce zopfli zopfli -c /dev/stdin

printf '%-14s %11s %9s %7s %10s %8s %9s %11s %9s %s\n' producer compressed recon_B recon_% analysis_s replay_s analysis/z9 unproven/z9 replay/z9 kind
for file in "$work"/*.gz; do
    name=$(basename "$file" .gz)
    [ "$name" = zlib9 ] && continue
    "$mkpatch" inspect "$file" --json --reconstruction "$goal" > "$work/inspect.json"
    full=$(cpu "$mkpatch" inspect "$file" --json --reconstruction "$goal")
    bare=$(cpu "$mkpatch" inspect "$file" --json --no-recipe)
    python3 -c 'import json,sys; json.dump(json.load(open(sys.argv[1]))["recipe"], open(sys.argv[2], "w"))' \
        "$work/inspect.json" "$work/recipe.json"
    fields=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("recipe_kind") or ("exact" if d["reproducible"] else "none"), d.get("reconstruction_bytes", 0))' "$work/inspect.json")
    kind=${fields% *}
    recon=${fields#* }
    replay=-
    if [ "$kind" != none ]; then
        replay=$(cpu "$mkpatch" recompress "$work/input.tar" --recipe "$work/recipe.json" -o "$work/out.gz" --jobs "$replayJobs")
        cmp -s "$work/out.gz" "$file" || kind="$kind(MISMATCH)"
    fi
    python3 - "$name" "$(wc -c < "$file")" "$recon" "$full" "$bare" "$replay" "$zlib9" "$kind" <<'PY'
import sys
name, comp, recon, full, bare, replay, z9, kind = sys.argv[1:]
comp, recon, z9 = int(comp), int(recon), float(z9)
analysis = max(0.0, float(full) - float(bare))
rep = float(replay) if replay != "-" else float("nan")
# What `mkpatch create` spends: inspect's search replays a reconstruction once to prove it,
# create leaves that to its proof of the rebuilt file (CPU times add up, threads or not).
unproven = max(0.0, analysis - rep) if kind.startswith("deflate-reconstruction") else analysis
print(f"{name:<14} {comp:>11} {recon:>9} {100 * recon / comp:>6.2f}% {analysis:>10.2f} {rep:>8.2f} "
      f"{analysis / z9:>9.2f} {unproven / z9:>11.2f} {rep / z9:>9.2f} {kind}")
PY
done
