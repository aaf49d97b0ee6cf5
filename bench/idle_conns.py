#!/usr/bin/env python3
"""Agent memory with many idle keep-alive AI connections (root).

Starts the agent in its default (scoped) mode, then bench/idle_conns: one
process that opens N TLS connections with an AI server name to a local
server, makes one call on each, keeps them all open and idle, and then
makes one more call on each. While they are idle the agent's resident
memory is sampled (VmRSS, every 100 ms; VmHWM at the end). The run is
valid only if every call is an event (2 N) and nothing was dropped.

    bench/idle_conns.py --agent build/tokentap --bench build/bench/idle_conns \
        [--conns 10000] [--idle 10] [--out results.json]
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time


def status_kb(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def wait_file(path, proc, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.exists(path):
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.05)
    return False


def run(args):
    tmp = tempfile.mkdtemp(prefix="tokentap-idle-")
    events = os.path.join(tmp, "events.jsonl")
    ready = os.path.join(tmp, "ready")
    cfg = os.path.join(tmp, "config.json")
    with open(cfg, "w") as f:
        # The default scoped mode; pinned state of its own so that another
        # agent on the machine is not disturbed.
        json.dump({"version": 1, "capture": {"state_dir": "/sys/fs/bpf/tokentap-idle-bench"}}, f)
    agent = subprocess.Popen([args.agent, "run", "--events", events, "--ready-file", ready,
                              "--config", cfg], stdout=subprocess.DEVNULL,
                             stderr=open(os.path.join(tmp, "agent.err"), "w"))
    try:
        if not wait_file(ready, agent, 60):
            sys.exit("idle_conns: the agent did not get ready: see %s" % tmp)
        time.sleep(1)
        rss0 = status_kb(agent.pid, "VmRSS")
        cpu0 = cpu_s(agent.pid)
        bench = subprocess.Popen([args.bench, "--sni", args.sni, "--conns", str(args.conns),
                                  "--idle", str(args.idle), "--again"],
                                 stdout=subprocess.PIPE, text=True)
        first = json.loads(bench.stdout.readline() or "{}")
        if first.get("mode") != "idle":
            sys.exit("idle_conns: the bench failed before its connections were open")
        sampler = Sampler(agent.pid)
        sampler.start()
        time.sleep(max(1, args.idle - 1))
        idle_rss = status_kb(agent.pid, "VmRSS")
        second = json.loads(bench.stdout.readline() or "{}")
        rc = bench.wait()
        sampler.stop.set()
        sampler.join()
        time.sleep(1)
        hwm = status_kb(agent.pid, "VmHWM")
        cpu1 = cpu_s(agent.pid)
    finally:
        agent.send_signal(signal.SIGTERM)
        agent.wait(60)
    with open(events) as f:
        recs = [json.loads(l) for l in f if l.strip()]
    evs = [r for r in recs if r.get("event_type") == "ai_api_cost_allocation"
           and r["process"]["comm"] == "idle_conns"]
    stats = [r for r in recs if r.get("type") == "agent_stats"][-1]
    lost = stats["capture"].get("ringbuf_lost_events", 0)
    full = stats["capture"].get("connection_table_full", 0)
    res = {"conns": args.conns, "idle_s": args.idle, "bench_rc": rc,
           "open_s": first.get("open_s"), "again_s": second.get("calls") and second.get("s"),
           "events": len(evs), "expected_events": 2 * args.conns,
           "exact": sum(1 for e in evs if e["usage"]["input_tokens"] == 11
                        and e["usage"]["output_tokens"] == 7),
           "dark": sum(1 for e in evs if e["usage_status"] == "unobserved"),
           "ringbuf_lost": lost, "conn_table_full": full,
           "rss_start_mib": rss0 / 1024, "rss_idle_mib": idle_rss / 1024,
           "rss_max_mib": sampler.max_rss / 1024, "hwm_mib": hwm / 1024,
           "agent_cpu_s": cpu1 - cpu0}
    print(json.dumps(res))
    ok = (rc == 0 and res["exact"] == res["expected_events"] and not lost and not full)
    print("%d idle keep-alive AI connections: agent RSS %.1f MiB idle, %.1f MiB peak "
          "(%.1f at start), %d/%d calls exact%s"
          % (args.conns, res["rss_idle_mib"], res["hwm_mib"], res["rss_start_mib"],
             res["exact"], res["expected_events"], "" if ok else "  ** INVALID RUN **"))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(res, f, indent=1)
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--agent", required=True)
    ap.add_argument("--bench", required=True, help="build/bench/idle_conns")
    ap.add_argument("--conns", type=int, default=10000)
    ap.add_argument("--idle", type=int, default=10)
    ap.add_argument("--sni", default="api.openai.com")
    ap.add_argument("--out")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP idle_conns: needs root")
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
