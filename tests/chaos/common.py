"""Shared by the chaos cases: the agent run, the ledger read strictly, calls
with exact usage, the server's account of them.

Each case asserts a promise of docs/security.md or docs/events.md under an
attack or a failure; the e2e harness (tests/e2e/harness.py) gives the fake
provider, certificates, cgroups and the client namespace."""
import json
import os
import signal
import subprocess
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
E2E = os.path.join(os.path.dirname(HERE), "e2e")
sys.path.insert(0, E2E)
from harness import (CLIENTS, PY, TOOLS, Failure, Skip, check,  # noqa: E402,F401
                     cgroup2_root, run_client, wait_for)

LONG = os.environ.get("TT_CHAOS_LONG") == "1"
PY_REQUESTS = os.path.join(CLIENTS, "py_requests_plan.py")
OAI_CHAT = "https://api.openai.com/v1/chat/completions"
EVENT = "ai_api_cost_allocation"
TOKENS = (11, 7)  # X-Fake-Tokens of every call: exact usage to check
NOBODY = 65534


class AgentRun:
    """`tokentap run` with a ledger where the case wants it. ready() waits
    for the ready file; refused() for an exit before it."""

    def __init__(self, env, name, events=None, extra=(), config=None,
                 state_dir=""):
        self.env, self.name = env, name
        self.events = events or os.path.join(env.dir, "chaos-%s.jsonl" % name)
        self.errfile = os.path.join(env.dir, "chaos-agent-%s.err" % name)
        self.ready_file = os.path.join(env.dir, "chaos-agent-%s.ready" % name)
        cfg = {"version": 1, "capture": {"state_dir": state_dir}}
        # TT_CHAOS_CONFIG (JSON) goes over every case's own: a negative
        # control turns a defence off and the case must then fail
        # ('{"ledger": {"rate_limit": {"burst": 0}}}' for the flood).
        extra_cfg = json.loads(os.environ.get("TT_CHAOS_CONFIG") or "{}")
        for part in (config or {}, extra_cfg):
            for k, v in part.items():
                if isinstance(v, dict):
                    cfg.setdefault(k, {}).update(v)
                else:
                    cfg[k] = v
        self.config = os.path.join(env.dir, "chaos-config-%s.json" % name)
        self.config_json = cfg
        if not os.path.exists(self.config):
            with open(self.config, "w") as f:
                json.dump(cfg, f)
        if os.path.exists(self.ready_file):
            os.unlink(self.ready_file)
        self.argv = [env.agent, "run", "--events", self.events, "--config",
                     self.config, "--ready-file", self.ready_file,
                     "--duration", "600", "--status-file", "off"] + list(extra)
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL,
                                     stderr=open(self.errfile, "a"))

    def ready(self, timeout=60):
        check(wait_for(self.ready_file, timeout, self.proc),
              "%s: agent did not get ready: %s" % (self.name, self.stderr()))
        return self

    def refused(self, timeout=20):
        """The agent must exit non-zero before it is ready (before BPF)."""
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise Failure("%s: the agent ran instead of refusing: %s"
                          % (self.name, self.stderr()))
        check(rc != 0, "%s: the agent exited 0 instead of refusing" % self.name)
        check(not os.path.exists(self.ready_file),
              "%s: the agent got ready before refusing" % self.name)
        check("ready: capture" not in self.stderr(),
              "%s: BPF was loaded before the refusal" % self.name)
        return self.stderr()

    def alive(self):
        return self.proc.poll() is None

    def stop(self, timeout=60):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise Failure("%s: agent did not stop on SIGTERM" % self.name)
        check(rc == 0, "%s: agent exited %d: %s" % (self.name, rc, self.stderr()))

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stderr(self, tail=6000):
        """The agent's log: its last tail characters (for failure
        messages), all of it with tail=None (to count messages: an
        episode's first one may be thousands of "armed pid" lines back)."""
        with open(self.errfile, errors="replace") as f:
            text = f.read()
        return text if tail is None else text[-tail:]


def ledger_files(path):
    """The ledger and its rotated files, oldest first."""
    out = []
    for i in range(64, 0, -1):
        if os.path.exists("%s.%d" % (path, i)):
            out.append("%s.%d" % (path, i))
    if os.path.exists(path):
        out.append(path)
    return out


def read_ledger(path):
    """Every record of every ledger file; fails on half a line, a line that
    is not one JSON object, or two objects glued together."""
    records = []
    for name in ledger_files(path):
        with open(name, "rb") as f:
            data = f.read()
        check(not data or data.endswith(b"\n"),
              "%s ends in half a line: %r" % (name, data[-80:]))
        for i, line in enumerate(data.split(b"\n")[:-1]):
            try:
                obj = json.loads(line)
            except ValueError:
                raise Failure("%s line %d is not one JSON object: %r..."
                              % (name, i + 1, line[:160]))
            check(isinstance(obj, dict), "%s line %d: not an object" % (name, i + 1))
            records.append(obj)
    return records


def ledger_bytes(path):
    return sum(os.path.getsize(p) for p in ledger_files(path))


def events(records, pids=None):
    return [r for r in records if r.get("event_type") == EVENT and
            (pids is None or r["process"]["pid"] in pids)]


def agent_stats(records):
    st = [r for r in records if r.get("type") == "agent_stats"]
    check(st, "no agent_stats record in the ledger")
    return st[-1]


