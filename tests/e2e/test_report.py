"""`tokentap report` on a ledger the live agent wrote from real workloads:
cost per successful request per owner, failed-attempt cost and the
unallocated share must equal what this test computes from the fake
provider's own log (which calls it answered, with what usage and status)
and the price table, with no help from the ledger. Then `tokentap
reconcile` of that ledger against OpenAI usage and costs exports built from
the same log: exact, no variance (exit 0); tokens and cost 20 % higher,
every key flagged (exit 3)."""
import datetime
import json
import os
import subprocess
import sys
import tempfile

from harness import PY, ROOT, Agent, check, cgroup2_root, run_client
from test_decode import (OAI_CHAT, PY_REQUESTS, Secrets, chat, server_exchanges,
                         server_lines, write_plan)

sys.path.insert(0, os.path.join(ROOT, "tests"))
import costcheck  # noqa: E402
from reconcile_check import export_usage, write_exports  # noqa: E402

ORDER = 90  # run.py runs the test files by ORDER, then by name

PRICES = os.path.join(ROOT, "config", "prices.json")


def test_report_matches_provider(env):
    sec = Secrets(env)
    table = costcheck.Reference()
    ca = {"CURL_CA_BUNDLE": env.ca, "REQUESTS_CA_BUNDLE": env.ca}
    parent = "/" + os.path.relpath(env.cg_parent, cgroup2_root())
    cfg = os.path.join(env.dir, "report-config.json")
    with open(cfg, "w") as f:
        json.dump({"version": 1, "pricing": {"table": PRICES}, "owners": [
            {"name": "a", "match": {"cgroup": parent + "/rep-alpha"}, "set": {"owner": "alpha"}},
            {"name": "b", "match": {"cgroup": parent + "/rep-beta"}, "set": {"owner": "beta"}}]}, f)

    def curl(tag):
        return ["curl", "-sS", "--http1.1", "-o", "/dev/null", "--cacert", env.ca,
                "-H", "Authorization: Bearer " + sec.key(),
                "-H", "Content-Type: application/json",
                "--data-binary", json.dumps(chat(sec.prompt(tag))), OAI_CHAT]

    runs = [
        ("alpha", "rep-alpha", curl("a1")),
        ("alpha", "rep-alpha", curl("a2")),
        ("beta", "rep-beta", [PY, PY_REQUESTS, write_plan(env, "rep-beta", {"requests": [
            {"url": OAI_CHAT, "json": chat(sec.prompt("b1")),
             "headers": {"Authorization": "Bearer " + sec.key()}},
            {"url": OAI_CHAT, "json": chat(sec.prompt("b2")),
             "headers": {"Authorization": "Bearer " + sec.key(), "X-Fake-Fail-Times": "1"}},
        ]})]),
        ("unallocated", "rep-stray", curl("s1")),
    ]
    agent = Agent(env, "report", ["--config", cfg], digest=False)
    owner_of = {}  # server request id -> owner, by when the server logged it
    try:
        for owner, cg, argv in runs:
            before = len(server_lines(env))
            cg_dir, _ = env.cgroup(cg)
            run_client(env, env.spawn(argv, cg_dir, env=ca, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE), owner)
            for ex in server_exchanges(env, before):
                owner_of[ex["request_id"]] = owner
    finally:
        agent.stop()
    check(len(owner_of) == 5, "server answered %d exchanges" % len(owner_of))
    exs = [ex for ex in server_exchanges(env, 0) if ex.get("request_id") in owner_of]

    # From the provider's log and the table alone.
    want = {}
    for ex in exs:
        w = want.setdefault(owner_of[ex["request_id"]], {"cost": 0.0, "ok": 0, "failed_cost": 0.0})
        usage = ex.get("usage_expected")
        cost = 0.0
        if usage:
            cost = costcheck.expected_amount(table, "openai", ex.get("response_model"),
                                             ex["request_model"], usage)
        w["cost"] += cost
        if ex["status"] == 200 and not ex["aborted"]:
            w["ok"] += 1
        else:
            w["failed_cost"] += cost
    total = sum(w["cost"] for w in want.values())
    check(want["beta"]["ok"] == 1, "beta: %r" % want["beta"])

    res = subprocess.run([env.agent, "report", "--format", "json", "--by", "owner",
                          agent.events], capture_output=True, text=True, timeout=60)
    check(res.returncode == 0, "report exited %d: %s" % (res.returncode, res.stderr))
    recs = [json.loads(ln) for ln in res.stdout.splitlines() if ln.strip()]
    groups = {r["key"]["owner"]: r for r in recs if r["record"] == "group"}
    tot = [r for r in recs if r["record"] == "total"][0]
    check(set(groups) == set(want), "owners %s, want %s" % (sorted(groups), sorted(want)))
    for owner, w in want.items():
        g = groups[owner]
        check(g["successful"] == w["ok"], "%s: %d successful, provider says %d"
              % (owner, g["successful"], w["ok"]))
        check(costcheck.close(g["cost_per_successful_call"], w["cost"] / w["ok"]),
              "%s: cost per successful request %r, provider log gives %r"
              % (owner, g["cost_per_successful_call"], w["cost"] / w["ok"]))
        check(costcheck.close(g["failed_cost"], w["failed_cost"]),
              "%s: failed-attempt cost %r, want %r" % (owner, g["failed_cost"], w["failed_cost"]))
    share = want["unallocated"]["cost"] / total
    check(costcheck.close(1 - tot["allocation_coverage_cost"], share),
          "unallocated share %r, provider log gives %r"
          % (1 - tot["allocation_coverage_cost"], share))
    check(groups["beta"]["failed"] == 1 and groups["beta"]["calls"] == 2,
          "beta calls %r" % groups["beta"])

    check_reconcile(env, agent.events, exs, table)


