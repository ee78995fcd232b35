#!/usr/bin/env python3
"""Makes the golden vectors in this folder; see README.md. Run from anywhere:

    python3 testdata/patches/make-vectors.py

Inputs come from a fixed-seed generator, patches from the real tools (bsdiff 4.3, xdelta3
3.0.11), so re-running reproduces every file byte for byte on the same tool versions.
The error vectors in errors/ are crafted here, each with one defect, named after it.
"""
import bz2, gzip, hashlib, os, random, struct, subprocess, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.path.dirname(HERE)


def words(rng, count):
    vocabulary = [b"func ", b"let ", b"return ", b"\n", b"    ", b"value", b"(", b")", b"{", b"}", b" = ", b"0x1f"]
    out = bytearray()
    while len(out) < count:
        out += rng.choice(vocabulary)
    return bytes(out[:count])


def edited(rng, data, edits):
    out = bytearray(data)
    for _ in range(edits):
        at = rng.randrange(len(out))
        kind = rng.randrange(3)
        if kind == 0:
            out[at:at] = words(rng, rng.randrange(1, 40))
        elif kind == 1:
            del out[at:at + rng.randrange(1, 40)]
        else:
            out[at] = rng.randrange(256)
    return bytes(out)


def pairs():
    rng = random.Random(4)
    text = words(rng, 3000)
    binary = bytes(rng.randrange(256) for _ in range(2048))
    moved = binary[1024:] + bytes(rng.randrange(256) for _ in range(64)) + binary[:1024]
    return {
        "text": (text, edited(rng, text, 12)),
        "binary": (binary, moved),
        "identical": (text, text),
        "one-byte": (b"a", b"b"),
    }


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def run(*args, cwd):
    subprocess.run(args, cwd=cwd, check=True)


def offtout(value):
    magnitude = abs(value)
    raw = bytearray(struct.pack("<Q", magnitude))
    if value < 0:
        raw[7] |= 0x80
    return bytes(raw)


def bsdiff40(control, diff, extra, new_size, control_length=None, diff_length=None):
    """A BSDIFF40 patch from raw blocks (each compressed here with bzip2 -9, as bsdiff does)."""
    c, d, e = bz2.compress(control, 9), bz2.compress(diff, 9), bz2.compress(extra, 9)
    cl = len(c) if control_length is None else control_length
    dl = len(d) if diff_length is None else diff_length
    return b"BSDIFF40" + offtout(cl) + offtout(dl) + offtout(new_size) + c + d + e


def triple(x, y, z):
    return offtout(x) + offtout(y) + offtout(z)


def varint(value):
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def vcdiff_window(source, target_length, data, inst, addr, checksum=None, indicator_extra=0):
    body = varint(target_length) + b"\x00" + varint(len(data)) + varint(len(inst)) + varint(len(addr))
    if checksum is not None:
        body += struct.pack(">I", checksum)
    body += data + inst + addr
    indicator = (0x01 if source else 0) | (0x04 if checksum is not None else 0) | indicator_extra
    head = bytes([indicator])
    if source:
        head += varint(source[0]) + varint(source[1])
    return head + varint(len(body)) + body


