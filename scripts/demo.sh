#!/usr/bin/env bash
# The main job on the bundled data, as a maintainer and a client would run it:
#   1. the maintainer makes a patch between six 1.16.0 and 1.17.0 and lists it (GLEP 25);
#   2. mkpatch verify checks the list as a client would use it;
#   3. the client rebuilds six-1.17.0.tar.gz from 1.16.0 and the patch, bit for bit.
# Usage: scripts/demo.sh [WORKDIR]   (default: a fresh temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
mkdir -p "$work/mirror" "$work/distdir"
swift build -c release --product mkpatch >/dev/null
mkpatch=.build/release/mkpatch

echo "== maintainer: mkpatch create"
"$mkpatch" create testdata/six-1.16.0.tar.gz testdata/six-1.17.0.tar.gz -o "$work/mirror" --list "$work/mirror/patches"
echo "== mirror: mkpatch verify"
"$mkpatch" verify "$work/mirror/patches" --distdir testdata
echo "== client: mkpatch rebuild"
cp testdata/six-1.16.0.tar.gz "$work/distdir/"
"$mkpatch" rebuild "$work/distdir/six-1.16.0.tar.gz" "$work/mirror/six-1.16.0-1.17.0.patch" -o "$work/distdir/six-1.17.0.tar.gz"
cmp "$work/distdir/six-1.17.0.tar.gz" testdata/six-1.17.0.tar.gz
patch_size=$(stat -c %s "$work/mirror/six-1.16.0-1.17.0.patch")
full_size=$(stat -c %s testdata/six-1.17.0.tar.gz)
echo "six-1.17.0.tar.gz rebuilt byte for byte from a $patch_size-byte patch (the tarball is $full_size bytes); files in $work"
