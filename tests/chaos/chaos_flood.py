"""A ledger flood next to a real workload (docs/security.md, "Floods"):
100,000 requests pipelined to a listener of the flooding process's own
under an AI name, never answered, while another process makes 100 real
calls (50 before the flood, 50 during it). Promise: the 100 are all in the
ledger with their exact usage, the flood is counted exactly (events written
+ limited + summarised), the ledger grows by less than 1 MB, and with a
1 MiB retention window the calls made before the flood are not rotated
away; 2,000 requests no decoder knows follow (404 from the fake provider:
operation "other", no usage); the long form floods 1,000,000 and 20,000
of those."""
import os
import subprocess
import time

from common import (HERE, LONG, PY, AgentRun, Calls, agent_stats, check,
                    check_exact, events, ledger_bytes, ledger_files, read_ledger,
                    run_client, wait_events, wait_for, wait_quiet)

ORDER = 40
FLOOD = 1000000 if LONG else 100000
UNKNOWN = 20000 if LONG else 2000
# As fast as the agent decodes them with room to spare: faster, the ring
# buffer drops capture events (counted as ringbuf_lost_events), which is
# the capture's limit, not the ledger's this case is about.
RATE = 25000


def silent_server(env):
    ready = os.path.join(env.dir, "chaos-silent.ready")
    proc = subprocess.Popen([PY, os.path.join(HERE, "silent_server.py"),
                             os.path.join(env.certs, "server.pem"),
                             os.path.join(env.certs, "server.key"), ready],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    check(wait_for(ready, 10, proc), "the silent server did not start")
    with open(ready) as f:
        return proc, int(f.read())


def flood(env, cg, port, n, path="/v1/chat/completions", rate=RATE, batch=512):
    cg_dir, _ = env.cgroup(cg)
    argv = [PY, os.path.join(HERE, "flood_client.py"), "api.openai.com", str(port),
            str(n), path, str(rate), str(batch)]
    return env.spawn(argv, cg_dir, env={"SSL_CERT_FILE": env.ca},
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def cpu_s(pid):
    """User + system CPU seconds of a process (/proc/PID/stat)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_flood_next_to_real_workload(env):
    server, port = silent_server(env)
    agent = AgentRun(env, "flood", extra=["--events-max-bytes", "524288",
                                          "--events-keep", "1"]).ready()
    cpu0 = cpu_s(agent.proc.pid)
    try:
        early = Calls(env, "flood-real", 50).wait()
        wait_events(agent.events, {early.pid}, 50, 30, agent)
        size0, t0 = ledger_bytes(agent.events), time.monotonic()
        check(ledger_files(agent.events) == [agent.events],
              "rotated before the flood: the growth cannot be measured")
        attacker = flood(env, "flood-attacker", port, FLOOD)
        during = Calls(env, "flood-real", 50)
        run_client(env, attacker, "flood client", 300)
        # Requests no decoder knows, answered 404 by the fake provider, from
        # a cgroup of their own; 32 a write at 1,000 a second so that the
        # fake provider keeps up (over 128 awaiting an answer the agent gives
        # the oldest up as unanswered: another class).
        unknown = flood(env, "flood-unknown", 443, UNKNOWN, "/v9/nothing", 1000, 32)
        run_client(env, unknown, "unknown flood", 300)
        during.wait()
        wait_quiet(lambda: ledger_bytes(agent.events), 2.0, 120)  # caught up
        took = time.monotonic() - t0
        grown = ledger_bytes(agent.events) - size0
        cpu = cpu_s(agent.proc.pid) - cpu0
    finally:
        agent.stop()
        server.kill()
        server.wait()
    records = read_ledger(agent.events)
    st = agent_stats(records)
    real = events(records, {early.pid, during.pid})
    check(len(real) == 100, "%d of the 100 real calls in the ledger (before the "
          "flood: %d)" % (len(real), len(events(records, {early.pid}))))
    check_exact(env, real, "real calls")
    # Rotation bounds what stays on disk (2 x 512 KiB); what was written
    # (agent_stats.ledger.bytes, over every file, the exit's summaries and
    # agent_stats included) is what the flood cost.
    written_bytes = st["ledger"]["bytes"] - size0
    check(written_bytes < 1 << 20, "%d bytes written to the ledger from the flood "
          "on (%d rotations)" % (written_bytes, st["ledger"]["rotations"]))
    lost = st["capture"]["ringbuf_lost_events"]
    written = [e for e in events(records, {attacker.pid})
               if e["problem"] == "no_response"]
    summaries = [r for r in records if r.get("type") == "event_summary" and
                 r["class"] == "unanswered"]
    counted = st["ledger"]["limited_unanswered"]
    print("  flood: %d unanswered in %.1fs (agent CPU %.2fs), %d written, %d "
          "counted, ledger +%d bytes written (+%d on disk), ring lost %d" % (
              FLOOD, took, cpu, len(written), counted, written_bytes, grown, lost))
    check(counted == sum(s["events_not_written"] for s in summaries),
          "summaries say %d, agent_stats %d" % (
              sum(s["events_not_written"] for s in summaries), counted))
    check(lost or len(written) + counted == FLOOD,
          "flood of %d: %d written + %d counted" % (FLOOD, len(written), counted))
    check(len(written) + counted >= FLOOD * 0.99, "the flood was not seen: %d + %d"
          % (len(written), counted))
    other = [e for e in events(records, {unknown.pid})
             if e["operation"] == "other" and e["status_code"] == 404]
    print("  unrecognised: %d requests, %d written, %d counted" % (
        UNKNOWN, len(other), st["ledger"]["limited_unrecognised"]))
    check(lost or len(other) + st["ledger"]["limited_unrecognised"] == UNKNOWN,
          "unrecognised flood of %d: %d written + %d counted" % (
              UNKNOWN, len(other), st["ledger"]["limited_unrecognised"]))
