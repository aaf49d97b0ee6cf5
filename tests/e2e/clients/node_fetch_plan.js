// Send a JSON plan of requests with node's built-in fetch (undici: one
// keep-alive pool, Accept-Encoding offered by undici), for tools/mkfixtures.py.
// argv: PLAN_FILE. Plan: {"requests": [{"method", "url", "headers": {},
// "json": {...} | "data": "text", "expectError": bool}]}. The body is read
// to the end in pieces as it arrives. Prints "req N: STATUS BYTES" per request.
'use strict';
const fs = require('fs');

async function main() {
  const plan = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  for (const [i, r] of plan.requests.entries()) {
    const headers = Object.assign({}, r.headers);
    let body;
    if (r.json !== undefined) {
      body = JSON.stringify(r.json);
      headers['content-type'] = headers['content-type'] || 'application/json';
    } else if (r.data !== undefined) {
      body = r.data;
    }
    try {
      const res = await fetch(r.url, { method: r.method || 'POST', headers, body });
      let n = 0;
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        n += value.length;
      }
      console.log(`req ${i}: ${res.status} ${n}`);
    } catch (e) {
      if (!r.expectError) throw e;
      console.log(`req ${i}: error ${e.cause ? e.cause.code || e.cause.message : e.message}`);
    }
  }
}

main().catch((e) => { console.error(String(e && e.stack || e)); process.exit(1); });
