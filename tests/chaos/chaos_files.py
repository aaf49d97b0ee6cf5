"""Symlink and foreign-owner attacks on the files the agent writes
(docs/security.md, "Files the agent writes and trusts"): the agent refuses,
with a message naming the path and the reason, and exits before loading
BPF; nothing is written outside the ledger. Another user (uid 65534) plays
the attacker: files and links are made as root and given to it."""
import json
import os
import shutil

from common import (NOBODY, AgentRun, Calls, agent_stats, check, events,
                    read_ledger, wait_events)

ORDER = 20


def victim(env):
    """A root file the attacker would like the agent to append to."""
    path = os.path.join(env.dir, "chaos-victim")
    with open(path, "w") as f:
        f.write("root's own\n")
    os.chmod(path, 0o600)
    return path, os.stat(path)


def untouched(path, st0, label):
    st = os.stat(path)
    check(st.st_size == st0.st_size and st.st_mtime_ns == st0.st_mtime_ns,
          "%s: the agent wrote to %s" % (label, path))


def fresh_dir(env, name, mode):
    path = os.path.join(env.dir, name)
    shutil.rmtree(path, ignore_errors=True)
    os.mkdir(path)
    os.chmod(path, mode)
    return path


def refuse(env, name, ledger, words, config=None):
    log = AgentRun(env, name, events=ledger, config=config).refused()
    for w in words:
        check(w in log, "%s: the refusal does not say %r: %s" % (name, w, log[-500:]))


def test_symlink_and_foreign_owner(env):
    vic, vic_st = victim(env)
    # 1. A ledger directory anyone can write (0777, then 1777 as /tmp).
    for mode in (0o777, 0o1777):
        d = fresh_dir(env, "chaos-shared-%o" % mode, mode)
        refuse(env, "shared-%o" % mode, os.path.join(d, "events.jsonl"),
               [d, "writable by others", "%04o" % mode])
    # 2. A symlink at the ledger's name, planted by the attacker in that
    # 1777 directory, and in a directory of root's.
    for mode in (0o1777, 0o755):
        d = fresh_dir(env, "chaos-link-%o" % mode, mode)
        link = os.path.join(d, "events.jsonl")
        os.symlink(vic, link)
        os.lchown(link, NOBODY, NOBODY)
        refuse(env, "link-%o" % mode, link,
               [d, "writable by others" if mode & 0o002 else "a symbolic link"])
    # 3. A 0666 ledger the attacker made first, to read and forge events.
    d = fresh_dir(env, "chaos-foreign", 0o755)
    forged = os.path.join(d, "events.jsonl")
    with open(forged, "w") as f:
        f.write('{"event_type":"ai_api_cost_allocation","forged":true}\n')
    os.chmod(forged, 0o666)
    os.chown(forged, NOBODY, NOBODY)
    forged_st = os.stat(forged)
    refuse(env, "foreign", forged, [forged, "owned by uid %d" % NOBODY])
    untouched(forged, forged_st, "foreign-owned ledger")
    # 4. The ledger directory reached through the attacker's link to a
    # directory of root's.
    shared = fresh_dir(env, "chaos-shared-parent", 0o1777)
    real = fresh_dir(env, "chaos-real-dir", 0o750)
    via = os.path.join(shared, "ledger")
    os.symlink(real, via)
    os.lchown(via, NOBODY, NOBODY)
    refuse(env, "dir-link", os.path.join(via, "events.jsonl"), [via, "symbolic link"])
    check(not os.listdir(real), "a file was made in the link's target")
    # 5. The OTLP spool in a directory anyone can write.
    spool = fresh_dir(env, "chaos-spool-shared", 0o777)
    refuse(env, "spool", os.path.join(fresh_dir(env, "chaos-ok", 0o750),
                                      "events.jsonl"),
           [spool, "writable by others", "spool"],
           config={"otlp": {"endpoint": "http://127.0.0.1:9/", "spool_dir": spool}})
    untouched(vic, vic_st, "victim")
    rotated_link_and_config_warning(env, vic, vic_st)


def rotated_link_and_config_warning(env, vic, vic_st):
    """A link where a rotated file will go (made by root here: in a safe
    directory nobody else can): rotation replaces it, never follows it. A
    config file anyone can write: the agent runs and says so."""
    d = fresh_dir(env, "chaos-rotate", 0o750)
    ledger = os.path.join(d, "events.jsonl")
    os.symlink(vic, ledger + ".1")
    cfg = os.path.join(env.dir, "chaos-config-rotate.json")
    with open(cfg, "w") as f:
        json.dump({"version": 1, "capture": {"state_dir": ""}}, f)
    os.chmod(cfg, 0o666)
    # 8 events of about 3 KB: rotated at least once, never out of the
    # 8 files kept (as events grow, a smaller window would drop some).
    agent = AgentRun(env, "rotate", events=ledger,
                     extra=["--events-max-bytes", "16000", "--events-keep", "8"]).ready()
    try:
        calls = Calls(env, "files-rotate", 8).wait()
        wait_events(ledger, {calls.pid}, 8, 20, agent)
    finally:
        agent.stop()
    untouched(vic, vic_st, "victim after rotation")
    check(not [n for n in os.listdir(d) if os.path.islink(os.path.join(d, n))],
          "the planted link is still among the ledger files: %r" % os.listdir(d))
    records = read_ledger(ledger)
    check(len(events(records, {calls.pid})) == 8, "rotation lost events")
    check(agent_stats(records)["ledger"]["rotations"] >= 1, "no rotation happened")
    check("others than root could change it" in agent.stderr(None),
          "no warning about a config file anyone can write: %s" % agent.stderr()[-400:])
