#!/bin/sh
# Builds mkpatch in release mode and compares it with bsdiff, xdelta3, zstd and HDiffPatch on
# the corpus: bench/run-peers.sh [CORPUS_DIR] [extra compare.py options]
# CORPUS_DIR defaults to $DELTA_CORPUS, then ~/.cache/delta-corpus.
set -eu
cd "$(dirname "$0")/.."
corpus=${1:-${DELTA_CORPUS:-$HOME/.cache/delta-corpus}}
[ $# -gt 0 ] && shift
# mkpatch as it is deployed: the Swift runtime linked statically (the shared Swift libraries'
# pages add about 3 MB to every run's resident memory, which the applier's 16 MiB budget of
# issue 14 cannot spare). Its own build folder, so the usual .build is not rebuilt.
swift build -c release --product mkpatch --static-swift-stdlib --scratch-path .build-static
exec python3 bench/compare.py "$corpus" --mkpatch .build-static/release/mkpatch "$@"
