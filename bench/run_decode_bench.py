#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Decode throughput (make bench-decode): medians of several runs, pinned
to one CPU, for small non-stream exchanges and for streams of two sizes
(to show decode time is linear in the number of events). Prints a
markdown table for docs/performance.md."""
import argparse
import json
import os
import statistics
import subprocess
import sys


def run(bench, args, runs):
    res = []
    for _ in range(runs):
        out = subprocess.run(["taskset", "-c", "0", bench] + args, check=True,
                             capture_output=True, text=True).stdout
        res.append(json.loads(out.strip().splitlines()[-1]))
    key = "exchanges_per_s"
    res.sort(key=lambda r: r[key])
    return res[len(res) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--runs", type=int, default=5)
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
    print("\nCommand: `make bench-decode` (median of %d runs, `taskset -c 0`)."
          % a.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
