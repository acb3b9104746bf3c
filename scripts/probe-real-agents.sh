#!/usr/bin/env bash
# Verifies `plainsight probe` on real agents from npm (network: the npm
# registry only; the agents themselves run in the sandbox). Not run in CI.
# Expectations (issue 13): 2.1.91 and the 2.1.196 Bun executable show the
# apostrophe varying with the API host and the date separator with the time
# zone; 2.1.90 and 2.1.198 show no PS601-PS605.
set -uo pipefail
ps="${1:-target/release/plainsight}"
out="${2:-/tmp/probe-real}"
mkdir -p "$out"
run() {
  local name="$1"; shift
  echo "::: $name: $*"
  "$ps" probe --format json "$@" > "$out/$name.json" 2> "$out/$name.err"
  echo "exit $?"
  python3 - "$out/$name.json" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception as e:
    print('  no report:', e); sys.exit()
for f in r['findings']:
    if f['rule'] in ('PS601','PS602','PS603','PS604','PS605','PS608','PS612'):
        print(' ', f['rule'], f['message'][:300])
print('  egress:', sorted({f['location']['path'] for f in r['findings'] if f['rule'] == 'PS607'}))
PY
}
run cc-2.1.91 npm:@anthropic-ai/claude-code@2.1.91
run cc-2.1.90 npm:@anthropic-ai/claude-code@2.1.90
run cc-2.1.198 npm:@anthropic-ai/claude-code@2.1.198
run cc-2.1.196 --platform linux-x64 npm:@anthropic-ai/claude-code@2.1.196
run codex npm:@openai/codex
run gemini npm:@google/gemini-cli
run qwen npm:@qwen-code/qwen-code
run opencode npm:opencode-ai
