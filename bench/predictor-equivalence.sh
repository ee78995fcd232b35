#!/bin/sh
# The reconstruction predictor (MatchPredictor) of REVISION against the working tree's, compiled
# side by side: both must answer every query alike (longest matches with their lazy checks,
# index and distance walks, every setting the analysis tries, on 40 random contents from tiny
# alphabets to bytes), since payloads are only replayable when the predictions are unchanged.
# Prints "checks N mismatches 0" when they agree; exits 1 otherwise.
#
# Usage: bench/predictor-equivalence.sh [REVISION]   (default HEAD~1)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
revision=${1:-HEAD~1}
source=Sources/DeltaCore/Compression/Reconstruction/MatchPredictor.swift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git -C "$root" show "$revision:$source" \
    | sed 's/final class MatchPredictor/final class OldPredictor/; s/MatchPredictor\.Settings/OldPredictor.Settings/g' \
    > "$work/old.swift"
sed 's/final class MatchPredictor/final class NewPredictor/; s/MatchPredictor\.Settings/NewPredictor.Settings/g' \
    "$root/$source" > "$work/new.swift"
cp "$root/bench/lib/predictor-equivalence/main.swift" "$work/main.swift"
swiftc -O "$work/old.swift" "$work/new.swift" "$work/main.swift" -o "$work/equivalence" 2>&1 | grep -v warning || true
"$work/equivalence" | tee "$work/out"
grep -q ' mismatches 0$' "$work/out"
