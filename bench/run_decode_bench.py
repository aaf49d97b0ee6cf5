#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Decode throughput (make bench-decode): medians of several runs, pinned
to one CPU, for small non-stream exchanges and for streams of two sizes
(to show decode time is linear in the number of events). Prints a
markdown table for docs/performance.md."""
import argparse
import base64
import tempfile
import time
import json
import os
import statistics
import subprocess
import sys


def run(bench, args, runs, key="exchanges_per_s"):
    res = []
    for _ in range(runs):
        out = subprocess.run(["taskset", "-c", "0", bench] + args, check=True,
                             capture_output=True, text=True).stdout
        res.append(json.loads(out.strip().splitlines()[-1]))
    res.sort(key=lambda r: r[key])
    return res[len(res) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--agent", help="tokentap binary: also time `replay`")
    a = ap.parse_args()
    rows = [
        ("small non-stream chat exchanges", ["small", "200000"]),
        ("streams of 2,000 SSE events", ["stream", "2000", "50"]),
        ("streams of 8,000 SSE events", ["stream", "8000", "12"]),
    ]
    print("| Workload | Exchanges/s | MB/s | ns per exchange | ns per event |")
    print("|---|---:|---:|---:|---:|")
    for label, args in rows:
        r = run(a.bench, args, a.runs)
        per_ev = "%.0f" % r["ns_per_event"] if r["events_per_exchange"] else "–"
        print("| %s | %s | %.1f | %s | %s |" % (
            label, "{:,.0f}".format(r["exchanges_per_s"]), r["mb_per_s"],
            "{:,.0f}".format(r["ns_per_exchange"]), per_ev))
    r = run(a.bench, ["alloc", "200000"], a.runs, key="ns_per_event")
    o = run(a.bench, ["otlp", "200000"], a.runs, key="ns_per_event")
    print("\n| Allocation event alone (20 owner rules, the shipped price table, JSON) "
          "| ns per event | CPU ns per event |\n|---|---:|---:|")
    print("| one exchange's event written 200,000 times | {:,.0f} | {:,.0f} |".format(
        r["ns_per_event"], r["cpu_ns_per_event"]))
    print("| the same, plus its OTLP queue entry (log record, metric observation) "
          "| {:,.0f} | {:,.0f} |".format(o["ns_per_event"], o["cpu_ns_per_event"]))
    print("\nCommand: `make bench-decode` (median of %d runs, `taskset -c 0`)."
          % a.runs)
    if a.agent:
        replay_file(a.agent, a.runs)
    return 0


def capture_file(path, n):
    """A capture file of n keep-alive small exchanges on one connection."""
    body = ('{"model":"gpt-4o-mini","messages":[{"role":"user",'
            '"content":"Say hello in five words."}]}')
    req = ("POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n"
           "Authorization: Bearer sk-bench-0123456789abcdef\r\n"
           "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
           % (len(body), body)).encode()
    with open(path, "w") as f:
        f.write('{"tokentap_capture":1}\n')
        f.write('{"ts_ns":1,"conn":1,"open":{"host":"api.openai.com","pid":1,'
                '"comm":"bench"}}\n')
        for i in range(n):
            rb = ('{"id":"chatcmpl-%d","object":"chat.completion","model":'
                  '"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":'
                  '{"role":"assistant","content":"Hello there, how are you?"},'
                  '"finish_reason":"stop"}],"usage":{"prompt_tokens":%d,'
                  '"completion_tokens":7,"total_tokens":%d}}' % (i, 12 + i % 7, 19 + i % 7))
            resp = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    "x-request-id: req_%08d\r\nContent-Length: %d\r\n\r\n%s"
                    % (i, len(rb), rb)).encode()
            for d, data in (("egress", req), ("ingress", resp)):
                f.write('{"ts_ns":%d,"conn":1,"dir":"%s","data":"%s"}\n'
                        % (2 + 2 * i + (d == "ingress"), d,
                           base64.b64encode(data).decode()))
    return os.path.getsize(path)


def replay_file(agent, runs):
    n = 100000
    path = os.path.join(tempfile.mkdtemp(prefix="tokentap-bench-"), "cap.jsonl")
    size = capture_file(path, n)
    times = []
    for _ in range(runs):
        t0 = time.monotonic()
        subprocess.run(["taskset", "-c", "0", agent, "replay", "--events",
                        "/dev/null", "--log-level", "error", path], check=True)
        times.append(time.monotonic() - t0)
    t = statistics.median(times)
    print("\n| `tokentap replay` of a capture file | Exchanges/s | MB/s of file |")
    print("|---|---:|---:|")
    print("| %d small exchanges, %.0f MB of JSON Lines | %s | %.1f |"
          % (n, size / 1e6, "{:,.0f}".format(n / t), size / t / 1e6))
    os.unlink(path)


if __name__ == "__main__":
    sys.exit(main())
