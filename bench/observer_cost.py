#!/usr/bin/env python3
"""What the connection observer costs a host whose traffic is not AI (root).

`tls_conns churn` opens new TLS connections to a local server at a steady
rate (default 10,000 a minute), one request each, with a server name that
is not an AI host. Rounds alternate: no agent, then the agent in its
default (scoped) mode. Reported per round:

  - the client's CPU per connection (its own clock), with and without;
  - the agent's CPU over the round (all threads) and its RSS;
  - the observer's programs as the kernel timed them (bpf_stats): runs
    per connection and ns per run, so the cost per connection and per
    packet is measured, not inferred;
  - that the agent armed nothing and booked nothing (the process never
    talked to an AI host).

    bench/observer_cost.py --agent build/tokentap --bench build/bench/tls_conns \
        [--rate 167] [--seconds 30] [--rounds 2]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

from benchlib import (Agent, BenchError, bpf_prog_stats, bpf_stats_enable,
                      bpf_stats_restore, cpu_seconds, status_kb)

PROGS = ("sock_connect4", "sock_connect6", "sock_egress", "sock_state_change",
         "sock_send", "sock_recv")


def churn(args):
    res = subprocess.run([args.bench, "churn", "--sni", args.sni, "--rate", str(args.rate),
                          "--seconds", str(args.seconds)], capture_output=True, text=True)
    if res.returncode:
        raise BenchError("tls_conns churn failed: %s" % res.stderr[-500:])
    return json.loads(res.stdout)


def agent_round(args, work, i):
    agent = Agent(args.agent, work, "observer-%d" % i)
    try:
        rss0, cpu0 = status_kb(agent.pid, "VmRSS"), cpu_seconds(agent.pid)
        b0 = bpf_prog_stats(PROGS)
        out = churn(args)
        b1 = bpf_prog_stats(PROGS)
        rss1, cpu1 = status_kb(agent.pid, "VmRSS"), cpu_seconds(agent.pid)
    finally:
        agent.stop()
    recs = agent.records()
    stats = [r for r in recs if r.get("type") == "agent_stats"][-1]
    n = out["conns"]
    progs = {}
    for p in PROGS:
        runs, ns = b1[p][0] - b0[p][0], b1[p][1] - b0[p][1]
        progs[p] = {"runs_per_conn": runs / n, "ns_per_run": ns / runs if runs else 0,
                    "ns_per_conn": ns / n}
    return {"client_cpu_ns_per_conn": out["cpu_ns_per_conn"], "conns": n,
            "agent_cpu_s": cpu1 - cpu0, "agent_cpu_us_per_conn": (cpu1 - cpu0) * 1e6 / n,
            "agent_rss_mib": [rss0 / 1024, rss1 / 1024], "progs": progs,
            "bpf_ns_per_conn": sum(v["ns_per_conn"] for v in progs.values()),
            "armed": stats["attach"].get("armed", 0),
            "events": sum(1 for r in recs if r.get("event_type") == "ai_api_cost_allocation"
                          and r["process"]["comm"] == "tls_conns"),
            "observer": {k: v for k, v in stats.get("observer", {}).items() if v}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--agent", required=True)
    ap.add_argument("--bench", required=True, help="build/bench/tls_conns")
    ap.add_argument("--rate", type=int, default=167, help="connections per second")
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--sni", default="www.example.com")
    ap.add_argument("--out")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP observer_cost: needs root")
        return 0
    if not shutil.which("bpftool"):
        print("SKIP observer_cost: bpftool not installed (make deps)")
        return 0
    work = tempfile.mkdtemp(prefix="tokentap-observer-")
    old = bpf_stats_enable()
    rounds = []
    try:
        for i in range(args.rounds):
            base = churn(args)
            rounds.append({"none": base["cpu_ns_per_conn"], "agent": agent_round(args, work, i)})
    except BenchError as e:
        print("observer_cost: FAILED: %s" % e, file=sys.stderr)
        return 1
    finally:
        bpf_stats_restore(old)
        if not os.environ.get("TT_BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    med = statistics.median
    none = med(r["none"] for r in rounds)
    withg = med(r["agent"]["client_cpu_ns_per_conn"] for r in rounds)
    summary = {
        "rate_per_min": args.rate * 60, "seconds": args.seconds, "rounds": rounds,
        "client_cpu_us_per_conn": {"none": none / 1e3, "agent": withg / 1e3,
                                   "ratio": withg / none},
        "agent_cpu_us_per_conn": med(r["agent"]["agent_cpu_us_per_conn"] for r in rounds),
        "agent_cpu_pct": med(r["agent"]["agent_cpu_s"] for r in rounds) / args.seconds * 100,
        "agent_rss_mib_end": med(r["agent"]["agent_rss_mib"][1] for r in rounds),
        "bpf_ns_per_conn": med(r["agent"]["bpf_ns_per_conn"] for r in rounds),
        "armed": max(r["agent"]["armed"] for r in rounds),
        "events": max(r["agent"]["events"] for r in rounds)}
    print(json.dumps(summary))
    last = rounds[-1]["agent"]["progs"]
    print("| Non-AI connections, %d/min, %d s x %d rounds | value |" %
          (args.rate * 60, args.seconds, args.rounds))
    print("|---|---:|")
    print("| client CPU per connection, no agent / agent | %.0f / %.0f µs (ratio %.3f) |"
          % (none / 1e3, withg / 1e3, withg / none))
    print("| observer in the kernel per connection (bpf_stats) | %.1f µs |"
          % (summary["bpf_ns_per_conn"] / 1e3))
    for p, v in last.items():
        print("| `%s`: runs per connection, ns per run | %.1f, %.0f |"
              % (p, v["runs_per_conn"], v["ns_per_run"]))
    print("| agent CPU | %.2f %% of one core (%.1f µs per connection) |"
          % (summary["agent_cpu_pct"], summary["agent_cpu_us_per_conn"]))
    print("| agent RSS at the end | %.1f MiB |" % summary["agent_rss_mib_end"])
    print("| processes armed, events | %d, %d |" % (summary["armed"], summary["events"]))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(summary, f, indent=1)
    return 0 if summary["armed"] == 0 and summary["events"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
