"""End-to-end FinOps facts (issue 16, items 1 and 2), real agent, real
clients, the fake provider:

- declared facts: a workload sending W3C traceparent and baggage, a
  tenant header and business-unit headers. The allow-listed values are in
  its events (nothing else it sent), an owner rule matches on the tenant,
  and `tokentap report --by tenant` and `--by unit_type,unit_id` give the
  costs a hand sum of the events gives;
- retries without SDK headers: curl --retry and a python requests loop
  answered 429 and 503 before a 200 (the fake provider's X-Fake-Script):
  the attempts the agent infers are the provider's own count of the same
  request, each retry linked to the attempt before it; a fallback to
  another model is linked to the failed call; and no false retry between
  two different prompts, two processes, or a prompt repeated after the
  window or after a success."""
import json
import os
import subprocess
import uuid

from harness import PY, CLIENTS, ROOT, Agent, check, run_client
from test_decode import (OAI_CHAT, PY_REQUESTS, Secrets, chat, server_exchanges,
                         server_lines, write_plan)

ORDER = 35
PRICES = os.path.join(ROOT, "config", "prices.json")
PY_RETRY = os.path.join(CLIENTS, "py_retry_loop.py")
WINDOW = 4  # retries.window_seconds for these runs
TRACE = "4bf92f3577b34da6a3ce929d0e0e%04x"


def ca_env(env):
    return {"CURL_CA_BUNDLE": env.ca, "SSL_CERT_FILE": env.ca,
            "REQUESTS_CA_BUNDLE": env.ca}


def events_of(agent, pids):
    return [e for e in agent.alloc_events() if e["process"]["pid"] in pids]


def report(env, agent, by):
    res = subprocess.run([env.agent, "report", "--format", "json", "--by", by,
                          agent.events], capture_output=True, text=True)
    check(res.returncode == 0, "report --by %s: %s" % (by, res.stderr[-500:]))
    rows = [json.loads(ln) for ln in res.stdout.splitlines() if ln.strip()]
    return {tuple(r["key"][k] for k in by.split(",")): r for r in rows
            if r["record"] == "group"}


def close(a, b):
    return abs(a - b) <= 1e-12 + 1e-9 * abs(b)


