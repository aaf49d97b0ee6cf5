"""OTLP outage with a spool on a disk that fills (docs/otlp.md, the
spool): the collector answers 503 while calls go on, the undeliverable
batches fill a 256 KiB tmpfs, then the collector comes back. Promise: no
half batch is left in the spool, every event of the ledger is delivered,
dropped (counted by reason) or still spooled, none twice; one log line
when spool writes begin to fail and one when they work again."""
import os
import subprocess
import time

from common import (LONG, PY, TOOLS, AgentRun, Calls, Failure, Tmpfs, agent_stats,
                    check, events, read_ledger, wait_events, wait_for,
                    wait_quiet)

ORDER = 70
PORT = 14328


class Receiver:
    def __init__(self, env):
        self.log = os.path.join(env.dir, "chaos-otlp.jsonl")
        self.flag = os.path.join(env.dir, "chaos-otlp.fail")
        ready = self.log + ".ready"
        self.proc = subprocess.Popen(
            [PY, os.path.join(TOOLS, "otlp_receiver.py"), "--port", str(PORT),
             "--log", self.log, "--ready-file", ready, "--fail-flag", self.flag,
             "--fail-mode", "503"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        check(wait_for(ready, 10, self.proc), "otlp receiver did not start")

    def outage(self, on):
        if on:
            open(self.flag, "w").close()
        elif os.path.exists(self.flag):
            os.unlink(self.flag)

    def ids(self):
        out = set()
        if os.path.exists(self.log):
            with open(self.log) as f:
                for ln in f:
                    rec = __import__("json").loads(ln)
                    if rec.get("signal") == "log":
                        out.add(rec["attributes"].get("tokentap.event_id"))
        return out

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def test_otlp_outage_and_full_spool(env):
    disk = Tmpfs(env, "chaos-spool", "256k")
    recv = Receiver(env)
    agent = None
    episodes = 3 if LONG else 2
    try:
        agent = AgentRun(env, "otlp", config={"otlp": {
            "endpoint": "http://127.0.0.1:%d" % PORT, "spool_dir": disk.path,
            "spool_max_bytes": 8 << 20, "timeout_ms": 2000,
            "retry_max_interval_ms": 500}}).ready()
        first = Calls(env, "otlp-up", 10).wait()
        wait_events(agent.events, {first.pid}, 10, 20, agent)
        for _ in range(episodes):  # each: the spool's disk fills, then drains
            recv.outage(True)
            down = Calls(env, "otlp-down", 150).wait()
            wait_events(agent.events, {down.pid}, 150, 30, agent)
            time.sleep(2)
            recv.outage(False)
            wait_quiet(lambda: len(recv.ids()), 3.0, 60)  # the spool drained
        agent.stop()
        left = os.listdir(disk.path)
    finally:
        if agent and agent.alive():
            agent.kill9()
        recv.stop()
        disk.close()
    check(not [n for n in left if n.endswith(".tmp")], "half batches left: %r" % left)
    records = read_ledger(agent.events)
    o = agent_stats(records)["otlp"]
    ids = {e["event_id"] for e in events(records)}
    got = recv.ids()
    check(got <= ids, "the receiver got ids the ledger does not have")
    check(o["dropped"]["spool_error"] >= 1,
          "the spool never failed to write: the case did not fill the disk (%r)" % o)
    check(len(ids) == len(got) + o["dropped_total"] + o["spool_records"],
          "%d events: %d delivered + %d dropped + %d spooled" % (
              len(ids), len(got), o["dropped_total"], o["spool_records"]))
    log = agent.stderr(None)
    failed = log.count("otlp spool: cannot write a batch")
    if failed != episodes or "otlp spool: writes resumed" not in log:
        raise Failure("want one message per episode (%d), and one when writes "
                      "resumed: %d failure messages: %s" % (episodes, failed, log[-800:]))
    print("  otlp: %d events, %d delivered, %d dropped (%d spool_error), %d still "
          "spooled" % (len(ids), len(got), o["dropped_total"],
                       o["dropped"]["spool_error"], o["spool_records"]))
