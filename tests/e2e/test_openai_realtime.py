"""The openai npm SDK's Realtime clients (openai/realtime/ws, GA, and
openai/beta/realtime/ws, OpenAI-Beta: realtime=v1; openai 6.49.0 + ws 8,
node 20's OpenSSL) through the real agent. One node process, three sockets:
GA with permessage-deflate, a session.update, a conversation item, a text
response and an audio response (X-Fake-Tokens in,out,cached,audio_in,
audio_out on the handshake); beta without deflate, one text response; GA
with a session.update and no response at all.

Client side: every response.done the SDK saw has exactly the usage the fake
logged (input_token_details text/audio/image/cached, output_token_details
text/audio), and the fake answered nothing else. Agent side: each response
is exactly one event (operation realtime, status 101, the model asked for
and the session's, tokens: input with audio and cached, output with audio;
node's pid, cgroup and owner); the socket that made no response makes no
event (its 101 is no call, never an incomplete one); no dark event; no
prompt or key in any output.
"""
import agentlib as al

ORDER = 64  # run.py runs the test files by ORDER, then by name


def sessions(sec):
    return [
        {"api": "realtime", "model": "gpt-realtime",
         "options": {"headers": {"X-Fake-Tokens": "500,120,64,200,80"}},
         "messages": [
             {"type": "session.update", "session": {"type": "realtime",
                                                     "output_modalities": ["text"]}},
             {"type": "conversation.item.create", "item": {
                 "type": "message", "role": "user",
                 "content": [{"type": "input_text", "text": sec.prompt("rt-item")}]}},
             {"type": "response.create"},
             {"type": "response.create", "response": {"output_modalities": ["audio"]}}]},
        {"api": "realtime-beta", "model": "gpt-4o-realtime-preview",
         "options": {"perMessageDeflate": False},
         "messages": [{"type": "response.create", "response": {
             "modalities": ["text"], "instructions": sec.prompt("rt-beta")}}]},
        {"api": "realtime", "model": "gpt-realtime-mini",
         "messages": [{"type": "session.update", "session": {
             "type": "realtime", "instructions": sec.prompt("rt-idle")}}]},
    ]


def client_checks(run):
    problems = []
    models = [(ex["request_model"], ex["response_model"]) for ex in run.exchanges]
    if models != [("gpt-realtime", "gpt-realtime-2025-08-28")] * 2 + [
            ("gpt-4o-realtime-preview", "gpt-4o-realtime-preview-2025-06-03")]:
        problems.append("models the fake logged: %r" % models)
    if len(run.conns) != 3:
        problems.append("%d connections, 3 planned" % len(run.conns))
    return problems


def test_openai_realtime(env):
    """openai-node Realtime GA and beta: every response exact, no event
    for a session without one."""
    al.sdk_test(env, "openai-realtime", "team-sdk-realtime", sessions, client_checks)
