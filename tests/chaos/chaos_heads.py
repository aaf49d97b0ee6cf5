"""Oversized heads (docs/security.md, "Oversized heads"): a call whose
request head is far over the parser's 16 KiB (one 60 KB header; 200 headers
of 100 bytes) or whose response head is (20 KB of headers before the
request id) is still one event, with the exact usage the server sent, its
key fingerprint and allocation header, and problem head_too_large. And a
complete 200 whose body is over the 8 MiB body cap (1,000 embeddings of
1,536 floats, 9 MB, usage at its end) is a success with its exact usage
and problem body_too_large (docs/decode.md, caps), not "incomplete"."""
import hashlib
import os

from common import (AgentRun, agent_stats, check, check_exact, curl, events,
                    new_key, read_ledger, wait_events)

OAI_EMBED = "https://api.openai.com/v1/embeddings"

ORDER = 30


def test_oversized_heads(env):
    pads = os.path.join(env.dir, "chaos-200-headers")
    with open(pads, "w") as f:
        for i in range(200):
            f.write("X-Pad-%03d: %s\n" % (i, "p" * 88))  # 100 bytes a line
    agent = AgentRun(env, "heads").ready()
    cases, keys = {}, {}
    try:
        for label, cg, kw in (
                ("60 KB header", "heads-60k",
                 {"headers": ["X-Filler: " + "f" * 60000, "X-Team: blue"]}),
                ("200 headers", "heads-200",
                 {"header_file": pads, "headers": ["X-Team: blue"]}),
                ("response head", "heads-resp",
                 {"headers": ["X-Fake-Head-Pad: 20000", "X-Team: blue"]})):
            keys[label] = new_key(env)
            cases[label] = curl(env, cg, key=keys[label], **kw)[0]
        big = curl(env, "bodies-9m", url=OAI_EMBED, body={
            "model": "text-embedding-3-large", "dimensions": 1536,
            "input": ["chaos %d" % i for i in range(1000)]})[0]
        wait_events(agent.events, set(cases.values()) | {big}, len(cases) + 1, 30,
                    agent)
    finally:
        agent.stop()
    records = read_ledger(agent.events)
    for label, pid in cases.items():
        got = events(records, {pid})
        check(len(got) == 1, "%s: %d events, want 1" % (label, len(got)))
        e = got[0]
        check_exact(env, got, label)
        check(e["problem"] == "head_too_large", "%s: problem %r" % (label, e["problem"]))
        want = "k_" + hashlib.sha256(keys[label].encode()).hexdigest()[:16]
        check(e["api_key"] and e["api_key"]["fingerprint"] == want,
              "%s: key %r, want fingerprint %s" % (label, e["api_key"], want))
        check(e["declared"]["team"] == "blue", "%s: declared team %r"
              % (label, e["declared"]["team"]))
        check(e["request_model"] == "gpt-4o-mini", "%s: request model %r"
              % (label, e["request_model"]))
    got = events(records, {big})
    check(len(got) == 1, "body over the cap: %d events, want 1" % len(got))
    check_exact(env, got, "body over the cap")  # outcome success, exact usage
    check(got[0]["problem"] == "body_too_large" and got[0]["operation"] == "embeddings"
          and got[0]["response_bytes"] > 8 << 20,
          "body over the cap: problem %r, operation %r, %r response bytes" % (
              got[0]["problem"], got[0]["operation"], got[0]["response_bytes"]))
    check(agent_stats(records)["decode"]["head_too_large"] == len(cases),
          "decode.head_too_large %r" % agent_stats(records)["decode"]["head_too_large"])