def main():
    with tempfile.TemporaryDirectory() as work:
        for name, (old, new) in pairs().items():
            write(f"{name}.old", old)
            write(f"{name}.new", new)
            for side, data in (("old", old), ("new", new)):
                with open(os.path.join(work, side), "wb") as f:
                    f.write(data)
            run("bsdiff", "old", "new", "patch.bsdiff", cwd=work)
            run("xdelta3", "-e", "-f", "-s", "old", "new", "patch.vcdiff", cwd=work)
            for ext in ("bsdiff", "vcdiff"):
                with open(os.path.join(work, f"patch.{ext}"), "rb") as f:
                    write(f"{name}.{ext}", f.read())

        # xdelta3 (not bsdiff, whose mmap fails on empty files) with an empty side.
        for name, (old, new) in {"empty-old": (b"", b"hello, world\n"), "empty-new": (b"hello, world\n", b"")}.items():
            write(f"{name}.old", old)
            write(f"{name}.new", new)
            for side, data in (("old", old), ("new", new)):
                with open(os.path.join(work, side), "wb") as f:
                    f.write(data)
            run("xdelta3", "-e", "-f", "-s", "old", "new", "patch.vcdiff", cwd=work)
            with open(os.path.join(work, "patch.vcdiff"), "rb") as f:
                write(f"{name}.vcdiff", f.read())

        # The real pair: six 1.16.0 -> 1.17.0, uncompressed (tests decompress the .tar.gz).
        tars = {}
        for version in ("1.16.0", "1.17.0"):
            with gzip.open(os.path.join(TESTDATA, f"six-{version}.tar.gz")) as f:
                tars[version] = f.read()
            with open(os.path.join(work, f"six-{version}.tar"), "wb") as f:
                f.write(tars[version])
        run("bsdiff", "six-1.16.0.tar", "six-1.17.0.tar", "six.bsdiff", cwd=work)
        run("xdelta3", "-e", "-f", "-s", "six-1.16.0.tar", "six-1.17.0.tar", "six.vcdiff", cwd=work)
        run("xdelta3", "-e", "-f", "-W", "65536", "-s", "six-1.16.0.tar", "six-1.17.0.tar", "six-windows.vcdiff", cwd=work)
        run("xdelta3", "-e", "-f", "-S", "none", "-s", "six-1.16.0.tar", "six-1.17.0.tar", "six-plain.vcdiff", cwd=work)
        # From the .tar.gz files: xdelta3 decompresses them itself ("externally compressed
        # input") and records gzip for both sides in the application header.
        for version in ("1.16.0", "1.17.0"):
            with open(os.path.join(TESTDATA, f"six-{version}.tar.gz"), "rb") as f, \
                    open(os.path.join(work, f"six-{version}.tar.gz"), "wb") as g:
                g.write(f.read())
        run("xdelta3", "-e", "-f", "-s", "six-1.16.0.tar.gz", "six-1.17.0.tar.gz", "six-gzipped.vcdiff", cwd=work)
        for name in ("six.bsdiff", "six.vcdiff", "six-windows.vcdiff", "six-plain.vcdiff", "six-gzipped.vcdiff"):
            with open(os.path.join(work, name), "rb") as f:
                write(name, f.read())
        with open(os.path.join(HERE, "six.SHA256SUMS"), "w") as f:
            for version in ("1.16.0", "1.17.0"):
                f.write(f"{hashlib.sha256(tars[version]).hexdigest()}  six-{version}.tar\n")

    # Hand-made: the empty new file bsdiff cannot write (its mmap fails on empty files).
    write("empty-new.bsdiff", bsdiff40(b"", b"", b"", 0))

    # Error vectors: one defect each, against base "hello, world\n" (13 bytes).
    errors = {
        # bspatch 4.3 added a negative length to its position and read past its buffer.
        "bsdiff-ctrl-negative-length.patch": bsdiff40(triple(-5, 0, 0), b"", b"", 13),
        "bsdiff-CVE-2014-9862-negative-extra.patch": bsdiff40(triple(0, -16, 0), b"", b"", 13),
        # A length so large that newpos + length wraps a signed 64-bit integer.
        "bsdiff-CVE-2014-9862-overflow.patch": bsdiff40(triple(0x7FFFFFFFFFFFFFFF, 0, 0), b"", b"", 13),
        "bsdiff-diff-past-new-size.patch": bsdiff40(triple(14, 0, 0), b"\0" * 14, b"", 13),
        "bsdiff-seek-overflow.patch": bsdiff40(triple(1, 0, 0x7FFFFFFFFFFFFFFF) + triple(1, 0, 0x7FFFFFFFFFFFFFFF),
                                               b"\0\0", b"", 13),
        "bsdiff-negative-new-size.patch": bsdiff40(b"", b"", b"", -1),
        "bsdiff-blocks-past-end.patch": bsdiff40(b"", b"", b"", 0, control_length=1 << 40),
        "bsdiff-truncated-diff.patch": bsdiff40(triple(13, 0, 0), b"\0" * 5, b"", 13),
        "bsdiff-stalled-control.patch": bsdiff40(triple(0, 0, 0) * 70000, b"", b"", 13),
        "bsdiff-corrupt-bzip2.patch": b"BSDIFF40" + offtout(12) + offtout(0) + offtout(13) + b"BZh9garbage!",
        "bsdiff-truncated-header.patch": b"BSDIFF40" + offtout(0),
    }
    header = b"\xd6\xc3\xc4\x00\x00"
    base = b"hello, world\n"
    copy_self_size_0 = bytes([19])  # COPY mode 0, size read from the instruction section
    errors.update({
        # COPY of 20 bytes from address 0 of a 13-byte source segment.
        "vcdiff-copy-past-source.patch": header + vcdiff_window((13, 0), 20, b"", copy_self_size_0 + varint(20), varint(0)),
        # COPY from address 5 when only 0 bytes (no source) precede it.
        "vcdiff-copy-address-ahead.patch": header + vcdiff_window(None, 4, b"", bytes([19 + 1]), varint(5)),
        # A source segment that runs past the base file.
        "vcdiff-source-past-base.patch": header + vcdiff_window((10, 8), 4, b"", copy_self_size_0 + varint(4), varint(0)),
        # ADD of 4 bytes (code 5) with only 2 data bytes.
        "vcdiff-add-past-data.patch": header + vcdiff_window(None, 4, b"ab", bytes([5]), b""),
        # The window says 8 bytes but its instructions make 4.
        "vcdiff-window-length-mismatch.patch": header + vcdiff_window(None, 8, b"abcd", bytes([5]), b""),
        # RUN of 4 bytes into a window of 2.
        "vcdiff-target-overflow.patch": header + vcdiff_window(None, 2, b"a", bytes([0]) + varint(4), b""),
        "vcdiff-bad-adler32.patch": header + vcdiff_window(None, 4, b"abcd", bytes([5]), b"", checksum=0x12345678),
        "vcdiff-window-too-large.patch": header + vcdiff_window(None, 1 << 30, b"a", bytes([0]) + varint(1 << 30), b""),
        "vcdiff-bad-magic.patch": b"\xd6\xc3\xc5\x00\x00",
        "vcdiff-secondary-djw.patch": b"\xd6\xc3\xc4\x00\x01\x01",
        "vcdiff-custom-code-table.patch": b"\xd6\xc3\xc4\x00\x02\x05\x04\x03\x00\x00\x00",
        "vcdiff-target-window.patch": header + b"\x02\x00\x00\x07\x00\x00\x00\x00\x00",
        "vcdiff-varint-overflow.patch": header + b"\x00" + b"\xff" * 11 + b"\x01",
        "vcdiff-truncated-window.patch": header + vcdiff_window(None, 4, b"abcd", bytes([5]), b"")[:-3],
        "vcdiff-encoding-length-mismatch.patch": header + b"\x00\x09\x04\x00\x04\x01\x00abcd\x05",
    })
    for name, data in errors.items():
        write(os.path.join("errors", name), data)


