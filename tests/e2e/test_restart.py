"""Restart and late start under continuous keep-alive load (issue 11):
connections open before an agent starts are not lost.

Ten clients call the fake provider without pause, each in its own cgroup:
four python3-requests Sessions and three node https keep-alive agents
(HTTP/1.1, one connection each), one python3-requests client that opens a
new connection per call, python3-httpx (http2=True) and node http2 (one
HTTP/2 connection each). The HTTP/2 server (port 8443) also serves the
new connections over HTTP/1.1. Each client logs every call's start time
and the request id the server returned; the server logs every exchange.

- kill9: an agent runs; a new client connects while the agent is stopped
  (its ClientHello held in the kernel), the agent is killed with SIGKILL
  inside that hold, and a client with an open connection dies; a new
  agent starts with the same state directory (it finds the pinned maps);
- late start: the load runs with no agent at all, then an agent starts.

Then every HTTP/1.1 call that started >= GRACE_S after the new agent was
ready is exactly one event of the new agent (request id, model, stream,
tokens, pid, cgroup, owner); each HTTP/2 connection open across the start
is one dark event (joined_midway, owner, bytes), named by the ClientHello
the first agent saw or, at a late start, by the address of a new
connection that named the host (nothing else can name it); no dark event
for a decoded connection; no request id twice. After the SIGKILL no
program of the dead agent stays loaded (so nothing stays attached), the
held client is not stalled, the dead client's pinned connection is
dropped at the next start, the new agent uses the same pinned maps, and
no client sees an error or a call over MAX_CALL_S.
"""
import glob
import json
import os
import signal
import subprocess
import time

from harness import CLIENTS, PY, Agent, check, cgroup2_root
from test_decode import USAGE, Secrets, compare
from test_h2 import h2_server

ORDER = 95  # run.py runs the test files by ORDER, then by name

H1_URL = "https://api.openai.com/v1/chat/completions"
H2_URL = "https://api.openai.com:8443/v1/chat/completions"
GRACE_S = 1.0      # calls that start this long after "ready" must be exact
AFTER_READY_S = 5.0  # load kept running after the new agent is ready
MAX_CALL_S = 3.0   # slower than this is a stall (the hold fails open at 1 s)
OWNER = "restart-load"
SOCKF_HELD = 0x1  # TT_SOCKF_HELD (user/abi/tt_abi.h)
# (language, kind): h1 = one keep-alive connection, h1new = a new
# connection per call, h2 = one HTTP/2 connection.
CLIENT_KINDS = [("py", "h1")] * 4 + [("node", "h1")] * 3 + [("py", "h1new")] + \
    [("py", "h2"), ("node", "h2")]


def bpftool(*args):
    out = subprocess.run(["bpftool", "-j"] + list(args), capture_output=True,
                         text=True, timeout=30)
    check(out.returncode == 0, "bpftool %s: %s" % (" ".join(args), out.stderr[-300:]))
    return json.loads(out.stdout or "null")


class State:
    """A state directory of this test's own on bpffs (not the default one
    other tests share), removed at the end."""

    def __init__(self, tag):
        self.dir = "/sys/fs/bpf/tokentap-e2e-%s-%d" % (tag, os.getpid())

    def pins(self):
        return sorted(glob.glob(os.path.join(self.dir, "v*", "*")))

    def map_ids(self):
        return {os.path.basename(p): bpftool("map", "show", "pinned", p)["id"]
                for p in self.pins()}

    def ai_socks(self):
        """The pinned AI connections: [{tgid, cookie, ...}]."""
        path = [p for p in self.pins() if p.endswith("/ai_socks")]
        check(path, "no pinned ai_socks in %s" % self.dir)
        return [e["formatted"]["value"] for e in bpftool("map", "dump", "pinned", path[0])]

    def remove(self):
        for p in self.pins():
            os.unlink(p)
        for d in glob.glob(os.path.join(self.dir, "v*")) + [self.dir]:
            if os.path.isdir(d):
                os.rmdir(d)


def progs_using(map_ids):
    """Loaded programs that use one of map_ids (only a tokentap agent's)."""
    ids = set(map_ids)
    return [p for p in bpftool("prog", "show") if ids & set(p.get("map_ids", []))]


