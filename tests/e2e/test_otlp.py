"""End-to-end OTLP/HTTP export (docs/otlp.md): the real agent exports to a
local receiver (tools/otlp_receiver.py) while curl and python requests
call the fake provider. Every allocation event of the ledger must arrive
exactly once as a log record whose GenAI and tokentap attributes equal the
ledger's values, and the metrics must add up to the ledger; with the
receiver killed and restarted, nothing is lost (the spool holds it, in
order); with a tiny spool and the receiver answering 503, the agent's
dropped counter equals the number of events that never arrived, and what
was spooled arrives after a restart of the agent. Over https, with the
collector's host name made an AI host, the agent never captures its own
exporter's traffic (it would otherwise export its own exports)."""
import calendar
import json
import os
import signal
import subprocess
import time

from harness import PY, ROOT, TOOLS, Agent, Failure, check, cgroup2_root, run_client
from test_decode import OAI_CHAT, PY_REQUESTS, Secrets, chat, write_plan

ORDER = 80  # run.py runs the test files by ORDER, then by name

RECEIVER = os.path.join(TOOLS, "otlp_receiver.py")
PRICES = os.path.join(ROOT, "config", "prices.json")
PORT = 14318
TLS_PORT = 14319
ENDPOINT = "http://127.0.0.1:%d" % PORT
TRACE_ID, SPAN_ID = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"


class Receiver:
    """The OTLP receiver; its log survives restarts (appended)."""

    def __init__(self, env, name, port=PORT, tls=False):
        self.env, self.port, self.tls = env, port, tls
        self.log = os.path.join(env.dir, "otlp-%s.jsonl" % name)
        self.flag = os.path.join(env.dir, "otlp-%s.fail" % name)
        self.err = os.path.join(env.dir, "otlp-%s.err" % name)
        self.proc = None

    def start(self):
        ready = self.log + ".ready"
        if os.path.exists(ready):
            os.unlink(ready)
        self.proc = subprocess.Popen(
            [PY, RECEIVER, "--port", str(self.port), "--log", self.log, "--ready-file", ready,
             "--fail-flag", self.flag, "--fail-mode", "503"] +
            (["--cert", os.path.join(self.env.certs, "server.pem"),
              "--key", os.path.join(self.env.certs, "server.key")] if self.tls else []),
            stdout=subprocess.DEVNULL, stderr=open(self.err, "a"))
        deadline = time.time() + 10
        while not os.path.exists(ready):
            check(self.proc.poll() is None and time.time() < deadline,
                  "otlp receiver did not start (port %d busy?)" % self.port)
            time.sleep(0.02)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def lines(self, signal_name):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [ln for ln in map(json.loads, f) if ln.get("signal") == signal_name]

    def ids(self):
        """event_id -> number of log records carrying it."""
        seen = {}
        for rec in self.lines("log"):
            eid = rec["attributes"].get("tokentap.event_id")
            seen[eid] = seen.get(eid, 0) + 1
        return seen


