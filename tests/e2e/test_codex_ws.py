"""Codex (`codex exec`, npm @openai/codex, a static musl executable) over
its default transport, the Responses API on one WebSocket (rustls): the
generate:false prewarm, then the turn. Both pinned versions
(tests/e2e/agents), with the test CA in the system store (no CA variable,
as on a real host) and the switches that leave api.openai.com as the only
peer (-c analytics.enabled=false --disable plugins --disable
api_key_model_discovery). Key in CODEX_API_KEY (codex exec ignores
OPENAI_API_KEY). test_codex_https.py runs the HTTPS fallback with these
helpers.

Client side: codex exits 0 and its turn.completed usage equals what the fake
sent for the turn (not the prewarm); the fake saw exactly the expected
requests. Agent side: every exchange is exactly one event (model, tokens,
status, pid, cgroup, owner) and nothing else, none for the 101, no dark
event; no prompt or key in any output. Codex's WebSocket runs on rustls,
read at aws-lc's AEAD (bpf/aead.bpf.h): its connection records must say
"rustls", and not one rustls record may go untied.
"""
import json
import os

from harness import AI_NAME, Agent, Skip
import agentlib as al

ORDER = 61  # run.py runs the test files by ORDER, then by name

VERSIONS = ("codex-new", "codex-old")
MODEL = "gpt-5"
QUIET = ["-c", "analytics.enabled=false", "--disable", "plugins",
         "--disable", "api_key_model_discovery"]


def codex_argv(binary, prompt, extra=()):
    return [binary, "exec", "--skip-git-repo-check", "--ephemeral", "--json"] + QUIET + \
        ["-m", MODEL] + list(extra) + [prompt]


def codex_env(env, sec, run):
    home = os.path.join(env.dir, "home-" + run.name)
    os.makedirs(home, exist_ok=True)
    return {"HOME": home, "CODEX_HOME": home, "CODEX_API_KEY": sec.key("sk-proj-")}


def turn_usage(run):
    """codex's own report of the turn: the last turn.completed usage."""
    done = []
    for line in run.stdout.splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict) and obj.get("type") == "turn.completed":
            done.append(obj.get("usage") or {})
    return done[-1] if done else None


def client_problems(run, want_requests, turn_ops):
    """Exit 0; the fake saw want_requests (method, path, status) and answered
    the turn with the usage codex reports."""
    if run.rc != 0:
        return ["%s: exit %d: %s" % (run.name, run.rc, run.stderr[-300:])]
    out = []
    reqs = [(r["method"], r["path"], r["status"]) for c in sorted(run.conns,
                                                                  key=lambda c: c["conn"])
            for r in c["requests"]]
    if reqs != want_requests:
        out.append("%s: the fake saw %r, want %r" % (run.name, reqs, want_requests))
    ops = [ex["operation"] for ex in run.exchanges]
    if ops != turn_ops:
        out.append("%s: operations %r, want %r" % (run.name, ops, turn_ops))
    turn = [ex for ex in run.exchanges if ex["operation"] == "responses" and
            ex["status"] in (101, 200)]
    u = turn_usage(run)
    if not turn or u is None:
        return out + ["%s: no turn (codex usage %r)" % (run.name, u)]
    sent = turn[-1]["usage_expected"]
    got = {"input_tokens": u.get("input_tokens"), "output_tokens": u.get("output_tokens"),
           "cache_read_input_tokens": u.get("cached_input_tokens"),
           "reasoning_tokens": u.get("reasoning_output_tokens")}
    if any(sent[k] != v for k, v in got.items()) or turn[-1]["request_model"] != MODEL:
        out.append("%s: codex reports %r, the fake sent %r for %s" % (
            run.name, got, sent, turn[-1]["request_model"]))
    return out


def rustls_checks(agent, runs):
    """The rustls connections (the WebSocket, or the refused upgrade) were
    read at aws-lc: records say "rustls", every record was tied."""
    problems = []
    for run in runs:
        libs = sorted({r["library"] for r in agent.conns(run.pid)})
        if "rustls" not in libs:
            problems.append("%s: no rustls connection record (libraries %r)" % (run.name, libs))
    st = [r for r in agent.records if r.get("type") == "agent_stats"]
    untied = st[0]["capture"]["rustls_untied_records"] if st else None
    if untied != 0:
        problems.append("rustls records read with no socket to tie them to: %r" % untied)
    return problems


def run_versions(env, name, extra_argv, want_requests, turn_ops, tls_version=None):
    """Both pinned versions, one agent: every exchange exact, no dark event;
    with tls_version, every connection of theirs negotiated it."""
    sec = al.Secrets(env)
    plans = []
    for i, alias in enumerate(VERSIONS):
        binary, version = al.codex(alias)
        plans.append((al.Run("codex-%s-%s" % (version, name), "team-codex-%s-%d" % (name, i)),
                      binary))
    config = al.owner_config(env, "codex-" + name, [p[0] for p in plans])
    agent = Agent(env, "codex-" + name, ["--config", config])
    try:
        for run, binary in plans:
            al.run_client(env, run, codex_argv(binary, sec.prompt(run.name), extra_argv),
                          codex_env(env, sec, run), ca_bundle=True)
    finally:
        agent.stop()
    if "no sock_recv_length" in open(agent.errfile).read():
        raise Skip("the kernel has no sock_recv_length/sock_send_length tracepoints")
    problems = []
    for run, _ in plans:
        problems += client_problems(run, want_requests, turn_ops)
        if tls_version:
            problems += ["%s conn %d: %s, want %s" % (run.name, c["conn"], c.get("tls_version"),
                                                       tls_version)
                         for c in run.conns if c.get("tls_version") != tls_version]
    client_ok = not problems
    for run, _ in plans:
        problems += al.check_calls(agent, run)
    problems += rustls_checks(agent, [run for run, _ in plans])
    problems += al.no_secrets(env, agent)
    if not client_ok:
        problems.insert(0, "(the client side failed too: the fake or codex, not the agent)")
    al.report(problems)


def test_codex_websocket(env):
    """codex exec over its default WebSocket transport: prewarm + turn."""
    run_versions(env, "ws", [], [("GET", "/v1/responses", 101)],
                 ["responses_prewarm", "responses"])


TLS12_PORT = 9443


def test_codex_websocket_tls12(env):
    """The same over TLS 1.2 (a gateway that stops there, on another port of
    api.openai.com): rustls seals with EVP_AEAD_CTX_seal_scatter and the
    record type is in the additional data, not the plaintext."""
    env.start_server(port=TLS12_PORT, log=env.server_log, name="server-tls12",
                     extra=["--tls-max", "1.2"])
    provider = ('model_providers.fake12={name="OpenAI",base_url="https://%s:%d/v1",'
                'env_key="CODEX_API_KEY",wire_api="responses",supports_websockets=true}'
                % (AI_NAME, TLS12_PORT))
    run_versions(env, "tls12", ["-c", "model_provider=fake12", "-c", provider],
                 [("GET", "/v1/responses", 101)], ["responses_prewarm", "responses"],
                 tls_version="TLSv1.2")
