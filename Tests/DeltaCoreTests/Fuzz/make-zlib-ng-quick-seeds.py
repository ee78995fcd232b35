#!/usr/bin/env python3
"""Writes FuzzReconstruction/seed-replay-zlib-ng-quick and seed-replay-zlib-ng-quick-corrupt:
the reconstruction fuzz target's replay input (byte 0 even, content length little-endian in
bytes 1-2, the content, then the payload) for zlib-ng -1 written unevenly, so that the fuzzer
reaches the zlib-ng quick predictor (mode 7, payload version 3) and its refusals.

usage: Tests/DeltaCoreTests/Fuzz/make-zlib-ng-quick-seeds.py MKPATCH

The content is the six 1.17.0 tar's first 4,096 bytes, compressed by
testdata/producers/zlib-ng-uneven.py at level 1 in pieces of 1,000 and 7 bytes (PyPI's
zlib-ng 1.1.0); `mkpatch inspect --json` gives the payload. The corrupt seed is that payload
with the bytes of its second half inverted, which the replay refuses.
"""
import gzip, json, os, subprocess, sys, tempfile

mkpatch = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
root = os.path.normpath(os.path.join(here, "../../.."))
with open(os.path.join(root, "testdata/six-1.17.0.tar.gz"), "rb") as f:
    content = gzip.decompress(f.read())[:4096]
producer = os.path.join(root, "testdata/producers/zlib-ng-uneven.py")
compressed = subprocess.run(["python3", producer, "1", "1000", "7"], input=content, capture_output=True, check=True).stdout
with tempfile.NamedTemporaryFile(suffix=".gz") as file:
    file.write(compressed)
    file.flush()
    report = json.loads(subprocess.run([mkpatch, "inspect", "--json", file.name], capture_output=True, check=True).stdout)
payload = bytes.fromhex(next(e["payload"] for e in report["recipe"]["extensions"] if e["tag"] == 3))
assert payload[0] == 3, "expected a payload version 3 (a zlib-ng quick mode)"
prefix = bytes([0, len(content) & 0xFF, len(content) >> 8]) + content
corrupt = payload[:-len(payload) // 2] + bytes(b ^ 0xFF for b in payload[-len(payload) // 2:])
for name, body in [("seed-replay-zlib-ng-quick", payload), ("seed-replay-zlib-ng-quick-corrupt", corrupt)]:
    with open(os.path.join(here, "FuzzReconstruction", name), "wb") as f:
        f.write(prefix + body)
    print(name, len(prefix + body), "bytes")
