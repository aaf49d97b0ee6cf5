#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`make demo` (root): the agent, the fake provider on 127.0.0.1 and a few
workloads in their own cgroups, mapped by a config to teams and
environments; one is left unallocated, one sends a header claiming
production from a staging cgroup. Prints the events and a per-owner
summary. Nothing leaves 127.0.0.1: clients reach the fake provider under
api.openai.com through a private /etc/hosts (tests/e2e/harness.py).
"""
import argparse
import json
import os
import subprocess
import sys
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from harness import PY, Agent, Env, Failure, cgroup2_root, run_client  # noqa: E402

CHAT = "https://api.openai.com/v1/chat/completions"
CLIENTS = os.path.join(ROOT, "tests", "e2e", "clients")


def body(model, stream=False):
    b = {"model": model, "messages": [{"role": "user", "content": "demo %s" % uuid.uuid4().hex}]}
    if stream:
        b.update(stream=True, stream_options={"include_usage": True})
    return b


def config(env, parent):
    cfg = {"version": 1, "owners": [
        {"name": "payments-prod", "match": {"cgroup": parent + "/payments-api"},
         "set": {"owner": "payments", "team": "pay-core", "cost_center": "CC-100",
                 "application": "checkout", "environment": "production"}},
        {"name": "search-staging", "match": {"cgroup": parent + "/search-*"},
         "set": {"owner": "search", "team": "relevance", "cost_center": "CC-200",
                 "application": "ranker", "environment": "staging"}},
        {"name": "ml-batch", "match": {"cgroup": parent + "/ml-batch", "exe": "*/node"},
         "set": {"owner": "ml-platform", "cost_center": "CC-300",
                 "application": "embeddings", "environment": "development"}},
    ], "pricing": {"table": os.path.join(ROOT, "config", "prices.json")}}
    path = os.path.join(env.dir, "demo-config.json")
    with open(path, "w") as f:
        json.dump(cfg, f, indent=1)
    return path


def workloads(env):
    ca = {"CURL_CA_BUNDLE": env.ca, "SSL_CERT_FILE": env.ca,
          "REQUESTS_CA_BUNDLE": env.ca, "NODE_EXTRA_CA_CERTS": env.ca}
    key = "sk-demo-" + uuid.uuid4().hex

    def curl(model, *headers):
        argv = ["curl", "-sS", "--http1.1", "-o", "/dev/null", "--cacert", env.ca,
                "-H", "Authorization: Bearer " + key, "-H", "Content-Type: application/json"]
        for h in headers:
            argv += ["-H", h]
        return argv + ["--data-binary", json.dumps(body(model)), CHAT]

    def plan(name, reqs, headers=None):
        path = os.path.join(env.dir, "demo-%s.json" % name)
        hdrs = {"Authorization": "Bearer " + key}
        hdrs.update(headers or {})
        with open(path, "w") as f:
            json.dump({"requests": [{"url": CHAT, "json": r, "headers": hdrs,
                                     "stream": bool(r.get("stream"))} for r in reqs]}, f)
        return path

    return ca, [
        ("payments-api", curl("gpt-4o")),
        ("payments-api", [PY, os.path.join(CLIENTS, "py_requests_plan.py"),
                          plan("pay", [body("gpt-4o-mini"), body("gpt-4o-mini")])]),
        ("search-indexer", curl("gpt-4.1-mini", "X-Environment: production")),
        ("ml-batch", ["node", os.path.join(CLIENTS, "node_fetch_plan.js"),
                      plan("ml", [body("gpt-4o-mini", True), body("gpt-4.1")])]),
        ("legacy-cron", curl("gpt-4o-mini")),
    ]


def show(events, agent, ledger):
    print("\n== events (one line each; full JSON in the ledger) ==")
    for e in events:
        u, c = e["usage"], e["cost"]
        flag = "  MISMATCH declared=%s" % e["environment_check"]["declared"] \
            if e["environment_check"]["mismatch"] else ""
        print("%-12s %-11s %-15s pid %-6d %-24s in %4s out %4s  $%.8f%s" % (
            e["owner"], e["environment"] or "-", e["cgroup"]["path"].rsplit("/", 1)[-1],
            e["process"]["pid"], e["response_model"] or e["request_model"],
            u["input_tokens"], u["output_tokens"], c["amount"] or 0, flag))
    print("\n== per owner: tokentap report --by owner,environment,cost_center ==")
    subprocess.run([agent, "report", "--by", "owner,environment,cost_center", ledger],
                   check=False)
    print("\ncosts are list-price estimates (is_final_invoice_amount: false)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", required=True)
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("demo: needs root (real BPF)")
        return 2
    env = Env(args.agent)
    try:
        env.start_server()
        parent = "/" + os.path.relpath(env.cg_parent, cgroup2_root())
        cfg = config(env, parent)
        agent = Agent(env, "demo", ["--config", cfg], digest=False)
        ca, runs = workloads(env)
        try:
            for name, argv in runs:
                cg, _ = env.cgroup(name)
                run_client(env, env.spawn(argv, cg, env=ca, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE), name)
        finally:
            agent.stop()
        events = agent.alloc_events()
        print("agent: %s\nledger: %d events (%s)" % (args.agent, len(events), agent.events))
        show(events, args.agent, agent.events)
        if len(events) != 7:
            print("demo: expected 7 events, got %d" % len(events))
            return 1
    except Failure as e:
        print("demo: %s" % e)
        return 1
    finally:
        os.environ["TT_E2E_KEEP"] = "1"  # keep the ledger to look at
        env.close()
        print("files: %s" % env.dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
