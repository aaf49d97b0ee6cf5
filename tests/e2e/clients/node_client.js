// POST a body with node https or fetch and check the response's SHA-256.
// argv: MODE(https|fetch) URL BODYFILE API_KEY EXPECT_SHA256
'use strict';
const fs = require('fs');
const https = require('https');
const crypto = require('crypto');

const [mode, url, bodyFile, key, expect] = process.argv.slice(2);
const body = fs.readFileSync(bodyFile);
const headers = {
  'authorization': 'Bearer ' + key,
  'content-type': 'application/json',
  'x-fake-body-bytes': '1048576',
};

function check(buf) {
  const digest = crypto.createHash('sha256').update(buf).digest('hex');
  if (digest !== expect) {
    console.error(`response mismatch: ${buf.length} bytes ${digest}`);
    process.exit(1);
  }
}

function viaHttps() {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', headers }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve(Buffer.concat(parts)));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function viaFetch() {
  const res = await fetch(url, { method: 'POST', headers, body });
  return Buffer.from(await res.arrayBuffer());
}

(mode === 'fetch' ? viaFetch() : viaHttps())
  .then(check)
  .catch((e) => { console.error(String(e)); process.exit(1); });
