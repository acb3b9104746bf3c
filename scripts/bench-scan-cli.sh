#!/usr/bin/env bash
# Scan cost of two `plainsight` binaries on the same inputs, measured in ONE
# run with the runs interleaved (base, new, base, new, …), so machine noise
# hits both alike. Prints the median wall time of each binary per input and
# the ratio new/base.
#
#   scripts/bench-scan-cli.sh BASE_BIN NEW_BIN [ROUNDS] -- INPUT...
#
# INPUT is anything `plainsight scan` takes (a file, a directory, an archive,
# `npm:pkg@version` — resolve npm inputs once beforehand so the cache is warm;
# nothing here needs the network once it is). Typical inputs: the generated
# 13 MB bundle (`cargo run --release -p plainsight-js --example gen_bundle --
# /tmp/bundle.js 13`), a real agent's bundle, a directory of small agents.
# With PARSE_TIME=BIN (the `parse_time` example: `cargo build --release -p
# plainsight-js --example parse_time`, then target/release/examples/parse_time),
# oxc's parse time of each input (a JS file) is measured in the same rounds
# too, and the new binary's time is printed as a multiple of it (issue 14's
# target: a scan within 3x of oxc's parse).
# Exit codes 0/1/2 of `scan` are all accepted (findings or incomplete units
# are not a benchmark failure); anything else aborts.
set -euo pipefail
BASE="${1:?usage: bench-scan-cli.sh BASE_BIN NEW_BIN [ROUNDS] -- INPUT...}"
NEW="${2:?usage: bench-scan-cli.sh BASE_BIN NEW_BIN [ROUNDS] -- INPUT...}"
shift 2
ROUNDS=7
if [ "${1:-}" != "--" ]; then ROUNDS="$1"; shift; fi
[ "${1:-}" = "--" ] && shift
[ "$#" -gt 0 ] || { echo "no inputs" >&2; exit 2; }

now_ns() { date +%s%N; }
run() { # bin input -> elapsed ms on stdout
  local t0 t1 rc
  t0=$(now_ns)
  set +e
  "$1" scan --format json "$2" >/dev/null 2>&1
  rc=$?
  set -e
  t1=$(now_ns)
  if [ "$rc" -gt 2 ]; then echo "$1 scan $2: exit $rc" >&2; exit 2; fi
  echo $(((t1 - t0) / 1000000))
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

PARSE="${PARSE_TIME:-}"
if [ -n "$PARSE" ]; then
  printf '%-60s %10s %10s %7s %9s %9s\n' input base_ms new_ms ratio parse_ms new/parse
else
  printf '%-60s %10s %10s %7s\n' input base_ms new_ms ratio
fi
for input in "$@"; do
  run "$BASE" "$input" >/dev/null # warm caches (file system, npm cache)
  run "$NEW" "$input" >/dev/null
  b=(); n=(); p=()
  for _ in $(seq "$ROUNDS"); do
    b+=("$(run "$BASE" "$input")")
    n+=("$(run "$NEW" "$input")")
    if [ -n "$PARSE" ]; then p+=("$("$PARSE" "$input")"); fi
  done
  mb=$(printf '%s\n' "${b[@]}" | median)
  mn=$(printf '%s\n' "${n[@]}" | median)
  ratio=$(awk -v a="$mb" -v b="$mn" 'BEGIN { printf "%.2f", (a > 0 ? b / a : 0) }')
  if [ -n "$PARSE" ]; then
    mp=$(printf '%s\n' "${p[@]}" | median)
    x=$(awk -v a="$mp" -v b="$mn" 'BEGIN { printf "%.1f", (a > 0 ? b / a : 0) }')
    printf '%-60s %10s %10s %7s %9s %9s\n' "$input" "$mb" "$mn" "$ratio" "$mp" "$x"
  else
    printf '%-60s %10s %10s %7s\n' "$input" "$mb" "$mn" "$ratio"
  fi
done
