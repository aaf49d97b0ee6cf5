// Drive the official openai / @anthropic-ai/sdk npm packages (installed in
// tests/e2e/node) through a JSON plan, for tools/mkfixtures.py.
// argv: PLAN_FILE. Plan: {"sdk": "openai"|"azure"|"anthropic", "client": {...
// constructor options...}, "calls": [{"api": "chat.completions.create",
// "params": {...}, "options": {...request options...}, "file": "clip.wav",
// "expectError": bool}]}. All calls share one client (so one keep-alive pool).
// Prints one line per call: "call N: ok [events E]" or "call N: error STATUS".
'use strict';
const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

const nodeDir = path.join(__dirname, '..', 'node');
const req = createRequire(path.join(nodeDir, 'package.json'));

async function main() {
  const plan = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  let client;
  let toFile;
  if (plan.sdk === 'anthropic') {
    const Anthropic = req('@anthropic-ai/sdk').default;
    client = new Anthropic(plan.client);
  } else {
    const openai = req('openai');
    toFile = openai.toFile;
    const Client = plan.sdk === 'azure' ? openai.AzureOpenAI : openai.default;
    client = new Client(plan.client);
  }
  for (const [i, call] of plan.calls.entries()) {
    const parts = call.api.split('.');
    let target = client;
    for (const p of parts.slice(0, -1)) target = target[p];
    const params = Object.assign({}, call.params);
    if (call.file) params.file = await toFile(Buffer.alloc(call.fileBytes || 256, 7), call.file);
    try {
      const res = await target[parts[parts.length - 1]].call(target, params, call.options || {});
      let events = 0;
      if (params.stream) {
        for await (const ev of res) { if (ev) events += 1; }
        console.log(`call ${i}: ok events ${events}`);
      } else {
        console.log(`call ${i}: ok`);
      }
    } catch (e) {
      if (!call.expectError) throw e;
      console.log(`call ${i}: error ${e.status === undefined ? e.constructor.name : e.status}`);
    }
  }
}

main().catch((e) => { console.error(String(e && e.stack || e)); process.exit(1); });
