#!/usr/bin/env bash
# Bytes saved and time spent by `deltafetch fetch` on corpus pairs, against downloading the
# whole file from the same local nginx in the same run.
#   bench/fetch-savings.sh [CORPUS_DIR]   (default: $DELTA_CORPUS or ~/.cache/delta-corpus)
# For each pair: mkpatch create (the maintainer's side, timed apart), then a client distdir
# holding the old file fetches the new one (patch + rebuild + verify + recompress), then an
# empty distdir fetches it whole. Prints a Markdown table; break-even is the link speed below
# which patching finishes first (bytes saved / extra seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-${DELTA_CORPUS:-$HOME/.cache/delta-corpus}}
source bench/lib/local-nginx.sh
start_local_nginx ""
mirror="http://127.0.0.1:$base_port"

pairs=(
  "six-1.16.0.tar.gz six-1.17.0.tar.gz"
  "Django-5.0.6.tar.gz Django-5.0.7.tar.gz"
  "Django-5.0.7.tar.gz Django-5.1.tar.gz"
  "botocore-1.35.0.tar.gz botocore-1.35.1.tar.gz"
  "botocore-1.35.1.tar.gz botocore-1.35.2.tar.gz"
)
seconds() { python3 -c 'import json,sys; print(json.load(sys.stdin)["seconds"])'; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }
echo "| pair | full file | downloaded | saved | fetch (patch+rebuild) | fetch whole | break-even link |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for pair in "${pairs[@]}"; do
  set -- $pair
  old=$corpus/$1; new=$corpus/$2
  [ -f "$old" ] || old=testdata/$1; [ -f "$new" ] || new=testdata/$2
  [ -f "$old" ] && [ -f "$new" ] || { echo "skip $pair (not in corpus)" >&2; continue; }
  cp "$new" "$work/mirror/"
  "$mkpatch" create "$old" "$new" -o "$work/mirror" --list "$work/mirror/patches" >/dev/null
  "$mkpatch" manifest "$new" > "$work/Manifest"
  client=$work/client; rm -rf "$client"; mkdir -p "$client"; cp "$old" "$client/"
  patched=$("$deltafetch" fetch "$2" --distdir "$client" --patches "$work/mirror/patches" --manifest "$work/Manifest" \
            --mirror "$mirror" --prefer bytes --json --quiet)
  [ "$(echo "$patched" | field action)" = patched ] || { echo "not patched: $patched" >&2; exit 1; }
  cmp "$client/$2" "$new"
  empty=$work/empty; rm -rf "$empty"; mkdir -p "$empty"
  whole=$("$deltafetch" fetch "$2" --distdir "$empty" --patches "$work/mirror/patches" --manifest "$work/Manifest" \
          --mirror "$mirror" --json --quiet || true)
  full=$(stat -c %s "$new"); got=$(echo "$patched" | field bytes_downloaded)
  tp=$(echo "$patched" | seconds); tw=$(echo "$whole" | seconds)
  python3 - "$1 → $2" "$full" "$got" "$tp" "$tw" <<'PY'
import sys
name, full, got, tp, tw = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
saved = full - got
extra = tp - tw
even = f"{saved / extra / 1e6:.1f} MB/s" if extra > 0 else "always"
print(f"| {name} | {full:,} | {got:,} | {saved / full:.1%} | {tp:.2f} s | {tw:.2f} s | {even} |")
PY
done
