#!/usr/bin/env bash
# `plainsight history` against the real npm registry (the tests use a
# loopback registry only). Runs the history of a package twice: the first
# run downloads and scans (download and scan rates side by side in the
# "run" section of the text view), the second must come from the result
# cache. Everything goes to OUT (default ./history-real).
#
#   scripts/history-real.sh [PACKAGE] [PLATFORM] [RANGE]
#   scripts/history-real.sh @anthropic-ai/claude-code linux-x64
#   scripts/history-real.sh @anthropic-ai/claude-code linux-x64 '2.1.80 - 2.1.210'
#
# Environment: PLAINSIGHT (binary, default target/release/plainsight, built
# if missing), OUT, STORE (a --store URL; default a SQLite file in OUT, so
# the run starts from an empty cache), NICE (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=${1:-@anthropic-ai/claude-code}
platform=${2:-linux-x64}
range=${3:-}
out=${OUT:-history-real}
mkdir -p "$out"
bin=${PLAINSIGHT:-target/release/plainsight}
if [ ! -x "$bin" ]; then
    cargo build --release -p plainsight
fi
store=${STORE:-$out/history.sqlite3}
args=(history "npm:$pkg" --platform "$platform" --store "$store")
if [ -n "$range" ]; then
    args+=(--versions "$range")
fi
run() {
    local name=$1
    shift
    local start end status=0
    start=$(date +%s.%N)
    nice -n "${NICE:-10}" "$bin" "${args[@]}" "$@" >"$out/$name" 2>"$out/$name.err" || status=$?
    end=$(date +%s.%N)
    printf '%s: exit %s, %.1f s wall\n' "$name" "$status" "$(echo "$end - $start" | bc)"
}
run first.txt --color never
run again.txt --color never
run history.json --format json
run history.html --format html
run history.sarif --format sarif
sed -n '/^verdict/,/^capabilities/p' "$out/first.txt"
sed -n '/^run/,$p' "$out/first.txt"
sed -n '/^run/,$p' "$out/again.txt"
