"""GnuTLS: wget (linked against libgnutls.so.30 on Debian 12) through the
real agent to the fake provider; each exchange must be decoded exactly, as
for OpenSSL clients, and the server name filter must hold for GnuTLS too."""
import json
import os
import subprocess

from harness import Agent, check, run_client
from test_decode import (OAI_CHAT, USAGE, Secrets, chat, compare,
                         server_exchanges, server_lines)

ORDER = 40  # run.py runs the test files by ORDER, then by name


def wget_argv(env, sec, body, url=OAI_CHAT):
    path = os.path.join(env.dir, "wget-body-%d.json" % len(env.secrets))
    with open(path, "w") as f:
        json.dump(body, f)
    return ["wget", "-q", "-O", "/dev/null", "--ca-certificate", env.ca,
            "--header", "Authorization: Bearer " + sec.key(),
            "--header", "Content-Type: application/json",
            "--post-file", path, url]


def test_gnutls_wget(env):
    """wget non-streaming and streaming (with usage): events with the
    server's model, status and exact tokens, wget's pid and cgroup; a call
    to a name outside the host list is filtered in the kernel."""
    sec = Secrets(env)
    since = len(server_lines(env))
    # The process that calls www.example.com would never be armed in the
    # default scoped mode: a capture.arm selector arms it, so that its
    # GnuTLS server-name call meets the kernel's name filter.
    agent = Agent(env, "gnutls", config={"capture": {"arm": [
        {"name": "gnutls-other", "match": {"cgroup": "*/gnutls-other"}}]}})
    pids = {}
    try:
        for name, body in (
                ("wget-json", chat(sec.prompt("wget"))),
                ("wget-stream", chat(sec.prompt("wget-s"), stream=True,
                                     stream_options={"include_usage": True}))):
            cg_dir, cg_ino = env.cgroup("gnutls-" + name)
            proc = env.spawn(wget_argv(env, sec, body), cg_dir, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
            run_client(env, proc, name)
            pids[proc.pid] = (name, cg_ino)
        cg_dir, _ = env.cgroup("gnutls-other")
        other = env.spawn(wget_argv(env, sec, chat(sec.prompt("wget-o")),
                                    "https://www.example.com/v1/chat/completions"),
                          cg_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        run_client(env, other, "wget-other")
    finally:
        agent.stop()
    events = [e for e in agent.alloc_events() if e["process"]["pid"] in pids]
    exchanges = [ex for ex in server_exchanges(env, since) if ex["provider"] == "openai"
                 and ex["request_model"] == "gpt-4o-mini"]
    check(len(exchanges) == 3, "server answered %d exchanges" % len(exchanges))
    by_id = {e["provider_request_id"]: e for e in events}
    check(len(events) == 2, "%d events for the two wget calls" % len(events))
    for ex in exchanges:
        ev = by_id.get(ex["request_id"])
        if ev is None:
            continue  # the filtered call
        name, ino = pids[ev["process"]["pid"]]
        check(ev["process"]["comm"] == "wget" and ev["cgroup"]["id"] == ino,
              "%s: comm %s cgroup %s" % (name, ev["process"]["comm"], ev["cgroup"]["id"]))
        compare(ev, ex, name)
        check(ev["usage_status"] == "reported", "%s: usage %s" % (name, ev["usage_status"]))
        for k in USAGE:
            if k in ex["usage_expected"]:
                check(ev["usage"][k] == ex["usage_expected"][k], "%s: %s" % (name, k))
    check(sorted(e["stream"] for e in events) == [False, True], "stream flags")
    for pid, (name, _) in pids.items():
        libs = {r["library"] for r in agent.conns(pid)}
        check(libs == {"gnutls"}, "%s: connection records name %s" % (name, libs))
    # A process armed by a selector at exec races its probes' attachment
    # (~10 ms): when wget names the server before the probes are in, the
    # connection is decided in user space instead. Either way it is filtered
    # by its name and yields no event (checked above by pid).
    check(agent.stats["sni_filtered_connections"] + agent.stats["connections_filtered"] >= 1,
          "www.example.com not filtered by server name: %r" % agent.stats)
    check(not [e for e in agent.alloc_events() if e["process"]["pid"] == other.pid],
          "the www.example.com call produced an event")
    check(not any(r.get("type") == "connection" and r["server_name"] == "www.example.com"
                  for r in agent.records), "the filtered connection was captured")
    with open(agent.events) as f:
        text = f.read()
    for s in env.secrets:
        check(s not in text, "secret %s... leaked" % s[:16])
