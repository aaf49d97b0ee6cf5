"""Dark connections: AI connections the agent saw at the socket layer and
could not decrypt are booked, one event per connection, with the owner of
the process and the bytes on the wire, and nothing else is.

In one agent run, each client in its own cgroup with an owner rule:
- mbed_chat (build/e2e/mbed_chat, mbedTLS linked statically: no TLS
  library the agent probes) makes 2 connections of 2 calls each to the fake
  provider: 2 dark events, problem tls_not_traced, with its pid, cgroup,
  owner, environment, provider, server name, peer, and exactly the bytes
  its socket wrote and read (TLS records, handshake included);
- an httpx HTTP/2 connection opened before the agent started (1 call),
  used again after (2 calls): 1 dark event, problem joined_midway, named by
  its address (another connection to the same address named it), bytes
  within TLS overhead of the plaintext the server saw;
- a fresh httpx HTTP/2 client and curl over HTTP/1.1: decoded exactly, no
  dark event.
The metrics families tokentap_dark_connections_total and
tokentap_dark_bytes_total and the report's dark columns equal the dark
events; no prompt or key reaches the ledger, the log or /metrics."""
import datetime
import json
import os
import subprocess
import time

from harness import (CLIENTS, PY, ROOT, Agent, Failure, Skip, check,
                     cgroup2_root, run_client, wait_for)
from test_allocate import PRICES
from test_decode import OAI_CHAT, Secrets, chat, write_plan
from test_h2 import H2_PORT, URL as H2_URL, h2_server
from test_metrics import free_port, http_get

ORDER = 55  # run.py runs the test files by ORDER, then by name

MBED = os.path.join(ROOT, "build", "e2e", "mbed_chat")
MBED_CONNS, MBED_CALLS = 2, 2
# TLS on top of the plaintext: the handshake (certificate, tickets) and
# per record a header, nonce and tag. A bound, not a model.
TLS_FIXED, TLS_PER_KB = 8192, 64


def mbed_binary():
    if not os.path.exists("/usr/include/mbedtls/ssl.h"):
        raise Skip("no mbedTLS (Debian libmbedtls-dev; make deps installs it)")
    check(os.access(MBED, os.X_OK), "%s missing (make builds it)" % MBED)
    return MBED


