"""End-to-end harness: the real agent, real clients, a real local TLS server.

Clients reach the fake provider under the real provider names: curl through
--resolve, everything else in a private mount namespace whose /etc/hosts
maps those names to 127.0.0.1. Each client runs in its own cgroup v2 child,
so the cgroup id the agent reports can be checked against the directory's
inode. Nothing here sends traffic anywhere but 127.0.0.1.
"""
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOOLS = os.path.join(ROOT, "tools")
CLIENTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "clients")
sys.path.insert(0, TOOLS)
from fakeai_pattern import pattern_sha256  # noqa: E402

PY = "/usr/bin/python3"  # Debian's python: its ssl module uses libssl.so.3
AI_NAME = "api.openai.com"
OTHER_NAME = "www.example.com"
PORT = 443


class Failure(Exception):
    pass


class Skip(Exception):
    """Raised by a test that cannot run here (a missing tool, a kernel
    feature): run.py reports it as SKIP, never as PASS."""


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def wait_for(path, timeout, proc=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path):
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.02)
    return False


def cgroup2_root():
    """The cgroup v2 mount: /sys/fs/cgroup (unified) or .../unified (hybrid)."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            if right.split()[0] == "cgroup2":
                return left.split()[4]
    raise Failure("no cgroup2 mount")


class Env:
    """Shared fixtures for one test run: certs, hosts file, server, cgroups."""

    def __init__(self, agent):
        self.agent = os.path.abspath(agent)
        self.dir = tempfile.mkdtemp(prefix="tokentap-e2e-")
        os.chmod(self.dir, 0o755)
        self.certs = os.path.join(self.dir, "certs")
        subprocess.run([os.path.join(TOOLS, "gen-test-certs.sh"), self.certs],
                       check=True)
        self.ca = os.path.join(self.certs, "ca.pem")
        self.hosts = os.path.join(self.dir, "hosts")
        with open(self.hosts, "w") as f:
            f.write("127.0.0.1 localhost %s %s api.anthropic.com\n"
                    % (AI_NAME, OTHER_NAME))
        self.server_log = os.path.join(self.dir, "server.jsonl")
        self.cg_parent = os.path.join(cgroup2_root(), "tokentap-e2e-%d" % os.getpid())
        os.mkdir(self.cg_parent)
        self.server = None
        self.extra_servers = []
        self.secrets = []  # strings that must never appear in any output
        self.expect_1m = pattern_sha256(1048576)

    def start_server(self, port=PORT, log=None, extra=(), name="server"):
        """The fake provider; a second one (another port, log and options,
        e.g. --h2) may run beside the first. Returns its process."""
        ready = os.path.join(self.dir, "%s.ready" % name)
        proc = subprocess.Popen(
            [PY, os.path.join(TOOLS, "fakeai.py"), "--host", "127.0.0.1",
             "--port", str(port), "--cert", os.path.join(self.certs, "server.pem"),
             "--key", os.path.join(self.certs, "server.key"),
             "--log", log or self.server_log, "--ready-file", ready] + list(extra),
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.dir, "%s.err" % name), "w"))
        check(wait_for(ready, 20, proc),
              "fake server did not start (port %d busy?)" % port)
        if self.server is None:
            self.server = proc
        else:
            self.extra_servers.append(proc)
        return proc

    def close(self):
        for srv in [self.server] + self.extra_servers:
            if not srv:
                continue
            srv.send_signal(signal.SIGTERM)
            try:
                srv.wait(10)
            except subprocess.TimeoutExpired:
                srv.kill()
        for name in sorted(os.listdir(self.cg_parent)):
            path = os.path.join(self.cg_parent, name)
            if os.path.isdir(path):
                try:
                    os.rmdir(path)
                except OSError:
                    pass
        try:
            os.rmdir(self.cg_parent)
        except OSError:
            pass
        if not os.environ.get("TT_E2E_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def server_conns(self):
        conns = []
        if os.path.exists(self.server_log):
            with open(self.server_log) as f:
                conns = [json.loads(l) for l in f if l.strip()]
        return [c for c in conns if c.get("event") == "conn"]

    def cgroup(self, name):
        path = os.path.join(self.cg_parent, name)
        os.makedirs(path, exist_ok=True)
        return path, os.stat(path).st_ino

    def make_body(self, tag, size=200 * 1024):
        """A chat request padded to size, with a unique prompt and API key."""
        marker = "PROMPT-%s-%s" % (tag, uuid.uuid4().hex)
        key = "sk-tokentap-e2e-%s" % uuid.uuid4().hex
        self.secrets += [marker, key]
        head = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"%s ' % marker
        tail = '"}]}'
        body = (head + "x" * (size - len(head) - len(tail)) + tail).encode()
        path = os.path.join(self.dir, "body-%s" % tag)
        with open(path, "wb") as f:
            f.write(body)
        return path, key, hashlib.sha256(body).hexdigest()

    def spawn(self, argv, cgroup_dir, env=None, hosts=True, **kw):
        """Starts argv in cgroup_dir (and a mount namespace with our hosts
        file). The pid stays the client's: every step execs."""
        script = 'echo $$ > "$0/cgroup.procs" && exec "$@"'
        inner = list(argv)
        if hosts:
            inner = ["unshare", "-m", "sh", "-c",
                     'mount --bind "$0" /etc/hosts && exec "$@"', self.hosts] + inner
        full_env = dict(os.environ)
        full_env.update(env or {})
        return subprocess.Popen(["sh", "-c", script, cgroup_dir] + inner,
                                env=full_env, **kw)


