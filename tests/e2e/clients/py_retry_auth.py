"""A naive python3-requests client that retries every failure, the auth
failure included (the retry storm `tokentap smoke` catches). Trust:
REQUESTS_CA_BUNDLE. argv: URL MODEL ATTEMPTS; the key comes from
$SMOKE_KEY, the prompt from $SMOKE_PROMPT (never on the command line).
Prints "attempt N: STATUS" per attempt; exits 0 on a 2xx, 1 otherwise."""
import os
import sys
import time

import requests


def main():
    url, model, attempts = sys.argv[1], sys.argv[2], int(sys.argv[3])
    body = {"model": model, "messages": [{"role": "user", "content": os.environ["SMOKE_PROMPT"]}]}
    headers = {"Authorization": "Bearer " + os.environ["SMOKE_KEY"]}
    for i in range(attempts):
        resp = requests.post(url, json=body, headers=headers, timeout=60)
        print("attempt %d: %d" % (i, resp.status_code), flush=True)
        if resp.ok:
            return 0
        time.sleep(0.05)
    return 1


sys.exit(main())