def check_reconcile(env, ledger, exs, table):
    for ex in exs:
        ex["day"] = datetime.datetime.fromtimestamp(
            ex["ts_ns"] / 1e9, datetime.timezone.utc).strftime("%Y-%m-%d")
    usage = export_usage(exs, table)
    check(usage, "no usage in the provider's log")
    for scale, want_exit in ((1.0, 0), (1.2, 3)):
        scaled = {k: dict(v, input=int(v["input"] * scale), output=int(v["output"] * scale),
                          cost=v["cost"] * scale) for k, v in usage.items()}
        d = tempfile.mkdtemp(dir=env.dir, prefix="exports-")
        paths = write_exports(scaled, d)
        res = subprocess.run([env.agent, "reconcile", "--ledger", ledger, "--format",
                              "json"] + paths[:2], capture_output=True, text=True,
                             timeout=60)
        recs = [json.loads(ln) for ln in res.stdout.splitlines() if ln.strip()]
        keys = [r for r in recs if r["record"] == "variance"]
        # The failed call names only the requested model and used nothing:
        # its key is the ledger's alone, with no tokens, and not flagged.
        spare = [r for r in keys if not r["export"]["sources"]]
        check(all(r["ledger"]["total_tokens"] == 0 and not r["flagged"] for r in spare),
              "ledger-only keys %r" % spare)
        keys = [r for r in keys if r["export"]["sources"]]
        check(res.returncode == want_exit, "reconcile x%.1f exited %d, want %d: %s"
              % (scale, res.returncode, want_exit, res.stderr[-300:]))
        check({(r["day"], r["model"]) for r in keys} ==
              {(k[0], k[2]) for k in usage}, "keys %r, log %r"
              % ([(r["day"], r["model"]) for r in keys], sorted(usage)))
        for r in keys:
            w = scaled[(r["day"], "openai", r["model"])]
            check(r["export"]["total_tokens"] == w["input"] + w["output"] and
                  costcheck.close(r["export"]["cost"], w["cost"]),
                  "export side %r, want %r" % (r["export"], w))
            if scale == 1.0:
                check(r["variance"]["total_tokens"] == 0 and
                      abs(r["variance"]["cost"]) < 1e-12 and not r["flagged"],
                      "live ledger against its own provider's log: %r" % r)
            else:
                check(sorted(r["flags"]) == ["cost", "tokens"] and
                      abs(r["variance"]["cost_pct"] - (1 / 1.2 - 1)) < 1e-6,
                      "20%% over the ledger: %r" % r)
