#!/usr/bin/env python3
"""Writes stdin to stdout as a gzip file whose deflate stream zlib -9 wrote and then padded
with empty stored blocks (as endless sync flushes would) to over twice the content's size.

Valid gzip that every decoder reads, but no exact recipe makes it, and deflate
reconstruction refuses a stream over twice its content (its bound on hostile input): the
tests use it as a target that stays not reproducible for a real reason."""
import struct
import sys
import zlib

data = sys.stdin.buffer.read()
compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
# After a sync flush the stream is on a byte boundary, after an empty stored block.
stream = compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)
stream += b"\x00\x00\x00\xff\xff" * (len(data) // 2 + 400)  # empty non-final stored blocks
stream += b"\x01\x00\x00\xff\xff"  # an empty final stored block
header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03"
trailer = struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)
sys.stdout.buffer.write(header + stream + trailer)
