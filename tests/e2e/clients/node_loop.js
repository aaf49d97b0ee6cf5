// Continuous keep-alive load for the restart test: node's https with one
// keep-alive Agent socket (h1), or one http2 session (h2), calling the same
// URL until STOP_FILE exists.
// argv: h1|h2 URL KEY PROMPT LOG_FILE STOP_FILE [PAUSE_S]
// Trust: NODE_EXTRA_CA_CERTS. Every other call streams (with usage). Per
// call one JSON line in LOG_FILE: {n, t (wall start, s), t_end, rid (the
// response's x-request-id), status, stream}; a failed call logs "err"
// instead, and the exit status is then 1. Prompt and key are never logged.
'use strict';
const fs = require('fs');
const https = require('https');
const http2 = require('http2');

const [kind, url, key, prompt, logPath, stop, pauseArg] = process.argv.slice(2);
const pause = 1000 * (pauseArg ? Number(pauseArg) : 0.02);
const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
const u = new URL(url);
let session = null;

function h1call(body) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, {
      method: 'POST', agent,
      headers: { authorization: 'Bearer ' + key, 'content-type': 'application/json',
                 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve([res.statusCode, res.headers['x-request-id']]));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function h2call(body) {
  if (!session) {
    session = http2.connect(u.origin);
    session.on('error', () => {}); // reported by the request
  }
  return new Promise((resolve, reject) => {
    const req = session.request({
      ':method': 'POST', ':path': u.pathname, authorization: 'Bearer ' + key,
      'content-type': 'application/json',
    });
    let status = 0, rid = null;
    req.on('response', (h) => { status = h[':status']; rid = h['x-request-id']; });
    req.on('data', () => {});
    req.on('end', () => resolve([status, rid]));
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const log = fs.openSync(logPath, 'a');
  let errors = 0;
  for (let n = 0; !fs.existsSync(stop); n++) {
    const stream = n % 2 === 1;
    const msg = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `${prompt} ${n}` }] };
    if (stream) Object.assign(msg, { stream: true, stream_options: { include_usage: true } });
    const line = { n, t: Date.now() / 1000, stream };
    try {
      [line.status, line.rid] = await (kind === 'h2' ? h2call : h1call)(JSON.stringify(msg));
    } catch (e) {
      line.err = e.code || e.name; // never the message: it may quote data
      errors++;
    }
    line.t_end = Date.now() / 1000;
    fs.writeSync(log, JSON.stringify(line) + '\n');
    await sleep(pause);
  }
  agent.destroy();
  if (session) session.close();
  fs.closeSync(log);
  process.exit(errors ? 1 : 0);
}

main().catch((e) => { console.error(e && e.code || 'error'); process.exit(2); });