class Calls:
    """n chat calls from one python process (one keep-alive connection) in
    the cgroup cg, each with X-Fake-Tokens (exact usage) and its own key."""

    def __init__(self, env, cg, n, headers=None, path=OAI_CHAT, method="POST"):
        self.env, self.n = env, n
        reqs = []
        for i in range(n):
            key = new_key(env)
            h = {"Authorization": "Bearer " + key,
                 "X-Fake-Tokens": "%d,%d" % TOKENS}
            h.update(headers or {})
            reqs.append({"method": method, "url": path, "headers": h,
                         "json": {"model": "gpt-4o-mini",
                                  "messages": [{"role": "user", "content": "c%d" % i}]}})
        plan = os.path.join(env.dir, "chaos-plan-%s.json" % uuid.uuid4().hex[:8])
        with open(plan, "w") as f:
            json.dump({"requests": reqs}, f)
        cg_dir, self.cg_ino = env.cgroup(cg)
        self.proc = env.spawn([PY, PY_REQUESTS, plan], cg_dir,
                              env={"REQUESTS_CA_BUNDLE": env.ca},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.pid = self.proc.pid

    def wait(self, timeout=300):
        out = run_client(self.env, self.proc, "calls-%d" % self.pid, timeout)
        answered = out.decode().count(": 200 ")
        check(answered == self.n, "pid %d: %d of %d calls answered 200"
              % (self.pid, answered, self.n))
        return self


def new_key(env):
    """A unique API key, registered as a secret no output may hold."""
    key = "sk-chaos-" + uuid.uuid4().hex
    env.secrets.append(key)
    return key


def curl(env, cg, headers=(), header_file=None, tokens=TOKENS, timeout=60, key=None,
         url=OAI_CHAT, body=None):
    """One call by curl in cgroup cg (with key, or a new one): a chat, or
    body (a dict) to url; returns (pid, seconds)."""
    key = key or new_key(env)
    argv = ["curl", "-sS", "--http1.1", "-o", "/dev/null", "--cacert", env.ca]
    if header_file:  # first: what matters comes after it
        argv += ["-H", "@" + header_file]
    argv += ["-H", "Authorization: Bearer " + key, "-H", "Content-Type: application/json",
             "-H", "X-Fake-Tokens: %d,%d" % tokens]
    for h in headers:
        argv += ["-H", h]
    body = body or {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x"}]}
    argv += ["--data-binary", json.dumps(body), url]
    cg_dir, _ = env.cgroup(cg)
    t0 = time.monotonic()
    proc = env.spawn(argv, cg_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    run_client(env, proc, "curl", timeout)
    return proc.pid, time.monotonic() - t0


def server_exchanges(env):
    """The fake provider's account: request id -> its exchange line."""
    out = {}
    if os.path.exists(env.server_log):
        with open(env.server_log) as f:
            for line in f:
                ln = json.loads(line)
                if ln.get("event") == "exchange" and ln.get("request_id"):
                    out[ln["request_id"]] = ln
    return out


def check_exact(env, evs, label):
    """Each event's usage is what the server sent for its request id."""
    srv = server_exchanges(env)
    for e in evs:
        rid = e["provider_request_id"]
        check(rid in srv, "%s: event %s has request id %r the server never sent"
              % (label, e["event_id"], rid))
        want = srv[rid]["expect"]["usage"]
        for k in ("input_tokens", "output_tokens"):
            check(e["usage"][k] == want[k], "%s: %s %r, the server sent %r"
                  % (label, k, e["usage"][k], want[k]))
        check(e["outcome"] == "success", "%s: outcome %r" % (label, e["outcome"]))


def wait_events(path, pids, n, timeout, agent=None):
    """Until the ledger holds n events of pids (lines are flushed every
    20 ms); returns them."""
    deadline = time.time() + timeout
    got = []
    while time.time() < deadline:
        try:
            got = events(read_ledger(path), pids)
        except Failure:
            got = []
        if len(got) >= n:
            return got
        if agent is not None and not agent.alive():
            break
        time.sleep(0.1)
    raise Failure("%d of %d events of %s in the ledger after %ds"
                  % (len(got), n, sorted(pids), timeout))


def wait_quiet(measure, quiet_s, timeout):
    """Until measure() (a size, a count) has not changed for quiet_s: the
    agent, or what it feeds, has caught up. At most timeout seconds."""
    deadline, last, since = time.time() + timeout, None, time.time()
    while time.time() < deadline:
        now = measure()
        if now != last:
            last, since = now, time.time()
        elif time.time() - since >= quiet_s:
            return
        time.sleep(0.2)


def sh(*argv, check_rc=True):
    res = subprocess.run(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check_rc and res.returncode:
        raise Failure("%s: %s" % (" ".join(argv), res.stderr.decode()[-300:]))
    return res


class Tmpfs:
    """A small tmpfs of our own, unmounted at the end."""

    def __init__(self, env, name, size):
        self.path = os.path.join(env.dir, name)
        os.makedirs(self.path, mode=0o750, exist_ok=True)
        res = sh("mount", "-t", "tmpfs", "-o", "size=%s,mode=0750" % size,
                 "tmpfs", self.path, check_rc=False)
        if res.returncode:
            raise Skip("cannot mount a tmpfs: %s" % res.stderr.decode().strip())

    def close(self):
        sh("umount", "-l", self.path, check_rc=False)
