#!/usr/bin/env bash
# inspect on one-line inputs (text, and a JSON body with one huge string) of
# 5, 10, 25 and 50 MB with many findings: time per MB must stay flat.
#
#   scripts/bench-inspect.sh [BASE_REV] [MB ...]
#
# Then the peak memory (/usr/bin/time -v) of inspecting a JSON object nested
# 2,000, 4,000 and 8,000 deep (DEPTHS to change), which must grow linearly.
# BASE_MAX_MB (default 10) bounds the sizes the base runs, since quadratic
# code needs hours at 50 MB on a loaded machine.
#
# Runs crates/plainsight-inspect/examples/bench_inspect.rs built from the work
# tree and, when BASE_REV is given (e.g. a commit before a change), the same
# example built from that revision in a temporary git worktree; both run size
# by size, interleaved, so they see the same machine noise. A run over 600 s is
# stopped and shown as such (quadratic code at 50 MB can take hours).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BASE=${1:-}
shift || true
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(5 10 25 50)
WORK=$(mktemp -d)
cleanup() {
    if [ -d "$WORK/base" ]; then git -C "$ROOT" worktree remove --force "$WORK/base" || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
build() { # dir target-dir out
    # The base gets its own target directory: cargo names artifacts by package
    # and version, not by path, so one directory would mix the two builds.
    (cd "$1" && CARGO_TARGET_DIR=$2 cargo build --quiet --release -p plainsight-inspect --example bench_inspect)
    cp "$2/release/examples/bench_inspect" "$3"
}
if [ -n "$BASE" ]; then
    git -C "$ROOT" worktree add --quiet --detach "$WORK/base" "$BASE"
    mkdir -p "$WORK/base/crates/plainsight-inspect/examples"
    cp "$ROOT/crates/plainsight-inspect/examples/bench_inspect.rs" "$WORK/base/crates/plainsight-inspect/examples/"
    build "$WORK/base" "$TARGET/bench-base" "$WORK/bench-base"
fi
build "$ROOT" "$TARGET" "$WORK/bench-new"
printf '%-8s %-6s %5s %9s %9s %9s %8s\n' build kind MB findings "wall s" "cpu s" "MB/s"
BASE_MAX_MB=${BASE_MAX_MB:-10}
for mb in "${SIZES[@]}"; do
    for which in base new; do
        [ -x "$WORK/bench-$which" ] || continue
        if [ "$which" = base ] && [ "$mb" -gt "$BASE_MAX_MB" ]; then
            printf '%-8s %-6s %5s   (not run: over BASE_MAX_MB=%s)\n' base "*" "$mb" "$BASE_MAX_MB"
            continue
        fi
        if ! timeout 600 "$WORK/bench-$which" "$mb" | tail -n +2 | sed "s/^/$(printf '%-8s ' "$which")/"; then
            printf '%-8s %-6s %5s %9s %9s\n' "$which" "*" "$mb" "" ">600 (stopped)"
        fi
    done
done
echo
printf '%-8s %-6s %8s %12s %12s\n' build deep depth "cpu s" "peak RSS KB"
for depth in ${DEPTHS:-2000 4000 8000}; do
    for which in base new; do
        [ -x "$WORK/bench-$which" ] || continue
        /usr/bin/time -f '%U %S %M' -o "$WORK/time" "$WORK/bench-$which" deep "$depth" > /dev/null || true
        read -r user sys rss < "$WORK/time"
        printf '%-8s %-6s %8s %12s %12s\n' "$which" json "$depth" "$(awk -v a="$user" -v b="$sys" 'BEGIN { print a + b }')" "$rss"
    done
done
