"""Containers: a client in its own network namespace (as in a pod) talks
to a fake provider inside that namespace. The observer sees it from the
cgroup root, the hold keeps its ClientHello until the process is armed,
and the kick must release it from inside that namespace (TCP's iterator
walks only the namespace it is opened in): otherwise the first call of
every containerised process waits for TCP's next try, >= 200 ms."""
import json
import os
import subprocess
import time

from harness import PY, TOOLS, Agent, Skip, check, run_client, wait_for
from test_decode import OAI_CHAT, USAGE, Secrets, chat, compare

ORDER = 45

CALLS = 3


def ip(*args, check_rc=True):
    res = subprocess.run(["ip"] + list(args), capture_output=True, text=True)
    if check_rc and res.returncode:
        raise Skip("ip %s: %s" % (" ".join(args), res.stderr.strip()))
    return res


def test_kick_in_other_netns(env):
    """Three fresh curl processes in a namespace, one call each: every call
    an exact event, every hold released by a kick inside the namespace
    (none waited for the deadline)."""
    ns = "tt-e2e-%d" % os.getpid()
    ip("netns", "add", ns)
    srv = None
    try:
        ip("-n", ns, "link", "set", "lo", "up")
        log = os.path.join(env.dir, "server-netns.jsonl")
        ready = os.path.join(env.dir, "server-netns.ready")
        srv = subprocess.Popen(
            ["ip", "netns", "exec", ns, PY, os.path.join(TOOLS, "fakeai.py"),
             "--host", "127.0.0.1", "--port", "443",
             "--cert", os.path.join(env.certs, "server.pem"),
             "--key", os.path.join(env.certs, "server.key"),
             "--log", log, "--ready-file", ready],
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(env.dir, "server-netns.err"), "w"))
        check(wait_for(ready, 20, srv), "fake server in the namespace did not start")
        run_calls(env, ns, log)
    finally:
        if srv:
            srv.terminate()
            try:
                srv.wait(10)
            except subprocess.TimeoutExpired:
                srv.kill()
        ip("netns", "del", ns, check_rc=False)


def run_calls(env, ns, log):
    sec = Secrets(env)
    agent = Agent(env, "netns")
    pids = {}
    try:
        for i in range(CALLS):
            cg_dir, cg_ino = env.cgroup("netns-%d" % i)
            argv = ["ip", "netns", "exec", ns, "curl", "-sS", "--http1.1", "-o", "/dev/null",
                    "--cacert", env.ca, "-H", "Authorization: Bearer " + sec.key(),
                    "-H", "Content-Type: application/json",
                    "--data-binary", json.dumps(chat(sec.prompt("netns-%d" % i))), OAI_CHAT]
            t0 = time.monotonic()
            proc = env.spawn(argv, cg_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            run_client(env, proc, "curl-netns-%d" % i)
            pids[proc.pid] = (cg_ino, time.monotonic() - t0)
    finally:
        agent.stop()
    with open(log) as f:
        exchanges = [json.loads(l) for l in f if l.strip()]
    exchanges = [e for e in exchanges if e.get("event") == "exchange"]
    check(len(exchanges) == CALLS, "the server answered %d calls" % len(exchanges))
    events = [e for e in agent.alloc_events() if e["process"]["pid"] in pids]
    by_id = {e["provider_request_id"]: e for e in events}
    check(len(events) == CALLS, "%d events for %d calls: %r"
          % (len(events), CALLS, [e.get("problem") for e in events]))
    for ex in exchanges:
        ev = by_id.get(ex["request_id"])
        check(ev is not None, "no event for %s" % ex["request_id"])
        cg_ino, _ = pids[ev["process"]["pid"]]
        check(ev["cgroup"]["id"] == cg_ino, "cgroup %r" % ev["cgroup"]["id"])
        check(ev["usage_status"] == "reported", "usage %s" % ev["usage_status"])
        compare(ev, ex, "curl-netns")
        for k in USAGE:
            if k in ex["usage_expected"]:
                check(ev["usage"][k] == ex["usage_expected"][k], "usage %s" % k)
    obs, att = agent.observer, agent.attach
    check(obs.get("held", 0) >= CALLS, "holds: %r" % obs)
    check(obs.get("kicked", 0) >= CALLS and att.get("kick_runs_netns", 0) >= CALLS,
          "held connections not released inside the namespace: observer %r, attach %r"
          % (obs, att))
    check(obs.get("hold_failopen", 0) == 0, "a hold ran to its deadline: %r" % obs)
    print("    netns: %d calls, client wall times %s s"
          % (CALLS, ", ".join("%.2f" % t for _, t in pids.values())))
