"""Claude Code (`claude -p`, npm @anthropic-ai/claude-code, a Bun executable
with BoringSSL linked in) through the real agent: both pinned versions
(tests/e2e/agents), each twice: with the test CA in the system store (as on
a host without a custom CA: Claude then gzips its request bodies) and
through NODE_EXTRA_CA_CERTS (plain bodies). CLAUDE_CODE_DISABLE_NONESSENTIAL
_TRAFFIC=1 leaves three HTTPS/1.1 requests to api.anthropic.com: GET
/api/claude_code/settings and /policy_limits (the fake answers Anthropic-
shaped 404s, which Claude tolerates) and the streamed POST /v1/messages.

Client side: Claude exits 0 and its own usage report equals what the fake
sent (X-Fake-Tokens through ANTHROPIC_CUSTOM_HEADERS); the fake saw exactly
those three requests. Agent side: every one of them is exactly one event
with the fake's model, status and tokens, Claude's pid, cgroup and owner;
no other event; no prompt or key in any output. Bun's BoringSSL is never
an excuse for a dark event here.
"""
import json
import os

from harness import Agent
import agentlib as al

ORDER = 60  # run.py runs the test files by ORDER, then by name

VERSIONS = ("claude-code-new", "claude-code-old")
MODEL = "claude-sonnet-4-5"
EXPECTED_REQUESTS = [("GET", "/api/claude_code/policy_limits", 404),
                     ("GET", "/api/claude_code/settings", 404),
                     ("POST", "/v1/messages", 200)]


def claude_env(env, sec, run, ca, tokens):
    home = os.path.join(env.dir, "home-" + run.name)
    os.makedirs(home, exist_ok=True)
    cenv = {"HOME": home, "ANTHROPIC_API_KEY": sec.key("sk-ant-api03-"),
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "ANTHROPIC_CUSTOM_HEADERS": "X-Fake-Tokens: " + tokens}
    if ca == "node-extra":
        cenv["NODE_EXTRA_CA_CERTS"] = env.ca
    return cenv


def client_problems(run, ca, tokens):
    """The client side: exit 0, its usage report = what the fake sent, the
    three requests and nothing else, gzip bodies exactly when expected."""
    out = []
    if run.rc != 0:
        return ["%s: exit %d: %s" % (run.name, run.rc, run.stderr[-300:])]
    reqs = sorted((r["method"], r["path"], r["status"]) for c in run.conns
                  for r in c["requests"])
    if reqs != EXPECTED_REQUESTS:
        out.append("%s: the fake saw %r" % (run.name, reqs))
    inp, outp, cread, cwrite = (int(x) for x in tokens.split(","))
    try:
        u = json.loads(run.stdout)["usage"]
        got = (u["input_tokens"], u["output_tokens"], u["cache_read_input_tokens"],
               u["cache_creation_input_tokens"])
    except (ValueError, KeyError, TypeError) as e:
        return out + ["%s: unreadable --output-format json: %r" % (run.name, e)]
    if got != (inp, outp, cread, cwrite):
        out.append("%s: claude reports usage %r, the fake sent %r" %
                   (run.name, got, (inp, outp, cread, cwrite)))
    msgs = [ex for ex in run.exchanges if ex["path"] == "/v1/messages"]
    if len(msgs) != 1 or msgs[0]["request_model"] != MODEL or not msgs[0]["stream"]:
        out.append("%s: messages exchange %r" % (run.name, msgs))
    enc = [r.get("request_encoding") for c in run.conns for r in c["requests"]
           if r["path"] == "/v1/messages"]
    if enc != (["gzip"] if ca == "system" else [None]):
        out.append("%s: request body encoding %r with the CA from %s" % (run.name, enc, ca))
    return out


def test_claude_code(env):
    """claude -p, two versions x two CA set-ups: every call exact."""
    sec = al.Secrets(env)
    plans = []
    for i, alias in enumerate(VERSIONS):
        binary, version = al.claude(alias)
        for j, ca in enumerate(("system", "node-extra")):
            run = al.Run("claude-%s-%s" % (version, ca), "team-claude-%d%d" % (i, j))
            tokens = "%d,%d,%d,%d" % (1200 + 100 * i + 10 * j, 345 + j, 600 + i, 78 + j)
            plans.append((run, binary, ca, tokens))
    config = al.owner_config(env, "claude", [p[0] for p in plans])
    agent = Agent(env, "claude", ["--config", config])
    try:
        for run, binary, ca, tokens in plans:
            argv = [binary, "-p", sec.prompt(run.name), "--output-format", "json",
                    "--model", MODEL]
            al.run_client(env, run, argv, claude_env(env, sec, run, ca, tokens),
                          ca_bundle=(ca == "system"))
    finally:
        agent.stop()
    problems = []
    for run, _, ca, tokens in plans:
        problems += client_problems(run, ca, tokens)
    client_ok = not problems
    for run, *_ in plans:
        problems += al.check_calls(agent, run)
    problems += al.no_secrets(env, agent)
    if not client_ok:
        problems.insert(0, "(the client side failed too: the fake or Claude Code, not the agent)")
    al.report(problems)
