// Drive the openai npm SDK's WebSocket clients (installed in tests/e2e/agents)
// through a JSON plan: Realtime GA (openai/realtime/ws), Realtime beta
// (openai/beta/realtime/ws) and the Responses API over WebSocket
// (openai/resources/responses/ws).
// argv: PLAN_FILE. Plan: {"client": {...OpenAI options...}, "sessions": [
//   {"api": "realtime"|"realtime-beta"|"responses", "model": "gpt-realtime",
//    "options": {...ws options: headers, perMessageDeflate...},
//    "messages": [{...client event...}, ...]}]}
// Each session is one socket, closed (1000) after its messages. A
// response.create waits for its response.done / response.completed (or an
// error event), a session.update for session.updated; other messages are
// only sent. Prints one JSON line per session:
// {"api", "responses": [{"id", "status", "usage"}]}; exits 1 on any error.
'use strict';
const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

const req = createRequire(path.join(__dirname, '..', 'agents', 'package.json'));
const WAIT_MS = 20000;

// Resolves with the first event whose type is in `types`.
function next(emitter, types, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off('event', onEvent);
      reject(new Error(`${what}: no ${types.join('|')} in ${WAIT_MS} ms`));
    }, WAIT_MS);
    function onEvent(ev) {
      if (!types.includes(ev.type)) return;
      clearTimeout(timer);
      emitter.off('event', onEvent);
      resolve(ev);
    }
    emitter.on('event', onEvent);
  });
}

function open(client, s) {
  if (s.api === 'responses') {
    const { ResponsesWS } = req('openai/resources/responses/ws');
    return new ResponsesWS(client, s.options || {});
  }
  const mod = s.api === 'realtime-beta' ? 'openai/beta/realtime/ws' : 'openai/realtime/ws';
  const { OpenAIRealtimeWS } = req(mod);
  return new OpenAIRealtimeWS({ model: s.model, options: s.options || {} }, client);
}

async function session(client, s) {
  const ws = open(client, s);
  const errors = [];
  ws.on('error', (e) => errors.push(String(e && e.message || e)));
  const realtime = s.api !== 'responses';
  if (realtime) await next(ws, ['session.created'], s.api);
  const final = realtime ? 'response.done' : 'response.completed';
  const out = [];
  for (const m of s.messages) {
    let wait = null;
    if (m.type === 'response.create') wait = next(ws, [final, 'error'], s.api);
    else if (m.type === 'session.update') wait = next(ws, ['session.updated', 'error'], s.api);
    ws.send(m);
    if (!wait) continue;
    const ev = await wait;
    if (ev.type === 'error') throw new Error(`${s.api}: error event ${JSON.stringify(ev.error)}`);
    if (ev.type === final) {
      out.push({ id: ev.response.id, status: ev.response.status, usage: ev.response.usage });
    }
  }
  ws.close({ code: 1000, reason: 'done' });
  if (errors.length) throw new Error(`${s.api}: ${errors.join('; ')}`);
  return { api: s.api, responses: out };
}

async function main() {
  const plan = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const { OpenAI } = req('openai');
  const client = new OpenAI(plan.client);
  for (const s of plan.sessions) console.log(JSON.stringify(await session(client, s)));
}

main().catch((e) => { console.error(String(e && e.stack || e)); process.exit(1); });
