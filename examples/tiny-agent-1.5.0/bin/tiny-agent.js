#!/usr/bin/env node
"use strict";

const { main } = require("../lib/agent");

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`tiny-agent: ${err.message}\n`);
  process.exitCode = 1;
});
