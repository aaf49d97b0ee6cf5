"""Send a JSON plan of requests with python3-httpx over HTTP/2 (http2=True)
on one Client: one connection, streams in sequence. Trust: SSL_CERT_FILE.
argv: PLAN_FILE. Plan: {"requests": [{"method", "url", "headers": {},
"json": {...}, "stream": bool}]}. Prints "req N: STATUS BYTES HTTP_VERSION";
exits 1 unless every response came over HTTP/2."""
import json
import os
import sys

import httpx


def main():
    with open(sys.argv[1]) as f:
        plan = json.load(f)
    ok = True
    with httpx.Client(http2=True, verify=os.environ["SSL_CERT_FILE"], timeout=60) as c:
        for i, r in enumerate(plan["requests"]):
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
