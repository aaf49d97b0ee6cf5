"""The Prometheus endpoint, scraped by a real Prometheus: two workloads in
their own cgroups mapped to two owners make two calls each (curl, python
requests); Prometheus scrapes the agent every second; the per-owner token
sums it answers must equal, exactly, what the fake provider says it served
to each owner. The endpoint itself carries the health metrics and no key
or prompt. Prometheus runs from its binary with its own config, storage
and port under the test directory (never the system's service) and is
stopped whatever happens."""
import calendar
import json
import math
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request

from harness import PY, Agent, Failure, check, cgroup2_root, run_client
from test_allocate import PRICES, expected_cost
from test_decode import (OAI_CHAT, PY_REQUESTS, Secrets, chat, server_exchanges,
                         server_lines, write_plan)

import costcheck  # noqa: E402  (tests/ is on the path: test_allocate adds it)

ORDER = 70  # run.py runs the test files by ORDER, then by name

PROMETHEUS = "/usr/bin/prometheus"
RULES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                     "packaging", "prometheus", "tokentap-rules.yml")
# Budgets (docs/finops.md): one that the curl owner's first call exceeds,
# one the requests owner's spend is set to 90% of by a reload, and one
# per environment far from its limit.
BUDGETS = [
    {"name": "curl-day", "owner": "metrics-curl", "period": "day", "limit_usd": 1e-9},
    {"name": "req-month", "owner": "metrics-requests", "period": "month", "limit_usd": 1000},
    {"name": "staging-month", "environment": "staging", "period": "month", "limit_usd": 1000},
]
# Owner by requested model: the fake provider logs the request's model.
# The last is in no price table: the dashboard's unpriced panel needs one.
UNLISTED = "tokentap-unlisted-model"
OWNERS = {"gpt-4o-mini": "metrics-curl", "gpt-4.1-mini": "metrics-requests",
          UNLISTED: "metrics-curl"}
