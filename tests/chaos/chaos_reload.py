"""A configuration reload storm: hundreds of SIGHUPs while the config file
is rewritten in place (so some reloads read it half written) between two
good configurations and a broken one, with calls going on. Promise
(docs/operator.md, reload): the agent keeps running, a broken or half file
changes nothing, every call is booked exactly once, to an owner of one of
the good configurations."""
import json
import os
import signal
import threading
import time

from common import (LONG, AgentRun, Calls, agent_stats, cgroup2_root, check,
                    check_exact, events, read_ledger, wait_events)

ORDER = 80


def configs(env):
    rel = "/" + os.path.relpath(env.cg_parent, cgroup2_root()) + "/reload-*"

    def cfg(owner):
        return json.dumps({"version": 1, "capture": {"state_dir": ""},
                           "owners": [{"name": owner, "match": {"cgroup": rel},
                                       "set": {"owner": owner}}]})
    return [cfg("alpha"), cfg("beta"), '{"version": 1, "owners": [{"name": "x"']


def test_reload_storm(env):
    texts = configs(env)
    with open(os.path.join(env.dir, "chaos-config-reload.json"), "w") as f:
        f.write(texts[0])  # AgentRun takes a config file that is there
    agent = AgentRun(env, "reload").ready()
    stop, sent = threading.Event(), [0]

    def storm():
        i = 0
        while not stop.is_set():
            with open(agent.config, "w") as f:  # in place: reloads may see half
                f.write(texts[i % 3])
            agent.proc.send_signal(signal.SIGHUP)
            sent[0] += 1
            i += 1
            time.sleep(0.005)

    t = threading.Thread(target=storm)
    t.start()
    try:
        calls = Calls(env, "reload-calls", 300 if LONG else 100).wait()
        time.sleep(1.0 if LONG else 0.3)
    finally:
        stop.set()
        t.join()
    check(agent.alive(), "the agent died in the storm: %s" % agent.stderr())
    with open(agent.config, "w") as f:
        f.write(texts[1])
    agent.proc.send_signal(signal.SIGHUP)
    wait_events(agent.events, {calls.pid}, calls.n, 30, agent)
    agent.stop()
    records = read_ledger(agent.events)
    got = events(records, {calls.pid})
    check(len(got) == calls.n, "%d events for %d calls" % (len(got), calls.n))
    check_exact(env, got, "reload storm")
    owners = {e["owner"] for e in got}
    check(owners <= {"alpha", "beta"}, "owners %r" % owners)
    cap = agent_stats(records)["capture"]
    handled = cap["config_reloads"] + cap["config_reloads_failed"]
    check(cap["config_reloads_failed"] >= 1 and cap["config_reloads"] >= 1 and
          handled <= sent[0] + 1,
          "%d SIGHUPs: %d reloads, %d refused" % (sent[0] + 1, cap["config_reloads"],
                                                  cap["config_reloads_failed"]))
    print("  %d SIGHUPs: %d reloads, %d refused, owners %s"
          % (sent[0] + 1, cap["config_reloads"], cap["config_reloads_failed"],
             sorted(owners)))
