"""HTTP/2: curl --http2 and python3 httpx (http2=True) through the real
agent to the fake provider speaking h2 (a second instance on port 8443,
started with --h2); each exchange must be decoded exactly, with the
client's pid and cgroup, and no key or prompt may reach any output."""
import json
import os
import shutil
import subprocess

from harness import PY, Agent, check, run_client, CLIENTS
from test_decode import USAGE, Secrets, chat, compare, write_plan

ORDER = 50  # run.py runs the test files by ORDER, then by name

H2_PORT = 8443
URL = "https://api.openai.com:%d/v1/chat/completions" % H2_PORT


def h2_server(env):
    log = os.path.join(env.dir, "server-h2.jsonl")
    if not os.path.exists(log):
        env.start_server(port=H2_PORT, log=log, extra=["--h2"], name="server-h2")
    return log


def exchanges(log, since):
    with open(log) as f:
        lines = [json.loads(ln) for ln in f if ln.strip()]
    return [ln for ln in lines[since:] if ln.get("event") == "exchange"]


def test_http2_clients(env):
    """curl --http2 (JSON, stream) and httpx http2=True (JSON, stream, on
    one connection): events with the server's model, status, stream flag
    and exact tokens; the server confirms every exchange was HTTP/2."""
    log = h2_server(env)
    with open(log) as f:
        since = sum(1 for _ in f)
    sec = Secrets(env)
    ca = {"CURL_CA_BUNDLE": env.ca, "SSL_CERT_FILE": env.ca}

    def curl(body):
        return ["curl", "-sS", "--http2", "-o", "/dev/null", "--cacert", env.ca,
                "-H", "Authorization: Bearer " + sec.key(),
                "-H", "Content-Type: application/json",
                "--data-binary", json.dumps(body), URL]

    key = sec.key()
    runs = [
        ("curl-h2-json", curl(chat(sec.prompt("h2c")))),
        ("curl-h2-stream", curl(chat(sec.prompt("h2cs"), stream=True,
                                     stream_options={"include_usage": True}))),
        ("httpx-h2", [PY, os.path.join(CLIENTS, "py_httpx_plan.py"),
                      write_plan(env, "httpx", {"requests": [
                          {"url": URL, "json": chat(sec.prompt("hx")),
                           "headers": {"Authorization": "Bearer " + key}},
                          {"url": URL, "json": chat(sec.prompt("hxs"), stream=True,
                                                    stream_options={"include_usage": True}),
                           "headers": {"Authorization": "Bearer " + key}}]})]),
    ]
    agent = Agent(env, "h2")
    pids = {}
    try:
        for name, argv in runs:
            cg_dir, cg_ino = env.cgroup("h2-" + name)
            proc = env.spawn(argv, cg_dir, env=ca, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
            run_client(env, proc, name)
            pids[proc.pid] = (name, cg_ino)
    finally:
        agent.stop()
    exs = exchanges(log, since)
    check(len(exs) == 4 and all(ex.get("http_version") == "2" for ex in exs),
          "server: %s" % [(ex.get("http_version"), ex.get("status")) for ex in exs])
    events = [e for e in agent.alloc_events() if e["process"]["pid"] in pids]
    by_id = {e["provider_request_id"]: e for e in events}
    check(len(events) == 4, "%d events for 4 HTTP/2 exchanges (decode stats %s)"
          % (len(events), agent.records[-1].get("decode")))
    for ex in exs:
        ev = by_id.get(ex["request_id"])
        check(ev is not None, "no event for %s" % ex["request_id"])
        name, ino = pids[ev["process"]["pid"]]
        check(ev["cgroup"]["id"] == ino, "%s: cgroup" % name)
        compare(ev, ex, name)
        check(ev["usage_status"] == "reported" and ev["problem"] is None,
              "%s: usage %s problem %s" % (name, ev["usage_status"], ev["problem"]))
        for k in USAGE:
            if k in ex["usage_expected"]:
                check(ev["usage"][k] == ex["usage_expected"][k], "%s: %s" % (name, k))
        check(ev["server_address"].startswith("api.openai.com"), "%s: server %s"
              % (name, ev["server_address"]))
    check(agent.records[-1]["decode"]["h2_connections"] >= 3,
          "h2 connections: %r" % agent.records[-1]["decode"])
    for path in (agent.events, agent.errfile):
        with open(path) as f:
            text = f.read()
        for s in env.secrets:
            check(s not in text, "secret %s... leaked into %s" % (s[:16], path))


GO_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "go")


