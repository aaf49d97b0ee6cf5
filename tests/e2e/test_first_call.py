"""First-call capture (issue 11): a fresh process that makes exactly one
call on a new connection right after it starts is captured exactly in the
default (scoped) mode, every time.

In the scoped mode no TLS probe is in a process until the connection
observer sees it connect to an AI host; the process's ClientHello is held
(dropped at cgroup egress, so TCP sends it again) until the agent has
attached its probes. Without the hold the first request could be written
before the probes are in. This test starts 200 such processes of five
client kinds (curl, python requests, node fetch, the openai node SDK, a Go
client), four at a time so that arming runs concurrently, and checks each
call against what the fake provider logged.

TT_FIRSTCALL_N (default 200), TT_FIRSTCALL_JOBS (default 4) and
TT_FIRSTCALL_KINDS (comma-separated, default all five) change the run for a
quick local look.
"""
import concurrent.futures
import json
import os
import subprocess
import time
import uuid

from harness import ROOT, CLIENTS, PY, Agent, Skip, check
from test_capture import assert_no_secrets

ORDER = 95  # after the existing files (the last is test_report.py, 90)

URL = "https://api.openai.com/v1/chat/completions"
KINDS = ("curl", "requests", "node-fetch", "openai-sdk", "go")
TOKENS_IN, TOKENS_OUT = 1000, 5000  # + the process's index: unique per call
GO_CLIENT = os.path.join(ROOT, "build", "go", "tlsclient")
SDK_DIR = os.path.join(ROOT, "tests", "e2e", "node", "node_modules", "openai")


def n_processes():
    return int(os.environ.get("TT_FIRSTCALL_N", "200"))


def server_lines(env):
    if not os.path.exists(env.server_log):
        return []
    with open(env.server_log) as f:
        return [json.loads(ln) for ln in f if ln.strip()]


