#!/usr/bin/env python3
"""Makes the zlib-ng test vectors (testdata/zlib-ng/): PyPI's zlib-ng module (`pip install
zlib-ng`; its GzipNGFile is CPython's gzip.GzipFile over zlib-ng, as Python linked against
zlib-ng writes .tar.gz) over the same inputs as testdata/producers/go-gzip/make-vectors.py at
levels 1 to 9, written in 64 KiB pieces and closed (compress, then flush(Z_FINISH)), header
mtime 0. Writes the size and SHA256 of each output to vectors.txt, plus the six tar at
levels 9 and 6 as files.

Usage: make-vectors.py            (writes testdata/zlib-ng/)
       make-vectors.py LEVEL      (compresses stdin to stdout the same way, for tests and bench)
"""
import gzip, hashlib, io, os, sys

from zlib_ng import gzip_ng, zlib_ng


def compress(data, level, piece=1 << 16):
    out = io.BytesIO()
    with gzip_ng.GzipNGFile(fileobj=out, mode="wb", compresslevel=level, mtime=0) as f:
        for start in range(0, len(data), piece):
            f.write(data[start:start + piece])
    return out.getvalue()


def lcg_bytes(count):
    x, out = 1, bytearray(count)
    for i in range(count):
        x = (x * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        out[i] = x >> 56
    return bytes(out)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        sys.stdout.buffer.write(compress(sys.stdin.buffer.read(), int(sys.argv[1])))
        sys.exit(0)
    here = os.path.dirname(os.path.abspath(__file__))
    testdata = os.path.normpath(os.path.join(here, "..", ".."))
    out_dir = os.path.join(testdata, "zlib-ng")
    six = gzip.open(os.path.join(testdata, "six-1.17.0.tar.gz")).read()
    inputs = {"empty": b"", "six": six, "six-x8": six * 8, "zeros-1m": bytes(1 << 20), "random-1m": lcg_bytes(1 << 20)}
    lines = [f"# zlib-ng {zlib_ng.ZLIBNG_VERSION} (PyPI zlib-ng module) GzipNGFile, 64 KiB writes, mtime 0: input level size sha256 ({os.path.relpath(__file__, testdata)})"]
    for name, data in inputs.items():
        for level in range(1, 10):
            result = compress(data, level)
            lines.append(f"{name} {level} {len(result)} {hashlib.sha256(result).hexdigest()}")
            if name == "six" and level in (6, 9):
                with open(os.path.join(out_dir, f"six-1.17.0.tar.zlibng{level}.gz"), "wb") as f:
                    f.write(result)
    with open(os.path.join(out_dir, "vectors.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
