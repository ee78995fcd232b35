#!/usr/bin/env python3
"""Makes the libdeflate test vectors (testdata/libdeflate/) with Debian's libdeflate-tools
(`libdeflate-gzip`, libdeflate 1.14 in bookworm): the inputs of
testdata/producers/go-gzip/make-vectors.py at levels 1 to 9 (`libdeflate-gzip -L -c`, which
compresses the whole input in one call and writes mtime 0, OS 255), size and SHA256 of each
output to vectors.txt, and the first 20,000 bytes of the six 1.17.0 tar at levels 1, 4, 6
and 9 as files.

Usage: make-vectors.py [LIBDEFLATE_GZIP]   (writes testdata/libdeflate/)
"""
import gzip, hashlib, os, subprocess, sys


def compress(tool, data, level):
    return subprocess.run([tool, f"-{level}", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout


def lcg_bytes(count):
    x, out = 1, bytearray(count)
    for i in range(count):
        x = (x * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        out[i] = x >> 56
    return bytes(out)


if __name__ == "__main__":
    tool = sys.argv[1] if len(sys.argv) > 1 else "libdeflate-gzip"
    version = subprocess.run([tool, "-V"], stdout=subprocess.PIPE, text=True).stdout.splitlines()[0]
    here = os.path.dirname(os.path.abspath(__file__))
    testdata = os.path.normpath(os.path.join(here, "..", ".."))
    out_dir = os.path.join(testdata, "libdeflate")
    six = gzip.open(os.path.join(testdata, "six-1.17.0.tar.gz")).read()
    inputs = {"empty": b"", "six": six, "six-x8": six * 8, "zeros-1m": bytes(1 << 20), "random-1m": lcg_bytes(1 << 20)}
    lines = [f"# {version}, `libdeflate-gzip -LEVEL -c`: input level size sha256 ({os.path.relpath(__file__, testdata)})"]
    for name, data in inputs.items():
        for level in range(1, 10):
            result = compress(tool, data, level)
            lines.append(f"{name} {level} {len(result)} {hashlib.sha256(result).hexdigest()}")
    with open(os.path.join(out_dir, "vectors.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    for level in (1, 4, 6, 9):
        with open(os.path.join(out_dir, f"six20k.libdeflate-{level}.gz"), "wb") as f:
            f.write(compress(tool, six[:20000], level))
