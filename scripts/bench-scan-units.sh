#!/usr/bin/env bash
# CPU cost of `plainsight scan` of the same inputs by two builds, interleaved.
#
#   scripts/bench-scan-units.sh BASE_BIN NEW_BIN RUNS INPUT...
#
# For each input, runs `BASE_BIN scan --format json INPUT` and the same with
# NEW_BIN alternately, RUNS times each (so both see the same machine noise),
# and prints user+system CPU seconds per run, the medians, the ratio
# base/new and the load average at the start. It also checks that both
# builds report the same findings (the JSON with the timing fields removed)
# and fails if they differ. Inputs are local files: nothing is downloaded
# (fetch one with `npm pack`, e.g. @anthropic-ai/claude-code-linux-x64).
set -euo pipefail
[ $# -ge 4 ] || { sed -n 2,12p "$0"; exit 2; }
BASE=$1 NEW=$2 RUNS=$3
shift 3
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cpu() { # bin input out -> prints user+sys seconds
    /usr/bin/time -f '%U %S' -o "$WORK/t" "$1" scan --format json "$2" >"$3" 2>/dev/null || true
    tail -n1 "$WORK/t" | awk '{printf "%.2f\n", $1 + $2}'
}
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
findings() { # strip what legitimately differs between runs (durations)
    jq -S 'del(.. | .elapsed_ms?, .duration_ms?, .elapsed?, .duration?)' "$1"
}
for input in "$@"; do
    echo "== $input (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    : >"$WORK/base.s"
    : >"$WORK/new.s"
    for r in $(seq "$RUNS"); do
        b=$(cpu "$BASE" "$input" "$WORK/base.json")
        n=$(cpu "$NEW" "$input" "$WORK/new.json")
        echo "$b" >>"$WORK/base.s"
        echo "$n" >>"$WORK/new.s"
        echo "run $r: base ${b}s new ${n}s"
    done
    mb=$(median <"$WORK/base.s")
    mn=$(median <"$WORK/new.s")
    echo "median CPU-s: base $mb new $mn ratio $(awk -v b="$mb" -v n="$mn" 'BEGIN {printf "%.2f", b / n}')"
    if findings "$WORK/base.json" | cmp -s - <(findings "$WORK/new.json"); then
        echo "findings: identical"
    else
        echo "findings: DIFFER"
        diff <(findings "$WORK/base.json") <(findings "$WORK/new.json") | head -20
        exit 1
    fi
done
