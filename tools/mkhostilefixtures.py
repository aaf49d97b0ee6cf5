#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes tests/fixtures/openai-chat-json-hostile.{capture,expect}.jsonl:
three exchanges on one keep-alive connection whose usage no provider
could mean (a hostile or broken endpoint trying to inflate costs): a
fractional prompt count, cache reads above the prompt, an absurd output
count. Built from openai-chat-json-identity's recorded request and
response by rewriting the response's usage (and Content-Length); the
expect lines say what the server sent, the counts as the decoders read
them (whole numbers). The agent must flag each and price none.

Usage: tools/mkhostilefixtures.py (no root, no network)."""
import base64
import json
import os

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
FIX = os.path.join(ROOT, "tests", "fixtures")
SRC = os.path.join(FIX, "openai-chat-json-identity")
DST = os.path.join(FIX, "openai-chat-json-hostile")

# (usage sent, usage as recorded) per exchange.
CASES = [
    ({"prompt_tokens": 68.5, "completion_tokens": 11, "total_tokens": 79.5},
     {"input_tokens": 68, "output_tokens": 11, "cache_read_input_tokens": None,
      "cache_creation_input_tokens": None, "reasoning_tokens": None, "total_tokens": 79}),
    ({"prompt_tokens": 68, "completion_tokens": 11, "total_tokens": 79,
      "prompt_tokens_details": {"cached_tokens": 5000}},
     {"input_tokens": 68, "output_tokens": 11, "cache_read_input_tokens": 5000,
      "cache_creation_input_tokens": None, "reasoning_tokens": None, "total_tokens": 79}),
    ({"prompt_tokens": 68, "completion_tokens": 5000000000, "total_tokens": 5000000068},
     {"input_tokens": 68, "output_tokens": 5000000000, "cache_read_input_tokens": None,
      "cache_creation_input_tokens": None, "reasoning_tokens": None,
      "total_tokens": 5000000068}),
]


def main():
    with open(SRC + ".capture.jsonl") as f:
        lines = [json.loads(ln) for ln in f]
    with open(SRC + ".expect.jsonl") as f:
        expect = json.loads(f.readline())
    head, req = lines[:2], lines[2]
    resp_head = base64.b64decode(lines[3]["data"])
    body = json.loads(base64.b64decode(lines[4]["data"]))
    close = lines[-1]
    out, exp, ts = list(head), [], req["ts_ns"]
    for i, (sent, recorded) in enumerate(CASES):
        b = dict(body, usage=sent, id="chatcmpl-hostile%d" % i)
        data = json.dumps(b, separators=(",", ":")).encode()
        h = resp_head.replace(b"Content-Length: 590", b"Content-Length: %d" % len(data))
        for d, payload in (("egress", base64.b64decode(req["data"])), ("ingress", h),
                           ("ingress", data)):
            ts += 1000000
            out.append({"ts_ns": ts, "conn": 1, "dir": d,
                        "data": base64.b64encode(payload).decode()})
        e = dict(expect, seq=i, response_id=b["id"], usage_sent={"body": sent},
                 usage_expected=recorded)
        e["expect"] = dict(expect["expect"], usage=recorded)
        exp.append(e)
    out.append(dict(close, ts_ns=ts + 1000000))
    with open(DST + ".capture.jsonl", "w") as f:
        for ln in out:
            f.write(json.dumps(ln, separators=(",", ":")) + "\n")
    with open(DST + ".expect.jsonl", "w") as f:
        for ln in exp:
            f.write(json.dumps(ln, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
