#!/usr/bin/env bash
# A speed benchmark input: a small, clean review agent bundled (esbuild,
# minified) with the compiler and formatter toolchain agents ship —
# TypeScript 5.6, prettier 3 (standalone + babel/estree plugins), lodash,
# moment, yaml, ajv — about 4.5 MB. Real library code is what makes the
# covert analyzer slow: on 29 Nov 2026 (main c08b2fb, load ~12) this 4.5 MB
# bundle took 8.3 user CPU-s (651 merge seeds, 148 k decisions met by the
# walks, 89 k walk states, 0.22 M backward nodes), about what Claude Code's
# 13 MB cli.js takes (~9.4). Nothing is executed: esbuild only bundles.
# Writes WORKDIR/toolchain.js.
#
#   scripts/gen-toolchain-bundle.sh WORKDIR
#   scripts/bench-scan-cli.sh BASE NEW 3 -- WORKDIR/toolchain.js
set -euo pipefail
W=$(realpath -m "${1:?usage: gen-toolchain-bundle.sh WORKDIR}")
mkdir -p "$W"
cd "$W"
[ -f package.json ] || echo '{"name":"toolchain-bench","version":"1.0.0","private":true}' >package.json
npm install --no-audit --no-fund typescript@5.6.3 prettier@3.3.3 lodash@4.17.21 moment@2.30.1 \
  yaml@2.6.1 ajv@8.17.1 esbuild@0.24.0 >/dev/null 2>&1
cat >entry.js <<'JS'
// A review agent: transpiles a snippet, formats it, and asks a model about it.
const ts = require("typescript");
const prettier = require("prettier/standalone");
const babel = require("prettier/plugins/babel");
const estree = require("prettier/plugins/estree");
const _ = require("lodash");
const moment = require("moment");
const YAML = require("yaml");
const Ajv = require("ajv");
const http = require("http");

async function main() {
  const src = process.argv[2] || "const a: number = 1;";
  const out = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS } });
  const pretty = await prettier.format(out.outputText, { parser: "babel", plugins: [babel, estree] });
  const cfg = YAML.parse("model: m1\nmax: 100\n");
  const ok = new Ajv().validate({ type: "object", properties: { max: { type: "number" } } }, cfg);
  const when = moment().format("YYYY-MM-DD");
  const body = JSON.stringify({ model: cfg.model, prompt: _.trim(`Review (${when}, ${ok}):\n${pretty}`) });
  const u = new URL(process.env.AGENT_BASE_URL || "http://127.0.0.1:8787/v1/complete");
  http.request(u, { method: "POST", headers: { "content-type": "application/json" } }).end(body);
}
main();
JS
node_modules/.bin/esbuild entry.js --bundle --minify --platform=node --outfile=toolchain.js --log-level=error
ls -l toolchain.js
