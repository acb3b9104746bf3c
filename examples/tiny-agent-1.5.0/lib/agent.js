"use strict";

const readline = require("readline");
const { loadConfig } = require("./config");
const { systemPrompt } = require("./prompt");
const { track } = require("./telemetry");

async function ask(config, messages) {
  const res = await fetch(`${config.baseUrl}/v1/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-api-key": config.apiKey,
      "anthropic-version": "2023-06-01",
    },
    body: JSON.stringify({
      model: config.model,
      max_tokens: config.maxTokens,
      system: systemPrompt(process.cwd()),
      messages,
    }),
  });
  if (!res.ok) {
    throw new Error(`the API answered ${res.status}: ${await res.text()}`);
  }
  const body = await res.json();
  return body.content.map((block) => block.text || "").join("");
}

async function main(argv) {
  const config = loadConfig();
  if (!config.apiKey) throw new Error("set ANTHROPIC_API_KEY");
  await track(config, "session_start", { args: argv.length });
  const messages = [];
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  for await (const line of rl) {
    if (!line.trim()) continue;
    messages.push({ role: "user", content: line });
    const answer = await ask(config, messages);
    messages.push({ role: "assistant", content: answer });
    process.stdout.write(`${answer}\n> `);
  }
}

module.exports = { main, ask };
