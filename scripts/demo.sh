#!/usr/bin/env bash
# The main job on the bundled data, as a maintainer and a client would run it:
#   1. the maintainer makes a patch between six 1.16.0 and 1.17.0 and lists it (GLEP 25),
#      and writes the Manifest line of the new release;
#   2. mkpatch verify checks the list as a client would use it;
#   3. the client, holding 1.16.0, runs deltafetch fetch against the mirror (a file:// URL
#      here; http(s) mirrors work the same): it fetches the patch, not the tarball, and
#      rebuilds six-1.17.0.tar.gz byte for byte. It asks for the fewest bytes (--prefer bytes,
#      a metered link): by default deltafetch weighs time, and for a 34 kB file on a local
#      mirror the rebuild and the download both take about 10 ms, so on a busy machine the
#      planner rightly downloads whole (exit 10), and this demo would not show the patch.
# Usage: scripts/demo.sh [WORKDIR]   (default: a fresh temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
mkdir -p "$work/mirror" "$work/distdir"
swift build -c release --product mkpatch >/dev/null
swift build -c release --product deltafetch >/dev/null
mkpatch=.build/release/mkpatch
deltafetch=.build/release/deltafetch

echo "== maintainer: mkpatch create, mkpatch manifest"
"$mkpatch" create testdata/six-1.16.0.tar.gz testdata/six-1.17.0.tar.gz -o "$work/mirror" --list "$work/mirror/patches"
cp testdata/six-1.17.0.tar.gz "$work/mirror/"
"$mkpatch" manifest testdata/six-1.17.0.tar.gz > "$work/Manifest"
echo "== mirror: mkpatch verify"
"$mkpatch" verify "$work/mirror/patches" --distdir testdata
echo "== client: deltafetch fetch"
cp testdata/six-1.16.0.tar.gz "$work/distdir/"
"$deltafetch" fetch six-1.17.0.tar.gz --distdir "$work/distdir" --patches "$work/mirror/patches" \
  --manifest "$work/Manifest" --mirror "file://$work/mirror" --prefer bytes --json
cmp "$work/distdir/six-1.17.0.tar.gz" testdata/six-1.17.0.tar.gz
patch_size=$(stat -c %s "$work/mirror/six-1.16.0-1.17.0.tar.gz.patch")
full_size=$(stat -c %s testdata/six-1.17.0.tar.gz)
echo "six-1.17.0.tar.gz rebuilt byte for byte from a $patch_size-byte patch (the tarball is $full_size bytes); files in $work"