class Call:
    """One process: its kind, index, argv and environment."""

    def __init__(self, env, kind, i):
        self.kind, self.i = kind, i
        self.name = "fc-%s-%d" % (kind, i)
        self.cg_dir, self.cg_ino = env.cgroup(self.name)
        self.tokens = (TOKENS_IN + i, TOKENS_OUT + i)
        self.pid = None
        self.argv, self.cenv = self._command(env)

    def _command(self, env):
        marker = "PROMPT-%s-%s" % (self.name, uuid.uuid4().hex)
        key = "sk-proj-%s%s" % (uuid.uuid4().hex, uuid.uuid4().hex)
        env.secrets += [marker, key]
        body = {"model": "gpt-4o-mini",
                "messages": [{"role": "user", "content": marker}]}
        headers = {"Authorization": "Bearer " + key,
                   "X-Fake-Tokens": "%d,%d" % self.tokens}
        ca = {"CURL_CA_BUNDLE": env.ca, "SSL_CERT_FILE": env.ca,
              "REQUESTS_CA_BUNDLE": env.ca, "NODE_EXTRA_CA_CERTS": env.ca}
        if self.kind == "curl":
            argv = ["curl", "-sS", "--fail", "-o", "/dev/null", "--cacert", env.ca,
                    "-H", "Content-Type: application/json"]
            for k, v in headers.items():
                argv += ["-H", "%s: %s" % (k, v)]
            return argv + ["--data-binary", json.dumps(body), URL], ca
        if self.kind == "go":
            path = self._write(env, "body", body)
            argv = [GO_CLIENT, "-q", "-d", path]
            for k, v in headers.items():
                argv += ["-H", "%s: %s" % (k, v)]
            return argv + [URL], ca
        if self.kind == "openai-sdk":
            del headers["Authorization"]  # the SDK sends its apiKey
            plan = {"sdk": "openai", "client": {"apiKey": key, "maxRetries": 0},
                    "calls": [{"api": "chat.completions.create", "params": body,
                               "options": {"headers": headers}}]}
            return ["node", os.path.join(CLIENTS, "node_sdk.js"),
                    self._write(env, "plan", plan)], ca
        plan = {"requests": [{"url": URL, "json": body, "headers": headers}]}
        script = "py_requests_plan.py" if self.kind == "requests" else "node_fetch_plan.js"
        interp = PY if self.kind == "requests" else "node"
        return [interp, os.path.join(CLIENTS, script), self._write(env, "plan", plan)], ca

    def _write(self, env, what, obj):
        path = os.path.join(env.dir, "%s-%s.json" % (what, self.name))
        with open(path, "w") as f:
            json.dump(obj, f)
        return path

    def run(self, env):
        """Starts the process and waits for it; returns an error or None."""
        proc = env.spawn(self.argv, self.cg_dir, env=self.cenv, hosts=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.pid = proc.pid
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            return "%s timed out" % self.name
        if proc.returncode:
            return "%s exited %d: %s" % (self.name, proc.returncode,
                                         (err or b"")[-300:].decode(errors="replace"))
        return None


def check_tools():
    if not os.access(GO_CLIENT, os.X_OK):
        raise Skip("no Go client %s (make build/go/tlsclient; needs go)" % GO_CLIENT)
    if not os.path.isdir(SDK_DIR):
        raise Skip("no openai SDK in tests/e2e/node (make deps)")


def run_all(env, calls, jobs):
    """Runs the calls, `jobs` processes at a time; raises on any failure."""
    errors = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for err in pool.map(lambda c: c.run(env), calls):
            if err:
                errors.append(err)
    check(not errors, "%d of %d clients failed: %s" % (len(errors), len(calls),
                                                     "; ".join(errors[:3])))


def read_status(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def compare(call, rec, ex):
    """One event says what the server sent to this process."""
    label = "%s (pid %d)" % (call.name, call.pid)
    check(rec["process"]["pid"] == call.pid, "%s: event pid %s" % (label, rec["process"]["pid"]))
    check(rec["cgroup"]["id"] == call.cg_ino, "%s: cgroup %s != %s"
          % (label, rec["cgroup"]["id"], call.cg_ino))
    check(rec.get("usage_status") != "unobserved", "%s: booked dark" % label)
    for k in ("request_model", "response_model", "provider", "operation"):
        check(rec.get(k) == ex[k], "%s: %s = %r, server sent %r" % (label, k, rec.get(k), ex[k]))
    check(rec.get("status_code") == 200, "%s: status %r" % (label, rec.get("status_code")))
    exp = ex["usage_expected"]
    check(exp["input_tokens"] == call.tokens[0] and exp["output_tokens"] == call.tokens[1],
          "%s: the server did not send the tokens asked for: %r" % (label, exp))
    for k, v in exp.items():
        check(rec["usage"].get(k) == v, "%s: usage.%s = %r, server sent %r"
              % (label, k, rec["usage"].get(k), v))


def assert_calls(env, agent, calls, since):
    """Each process: one exchange at the server, one exact event, no dark
    event, no other event."""
    by_tokens = {c.tokens[0]: c for c in calls}
    exchanges = {}
    for ln in server_lines(env)[since:]:
        if ln.get("event") != "exchange" or not ln.get("usage_expected"):
            continue
        call = by_tokens.get(ln["usage_expected"].get("input_tokens"))
        if call:
            check(call.i not in exchanges, "%s: two exchanges at the server" % call.name)
            exchanges[call.i] = ln
    check(len(exchanges) == len(calls), "the server answered %d of %d calls"
          % (len(exchanges), len(calls)))
    by_pid = {c.pid: c for c in calls}
    events = {}
    for rec in agent.alloc_events():
        call = by_pid.get(rec["process"]["pid"])
        if call is None:
            continue
        check(rec.get("usage_status") != "unobserved",
              "%s: dark event (problem %r)" % (call.name, rec.get("problem")))
        events.setdefault(call.i, []).append(rec)
    missed = [c for c in calls if c.i not in events]
    check(not missed, "%d of %d first calls not captured: %s"
          % (len(missed), len(calls), ", ".join("%s pid %d" % (c.name, c.pid)
                                                for c in missed[:8])))
    for c in calls:
        recs = events[c.i]
        check(len(recs) == 1, "%s: %d events for one call" % (c.name, len(recs)))
        ex = exchanges[c.i]
        check(recs[0].get("provider_request_id") == ex["request_id"],
              "%s: request id %r, server sent %r"
              % (c.name, recs[0].get("provider_request_id"), ex["request_id"]))
        compare(c, recs[0], ex)


def test_first_call_capture(env):
    """>= 200 fresh processes (curl, python requests, node fetch, the
    openai SDK, Go), 4 at a time, one call each right after start, agent in
    the default mode and hold: every call is exactly one event with the
    server's model, request id and tokens, the process's pid and cgroup;
    no dark event; every first connection was held, none failed open."""
    check_tools()
    n, jobs = n_processes(), int(os.environ.get("TT_FIRSTCALL_JOBS", "4"))
    since = len(server_lines(env))
    kinds = os.environ.get("TT_FIRSTCALL_KINDS", ",".join(KINDS)).split(",")
    check(set(kinds) <= set(KINDS), "TT_FIRSTCALL_KINDS: one of %s" % ", ".join(KINDS))
    calls = [Call(env, kinds[i % len(kinds)], i) for i in range(n)]
    status_path = os.path.join(env.dir, "status-firstcall.json")
    agent = Agent(env, "firstcall", ["--status-file", status_path])
    t0 = time.monotonic()
    try:
        run_all(env, calls, jobs)
        status = read_status(status_path)  # removed when the agent stops
    finally:
        agent.stop()
    took = time.monotonic() - t0
    check(status is not None and status["mode"] == "scoped" and status["hold_ms"] == 1000,
          "not the default mode and hold: status %r" % status)
    assert_calls(env, agent, calls, since)
    assert_no_secrets(env, agent)
    ob, at = agent.observer, agent.attach
    # The observer is host-wide: other traffic may add to these, never
    # take away. Each fresh process's first connection is held.
    check(ob["held"] >= n, "only %d of %d first connections held: %r" % (ob["held"], n, ob))
    check(ob["hold_failopen"] == 0, "%d holds ended by the deadline" % ob["hold_failopen"])
    check(at["armed"] >= n, "only %d processes armed: %r" % (at["armed"], at))
    print("first-call: %d processes (%s), %d at a time, %d/%d exact in %.1fs; "
          "held %d, released by the kick %d, failed open %d, segments dropped %d "
          "(%.2f per hold); arm time mean %.1f ms, max %.1f ms; sockets tied by "
          "the kernel %d, by time %d"
          % (n, "/".join(kinds), jobs, n, n, took, ob["held"], ob["kicked"],
             ob["hold_failopen"], ob["hold_drops"], ob["hold_drops"] / max(ob["held"], 1),
             at["arm_ns_total"] / max(at["armed"], 1) / 1e6,
             at["arm_ns_max"] / 1e6, ob["ai_linked"], ob["ai_tied_late"]), flush=True)
