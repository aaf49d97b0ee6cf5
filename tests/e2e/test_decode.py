"""End-to-end decoding: real clients and the official SDKs, the real agent,
the fake provider; every allocation event is compared with what the server
says it sent (tools/fakeai.py "exchange" log lines)."""
import json
import os
import subprocess
import uuid

from harness import CLIENTS, PY, Agent, Failure, check, run_client

ORDER = 20  # run.py runs the test files by ORDER, then by name

NODE_SDK = os.path.join(CLIENTS, "node_sdk.js")
NODE_FETCH = os.path.join(CLIENTS, "node_fetch_plan.js")
PY_REQUESTS = os.path.join(CLIENTS, "py_requests_plan.py")
OAI_CHAT = "https://api.openai.com/v1/chat/completions"
ANT_MSGS = "https://api.anthropic.com/v1/messages"
USAGE = ("input_tokens", "output_tokens", "cache_read_input_tokens",
         "cache_creation_input_tokens", "reasoning_tokens", "total_tokens")


class Secrets:
    """A unique prompt marker and API key per client: must never leak."""

    def __init__(self, env):
        self.env = env

    def prompt(self, tag):
        marker = "PROMPT-%s-%s" % (tag, uuid.uuid4().hex)
        self.env.secrets.append(marker)
        return marker

    def key(self, prefix="sk-proj-"):
        key = prefix + uuid.uuid4().hex + uuid.uuid4().hex
        self.env.secrets.append(key)
        return key


def chat(prompt, **kw):
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prompt}]}
    body.update(kw)
    return body


def msgs(prompt, **kw):
    body = {"model": "claude-sonnet-4-5", "max_tokens": 64,
            "messages": [{"role": "user", "content": prompt}]}
    body.update(kw)
    return body


def write_plan(env, name, plan):
    path = os.path.join(env.dir, "plan-%s.json" % name)
    with open(path, "w") as f:
        json.dump(plan, f)
    return path


def clients(env, sec):
    """(name, argv, env, exit codes accepted): one process each."""
    ca = {"CURL_CA_BUNDLE": env.ca, "SSL_CERT_FILE": env.ca,
          "REQUESTS_CA_BUNDLE": env.ca, "NODE_EXTRA_CA_CERTS": env.ca}
    out = []

    def curl(name, body, headers=(), rcs=(0,)):
        key = sec.key()
        argv = ["curl", "-sS", "--http1.1", "-o", "/dev/null", "--cacert", env.ca,
                "-H", "Authorization: Bearer " + key,
                "-H", "Content-Type: application/json"]
        for h in headers:
            argv += ["-H", h]
        argv += ["--data-binary", json.dumps(body), OAI_CHAT]
        out.append((name, argv, ca, rcs))

    curl("curl-json", chat(sec.prompt("curl")))
    curl("curl-stream", chat(sec.prompt("curl-s"), stream=True,
                             stream_options={"include_usage": True}))
    # Cut after 3 events: curl reports the broken transfer (18 or 56).
    curl("curl-abort", chat(sec.prompt("curl-a"), stream=True,
                            stream_options={"include_usage": True}),
         headers=["X-Fake-Abort-After: 3", "X-Fake-Events: 20"], rcs=(18, 56))
    key = sec.key()
    out.append(("py-requests", [PY, PY_REQUESTS, write_plan(env, "requests", {"requests": [
        {"url": OAI_CHAT, "json": chat(sec.prompt("req")),
         "headers": {"Authorization": "Bearer " + key, "Accept-Encoding": "gzip"}},
        {"url": ANT_MSGS, "json": msgs(sec.prompt("req-a"), stream=True), "stream": True,
         "headers": {"x-api-key": sec.key("sk-ant-api03-"),
                     "anthropic-version": "2023-06-01"}},
    ]})], ca, (0,)))
    key = sec.key()
    out.append(("node-fetch", ["node", NODE_FETCH, write_plan(env, "fetch", {"requests": [
        {"url": OAI_CHAT, "json": chat(sec.prompt("fetch")),
         "headers": {"Authorization": "Bearer " + key}},
        {"url": OAI_CHAT, "json": chat(sec.prompt("fetch-s"), stream=True,
                                       stream_options={"include_usage": True}),
         "headers": {"Authorization": "Bearer " + key}},
    ]})], ca, (0,)))
    oai = {"apiKey": sec.key(), "maxRetries": 2}
    out.append(("node-openai", ["node", NODE_SDK, write_plan(env, "openai", {
        "sdk": "openai", "client": oai, "calls": [
            {"api": "chat.completions.create", "params": chat(sec.prompt("sdk"))},
            {"api": "chat.completions.create", "params": chat(
                sec.prompt("sdk-s"), stream=True, stream_options={"include_usage": True})},
            {"api": "chat.completions.create", "params": chat(sec.prompt("sdk-nu"),
                                                              stream=True)},
            # 429 first, then the SDK's own retry succeeds: two exchanges.
            {"api": "chat.completions.create", "params": chat(sec.prompt("sdk-r")),
             "options": {"headers": {"X-Fake-Fail-Times": "1"}}},
        ]})], ca, (0,)))
    ant = {"apiKey": sec.key("sk-ant-api03-"), "maxRetries": 2}
    out.append(("node-anthropic", ["node", NODE_SDK, write_plan(env, "anthropic", {
        "sdk": "anthropic", "client": ant, "calls": [
            {"api": "messages.create", "params": msgs(sec.prompt("ant"))},
            {"api": "messages.create", "params": msgs(sec.prompt("ant-s"), stream=True)},
        ]})], ca, (0,)))
    return out


