"""What the coding-agent and SDK WebSocket end-to-end tests share
(test_claude_code.py, test_codex.py, test_openai_ws.py): the pinned npm
installs (tests/e2e/agents, `make deps`), running a client in its own
cgroup and mount namespace, and checking every call the fake provider
answered against the agent's events.

A client runs with a clean environment, our hosts file (the real provider
names -> 127.0.0.1), a resolv.conf naming a nameserver nobody runs (so a
name we did not map fails at once instead of going out), and optionally a
CA bundle of the system's roots plus the test CA over
/etc/ssl/certs/ca-certificates.crt: then tools that read the system store
trust the fake with no CA variable, as on a real host (Claude Code then
gzips its request bodies; Codex's HTTPS path uses its static OpenSSL).
"""
import json
import os
import subprocess
import time

from harness import ROOT, Agent, Failure, cgroup2_root
from test_decode import Secrets, server_lines

AGENTS = os.path.join(ROOT, "tests", "e2e", "agents")
MODULES = os.path.join(AGENTS, "node_modules")
USAGE = ("input_tokens", "output_tokens", "cache_read_input_tokens",
         "cache_creation_input_tokens", "reasoning_tokens", "total_tokens")
SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def package_dir(alias):
    """tests/e2e/agents/node_modules/<alias>, or Failure: `make deps`
    installs it (a missing prerequisite fails, docs/testing.md)."""
    d = os.path.join(MODULES, alias)
    if not os.path.isfile(os.path.join(d, "package.json")):
        raise Failure("%s is not installed: run `make deps` (npm ci in %s)" % (alias, AGENTS))
    return d


def version_of(d):
    with open(os.path.join(d, "package.json")) as f:
        return json.load(f)["version"]


def native(alias, package, rel):
    """The platform binary an npm alias brought as its optional dependency
    (nested under the alias when another version holds the top level),
    checked to be that version: run directly, so the pid we start is the
    one that talks TLS (the npm launchers spawn it as a child)."""
    top = package_dir(alias)
    want = version_of(top)
    for base in (os.path.join(top, "node_modules"), MODULES):
        d = os.path.join(base, package)
        if os.path.isfile(os.path.join(d, "package.json")) and \
                version_of(d).split("-")[0] == want:
            path = os.path.join(d, rel)
            if os.access(path, os.X_OK):
                return path, want
    raise Failure("%s %s: no %s binary of that version; run `make deps`" % (alias, want, package))


def claude(alias):
    return native(alias, "@anthropic-ai/claude-code-linux-x64", "claude")


def codex(alias):
    return native(alias, "@openai/codex-linux-x64",
                  "vendor/x86_64-unknown-linux-musl/bin/codex")


class Run:
    """One client process: where it ran, what it printed, and the fake
    provider's log lines written while it ran."""

    def __init__(self, name, owner):
        self.name, self.owner = name, owner
        self.pid = self.cg_ino = self.cg_rel = None
        self.rc, self.stdout, self.stderr = None, "", ""
        self.exchanges, self.conns = [], []


def sandbox_files(env, ca_bundle):
    """(resolv.conf, CA bundle or None) to bind-mount for a client."""
    resolv = os.path.join(env.dir, "resolv.conf")
    if not os.path.exists(resolv):
        with open(resolv, "w") as f:
            f.write("nameserver 127.0.0.69\n")  # nothing listens: lookups fail at once
    bundle = None
    if ca_bundle:
        bundle = os.path.join(env.dir, "ca-bundle.crt")
        if not os.path.exists(bundle):
            with open(SYSTEM_BUNDLE, "rb") as src, open(env.ca, "rb") as ca, \
                    open(bundle, "wb") as out:
                out.write(src.read().rstrip(b"\n") + b"\n" + ca.read())
    return resolv, bundle


