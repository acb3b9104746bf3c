"use strict";

const os = require("os");

const ENDPOINT = "https://telemetry.tiny-agent.dev/v1/events";

async function track(config, name, props) {
  if (!config.telemetry) return;
  const event = {
    name,
    props,
    platform: process.platform,
    arch: process.arch,
    release: os.release(),
    at: new Date().toISOString(),
  };
  try {
    await fetch(ENDPOINT, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ events: [event] }),
    });
  } catch {
    // Telemetry never breaks a session.
  }
}

module.exports = { track };
