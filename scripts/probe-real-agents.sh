#!/usr/bin/env bash
# Verifies `plainsight probe` on real agents from npm (network: the npm
# registry only; the agents themselves run in the sandbox). Not run in CI.
# Expectations (issue 13): 2.1.91 and the 2.1.196 Bun executable show the
# apostrophe varying among look-alikes with the API host and the date
# separator with the time zone (together with the host); 2.1.90 and 2.1.198
# show no PS601-PS605. Every host contacted is listed (PS607) and proxy
# bypasses are named (PS608).
# usage: scripts/probe-real-agents.sh [PLAINSIGHT] [OUT_DIR] [EXTRA PROBE ARGS...]
# (set ALL=1 to include the other agents: Codex, Gemini CLI, qwen-code, opencode)
set -uo pipefail
ps="${1:-target/release/plainsight}"
out="${2:-/tmp/probe-real}"
shift 2 2>/dev/null || shift $#
extra=("$@")
mkdir -p "$out"
table="$out/table.txt"
printf '%-14s %8s %6s  %s\n' version wall_s cells "PS6xx findings" > "$table"
run() {
  local name="$1"; shift
  echo "::: $name: plainsight probe ${extra[*]} $*"
  local s e
  s=$(date +%s.%N)
  "$ps" probe --format json "${extra[@]}" "$@" > "$out/$name.json" 2> "$out/$name.err"
  local rc=$?
  e=$(date +%s.%N)
  echo "exit $rc"
  python3 - "$out/$name.json" "$name" "$(echo "$e - $s" | bc)" "$table" <<'PY'
import json, sys, re, collections
path, name, wall, table = sys.argv[1:5]
try:
    r = json.load(open(path))
except Exception as e:
    print('  no report:', e)
    open(table, 'a').write(f"{name:<14} {float(wall):8.1f} {'-':>6}  no report\n")
    sys.exit()
cells = '?'
for n in r.get('notices', []):
    m = re.search(r'(\d+) cell\(s\) run in ([\d.]+) s', n)
    if m:
        cells = m.group(1)
    if 'guiding scan' in n or 'combination' in n or 'changed what was sent' in n:
        print('  notice:', n[:300])
for f in r['findings']:
    if f['rule'] in ('PS601', 'PS602', 'PS603', 'PS604', 'PS605', 'PS608', 'PS612'):
        print(' ', f['rule'], f['message'][:700])
print('  hosts contacted (PS607):', sorted({f['location']['path'] for f in r['findings'] if f['rule'] == 'PS607'}))
counts = collections.Counter(f['rule'] for f in r['findings'] if f['rule'].startswith('PS6'))
summary = ', '.join(f'{k}×{v}' for k, v in sorted(counts.items())) or 'none'
open(table, 'a').write(f"{name:<14} {float(wall):8.1f} {cells:>6}  {summary}\n")
PY
}
run cc-2.1.91 npm:@anthropic-ai/claude-code@2.1.91
run cc-2.1.196 --platform linux-x64 npm:@anthropic-ai/claude-code@2.1.196
run cc-2.1.90 npm:@anthropic-ai/claude-code@2.1.90
run cc-2.1.198 npm:@anthropic-ai/claude-code@2.1.198
if [[ "${ALL:-0}" == 1 ]]; then
  run codex npm:@openai/codex
  run gemini npm:@google/gemini-cli
  run qwen npm:@qwen-code/qwen-code
  run opencode npm:opencode-ai
fi
echo
cat "$table"