def fuzz_seeds():
    """Seeds for the FuzzBSDiff40 and FuzzVCDiff targets (Sources/FuzzTargets): real patches
    against the targets' own synthetic base, behind the selector byte that picks that base,
    so that the fuzzers start from inputs that apply completely."""
    root = os.path.dirname(TESTDATA)
    rng = random.Random(25)
    steps = 40  # base of 160 bytes (VCDIFF: selector * 4; BSDIFF40: (selector >> 1) * 4)
    base = bytes((i * 31 + (i >> 3)) & 0xFF for i in range(steps * 4))
    new = edited(rng, base, 6) + words(rng, 40)
    with tempfile.TemporaryDirectory() as work:
        for side, data in (("old", base), ("new", new)):
            with open(os.path.join(work, side), "wb") as f:
                f.write(data)
        run("bsdiff", "old", "new", "p.bsdiff", cwd=work)
        run("xdelta3", "-e", "-f", "-A", "-s", "old", "new", "p.vcdiff", cwd=work)
        with open(os.path.join(work, "p.bsdiff"), "rb") as f:
            bsdiff_patch = f.read()
        with open(os.path.join(work, "p.vcdiff"), "rb") as f:
            vcdiff_patch = f.read()
    # Raw-block form for FuzzBSDiff40 (odd selector): header body, then three length-prefixed
    # raw blocks: one triple copying the base with a +1 diff, then 3 extra bytes.
    control = triple(len(base), 3, 0)
    raw = offtout(0) + offtout(0) + offtout(len(base) + 3)
    for block in (control, b"\x01" * len(base), b"xyz"):
        raw += struct.pack(">H", len(block)) + block
    seeds = {
        "FuzzBSDiff40/seed-bsdiff40": bytes([steps << 1]) + bsdiff_patch,
        "FuzzBSDiff40/seed-raw-blocks": bytes([steps << 1 | 1]) + raw,
        "FuzzVCDiff/seed-vcdiff": bytes([steps]) + vcdiff_patch,
    }
    for name, data in seeds.items():
        path = os.path.join(root, "Tests/DeltaCoreTests/Fuzz", name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    print(f"fuzz seeds make {len(new)} (bsdiff40, vcdiff) and {len(base) + 3} (raw blocks) bytes")


if __name__ == "__main__":
    main()
    fuzz_seeds()
