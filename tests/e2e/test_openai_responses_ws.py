"""The openai npm SDK's Responses-over-WebSocket client (ResponsesWS from
openai/resources/responses/ws, openai 6.49.0 + ws 8, node 20's OpenSSL)
through the real agent. One node process, three sockets: permessage-deflate
with context takeover carrying a generate:false prewarm and two
response.create for two models (X-Fake-Tokens on the handshake); deflate
with no_context_takeover both ways, every message in three frames and a
ping before each response.completed; no deflate.

Client side: every response the SDK saw has exactly the usage the fake
logged, and the fake answered nothing else. Agent side: each response is
exactly one event (operation responses or responses_prewarm, status 101,
model, tokens, node's pid, cgroup and owner), matched by the handshake's
request id and the response id; no event for a handshake; no dark event
(node's libssl is decrypted); no prompt or key in any output.
"""
import agentlib as al

ORDER = 63  # run.py runs the test files by ORDER, then by name


def sessions(sec):
    def create(model, tag, **kw):
        return dict({"type": "response.create", "model": model, "input": sec.prompt(tag)}, **kw)
    return [
        {"api": "responses", "options": {"headers": {"X-Fake-Tokens": "4321,210,1024,0,64"}},
         "messages": [create("gpt-5", "prewarm", generate=False), create("gpt-5", "turn1"),
                      create("gpt-5-mini", "turn2")]},
        {"api": "responses", "options": {
            "perMessageDeflate": {"serverNoContextTakeover": True,
                                  "clientNoContextTakeover": True},
            "headers": {"X-Fake-Fragments": "3", "X-Fake-Ping": "1"}},
         "messages": [create("gpt-5", "nct")]},
        {"api": "responses", "options": {"perMessageDeflate": False},
         "messages": [create("gpt-5-mini", "plain")]},
    ]


def client_checks(run):
    problems = []
    ops = [ex["operation"] for ex in run.exchanges]
    if ops != ["responses_prewarm", "responses", "responses", "responses", "responses"]:
        problems.append("operations the fake logged: %r" % ops)
    exts = [c["requests"][0].get("ws", {}).get("extensions") for c in
            sorted(run.conns, key=lambda c: c["conn"])]
    if exts != ["permessage-deflate", "permessage-deflate; server_no_context_takeover; "
                "client_no_context_takeover", None]:
        problems.append("negotiated extensions %r" % exts)
    return problems


def test_openai_responses_ws(env):
    """openai-node ResponsesWS: prewarm and turns on three sockets, exact."""
    al.sdk_test(env, "openai-responses-ws", "team-sdk-responses", sessions, client_checks)