def agent_progs(map_ids):
    """id -> name of the programs of the one agent using the pinned maps:
    those programs, then every program sharing a map with one of them (its
    other maps are its own; bpftool here cannot name a program's process)."""
    progs = bpftool("prog", "show")
    maps, found = set(map_ids), {}
    while True:
        more = {p["id"]: p for p in progs
                if p["id"] not in found and maps & set(p.get("map_ids", []))}
        if not more:
            return found
        for p in more.values():
            found[p["id"]] = p.get("name")
            maps |= set(p.get("map_ids", []))


def check_nothing_left(state, dead_pid, progs):
    """After a SIGKILL: none of the dead agent's programs stays loaded, so
    none is attached (cgroup hooks, uprobes, tracepoints: every link was
    one of its file descriptors); the pinned maps stay for the next agent."""
    ids = state.map_ids()
    check(set(ids) == {"socks", "ai_socks"}, "pinned state: %s" % state.pins())
    deadline = time.time() + 5
    while True:
        left = {p["id"] for p in bpftool("prog", "show")} & set(progs)
        if not left or time.time() > deadline:
            break
        time.sleep(0.1)
    check(not left, "programs of the killed agent %d still loaded: %s" % (
        dead_pid, [(i, progs[i]) for i in sorted(left)]))
    return ids


def check_reused(state, before, agent_pid):
    """The new agent's programs use the same pinned maps (no second copy)."""
    ids = state.map_ids()
    check(ids == before, "pinned maps not reused: %s then %s" % (before, ids))
    users = progs_using(ids.values())
    check(users, "the new agent does not use the pinned maps %s" % ids)
    owners = {o["pid"] for p in users for o in p.get("pids", [])}
    check(not owners or owners == {agent_pid},
          "pinned maps used by %s, not only agent %d" % (owners, agent_pid))


class Load:
    """The clients, each in its own cgroup, until stop()."""

    def __init__(self, env, tag, sec, kinds=CLIENT_KINDS):
        self.env = env
        self.stop_file = os.path.join(env.dir, "%s.stop" % tag)
        self.clients = []
        cenv = {"SSL_CERT_FILE": env.ca, "NODE_EXTRA_CA_CERTS": env.ca,
                "REQUESTS_CA_BUNDLE": env.ca}
        for i, (lang, kind) in enumerate(kinds):
            name = "%s-%d-%s-%s" % (tag, i, lang, kind)
            cg_dir, cg_ino = env.cgroup(name)
            log = os.path.join(env.dir, name + ".jsonl")
            # The new connections go where the HTTP/2 ones go (port 8443
            # serves both): at a late start nothing else names that peer.
            url = H2_URL if kind in ("h2", "h1new") else H1_URL
            if lang == "py":
                argv = [PY, os.path.join(CLIENTS, "py_loop.py")]
            else:
                argv = ["node", os.path.join(CLIENTS, "node_loop.js")]
            argv += [kind, url, sec.key(), sec.prompt(name), log, self.stop_file]
            err = open(os.path.join(env.dir, name + ".err"), "w")
            proc = env.spawn(argv, cg_dir, env=cenv, stdout=subprocess.DEVNULL,
                             stderr=err)
            err.close()
            self.clients.append({"name": name, "kind": kind, "proc": proc,
                                 "log": log, "cg": cg_ino, "rc": None,
                                 "stop": self.stop_file})

    @staticmethod
    def calls(c):
        if not os.path.exists(c["log"]):
            return []
        with open(c["log"]) as f:
            return [json.loads(ln) for ln in f if ln.endswith("\n")]

    def wait_calls(self, n, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            slow = [c["name"] for c in self.clients if len(self.calls(c)) < n]
            if not slow:
                return
            dead = [c["name"] for c in self.clients if c["proc"].poll() is not None]
            check(not dead, "clients died: %s" % dead)
            time.sleep(0.1)
        check(False, "clients without %d calls: %s" % (n, slow))

    def stop(self):
        for path in {c["stop"] for c in self.clients}:
            with open(path, "w"):
                pass
        for c in self.clients:
            try:
                c["rc"] = c["proc"].wait(30)
            except subprocess.TimeoutExpired:
                c["proc"].kill()
                c["rc"] = c["proc"].wait()

    def kill(self):
        for c in self.clients:
            if c["proc"].poll() is None:
                c["proc"].kill()
                c["proc"].wait()


def log_lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(ln) for ln in f if ln.strip()]


