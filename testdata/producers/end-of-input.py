#!/usr/bin/env python3
"""Writes testdata/end-of-input/: a file whose last tokens show how the encoder treats the
bytes past the input's end. Content: 70,000 bytes drawn by Python's random.Random(0) from
"abcdef" (repetitive enough that the last positions find matches, long enough that the
window slid once, so the bytes past the end are not zeros in gzip 1.4's window).

- abcdef70k.busybox.gz: Debian bookworm's busybox 1.35 `busybox gzip -c` (gzip 1.2.4's
  deflate.c: the window past the end is not zeroed; GNU gzip 1.12 -6 differs in the last
  tokens).

Run from the repository root: python3 testdata/producers/end-of-input.py
"""
import random
import subprocess

rng = random.Random(0)
content = bytes(rng.choice(b"abcdef") for _ in range(70_000))
busybox = subprocess.run(["busybox", "gzip", "-c"], input=content, capture_output=True, check=True).stdout
with open("testdata/end-of-input/abcdef70k.busybox.gz", "wb") as out:
    out.write(busybox)
