#!/usr/bin/env bash
# Decompress-and-digest throughput: `mkpatch inspect` against the shell pipelines a user
# would write, in one hyperfine run so the ratios hold on a noisy machine.
#   usage: bench/decompress-digest.sh FILE...     (needs hyperfine; builds mkpatch in release)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product mkpatch >/dev/null
mkpatch=.build/release/mkpatch
for file in "$@"; do
  case "$(head -c 3 "$file" | od -An -tx1 | tr -d ' ')" in
    1f8b*) decompress="gzip -dc" ;;
    425a68) decompress="bzip2 -dc" ;;
    fd377a) decompress="xz -dc" ;;
    *) decompress="cat" ;;
  esac
  echo "== $file ($decompress)"
  md=$(mktemp); hyperfine --warmup 1 --runs 5 --style none --export-markdown "$md" \
    -n "gzip-style pipe, SHA512" "$decompress '$file' | sha512sum" \
    -n "mkpatch inspect, SHA512" "$mkpatch inspect '$file' --hashes SHA512" \
    -n "pipes, all 8 digests" "bash -c \"tee >(md5sum >/dev/null) >(sha256sum >/dev/null) >(sha512sum >/dev/null) >(b2sum >/dev/null) < '$file' | $decompress | tee >(md5sum >/dev/null) >(sha256sum >/dev/null) >(sha512sum >/dev/null) | b2sum\"" \
    -n "mkpatch inspect, all 8 digests" "$mkpatch inspect '$file'" >/dev/null; cat "$md"; rm -f "$md"
done
