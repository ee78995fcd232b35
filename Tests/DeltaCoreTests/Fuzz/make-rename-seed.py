#!/usr/bin/env python3
"""Writes FuzzNativePatch/seed-tar-rename: a native patch over the fuzz target's base
(FuzzTargets.nativePatchBase) that uses the tarRename feature, so that the replay and the
fuzzer reach the rename section's parser and the applier's renaming.

usage: Tests/DeltaCoreTests/Fuzz/make-rename-seed.py MKPATCH

mkpatch diffs the base against a small tar whose names begin with pkg-1.0 (its preimage); this
script then adds the rename section pkg-1.0 -> pkg-1.10 and feature bit 3 to the header, so
the patch makes the same tar with every name renamed.
"""
import hashlib, importlib.util, io, os, struct, subprocess, sys, tarfile, tempfile

mkpatch = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
base = bytes((i * 31 + (i >> 3)) & 0xFF for i in range(4096))


def archive(top):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in [(top, None), (top + "/a.txt", b"hello\n" * 20), (top + "/b/c.py", base[100:700])]:
            add(tar, name, data)
    return buf.getvalue()


def add(tar, name, data):
    info = tarfile.TarInfo(name)
    info.mtime, info.uid, info.gid, info.uname, info.gname = 1700000000, 1000, 1000, "u", "g"
    if data is None:
        info.type, info.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(info)
    else:
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))


preimage, renamed = archive("pkg-1.0"), archive("pkg-1.10")


def varint(value):
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80); value >>= 7
    out.append(value)
    return bytes(out)


# The patch reader of bench/patch-streams.py.
spec = importlib.util.spec_from_file_location("patch_streams", os.path.join(here, "../../../bench/patch-streams.py"))
patch_streams = importlib.util.module_from_spec(spec)
spec.loader.exec_module(patch_streams)
read_varint = patch_streams.varint


with tempfile.TemporaryDirectory() as work:
    paths = [os.path.join(work, n) for n in ("base", "new.tar", "p")]
    open(paths[0], "wb").write(base)
    open(paths[1], "wb").write(preimage)
    subprocess.run([mkpatch, "diff", "--no-decompress", paths[0], paths[1], "-o", paths[2]], check=True, capture_output=True)
    patch = open(paths[2], "rb").read()

header_length, = struct.unpack_from("<I", patch, 10)
body, streams = patch[14:14 + header_length], patch[14 + header_length:]
features, pos = read_varint(body, 0)
rest = bytearray(body[pos:])
# The new file's SHA-256 (the second digest list's only entry) is the renamed tar's.
at = read_varint(rest, read_varint(rest, 0)[1])[1]
at += 1 + sum(1 + 32 for _ in range(rest[at]))
assert rest[at] == 1 and rest[at + 1] == 2
rest[at + 2:at + 34] = hashlib.sha256(renamed).digest()
sections, spos = read_varint(rest, len(rest) - 1)  # mkpatch diff writes no sections
assert sections == 0 and spos == len(rest)
section = varint(7) + b"pkg-1.0" + varint(8) + b"pkg-1.10"
body = varint(features | 8) + rest[:-1] + varint(1) + varint(3) + varint(1) + varint(len(section)) + section
seed = patch[:10] + struct.pack("<I", len(body)) + body + streams
open(os.path.join(here, "FuzzNativePatch", "seed-tar-rename"), "wb").write(seed)
print(f"seed-tar-rename: {len(seed)} bytes, makes {len(renamed)} bytes")