def go_argv(env, sec, body, extra=()):
    path = os.path.join(env.dir, "go-body-%d.json" % len(env.secrets))
    with open(path, "w") as f:
        json.dump(body, f)
    return list(extra) + ["-q", "-H", "Authorization: Bearer " + sec.key(), "-d", path, URL]


def test_go_clients(env):
    """A Go net/http client (crypto/tls, HTTP/2), built normally and with
    -ldflags=-s -w, streaming and not: exact model and tokens with the Go
    process's pid and cgroup. Then a Go client whose connection was open
    before the agent started: its later calls are counted as undecodable,
    never guessed, and its next connection decodes exactly."""
    log = h2_server(env)
    with open(log) as f:
        since = sum(1 for _ in f)
    sec = Secrets(env)
    ca = {"SSL_CERT_FILE": env.ca}
    bins = {"go": os.path.join(GO_DIR, "tlsclient"),
            "go-stripped": os.path.join(GO_DIR, "tlsclient-stripped")}
    for b in bins.values():
        check(os.access(b, os.X_OK), "%s missing (make builds it)" % b)
    # Started before the agent: one request, then it waits on one h2 conn.
    ready, go_on = os.path.join(env.dir, "go-early.ready"), os.path.join(env.dir, "go-early.go")
    cg_early, _ = env.cgroup("go-early")
    early = env.spawn([bins["go"]] + go_argv(env, sec, chat(sec.prompt("go-e")),
                                             ["-n", "3", "-ready", ready, "-wait", go_on]),
                      cg_early, env=ca, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    from harness import wait_for
    check(wait_for(ready, 30, early), "early Go client did not make its first call")
    agent = Agent(env, "go")
    pids = {}
    warm = {}
    try:
        with open(go_on, "w"):
            pass
        run_client(env, early, "go-early")
        # A binary first run after the agent started is attached on its
        # exec event; a static Go program can open its first connection
        # before that (docs/go.md). Its call is then either decoded
        # exactly or counted as joined mid-way, never guessed.
        b = bins["go-stripped"]
        cg_dir, _ = env.cgroup("go-warm")
        proc = env.spawn([b] + go_argv(env, sec, chat(sec.prompt("go-w"))), cg_dir,
                         env=ca, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        run_client(env, proc, "go-warm")
        warm[proc.pid] = True
        for name, b in bins.items():
            for stream in (False, True):
                body = chat(sec.prompt(name), stream=stream,
                            stream_options={"include_usage": True}) if stream \
                    else chat(sec.prompt(name))
                cg_dir, cg_ino = env.cgroup("%s-%d" % (name, stream))
                proc = env.spawn([b] + go_argv(env, sec, body), cg_dir, env=ca,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                run_client(env, proc, name)
                pids[proc.pid] = ("%s stream=%s" % (name, stream), cg_ino)
    finally:
        agent.stop()
    check(any(t for t in agent.records[-1:] if t.get("attach")), "no stats")
    exs = exchanges(log, since)
    check(len(exs) == 3 + 1 + 4, "server answered %d exchanges" % len(exs))
    warm_events = [e for e in agent.alloc_events() if e["process"]["pid"] in warm]
    midway = agent.stats["h2_connections_joined_midway"]
    by_rid = {ex["request_id"]: ex for ex in exs}
    if warm_events and warm_events[0]["problem"] is None:
        ex = by_rid.get(warm_events[0]["provider_request_id"])
        check(len(warm_events) == 1 and ex is not None, "warm-up: %r" % warm_events)
        compare(warm_events[0], ex, "go-warm")
    elif warm_events:
        # Joined during the call: classified, and no number made up.
        w = warm_events[0]
        check(w["usage_status"] != "reported" and
              all(v is None for v in w["usage"].values()) and w["cost"]["amount"] is None,
              "warm-up joined mid-call but reports usage: %r" % w)
    else:
        check(midway >= 2, "warm-up call neither decoded nor counted (midway %d)" % midway)
    events = [e for e in agent.alloc_events() if e["process"]["pid"] in pids]
    check(len(events) == 4, "%d events for the 4 new Go connections; capture %s decode %s"
          % (len(events), agent.stats, agent.records[-1].get("decode")))
    by_id = {e["provider_request_id"]: e for e in events}
    warm_ids = {e["provider_request_id"] for e in warm_events}
    for ex in exs[3:]:
        if ex["request_id"] in warm_ids or (not warm_events and ex is exs[3]):
            continue
        ev = by_id.get(ex["request_id"])
        check(ev is not None, "no event for %s" % ex["request_id"])
        name, ino = pids[ev["process"]["pid"]]
        check(ev["cgroup"]["id"] == ino and ev["process"]["comm"].startswith("tlsclient"),
              "%s: cgroup/comm %s %s" % (name, ev["cgroup"]["id"], ev["process"]["comm"]))
        compare(ev, ex, name)
        for k in USAGE:
            if k in ex["usage_expected"]:
                check(ev["usage"][k] == ex["usage_expected"][k], "%s: %s" % (name, k))
    # The early client's two later calls: not guessed, counted, and its
    # connection booked once as dark (joined mid-way): spend that happened
    # and could not be measured, never a number made up.
    early_events = [e for e in agent.alloc_events() if e["process"]["pid"] == early.pid]
    check(len(early_events) == 1, "events for a connection joined mid-way: %r" % early_events)
    dark = early_events[0]
    check(dark["usage_status"] == "unobserved" and dark["problem"] == "joined_midway" and
          all(v is None for v in dark["usage"].values()) and
          dark["cost"]["amount"] is None and dark["cgroup"]["id"] == env.cgroup("go-early")[1],
          "joined mid-way h2 connection not booked as dark: %r" % dark)
    check(agent.stats["h2_connections_joined_midway"] >= 1,
          "mid-way h2 connection not counted: %r" % agent.stats)
    for path in (agent.events, agent.errfile):
        with open(path) as f:
            text = f.read()
        for s in env.secrets:
            check(s not in text, "secret %s... leaked into %s" % (s[:16], path))


def test_go_new_binary_after_agent(env):
    """A Go client that did not exist when the agent started (the stripped
    client copied after it started: another inode, so no earlier analysis
    of it is cached), run in the default scoped mode: its first call is one
    exact event, with its pid and cgroup (the connection observer holds the
    first connection until the pclntab analysis has armed the process, or
    the probes were in before it)."""
    log = h2_server(env)
    with open(log) as f:
        since = sum(1 for _ in f)
    sec = Secrets(env)
    src = os.path.join(GO_DIR, "tlsclient-stripped")
    check(os.access(src, os.X_OK), "%s missing (make builds it)" % src)
    agent = Agent(env, "go-new")
    try:
        copy = os.path.join(env.dir, "bin", "go-new-%d" % os.getpid())
        os.makedirs(os.path.dirname(copy), exist_ok=True)
        if os.path.exists(copy):
            os.unlink(copy)
        shutil.copy2(src, copy)
        check(os.stat(copy).st_ino != os.stat(src).st_ino, "copy shares the inode")
        cg_dir, cg_ino = env.cgroup("go-new")
        proc = env.spawn([copy] + go_argv(env, sec, chat(sec.prompt("go-new"))), cg_dir,
                         env={"SSL_CERT_FILE": env.ca}, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
        run_client(env, proc, "go-new")
    finally:
        agent.stop()
    exs = exchanges(log, since)
    check(len(exs) == 1, "server answered %d exchanges" % len(exs))
    events = [e for e in agent.alloc_events() if e["process"]["pid"] == proc.pid]
    check(len(events) == 1 and events[0].get("problem") is None,
          "first call of a new Go binary: %r (observer %r, attach %r)" % (
              [(e.get("problem"), e.get("usage_status")) for e in events],
              agent.observer, agent.attach))
    ev = events[0]
    check(ev["provider_request_id"] == exs[0]["request_id"] and ev["cgroup"]["id"] == cg_ino,
          "go-new: request id %s cgroup %s" % (ev["provider_request_id"], ev["cgroup"]["id"]))
    compare(ev, exs[0], "go-new")
    for k in USAGE:
        if k in exs[0]["usage_expected"]:
            check(ev["usage"][k] == exs[0]["usage_expected"][k], "go-new: %s" % k)
