#!/bin/sh
# Writes the deflate-reconstruction vectors: the first 40,000 bytes of the six 1.17.0 tar
# (decompressed from ../six-1.17.0.tar.gz) through every gzip producer no exact recipe
# reproduces. Needs Debian bookworm's libdeflate-tools, 7zip, zopfli, busybox, pigz and PyPI's
# zlib-ng and isal. Run from this folder; see ../ORIGINS.md.
set -eu
input=$(mktemp)
trap 'rm -f "$input"' EXIT
gzip -dc ../six-1.17.0.tar.gz | head -c 40000 > "$input"
for level in 1 6 12; do libdeflate-gzip -"$level" -c < "$input" > six40k.libdeflate-"$level".gz; done
for level in 1 6 9; do
    python3 -c "import sys, zlib_ng.gzip_ng as g; sys.stdout.buffer.write(g.compress(sys.stdin.buffer.read(), $level, mtime=0))" \
        < "$input" > six40k.zlib-ng-"$level".gz
done
python3 ../producers/zlib-ng-uneven.py 1 4000 7 < "$input" > six40k.zlib-ng-1-uneven.gz
gzip -dc ../six-1.17.0.tar.gz | python3 ../producers/zlib-ng-tarfile.py 6 > six.zlib-ng-6-tarfile.gz
for level in 0 1 2 3; do
    python3 -c "import sys, isal.igzip as g; sys.stdout.buffer.write(g.compress(sys.stdin.buffer.read(), $level, mtime=0))" \
        < "$input" > six40k.isal-"$level".gz
done
for level in 5 9; do 7zz a -tgzip -mx"$level" -si -so dummy < "$input" > six40k.7zip-"$level".gz 2>/dev/null; done
zopfli -c "$input" > six40k.zopfli.gz
busybox gzip -9 -c < "$input" > six40k.busybox-9.gz
pigz -6 -n -R -c < "$input" > six40k.pigz-6-R.gz
# The whole tar through 7-Zip -mx9, for the end-to-end fetches (Portage accepting a
# reconstructed rebuild); 7-Zip writes the time into the header, so each run differs.
gzip -dc ../six-1.17.0.tar.gz | 7zz a -tgzip -mx9 -si -so six-1.17.0.tar > six-1.17.0.tar.7zip-9.gz 2>/dev/null
sha256sum six40k.*.gz six.*.gz six-1.17.0.tar.7zip-9.gz