def ledger_events(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [e for e in map(json.loads, (ln for ln in f if ln.strip()))
                if e.get("event_type") == "ai_api_cost_allocation"]


def wait_until(cond, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise Failure("timed out waiting for %s" % what)


def write_config(env, name, spool, spool_max, extra=None):
    rel = "/" + os.path.relpath(env.cg_parent, cgroup2_root())
    cfg = {
        "version": 1,
        "owners": [{"name": "otlp-rule", "match": {"cgroup": rel + "/otlp-*"},
                    "set": {"owner": "observability", "team": "sre",
                            "cost_center": "CC-700", "application": "otlp-e2e",
                            "environment": "staging", "tags": {"tier": "bronze"}}}],
        "pricing": {"table": PRICES},
        "otlp": {"spool_dir": spool, "spool_max_bytes": spool_max, "timeout_ms": 2000,
                 "retry_max_interval_ms": 1000, "metrics_interval_ms": 1000},
    }
    for k, v in (extra or {}).items():
        if isinstance(v, dict):
            cfg.setdefault(k, {}).update(v)
        else:
            cfg[k] = v
    path = os.path.join(env.dir, "otlp-config-%s.json" % name)
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


class Workloads:
    def __init__(self, env):
        self.env, self.sec, self.n = env, Secrets(env), 0
        self.ca = {"CURL_CA_BUNDLE": env.ca, "REQUESTS_CA_BUNDLE": env.ca}

    def curl(self, headers=()):
        self.n += 1
        argv = ["curl", "-sS", "--http1.1", "-o", "/dev/null", "--cacert", self.env.ca,
                "-H", "Authorization: Bearer " + self.sec.key(),
                "-H", "Content-Type: application/json"]
        for h in headers:
            argv += ["-H", h]
        argv += ["--data-binary", json.dumps(chat(self.sec.prompt("otlp%d" % self.n))),
                 OAI_CHAT]
        self.run("curl-%d" % self.n, argv)

    def requests(self):
        self.n += 1
        key = self.sec.key()
        plan = write_plan(self.env, "otlp-req-%d" % self.n, {"requests": [
            {"url": OAI_CHAT, "json": chat(self.sec.prompt("r")),
             "headers": {"Authorization": "Bearer " + key, "X-Environment": "production"}},
            {"url": OAI_CHAT, "json": chat(self.sec.prompt("rs"), stream=True,
                                           stream_options={"include_usage": True}),
             "stream": True, "headers": {"Authorization": "Bearer " + key}}]})
        self.run("requests-%d" % self.n, [PY, PY_REQUESTS, plan])

    def run(self, name, argv):
        cg_dir, _ = self.env.cgroup("otlp-" + name)
        proc = self.env.spawn(argv, cg_dir, env=self.ca, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
        run_client(self.env, proc, name)


# Ledger field -> log record attribute, as docs/otlp.md maps them.
MAPPED = [
    ("provider", "gen_ai.provider.name"), ("operation", "gen_ai.operation.name"),
    ("request_model", "gen_ai.request.model"), ("response_model", "gen_ai.response.model"),
    ("response_id", "gen_ai.response.id"), ("server_address", "server.address"),
    ("stream", "gen_ai.request.stream"), ("status_code", "http.response.status_code"),
    ("usage.input_tokens", "gen_ai.usage.input_tokens"),
    ("usage.output_tokens", "gen_ai.usage.output_tokens"),
    ("usage.cache_read_input_tokens", "gen_ai.usage.cache_read.input_tokens"),
    ("usage.reasoning_tokens", "gen_ai.usage.reasoning.output_tokens"),
    ("provider_request_id", "tokentap.provider_request_id"),
    ("event_id", "tokentap.event_id"), ("owner", "tokentap.owner"),
    ("team", "tokentap.team"), ("cost_center", "tokentap.cost_center"),
    ("application", "tokentap.application"), ("environment", "tokentap.environment"),
    ("tags", "tokentap.tags"), ("allocation.status", "tokentap.allocation.status"),
    ("allocation.rule", "tokentap.allocation.rule"),
    ("environment_check.mismatch", "tokentap.environment_check.mismatch"),
    ("environment_check.declared", "tokentap.environment_check.declared"),
    ("cost.amount", "tokentap.cost.amount"), ("cost.currency", "tokentap.cost.currency"),
    ("outcome", "tokentap.outcome"), ("process.pid", "process.pid"),
    ("cgroup.path", "tokentap.cgroup.path"), ("api_key.fingerprint",
                                              "tokentap.api_key.fingerprint"),
]


def field(ev, path):
    for part in path.split("."):
        ev = ev.get(part) if isinstance(ev, dict) else None
    return ev


def check_record(ev, rec):
    attrs, label = rec["attributes"], "event %s" % ev["event_id"]
    for path, key in MAPPED:
        want = field(ev, path)
        if want is None or want == "":
            check(key not in attrs, "%s: %s is null in the ledger but exported as %r"
                  % (label, key, attrs.get(key)))
        else:
            check(attrs.get(key) == want, "%s: %s = %r, ledger %s = %r"
                  % (label, key, attrs.get(key), path, want))
    if ev["error_type"]:
        want_err = ev["error_type"]
    elif ev["outcome"] != "success":
        want_err = str(ev["status_code"]) if ev["status_code"] else ev["outcome"]
    else:
        want_err = None
    check(attrs.get("error.type") == want_err, "%s: error.type %r, want %r"
          % (label, attrs.get("error.type"), want_err))
    check(rec["body"] == "ai_api_cost_allocation", "%s: body %r" % (label, rec["body"]))
    declared = ev.get("declared") or {}
    check(rec["trace_id"] == declared.get("trace_id") and
          rec["span_id"] == declared.get("span_id"),
          "%s: traceId/spanId %r/%r, declared %r/%r" % (
              label, rec["trace_id"], rec["span_id"], declared.get("trace_id"),
              declared.get("span_id")))
    check(rec["resource"].get("service.name") == "tokentap" and
          rec["resource"].get("host.name") == ev["host"],
          "%s: resource %r" % (label, rec["resource"]))
    ts = ev["timestamp_utc"]
    secs = calendar.timegm(time.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S"))
    check(rec["time_unix_nano"] == secs * 10**9 + int(ts[20:26]) * 1000,
          "%s: timeUnixNano %d for %s" % (label, rec["time_unix_nano"], ts))


def otlp_stats(agent):
    st = [r for r in agent.records if r.get("type") == "agent_stats"][0]
    check("otlp" in st, "agent_stats has no otlp object")
    o = st["otlp"]
    # Every record is accounted for: sent, dropped or still in the spool.
    check(o["queued"] + o["spool_loaded"] == o["sent"] + o["dropped_total"] + o["spool_records"],
          "otlp counters do not add up: %r" % o)
    check(sum(o["dropped"].values()) == o["dropped_total"], "dropped total %r" % o)
    return o


def check_metrics(recv, events):
    points = recv.lines("metric")
    check(points, "no metrics arrived")
    last = max(p["time_unix_nano"] for p in points)
    final = [p for p in points if p["time_unix_nano"] == last]
    tokens = [p for p in final if p["name"] == "gen_ai.client.token.usage"]
    for kind, key in (("input", "input_tokens"), ("output", "output_tokens")):
        got = sum(p["sum"] for p in tokens if p["attributes"]["gen_ai.token.type"] == kind)
        want = sum(e["usage"][key] or 0 for e in events)
        check(got == want, "token.usage %s sum %r, ledger %r" % (kind, got, want))
    by_name = {p["name"]: p for p in final if p["kind"] == "sum"}
    check(by_name["tokentap.events"]["as_int"] == len(events),
          "tokentap.events %r, ledger %d" % (by_name["tokentap.events"]["as_int"], len(events)))
    durations = [p for p in final if p["name"] == "gen_ai.client.operation.duration"]
    check(sum(p["count"] for p in durations) == len(events), "duration count %r" % durations)


def phase_delivery(env, recv, work):
    """Receiver up, then killed, then back: every event once, in full."""
    spool = os.path.join(env.dir, "otlp-spool-a")
    cfg = write_config(env, "a", spool, 1 << 20)
    agent = Agent(env, "otlp-a", ["--config", cfg, "--otlp-endpoint", ENDPOINT], digest=False)
    try:
        work.curl(headers=["traceparent: 00-%s-%s-01" % (TRACE_ID, SPAN_ID)])
        work.curl(headers=["X-Fake-Status: 500"])
        work.requests()
        n_up = 4
        wait_until(lambda: len(ledger_events(agent.events)) >= n_up, 5, "4 events")
        wait_until(lambda: len(recv.ids()) >= n_up, 15, "the first events to arrive")
        recv.kill()
        work.curl()
        work.requests()
        wait_until(lambda: len(ledger_events(agent.events)) >= n_up + 3, 5,
                   "the outage's events in the ledger")
        wait_until(lambda: any(f.endswith(".otlp") for f in os.listdir(spool)), 15,
                   "a spooled batch while the receiver is down")
        recv.start()
        wait_until(lambda: len(recv.ids()) >= n_up + 3, 20, "the spooled events to arrive")
    finally:
        agent.stop()
    events = ledger_events(agent.events)
    ids = recv.ids()
    check(len(events) == 7 and set(ids) == {e["event_id"] for e in events},
          "ledger %d events, receiver %d ids" % (len(events), len(ids)))
    check(all(n == 1 for n in ids.values()), "duplicates: %r" % [i for i, n in ids.items()
                                                               if n > 1])
    recs = {r["attributes"]["tokentap.event_id"]: r for r in recv.lines("log")}
    for ev in events:
        check_record(ev, recs[ev["event_id"]])
    # The call sent with a traceparent joins that trace (check_record
    # compared every record's ids with the ledger's).
    check([r["trace_id"] for r in recs.values() if r["trace_id"]] == [TRACE_ID] and
          [r["span_id"] for r in recs.values() if r["span_id"]] == [SPAN_ID],
          "the traceparent call's record: %r" % [(r["trace_id"], r["span_id"])
                                                 for r in recs.values()])
    o = otlp_stats(agent)
    check(o["sent"] == 7 and o["dropped_total"] == 0 and o["spool_records"] == 0,
          "otlp stats %r" % o)
    check(o["spooled"] >= 3 and o["failed_attempts"] >= 1 and o["retried"] >= 1,
          "the outage left no trace in the stats: %r" % o)
    check(not os.listdir(spool) or os.listdir(spool) == [".lock"], "spool not empty")
    check(oct(os.stat(spool).st_mode & 0o777) == oct(0o750), "spool dir mode")
    check_metrics(recv, events)
    return events


def phase_overflow(env, recv, work):
    """A 16 KiB spool, the receiver answering 503: the oldest batches are
    dropped and counted; the rest arrive after the agent restarts."""
    spool = os.path.join(env.dir, "otlp-spool-c")
    cfg = write_config(env, "c", spool, 16384)
    open(recv.flag, "w").close()
    before = set(recv.ids())
    agent = Agent(env, "otlp-c", ["--config", cfg, "--otlp-endpoint", ENDPOINT], digest=False)
    try:
        for i in range(5):
            work.curl()
            time.sleep(1.1)  # one batch each: ~4.5 KiB, three fit
            if i == 0:
                wait_until(lambda: os.listdir(spool) != [".lock"], 10, "a spooled batch")
        files = [f for f in os.listdir(spool) if f.endswith(".otlp")]
        for f in files:
            check(oct(os.stat(os.path.join(spool, f)).st_mode & 0o777) == oct(0o640),
                  "spool file mode")
    finally:
        agent.stop()
    events = ledger_events(agent.events)
    check(len(events) == 5, "%d events in the overflow ledger" % len(events))
    o = otlp_stats(agent)
    check(o["sent"] == 0 and o["dropped"]["spool_full"] == o["dropped_total"] and
          o["dropped_total"] >= 1 and o["spool_records"] >= 1, "overflow stats %r" % o)
    check(set(recv.ids()) == before, "records arrived while the receiver answered 503")
    os.unlink(recv.flag)
    # The next agent finds the spool and sends it first.
    again = Agent(env, "otlp-c2", ["--config", cfg, "--otlp-endpoint", ENDPOINT], digest=False)
    try:
        wait_until(lambda: len(set(recv.ids()) - before) >= o["spool_records"], 15,
                   "the spool of the first run to arrive")
    finally:
        again.stop()
    o2 = otlp_stats(again)
    check(o2["spool_loaded"] == o["spool_records"] and o2["sent"] == o["spool_records"] and
          o2["dropped_total"] == 0, "restart stats %r" % o2)
    ids = recv.ids()
    arrived = [e for e in events if e["event_id"] in ids]
    lost = [e for e in events if e["event_id"] not in ids]
    check(len(lost) == o["dropped_total"], "%d events never arrived, agent counted %d dropped"
          % (len(lost), o["dropped_total"]))
    check(len(arrived) == o["spool_records"] and all(ids[e["event_id"]] == 1 for e in arrived),
          "arrived %d (want %d, once each)" % (len(arrived), o["spool_records"]))
    # Oldest dropped first: what arrived is the newest.
    order = [e["event_id"] for e in sorted(events, key=lambda e: e["timestamp_utc"])]
    check({e["event_id"] for e in arrived} == set(order[len(lost):]),
          "the spool did not keep the newest batches")


def phase_tls(env, work):
    """https to a collector whose name the config lists as an AI host: the
    workload's event arrives, and the agent's own TLS is never captured."""
    recv = Receiver(env, "tls", port=TLS_PORT, tls=True)
    spool = os.path.join(env.dir, "otlp-spool-t")
    cfg = write_config(env, "t", spool, 1 << 20, {
        "endpoints": [{"host": "localhost", "provider": "openai"}],
        "otlp": {"ca_file": env.ca}})
    recv.start()
    try:
        agent = Agent(env, "otlp-t", ["--config", cfg, "--otlp-endpoint",
                                      "https://localhost:%d" % TLS_PORT], digest=False)
        try:
            work.curl()
            wait_until(lambda: len(recv.ids()) >= 1, 15, "the event over https")
            time.sleep(1.5)  # a metrics export or two over the same TLS
        finally:
            agent.stop()
    finally:
        recv.kill()
    events = ledger_events(agent.events)
    check(len(events) == 1 and events[0]["process"]["pid"] != agent.proc.pid,
          "the agent decoded its own export: %r" % [(e["process"]["pid"], e["endpoint"])
                                                    for e in events])
    check(recv.ids() == {events[0]["event_id"]: 1}, "https receiver got %r" % recv.ids())
    check(agent.stats["connections_captured"] == 1,
          "captured %d connections" % agent.stats["connections_captured"])
    o = otlp_stats(agent)
    check(o["sent"] == 1 and o["metrics_sent"] >= 1, "https stats %r" % o)
    check(not recv.lines("invalid"), "invalid payloads over https")


def test_otlp_export(env):
    recv = Receiver(env, "recv")
    work = Workloads(env)
    recv.start()
    try:
        phase_delivery(env, recv, work)
        phase_overflow(env, recv, work)
    finally:
        recv.kill()
    phase_tls(env, work)
    check(not recv.lines("invalid"), "the receiver refused payloads: %r"
          % recv.lines("invalid")[:2])
    with open(recv.log) as f:
        text = f.read()
    for secret in env.secrets:
        check(secret not in text, "secret %s... reached the OTLP receiver" % secret[:12])
