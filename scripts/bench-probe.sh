#!/usr/bin/env bash
# Benchmark: the default probe matrix on Claude Code (npm), including the
# guiding scan, against same-run baselines (the machine is shared and noisy):
#  - `node cli.js --version` of the same package (one agent start, no sandbox)
#  - `plainsight scan` of the same package (the guiding scan alone)
# usage: scripts/bench-probe.sh [SPEC] [PLAINSIGHT] [EXTRA PROBE ARGS...]
set -euo pipefail
spec="${1:-npm:@anthropic-ai/claude-code@2.1.91}"
ps="${2:-target/release/plainsight}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/plainsight/probe-agents"
echo "::: warm the cache (download, layout)"
"$ps" probe --budget 1 --no-scan --format json "$spec" >/dev/null 2>&1 || true
cli=$(ls -d "$cache"/*/node_modules/@anthropic-ai/claude-code/cli.js 2>/dev/null | head -1 || true)
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc; }
echo "load: $(cut -d' ' -f1-3 /proc/loadavg), cores: $(nproc)"
if [[ -n "$cli" ]]; then
  echo "baseline node cli.js --version: $(t node "$cli" --version) s"
fi
echo "baseline plainsight scan:       $(t "$ps" scan --format json "$spec") s"
start=$(date +%s.%N)
"$ps" probe --format json "${@:3}" "$spec" > /tmp/bench-probe.json || true
end=$(date +%s.%N)
echo "plainsight probe ${*:3} (default matrix, with scan): $(echo "$end - $start" | bc) s"
python3 - <<'PY'
import json
r = json.load(open('/tmp/bench-probe.json'))
for n in r.get('notices', []):
    if 'cell(s) run' in n or 'guiding scan' in n or 'combination' in n:
        print('  ', n)
print('   findings:', sorted({f['rule'] for f in r['findings']}))
for f in r['findings']:
    if f['rule'] in ('PS601', 'PS602', 'PS603', 'PS604', 'PS612'):
        print('  ', f['rule'], f['message'][:400])
PY
