#!/usr/bin/env bash
# Is deltafetch ever slower than a plain download? (issue "Never slower")
#   bench/throttled-fetch.sh [CORPUS_DIR] [SPEEDS]   (default: $DELTA_CORPUS or ~/.cache/delta-corpus;
#                                                    SPEEDS "500k 4m 32m", nginx limit_rate units)
# One local nginx serves the same mirror on one port per link speed (limit_rate). For each
# corpus pair and speed, side by side in one run:
#   curl     a plain download of the new file;
#   patched  `deltafetch fetch --prefer bytes` (always patches: GLEP 25's rule);
#   default  `deltafetch fetch` as shipped (soonest finished), after one earlier fetch of
#            another file from the same mirror, so that the link is measured.
# Prints a Markdown table; "ok" when default ≤ 1.15 × min(curl, patched) + 0.5 s.
# Environment: PAIRS, a regular expression choosing pairs by name (default: all);
# CREATE_ARGS, more arguments for `mkpatch create` (e.g. "--reconstruction small");
# BUSY=N, N busy loops at normal priority while the fetches of each pair run (not while its
# patch is made), to see the choice on a machine whose cores are taken.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-${DELTA_CORPUS:-$HOME/.cache/delta-corpus}}
speeds=${2:-"500k 4m 32m"}
source bench/lib/local-nginx.sh
rates=()
for speed in $speeds; do rates+=("limit_rate $speed;"); done
start_local_nginx "${rates[@]}"

# The warm-up file: another distfile on the same mirror (2 MB, incompressible).
head -c 2000000 /dev/urandom > "$work/warmup-1.0.bin"
gzip -n -c "$work/warmup-1.0.bin" > "$work/mirror/warmup-1.0.tar.gz"

pairs=(
  "six-1.16.0.tar.gz six-1.17.0.tar.gz"
  "Django-5.0.6.tar.gz Django-5.0.7.tar.gz"
  "Django-5.0.7.tar.gz Django-5.1.tar.gz"
  "botocore-1.35.0.tar.gz botocore-1.35.1.tar.gz"
)
field() { python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }
echo "| pair | link | curl s | patched s | default s | default did | within 1.15× + 0.5 s |"
echo "|---|---|---:|---:|---:|---|---|"
busy_pids=()
stop_busy() { [ ${#busy_pids[@]} -eq 0 ] || kill "${busy_pids[@]}" 2>/dev/null; busy_pids=(); }
for pair in "${pairs[@]}"; do
  [[ $pair =~ ${PAIRS:-.} ]] || continue
  set -- $pair
  old=$corpus/$1; new=$corpus/$2
  [ -f "$old" ] || old=testdata/$1; [ -f "$new" ] || new=testdata/$2
  [ -f "$old" ] && [ -f "$new" ] || { echo "skip $pair (not in corpus)" >&2; continue; }
  rm -f "$work/mirror/patches"
  cp "$new" "$work/mirror/"
  # shellcheck disable=SC2086  # CREATE_ARGS is split into arguments on purpose
  "$mkpatch" create "$old" "$new" -o "$work/mirror" --list "$work/mirror/patches" ${CREATE_ARGS:-} >/dev/null
  { "$mkpatch" manifest "$new"; "$mkpatch" manifest "$work/mirror/warmup-1.0.tar.gz"; } > "$work/Manifest"
  port=$base_port
  for _ in $(seq 1 "${BUSY:-0}"); do (exec timeout 900 sh -c 'while :; do :; done') & busy_pids+=($!); done
  for speed in $speeds; do
    url="http://127.0.0.1:$port"
    fetch() {  # fetch DISTDIR FILE [ARGS...]
      local dir=$1 file=$2; shift 2
      DELTAFETCH_CONFIG=/dev/null "$deltafetch" fetch "$file" --distdir "$dir" --patches "$work/mirror/patches" \
        --manifest "$work/Manifest" --mirror "$url" --json --quiet "$@" || true
    }
    curl_s=$(curl -s -o "$work/curl.out" -w '%{time_total}' "$url/$2")
    cmp "$work/curl.out" "$new"
    client=$work/patched; rm -rf "$client"; mkdir -p "$client"; cp "$old" "$client/"
    patched=$(fetch "$client" "$2" --prefer bytes)
    [ "$(echo "$patched" | field action)" = patched ] || { echo "not patched: $patched" >&2; exit 1; }
    cmp "$client/$2" "$new"
    client=$work/default; rm -rf "$client"; mkdir -p "$client"; cp "$old" "$client/"
    fetch "$client" warmup-1.0.tar.gz >/dev/null
    default=$(fetch "$client" "$2")
    cmp "$client/$2" "$new"
    python3 - "$1 → $2" "$speed" "$curl_s" "$(echo "$patched" | field seconds)" "$(echo "$default" | field seconds)" \
      "$(echo "$default" | field action)" <<'PY'
import sys
name, speed, curl, patched, default, action = sys.argv[1:7]
curl, patched, default = float(curl), float(patched), float(default)
best = min(curl, patched)
ok = "ok" if default <= 1.15 * best + 0.5 else f"NO ({default / best:.2f}×)"
print(f"| {name} | {speed}/s | {curl:.2f} | {patched:.2f} | {default:.2f} | {action} | {ok} |")
PY
    port=$((port + 1))
  done
  stop_busy
done
