#!/usr/bin/env python3
"""Agent memory with many idle keep-alive AI connections (root).

Starts the agent in its default (scoped) mode, then `tls_conns idle`: one
process that opens N TLS connections with an AI server name to a local
server, makes one call on each, keeps them all open and idle, and then
makes one more call on each. While they are idle the agent's resident
memory is sampled (VmRSS every 100 ms, VmHWM at the end, and where it
lives by mapping). The run is valid only if every call is an exact event
(2 N) and nothing was dropped.

    bench/idle_conns.py --agent build/tokentap --bench build/bench/tls_conns \
        [--conns 10000] [--idle 10] [--out results.json]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from benchlib import Agent, BenchError, cpu_seconds, rss_by_mapping, status_kb


class Sampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.max_rss, self.stop = pid, 0, threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                self.max_rss = max(self.max_rss, status_kb(self.pid, "VmRSS"))
            except OSError:
                return
            time.sleep(0.1)


def run(args, work):
    agent = Agent(args.agent, work, "idle")
    try:
        time.sleep(1)
        rss0, cpu0 = status_kb(agent.pid, "VmRSS"), cpu_seconds(agent.pid)
        bench = subprocess.Popen([args.bench, "idle", "--sni", args.sni, "--conns",
                                  str(args.conns), "--idle", str(args.idle), "--again"],
                                 stdout=subprocess.PIPE, text=True)
        first = json.loads(bench.stdout.readline() or "{}")
        if first.get("mode") != "idle":
            raise BenchError("tls_conns failed before its connections were open")
        sampler = Sampler(agent.pid)
        sampler.start()
        time.sleep(max(1, args.idle - 1))
        idle_rss, idle_maps = status_kb(agent.pid, "VmRSS"), rss_by_mapping(agent.pid)
        second = json.loads(bench.stdout.readline() or "{}")
        rc = bench.wait()
        sampler.stop.set()
        sampler.join()
        time.sleep(1)
        hwm, cpu1 = status_kb(agent.pid, "VmHWM"), cpu_seconds(agent.pid)
    finally:
        agent.stop()
    recs = agent.records()
    evs = [r for r in recs if r.get("event_type") == "ai_api_cost_allocation"
           and r["process"]["comm"] == "tls_conns"]
    cap = [r for r in recs if r.get("type") == "agent_stats"][-1]["capture"]
    res = {"conns": args.conns, "idle_s": args.idle, "bench_rc": rc,
           "open_s": first.get("open_s"), "again_s": second.get("s"),
           "events": len(evs), "expected_events": 2 * args.conns,
           "exact": sum(1 for e in evs if e["usage"]["input_tokens"] == 11
                        and e["usage"]["output_tokens"] == 7),
           "dark": sum(1 for e in evs if e["usage_status"] == "unobserved"),
           "ringbuf_lost": cap.get("ringbuf_lost_events", 0),
           "conn_table_full": cap.get("connection_table_full", 0),
           "rss_start_mib": rss0 / 1024, "rss_idle_mib": idle_rss / 1024,
           "rss_max_mib": sampler.max_rss / 1024, "hwm_mib": hwm / 1024,
           "agent_cpu_s": cpu1 - cpu0, "idle_rss_kib_by_mapping": idle_maps}
    res["valid"] = (rc == 0 and res["exact"] == res["expected_events"] and
                    not res["ringbuf_lost"] and not res["conn_table_full"])
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--agent", required=True)
    ap.add_argument("--bench", required=True, help="build/bench/tls_conns")
    ap.add_argument("--conns", type=int, default=10000)
    ap.add_argument("--idle", type=int, default=10)
    ap.add_argument("--sni", default="api.openai.com")
    ap.add_argument("--out")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP idle_conns: needs root")
        return 0
    work = tempfile.mkdtemp(prefix="tokentap-idle-")
    try:
        res = run(args, work)
    except BenchError as e:
        print("idle_conns: FAILED: %s" % e, file=sys.stderr)
        return 1
    finally:
        if not os.environ.get("TT_BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(res))
    print("| Idle keep-alive AI connections | agent RSS idle | peak (VmHWM) | at start | calls exact |")
    print("|---:|---:|---:|---:|---:|")
    print("| %d | **%.1f MiB** | %.1f MiB | %.1f MiB | %d/%d%s |"
          % (args.conns, res["rss_idle_mib"], res["hwm_mib"], res["rss_start_mib"],
             res["exact"], res["expected_events"], "" if res["valid"] else " INVALID RUN"))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(res, f, indent=1)
    return 0 if res["valid"] else 1


if __name__ == "__main__":
    sys.exit(main())
