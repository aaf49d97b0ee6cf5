"""A dark connection's byte counts are the payload each way, exactly: a
client with no TLS library (tests/e2e/clients/raw_hello.py) sends a
ClientHello naming an AI host and known payload, closes in each order
(and with a reset); its dark event must carry exactly those counts, not
TCP's sequence-space counters (which add the SYN and the FINs)."""
import json
import os
import subprocess

from harness import CLIENTS, PY, Agent, check, run_client

ORDER = 46

CASES = (("client_first", 1000, 5000), ("server_first", 2000, 7000), ("reset", 300, 900))


def test_dark_byte_counts(env):
    agent = Agent(env, "dark-bytes")
    runs = {}
    try:
        for i, (order, extra, reply) in enumerate(CASES):
            port = 18440 + i
            cg_dir, cg_ino = env.cgroup("dark-bytes-%d" % i)
            proc = env.spawn([PY, os.path.join(CLIENTS, "raw_hello.py"), str(port),
                              "api.openai.com", order, str(extra), str(reply)],
                             cg_dir, hosts=False, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
            out = json.loads(run_client(env, proc, "raw-" + order))
            runs[port] = (order, out, proc.pid, cg_ino)
    finally:
        agent.stop()
    dark = {e["connection"]["peer_port"]: e for e in agent.alloc_events()
            if e["usage_status"] == "unobserved" and e["process"]["pid"] in
            {r[2] for r in runs.values()}}
    for port, (order, out, pid, cg_ino) in sorted(runs.items()):
        ev = dark.get(port)
        check(ev is not None, "%s: no dark event" % order)
        c = ev["connection"]
        check(ev["problem"] == "tls_not_traced" and ev["cgroup"]["id"] == cg_ino and
              ev["process"]["pid"] == pid, "%s: %r %r" % (order, ev["problem"], ev["cgroup"]))
        check(c["server_name"] == "api.openai.com" and ev["provider"] == "openai",
              "%s: name %r provider %r" % (order, c["server_name"], ev["provider"]))
        check(c["bytes_sent"] == out["sent"] and c["bytes_received"] == out["received"],
              "%s: event says %d sent / %d received, the client %d / %d"
              % (order, c["bytes_sent"], c["bytes_received"], out["sent"], out["received"]))
        check(ev["cost"]["amount"] is None and ev["cost"]["reason"] == "tls_not_traced",
              "%s: cost %r for a dark connection" % (order, ev["cost"]))
    check(len(dark) == len(CASES), "%d dark events for %d connections" % (len(dark), len(CASES)))