def server_lines(env):
    if not os.path.exists(env.server_log):
        return []
    with open(env.server_log) as f:
        return [json.loads(ln) for ln in f if ln.strip()]


def server_exchanges(env, since):
    """Exchange lines logged after the first `since` lines (other tests
    share the server)."""
    return [ln for ln in server_lines(env)[since:] if ln.get("event") == "exchange"]


def compare(rec, ex, label):
    """The record says exactly what the server sent."""
    want = {"request_model": ex["request_model"], "stream": ex["stream"],
            "status_code": ex["status"], "attempt": ex["attempt"],
            "provider": ex["provider"], "operation": ex["operation"]}
    if ex.get("response_model") is not None:
        want["response_model"] = ex["response_model"]
    want["outcome"] = "incomplete" if ex["aborted"] else ex["expect"].get("outcome")
    for k, v in want.items():
        if v is not None:
            check(rec.get(k) == v, "%s: %s = %r, server sent %r" % (label, k, rec.get(k), v))
    exp = ex.get("usage_expected")
    if ex["aborted"]:
        # No final usage went out: never zeros, never invented.
        check(rec["usage_status"] in ("missing", "partial"),
              "%s: usage_status %r for a cut stream" % (label, rec["usage_status"]))
        return
    if exp is None:
        check(all(rec["usage"][k] is None for k in USAGE),
              "%s: usage %r where the server sent none" % (label, rec["usage"]))
        return
    for k in USAGE:
        if k in exp:
            check(rec["usage"][k] == exp[k], "%s: usage.%s = %r, server sent %r"
                  % (label, k, rec["usage"][k], exp[k]))


def test_decode_clients(env):
    """curl, python requests (gzip), node fetch (br), the openai and
    anthropic SDKs, streaming and not, a 429 then a retry, a cut stream:
    each exchange has exactly one record with the server's model, status
    and token counts, the client's pid and cgroup."""
    sec = Secrets(env)
    since = len(server_lines(env))
    agent = Agent(env, "decode")
    pids = {}
    try:
        for name, argv, cenv, rcs in clients(env, sec):
            cg_dir, cg_ino = env.cgroup("dec-" + name)
            proc = env.spawn(argv, cg_dir, env=cenv, hosts=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                out, err = proc.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise Failure("%s timed out" % name)
            check(proc.returncode in rcs, "%s exited %d: %s" % (
                name, proc.returncode, (err or b"")[-400:]))
            pids[proc.pid] = (name, cg_ino)
    finally:
        agent.stop()
    calls = [r for r in agent.alloc_events() if r["process"]["pid"] in pids]
    exchanges = server_exchanges(env, since)
    check(len(exchanges) >= 13, "server answered only %d exchanges" % len(exchanges))
    by_id = {}
    for r in calls:
        rid = r["provider_request_id"]
        check(rid not in by_id, "two records for request %s" % rid)
        by_id[rid] = r
    for ex in exchanges:
        rec = by_id.get(ex["request_id"])
        label = "%s %s" % (ex["provider"], ex["request_id"])
        check(rec is not None, "%s: no record (stream %s, status %s)"
              % (label, ex["stream"], ex["status"]))
        name, cg_ino = pids[rec["process"]["pid"]]
        check(rec["cgroup"]["id"] == cg_ino, "%s: cgroup %s != %s of %s"
              % (label, rec["cgroup"]["id"], cg_ino, name))
        compare(rec, ex, "%s (%s)" % (label, name))
    check(len(calls) == len(exchanges), "%d records for %d exchanges"
          % (len(calls), len(exchanges)))
    attempts = sorted(r["attempt"] for r in calls if
                      pids[r["process"]["pid"]][0] == "node-openai" and
                      r["status_code"] in (200, 429)
                      and not r["stream"] and r["request_model"] == "gpt-4o-mini")
    check(attempts.count(1) == 1, "no retried attempt recorded: %s" % attempts)
    cut = [r for r in calls if pids[r["process"]["pid"]][0] == "curl-abort"]
    check(len(cut) == 1 and cut[0]["outcome"] == "incomplete",
          "cut stream: %s" % [(r["outcome"], r["usage_status"]) for r in cut])
    encs = {pids[r["process"]["pid"]][0]: r["response_encoding"] for r in calls
            if not r["stream"]}
    check(encs.get("py-requests") == "gzip", "requests got %r" % encs.get("py-requests"))
    check(encs.get("node-fetch") == "br", "fetch got %r" % encs.get("node-fetch"))
    for path in (agent.events, agent.errfile):
        with open(path, errors="replace") as f:
            text = f.read()
        for s in env.secrets:
            check(s not in text, "secret %s... leaked into %s" % (s[:16], path))