def write_config(env, rel, metrics_port):
    owners = []
    for name, owner, envname in (("dark-mbed", "dark-mbed", "staging"),
                                 ("dark-h2early", "dark-h2", "production"),
                                 ("dark-httpx", "lit-httpx", "production"),
                                 ("dark-curl", "lit-curl", "development")):
        owners.append({"name": name, "match": {"cgroup": rel + "/" + name},
                       "set": {"owner": owner, "environment": envname}})
    cfg = {"version": 1, "owners": owners, "pricing": {"table": PRICES},
           "metrics": {"listen": "127.0.0.1:%d" % metrics_port}}
    path = os.path.join(env.dir, "dark-config.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


def prom_samples(text, family):
    """{frozenset(label items): value} of one family in exposition text."""
    out = {}
    for line in text.splitlines():
        if not line.startswith(family + "{"):
            continue
        labels, _, value = line[len(family) + 1:].rpartition("} ")
        items = frozenset(tuple(kv.split("=", 1)) for kv in labels.split(","))
        out[frozenset((k, v.strip('"')) for k, v in items)] = float(value)
    return out


def wait_dark_metrics(url, owners, want, timeout=20):
    """The /metrics text once the dark connections of owners add up to want
    (they are booked a grace period after their end, on the agent's tick)."""
    deadline = time.time() + timeout
    text = ""
    while time.time() < deadline:
        text = http_get(url)[2]
        got = sum(v for k, v in prom_samples(text, "tokentap_dark_connections_total").items()
                  if dict(k).get("owner") in owners)
        if got >= want:
            return text
        time.sleep(0.25)
    raise Failure("dark connections of %s not in /metrics after %ds: %s" % (
        owners, timeout, [l for l in text.splitlines() if "dark" in l]))


class Run:
    """The clients of the run and what each said about itself."""

    def __init__(self, env, sec):
        self.env, self.sec = env, sec
        self.ca = {"SSL_CERT_FILE": env.ca, "CURL_CA_BUNDLE": env.ca}
        self.pids = {}    # pid -> (name, cgroup inode)
        self.mbed_out = []

    def spawn(self, name, argv, extra_env=None):
        cg_dir, ino = self.env.cgroup(name)
        cenv = dict(self.ca, **(extra_env or {}))
        proc = self.env.spawn(argv, cg_dir, env=cenv, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
        self.pids[proc.pid] = (name, ino)
        return proc

    def h2_plan(self, name, n, pause=None):
        key = self.sec.key()
        plan = {"requests": [{"url": H2_URL, "json": chat(self.sec.prompt(name)),
                              "headers": {"Authorization": "Bearer " + key}}
                             for _ in range(n)]}
        if pause:
            plan["pause"] = pause
        return [PY, os.path.join(CLIENTS, "py_httpx_plan.py"),
                write_plan(self.env, name, plan)]

    def mbed(self, name):
        body = os.path.join(self.env.dir, "dark-mbed-body.json")
        with open(body, "w") as f:
            json.dump(chat(self.sec.prompt(name)), f)
        proc = self.spawn(name, [mbed_binary(), "--ca", self.env.ca, "--host", "api.openai.com",
                                 "--body", body, "--conns", str(MBED_CONNS),
                                 "--calls", str(MBED_CALLS)],
                          {"MBED_CHAT_KEY": self.sec.key()})
        out = run_client(self.env, proc, name)
        self.mbed_out = [json.loads(l) for l in out.decode().splitlines() if l.strip()]
        check(len(self.mbed_out) == MBED_CONNS, "mbed_chat said %r" % self.mbed_out)
        return proc.pid

    def curl(self, name):
        argv = ["curl", "-sS", "--http1.1", "-o", "/dev/null", "--cacert", self.env.ca,
                "-H", "Authorization: Bearer " + self.sec.key(),
                "-H", "Content-Type: application/json",
                "--data-binary", json.dumps(chat(self.sec.prompt(name))), OAI_CHAT]
        proc = self.spawn(name, argv)
        run_client(self.env, proc, name)
        return proc.pid


def conn_lines(log):
    with open(log) as f:
        return [json.loads(l) for l in f if l.strip() and '"event":"conn"' in l]


def within_tls(label, got, plain):
    """Wire bytes of a TLS connection that carried plain bytes."""
    check(plain <= got < plain + TLS_FIXED + TLS_PER_KB * (plain // 1024 + 1),
          "%s: %d bytes on the wire for %d of plaintext" % (label, got, plain))


def utc(ts):
    return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def check_dark(ev, label, pid, ino, owner, envname, problem, span):
    """What every dark event says, whatever its client. span: (start,
    end) of the test's wall clock: the connection lies within."""
    conn = ev["connection"]
    start = utc(ev["timestamp_utc"])
    check(span[0] - 1 <= start and start + ev["duration_ms"] / 1e3 <= span[1] + 1,
          "%s: %s lasting %s ms, not within the test (%s)" % (
              label, ev["timestamp_utc"], ev["duration_ms"], span))
    check(ev["usage_status"] == "unobserved" and ev["problem"] == problem,
          "%s: usage %s problem %s" % (label, ev["usage_status"], ev["problem"]))
    check(ev["process"]["pid"] == pid and ev["cgroup"]["id"] == ino,
          "%s: pid %s cgroup %s" % (label, ev["process"]["pid"], ev["cgroup"]["id"]))
    check(ev["owner"] == owner and ev["environment"] == envname and
          ev["allocation"]["status"] == "allocated",
          "%s: owner %s environment %s allocation %r" % (
              label, ev["owner"], ev["environment"], ev["allocation"]))
    check(ev["provider"] == "openai" and conn["server_name"] == "api.openai.com" and
          conn["peer_address"] == "127.0.0.1",
          "%s: provider %s connection %r" % (label, ev["provider"], conn))
    check(ev["cost"]["amount"] is None and ev["cost"]["reason"] == problem,
          "%s: cost %r" % (label, ev["cost"]))
    check(all(v is None for v in ev["usage"].values()) and ev["request_model"] is None,
          "%s: usage %r model %r" % (label, ev["usage"], ev["request_model"]))


def check_mbed(run, events, pid, server_conns, span):
    """One dark event per mbed_chat connection, bytes exactly its socket's,
    the process facts of a process that has exited by then."""
    name, ino = run.pids[pid]
    evs = [e for e in events if e["process"]["pid"] == pid]
    check(len(evs) == MBED_CONNS, "%d events for %d mbedTLS connections: %r"
          % (len(evs), MBED_CONNS, evs))
    by_port = {c["peer_port"]: c for c in server_conns}
    wire = sorted((c["tcp_sent"], c["tcp_received"]) for c in run.mbed_out)
    got = sorted((e["connection"]["bytes_sent"], e["connection"]["bytes_received"])
                 for e in evs)
    for ev in evs:
        check_dark(ev, name, pid, ino, "dark-mbed", "staging", "tls_not_traced", span)
        check(ev["connection"]["name_source"] == "client_hello" and
              ev["connection"]["peer_port"] == 443,
              "%s: connection %r" % (name, ev["connection"]))
        check(ev["process"]["comm"] == "mbed_chat" and ev["process"]["exe"] == MBED,
              "%s: process %r" % (name, ev["process"]))
    check(got == wire, "%s: bytes (sent, received) booked %r, the client's socket %r"
          % (name, got, wire))
    for out in run.mbed_out:
        srv = by_port.get(out["local_port"])
        check(srv is not None and srv["bytes_in"] == out["plain_sent"] and
              srv["bytes_out"] == out["plain_received"],
              "%s: server saw %r, client %r" % (name, srv, out))
        within_tls(name + " sent", out["tcp_sent"], srv["bytes_in"])
        within_tls(name + " received", out["tcp_received"], srv["bytes_out"])
    return evs


def check_midway(run, events, pid, h2_conns, t_agent, span):
    """The h2 connection older than the agent: one dark event, joined_midway."""
    name, ino = run.pids[pid]
    evs = [e for e in events if e["process"]["pid"] == pid]
    check(len(evs) == 1, "%s: %d events: %r" % (name, len(evs), evs))
    ev = evs[0]
    # Joined mid-way: dated from when the agent first saw it.
    check_dark(ev, name, pid, ino, "dark-h2", "production", "joined_midway",
               (t_agent, span[1]))
    check(ev["connection"]["peer_port"] == H2_PORT and
          ev["connection"]["name_source"] == "address",
          "%s: connection %r" % (name, ev["connection"]))
    srv = [c for c in h2_conns if span[0] <= c["t_start"] < t_agent]
    check(len(srv) == 1, "%s: server connections %r" % (name, srv))
    within_tls(name + " sent", ev["connection"]["bytes_sent"], srv[0]["bytes_in"])
    within_tls(name + " received", ev["connection"]["bytes_received"], srv[0]["bytes_out"])
    return ev


def check_metrics(text, dark):
    """tokentap_dark_* of our owners: the dark events, summed by label."""
    owners = {e["owner"] for e in dark}
    want_n, want_b = {}, {}
    for e in dark:
        k = (e["provider"], e["owner"], e["environment"])
        want_n[k + (e["problem"],)] = want_n.get(k + (e["problem"],), 0) + 1
        for d in ("sent", "received"):
            want_b[k + (d,)] = want_b.get(k + (d,), 0) + e["connection"]["bytes_" + d]
    got_n = {(l["provider"], l["owner"], l["environment"], l["reason"]): v
             for l, v in ((dict(k), v) for k, v in
                          prom_samples(text, "tokentap_dark_connections_total").items())
             if l["owner"] in owners}
    got_b = {(l["provider"], l["owner"], l["environment"], l["direction"]): v
             for l, v in ((dict(k), v) for k, v in
                          prom_samples(text, "tokentap_dark_bytes_total").items())
             if l["owner"] in owners}
    check(got_n == want_n, "tokentap_dark_connections_total %r, events %r" % (got_n, want_n))
    check(got_b == want_b, "tokentap_dark_bytes_total %r, events %r" % (got_b, want_b))


def check_report(env, ledger, events):
    """The report's dark columns per owner and provider: the dark events."""
    res = subprocess.run([env.agent, "report", "--format", "json", "--by", "owner,provider",
                          ledger], capture_output=True, text=True)
    check(res.returncode == 0, "report: %s" % res.stderr)
    groups = {(g["key"]["owner"], g["key"]["provider"]): g
              for g in map(json.loads, res.stdout.splitlines()) if g["record"] == "group"}
    for owner in {e["owner"] for e in events}:
        evs = [e for e in events if e["owner"] == owner]
        dark = [e for e in evs if e["connection"] is not None]
        g = groups.get((owner, "openai"))
        check(g is not None, "report: no group %s/openai" % owner)
        got = (g["dark_connections"], g["dark_bytes_sent"], g["dark_bytes_received"],
               g["calls"])
        want = (len(dark), sum(e["connection"]["bytes_sent"] for e in dark),
                sum(e["connection"]["bytes_received"] for e in dark), len(evs) - len(dark))
        check(got == want, "report %s: dark (connections, sent, received) and calls %r, "
              "the ledger %r" % (owner, got, want))


def no_secrets(env, paths, texts):
    for path in paths:
        with open(path, errors="replace") as f:
            texts.append((path, f.read()))
    for where, text in texts:
        for s in env.secrets:
            check(s not in text, "secret %s... leaked into %s" % (s[:16], where))
        check("Bearer" not in text, "an Authorization value in %s" % where)


def test_dark_connections(env):
    mbed_binary()
    t_start = time.time()
    h2_log = h2_server(env)
    sec = Secrets(env)
    run = Run(env, sec)
    port = free_port()
    config = write_config(env, "/" + os.path.relpath(env.cg_parent, cgroup2_root()), port)
    # The HTTP/2 connection older than the agent: one call, then it waits.
    ready, go_on = (os.path.join(env.dir, "dark-h2early." + s) for s in ("ready", "go"))
    early = run.spawn("dark-h2early", run.h2_plan("dark-h2early", 3, {
        "after": 1, "ready": ready, "wait": go_on}))
    agent = None
    try:
        check(wait_for(ready, 30, early), "the early h2 client did not make its first call")
        t_agent = time.time()
        agent = Agent(env, "dark", ["--config", config])
        # A fresh h2 connection to the same address first: decoded, and it
        # names the address for the older one.
        fresh = run.spawn("dark-httpx", run.h2_plan("dark-httpx", 1))
        run_client(env, fresh, "dark-httpx")
        with open(go_on, "w"):
            pass
        run_client(env, early, "dark-h2early")
        curl_pid = run.curl("dark-curl")
        mbed_pid = run.mbed("dark-mbed")
        text = wait_dark_metrics("http://127.0.0.1:%d/metrics" % port,
                                 {"dark-mbed", "dark-h2"}, MBED_CONNS + 1)
    finally:
        if early.poll() is None:
            early.kill()
        if agent:
            agent.stop()
    events = [e for e in agent.alloc_events() if e["process"]["pid"] in run.pids]
    dark = [e for e in events if e["connection"] is not None]
    lit = [e for e in events if e["connection"] is None]
    span = (t_start, time.time())
    mbed = check_mbed(run, dark, mbed_pid, env.server_conns(), span)
    midway = check_midway(run, dark, early.pid, conn_lines(h2_log), t_agent, span)
    check(len(dark) == len(mbed) + 1, "dark events of other clients: %r"
          % [e for e in dark if e not in mbed and e is not midway])
    # Decoded: exact calls, never a dark row.
    for pid, n in ((fresh.pid, 1), (curl_pid, 1)):
        name, ino = run.pids[pid]
        evs = [e for e in lit if e["process"]["pid"] == pid]
        check(len(evs) == n and all(e["usage_status"] == "reported" and
                                    e["problem"] is None and e["cgroup"]["id"] == ino
                                    for e in evs), "%s: events %r" % (name, evs))
    check_metrics(text, dark)
    check_report(env, agent.events, events)
    no_secrets(env, [agent.events, agent.errfile], [("/metrics", text)])
