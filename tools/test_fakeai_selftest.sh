#!/usr/bin/env bash
# Self-test for tools/fakeai.py (not part of CI). Needs root (unshare -m +
# bind-mounting /etc/hosts), curl, openssl, node and /usr/bin/python3 (with
# python3-requests, python3-brotli, python3-zstandard, python3-h2,
# python3-httpx and python3-websockets for the route, HTTP/2 and WebSocket
# checks).
# PYTHON=... selects the interpreter that runs the server (default python3).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
PY=${PYTHON:-python3}
work=$(mktemp -d)
srv_pid=

cleanup() {
    if [[ -n $srv_pid ]] && kill -0 "$srv_pid" 2>/dev/null; then
        kill -TERM "$srv_pid" 2>/dev/null || true
        wait "$srv_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }

# Run "$@" with /etc/hosts replaced (private mount namespace) so that
# api.openai.com resolves to 127.0.0.1 for clients without --resolve.
with_hosts() {
    # shellcheck disable=SC2016  # $0/$@ are for the inner sh
    unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$work/hosts" "$@"
}

"$here/gen-test-certs.sh" "$work/certs"
ok "certificates generated"
printf '127.0.0.1 api.openai.com\n' >"$work/hosts"

log=$work/fakeai.log
"$PY" "$here/fakeai.py" --host 127.0.0.1 --port 0 \
    --cert "$work/certs/server.pem" --key "$work/certs/server.key" \
    --log "$log" --ready-file "$work/ready" 2>"$work/server.err" &
srv_pid=$!
for _ in $(seq 100); do
    [[ -s $work/ready ]] && break
    kill -0 "$srv_pid" 2>/dev/null || { cat "$work/server.err" >&2; fail "server died"; }
    sleep 0.05
done
[[ -s $work/ready ]] || fail "server never became ready"
PORT=$(cat "$work/ready")
base=https://api.openai.com:$PORT
ok "server listening on 127.0.0.1:$PORT ($("$PY" -V 2>&1))"

curl_() {
    curl -sS --http1.1 --cacert "$work/certs/ca.pem" \
        --resolve "api.openai.com:$PORT:127.0.0.1" "$@"
}

# 1. 200 KiB upload, 1 MiB pattern download. 'Expect:' is suppressed so the
#    byte stream is fully predictable; -v shows the exact request head.
head -c 204800 /dev/urandom >"$work/req.bin"
read -r code curl_port < <(curl_ -v -X POST "$base/v1/upload" -H 'Expect:' \
    -H 'X-Fake-Body-Bytes: 1048576' --data-binary @"$work/req.bin" \
    -D "$work/resp.hdr" -o "$work/resp.body" -w '%{http_code} %{local_port}\n' \
    2>"$work/curl.v") || fail "curl pattern request"
[[ $code == 200 ]] || fail "pattern request: HTTP $code"
want=$("$PY" "$here/fakeai_pattern.py" 1048576)
got=$(sha256sum <"$work/resp.body" | cut -d' ' -f1)
[[ $got == "$want" ]] || fail "pattern body mismatch: $got != $want"
ok "curl: 200 KiB up, 1 MiB pattern down, sha256 matches pattern(1048576)"

# 2. Chat completion via curl, plus Expect: 100-continue handling.
curl_ "$base/v1/chat/completions" -H 'Content-Type: application/json' \
    -H 'Expect: 100-continue' -d '{"model":"gpt-test","messages":[{"role":"user","content":"hi"}]}' \
    -D "$work/chat.hdr" -o "$work/chat.json"
grep -qi '^x-request-id: req_[0-9a-f]\{32\}' "$work/chat.hdr" || fail "no x-request-id"
grep -q '^HTTP/1.1 100 Continue' "$work/chat.hdr" || fail "no 100 Continue"
"$PY" - "$work/chat.json" <<'EOF' || fail "bad chat completion"
import json, sys, zlib
r = json.load(open(sys.argv[1]))
n = zlib.crc32(b'{"model":"gpt-test","messages":[{"role":"user","content":"hi"}]}')
u = r["usage"]
assert r["object"] == "chat.completion" and r["model"] == "gpt-test-2024-07-18", r
assert r["choices"][0]["message"]["content"] == "Hello from fakeai", r
assert (u["prompt_tokens"], u["completion_tokens"]) == (11 + n % 97, 7 + (n >> 8) % 13), u
assert u["total_tokens"] == u["prompt_tokens"] + u["completion_tokens"], u
EOF
ok "curl: chat completion JSON and usage correct, 100-continue honoured"

# 3. Error paths must not take the server down.
code=$(curl_ -o /dev/null -w '%{http_code}' "$base/v1/chat/completions" -d 'not json')
[[ $code == 400 ]] || fail "bad JSON gave $code"
code=$(curl_ -o /dev/null -w '%{http_code}' "$base/v1/chat/completions" -d '{}' -H 'X-Fake-Status: 429')
[[ $code == 429 ]] || fail "X-Fake-Status gave $code"
code=$(curl_ -o /dev/null -w '%{http_code}' "$base/nope")
[[ $code == 404 ]] || fail "unknown path gave $code"
curl -sS --resolve "api.openai.com:$PORT:127.0.0.1" "$base/" >/dev/null 2>&1 &&
    fail "handshake without the test CA succeeded"
printf 'GARBAGE\r\n\r\n' | timeout 5 openssl s_client -quiet -connect "127.0.0.1:$PORT" -servername api.openai.com \
    >/dev/null 2>&1 || true
ok "curl: 400 / 429 / 404, failed handshake and garbage handled"

# 4. System python (3.11) urllib, trusting the CA via SSL_CERT_FILE.
SSL_CERT_FILE=$work/certs/ca.pem with_hosts /usr/bin/python3 - "$base" "$here" <<'EOF' ||
import json, sys, urllib.request
base, here = sys.argv[1], sys.argv[2]
sys.path.insert(0, here)
from fakeai_pattern import pattern
req = urllib.request.Request(base + "/v1/chat/completions", data=b'{"model":"m"}',
                             headers={"Content-Type": "application/json"})
with urllib.request.urlopen(req) as r:
    assert r.status == 200 and json.load(r)["model"] == "m-2024-07-18"
req = urllib.request.Request(base + "/v1/files", headers={"X-Fake-Body-Bytes": "100003"})
with urllib.request.urlopen(req) as r:
    assert r.read() == pattern(100003)
EOF
    fail "python urllib client"
ok "/usr/bin/python3 urllib: chat completion + pattern body"

# 5. Node (undici fetch), trusting the CA via NODE_EXTRA_CA_CERTS.
NODE_EXTRA_CA_CERTS=$work/certs/ca.pem with_hosts node -e '
(async () => {
  const r = await fetch(process.argv[1] + "/v1/chat/completions", {method: "POST",
    headers: {"content-type": "application/json"}, body: JSON.stringify({model: "n"})});
  const j = await r.json();
  if (r.status !== 200 || j.model !== "n-2024-07-18" || !r.headers.get("x-request-id")) process.exit(1);
})().catch(e => { console.error(e); process.exit(1); });' "$base" || fail "node fetch client"
ok "node $(node -v) fetch: chat completion"

# 6. Log checks. Lines are written when a connection closes, so wait a bit.
"$PY" - "$log" "$curl_port" "$work" <<'EOF' || fail "log checks"
import hashlib, json, sys, time
log, curl_port, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for _ in range(100):
    lines = [json.loads(l) for l in open(log)]
    conns = [l for l in lines if l["event"] == "conn" and l["requests"]]
    if len(conns) >= 7:  # 5 curl + python + node
        break
    time.sleep(0.1)
else:
    sys.exit("expected >= 7 conn lines, got %d" % len(conns))
assert any(l["event"] == "error" for l in lines), "no handshake error logged"
for c in conns:
    assert c["bytes_in"] > 0 and c["bytes_out"] > 0, c
    assert c["sni"] == "api.openai.com", c
(c,) = [c for c in conns if c["peer_port"] == curl_port]
rd = lambda n: open("%s/%s" % (work, n), "rb").read()
# What curl received: raw header block (-D) + body.
assert c["sha256_out"] == hashlib.sha256(rd("resp.hdr") + rd("resp.body")).hexdigest()
assert c["bytes_out"] == len(rd("resp.hdr")) + 1048576
# What curl sent: the "> " request-head lines of -v (they keep their CR) + body.
head = b"".join(l[2:] + b"\n" for l in rd("curl.v").split(b"\n") if l.startswith(b"> "))
assert c["sha256_in"] == hashlib.sha256(head + rd("req.bin")).hexdigest()
(r,) = c["requests"]
assert (r["method"], r["path"], r["status"]) == ("POST", "/v1/upload", 200), r
assert (r["req_body_bytes"], r["resp_body_bytes"]) == (204800, 1048576), r
assert c["alpn"] == "http/1.1", c
print("ok - log: %d conn lines, curl connection sha256_in/out match (%d/%d bytes)"
      % (len(conns), c["bytes_in"], c["bytes_out"]))
EOF

# 7. Every provider route and mode, driven by curl against a second server
#    (own certificates with all provider names, --record): the recorded bytes
#    are decoded independently and must match the "exchange" log lines. Then
#    the checked-in fixtures get the same check.
/usr/bin/python3 "$here/test_fakeai_routes.py" live >"$work/routes.out" 2>&1 ||
    { cat "$work/routes.out" >&2; fail "provider routes"; }
ok "$(tail -n1 "$work/routes.out") (provider routes, live)"
if compgen -G "$here/../tests/fixtures/*.capture.jsonl" >/dev/null; then
    /usr/bin/python3 "$here/test_fakeai_routes.py" fixtures >"$work/fixtures.out" 2>&1 ||
        { cat "$work/fixtures.out" >&2; fail "fixtures"; }
    ok "$(tail -n1 "$work/fixtures.out") (tests/fixtures)"
fi

# 7b. HTTP/2 (--h2): every route over curl --http2 and httpx, frames decoded
#     from the recordings (needs python3-h2 and python3-httpx).
/usr/bin/python3 "$here/test_fakeai_h2.py" >"$work/h2.out" 2>&1 ||
    { cat "$work/h2.out" >&2; fail "HTTP/2"; }
ok "$(tail -n1 "$work/h2.out") (HTTP/2)"

# 7c. WebSocket (Responses and Realtime APIs, permessage-deflate variants, 426)
#     with python3-websockets as the client; recordings decoded independently
#     and, when the agent is built, replayed through it.
ws_args=()
if [[ -x $here/../build/tokentap ]]; then ws_args=(--agent "$here/../build/tokentap"); fi
/usr/bin/python3 "$here/test_fakeai_ws.py" "${ws_args[@]}" >"$work/ws.out" 2>&1 ||
    { cat "$work/ws.out" >&2; fail "WebSocket"; }
ok "$(tail -n1 "$work/ws.out") (WebSocket)"

# 8. Clean shutdown on SIGTERM.
kill -TERM "$srv_pid"
rc=0; wait "$srv_pid" || rc=$?
srv_pid=
[[ $rc == 0 ]] || fail "server exit status $rc after SIGTERM"
[[ -z $(tail -c1 "$log") ]] || fail "log not newline-terminated"
ok "SIGTERM: clean exit"
echo "ALL PASSED"
