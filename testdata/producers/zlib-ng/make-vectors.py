#!/usr/bin/env python3
"""Makes the zlib-ng test vectors (testdata/zlib-ng/): PyPI's zlib-ng module (`pip install
zlib-ng`; its GzipNGFile is CPython's gzip.GzipFile over zlib-ng, as Python linked against
zlib-ng writes .tar.gz) over the same inputs as testdata/producers/go-gzip/make-vectors.py at
levels 1 to 9, written in 64 KiB pieces and closed (compress, then flush(Z_FINISH)), header
mtime 0. Writes the size and SHA256 of each output to vectors.txt, plus the six tar at
levels 9 and 6 as files, when the module bundles zlib-ng 2.3.3 (the newest checked); with an
older module (each zlib-ng generation in its own venv, e.g. `python3 -m venv /tmp/zng-0.5.1 &&
/tmp/zng-0.5.1/bin/pip install zlib-ng==0.5.1`, then run this script with that venv's python)
it writes vectors-ZLIBNGVERSION.txt and the six tar at levels 1, 3 and 6 as
six-1.17.0.tar.zlibng-ZLIBNGVERSION-LEVEL.gz (for detection and fall-back tests; the first
40,000 bytes alone come out the same at level 6 from 2.0.7 to 2.3.3). Each file's first line names the zlib-ng and module
versions and the machine that made it (zlib-ng 2.1 picks its hash by CPU).

Usage: make-vectors.py            (writes testdata/zlib-ng/)
       make-vectors.py LEVEL      (compresses stdin to stdout the same way, for tests and bench)
"""
import gzip, hashlib, importlib.metadata, io, os, platform, sys

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


def has_sse42():
    """Whether the processor has SSE4.2 (Linux's /proc/cpuinfo; False elsewhere)."""
    try:
        with open("/proc/cpuinfo") as f:
            return any(line.startswith("flags") and " sse4_2" in line for line in f)
    except OSError:
        return False


if __name__ == "__main__":
    if len(sys.argv) > 1:
        sys.stdout.buffer.write(compress(sys.stdin.buffer.read(), int(sys.argv[1])))
        sys.exit(0)
    here = os.path.dirname(os.path.abspath(__file__))
    testdata = os.path.normpath(os.path.join(here, "..", ".."))
    out_dir = os.path.join(testdata, "zlib-ng")
    six = gzip.open(os.path.join(testdata, "six-1.17.0.tar.gz")).read()
    inputs = {"empty": b"", "six": six, "six-x8": six * 8, "zeros-1m": bytes(1 << 20), "random-1m": lcg_bytes(1 << 20)}
    version = zlib_ng.ZLIBNG_VERSION
    newest = version == "2.3.3"
    origin = f"PyPI zlib-ng module {importlib.metadata.version('zlib-ng')}"
    if not newest:
        origin += f", {platform.machine()}, SSE4.2 {'yes' if has_sse42() else 'no'}"
    lines = [f"# zlib-ng {version} ({origin}) GzipNGFile, 64 KiB writes, mtime 0: input level size sha256 ({os.path.relpath(__file__, testdata)})"]
    for name, data in inputs.items():
        for level in range(1, 10):
            result = compress(data, level)
            lines.append(f"{name} {level} {len(result)} {hashlib.sha256(result).hexdigest()}")
            if name == "six" and level in ((6, 9) if newest else (1, 3, 6)):
                file = f"six-1.17.0.tar.zlibng{level}.gz" if newest else f"six-1.17.0.tar.zlibng-{version}-{level}.gz"
                with open(os.path.join(out_dir, file), "wb") as f:
                    f.write(result)
    with open(os.path.join(out_dir, "vectors.txt" if newest else f"vectors-{version}.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