class Agent:
    """One agent run with its own events file."""

    def __init__(self, env, name, extra=(), digest=True, config=None):
        """config: a configuration (dict) for this run, e.g.
        {"capture": {"mode": "all"}}; None: the defaults."""
        self.env = env
        self.events = os.path.join(env.dir, "events-%s.jsonl" % name)
        self.errfile = os.path.join(env.dir, "agent-%s.err" % name)
        ready = os.path.join(env.dir, "agent-%s.ready" % name)
        extra = list(extra)
        if config is not None:
            path = os.path.join(env.dir, "config-%s.json" % name)
            with open(path, "w") as f:
                json.dump(dict({"version": 1}, **config), f)
            extra += ["--config", path]
        self.proc = subprocess.Popen(
            [env.agent, "run", "--events", self.events, "--ready-file", ready,
             "--duration", "300"] + (["--stream-digest"] if digest else []) + extra +
            os.environ.get("TT_E2E_AGENT_ARGS", "").split(),
            stdout=subprocess.DEVNULL, stderr=open(self.errfile, "w"))
        check(wait_for(ready, 60, self.proc), "agent did not get ready: %s" % self.stderr())

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise Failure("agent did not stop on SIGTERM")
        check(rc == 0, "agent exited %d: %s" % (rc, self.stderr()))
        with open(self.events) as f:
            self.records = [json.loads(l) for l in f if l.strip()]
        stats = [r for r in self.records if r.get("type") == "agent_stats"]
        check(len(stats) == 1, "expected one agent_stats record")
        self.stats = stats[0]["capture"]
        self.observer = stats[0].get("observer", {})
        self.attach = stats[0]["attach"]
        return self.records

    def stderr(self):
        with open(self.errfile) as f:
            return f.read()[-2000:]

    def alloc_events(self):
        return [r for r in self.records
                if r.get("event_type") == "ai_api_cost_allocation"]

    def conns(self, pid):
        return [r for r in self.records
                if r.get("type") == "connection" and r["pid"] == pid]


def run_client(env, proc, name, timeout=120):
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise Failure("%s timed out" % name)
    check(proc.returncode == 0, "%s failed (%d): %s" % (name, proc.returncode,
                                                      (err or b"")[-500:]))
    return out


def match_server_conn(env, rec):
    """The server connection whose bytes hash equal to the agent's record."""
    for c in env.server_conns():
        if (c["sha256_in"] == rec["egress"].get("sha256") and
                c["sha256_out"] == rec["ingress"].get("sha256")):
            return c
    return None


def assert_exact_capture(env, agent, pid, cg_ino, label):
    """The agent's record for pid equals, byte for byte, what the server saw."""
    recs = agent.conns(pid)
    check(recs, "%s: no connection record for pid %d" % (label, pid))
    for rec in recs:
        srv = match_server_conn(env, rec)
        if srv is None:
            continue
        check(rec["cgroup_id"] == cg_ino, "%s: cgroup id %s != %s" %
              (label, rec["cgroup_id"], cg_ino))
        check(rec["egress"]["gap_bytes"] == 0 and rec["ingress"]["gap_bytes"] == 0,
              "%s: gaps in capture" % label)
        check(rec["egress"]["bytes"] == srv["bytes_in"], "%s: egress bytes" % label)
        check(rec["ingress"]["bytes"] == srv["bytes_out"], "%s: ingress bytes" % label)
        check(rec["server_name"] == AI_NAME and rec["provider"] == "openai",
              "%s: server name/provider %s/%s" % (label, rec["server_name"], rec["provider"]))
        return rec
    raise Failure("%s: no record of pid %d hashes equal to a server connection "
                  "(records: %s)" % (label, pid, json.dumps(recs)[:800]))
