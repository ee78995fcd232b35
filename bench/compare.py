#!/usr/bin/env python3
"""Side-by-side delta benchmark: mkpatch against bsdiff, xdelta3, zstd --patch-from and HDiffPatch.

usage: bench/compare.py CORPUS_DIR [--work DIR] [--mkpatch PATH] [--pairs old:new,...] [--tools a,b]
                        [--markdown FILE] [--previous RESULTS.jsonl]

For each pair of tarballs in CORPUS_DIR (default: the deltafetch corpus pairs), decompresses
both, runs every differ on the uncompressed .tar pair in the same run (so ratios hold on a busy
machine), applies every patch, checks the result byte for byte, and prints one JSON line per
tool (patch bytes, create/apply seconds, peak RSS from /usr/bin/time). With --markdown, also
writes a results table with our ratios to the best peer. --previous adds the JSON lines of an
earlier run (say, the slow peers) to the table; times are then from different runs.

Peers: apt-get install bsdiff xdelta3 zstd time; HDiffPatch through its Python binding
(pip install hdiffpatch, or HDIFF_PYTHON=/path/to/venv/python), LZMA2 level 9, 64 MiB window,
one thread.
"""
import hashlib, json, os, subprocess, sys, time

DEFAULT_PAIRS = [
    ("six-1.16.0.tar.gz", "six-1.17.0.tar.gz"),
    ("Django-5.0.6.tar.gz", "Django-5.0.7.tar.gz"),
    ("Django-5.0.7.tar.gz", "Django-5.1.tar.gz"),
    ("botocore-1.35.0.tar.gz", "botocore-1.35.1.tar.gz"),
    ("botocore-1.35.1.tar.gz", "botocore-1.35.2.tar.gz"),
]

HDIFF = r"""
import sys, hdiffpatch
cmd, a, b, c = sys.argv[1:5]
if cmd == "diff":
    d = hdiffpatch.diff(open(a, "rb").read(), open(b, "rb").read(),
                        compression=hdiffpatch.Lzma2Config(level=9, window=26, threads=1), validate=False)
    open(c, "wb").write(d)
else:
    open(c, "wb").write(hdiffpatch.apply(open(a, "rb").read(), open(b, "rb").read()))
"""


def timed(cmd):
    start = time.time()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True)
    wall = time.time() - start
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[0]} exited {p.returncode}: {p.stderr.decode()[-300:]}")
    return wall, int(p.stderr.decode().strip().splitlines()[-1]) * 1024


def decompress(src, dst):
    if os.path.exists(dst):
        return
    tool = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz"}.get(os.path.splitext(src)[1])
    with open(dst + ".tmp", "wb") as out:
        subprocess.run([tool, "-dc", src] if tool else ["cat", src], stdout=out, check=True)
    os.rename(dst + ".tmp", dst)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def tools(old, new, mkpatch):
    size = max(os.path.getsize(old), os.path.getsize(new))
    window = 1 << max(24, (size - 1).bit_length())
    wlog = min(31, max(27, (size - 1).bit_length() + 1))
    py = os.environ.get("HDIFF_PYTHON", "python3")
    return {
        "bsdiff": (["bsdiff", old, new, "{p}"], ["bspatch", old, "{o}", "{p}"]),
        "xdelta3-9": (["xdelta3", "-e", "-9", "-f", "-B", str(min(window, 1 << 31)), "-s", old, new, "{p}"],
                      ["xdelta3", "-d", "-f", "-B", str(min(window, 1 << 31)), "-s", old, "{p}", "{o}"]),
        "zstd-19-long": (["zstd", "-q", "-f", "-19", f"--long={wlog}", f"--patch-from={old}", new, "-o", "{p}"],
                         ["zstd", "-q", "-d", "-f", f"--long={wlog}", "--memory=2047MB", f"--patch-from={old}", "{p}", "-o", "{o}"]),
        "zstd-22-ultra": (["zstd", "-q", "-f", "--ultra", "-22", f"--long={wlog}", f"--patch-from={old}", new, "-o", "{p}"],
                          ["zstd", "-q", "-d", "-f", f"--long={wlog}", "--memory=2047MB", f"--patch-from={old}", "{p}", "-o", "{o}"]),
        "hdiffpatch-lzma2": ([py, "-c", HDIFF, "diff", old, new, "{p}"], [py, "-c", HDIFF, "patch", old, "{p}", "{o}"]),
        "mkpatch": ([mkpatch, "diff", old, new, "-o", "{p}"], [mkpatch, "apply", old, "{p}", "-o", "{o}"]),
    }