def server_view(env, h2_log, rids):
    """rid -> exchange line (with its server: "h1"/"h2") for our calls, and
    (server, conn id) -> conn line, waiting for the servers to log the
    closed connections."""
    deadline = time.time() + 10
    while True:
        ex, conns = {}, {}
        for srv, path in (("h1", env.server_log), ("h2", h2_log)):
            for ln in log_lines(path):
                if ln.get("event") == "exchange" and ln.get("request_id") in rids:
                    ex[ln["request_id"]] = dict(ln, server=srv)
                elif ln.get("event") == "conn":
                    conns[(srv, ln["conn"])] = ln
        missing = {(e["server"], e["conn"]) for e in ex.values()} - set(conns)
        if not missing or time.time() > deadline:
            return ex, conns, missing
        time.sleep(0.2)


def hold_then_kill(env, tag, sec, state, agent):
    """A new client connects while the agent is stopped (SIGSTOP), so its
    ClientHello is held in the kernel (nobody arms it); the agent is then
    killed with SIGKILL inside the hold. The client must not stall: its
    first call completes about one TCP retransmission later."""
    os.kill(agent.proc.pid, signal.SIGSTOP)
    held = Load(env, tag + "-held", sec, kinds=[("py", "h1")])
    try:
        pid = held.clients[0]["proc"].pid
        deadline = time.time() + 5
        while not [e for e in state.ai_socks()
                   if e["tgid"] == pid and e["flags"] & SOCKF_HELD]:
            check(time.time() < deadline, "the new client's connection was not held")
            time.sleep(0.02)
        agent.proc.kill()
        agent.proc.wait()
        held.wait_calls(1, 10)
        first = Load.calls(held.clients[0])[0]
        check(first["t_end"] - first["t"] < MAX_CALL_S and "err" not in first,
              "a connection held when the agent was killed: first call %s" % first)
    except BaseException:
        held.kill()
        raise
    return held


def start_agent(env, name, state):
    rel = "/" + os.path.relpath(env.cg_parent, cgroup2_root())
    cfg = {"capture": {"state_dir": state.dir},
           "owners": [{"name": "restart", "match": {"cgroup": rel + "/*"},
                       "set": {"owner": OWNER}}]}
    agent = Agent(env, name, config=cfg, digest=False,
                  extra=["--metrics-listen", "off", "--status-file",
                         os.path.join(env.dir, "status-%s.json" % name)])
    ready = os.path.join(env.dir, "agent-%s.ready" % name)
    return agent, os.stat(ready).st_mtime


def scenario(env, tag, restart):
    """Runs one scenario; returns the facts the checks need."""
    sec = Secrets(env)
    h2_log = h2_server(env)
    state = State(tag)
    first = agent = load = victim = None
    facts = {"tag": tag}
    try:
        if restart:
            first, _ = start_agent(env, tag + "-1", state)
        load = Load(env, tag, sec)
        if restart:
            # A client that dies while no agent runs: its pinned entry
            # is stale and must not outlive it.
            victim = Load(env, tag + "-victim", sec, kinds=[("py", "h1")])
            victim.wait_calls(5, 60)
        load.wait_calls(5, 60)
        time.sleep(1.5)
        if restart:
            before = state.map_ids()
            check(set(before) == {"socks", "ai_socks"}, "pinned: %s" % state.pins())
            facts["first_clients"] = [c["proc"].pid for c in load.clients]
            progs = agent_progs(before.values())
            # The observer's, the tracepoints', the TLS and ld.so probes'.
            check(len(progs) >= 10, "the agent's programs: %s" % progs)
            held = hold_then_kill(env, tag, sec, state, first)
            load.clients += held.clients  # checked like the others
            facts["t_kill"] = time.time()
            check_nothing_left(state, first.proc.pid, progs)
            vpid = victim.clients[0]["proc"].pid
            check(any(e["tgid"] == vpid for e in state.ai_socks()),
                  "the victim's connection is not pinned")
            victim.kill()
            time.sleep(0.5)  # calls go on without any agent
        agent, facts["t_ready"] = start_agent(env, tag + "-2", state)
        if restart:
            check_reused(state, before, agent.proc.pid)
            stale = [e for e in state.ai_socks() if e["tgid"] == vpid]
            check(not stale, "a dead process's pinned connection stayed: %s" % stale)
        time.sleep(GRACE_S + AFTER_READY_S)
        load.stop()
        agent.stop()
    finally:
        for ld in (load, victim):
            if ld:
                ld.kill()
        for a in (first, agent):
            if a and a.alive():
                a.proc.kill()
                a.proc.wait()
        state.remove()
    facts.update(load=load, agent=agent, h2_log=h2_log)
    if first:
        with open(first.events) as f:
            facts["first_records"] = [json.loads(ln) for ln in f if ln.endswith("\n")]
    return facts


