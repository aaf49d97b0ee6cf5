"""Oversized heads (docs/security.md, "Oversized heads"): a call whose
request head is far over the parser's 16 KiB (one 60 KB header; 200 headers
of 100 bytes) or whose response head is (20 KB of headers before the
request id) is still one event, with the exact usage the server sent, its
key fingerprint and allocation header, and problem head_too_large."""
import os

from common import (AgentRun, agent_stats, check, check_exact, curl, events,
                    read_ledger, wait_events)

ORDER = 30


def test_oversized_heads(env):
    pads = os.path.join(env.dir, "chaos-200-headers")
    with open(pads, "w") as f:
        for i in range(200):
            f.write("X-Pad-%03d: %s\n" % (i, "p" * 88))  # 100 bytes a line
    agent = AgentRun(env, "heads").ready()
    cases = {}
    try:
        cases["60 KB header"] = curl(env, "heads-60k",
                                     headers=["X-Filler: " + "f" * 60000,
                                              "X-Team: blue"])[0]
        cases["200 headers"] = curl(env, "heads-200", header_file=pads,
                                    headers=["X-Team: blue"])[0]
        cases["response head"] = curl(env, "heads-resp",
                                      headers=["X-Fake-Head-Pad: 20000",
                                               "X-Team: blue"])[0]
        wait_events(agent.events, set(cases.values()), len(cases), 20, agent)
    finally:
        agent.stop()
    records = read_ledger(agent.events)
    for label, pid in cases.items():
        got = events(records, {pid})
        check(len(got) == 1, "%s: %d events, want 1" % (label, len(got)))
        e = got[0]
        check_exact(env, got, label)
        check(e["problem"] == "head_too_large", "%s: problem %r" % (label, e["problem"]))
        check(e["api_key"] and e["api_key"]["fingerprint"],
              "%s: the key was lost with the head" % label)
        check(e["declared"]["team"] == "blue", "%s: declared team %r"
              % (label, e["declared"]["team"]))
        check(e["request_model"] == "gpt-4o-mini", "%s: request model %r"
              % (label, e["request_model"]))
    check(agent_stats(records)["decode"]["head_too_large"] == len(cases),
          "decode.head_too_large %r" % agent_stats(records)["decode"]["head_too_large"])
