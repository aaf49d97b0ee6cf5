"""kill -9 under load, then a restart on the same ledger and the same
pinned state (docs/events.md: a crash loses at most the last flush
interval; a reader never sees half a line). Promise: the clients never
notice (every call answered), every line of the ledger is whole, no event
is written twice, and every call made once the new agent is ready is in the
ledger with its exact usage and one agent_stats at its exit."""
import os
import shutil
import time

from common import (LONG, AgentRun, Calls, check, check_exact, events,
                    read_ledger, wait_events)

ORDER = 50
STATE = "/sys/fs/bpf/tokentap-chaos"


def test_kill9_under_load_and_restart(env):
    ledger = os.path.join(env.dir, "chaos-kill.jsonl")
    rounds = 3 if LONG else 1
    busy, after = [], []
    try:
        for r in range(rounds):
            agent = AgentRun(env, "kill-%d" % r, events=ledger, state_dir=STATE).ready()
            load = Calls(env, "kill-load", 300)
            time.sleep(1.0)  # calls in flight, lines in the buffer
            agent.kill9()
            busy.append(load.wait())  # the client never noticed
            agent = AgentRun(env, "kill-again-%d" % r, events=ledger,
                             state_dir=STATE).ready()
            calls = Calls(env, "kill-after", 40).wait()
            wait_events(ledger, {calls.pid}, 40, 30, agent)
            after.append(calls)
            agent.stop()
    finally:
        shutil.rmtree(STATE, ignore_errors=True)
    records = read_ledger(ledger)
    ids = [e["event_id"] for e in events(records)]
    check(len(ids) == len(set(ids)), "%d events written twice"
          % (len(ids) - len(set(ids))))
    stats = [r for r in records if r.get("type") == "agent_stats"]
    check(len(stats) == rounds, "%d agent_stats records for %d clean exits"
          % (len(stats), rounds))
    for calls in after:
        got = events(records, {calls.pid})
        check(len(got) == calls.n, "%d of the %d calls after the restart"
              % (len(got), calls.n))
        check_exact(env, got, "after restart")
    during = sum(len(events(records, {c.pid})) for c in busy)
    print("  killed under load: %d of %d calls booked before and after the kill"
          % (during, sum(c.n for c in busy)))
