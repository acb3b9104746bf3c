#!/usr/bin/env bash
# The real-corpus gate of the covert-channel engine (issue 14): scans real
# agents as published on npm, one at a time, and checks what the engine must
# keep true on them:
#   - Claude Code 2.1.91 (JS bundle) and 2.1.197 (Bun executable on
#     linux-x64) carry the 2026 channel: a critical PS101 or PS104;
#   - Claude Code 2.1.90 and 2.1.198 do not: no PS1xx at high or above;
#   - other agents (Gemini CLI, Kilo Code, Qwen Code, opencode, Copilot,
#     Codex): no PS1xx at all;
#   - every unit is analysed completely (a partial or not-analysed unit is a
#     failure: a review that could not finish is not clean).
#
#   scripts/real-corpus-gate.sh PLAINSIGHT_BIN [OUT_DIR] [LABEL...]
#
# Each input is fetched once through plainsight's own npm cache (untimed,
# needs the npm registry), then scanned timed. Prints one line per input:
# seconds, PS1xx findings, unit status, pass/FAIL; writes each JSON report
# to OUT_DIR. GATE_TIMEOUT (default 600 s) bounds one scan. Exit 1 when an
# expectation fails. Nothing here runs the scanned code.
set -euo pipefail
BIN=$(realpath "${1:?usage: real-corpus-gate.sh PLAINSIGHT_BIN [OUT_DIR] [LABEL...]}")
OUT=$(realpath -m "${2:-$(mktemp -d)}")
shift $(( $# >= 2 ? 2 : 1 ))
mkdir -p "$OUT"
TIMEOUT=${GATE_TIMEOUT:-600}

# label | npm spec | expectation (covert = critical PS101/PS104 required,
# clean-high = no PS1xx at high+, clean = no PS1xx at all)
CORPUS=(
  "cc-2.1.91|npm:@anthropic-ai/claude-code@2.1.91|covert"
  "cc-2.1.197|npm:@anthropic-ai/claude-code@2.1.197|covert"
  "cc-2.1.90|npm:@anthropic-ai/claude-code@2.1.90|clean-high"
  "cc-2.1.198|npm:@anthropic-ai/claude-code@2.1.198|clean-high"
  "gemini-0.61.0|npm:@google/gemini-cli@0.61.0|clean"
  "kilo-7.7.7|npm:@kilocode/cli@7.7.7|clean"
  "qwen-0.24.4|npm:@qwen-code/qwen-code@0.24.4|clean"
  "opencode-1.18.33|npm:opencode-ai@1.18.33|clean"
  "copilot-1.0.102|npm:@github/copilot@1.0.102|clean"
  "codex-0.171.0|npm:@openai/codex@0.171.0|clean"
)

want=("$@")
fail=0
for row in "${CORPUS[@]}"; do
  IFS='|' read -r label spec expect <<<"$row"
  if [ "${#want[@]}" -gt 0 ] && [[ ! " ${want[*]} " == *" $label "* ]]; then continue; fi
  # Warm plainsight's tarball cache (and the platform package) untimed.
  "$BIN" scan --platform linux-x64 --format json "$spec" --max-file-size 1 >/dev/null 2>&1 || true
  t0=$(date +%s%N)
  rc=0
  timeout "$TIMEOUT" "$BIN" scan --platform linux-x64 --format json "$spec" >"$OUT/$label.json" 2>"$OUT/$label.err" || rc=$?
  t1=$(date +%s%N)
  secs=$(python3 -c "print(f'{($t1-$t0)/1e9:.1f}')")
  line=$(python3 - "$OUT/$label.json" "$expect" "$rc" <<'PY'
import json, sys
path, expect, rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
if rc not in (0, 1, 2):
    print(f"exit {rc} (timeout or crash)|FAIL"); sys.exit()
try:
    r = json.load(open(path))
except Exception as e:
    print(f"no report ({e})|FAIL"); sys.exit()
rank = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
cov = [f for f in r["findings"] if f["rule"].startswith("PS1")]
desc = ", ".join(sorted(f'{f["severity"]} {f["rule"]}' for f in cov)) or "no PS1xx"
units = r.get("units", [])
bad = [u for u in units if u.get("status") not in ("analysed",)]
status = f"{len(units)} units" + (f", {len(bad)} not complete" if bad else ", complete")
ok = not bad
if expect == "covert":
    ok = ok and any(f["severity"] == "critical" and f["rule"] in ("PS101", "PS104") for f in cov)
elif expect == "clean-high":
    ok = ok and not any(rank[f["severity"]] >= 3 for f in cov)
else:
    ok = ok and not cov
print(f"{desc}; {status}|{'pass' if ok else 'FAIL'}")
PY
)
  verdict=${line##*|}
  [ "$verdict" = pass ] || fail=1
  printf '%-18s %7ss  %-6s %s\n' "$label" "$secs" "$verdict" "${line%|*}"
done
echo "reports in $OUT"
exit $fail