def run_client(env, run, argv, cenv, ca_bundle=False, timeout=180, stdin=subprocess.DEVNULL):
    """Runs argv to completion in its own cgroup (named after the run) and
    mount namespace, with only cenv (plus PATH and LANG) as environment;
    fills run. Returns run."""
    cg_dir, run.cg_ino = env.cgroup("ag-" + run.name)
    run.cg_rel = "/" + os.path.relpath(cg_dir, cgroup2_root())
    resolv, bundle = sandbox_files(env, ca_bundle)
    mounts = 'mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/resolv.conf'
    binds = [env.hosts, resolv]
    if bundle:
        mounts += ' && mount --bind "$3" %s' % SYSTEM_BUNDLE
        binds.append(bundle)
    inner = ["unshare", "-m", "sh", "-c", '%s && shift %d && exec "$@"' % (mounts, len(binds)),
             "sh"] + binds + list(argv)
    full_env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    full_env.update(cenv)
    since = len(server_lines(env))
    proc = subprocess.Popen(["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', cg_dir]
                            + inner, env=full_env, stdin=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    run.pid = proc.pid
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise Failure("%s timed out after %d s" % (run.name, timeout))
    run.rc = proc.returncode
    run.stdout, run.stderr = out.decode(errors="replace"), err.decode(errors="replace")
    run.exchanges, run.conns = settled_lines(env, since)
    return run


def settled_lines(env, since, wait=5.0):
    """(exchange lines, conn lines) logged since `since`, once every
    connection that answered something has logged its end and the log
    stopped growing (the server logs a connection when it closes)."""
    deadline, last = time.time() + wait, -1
    while True:
        lines = server_lines(env)[since:]
        ex = [ln for ln in lines if ln.get("event") == "exchange"]
        conns = [ln for ln in lines if ln.get("event") == "conn"]
        done = {ex_["conn"] for ex_ in ex} <= {c["conn"] for c in conns}
        if (done and len(lines) == last) or time.time() > deadline:
            return ex, conns
        last = len(lines)
        time.sleep(0.3)


def owner_config(env, name, runs):
    """An agent config whose owner rules give each run's cgroup its own
    owner (run.owner), so every event's owner is checked."""
    cfg = {"version": 1, "owners": [
        {"name": "rule-" + r.name, "match": {"cgroup": r.cg_rel or cg_rel_of(env, r)},
         "set": {"owner": r.owner, "cost_center": "CC-" + r.name}} for r in runs]}
    path = os.path.join(env.dir, "config-%s.json" % name)
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


def cg_rel_of(env, run):
    cg_dir, run.cg_ino = env.cgroup("ag-" + run.name)
    run.cg_rel = "/" + os.path.relpath(cg_dir, cgroup2_root())
    return run.cg_rel


# ---- the checks --------------------------------------------------------------------

def dark_bytes(ev):
    """(sent, received) bytes a dark event books in its "connection" object
    (docs/events.schema.json: TCP payload, TLS records and handshake
    included), or None. The fake's "tcp" counts are the same quantity
    measured at the server (fakeai_peer.TcpCounts: no SYN, no FIN)."""
    c = ev.get("connection")
    if isinstance(c, dict) and "bytes_sent" in c and "bytes_received" in c:
        return c["bytes_sent"], c["bytes_received"]
    return None


def compare_call(ev, ex, run, label):
    """Problems between an event and the exchange line it records."""
    want = {"request_model": ex["request_model"], "stream": ex["stream"],
            "status_code": ex["status"], "attempt": ex["attempt"],
            "provider": ex["provider"], "operation": ex["operation"],
            "outcome": "incomplete" if ex["aborted"] else ex["expect"].get("outcome"),
            "owner": run.owner}
    if ex.get("response_model") is not None:
        want["response_model"] = ex["response_model"]
    out = ["%s: %s = %r, want %r" % (label, k, ev.get(k), v)
           for k, v in want.items() if v is not None and ev.get(k) != v]
    if ev["cgroup"]["id"] != run.cg_ino or ev["cgroup"]["path"] != run.cg_rel:
        out.append("%s: cgroup %r, want id %s path %s" % (label, ev["cgroup"], run.cg_ino,
                                                         run.cg_rel))
    exp = ex.get("usage_expected")
    if exp is None:
        if any(ev["usage"].get(k) is not None for k in USAGE):
            out.append("%s: usage %r where the server sent none" % (label, ev["usage"]))
        return out
    if ev["usage_status"] != "reported":
        out.append("%s: usage_status %r" % (label, ev["usage_status"]))
    out += ["%s: usage.%s = %r, server sent %r" % (label, k, ev["usage"].get(k), exp[k])
            for k in USAGE if k in exp and ev["usage"].get(k) != exp[k]]
    return out


def match_event(events, ex, used):
    """The unused event recording exchange ex: its request id, and on a
    socket (one request id for all its calls) its response id too."""
    for i, ev in enumerate(events):
        if i in used or ev.get("provider_request_id") != ex["request_id"]:
            continue
        if ex.get("transport") == "websocket" and ev.get("response_id") != ex["response_id"]:
            continue
        used.add(i)
        return ev
    return None


def check_dark(ev, conn, run, label, want_problem=None):
    """Problems of the dark event booked for server connection conn (its
    problem must be want_problem when that is given)."""
    out = []
    if ev["cgroup"]["id"] != run.cg_ino or ev["cgroup"]["path"] != run.cg_rel:
        out.append("%s: dark event cgroup %r" % (label, ev["cgroup"]))
    if ev.get("owner") != run.owner:
        out.append("%s: dark event owner %r, want %r" % (label, ev.get("owner"), run.owner))
    if not ev.get("problem"):
        out.append("%s: dark event names no problem" % label)
    elif want_problem and ev["problem"] != want_problem:
        out.append("%s: dark event problem %r, want %r" % (label, ev["problem"], want_problem))
    if ev.get("provider") != "openai" and conn.get("sni") == "api.openai.com":
        out.append("%s: dark event provider %r" % (label, ev.get("provider")))
    if any(ev["usage"].get(k) is not None for k in USAGE):
        out.append("%s: dark event has usage %r" % (label, ev["usage"]))
    c = ev.get("connection") or {}
    want = {"server_name": conn.get("sni"), "name_source": "client_hello",
            "peer_address": "127.0.0.1", "peer_port": 443}
    out += ["%s: dark event connection.%s = %r, want %r" % (label, k, c.get(k), v)
            for k, v in want.items() if c.get(k) != v]
    got = dark_bytes(ev)
    tcp = conn.get("tcp") or {}
    want_bytes = (tcp.get("bytes_received"), tcp.get("bytes_acked"))
    if got is None:
        out.append("%s: dark event carries no byte counts (want sent %s, received %s: the "
                   "TCP payload each way as the server's kernel counted it)"
                   % (label, want_bytes[0], want_bytes[1]))
    elif tuple(got) != want_bytes:
        out.append("%s: dark event bytes sent/received %r, the TCP payload the server's "
                   "kernel counted %r" % (label, tuple(got), want_bytes))
    return out


def check_calls(agent, run, may_be_dark=lambda conn: False):
    """Every exchange the fake answered for this run is exactly one event
    (model, tokens, status, pid, cgroup, owner); a connection may_be_dark
    allows (a TLS stack that cannot be decrypted, e.g. rustls; when it
    returns a string, that is the problem the dark event must name) is instead,
    as a whole, exactly one dark event (usage "unobserved", a problem, the
    run's pid, cgroup and owner, the server's TCP byte counts). No other
    event: none for a 101 handshake, none invented. Returns the problems."""
    mine = [e for e in agent.alloc_events() if e["process"]["pid"] == run.pid]
    decoded = [e for e in mine if e.get("usage_status") != "unobserved"]
    dark = [e for e in mine if e.get("usage_status") == "unobserved"]
    problems, used, undecoded = [], set(), []
    for conn in sorted(run.conns, key=lambda c: c["conn"]):
        exs = [ex for ex in run.exchanges if ex["conn"] == conn["conn"]]
        found = [(ex, match_event(decoded, ex, used)) for ex in exs]
        what = "%s conn %d (%s)" % (run.name, conn["conn"], ", ".join(
            "%s %s %s" % (r["method"], r["path"], r["status"]) for r in conn["requests"]))
        if not any(ev for _, ev in found):
            undecoded.append((conn, what, exs, may_be_dark(conn)))
            continue
        for ex, ev in found:
            label = "%s: %s %s %s" % (what, ex["operation"], ex["status"],
                                      ex.get("response_id") or ex["request_id"])
            problems += ["%s: no event" % label] if ev is None else \
                compare_call(ev, ex, run, label)
    for i, ev in enumerate(decoded):
        if i not in used:
            kind = "a false incomplete event for a 101 handshake" if \
                ev.get("status_code") == 101 and ev.get("outcome") == "incomplete" else \
                "an event no exchange of the server matches"
            problems.append("%s: %s: %s" % (run.name, kind, brief(ev)))
    return problems + check_undecoded(dark, undecoded, run)


def check_undecoded(dark, undecoded, run):
    """Connections none of whose calls has an event. One may_be_dark allows
    must be exactly one dark event (the one nearest in byte counts), unless it answered nothing (it may have
    been decoded: no event then). Any other is a failure, dark or not."""
    problems, left = [], list(dark)
    for conn, what, exs, allowed in undecoded:
        ev = nearest_dark(left, conn)
        if ev is not None:
            left.remove(ev)
        calls = ", ".join("%s %s" % (ex["operation"], ex["status"]) for ex in exs)
        if not allowed:
            if ev is not None:
                problems.append("%s: booked as one dark event (problem %r) where its calls "
                                "must be decoded: %s" % (what, ev.get("problem"), calls))
            elif exs:
                problems.append("%s: no event for its calls: %s" % (what, calls))
        elif ev is not None:
            problems += check_dark(ev, conn, run, what,
                                   allowed if isinstance(allowed, str) else None)
        elif exs:
            problems.append("%s: neither decoded nor booked as a dark event" % what)
    problems += ["%s: a dark event no undecoded connection explains: %s" % (run.name, brief(e))
                 for e in left]
    return problems


def nearest_dark(dark, conn):
    """The dark event whose byte counts are nearest the connection's TCP
    payload (equal, when right); without counts, the first."""
    tcp = conn.get("tcp") or {}
    want = (tcp.get("bytes_received") or 0, tcp.get("bytes_acked") or 0)

    def distance(ev):
        got = dark_bytes(ev)
        return abs(got[0] - want[0]) + abs(got[1] - want[1]) if got else float("inf")
    return min(dark, key=distance) if dark else None


def brief(ev):
    keys = ("provider", "operation", "status_code", "outcome", "usage_status", "problem",
            "request_model", "provider_request_id", "response_id", "endpoint")
    return json.dumps({k: ev.get(k) for k in keys})


def no_secrets(env, agent):
    """Problems: a prompt marker or key in any output (the agent's events
    and log, the fake provider's log)."""
    out = []
    for path in (agent.events, agent.errfile, env.server_log):
        with open(path, errors="replace") as f:
            text = f.read()
        out += ["secret %s... leaked into %s" % (s[:16], os.path.basename(path))
                for s in env.secrets if s in text]
    return out


def report(problems, limit=40):
    """Fails with every problem (each on its own line), or passes."""
    if problems:
        more = len(problems) - limit
        raise Failure("%d problem(s):\n  " % len(problems) + "\n  ".join(problems[:limit]) +
                      ("\n  ... %d more" % more if more > 0 else ""))


# ---- the openai SDK's WebSocket clients (clients/node_openai_ws.js) ----------------

NODE_WS = os.path.join(ROOT, "tests", "e2e", "clients", "node_openai_ws.js")


def run_sdk_plan(env, run, plan):
    """Runs clients/node_openai_ws.js with plan (NODE_EXTRA_CA_CERTS: node's
    own OpenSSL, libssl.so.3)."""
    package_dir("openai")
    path = os.path.join(env.dir, "plan-%s.json" % run.name)
    with open(path, "w") as f:
        json.dump(plan, f)
    return run_client(env, run, ["node", NODE_WS, path], {
        "HOME": env.dir, "NODE_EXTRA_CA_CERTS": env.ca})


def sdk_test(env, name, owner, sessions, client_checks):
    """The openai-node WebSocket tests: one node process runs the sessions
    (clients/node_openai_ws.js) under its own owner, then the client side
    (sdk_client_problems and client_checks(run)) and every call are
    checked; no dark event is acceptable (node's libssl)."""
    sec = Secrets(env)
    plan_sessions = sessions(sec)
    plan = {"client": {"apiKey": sec.key("sk-proj-"), "maxRetries": 0},
            "sessions": plan_sessions}
    run = Run(name, owner)
    agent = Agent(env, name, ["--config", owner_config(env, name, [run])])
    try:
        run_sdk_plan(env, run, plan)
    finally:
        agent.stop()
    problems = sdk_client_problems(run, plan_sessions) + client_checks(run)
    if problems:
        problems.insert(0, "(the client side failed too: the fake or the SDK, not the agent)")
    problems += check_calls(agent, run)
    problems += no_secrets(env, agent)
    report(problems)


def sdk_client_problems(run, sessions):
    """Exit 0; per session the responses the SDK saw, with exactly the
    usage and ids the fake logged for them, and no exchange the SDK did not
    see. sessions: the plan's sessions (their response.create count)."""
    if run.rc != 0:
        return ["%s: exit %d: %s" % (run.name, run.rc, run.stderr[-400:])]
    out, seen = [], []
    try:
        printed = [json.loads(ln) for ln in run.stdout.splitlines() if ln.strip()]
    except ValueError as e:
        return ["%s: unreadable client output: %r" % (run.name, e)]
    if len(printed) != len(sessions):
        out.append("%s: %d sessions printed, %d planned" % (run.name, len(printed), len(sessions)))
    for s, p in zip(sessions, printed):
        creates = sum(m["type"] == "response.create" for m in s["messages"])
        if len(p["responses"]) != creates:
            out.append("%s %s: %d responses for %d response.create" % (
                run.name, s["api"], len(p["responses"]), creates))
        for r in p["responses"]:
            ex = [e for e in run.exchanges if e["response_id"] == r["id"]]
            carrier = "response.completed" if s["api"] == "responses" else "response.done"
            if len(ex) != 1 or (ex[0]["usage_sent"] or {}).get(carrier) != r["usage"]:
                out.append("%s %s: response %s usage %r, the fake logged %r" % (
                    run.name, s["api"], r["id"], r["usage"], [e["usage_sent"] for e in ex]))
            seen.append(r["id"])
    unseen = [e["response_id"] for e in run.exchanges if e["response_id"] not in seen]
    if unseen:
        out.append("%s: the fake answered responses the SDK never saw: %r" % (run.name, unseen))
    return out
