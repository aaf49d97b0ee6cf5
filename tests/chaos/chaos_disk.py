"""Disk full and recovery: the ledger on a 1 MiB tmpfs that fills up while
calls go on, then frees. Promise (docs/events.md, "Disk full"): every line
of every ledger file is one whole JSON object at every moment; the events
that could not be written are counted exactly (agent_stats.ledger); writes
resume when space returns; agent_stats reaches the file at exit."""
import errno
import os
import time

from common import (LONG, AgentRun, Calls, Failure, Tmpfs, agent_stats, check,
                    check_exact, events, read_ledger, wait_events)

ORDER = 10


def fill(path):
    """Fills the file system with one file; returns its size."""
    size = 0
    with open(path, "wb", buffering=0) as f:
        for chunk in (1 << 16, 1 << 12, 1 << 9, 1):
            while True:
                try:
                    size += f.write(b"\0" * chunk)
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
    return size


def whole_now(ledger):
    """The ledger has only whole lines. A read that races a write in
    progress (a multi-page write shows its pages one by one) may see the
    flush's end missing for that moment: such a file is read again, and a
    half line still there is a failure."""
    try:
        read_ledger(ledger)
    except Failure:
        time.sleep(0.1)
        read_ledger(ledger)


def test_disk_full(env):
    disk = Tmpfs(env, "chaos-disk", "1m")
    agent = None
    try:
        ledger = os.path.join(disk.path, "events.jsonl")
        agent = AgentRun(env, "disk", events=ledger).ready()
        before = Calls(env, "disk-before", 10).wait()
        wait_events(ledger, {before.pid}, 10, 20, agent)
        filler = os.path.join(disk.path, "filler")
        size = fill(filler)
        # A page and a bit back: the next flush is cut short mid-line.
        os.truncate(filler, size - 5000)
        full = Calls(env, "disk-full", 1000 if LONG else 200)
        while full.proc.poll() is None:  # no half line stays, ever
            whole_now(ledger)
        full.wait()
        os.unlink(filler)  # space returns
        after = Calls(env, "disk-after", 10).wait()
        wait_events(ledger, {after.pid}, 10, 20, agent)
        agent.stop()
    finally:
        if agent and agent.alive():
            agent.kill9()
        records = None
        try:
            records = read_ledger(os.path.join(disk.path, "events.jsonl"))
        finally:
            disk.close()
    st = agent_stats(records)["ledger"]
    calls = before.n + full.n + after.n
    got = events(records, {before.pid, full.pid, after.pid})
    check(st["write_episodes"] >= 1 and st["events_dropped"] >= 1,
          "writes never failed or nothing was dropped: the case did not test "
          "anything (%r)" % st)
    print("  disk full: %d calls, %d events in the ledger, %d counted as dropped, "
          "%d episode(s), %d rollbacks" % (calls, len(got), st["events_dropped"],
                                           st["write_episodes"], st["rollbacks"]))
    check(len(got) + st["events_dropped"] == calls,
          "%d events in the ledger + %d counted as dropped != %d calls"
          % (len(got), st["events_dropped"], calls))
    check(len(events(records, {after.pid})) == after.n,
          "calls after the space returned are missing")
    check_exact(env, got, "disk")
    log = agent.stderr(None)
    check(log.count("events: cannot write") == st["write_episodes"],
          "one message per episode: %d messages, %d episodes"
          % (log.count("events: cannot write"), st["write_episodes"]))
    check("events: writes resumed" in log, "no message when writes resumed")
    if "No space left on device" not in log:
        raise Failure("the log does not name the reason: %s" % log[-600:])
