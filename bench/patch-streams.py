#!/usr/bin/env python3
"""Where a native patch's bytes go: per stream, and (with --new) per tar member of the new file.

usage: bench/patch-streams.py PATCH [--new NEW.tar] [--top N] [--dump DIR]

Prints each stream's raw and coded length. With --new, replays the commands over the new
file's offsets and prints, for the N tar members with the most literal bytes, how many of
their bytes were literals, copies, and copies with nonzero residuals. --dump writes the
decoded streams as DIR/commands, residuals, metadata, literals.
"""
import argparse, lzma, os, struct, tarfile

KINDS = ["commands", "residuals", "metadata", "literals"]


def varint(buf, pos):
    value = shift = 0
    while True:
        byte = buf[pos]; pos += 1
        value |= (byte & 0x7F) << shift; shift += 7
        if byte < 0x80:
            return value, pos


def parse(data):
    assert data[:8] == b"\x89DFPATCH", "not a native patch"
    version, hlen = struct.unpack_from("<HI", data, 8)
    pos = 14
    features, pos = varint(data, pos)
    old, pos = varint(data, pos)
    new, pos = varint(data, pos)
    for _ in range(2):
        count = data[pos]; pos += 1
        for _ in range(count):
            pos += 1 + {1: 16, 2: 32, 3: 64, 4: 64}[data[pos]]
    streams = []
    count = data[pos]; pos += 1
    for _ in range(count):
        kind, codec, wlog = data[pos:pos + 3]; pos += 3
        raw, pos = varint(data, pos)
        coded, pos = varint(data, pos)
        streams.append(dict(kind=kind, codec=codec, wlog=wlog, raw=raw, coded=coded))
    return dict(version=version, features=features, old=old, new=new, streams=streams,
                header=14 + hlen, size=len(data))


def decode(data, info):
    out, offset = [], info["header"]
    if info["features"] & 4:
        s = info["streams"][0]
        raw = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[{"id": lzma.FILTER_LZMA2, "dict_size": 1 << s["wlog"]}]) \
            .decompress(data[offset:offset + s["coded"]])
        at = 0
        for s in info["streams"]:
            out.append(raw[at:at + s["raw"]]); at += s["raw"]
        return out
    for s in info["streams"]:
        chunk = data[offset:offset + s["coded"]]; offset += s["coded"]
        if s["codec"] == 1:
            chunk = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[{"id": lzma.FILTER_LZMA2, "dict_size": 1 << s["wlog"]}]).decompress(chunk)
        out.append(chunk)
    return out


def members(path):
    with tarfile.open(path) as tar:
        return [(m.offset, m.offset_data + ((m.size + 511) // 512) * 512, m.name) for m in tar.getmembers()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("patch"); ap.add_argument("--new"); ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--dump")
    args = ap.parse_args()
    data = open(args.patch, "rb").read()
    info = parse(data)
    print(f"patch {info['size']} bytes: header {info['header']}, version {info['version']}, features {info['features']:#x}")
    for s in info["streams"]:
        print(f"  {KINDS[s['kind']] if s['kind'] < 4 else s['kind']:<10} codec {s['codec']} window 2^{s['wlog']:<2} raw {s['raw']:>10} coded {s['coded']:>9}")
    streams = decode(data, info)
    if args.dump:
        os.makedirs(args.dump, exist_ok=True)
        for name, raw in zip(KINDS, streams):
            open(os.path.join(args.dump, name), "wb").write(raw)
    commands = streams[0]
    pos, spans = 0, []  # (new start, copy length, literal length)
    new_at = 0
    while pos < len(commands) and new_at < info["new"]:
        copy, pos = varint(commands, pos)
        lit, pos = varint(commands, pos)
        _, pos = varint(commands, pos)
        spans.append((new_at, copy, lit)); new_at += copy + lit
    print(f"  {len(spans)} commands, {sum(s[1] for s in spans)} copied bytes, {sum(s[2] for s in spans)} literal bytes")
    if not args.new:
        return
    table = members(args.new)
    lits = {}
    index = 0
    for start, copy, lit in spans:
        a, b = start + copy, start + copy + lit
        while a < b:
            while index + 1 < len(table) and table[index][1] <= a:
                index += 1
            end = min(b, table[index][1]) if table[index][0] <= a else b
            name = table[index][2] if table[index][0] <= a < table[index][1] else "(outside members)"
            lits[name] = lits.get(name, 0) + end - a
            a = end
    top = sorted(lits.items(), key=lambda kv: -kv[1])
    print(f"  literal bytes in {len(lits)} members; top {args.top}:")
    for name, count in top[:args.top]:
        print(f"    {count:>9}  {name}")


if __name__ == "__main__":
    main()
