#!/usr/bin/env bash
# Gateway benchmark: one loopback mock provider; the same 120 KB Anthropic
# request (Claude Code's real prompt, padded) sent directly, through
# plainsight guard (inspection + SQLite audit write included), through nginx
# as a plain reverse proxy, and through Portkey's gateway from npm —
# interleaved in one run so all see the same machine noise.
#
#   scripts/bench-gateway.sh [SEQ] [STREAMS] [SECONDS]
#   BASE_GUARD=/tmp/old/guard_server scripts/bench-gateway.sh …   (before/after)
#   BASE2_GUARD=/tmp/older/guard_server …                          (a second base)
#
# Installs nginx (apt-get) and @portkey-ai/gateway (npm, into a temp dir) if
# missing; a target that cannot be installed is left out, and says so.
set -euo pipefail
SEQ=${1:-2000}
STREAMS=${2:-32}
SECONDS_EACH=${3:-10}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

cd "$ROOT"
# The guard runs as the library's `guard_server` example: the same code path
# as `plainsight guard` (the CLI only parses flags around it), and a build of
# this crate alone.
cargo build --release -p plainsight-guard --example mock_provider --example gateway_bench \
    --example guard_server >&2
BIN=$ROOT/target/release

# The request: Claude Code 2.1.91's captured prompt, padded to 120 KiB.
python3 - "$WORK/body.json" <<'PY'
import json, sys
line = open("crates/plainsight-guard/tests/data/captures/claude-code-2.1.91-clean.jsonl").readlines()[1]
body = json.loads(json.loads(line)["request_body"])
base = len(json.dumps(body, ensure_ascii=False).encode())
pad = 120 * 1024 - base - 64
body["messages"].append({"role": "user", "content": [{"type": "text", "text": ("Here is the file you asked about, line by line. " * 4000)[:pad]}]})
open(sys.argv[1], "w").write(json.dumps(body, ensure_ascii=False))
PY

"$BIN/examples/mock_provider" --port 18901 --text "Hello from the benchmark mock, streamed in pieces." >"$WORK/mock.log" 2>&1 &
PIDS+=($!)
"$BIN/examples/guard_server" 127.0.0.1:18902 http://127.0.0.1:18901 \
    "sqlite:$WORK/audit.sqlite3" >"$WORK/guard.log" 2>&1 &
GUARD=$!
PIDS+=($GUARD)
TARGETS=(--target direct=http://127.0.0.1:18901 --target "guard=http://127.0.0.1:18902;pid=$GUARD")
# BASE_GUARD=path/to/guard_server (built from another commit) runs that build
# too, as `guard-base`, in the same run: a before/after on the same noise.
if [[ -n ${BASE_GUARD:-} ]]; then
    "$BASE_GUARD" 127.0.0.1:18904 http://127.0.0.1:18901 "sqlite:$WORK/audit-base.sqlite3" \
        >"$WORK/guard-base.log" 2>&1 &
    PIDS+=($!)
    TARGETS+=(--target "guard-base=http://127.0.0.1:18904;pid=${PIDS[-1]}")
fi
# BASE2_GUARD=path/to/guard_server: a second base build, as `guard-base2`.
if [[ -n ${BASE2_GUARD:-} ]]; then
    "$BASE2_GUARD" 127.0.0.1:18905 http://127.0.0.1:18901 "sqlite:$WORK/audit-base2.sqlite3" \
        >"$WORK/guard-base2.log" 2>&1 &
    PIDS+=($!)
    TARGETS+=(--target "guard-base2=http://127.0.0.1:18905;pid=${PIDS[-1]}")
fi

if ! command -v nginx >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null) \
        || (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null) || true
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [[ -x $NGINX ]]; then
    mkdir -p "$WORK/nginx/logs"
    cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    upstream mock { server 127.0.0.1:18901; keepalive 128; }
    server {
        listen 127.0.0.1:18903;
        client_max_body_size 64m;
        client_body_buffer_size 1m;
        location / {
            proxy_pass http://mock;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
        }
    }
}
CONF
    "$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
    PIDS+=($!)
    sleep 0.5
    NGINX_WORKER=$(pgrep -P "${PIDS[-1]}" | head -1 || true)
    TARGETS+=(--target "nginx=http://127.0.0.1:18903;pid=${NGINX_WORKER:-${PIDS[-1]}}")
    echo "nginx: $("$NGINX" -v 2>&1)" >&2
else
    echo "nginx: not installed, left out" >&2
fi

PORTKEY_DIR=${PORTKEY_DIR:-$WORK/portkey}
PK="$PORTKEY_DIR/node_modules/@portkey-ai/gateway/build/start-server.js"
if [[ ! -f $PK ]]; then
    npm install --silent --no-audit --no-fund --prefix "$PORTKEY_DIR" @portkey-ai/gateway@1.15.2 >&2 || true
fi
if [[ -f $PK ]]; then
    node "$PK" >"$WORK/portkey.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 50); do
        grep -q "Ready for connections" "$WORK/portkey.log" 2>/dev/null && break
        sleep 0.2
    done
    TARGETS+=(--target "portkey=http://127.0.0.1:8787;pid=${PIDS[-1]};h=x-portkey-provider:anthropic;h=x-portkey-custom-host:http://127.0.0.1:18901/v1")
    echo "portkey: @portkey-ai/gateway 1.15.2 on node $(node --version)" >&2
else
    echo "portkey: could not be installed, left out" >&2
fi
sleep 1
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# PROVIDER_DELAY_MS=N: the mock waits N ms before each streamed piece, as a
# real provider takes time to its first token; the streamed requests' first
# byte then shows what the guard adds in front of a real provider (where
# `observe` inspects beside the upstream round trip).
if [[ -n ${PROVIDER_DELAY_MS:-} ]]; then
    for i in "${!TARGETS[@]}"; do
        [[ ${TARGETS[$i]} == --target ]] || TARGETS[$i]="${TARGETS[$i]};h=x-mock-delay-ms:$PROVIDER_DELAY_MS"
    done
fi
# PROVIDER_HEAD_DELAY_MS=N: the mock waits N ms before its response head, as
# a provider does before it answers at all; `observe` answers then carry the
# alerts header (the inspection ends first) instead of `pending`.
if [[ -n ${PROVIDER_HEAD_DELAY_MS:-} ]]; then
    for i in "${!TARGETS[@]}"; do
        [[ ${TARGETS[$i]} == --target ]] || TARGETS[$i]="${TARGETS[$i]};h=x-mock-head-delay-ms:$PROVIDER_HEAD_DELAY_MS"
    done
fi
"$BIN/examples/gateway_bench" --body "$WORK/body.json" --seq "$SEQ" --streams "$STREAMS" \
    --seconds "$SECONDS_EACH" "${TARGETS[@]}"
echo
echo "guard audit store: $(du -h "$WORK/audit.sqlite3" "$WORK/audit.sqlite3-wal" 2>/dev/null | tr '\n' ' ')"
