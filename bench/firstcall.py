#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The latency the hold adds to a process's first AI connection.

Run as root, alone (it loads BPF and binds 127.0.0.1:443):

    flock /tmp/tokentap-e2e.lock /usr/bin/python3 bench/firstcall.py \
        --agent build/tokentap [--rounds 10] [--per-round 5] [--out FILE]

In the default scoped mode a process that is not armed yet has its first
ClientHello to an AI host held (dropped at cgroup egress; TCP sends it
again) until the agent has attached its TLS probes; capture.hold_ms: 0
turns that off. Three configurations, measured in the same run and
interleaved (rounds, the order rotating each round):

  none    no agent
  hold    tokentap run, default configuration (scoped, hold_ms 1000)
  nohold  tokentap run, capture.hold_ms 0

Each run is a fresh process making one call on a new connection to the fake
provider (tools/fakeai.py) on 127.0.0.1:443: curl, python3 requests, node
fetch. Each measures, inside the process, the time from the start of the
call (connect included, name lookup in /etc/hosts, TLS, request) to the
first byte of the response: `first` below. The process's wall time from
spawn to exit is reported too. With an agent, one untimed process per
client kind starts each block (the agent reads each TLS library once);
its figure is kept apart as `cold`.

Per client and configuration: median and p99 (nearest rank: with fewer
than 100 runs, the slowest) of `first`, the added latency against `none`
(median - median, p99 - p99), the connections the agent held, released by
its kick or by the deadline, and how many first calls were captured.
Prints a Markdown table; --out writes JSON.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import PY, Agent, Env  # noqa: E402
from run_bench import other_agents  # noqa: E402

URL = "https://api.openai.com/v1/chat/completions"
BODY = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"bench"}]}'
KEY = "sk-bench-firstcall-not-a-key"
CONFIGS = ("none", "hold", "nohold")
AGENT_CONFIG = {"none": None, "hold": {}, "nohold": {"capture": {"hold_ms": 0}}}
KINDS = ("curl", "requests", "node")

# Each client prints the ms from the start of its call to the response's
# first byte (headers), then reads the body.
PY_CLIENT = r"""
import sys, time
import requests
url, body, key = sys.argv[1], sys.argv[2], sys.argv[3]
t0 = time.perf_counter()
r = requests.post(url, data=body, timeout=30, stream=True,
                  headers={"Authorization": "Bearer " + key,
                           "Content-Type": "application/json"})
t1 = time.perf_counter()
assert r.status_code == 200 and r.content
print("%.3f" % ((t1 - t0) * 1e3))
"""
NODE_CLIENT = r"""
const [url, body, key] = process.argv.slice(2);
(async () => {
  await (await fetch('data:,warm')).text();  // loads fetch itself first
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', body, headers: {
    authorization: 'Bearer ' + key, 'content-type': 'application/json' } });
  const t1 = performance.now();
  if (res.status !== 200 || !(await res.arrayBuffer()).byteLength) process.exit(1);
  console.log((t1 - t0).toFixed(3));
})().catch((e) => { console.error(String(e)); process.exit(1); });
"""


class BenchError(Exception):
    pass


def client_argv(env, kind):
    if kind == "curl":
        return ["curl", "-sS", "--fail", "-o", "/dev/null", "--cacert", env.ca,
                "-w", "%{time_starttransfer}", "-H", "Authorization: Bearer " + KEY,
                "-H", "Content-Type: application/json", "--data-binary", BODY, URL]
    if kind == "requests":
        return [PY, os.path.join(env.dir, "fc_client.py"), URL, BODY, KEY]
    return ["node", os.path.join(env.dir, "fc_client.js"), URL, BODY, KEY]


def run_one(env, kind, cg_dir):
    """One fresh process: (pid, first-byte ms, wall ms)."""
    t0 = time.monotonic()
    proc = env.spawn(client_argv(env, kind), cg_dir,
                     env={"SSL_CERT_FILE": env.ca, "REQUESTS_CA_BUNDLE": env.ca,
                          "NODE_EXTRA_CA_CERTS": env.ca},
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=60)
    wall = (time.monotonic() - t0) * 1e3
    if proc.returncode:
        raise BenchError("%s exited %d: %s" % (kind, proc.returncode, err[-300:]))
    first = float(out.split()[-1])
    if kind == "curl":
        first *= 1e3  # curl prints seconds
    return proc.pid, first, wall