def test_declared_facts(env):
    sec = Secrets(env)
    hidden = "NOT-ALLOWED-%s" % uuid.uuid4().hex  # a header not allow-listed
    bag_secret = "BAGGAGE-%s" % uuid.uuid4().hex  # a baggage key not allow-listed
    env.secrets += [hidden, bag_secret]
    key = sec.key()
    config = {
        "declared_headers": {"tenant": "X-Tenant-ID", "unit_type": "X-Unit-Type",
                             "unit_id": "X-Unit-ID", "unit_outcome": "X-Unit-Outcome",
                             "workflow": "X-Workflow", "user": "X-User-ID",
                             "baggage": ["tier"]},
        "owners": [{"name": "acme", "match": {"header": "X-Tenant-ID=acme"},
                    "set": {"owner": "support-acme"}},
                   {"name": "globex", "match": {"header": "X-Tenant-ID=globex"},
                    "set": {"owner": "support-globex"}}],
        "pricing": {"table": PRICES},
    }
    # tenant, unit id, outcome, traceparent span (None: an invalid one)
    plan = [("acme", "case-1", "open", 1), ("acme", "case-1", "resolved", 2),
            ("globex", "case-2", "resolved", 3), ("globex", "case-3", "escalated", None),
            (None, None, None, 4)]
    reqs = []
    for i, (tenant, unit, outcome, span) in enumerate(plan):
        h = {"Authorization": "Bearer " + key, "X-Secret-Note": hidden}
        if tenant:
            h.update({"X-Tenant-ID": tenant, "X-Unit-Type": "support_case",
                      "X-Unit-ID": unit, "X-Unit-Outcome": outcome,
                      "X-Workflow": "triage", "X-User-ID": "agent-%d" % i,
                      "baggage": "tier=gold;p=1,secret=%s" % bag_secret})
        h["traceparent"] = ("00-%s-%016x-01" % (TRACE % 1, span) if span
                            else "00-%s-zz-01" % (TRACE % 1))
        reqs.append({"url": OAI_CHAT, "json": chat(sec.prompt("decl%d" % i)), "headers": h})
    cg_dir, _ = env.cgroup("finops-declared")
    since = len(server_lines(env))
    agent = Agent(env, "declared", config=config)
    try:
        proc = env.spawn([PY, PY_REQUESTS, write_plan(env, "declared", {"requests": reqs})],
                         cg_dir, env=ca_env(env), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
        run_client(env, proc, "py-requests declared")
    finally:
        agent.stop()
    evs = sorted(events_of(agent, {proc.pid}), key=lambda e: e["timestamp_utc"])
    exchanges = server_exchanges(env, since)
    check(len(evs) == len(plan) == len(exchanges),
          "%d events, %d requests, %d exchanges" % (len(evs), len(plan), len(exchanges)))
    for i, ((tenant, unit, outcome, span), ev) in enumerate(zip(plan, evs)):
        d = ev["declared"]
        want = {"tenant": tenant, "unit_type": "support_case" if tenant else None,
                "unit_id": unit, "unit_outcome": outcome,
                "workflow": "triage" if tenant else None,
                "user": "agent-%d" % i if tenant else None,
                "trace_id": TRACE % 1 if span else None,
                "span_id": "%016x" % span if span else None}
        for k, v in want.items():
            check(d[k] == v, "request %d: declared.%s = %r, want %r" % (i, k, d[k], v))
        check(d["baggage"] == ({"tier": "gold"} if tenant else {}),
              "request %d: baggage %r" % (i, d["baggage"]))
        check(ev["owner"] == ("support-%s" % tenant if tenant else "unallocated"),
              "request %d: owner %r" % (i, ev["owner"]))
        check(ev["cost"]["amount"] is not None, "request %d: not priced" % i)
    with open(agent.events) as f:
        ledger = f.read()
    for s in (hidden, bag_secret, key):
        check(s not in ledger and s not in agent.stderr(), "a secret reached the output")
    stats = [r for r in agent.records if r.get("type") == "agent_stats"][0]
    check(stats["allocation"]["traceparent_invalid"] >= 1,
          "traceparent_invalid %r" % stats["allocation"].get("traceparent_invalid"))
    # The report against a hand sum of the events.
    by_tenant = report(env, agent, "tenant")
    for tenant in ("acme", "globex"):
        mine = [e for e in evs if e["declared"]["tenant"] == tenant]
        row = by_tenant.get((tenant,))
        check(row is not None, "report: no tenant %s" % tenant)
        hand = sum(e["cost"]["amount"] for e in mine)
        check(row["calls"] == len(mine) and close(row["cost"], hand),
              "report --by tenant %s: %d calls %r, hand %d %r"
              % (tenant, row["calls"], row["cost"], len(mine), hand))
    by_unit = report(env, agent, "unit_type,unit_id")
    units = {}
    for e in evs:
        if e["declared"]["unit_id"]:
            units.setdefault(e["declared"]["unit_id"], []).append(e["cost"]["amount"])
    for unit, costs in units.items():
        row = by_unit.get(("support_case", unit))
        check(row is not None and close(row["cost"], sum(costs)),
              "report: unit %s cost %r, hand %r" % (unit, row and row["cost"], sum(costs)))
    per_unit = sum(sum(c) for c in units.values()) / len(units)
    rows = [r for k, r in by_unit.items() if k[0] == "support_case"]
    check(len(rows) == 3 and close(sum(r["cost"] for r in rows) / len(rows), per_unit),
          "cost per support case %r, hand %r" % (
              sum(r["cost"] for r in rows) / max(len(rows), 1), per_unit))


def by_request_id(env, since):
    return {ex["request_id"]: ex for ex in server_exchanges(env, since)}


def check_chain(evs, exchanges, label):
    """Each event's inferred attempt is the provider's count of the same
    request; each retry names the attempt before it."""
    prev = None
    for ev in evs:
        ex = exchanges.get(ev["provider_request_id"])
        check(ex is not None, "%s: no server exchange for %s" % (label, ev["provider_request_id"]))
        check(ev["attempt_source"] == "inferred" and ev["attempt"] == ex["script_attempt"],
              "%s: attempt %r (%r), the server counted %r" % (
                  label, ev["attempt"], ev["attempt_source"], ex["script_attempt"]))
        check(ev["status_code"] == ex["status"], "%s: status" % label)
        want_of = prev["event_id"] if prev and ev["attempt"] > 0 else None
        check(ev["retry_of"] == want_of and ev["fallback_of"] is None,
              "%s: attempt %d retry_of %r, want %r" % (label, ev["attempt"],
                                                       ev["retry_of"], want_of))
        prev = ev


def test_retries_without_sdk_headers(env):
    sec = Secrets(env)
    config = {"pricing": {"table": PRICES}, "retries": {"window_seconds": WINDOW}}
    cenv = ca_env(env)
    since = len(server_lines(env))
    agent = Agent(env, "retries", config=config)
    procs = {}

    def spawn(name, argv):
        cg_dir, _ = env.cgroup("finops-" + name)
        proc = env.spawn(argv, cg_dir, env=cenv, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
        run_client(env, proc, name)
        procs[name] = proc.pid

    def curl(name, prompt, script, retries=3):
        # A file, not /dev/null: curl truncates the output before a retry.
        out = os.path.join(env.dir, "out-%s" % name)
        spawn(name, ["curl", "-sS", "--http1.1", "-o", out, "--cacert", env.ca,
                     "--retry", str(retries), "-H", "Authorization: Bearer " + sec.key(),
                     "-H", "Content-Type: application/json", "-H", "X-Fake-Script: " + script,
                     "--data-binary", json.dumps(chat(prompt)), OAI_CHAT])

    def loop(name, calls):
        spawn(name, [PY, PY_RETRY, write_plan(env, name, {"calls": calls})])

    auth = {"Authorization": "Bearer " + sec.key()}
    try:
        # 1. curl --retry: 429, 503, then 200.
        curl("curl-loop", sec.prompt("curl-loop"), "429,503,200")
        # 2. python requests: 503, 429, 200.
        loop("py-loop", [{"url": OAI_CHAT, "json": chat(sec.prompt("py-loop")),
                          "headers": dict(auth, **{"X-Fake-Script": "503,429,200"}),
                          "retries": 3}])
        # 3. python fallback: gpt-4o-mini fails twice (503), then gpt-4o.
        loop("py-fallback", [{"url": OAI_CHAT, "json": chat(sec.prompt("py-fb")),
                              "headers": dict(auth, **{"X-Fake-Script": "503"}),
                              "headers_by_model": {"gpt-4o": {"X-Fake-Script": "200"}},
                              "retries": 1, "fallback_models": ["gpt-4o"]}])
        # 4. Two different prompts of one process: a 429 (given up), then
        # another prompt; then, after the window, the first prompt again;
        # then a success and the same prompt again at once.
        again = sec.prompt("py-again")
        loop("py-distinct", [
            {"url": OAI_CHAT, "json": chat(again),
             "headers": dict(auth, **{"X-Fake-Script": "429,200"})},
            {"url": OAI_CHAT, "json": chat(sec.prompt("py-other")), "headers": auth},
            {"url": OAI_CHAT, "json": chat(again), "sleep_before": WINDOW + 1.5,
             "headers": dict(auth, **{"X-Fake-Script": "429,200"})},
            {"url": OAI_CHAT, "json": chat(again),
             "headers": dict(auth, **{"X-Fake-Script": "429,200"})}])
        # 5. Two processes, one prompt: the second's is no retry of the
        # first's 429, though the server counts it as the second request.
        shared = sec.prompt("two-procs")
        curl("curl-proc-a", shared, "429,200", retries=0)
        curl("curl-proc-b", shared, "429,200", retries=0)
    finally:
        agent.stop()
    exchanges = by_request_id(env, since)

    def evs(name):
        return sorted(events_of(agent, {procs[name]}), key=lambda e: e["timestamp_utc"])

    for name in ("curl-loop", "py-loop"):
        got = evs(name)
        check([e["status_code"] for e in got] == (
            [429, 503, 200] if name == "curl-loop" else [503, 429, 200]),
              "%s: statuses %r" % (name, [e["status_code"] for e in got]))
        check_chain(got, exchanges, name)
    fb = evs("py-fallback")
    check([(e["request_model"], e["status_code"]) for e in fb] ==
          [("gpt-4o-mini", 503), ("gpt-4o-mini", 503), ("gpt-4o", 200)],
          "py-fallback: calls %r" % [(e["request_model"], e["status_code"]) for e in fb])
    check_chain(fb[:2], exchanges, "py-fallback primary")
    check(fb[2]["fallback_of"] == fb[1]["event_id"] and fb[2]["retry_of"] is None and
          fb[2]["attempt"] == 0 and fb[2]["attempt_source"] == "inferred",
          "py-fallback: the fallback %r" % {k: fb[2][k] for k in
                                           ("attempt", "retry_of", "fallback_of")})
    dist = evs("py-distinct")
    check([e["status_code"] for e in dist] == [429, 200, 200, 200],
          "py-distinct: statuses %r" % [e["status_code"] for e in dist])
    # The server counts the repeated prompt 1, 2 (the same request); the
    # agent knows the window passed, then that a success came before.
    for i, e in enumerate(dist):
        check(e["attempt"] == 0 and e["retry_of"] is None and e["fallback_of"] is None,
              "py-distinct #%d: attempt %r retry_of %r" % (i, e["attempt"], e["retry_of"]))
    a, b = evs("curl-proc-a"), evs("curl-proc-b")
    check(len(a) == len(b) == 1 and a[0]["status_code"] == 429 and
          b[0]["status_code"] == 200, "two processes: %r %r" % (
              [e["status_code"] for e in a], [e["status_code"] for e in b]))
    check(exchanges[b[0]["provider_request_id"]]["script_attempt"] == 1 and
          b[0]["attempt"] == 0 and b[0]["retry_of"] is None,
          "two processes: the second is attempt %r retry_of %r" % (
              b[0]["attempt"], b[0]["retry_of"]))
    stats = [r for r in agent.records if r.get("type") == "agent_stats"][0]
    r = stats["allocation"]["retries"]
    check(r["retries"] >= 5 and r["fallbacks"] >= 1, "agent_stats retries %r" % r)
    # The report counts the inferred retries: 2 + 2 + 1 of 13 calls here.
    res = subprocess.run([env.agent, "report", "--format", "json", "--by", "owner",
                          agent.events], capture_output=True, text=True)
    total = [json.loads(ln) for ln in res.stdout.splitlines()
             if ln.strip() and json.loads(ln)["record"] == "total"]
    check(total and total[0]["retries"] >= 5, "report retries %r" % (total and total[0]))
