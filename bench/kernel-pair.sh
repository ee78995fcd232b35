#!/bin/sh
# A kernel-sized pair for the differ's memory and time: Debian's linux-source-6.1 tarball
# (about 1.4 GB uncompressed) against a copy with seeded edits (1,000 small replacements, a
# 1 MiB insertion and a 1 MiB deletion), since no second kernel version that differs by a
# normal upgrade is packaged here (linux-source-6.12 is one, but 6.1 -> 6.12 is no upgrade
# anyone ships as a patch). Prints peak RSS and time of `mkpatch diff` and `mkpatch apply`.
#   bench/kernel-pair.sh [WORK_DIR]   (default /tmp/kernel; needs about 6 GB of disk, 10 GB of RAM)
set -eu
cd "$(dirname "$0")/.."
work=${1:-/tmp/kernel}
mkpatch=$(pwd)/.build/release/mkpatch
mkdir -p "$work"
cd "$work"
if [ ! -f old.tar ]; then
    [ -n "$(ls linux-source-6.1_*.deb 2>/dev/null)" ] || apt-get download linux-source-6.1
    dpkg-deb --fsys-tarfile linux-source-6.1_*.deb | tar -x --wildcards -O '*/linux-source-6.1.tar.xz' | xz -dc > old.tar.tmp
    mv old.tar.tmp old.tar
fi
if [ ! -f new.tar ]; then
    python3 - <<'PY'
import random
random.seed(2026)
old = open("old.tar", "rb").read()
new = bytearray(old)
for _ in range(1000):
    at = random.randrange(len(new) - 100)
    new[at:at + 100] = random.randbytes(100)
middle = len(new) // 2
new[middle:middle] = random.randbytes(1 << 20)
del new[len(new) // 4:len(new) // 4 + (1 << 20)]
open("new.tar.tmp", "wb").write(new)
PY
    mv new.tar.tmp new.tar
fi
ls -l old.tar new.tar
/usr/bin/time -f "diff: %e s wall, %U s user, peak RSS %M KiB" "$mkpatch" diff old.tar new.tar -o kernel.dfpatch
/usr/bin/time -f "apply: %e s wall, peak RSS %M KiB" "$mkpatch" apply old.tar kernel.dfpatch -o out.tar
cmp out.tar new.tar && echo "round trip: identical"
rm -f out.tar
