#!/usr/bin/env python3
"""Makes the miniz_oxide test vectors (testdata/miniz-oxide/): runs flate2's GzEncoder on
miniz_oxide (this folder's program, built offline with Debian's cargo and crates) over the
same inputs as testdata/producers/go-gzip/make-vectors.py at levels 0 to 9, and writes the
size and SHA256 of each output to vectors.txt, plus the six tar at level 6 as a file."""
import gzip, hashlib, os, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
testdata = os.path.normpath(os.path.join(here, "..", ".."))
out_dir = os.path.join(testdata, "miniz-oxide")

def lcg_bytes(count):
    x, out = 1, bytearray(count)
    for i in range(count):
        x = (x * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        out[i] = x >> 56
    return bytes(out)

six = gzip.open(os.path.join(testdata, "six-1.17.0.tar.gz")).read()
inputs = {"empty": b"", "six": six, "six-x8": six * 8, "zeros-1m": bytes(1 << 20), "random-1m": lcg_bytes(1 << 20)}

with tempfile.TemporaryDirectory() as scratch:
    home = os.path.join(scratch, "cargo-home")
    os.makedirs(home)
    with open(os.path.join(home, "config.toml"), "w") as f:
        f.write('[source.crates-io]\nreplace-with = "debian"\n[source.debian]\ndirectory = "/usr/share/cargo/registry"\n[net]\noffline = true\n')
    env = dict(os.environ, CARGO_HOME=home, CARGO_TARGET_DIR=os.path.join(scratch, "target"))
    subprocess.run(["cargo", "build", "--release", "--offline", "--quiet"], cwd=here, env=env, check=True)
    os.remove(os.path.join(here, "Cargo.lock"))
    binary = os.path.join(scratch, "target", "release", "rust-gzip")
    lines = [f"# flate2 1.0.25 GzEncoder on miniz_oxide 0.6.2 (Debian bookworm): input level size sha256 ({sys.argv[0]})"]
    for name, data in inputs.items():
        for level in range(10):
            result = subprocess.run([binary, str(level)], input=data, capture_output=True, check=True).stdout
            lines.append(f"{name} {level} {len(result)} {hashlib.sha256(result).hexdigest()}")
            if name == "six" and level == 6:
                with open(os.path.join(out_dir, "six-1.17.0.tar.miniz6.gz"), "wb") as f:
                    f.write(result)
with open(os.path.join(out_dir, "vectors.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
