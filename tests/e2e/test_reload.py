"""SIGHUP: a broken config is refused and the agent keeps running on the
old one; a good one applies its new owner rules to the next call."""
import json
import os
import signal
import subprocess
import time

from harness import Agent, check, cgroup2_root, run_client
from test_decode import OAI_CHAT, Secrets, chat

ORDER = 60  # run.py runs the test files by ORDER, then by name


def wait_log(agent, text, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with open(agent.errfile) as f:
            if text in f.read():
                return True
        time.sleep(0.05)
    return False


def wait_event(agent, pid, timeout=10):
    """Until the call's event is in the ledger: rules apply when an event
    is written, so a reload must wait for the calls before it."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        with open(agent.events) as f:
            for ln in f:
                if '"pid":%d,' % pid in ln:
                    return True
        time.sleep(0.05)
    return False


def test_reload(env):
    sec = Secrets(env)
    cg_dir, _ = env.cgroup("reload")
    rel = "/" + os.path.relpath(cg_dir, cgroup2_root())
    path = os.path.join(env.dir, "reload-config.json")

    def write(owner, broken=False):
        with open(path, "w") as f:
            if broken:
                f.write('{"version": 1, "owners": [{"name": "x", "match": {"cgroupp": "/"}}]}')
            else:
                json.dump({"version": 1, "owners": [
                    {"name": owner, "match": {"cgroup": rel},
                     "set": {"owner": owner, "environment": "staging"}}]}, f)

    def call(tag):
        argv = ["curl", "-sS", "--http1.1", "-o", "/dev/null", "--cacert", env.ca,
                "-H", "Authorization: Bearer " + sec.key(),
                "-H", "Content-Type: application/json",
                "--data-binary", json.dumps(chat(sec.prompt(tag))), OAI_CHAT]
        proc = env.spawn(argv, cg_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        run_client(env, proc, tag)
        check(wait_event(agent, proc.pid), "no event for %s" % tag)
        return proc.pid

    write("before")
    agent = Agent(env, "reload", ["--config", path])
    pids = {}
    try:
        pids[call("r1")] = "before"
        write("ignored", broken=True)
        agent.proc.send_signal(signal.SIGHUP)
        check(wait_log(agent, "keeping the running configuration"),
              "broken config not reported: %s" % agent.stderr())
        check(agent.alive(), "agent died on a broken config")
        pids[call("r2")] = "before"
        write("after")
        agent.proc.send_signal(signal.SIGHUP)
        check(wait_log(agent, "reload: %s" % path), "good config not reloaded: %s"
              % agent.stderr())
        pids[call("r3")] = "after"
    finally:
        agent.stop()
    events = {e["process"]["pid"]: e for e in agent.alloc_events()
              if e["process"]["pid"] in pids}
    check(len(events) == 3, "%d events for 3 calls" % len(events))
    for pid, owner in pids.items():
        check(events[pid]["owner"] == owner, "call of pid %d: owner %r, want %r"
              % (pid, events[pid]["owner"], owner))
    check(agent.stats["config_reloads"] == 1 and agent.stats["config_reloads_failed"] == 1,
          "reload counters %r" % {k: agent.stats[k] for k in
                                  ("config_reloads", "config_reloads_failed")})