def run_pair(corpus, work, old_name, new_name, mkpatch, only):
    label = f"{old_name.split('.tar')[0]} → {new_name.split('.tar')[0].split('-')[-1]}"
    folder = os.path.join(work, old_name.split(".tar")[0] + "_" + new_name.split(".tar")[0])
    os.makedirs(folder, exist_ok=True)
    old, new = os.path.join(folder, "old.tar"), os.path.join(folder, "new.tar")
    decompress(os.path.join(corpus, old_name), old)
    decompress(os.path.join(corpus, new_name), new)
    want = sha256(new)
    results = {"pair": label, "old_tar": os.path.getsize(old), "new_tar": os.path.getsize(new), "tools": {}}
    for name, (create, apply) in tools(old, new, mkpatch).items():
        if only and name not in only:
            continue
        patch, out = os.path.join(folder, name + ".patch"), os.path.join(folder, name + ".out")
        fill = lambda cmd: [x.replace("{p}", patch).replace("{o}", out) for x in cmd]
        record = {"tool": name}
        try:
            record["create_s"], record["create_rss"] = timed(fill(create))
            record["size"] = os.path.getsize(patch)
            record["apply_s"], record["apply_rss"] = timed(fill(apply))
            record["ok"] = sha256(out) == want
        except Exception as error:  # a missing peer must not stop the others
            record["error"] = str(error)[:300]
        if os.path.exists(out):
            os.remove(out)
        results["tools"][name] = record
        print(json.dumps({"pair": label, **record}), flush=True)
    return results


def markdown(all_results):
    peers = ["bsdiff", "xdelta3-9", "zstd-19-long", "zstd-22-ultra", "hdiffpatch-lzma2"]
    lines = ["| pair (uncompressed tar) | " + " | ".join(peers) + " | **mkpatch** | size vs best peer | create s (ours / HDiffPatch) | create RSS (ours, limit) | apply s (ours / xdelta3 -d) | apply RSS |",
             "|---" * (len(peers) + 7) + "|"]
    ratios = []
    for r in all_results:
        t = r["tools"]
        sizes = {k: t[k]["size"] for k in peers if k in t and t[k].get("ok")}
        ours = t.get("mkpatch", {})
        row = [f"{r['pair']} ({r['new_tar'] / 1e6:.1f} MB)"]
        row += [f"{sizes[k]:,}" if k in sizes else "–" for k in peers]
        if ours.get("ok") and sizes:
            best = min(sizes.values())
            ratio = ours["size"] / best
            ratios.append(ratio)
            hd, xd = t.get("hdiffpatch-lzma2", {}), t.get("xdelta3-9", {})
            limit = 6 * r["old_tar"] + r["new_tar"] + (64 << 20)
            row += [f"**{ours['size']:,}**", f"{ratio:.3f}",
                    f"{ours['create_s']:.2f} / {hd.get('create_s', float('nan')):.2f}",
                    f"{ours['create_rss'] / 2**20:.0f} MiB (≤ {limit / 2**20:.0f})",
                    f"{ours['apply_s']:.2f} / {xd.get('apply_s', float('nan')):.2f}",
                    f"{ours['apply_rss'] / 2**20:.0f} MiB"]
        else:
            row += ["–"] * 6
        lines.append("| " + " | ".join(row) + " |")
    if ratios:
        ratios.sort()
        median = ratios[len(ratios) // 2] if len(ratios) % 2 else (ratios[len(ratios) // 2 - 1] + ratios[len(ratios) // 2]) / 2
        lines.append("")
        lines.append(f"Median size ratio to the best peer: {median:.3f}; worst: {max(ratios):.3f}.")
    return "\n".join(lines) + "\n"


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        sys.exit(__doc__)
    corpus = args.pop(0)
    work, mkpatch, pairs, only, md, previous = "/tmp/deltafetch-bench", ".build/release/mkpatch", DEFAULT_PAIRS, None, None, None
    while args:
        flag = args.pop(0)
        if flag == "--work": work = args.pop(0)
        elif flag == "--mkpatch": mkpatch = args.pop(0)
        elif flag == "--pairs": pairs = [tuple(p.split(":")) for p in args.pop(0).split(",")]
        elif flag == "--tools": only = set(args.pop(0).split(","))
        elif flag == "--markdown": md = args.pop(0)
        elif flag == "--previous": previous = args.pop(0)
        else: sys.exit(f"unknown option {flag}")
    mkpatch = os.path.abspath(mkpatch)
    results = [run_pair(corpus, work, a, b, mkpatch, only) for a, b in pairs
               if os.path.exists(os.path.join(corpus, a)) and os.path.exists(os.path.join(corpus, b))]
    if previous:
        for line in open(previous):
            if not line.startswith("{") or '"tool"' not in line:
                continue
            record = json.loads(line)
            for r in results:
                if r["pair"] == record["pair"] and record["tool"] not in r["tools"]:
                    r["tools"][record["tool"]] = {k: v for k, v in record.items() if k != "pair"}
    table = markdown(results)
    print(table)
    if md:
        with open(md, "w") as f:
            f.write(table)


main()
