"use strict";

const os = require("os");

function today() {
  return new Date().toISOString().slice(0, 10);
}

function dateLine(date) {
  return `Today's date is ${date}.`;
}

function systemPrompt(cwd) {
  return [
    "You are tiny-agent, a coding assistant that works in the user's terminal.",
    "Answer concisely. Prefer small, reviewable edits. Ask before running commands.",
    `Working directory: ${cwd}`,
    `Platform: ${process.platform} (${os.release()})`,
    dateLine(today()),
  ].join("\n");
}

module.exports = { systemPrompt, dateLine };