def check_scenario(env, facts):
    """The assertions common to both scenarios; returns the figures."""
    tag, load, agent = facts["tag"], facts["load"], facts["agent"]
    t_ready = facts["t_ready"]
    calls = {c["name"]: Load.calls(c) for c in load.clients}
    bad = {n: [ln.get("err") or ln.get("status") for ln in cs
               if ln.get("err") or ln.get("status") != 200][:5]
           for n, cs in calls.items()}
    bad = {n: v for n, v in bad.items() if v}
    check(not bad, "%s: client errors: %s" % (tag, bad))
    check(all(c["rc"] == 0 for c in load.clients), "%s: client exit codes %s" % (
        tag, [(c["name"], c["rc"]) for c in load.clients]))
    slow = max(ln["t_end"] - ln["t"] for cs in calls.values() for ln in cs)
    check(slow < MAX_CALL_S, "%s: a call took %.1f s (stalled)" % (tag, slow))
    rids = {ln["rid"] for cs in calls.values() for ln in cs}
    ex, conns, missing = server_view(env, facts["h2_log"], rids)
    check(not missing, "%s: server never logged connections %s" % (tag, missing))
    check(len(ex) == len(rids), "%s: %d calls, %d server exchanges" % (tag, len(rids), len(ex)))

    by_pid = {c["proc"].pid: c for c in load.clients}
    events = [e for e in agent.alloc_events() if e["process"]["pid"] in by_pid]
    dark = [e for e in events if e["usage_status"] == "unobserved"]
    decoded = {}
    for e in events:
        if e in dark:
            continue
        rid = e["provider_request_id"]
        check(rid not in decoded, "%s: two events for request %s" % (tag, rid))
        check(rid in ex, "%s: an event for a request no client made: %s" % (tag, rid))
        decoded[rid] = e
        c = by_pid[e["process"]["pid"]]
        check(e["cgroup"]["id"] == c["cg"] and e["owner"] == OWNER,
              "%s: %s: cgroup %s owner %s" % (tag, c["name"], e["cgroup"]["id"], e["owner"]))
        compare(e, ex[rid], "%s %s %s" % (tag, c["name"], rid))

    figures = {"connections": 0, "across": 0, "silent": 0, "h2_connections": 0,
               "calls_after": 0, "lost": [],
               "calls": sum(len(cs) for cs in calls.values()), "decoded": len(decoded)}
    for c in load.clients:
        mine = calls[c["name"]]
        by_conn = {}
        for ln in mine:
            by_conn.setdefault((ex[ln["rid"]]["server"], ex[ln["rid"]]["conn"]), []).append(ln)
        cids = set(by_conn)
        figures["connections"] += len(cids)
        pdark = [e for e in dark if e["process"]["pid"] == c["proc"].pid]
        # Open across the start: calls on it before "ready" and after
        # GRACE_S; silent when the new agent has nothing of it.
        for cid, lns in by_conn.items():
            if min(ln["t"] for ln in lns) < t_ready <= max(ln["t"] for ln in lns) - GRACE_S:
                figures["across"] += 1
                figures["silent"] += not (pdark if c["kind"] == "h2" else
                                          [ln for ln in lns if ln["rid"] in decoded])
        if c["kind"] == "h2":
            # Open across the start: nothing decodable, one dark event.
            figures["h2_connections"] += len(cids)
            check(len(cids) == 1, "%s: %s used %d connections" % (tag, c["name"], len(cids)))
            conn = conns[cids.pop()]
            check(len(pdark) == 1, "%s: %s: %d dark events for its h2 connection "
                  "(events %d, capture %s)" % (tag, c["name"], len(pdark),
                                              sum(1 for e in events if e["process"]["pid"]
                                                  == c["proc"].pid), agent.stats))
            d = pdark[0]
            cn = d.get("connection") or {}
            check(d["problem"] == "joined_midway" and d["cost"]["amount"] is None and
                  all(d["usage"][k] is None for k in USAGE),
                  "%s: %s: dark event %s" % (tag, c["name"], d))
            # Named by the ClientHello the first agent saw, or (late start)
            # by the address of a new connection that named the host.
            check(cn.get("server_name") == "api.openai.com" and cn.get("peer_port") == 8443
                  and cn.get("name_source") == facts["name_source"],
                  "%s: %s: dark connection %s" % (tag, c["name"], cn))
            check(d["cgroup"]["id"] == c["cg"] and d["owner"] == OWNER,
                  "%s: %s: dark cgroup %s owner %s" % (tag, c["name"], d["cgroup"]["id"],
                                                       d["owner"]))
            # TCP counts TLS records: at least the plaintext, not far more.
            for k, srv_k in (("bytes_sent", "bytes_in"), ("bytes_received", "bytes_out")):
                check(conn[srv_k] <= (cn.get(k) or 0) <= 2 * conn[srv_k] + 65536,
                      "%s: %s: dark %s %s, the server counted %d plaintext bytes"
                      % (tag, c["name"], k, cn.get(k), conn[srv_k]))
            continue
        check(not pdark, "%s: %s: dark events for decoded connections: %s"
              % (tag, c["name"], [(d["problem"], d.get("connection")) for d in pdark]))
        for ln in mine:
            if ln["t"] < t_ready + GRACE_S:
                continue
            figures["calls_after"] += 1
            if ln["rid"] not in decoded:
                figures["lost"].append((c["name"], ln["n"], round(ln["t"] - t_ready, 2)))
    print("  %s: %d clients, %d connections, %d calls; %d connections open across the "
          "start (%d h2), %d of them with nothing in the new ledger; %d HTTP/1.1 calls "
          ">= %.0f s after ready, %d without an event%s" % (
              tag, len(load.clients), figures["connections"], figures["calls"],
              figures["across"], figures["h2_connections"], figures["silent"],
              figures["calls_after"], GRACE_S, len(figures["lost"]),
              (": %s" % figures["lost"][:8]) if figures["lost"] else ""), flush=True)
    check(not figures["lost"], "%s: %d of %d calls >= %.0f s after the agent was ready "
          "have no event: %s; capture %s" % (tag, len(figures["lost"]), figures["calls_after"],
                                             GRACE_S, figures["lost"][:10], agent.stats))
    check(figures["calls_after"] >= 50, "%s: only %d calls after ready" % (
        tag, figures["calls_after"]))
    # Seven keep-alive HTTP/1.1 connections and two HTTP/2 ones at least.
    check(figures["across"] >= 9 and not figures["silent"],
          "%s: %d connections open across the start, %d silent" % (
              tag, figures["across"], figures["silent"]))
    for path in (agent.events, agent.errfile):
        with open(path) as f:
            text = f.read()
        for s in env.secrets:
            check(s not in text, "secret %s... leaked into %s" % (s[:16], path))
    return figures


def test_restart_kill9(env):
    """SIGKILL the agent under keep-alive load, start a new one with the
    same pinned state: no call on an open connection is lost once the new
    agent is ready; HTTP/2 connections open across it are booked dark."""
    facts = scenario(env, "restart", restart=True)
    facts["name_source"] = "client_hello"
    # The first agent decoded calls on every client's connection, the h2
    # ones included: the restart is what makes them undecodable.
    first = [e for e in facts["first_records"]
             if e.get("event_type") == "ai_api_cost_allocation" and
             e["usage_status"] != "unobserved"]
    pids = {e["process"]["pid"] for e in first}
    check(pids >= set(facts["first_clients"]), "the first agent decoded nothing of %s"
          % [c["name"] for c in facts["load"].clients
             if c["proc"].pid in facts["first_clients"] and c["proc"].pid not in pids])
    check_scenario(env, facts)


def test_restart_late_start(env):
    """The load runs before any agent; an agent starts: the same checks."""
    facts = scenario(env, "late", restart=False)
    facts["name_source"] = "address"
    check_scenario(env, facts)
