#!/usr/bin/env python3
"""Writes stdin to stdout as a gzip file made by PyPI's zlib-ng module (`pip install
zlib-ng`; zlib-ng 2.3.3 in zlib-ng 1.1.0) at level 1, given the input in alternating pieces
of 100,000 and 7 bytes (`python3 zlib-ng-uneven.py < in > out.gz`).

Level 1 is zlib-ng's `deflate_quick`: static codes, and one block for as long as input
comes, closed only when the stream is finished, so the whole input but its last few bytes
lands in one fixed-code block (9,337,686 tokens for the Django 5.1 tar). The uneven pieces
are a split no exact zlib-ng candidate tries, so the file needs deflate reconstruction:
the tests' real producer of a fixed block longer than a dynamic block may be."""
import sys

from zlib_ng import zlib_ng

data = sys.stdin.buffer.read()
compressor = zlib_ng.compressobj(1, zlib_ng.DEFLATED, 31)  # gzip framing
pieces, start, index = [], 0, 0
while start < len(data):
    end = start + (100_000 if index % 2 == 0 else 7)
    pieces.append(compressor.compress(data[start:end]))
    start, index = end, index + 1
pieces.append(compressor.flush())
sys.stdout.buffer.write(b"".join(pieces))