DASHBOARD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                         "packaging", "grafana", "tokentap-dashboard.json")
# Grafana's variables, as a dashboard with "All" selected sends them; the
# windows cover the whole test.
DASH_VARS = {"$__rate_interval": "1m", "$__range": "10m", "$__interval": "15s",
             "$job": "tokentap", "$owner": ".*", "$environment": ".*"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.headers.get("Content-Type", ""), r.read().decode()


class Prometheus:
    """/usr/bin/prometheus on a free loopback port, scraping one target."""

    def __init__(self, env, target):
        self.dir = os.path.join(env.dir, "prometheus")
        os.makedirs(self.dir, exist_ok=True)
        cfg = os.path.join(self.dir, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "  evaluation_interval: 1s\n"
                    "rule_files:\n  - '%s'\n"
                    "scrape_configs:\n  - job_name: tokentap\n"
                    "    static_configs:\n      - targets: ['%s']\n"
                    % (os.path.abspath(RULES), target))
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.log = os.path.join(self.dir, "prometheus.log")
        self.proc = subprocess.Popen(
            [PROMETHEUS, "--config.file=" + cfg,
             "--storage.tsdb.path=" + os.path.join(self.dir, "data"),
             "--web.listen-address=127.0.0.1:%d" % self.port, "--log.level=warn"],
            stdout=subprocess.DEVNULL, stderr=open(self.log, "w"))

    def wait_ready(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            check(self.proc.poll() is None, "prometheus exited: %s" % self.tail())
            try:
                if http_get(self.url + "/-/ready", 1)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise Failure("prometheus not ready: %s" % self.tail())

    def query_raw(self, promql):
        """The result list of an instant query."""
        url = self.url + "/api/v1/query?" + urllib.parse.urlencode({"query": promql})
        body = json.loads(http_get(url)[2])
        check(body.get("status") == "success", "query %s: %s" % (promql, body))
        return body["data"]["result"]

    def query(self, promql):
        """{owner-or-"": float} of an instant query's vector."""
        return {r["metric"].get("owner", ""): float(r["value"][1])
                for r in self.query_raw(promql)}

    def tail(self):
        with open(self.log, errors="replace") as f:
            return f.read()[-1500:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def write_config(env, rel_parent, budgets=BUDGETS):
    # The shipped table's age must not decide whether the staleness alert
    # fires here: promtool's tests hold its threshold.
    cfg = {"version": 1, "pricing": {"table": PRICES, "max_snapshot_age_days": 3650},
           "owners": [
        {"name": owner, "match": {"cgroup": "%s/%s" % (rel_parent, owner)},
         "set": {"owner": owner, "environment": "staging"}}
        for owner in sorted(set(OWNERS.values()))], "budgets": budgets}
    path = os.path.join(env.dir, "metrics-config.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


def expected_by_owner(exchanges, table):
    want = {o: {"input": 0, "output": 0, "calls": 0, "cost": 0.0} for o in OWNERS.values()}
    for ex in exchanges:
        owner = OWNERS.get(ex["request_model"])
        check(owner is not None, "unexpected exchange %s" % ex["request_model"])
        want[owner]["input"] += ex["usage_expected"]["input_tokens"]
        want[owner]["output"] += ex["usage_expected"]["output_tokens"]
        want[owner]["calls"] += 1
        if ex["request_model"] != UNLISTED:
            want[owner]["cost"] += expected_cost(table, ex)
    return want


def scraped(prom, want, timeout=15):
    """Polls Prometheus until its sums for our owners equal want; returns
    the last answers either way."""
    deadline = time.time() + timeout
    while True:
        got = {t: prom.query('sum by (owner) (tokentap_tokens_total{type="%s"})' % t)
               for t in ("input", "output")}
        got["calls"] = prom.query("sum by (owner) (tokentap_requests_total)")
        if all(got[t].get(o) == want[o][t] for o in want for t in ("input", "output", "calls")):
            return got
        if time.time() > deadline:
            return got
        time.sleep(0.25)


def dashboard_queries():
    """(panel title, PromQL) of every target of every panel of the
    shipped Grafana dashboard, and of its variables' label_values()
    queries, with Grafana's variables filled in."""
    with open(DASHBOARD) as f:
        dash = json.load(f)
    out = []
    for p in dash["panels"]:
        if p["type"] == "row":
            continue
        check(p.get("targets"), "panel %r has no query" % p["title"])
        for t in p["targets"]:
            out.append((p["title"], t["expr"]))
    for v in dash["templating"]["list"]:
        if v["type"] == "query":
            m = re.fullmatch(r"label_values\((.*), (\w+)\)", v["definition"])
            check(m, "variable %s: %r" % (v["name"], v["definition"]))
            out.append(("variable " + v["name"], "count by (%s) (%s)" % (m.group(2), m.group(1))))
    for i, (title, expr) in enumerate(out):
        for k in sorted(DASH_VARS, key=len, reverse=True):
            expr = expr.replace(k, DASH_VARS[k])
        check("$" not in expr, "%s: a variable left in %s" % (title, expr))
        out[i] = (title, expr)
    return out


def check_dashboard(prom, timeout=60):
    """Every panel query of packaging/grafana/tokentap-dashboard.json runs
    on the real Prometheus and returns data (a finite number). rate() and
    increase() need two samples of a series in their window: the queries
    are asked again until they answer or the time is up."""
    queries = dashboard_queries()
    check(len(queries) >= 20, "only %d dashboard queries" % len(queries))
    deadline = time.time() + timeout
    while True:
        empty = []
        for title, expr in queries:
            res = prom.query_raw(expr)
            values = [float(r["value"][1]) for r in res]
            # A quantile of a model idle in the window is NaN, as in
            # Prometheus always: data means at least one number.
            if not any(math.isfinite(v) for v in values):
                empty.append("%s: %s -> %r" % (title, expr, res))
        if not empty or time.time() > deadline:
            break
        time.sleep(1)
    check(not empty, "dashboard queries without data:\n  " + "\n  ".join(empty))


def scrape(target):
    """{series: value} of the agent's /metrics."""
    samples = {}
    for ln in http_get("http://%s/metrics" % target)[2].splitlines():
        if ln and not ln.startswith("#"):
            name, _, value = ln.rpartition(" ")
            samples[name] = float(value)
    return samples


def budget_series(samples, family, name):
    keys = [k for k in samples if k.startswith(family + "{budget=\"%s\"" % name)]
    check(len(keys) == 1, "%s of budget %s: %r" % (family, name, keys))
    return samples[keys[0]]


BUDGET_OWNERS = {"curl-day": {"metrics-curl"}, "req-month": {"metrics-requests"},
                 "staging-month": {"metrics-curl", "metrics-requests"}}


def utc_seconds(stamp):
    """timestamp_utc ("2026-12-07T23:59:59.123456Z") as Unix seconds."""
    frac = float("0." + stamp[20:-1]) if len(stamp) > 21 else 0.0
    return calendar.timegm(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")) + frac


def priced_calls(ledger, exchanges, table):
    """(owner, cost, time) of every priced call: owner and cost from the
    fake provider's log and the reference table, the time from the agent's
    event for it (a budget counts a call in the period its first byte fell
    in: a run across 00:00 UTC splits the calls between two days)."""
    when = {}
    with open(ledger) as f:
        for line in f:
            ev = json.loads(line) if line.strip() else {}
            if ev.get("event_type") == "ai_api_cost_allocation" and \
                    ev.get("provider_request_id"):
                when[ev["provider_request_id"]] = utc_seconds(ev["timestamp_utc"])
    calls = []
    for ex in exchanges:
        if ex["request_model"] == UNLISTED:
            continue
        check(ex["request_id"] in when, "no event for %s" % ex["request_id"])
        calls.append((OWNERS[ex["request_model"]], expected_cost(table, ex),
                      when[ex["request_id"]]))
    return calls


def period_starts(t):
    now = time.gmtime(t)
    return (calendar.timegm((now.tm_year, now.tm_mon, now.tm_mday, 0, 0, 0)),
            calendar.timegm((now.tm_year, now.tm_mon, 1, 0, 0, 0)))


def check_budget_gauges(target, calls, timeout=10, complete=1):
    """tokentap_budget_used_usd of every budget equals the spend the fake
    provider's log and the reference table imply for the calls inside the
    budget's period; the ratio is used over the limit; the period began at
    00:00 UTC (of the day, or the month's first day)."""
    deadline = time.time() + timeout
    while True:
        t0 = time.time()
        samples = scrape(target)
        t1 = time.time()
        start = {b: budget_series(samples, "tokentap_budget_period_start_seconds", b)
                 for b in BUDGET_OWNERS}
        want = {b: sum(cost for owner, cost, t in calls
                       if owner in BUDGET_OWNERS[b] and t >= start[b])
                for b in BUDGET_OWNERS}
        used = {b: budget_series(samples, "tokentap_budget_used_usd", b) for b in want}
        if all(costcheck.close(used[b], want[b]) for b in want) or time.time() > deadline:
            break
        time.sleep(0.2)
    for b in want:
        check(costcheck.close(used[b], want[b]),
              "budget %s: used %r, the provider's log implies %r" % (b, used[b], want[b]))
        limit = budget_series(samples, "tokentap_budget_limit_usd", b)
        ratio = budget_series(samples, "tokentap_budget_used_ratio", b)
        check(costcheck.close(ratio, used[b] / limit), "budget %s: ratio %r" % (b, ratio))
        check(budget_series(samples, "tokentap_budget_complete", b) == complete,
              "budget %s: complete %r, want %d" % (
                  b, budget_series(samples, "tokentap_budget_complete", b), complete))
        k = 0 if b == "curl-day" else 1
        check(start[b] in (period_starts(t0)[k], period_starts(t1)[k]),
              "budget %s: period start %r" % (b, start[b]))
    return samples


BUDGET_ALERTS = {("TokentapBudgetExceeded", "curl-day"),
                 ("TokentapBudgetOver80Percent", "req-month")}


def budget_alerts(target, calls):
    """The budget alerts due now: curl-day past 100%, req-month past 80%,
    less those whose period began after the test's first call (a run
    across 00:00 UTC: that budget's spend starts again)."""
    samples = scrape(target)
    first = min(t for _, _, t in calls)
    return {(a, b) for a, b in BUDGET_ALERTS
            if budget_series(samples, "tokentap_budget_period_start_seconds", b) <= first}


def check_alerts(prom, target, calls, timeout=30):
    """The shipped rules load and evaluate without error on the real
    Prometheus; the budget alerts fire for the budgets past 100% and 80%,
    and nothing else fires (all calls are allocated and decoded, the
    table is today's)."""
    deadline = time.time() + timeout
    while True:
        want = budget_alerts(target, calls)
        body = json.loads(http_get(prom.url + "/api/v1/rules")[2])
        rules = [r for g in body["data"]["groups"] for r in g["rules"]]
        alerts = json.loads(http_get(prom.url + "/api/v1/alerts")[2])["data"]["alerts"]
        firing = {(a["labels"]["alertname"], a["labels"].get("budget")) for a in alerts
                  if a["state"] == "firing"}
        evaluated = all(r.get("lastEvaluation", "").startswith("20") for r in rules)
        if (firing == want and evaluated) or time.time() > deadline:
            break
        time.sleep(0.5)
    check(len(rules) == 7, "%d rules loaded from %s, want 7" % (len(rules), RULES))
    bad = [(r["name"], r.get("health"), r.get("lastError")) for r in rules
           if r.get("health") != "ok"]
    check(not bad, "rules not evaluated cleanly: %r" % bad)
    check(firing == want, "alerts firing %r, want %r (all: %r)" % (firing, want, alerts))


def check_refused(env):
    """A bad address is refused before anything starts, on the command
    line and in the config (the field named)."""
    res = subprocess.run([env.agent, "run", "--metrics-listen", "localhost:9464"],
                         capture_output=True, text=True, timeout=10)
    check(res.returncode == 2 and "--metrics-listen" in res.stderr,
          "bad --metrics-listen: %d %s" % (res.returncode, res.stderr))
    path = os.path.join(env.dir, "metrics-bad.json")
    with open(path, "w") as f:
        json.dump({"metrics": {"listen": "127.0.0.1:0"}}, f)
    res = subprocess.run([env.agent, "check-config", path], capture_output=True, text=True,
                         timeout=10)
    check(res.returncode != 0 and "metrics.listen" in res.stderr,
          "bad metrics.listen: %d %s" % (res.returncode, res.stderr))


def test_metrics(env):
    check(os.access(PROMETHEUS, os.X_OK), "%s missing (make deps)" % PROMETHEUS)
    check_refused(env)
    sec = Secrets(env)
    rel_parent = "/" + os.path.relpath(env.cg_parent, cgroup2_root())
    config = write_config(env, rel_parent)
    table = costcheck.Reference()
    ca = {"CURL_CA_BUNDLE": env.ca, "SSL_CERT_FILE": env.ca, "REQUESTS_CA_BUNDLE": env.ca}
    mport = free_port()
    target = "127.0.0.1:%d" % mport
    prom = Prometheus(env, target)
    agent = None
    try:
        agent = Agent(env, "metrics", ["--config", config, "--metrics-listen", target])
        prom.wait_ready()
        since = len(server_lines(env))
        curl_dir = env.cgroup("metrics-curl")[0]
        for i in range(3):
            body = chat(sec.prompt("m-curl%d" % i), **({"model": UNLISTED} if i == 2 else {}))
            argv = ["curl", "-sS", "--http1.1", "-o", "/dev/null", "--cacert", env.ca,
                    "-H", "Authorization: Bearer " + sec.key(),
                    "-H", "Content-Type: application/json",
                    "--data-binary", json.dumps(body), OAI_CHAT]
            run_client(env, env.spawn(argv, curl_dir, env=ca, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE), "curl %d" % i)
        key = sec.key()
        plan = write_plan(env, "metrics-requests", {"requests": [
            {"url": OAI_CHAT, "json": chat(sec.prompt("m-req%d" % i), model="gpt-4.1-mini"),
             "headers": {"Authorization": "Bearer " + key}} for i in range(2)]})
        run_client(env, env.spawn([PY, PY_REQUESTS, plan], env.cgroup("metrics-requests")[0],
                                  env=ca, stdout=subprocess.PIPE, stderr=subprocess.PIPE),
                   "requests")
        deadline = time.time() + 10
        while len(server_exchanges(env, since)) < 5 and time.time() < deadline:
            time.sleep(0.05)
        exchanges = server_exchanges(env, since)
        check(len(exchanges) == 5, "%d exchanges logged, want 5" % len(exchanges))
        want = expected_by_owner(exchanges, table)

        got = scraped(prom, want)
        for o in want:
            for t in ("input", "output", "calls"):
                check(got[t].get(o) == want[o][t],
                      "prometheus: %s %s = %r, the provider served %r (all: %r)"
                      % (o, t, got[t].get(o), want[o][t], got[t]))
        cost = prom.query("sum by (owner) (tokentap_cost_usd_total)")
        for o in want:
            check(o in cost and costcheck.close(cost[o], want[o]["cost"]),
                  "prometheus: %s cost %r, the table implies %r" % (o, cost.get(o),
                                                                   want[o]["cost"]))
        up = prom.query('up{job="tokentap"}')
        check(list(up.values()) == [1.0], "target not up: %r" % up)
        unpriced = prom.query_raw('sum by (owner, model, reason) '
                                  '(tokentap_unpriced_calls_total)')
        check(len(unpriced) == 1 and unpriced[0]["value"][1] == "1" and
              unpriced[0]["metric"]["owner"] == "metrics-curl" and
              unpriced[0]["metric"]["model"].startswith(UNLISTED) and
              unpriced[0]["metric"]["reason"] == "unknown_model",
              "unpriced calls: %r" % unpriced)
        # The per-call series are born with their first call in them, so
        # rate() and increase() see calls made after the first scrape
        # only, as on any long-running agent: one more call per owner.
        for cg, model in (("metrics-curl", "gpt-4o-mini"),
                          ("metrics-requests", "gpt-4.1-mini")):
            argv = ["curl", "-sS", "--http1.1", "-o", "/dev/null", "--cacert", env.ca,
                    "-H", "Authorization: Bearer " + sec.key(),
                    "-H", "Content-Type: application/json", "--data-binary",
                    json.dumps(chat(sec.prompt("m-2-" + cg), model=model)), OAI_CHAT]
            run_client(env, env.spawn(argv, env.cgroup(cg)[0], env=ca,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE),
                       "curl 2 %s" % cg)
        check_dashboard(prom)

        # Budgets: the spend of all seven calls, then a reload that sets the
        # requests owner's limit so that it has spent 90% of it.
        calls = priced_calls(agent.events, server_exchanges(env, since), table)
        samples = check_budget_gauges(target, calls)
        with open(PRICES) as f:
            snap = time.strptime(json.load(f)["snapshot_date"], "%Y-%m-%d")
        for name, want_v in (("tokentap_price_table_snapshot_timestamp_seconds",
                              calendar.timegm(snap)),
                             ("tokentap_price_table_max_age_seconds", 3650 * 86400)):
            check(samples.get(name) == want_v, "%s = %r, want %r" % (name, samples.get(name),
                                                                    want_v))
        budgets = [dict(b) for b in BUDGETS]
        budgets[1]["limit_usd"] = sum(cost for owner, cost, _ in calls
                                      if owner == "metrics-requests") / 0.9
        write_config(env, rel_parent, budgets)
        agent.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while time.time() < deadline and not costcheck.close(
                budget_series(scrape(target), "tokentap_budget_used_ratio", "req-month"), 0.9):
            time.sleep(0.2)
        check_budget_gauges(target, calls)
        check_alerts(prom, target, calls)

        status, ctype, text = http_get("http://%s/metrics" % target)
        check(status == 200 and ctype.startswith("text/plain; version=0.0.4"),
              "GET /metrics: %d %r" % (status, ctype))
        for s in env.secrets:
            check(s not in text, "secret %s... in /metrics" % s[:16])
        check("Bearer" not in text, "an Authorization value in /metrics")
        samples = {}
        for ln in text.splitlines():
            if ln and not ln.startswith("#"):
                name, _, value = ln.rpartition(" ")
                samples[name] = float(value)
        for name in ("tokentap_attached_targets", "tokentap_captured_bytes_total",
                     'tokentap_connections_total{verdict="captured"}',
                     "tokentap_capture_events_total", "tokentap_ledger_events_total"):
            check(samples.get(name, 0) > 0, "health metric %s = %r" % (name, samples.get(name)))
        for name in ("tokentap_ringbuf_lost_events_total",
                     'tokentap_decode_problems_total{reason="gap"}',
                     'tokentap_config_reloads_total{result="ok"}',
                     'tokentap_unpriced_requests_total{reason="unknown_model"}',
                     'tokentap_metrics_series_dropped_total{family="tokentap_tokens_total"}'):
            check(name in samples, "health metric %s missing" % name)
        check(samples.get('tokentap_metrics_scrapes_total{result="fresh"}', 0) >= 1,
              "scrapes not counted: %r" % {k: v for k, v in samples.items() if "scrapes" in k})
        for o in want:
            check('owner="%s"' % o in text, "owner %s not in /metrics" % o)
            # Neither workload declared another environment.
            check(not [k for k in samples if k.startswith("tokentap_environment_mismatches")
                       and 'owner="%s"' % o in k], "%s: a mismatch counted" % o)
        # A restarted agent reads this period's spend back from its ledger
        # (a copy, less the first run's agent_stats line, which the
        # harness wants once per file).
        agent.stop()
        with open(agent.events) as src, open(agent.events.replace("-metrics.", "-metrics2."),
                                             "w") as dst:
            dst.writelines(l for l in src if '"agent_stats"' not in l)
        agent = None
        agent = Agent(env, "metrics2", ["--config", config, "--metrics-listen", target])
        check_budget_gauges(target, calls, timeout=0)
        # The same ledger as the oldest copy rotation keeps (--events-keep
        # 1: older copies may be gone) beginning after the periods began:
        # the same spend, marked incomplete.
        agent.stop()
        with open(agent.events) as src, open(agent.events.replace("-metrics2.", "-metrics3.")
                                             + ".1", "w") as dst:
            dst.writelines(l for l in src if '"agent_stats"' not in l)
        agent = None
        agent = Agent(env, "metrics3", ["--config", config, "--metrics-listen", target,
                                        "--events-keep", "1"])
        check_budget_gauges(target, calls, timeout=0, complete=0)
    finally:
        prom.stop()
        if agent:
            agent.stop()
