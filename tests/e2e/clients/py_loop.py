"""Continuous keep-alive load for the restart test: one python3-requests
Session (HTTP/1.1) or one python3-httpx Client (http2=True), calling the
same URL on the same connection until STOP_FILE exists.
argv: h1|h1new|h2 URL KEY PROMPT LOG_FILE STOP_FILE [PAUSE_S]
(h1new: a new Session, so a new connection, for every call.)
Trust: SSL_CERT_FILE. Every other call streams (with usage). Per call one
JSON line in LOG_FILE: {"n", "t" (wall start), "t_end", "rid" (the
response's x-request-id), "status", "stream"}; a failed call logs "err"
instead, and the exit status is then 1. Prompt and key are never logged."""
import json
import os
import sys
import time


def session(kind):
    if kind == "h2":
        import httpx
        return httpx.Client(http2=True, verify=os.environ["SSL_CERT_FILE"], timeout=30)
    import requests
    return requests.Session()


def call(kind, s, url, headers, body, stream):
    """One call, its body read to the end: (status, request id)."""
    if kind == "h2":
        req = s.build_request("POST", url, headers=headers, json=body)
        resp = s.send(req, stream=True)
        for _ in resp.iter_bytes():
            pass
        resp.close()
        if resp.http_version != "HTTP/2":
            raise RuntimeError("not HTTP/2: %s" % resp.http_version)
    else:
        # verify per call: a session's own is overridden by REQUESTS_CA_BUNDLE.
        resp = s.post(url, headers=headers, json=body, stream=stream, timeout=30,
                      verify=os.environ["SSL_CERT_FILE"])
        for _ in resp.iter_content(chunk_size=None):
            pass
    return resp.status_code, resp.headers.get("x-request-id")


def main():
    kind, url, key, prompt, log_path, stop = sys.argv[1:7]
    pause = float(sys.argv[7]) if len(sys.argv) > 7 else 0.02
    headers = {"Authorization": "Bearer " + key}
    errors = 0
    s = session(kind)
    with open(log_path, "a") as log:
        n = 0
        while not os.path.exists(stop):
            if kind == "h1new":
                s.close()
                s = session(kind)
            stream = n % 2 == 1
            body = {"model": "gpt-4o-mini",
                    "messages": [{"role": "user", "content": "%s %d" % (prompt, n)}]}
            if stream:
                body.update(stream=True, stream_options={"include_usage": True})
            line = {"n": n, "t": time.time(), "stream": stream}
            try:
                line["status"], line["rid"] = call(kind, s, url, headers, body, stream)
            except Exception as e:  # logged by type only: no payload in logs
                line["err"] = type(e).__name__
                errors += 1
            line["t_end"] = time.time()
            log.write(json.dumps(line) + "\n")
            log.flush()
            n += 1
            time.sleep(pause)
    s.close()
    return 1 if errors else 0


sys.exit(main())
