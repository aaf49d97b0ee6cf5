"""A retry loop as applications write it with python3-requests, without
any SDK or retry header: for tests/e2e/test_finops.py. Trust:
REQUESTS_CA_BUNDLE. argv: PLAN_FILE. Plan: {"calls": [{"url", "headers":
{}, "json": {...}, "retries": N, "fallback_models": [...],
"headers_by_model": {model: {...}}, "sleep_before": seconds}]}.

Each call is sent; on 429, 500, 502, 503, 504 or 529 it is sent again
(the same body) after the Retry-After the server gave (capped at 1 s to
keep the test short), up to `retries` times; when every try failed, the
same body goes to each fallback model in turn (with its own retries).
Prints "call N model M try K: STATUS" per request."""
import json
import sys
import time

import requests

RETRY_ON = (429, 500, 502, 503, 504, 529)


def send_with_retries(s, i, call, model):
    body = dict(call["json"], model=model)  # "model" keeps its place
    headers = dict(call.get("headers", {}))
    headers.update(call.get("headers_by_model", {}).get(model, {}))
    for k in range(call.get("retries", 0) + 1):
        resp = s.post(call["url"], json=body, headers=headers, timeout=60)
        resp.content  # read it all: the connection is reused
        print("call %d model %s try %d: %d" % (i, model, k, resp.status_code), flush=True)
        if resp.status_code not in RETRY_ON:
            return resp.status_code
        if k < call.get("retries", 0):
            time.sleep(min(float(resp.headers.get("retry-after", "1")), 1.0))
    return resp.status_code


def main():
    with open(sys.argv[1]) as f:
        plan = json.load(f)
    with requests.Session() as s:
        for i, call in enumerate(plan["calls"]):
            time.sleep(call.get("sleep_before", 0))
            for model in [call["json"]["model"]] + call.get("fallback_models", []):
                if send_with_retries(s, i, call, model) < 400:
                    break
    return 0


sys.exit(main())
