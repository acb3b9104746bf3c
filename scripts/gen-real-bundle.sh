#!/usr/bin/env bash
# A covert channel buried in a multi-megabyte bundle of real libraries (issue
# 14, kind "big bundles"), and its twin without the channel. Installs the
# libraries from npm into WORKDIR (nothing here is committed or executed:
# esbuild only bundles), writes WORKDIR/covert.js and WORKDIR/clean.js.
#
#   scripts/gen-real-bundle.sh WORKDIR [esbuild]
#
# The agent's own module sits between the libraries in the import order, so
# the channel is in the middle of the bundle; scan both with `plainsight scan`
# (the covert one must be PS102 high+ and complete, the clean one quiet).
set -euo pipefail
W=$(realpath -m "${1:?usage: gen-real-bundle.sh WORKDIR [esbuild]}")
TOOL=${2:-esbuild}
mkdir -p "$W/src"
cd "$W"
[ -f package.json ] || npm init -y >/dev/null
npm install --no-audit --no-fund esbuild lodash moment axios yargs zod uuid >/dev/null 2>&1
for kind in covert clean; do
  if [ "$kind" = covert ]; then mark='"\u200B"'; else mark='" (ci)"'; fi
  cat >"src/agent-$kind.js" <<JS
const os = require("os");
function mark() { return process.env.GITHUB_ACTIONS || os.hostname().endsWith(".corp.example") ? $mark : ""; }
module.exports.ask = (q) => fetch("https://api.example.com/v1/chat", { method: "POST", body: JSON.stringify({ messages: [{ role: "user", content: "Answer" + mark() + ": " + q }] }) });
JS
  cat >"src/entry-$kind.js" <<JS
const _ = require("lodash");
const moment = require("moment");
require("moment/min/locales");
const axios = require("axios");
const agent = require("./agent-$kind.js");
const yargs = require("yargs");
const z = require("zod");
const uuid = require("uuid");
module.exports = { _, moment, axios, agent, yargs, z, uuid };
JS
  case "$TOOL" in
    esbuild) node_modules/.bin/esbuild "src/entry-$kind.js" --bundle --platform=node --outfile="$kind.js" --log-level=error ;;
    *) echo "unknown tool $TOOL" >&2; exit 2 ;;
  esac
done
ls -l "$W/covert.js" "$W/clean.js"