def run_block(env, cfg, rnd, per_round, res):
    """One configuration for one round: an agent (or none), a cold run per
    kind, then per_round runs of each kind, interleaved."""
    agent = None
    if AGENT_CONFIG[cfg] is not None:
        agent = Agent(env, "fc-%s-%d" % (cfg, rnd), ["--status-file", "off",
                      "--metrics-listen", "off"], digest=False, config=AGENT_CONFIG[cfg])
    pids = []
    try:
        for kind in KINDS:
            cg_dir, _ = env.cgroup("fc-" + kind)
            pid, first, _ = run_one(env, kind, cg_dir)
            if agent:
                res[cfg][kind]["cold"].append(first)
        for _ in range(per_round):
            for kind in KINDS:
                cg_dir, _ = env.cgroup("fc-" + kind)
                pid, first, wall = run_one(env, kind, cg_dir)
                res[cfg][kind]["first"].append(first)
                res[cfg][kind]["wall"].append(wall)
                pids.append((kind, pid))
    finally:
        if agent:
            agent.stop()
    if not agent:
        return
    called = {e["process"]["pid"] for e in agent.alloc_events()
              if e.get("usage_status") != "unobserved"}
    for kind, pid in pids:
        res[cfg][kind]["captured"] += pid in called
    ob = agent.observer
    for k in ("held", "kicked", "hold_failopen", "hold_drops"):
        res[cfg]["observer"][k] = res[cfg]["observer"].get(k, 0) + ob[k]
    res[cfg]["observer"]["processes"] = (res[cfg]["observer"].get("processes", 0)
                                         + len(pids) + len(KINDS))


def p99(xs):
    s = sorted(xs)
    return s[max(0, math.ceil(0.99 * len(s)) - 1)]


def summarize(res):
    out = {}
    for cfg in CONFIGS:
        out[cfg] = {"observer": res[cfg]["observer"]}
        for kind in KINDS:
            r = res[cfg][kind]
            row = {"n": len(r["first"]), "first_median_ms": statistics.median(r["first"]),
                   "first_p99_ms": p99(r["first"]),
                   "wall_median_ms": statistics.median(r["wall"]),
                   "cold_median_ms": statistics.median(r["cold"]) if r["cold"] else None,
                   "captured": r["captured"] if cfg != "none" else None}
            base = res["none"][kind]
            row["added_median_ms"] = row["first_median_ms"] - statistics.median(base["first"])
            row["added_p99_ms"] = row["first_p99_ms"] - p99(base["first"])
            out[cfg][kind] = row
    return out


def markdown(s, meta):
    lines = ["First AI connection of a fresh process, %d runs per client and "
             "configuration (%s)." % (s["none"]["curl"]["n"], meta),
             "",
             "| client | config | first byte median | p99 | added median | added p99 "
             "| wall median | cold first | first call captured |",
             "|---|---|---|---|---|---|---|---|---|"]
    for kind in KINDS:
        for cfg in CONFIGS:
            r = s[cfg][kind]
            added = ("" if cfg == "none" else "%+.1f ms" % r["added_median_ms"],
                     "" if cfg == "none" else "%+.1f ms" % r["added_p99_ms"])
            lines.append("| %s | %s | %.1f ms | %.1f ms | %s | %s | %.0f ms | %s | %s |" % (
                kind, cfg, r["first_median_ms"], r["first_p99_ms"], added[0], added[1],
                r["wall_median_ms"],
                "" if r["cold_median_ms"] is None else "%.1f ms" % r["cold_median_ms"],
                "" if r["captured"] is None else "%d/%d" % (r["captured"], r["n"])))
    lines.append("")
    for cfg in ("hold", "nohold"):
        ob = s[cfg]["observer"]
        lines.append("%s: %d processes, %d connections held, %d released by the kick, "
                     "%d by the deadline, %d segments dropped" % (
                         cfg, ob["processes"], ob["held"], ob["kicked"],
                         ob["hold_failopen"], ob["hold_drops"]))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--agent", default=os.path.join(ROOT, "build", "tokentap"))
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--per-round", type=int, default=5)
    ap.add_argument("--out")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("firstcall: needs root (BPF, 127.0.0.1:443); skipped")
        return 0
    others = other_agents()
    if others:
        print("firstcall: another tokentap is running; it would hold and probe "
              "the clients:\n  " + "\n  ".join(others), file=sys.stderr)
        return 2
    env = Env(args.agent)
    res = {c: {k: {"first": [], "wall": [], "cold": [], "captured": 0} for k in KINDS}
           for c in CONFIGS}
    for c in CONFIGS:
        res[c]["observer"] = {}
    t0 = time.monotonic()
    try:
        with open(os.path.join(env.dir, "fc_client.py"), "w") as f:
            f.write(PY_CLIENT)
        with open(os.path.join(env.dir, "fc_client.js"), "w") as f:
            f.write(NODE_CLIENT)
        env.start_server()
        for rnd in range(args.rounds):
            for i in range(len(CONFIGS)):
                run_block(env, CONFIGS[(rnd + i) % len(CONFIGS)], rnd, args.per_round, res)
    except BenchError as e:
        print("firstcall: %s" % e, file=sys.stderr)
        return 1
    finally:
        env.close()
    s = summarize(res)
    meta = "%d rounds of %d, configurations interleaved, %.0f s" % (
        args.rounds, args.per_round, time.monotonic() - t0)
    print(markdown(s, meta))
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"meta": meta, "summary": s, "raw": res}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
