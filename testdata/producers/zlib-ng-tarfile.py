#!/usr/bin/env python3
"""Re-writes the tar on stdin to stdout as a .tar.gz made the way a Python tool on a system
whose zlib is zlib-ng makes one (Fedora's zlib-ng-compat behind `tarfile.open("w:gz")`), here
with PyPI's zlib-ng module (`pip install zlib-ng`; zlib-ng 2.3.3 in zlib-ng 1.1.0):
`tarfile` writes every member's 512-byte header and its data in pieces of at most 16 KiB
(`copyfileobj`'s buffer) straight through `gzip_ng.GzipNGFile.write`, which on Python 3.11
passes each write to one `deflate` call. So the calls come in uneven sizes that follow the
members (`python3 zlib-ng-tarfile.py [LEVEL] < in.tar > out.tar.gz`, level 6 unless given).

At levels 3 to 8 no exact zlib-ng candidate (a constant write size) reproduces such a file:
it needs deflate reconstruction, whose zlib-ng medium predictor (modes 10-12) follows
`deflate_medium` and mispredicts only near the call edges."""
import sys
import tarfile

from zlib_ng import gzip_ng

level = int(sys.argv[1]) if len(sys.argv) > 1 else 6
source = tarfile.open(fileobj=sys.stdin.buffer, mode="r|")
with gzip_ng.GzipNGFile(fileobj=sys.stdout.buffer, mode="wb", compresslevel=level, mtime=0) as packed:
    with tarfile.open(fileobj=packed, mode="w", format=tarfile.PAX_FORMAT) as target:
        for member in source:
            target.addfile(member, source.extractfile(member) if member.isfile() else None)
