"""Send a JSON plan of requests with python3-requests on one Session (one
keep-alive connection), for tools/mkfixtures.py. Trust: REQUESTS_CA_BUNDLE.
argv: PLAN_FILE. Plan: {"requests": [{"method", "url", "headers": {},
"json": {...} | "data": "text", "stream": bool, "expectError": bool}]}.
Streamed bodies are read in pieces as they arrive (decoded by urllib3).
Prints "req N: STATUS BYTES" per request."""
import json
import sys

import requests


def main():
    with open(sys.argv[1]) as f:
        plan = json.load(f)
    with requests.Session() as s:
        for i, r in enumerate(plan["requests"]):
            kw = {"headers": r.get("headers", {}), "stream": bool(r.get("stream")),
                  "timeout": 60}
            if "json" in r:
                kw["json"] = r["json"]
            elif "data" in r:
                kw["data"] = r["data"].encode()
            try:
                resp = s.request(r.get("method", "POST"), r["url"], **kw)
                n = sum(len(piece) for piece in resp.iter_content(chunk_size=None))
                print("req %d: %d %d" % (i, resp.status_code, n), flush=True)
            except requests.RequestException as e:
                if not r.get("expectError"):
                    raise
                print("req %d: error %s" % (i, type(e).__name__), flush=True)
    return 0


sys.exit(main())
