"""kill -9 under load, then a restart on the same ledger and the same
pinned state while the load goes on (docs/events.md: a crash loses at
most the last flush interval; the next agent books what is open).
Promise: the client never notices (every call answered); every line of
the ledger is whole and no event is written twice; every call the client
makes on its open keep-alive connection once the new agent is ready is
booked with its exact usage; one agent_stats per clean exit."""
import os
import shutil
import time

from common import (LONG, AgentRun, Calls, check, check_exact, events,
                    read_ledger, server_exchanges, wait_events)

ORDER = 50
STATE = "/sys/fs/bpf/tokentap-chaos"
MARGIN_S = 0.5  # the new agent arms the client and resyncs at a request


def test_kill9_under_load_and_restart(env):
    ledger = os.path.join(env.dir, "chaos-kill.jsonl")
    rounds = 3 if LONG else 1
    late, after = [], []
    try:
        for r in range(rounds):
            agent = AgentRun(env, "kill-%d" % r, events=ledger, state_dir=STATE).ready()
            seen = set(server_exchanges(env))
            load = Calls(env, "kill-load", 400)
            time.sleep(0.5)  # calls in flight, lines in the buffer
            agent.kill9()
            agent = AgentRun(env, "kill-again-%d" % r, events=ledger,
                             state_dir=STATE).ready()
            t_ready = time.time()
            load.wait()  # the client never noticed
            t_end = time.time()
            late += [rid for rid, ln in server_exchanges(env).items()
                     if rid not in seen and t_ready + MARGIN_S < ln["ts_ns"] / 1e9 < t_end]
            calls = Calls(env, "kill-after", 40).wait()
            wait_events(ledger, {calls.pid}, 40, 30, agent)
            after.append(calls)
            agent.stop()
    finally:
        shutil.rmtree(STATE, ignore_errors=True)
    records = read_ledger(ledger)
    evs = events(records)
    ids = [e["event_id"] for e in evs]
    check(len(ids) == len(set(ids)), "%d events written twice"
          % (len(ids) - len(set(ids))))
    stats = [r for r in records if r.get("type") == "agent_stats"]
    check(len(stats) == rounds, "%d agent_stats records for %d clean exits"
          % (len(stats), rounds))
    by_rid = {e["provider_request_id"]: e for e in evs}
    check(late, "the load ended before the new agent was ready: nothing tested")
    missing = [rid for rid in late if rid not in by_rid]
    check(not missing, "%d of the %d calls made after the restart on the open "
          "connection were not booked" % (len(missing), len(late)))
    check_exact(env, [by_rid[rid] for rid in late], "load after restart")
    for calls in after:
        got = events(records, {calls.pid})
        check(len(got) == calls.n, "%d of the %d calls after the restart"
              % (len(got), calls.n))
        check_exact(env, got, "after restart")
    print("  killed under load: %d calls on the open connection after the "
          "restart, all booked" % len(late))
