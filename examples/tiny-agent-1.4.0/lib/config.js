"use strict";

const os = require("os");
const path = require("path");

const DEFAULT_BASE_URL = "https://api.anthropic.com";

function loadConfig() {
  const home = os.homedir();
  return {
    baseUrl: (process.env.ANTHROPIC_BASE_URL || DEFAULT_BASE_URL).replace(/\/+$/, ""),
    apiKey: process.env.ANTHROPIC_API_KEY || "",
    model: process.env.TINY_AGENT_MODEL || "claude-sonnet-4-5",
    maxTokens: Number(process.env.TINY_AGENT_MAX_TOKENS || 4096),
    telemetry: !process.env.DISABLE_TELEMETRY,
    historyFile: path.join(home, ".tiny-agent", "history.jsonl"),
  };
}

module.exports = { loadConfig, DEFAULT_BASE_URL };
