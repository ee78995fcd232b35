#!/bin/sh
# Builds mkpatch in release mode and compares it with bsdiff, xdelta3, zstd and HDiffPatch on
# the corpus: bench/run-peers.sh [CORPUS_DIR] [extra compare.py options]
# CORPUS_DIR defaults to $DELTA_CORPUS, then ~/.cache/delta-corpus.
set -eu
cd "$(dirname "$0")/.."
corpus=${1:-${DELTA_CORPUS:-$HOME/.cache/delta-corpus}}
[ $# -gt 0 ] && shift
swift build -c release --product mkpatch
exec python3 bench/compare.py "$corpus" --mkpatch .build/release/mkpatch "$@"
