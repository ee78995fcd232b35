#!/usr/bin/env python3
"""Writes stdin to stdout as a gzip file made by PyPI's zlib-ng module (`pip install
zlib-ng`; zlib-ng 2.3.3 in zlib-ng 1.1.0) at a level (1 unless given), given the input in
alternating pieces of 100,000 and 7 bytes (`python3 zlib-ng-uneven.py [LEVEL] < in > out.gz`;
a second and third argument change the two piece sizes).

Level 1 is zlib-ng's `deflate_quick`: static codes, and one block for as long as input
comes, closed only when the stream is finished, so the whole input but its last few bytes
lands in one fixed-code block (9,337,686 tokens for the Django 5.1 tar). The uneven pieces
are a split no exact zlib-ng candidate tries, so the file needs deflate reconstruction:
the tests' real producer of a fixed block longer than a dynamic block may be, and of
`deflate_quick` output the reconstruction's zlib-ng quick predictor must follow."""
import sys

from zlib_ng import zlib_ng

level = int(sys.argv[1]) if len(sys.argv) > 1 else 1
sizes = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) > 3 else (100_000, 7)
data = sys.stdin.buffer.read()
compressor = zlib_ng.compressobj(level, zlib_ng.DEFLATED, 31)  # gzip framing
pieces, start, index = [], 0, 0
while start < len(data):
    end = start + sizes[index % 2]
    pieces.append(compressor.compress(data[start:end]))
    start, index = end, index + 1
pieces.append(compressor.flush())
sys.stdout.buffer.write(b"".join(pieces))
