#!/usr/bin/env python3
"""Writes FuzzReconstruction/seed-replay-optimal-parse-vN and seed-replay-optimal-parse-vN-corrupt,
N the payload version the analysis writes (5 since 2026-12-02: mode 6 with a nice length; 6
since 2026-12-03: with 7-Zip's fast-bytes rule too; 7 later that day: with predicted headers;
8 the same day: windows that end where matches end):
the reconstruction fuzz target's replay input (byte 0 even, content length little-endian in
bytes 1-2, the content, then the payload) for 7-Zip's deflate (-mx9), so that the fuzzer
reaches the optimal-parse predictor (mode 6: binary-tree match finder) and its refusals; and, since version 7, -mx5's payload
(parsed under the previous block's lengths) as -v7-mx5. The
committed -v4 seeds (made by this script before version 5, without a nice length) keep the
version-4 replay covered, the -v5 ones (before version 6, without the rule) version 5's, the -v6
ones (before version 7, headers coded against the previous one) version 6's, the -v7 ones
(before version 8, overlapping windows) version 7's; the older seed-replay-optimal-parse(-corrupt) hold version-3 mode-6
payloads, which this build refuses at the mode: they keep that refusal covered.

usage: Tests/DeltaCoreTests/Fuzz/make-optimal-parse-seeds.py MKPATCH

The content is bytes 4,096-8,191 of the six 1.17.0 tar (text, where the analysis chooses
mode 6); `7zz a -tgzip -mx9` compresses it (7-Zip 26.02) and `mkpatch inspect --json
--reconstruction small` gives the payload. The corrupt seed is that payload with the bytes
of its second half inverted.
"""
import gzip, json, os, subprocess, sys, tempfile

mkpatch = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
root = os.path.normpath(os.path.join(here, "../../.."))
with open(os.path.join(root, "testdata/six-1.17.0.tar.gz"), "rb") as f:
    content = gzip.decompress(f.read())[4096:8192]
for level, suffix in [(9, ""), (5, "-mx5")]:
    compressed = subprocess.run(
        ["7zz", "a", "-tgzip", "-mx%d" % level, "-si", "-so", "dummy"], input=content, capture_output=True, check=True).stdout
    with tempfile.NamedTemporaryFile(suffix=".gz") as file:
        file.write(compressed)
        file.flush()
        report = json.loads(subprocess.run([mkpatch, "inspect", "--json", "--reconstruction", "small", file.name], capture_output=True, check=True).stdout)
    payload = bytes.fromhex(next(e["payload"] for e in report["recipe"]["extensions"] if e["tag"] == 3))
    assert payload[0] in (4, 5, 6, 7, 8), "expected a mode-6 payload (version 4 to 8)"
    fields, offset = [], 1
    while len(fields) < 8:  # content, stream, blocks, tokens, chain, lazy, mode, flags
        value, shift = 0, 0
        while True:
            byte = payload[offset]
            offset += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                break
        fields.append(value)
    flags = fields[7]
    if suffix and payload[0] < 7:
        continue  # -mx5's own seed exists since version 7 (previous-block prices)
    if not suffix and payload[0] == 7 and not flags & 8:
        # Since previous-block prices (flags bit 4) this one-block content makes -mx9 choose
        # them too; the committed -v7 seed (predicted headers, bit 3) stays as it was made.
        print("kept seed-replay-optimal-parse-v7: -mx9 chose flags", flags)
        continue
    prefix = bytes([0, len(content) & 0xFF, len(content) >> 8]) + content
    corrupt = payload[:-len(payload) // 2] + bytes(b ^ 0xFF for b in payload[-len(payload) // 2:])
    name = "seed-replay-optimal-parse-v%d%s" % (payload[0], suffix)
    for name, body in [(name, payload), (name + "-corrupt", corrupt)]:
        with open(os.path.join(here, "FuzzReconstruction", name), "wb") as f:
            f.write(prefix + body)
        print(name, len(prefix + body), "bytes")
