#!/usr/bin/env python3
"""Makes the Go deflate test vectors (testdata/go-flate/): runs Go's compress/gzip (this
folder's program, built with the `go` on PATH) over fixed inputs at every level, and writes
the size and SHA256 of each output to vectors.txt, plus the outputs for the six tar at a few
levels as files. The inputs are defined here and rebuilt the same way by GoFlateTests:

  empty       no bytes
  six         the six 1.17.0 tar (testdata/six-1.17.0.tar.gz, decompressed; 174 KB)
  six-x8      that tar eight times over (1.4 MB: matches at every distance)
  zeros-1m    1 MiB of zero bytes
  random-1m   1 MiB from a 64-bit LCG (x = x * 6364136223846793005 + 1442695040888963407,
              x0 = 1, each byte the top 8 bits of the next x): incompressible
"""
import gzip, hashlib, os, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
testdata = os.path.normpath(os.path.join(here, "..", ".."))
out_dir = os.path.join(testdata, "go-flate")

def lcg_bytes(count):
    x, out = 1, bytearray(count)
    for i in range(count):
        x = (x * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        out[i] = x >> 56
    return bytes(out)

six = gzip.open(os.path.join(testdata, "six-1.17.0.tar.gz")).read()
inputs = {"empty": b"", "six": six, "six-x8": six * 8, "zeros-1m": bytes(1 << 20), "random-1m": lcg_bytes(1 << 20)}
levels = [-2, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
files = {("six", 1), ("six", 6), ("six", 9)}

with tempfile.TemporaryDirectory() as scratch:
    binary = os.path.join(scratch, "go-gzip")
    subprocess.run(["go", "build", "-o", binary, "."], cwd=here, check=True)
    version = subprocess.run(["go", "version"], capture_output=True, text=True, check=True).stdout.split()[2]
    lines = [f"# Go compress/gzip outputs: input level size sha256 ({version}, {sys.argv[0]})"]
    for name, data in inputs.items():
        for level in levels:
            result = subprocess.run([binary, str(level)], input=data, capture_output=True, check=True).stdout
            lines.append(f"{name} {level} {len(result)} {hashlib.sha256(result).hexdigest()}")
            if (name, level) in files:
                with open(os.path.join(out_dir, f"six-1.17.0.tar.go{level}.gz"), "wb") as f:
                    f.write(result)
with open(os.path.join(out_dir, "vectors.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
