"""OpenSSL 3 linked statically and stripped: build/sslstatic's client
(Debian's libssl.a) as an executable and as a static PIE, without symbols.
The agent finds its functions by their error-site anchors
(user/binary/sslfind.c) and must trace it as exactly as any OpenSSL
client: the server's bytes both ways, the server name from ssl3_ctrl, the
call decoded. doctor says how the functions were found."""
import json
import os
import socket
import subprocess

from harness import AI_NAME, ROOT, Agent, Skip, assert_exact_capture, check, run_client
from test_decode import Secrets, chat, compare, server_exchanges, server_lines

ORDER = 45  # run.py runs the test files by ORDER, then by name

STATIC = os.path.join(ROOT, "build", "sslstatic")
BINS = ("tlsclient-stripped", "tlsclient-spie-stripped")


def static_bin(name):
    path = os.path.join(STATIC, name)
    check(os.access(path, os.X_OK), "%s missing: make e2e builds it" % path)
    return path


def request_file(env, sec, name, body):
    """An HTTP/1.1 request the client sends as it is."""
    data = json.dumps(body).encode()
    head = ("POST /v1/chat/completions HTTP/1.1\r\nHost: %s\r\n"
            "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
            "Content-Length: %d\r\nConnection: close\r\n\r\n"
            % (AI_NAME, sec.key(), len(data))).encode()
    path = os.path.join(env.dir, "static-req-%s" % name)
    with open(path, "wb") as f:
        f.write(head + data)
    return path


