#!/usr/bin/env bash
# Captures what real agents send, through plainsight guard, to a loopback mock
# provider, inside a private network namespace (no route off the machine).
#
#   scripts/capture-agents.sh AGENTS_DIR OUT_DIR
#
# AGENTS_DIR holds npm installs (see below); OUT_DIR receives, per run, the
# audit store's exchanges as redacted JSON Lines (`plainsight audit export`).
# Runs: each agent once with a neutral base URL host (clean), and Claude Code
# once more with the base URL host api.moonshot.ai (mapped to 127.0.0.1 in a
# bind-mounted /etc/hosts) and TZ=Asia/Shanghai, the 2026 incident's trigger
# (marked traffic).
#
# Install the agents first (nothing of them is committed):
#   npm install --prefix "$AGENTS_DIR/cc" @anthropic-ai/claude-code@2.1.91
#   npm install --prefix "$AGENTS_DIR/codex" @openai/codex@0.171.0
#   npm install --prefix "$AGENTS_DIR/gemini" @google/gemini-cli@0.61.0
#   npm install --prefix "$AGENTS_DIR/opencode" opencode-ai@1.18.33
set -euo pipefail
AGENTS=$(realpath "$1")
OUT=$(realpath -m "$2")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${PLAINSIGHT_BIN:-$ROOT/target/release/plainsight}
MOCK=${MOCK_BIN:-$ROOT/target/release/examples/mock_provider}
mkdir -p "$OUT"

run_in_ns() { # name host tz agent-command...
    local name=$1 host=$2 tz=$3
    shift 3
    # ONLY=codex runs only the runs whose name contains "codex".
    if [[ -n ${ONLY:-} && $name != *"$ONLY"* ]]; then return; fi
    local work
    work=$(mktemp -d)
    cp /etc/hosts "$work/hosts"
    echo "127.0.0.1 $host" >>"$work/hosts"
    mkdir -p "$work/home"
    MOCK_TEXT=${MOCK_TEXT:-Done.} unshare --user --map-root-user --net --mount bash -s -- "$@" <<INNER
set -u
ip link set lo up
mount --bind "$work/hosts" /etc/hosts
"$MOCK" --port 18901 --text "\${MOCK_TEXT:-Done.}" >"$work/mock.log" 2>&1 &
mock=\$!
"$BIN" guard --listen 127.0.0.1:18902 --upstream http://127.0.0.1:18901 \
    --store "sqlite:$work/audit.sqlite3" --name capture >"$work/guard.log" 2>&1 &
guard=\$!
trap 'kill -TERM \$guard \$mock 2>/dev/null' EXIT
sleep 1
cd "$work/home"
env -i HOME="$work/home" PATH="/usr/local/bin:/usr/bin:/bin" TZ="$tz" LANG=C.UTF-8 \
    BASE_HOST="$host" timeout 90 "\$@" </dev/null >"$work/agent.out" 2>"$work/agent.err" || true
kill -TERM \$guard; wait \$guard
kill \$mock
INNER
    "$BIN" audit export --store "sqlite:$work/audit.sqlite3" --format jsonl >"$OUT/$name.jsonl"
    echo "$name: $(wc -l <"$OUT/$name.jsonl") exchanges; agent said: $(head -c 200 "$work/agent.out")"
    cp "$work/guard.log" "$OUT/$name.guard.log"
    cp "$work/agent.err" "$OUT/$name.agent.err"
    rm -rf "$work"
}

CC="$AGENTS/cc/node_modules/@anthropic-ai/claude-code/cli.js"
if [[ -f $CC ]]; then
    for run in clean:api.example.test:UTC marked:api.moonshot.ai:Asia/Shanghai; do
        IFS=: read -r kind host tz <<<"$run"
        run_in_ns "claude-code-2.1.91-$kind" "$host" "$tz" sh -c "
            ANTHROPIC_BASE_URL=http://$host:18902 ANTHROPIC_API_KEY=sk-ant-api03-capture0000000000000000000000 \
            node '$CC' -p 'Say hello in one word.'"
    done
fi
CODEX="$AGENTS/codex/node_modules/@openai/codex/bin/codex.js"
if [[ -f $CODEX ]]; then
    run_in_ns codex-0.171.0-clean api.example.test UTC sh -c "
        mkdir -p .codex && printf '%s\n' 'model_provider = \"mock\"' '[model_providers.mock]' \
            'name = \"mock\"' 'base_url = \"http://127.0.0.1:18902/v1\"' 'env_key = \"OPENAI_API_KEY\"' \
            'wire_api = \"responses\"' > .codex/config.toml &&
        OPENAI_API_KEY=sk-capture000000000000000000000000000000 \
        node '$CODEX' exec --skip-git-repo-check 'Say hello in one word.'"
fi
GEMINI="$AGENTS/gemini/node_modules/@google/gemini-cli/bundle/gemini.js"
if [[ -f $GEMINI ]]; then
    # Gemini CLI first asks a classifier (generateContent) for JSON.
MOCK_TEXT='{"reasoning":"a short greeting","model_choice":"flash"}' \
    run_in_ns gemini-cli-0.61.0-clean api.example.test UTC sh -c "
        mkdir -p .gemini && echo '{\"security\":{\"auth\":{\"selectedType\":\"gemini-api-key\"}}}' > .gemini/settings.json &&
        GEMINI_CLI_TRUST_WORKSPACE=true GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:18902 GEMINI_API_KEY=AIzaCapture000000000000000000000000000 \
        node '$GEMINI' -p 'Say hello in one word.'"
fi
OPENCODE="$AGENTS/opencode/node_modules/opencode-ai/bin/opencode.exe"
if [[ -f $OPENCODE ]]; then
    run_in_ns opencode-1.18.33-clean api.example.test UTC sh -c "
        mkdir -p .config/opencode && cat > .config/opencode/opencode.json <<'J'
{\"provider\":{\"mock\":{\"npm\":\"@ai-sdk/openai-compatible\",\"options\":{\"baseURL\":\"http://api.example.test:18902/v1\",\"apiKey\":\"sk-capture\"},\"models\":{\"mock-model\":{}}}},\"model\":\"mock/mock-model\"}
J
        '$OPENCODE' run 'Say hello in one word.'"
fi
