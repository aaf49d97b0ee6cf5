"""Send a JSON plan of requests with python3-httpx over HTTP/2 (http2=True)
on one Client: one connection, streams in sequence. Trust: SSL_CERT_FILE.
argv: PLAN_FILE. Plan: {"requests": [{"method", "url", "headers": {},
"json": {...}, "stream": bool}], "pause": {"after": N, "ready": PATH,
"wait": PATH}}. Prints "req N: STATUS BYTES HTTP_VERSION"; exits 1 unless
every response came over HTTP/2. With "pause", after N requests it writes
the ready file and waits for the wait file before going on, on the same
connection (a connection older than the agent: tests/e2e/test_dark.py)."""
import json
import os
import sys
import time

import httpx


def main():
    with open(sys.argv[1]) as f:
        plan = json.load(f)
    ok = True
    pause = plan.get("pause")
    with httpx.Client(http2=True, verify=os.environ["SSL_CERT_FILE"], timeout=60) as c:
        for i, r in enumerate(plan["requests"]):
            if pause and i == pause["after"]:
                with open(pause["ready"], "w"):
                    pass
                while not os.path.exists(pause["wait"]):
                    time.sleep(0.02)
            req = c.build_request(r.get("method", "POST"), r["url"],
                                  headers=r.get("headers", {}), json=r.get("json"))
            resp = c.send(req, stream=True)
            n = sum(len(piece) for piece in resp.iter_bytes())
            resp.close()
            print("req %d: %d %d %s" % (i, resp.status_code, n, resp.http_version),
                  flush=True)
            ok = ok and resp.http_version == "HTTP/2"
    return 0 if ok else 1


sys.exit(main())