def run_static(env, sec, exe, name, body):
    cg_dir, cg_ino = env.cgroup("static-" + name)
    proc = env.spawn([exe, AI_NAME, "127.0.0.1", "443", env.ca,
                      request_file(env, sec, name, body)], cg_dir,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = run_client(env, proc, name)
    check(out.startswith(b"HTTP/1.1 200"), "%s: response %r" % (name, out[:80]))
    return proc.pid, cg_ino


AGENT_SUFFIX = {
    "claude": "/claude-code-linux-x64/claude",
    "codex": "/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex",
}


def agent_bins():
    """Installed Claude Code and Codex executables ($TT_AGENTS_DIR, ':'
    separated, else tests/e2e/agents/node_modules), as tests/unit/tls_bins.h
    finds them."""
    dirs = os.environ.get("TT_AGENTS_DIR") or os.path.join(
        ROOT, "tests", "e2e", "agents", "node_modules")
    found = {k: [] for k in AGENT_SUFFIX}
    for d in dirs.split(":"):
        for top, _, files in os.walk(d):
            for f in files:
                path = os.path.join(top, f)
                for kind, sfx in AGENT_SUFFIX.items():
                    if path.endswith(sfx) and not os.path.islink(path):
                        found[kind].append(path)
    return found


AGENT_FUNCS = {
    "claude": ("SSL_write at file offset 0x%x, probed: bytes written; OPENSSL_PUT_ERROR",
               "SSL_read at file offset 0x%x, probed: bytes read; OPENSSL_PUT_ERROR",
               "SSL_set_tlsext_host_name at file offset 0x%x, probed: server name;"),
    "codex": ("ssl_write_internal at file offset 0x%x, probed: bytes written; loads "
              "\"ssl_write_internal\" (ERR __func__) into rdx",
              "ssl_read_internal at file offset 0x%x, probed: bytes read; loads "
              "\"ssl_read_internal\" (ERR __func__) into rdx",
              "ssl3_ctrl at file offset 0x%x, probed: server name;",
              "CommonState::send_appdata_encrypt at file offset 0x%x, not probed (Rust ABI",
              "ChunkVecBuffer::consume_first_chunk at file offset 0x%x, not probed (Rust ABI",
              "EVP_AEAD_CTX_seal at file offset 0x%x, probed: rustls records written; "
              "its set of CIPHER reason codes",
              "EVP_AEAD_CTX_seal_scatter at file offset 0x%x, probed: rustls records written;",
              "EVP_AEAD_CTX_open at file offset 0x%x, probed: rustls records read;"),
}


def doctor_functions(out, path):
    """The function lines doctor printed under path's "tls functions"."""
    lines, funcs, mine = out.splitlines(), [], False
    for ln in lines:
        if ln.startswith("ok    tls functions"):
            mine = (" %s, found without symbols:" % path) in ln
        elif mine and ln.startswith("ok      function"):
            funcs.append(ln.split(None, 2)[2])
        else:
            mine = False
    return funcs


def test_agents_doctor(env):
    """doctor on the installed Claude Code and Codex executables says what
    was found without symbols, function by function: BoringSSL in Bun;
    OpenSSL 3.6 and rustls (read at aws-lc's AEAD) in Codex; each with its
    offset, whether it is probed and how it was found."""
    bins = agent_bins()
    files = bins["claude"] + bins["codex"]
    if not files:
        raise Skip("no Claude Code or Codex executable installed "
                   "(TT_AGENTS_DIR, tests/e2e/agents/node_modules)")
    res = subprocess.run([env.agent, "doctor"] + files, capture_output=True,
                         text=True, timeout=300)
    check(res.returncode == 0, "doctor exited %d: %s" % (res.returncode, res.stdout))
    lines = res.stdout.splitlines()
    want = {"claude": ("tls boringssl", "BoringSSL stripped, found via ssl_lib.cc"),
            "codex": ("tls openssl", "read at aws-lc's AEAD")}
    for kind, paths in bins.items():
        for path in paths:
            label, text = want[kind]
            check(any(ln.startswith("ok") and label in ln and os.path.realpath(path) + " (" in ln and
                      text in ln for ln in lines),
                  "doctor on %s: %s" % (path, res.stdout[-1200:]))
            funcs = doctor_functions(res.stdout, path)
            for pattern in AGENT_FUNCS[kind]:
                head = pattern.split(" at file offset")[0] + " at file offset 0x"
                hits = [f for f in funcs if f.startswith(head) and
                        pattern.split("0x%x")[1] in f]
                check(len(hits) == 1, "doctor on %s: %d lines like %r in %r" %
                      (path, len(hits), pattern, funcs))


def test_static_openssl_doctor(env):
    """doctor on the stripped clients: traced, found via ERR __func__."""
    res = subprocess.run([env.agent, "doctor"] + [static_bin(b) for b in BINS],
                         capture_output=True, text=True, timeout=180)
    check(res.returncode == 0, "doctor exited %d: %s" % (res.returncode, res.stdout))
    for b in BINS:
        check(any(ln.startswith("ok") and "/%s (3 functions;" % b in ln and
                  "stripped, found via ERR __func__" in ln
                  for ln in res.stdout.splitlines()),
              "doctor on %s: %s" % (b, res.stdout[-800:]))


def park(env, sec):
    """One process of each client, held in its TLS handshake by a listener
    that never answers, so that the agent's start-up scan finds the
    executables running. Returns the listener and the processes."""
    lsn = socket.socket()
    lsn.bind(("127.0.0.1", 0))
    lsn.listen(len(BINS))
    port = str(lsn.getsockname()[1])
    procs = []
    for b in BINS:
        cg_dir, _ = env.cgroup("static-park-" + b)
        procs.append(env.spawn([static_bin(b), AI_NAME, "127.0.0.1", port, env.ca,
                                request_file(env, sec, "park-" + b, chat("park"))],
                               cg_dir, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL))
    lsn.settimeout(20)
    conns = [lsn.accept()[0] for _ in BINS]
    return lsn, conns, procs


def test_static_openssl_exact(env):
    """Each stripped client, JSON and streaming, in its own cgroup:
    byte-exact capture, the server name from ssl3_ctrl, and the event says
    what the server sent. The agent runs in capture mode "all" and starts
    while one process of each client is running, so the probes found here
    are on both files before the measured runs: what is checked is what the
    probes capture, not when a process gets armed (an executable first
    seen on its exec event is attached through /proc/PID/root and cannot
    be once such a short-lived client has exited; scoped mode arms on
    connect(), which this client calls just before it sets the server
    name)."""
    sec = Secrets(env)
    since = len(server_lines(env))
    config = os.path.join(env.dir, "static-config.json")
    with open(config, "w") as f:
        json.dump({"capture": {"mode": "all"}}, f)
    lsn, conns, parked = park(env, sec)
    agent, pids = None, {}
    try:
        agent = Agent(env, "static", ["--config", config])
        for p in parked:
            p.kill()
            p.wait()
        for b in BINS:
            for stream in (False, True):
                body = chat(sec.prompt("s"), stream=True,
                            stream_options={"include_usage": True}) if stream \
                    else chat(sec.prompt("s"))
                name = "%s-%s" % (b, "stream" if stream else "json")
                pids[run_static(env, sec, static_bin(b), name, body)] = name
    finally:
        for p in parked:
            if p.poll() is None:
                p.kill()
                p.wait()
        for c in conns + [lsn]:
            c.close()
        if agent:
            agent.stop()
    check(agent.attach["static_found"] >= len(BINS) and
          agent.attach["static_cpu_us"] > 0,
          "agent_stats attach: %r" % agent.attach)
    exs = {ex["request_id"]: ex for ex in server_exchanges(env, since)}
    mine = [e for e in agent.alloc_events() if e["process"]["pid"] in
            {p for p, _ in pids}]
    # This client leaves Nagle on: a request segment can leave from the
    # context of the task that processes the server's ACK, so the kernel
    # does not tie the socket (bpf/observer.bpf.h try_link); the pipeline
    # ties it late (observer.ai_tied_late). No dark event for it, then.
    events = mine
    check(len(events) == 4, "%d events for the four calls: %s" % (len(events), [
        (e["process"]["pid"], e.get("provider_request_id"), e.get("problem"),
         e.get("stream")) for e in mine]))
    for (pid, cg_ino), name in pids.items():
        assert_exact_capture(env, agent, pid, cg_ino, name)
        ev = [e for e in events if e["process"]["pid"] == pid]
        check(len(ev) == 1, "%s: %d events" % (name, len(ev)))
        ex = exs.get(ev[0]["provider_request_id"]) if ev else None
        check(ex is not None, "%s: no server exchange for the event" % name)
        compare(ev[0], ex, name)
        check(ev[0]["usage_status"] == "reported", "%s: usage %s" %
              (name, ev[0]["usage_status"]))
    with open(agent.events) as f:
        text = f.read()
    for s in env.secrets:
        check(s not in text, "secret %s... leaked" % s[:16])
