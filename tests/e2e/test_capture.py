"""End-to-end tests of the capture itself: which processes and libraries
are found and attached, byte-exact streams, in-kernel filtering, loss
accounting, and `tokentap doctor`.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import time

from harness import (ROOT, AI_NAME, CLIENTS, OTHER_NAME, PY, Agent,
                     assert_exact_capture, check, run_client)

ORDER = 10  # run.py runs these first, as they always were

URL = "https://%s/v1/chat/completions" % AI_NAME


def curl_argv(env, name, body, key, out):
    return ["curl", "-sS", "--fail", "-o", out, "--cacert", env.ca,
            "--resolve", "%s:443:127.0.0.1" % name,
            "-H", "Authorization: Bearer " + key, "-H", "Content-Type: application/json",
            "-H", "X-Fake-Body-Bytes: 1048576", "--data-binary", "@" + body,
            "https://%s/v1/chat/completions" % name]


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def client_argv(env, kind, tag):
    """argv and env for one client kind posting a 200 KiB body."""
    body, key, _ = env.make_body(tag)
    if kind == "curl":
        out = os.path.join(env.dir, "resp-%s" % tag)
        return curl_argv(env, AI_NAME, body, key, out), {"CURL_CA_BUNDLE": env.ca}, False, out
    if kind == "python-urllib":
        return ([PY, os.path.join(CLIENTS, "py_urllib.py"), URL, body, key, env.expect_1m],
                {"SSL_CERT_FILE": env.ca}, True, None)
    mode = "https" if kind == "node-https" else "fetch"
    return (["node", os.path.join(CLIENTS, "node_client.js"), mode, URL, body, key,
             env.expect_1m], {"NODE_EXTRA_CA_CERTS": env.ca}, True, None)


def run_kind(env, agent, kind, argv0=None):
    cg_dir, cg_ino = env.cgroup(kind)
    argv, cenv, hosts, out = client_argv(env, kind, kind)
    if argv0:
        argv[0] = argv0
    proc = env.spawn(argv, cg_dir, env=cenv, hosts=hosts,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    run_client(env, proc, kind)
    if out:
        check(sha256_file(out) == env.expect_1m, "%s: response body differs" % kind)
    return proc.pid, cg_ino


def test_doctor(env):
    """doctor exits 0 here and lists libssl, libgnutls and /usr/bin/node;
    given the Go test clients, it says how each can be traced (the stripped
    one through its pclntab)."""
    go = os.path.join(ROOT, "build", "go")
    res = subprocess.run([env.agent, "doctor", os.path.join(go, "tlsclient"),
                          os.path.join(go, "tlsclient-stripped")],
                         capture_output=True, text=True, timeout=120)
    check(res.returncode == 0, "doctor exited %d: %s" % (res.returncode, res.stdout))
    check("libssl.so" in res.stdout, "doctor does not list libssl")
    check("libgnutls.so" in res.stdout, "doctor does not list libgnutls")
    check("/usr/bin/node" in res.stdout, "doctor does not list /usr/bin/node")
    lines = res.stdout.splitlines()
    check(any("tlsclient-stripped" in ln and "found via pclntab" in ln and ln.startswith("ok")
              for ln in lines), "doctor on the stripped Go client: %s" % res.stdout[-600:])
    check(any(ln.startswith("ok") and ln.endswith("return probes)") and "tlsclient (" in ln
              for ln in lines), "doctor on the Go client: %s" % res.stdout[-600:])


# One call on a keep-alive connection, then the process stays (armed).
ARMED_CLIENT = r"""
import http.client, json, ssl, sys, time
name, ca, key = sys.argv[1], sys.argv[2], sys.argv[3]
c = http.client.HTTPSConnection(name, context=ssl.create_default_context(cafile=ca))
c.request("POST", "/v1/chat/completions",
          json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x"}]}),
          {"Authorization": "Bearer " + key, "Content-Type": "application/json"})
r = c.getresponse(); r.read()
assert r.status == 200, r.status
print("called", flush=True)
time.sleep(float(sys.argv[4]))
"""


def doctor_status(env, status_path):
    """The agent's own report as `doctor --status-file` prints it."""
    res = subprocess.run([env.agent, "doctor", "--status-file", status_path],
                         capture_output=True, text=True, timeout=60)
    for ln in res.stdout.splitlines():
        if ln.startswith("{"):
            return json.loads(ln), res.stdout
    return None, res.stdout


def test_doctor_armed(env):
    """While an agent runs, doctor says which mode runs and which processes
    are armed, why (the AI host they named) and with which TLS library; a
    process that talks to no AI host is not listed; once the agent stops,
    doctor says it is not running."""
    status_path = os.path.join(env.dir, "status-doctor.json")
    agent = Agent(env, "doctor-armed", ["--status-file", status_path])
    try:
        cg_dir, _ = env.cgroup("doctor-armed")
        _, key, _ = env.make_body("doctor-armed", size=1024)
        script = os.path.join(env.dir, "armed_client.py")
        with open(script, "w") as f:
            f.write(ARMED_CLIENT)
        proc = env.spawn([PY, script, AI_NAME, env.ca, key, "8"], cg_dir,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        check(proc.stdout.readline().strip() == "called", "the armed client's call failed")
        other = non_ai_curl_proc(env)
        deadline, st, out, mine = time.monotonic() + 6, None, "", []
        while time.monotonic() < deadline and not mine:
            time.sleep(0.5)
            st, out = doctor_status(env, status_path)
            mine = [a for a in (st or {}).get("armed", []) if a["pid"] == proc.pid]
        proc.kill()
        proc.wait()
    finally:
        agent.stop()
    check(st is not None, "doctor shows no agent status: %s" % out[-800:])
    check(st["mode"] == "scoped" and st["observer"] and st["hold_ms"] == 1000,
          "doctor: not the default mode: %r" % st)
    check(len(mine) == 1, "doctor does not list the armed client %d: %r" % (proc.pid, st))
    a = mine[0]
    check(a["state"] == "armed" and AI_NAME in a["reason"],
          "armed client: state/reason %r" % a)
    check(any("libssl" in lib for lib in a["libraries"]), "armed client: libraries %r" % a)
    check(other not in [x["pid"] for x in st["armed"]], "the non-AI curl is listed as armed")
    _, out = doctor_status(env, status_path)
    check("not running" in out, "doctor after the agent stopped: %s" % out[-400:])


def non_ai_curl_proc(env):
    """A curl to a non-AI name on loopback; returns its pid once done."""
    cg_dir, _ = env.cgroup("doctor-other")
    proc = env.spawn(["curl", "-sS", "-o", "/dev/null", "--cacert", env.ca,
                      "https://%s/" % OTHER_NAME], cg_dir,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc.wait(timeout=30)
    return proc.pid


def test_clients_exact(env):
    """curl, urllib, node https and fetch: 200 KiB up, 1 MiB down, each in
    its own cgroup, started after the agent: byte-exact from the first
    request, with the client's pid and cgroup id."""
    agent = Agent(env, "clients")
    ran = []
    try:
        for kind in ("curl", "python-urllib", "node-https", "node-fetch"):
            ran.append((kind,) + run_kind(env, agent, kind))
    finally:
        agent.stop()
    for kind, pid, cg_ino in ran:
        rec = assert_exact_capture(env, agent, pid, cg_ino, kind)
        req = rec.get("first_request", {})
        check(req.get("method") == "POST" and req.get("path") == "/v1/chat/completions",
              "%s: first request not seen from its start: %s" % (kind, req))
    check(agent.stats["ringbuf_lost_events"] == 0, "events lost at default ring size")
    assert_no_secrets(env, agent)


def assert_no_secrets(env, agent):
    """No prompt marker or API key in the agent's records or logs."""
    for path in (agent.events, agent.errfile):
        with open(path, errors="replace") as f:
            text = f.read()
        for secret in env.secrets:
            check(secret not in text, "secret %s... leaked into %s" % (secret[:12], path))


def test_new_binary_after_agent(env):
    """A TLS-carrying executable that did not exist when the agent started
    (a copy of node: another inode) is captured from its first request: in
    the default scoped mode because the connection observer held its first
    connection until its probes were in, in capture.mode "all" because the
    exec tracepoint found the new file."""
    copy = os.path.join(env.dir, "bin", "node-copy")
    os.makedirs(os.path.dirname(copy), exist_ok=True)
    shutil.copy2(shutil.which("node"), copy)
    for mode in ("scoped", "all"):
        agent = Agent(env, "newbin-" + mode, config={"capture": {"mode": mode}})
        try:
            pid, cg_ino = run_kind(env, agent, "node-fetch", argv0=copy)
        finally:
            agent.stop()
        rec = assert_exact_capture(env, agent, pid, cg_ino, "node copy (%s)" % mode)
        check(rec["first_request"]["method"] == "POST", "first request missed (%s)" % mode)
        if mode == "all":
            check(agent.attach["process_events"] > 0, "no exec events seen")
        else:
            check(agent.attach["armed"] >= 1 and agent.observer["held"] >= 1,
                  "the new binary was not armed on a held connection: %r %r"
                  % (agent.attach, agent.observer))


def libssl_copy(env):
    lib = os.path.join(env.dir, "ownlib")
    os.makedirs(lib, exist_ok=True)
    src = "/usr/lib/x86_64-linux-gnu/libssl.so.3"
    dst = os.path.join(lib, "libssl.so.3")
    if not os.path.exists(dst):
        shutil.copy2(src, dst)
    check(os.stat(dst).st_ino != os.stat(src).st_ino, "copy shares the inode")
    return lib, dst


def run_own_libssl(env, agent_name, before_agent):
    """urllib loading its own libssl copy via LD_LIBRARY_PATH."""
    lib, dst = libssl_copy(env)
    tag = "ownssl-" + agent_name
    body, key, _ = env.make_body(tag)
    cg_dir, cg_ino = env.cgroup(tag)
    go = os.path.join(env.dir, "go-" + tag)
    argv = [PY, os.path.join(CLIENTS, "py_urllib.py"), URL, body, key, env.expect_1m, go]
    cenv = {"SSL_CERT_FILE": env.ca, "LD_LIBRARY_PATH": lib}
    agent = None
    if not before_agent:
        agent = Agent(env, agent_name)
    proc = env.spawn(argv, cg_dir, env=cenv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = proc.stdout.readline().decode().strip()
        check(line == "libssl=" + dst, "client did not load the copy: %r" % line)
        if before_agent:
            agent = Agent(env, agent_name)
        open(go, "w").close()
        run_client(env, proc, tag)
    finally:
        if agent:
            agent.stop()
    assert_exact_capture(env, agent, proc.pid, cg_ino, tag)


def test_own_libssl_running_before(env):
    """A process already running with its own libssl copy is found by the
    /proc scan at start-up."""
    run_own_libssl(env, "ownssl-before", before_agent=True)


def test_own_libssl_started_after(env):
    """A process started after the agent that loads its own libssl copy is
    found when ld.so maps it, before its first request."""
    run_own_libssl(env, "ownssl-after", before_agent=False)


def non_ai_curl(env, agent_name, config):
    agent = Agent(env, agent_name, config=config)
    cg_dir, _ = env.cgroup("non-ai")
    body, key, _ = env.make_body("nonai")
    out = os.path.join(env.dir, "resp-nonai")
    try:
        proc = env.spawn(curl_argv(env, OTHER_NAME, body, key, out), cg_dir,
                         env={"CURL_CA_BUNDLE": env.ca}, hosts=False,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        run_client(env, proc, "curl non-ai")
    finally:
        agent.stop()
    check(sha256_file(out) == env.expect_1m, "non-AI client broken")
    check(not agent.conns(proc.pid), "non-AI connection produced a record")
    check(not [e for e in agent.alloc_events() if e["process"]["pid"] == proc.pid],
          "non-AI connection produced an event")
    return agent, proc.pid


def armed_in_log(agent):
    """(pid, reason) of each process the agent armed, from its log."""
    return [(int(p), r) for p, r in re.findall(r" armed pid (\d+) \(([^)]*)\)", agent.stderr())]


def test_non_ai_filtered(env):
    """A host not in the list: no record, no event. In the default scoped
    mode the process is never armed: not one of its TLS calls traps. In
    capture.mode "all" (every process probed) the kernel counts filtered
    calls and stops sending data for it."""
    agent, pid = non_ai_curl(env, "filtered-scoped", None)
    armed = armed_in_log(agent)
    check(pid not in [p for p, _ in armed], "the non-AI curl was armed: %r" % armed)
    # The observer is host-wide: a process that still holds an AI
    # connection from an earlier test is armed at start ("connection open
    # at start", or "(restart" from pinned state); nothing may be armed for
    # any other reason.
    late = [a for a in armed if "open at start" not in a[1] and "(restart" not in a[1]]
    check(len(armed) == agent.attach["armed"] and not late,
          "a process was armed during a non-AI run: %r (%r)" % (armed, agent.attach))
    check(agent.observer["other"] >= 1, "the observer did not see the connection")
    if not armed:
        check(agent.stats["captured_calls"] == 0 and agent.stats["filtered_calls"] == 0,
              "TLS calls trapped in a process that never reached an AI host: %r" % agent.stats)
    agent, _ = non_ai_curl(env, "filtered", {"capture": {"mode": "all"}})
    st = agent.stats
    # ~64 reads of the 1 MiB response and the upload writes, on both ends.
    check(st["filtered_calls"] >= 60, "filtered_calls %d" % st["filtered_calls"])
    # The client is filtered by its server name when it sets it, the fake
    # server's side by its role (it reads first): both in the kernel, so
    # not one byte of either is copied.
    check(st["sni_filtered_connections"] >= 1, "client not filtered by SNI")
    check(st["server_role_connections"] >= 1, "server side not filtered in-kernel")
    check(st["captured_bytes"] == 0, "captured %d bytes" % st["captured_bytes"])


def timed_curl(env, name, agent_label):
    cg_dir, _ = env.cgroup(name)
    body, key, _ = env.make_body(name)
    out = os.path.join(env.dir, "resp-" + name)
    t0 = time.monotonic()
    proc = env.spawn(curl_argv(env, AI_NAME, body, key, out), cg_dir,
                     env={"CURL_CA_BUNDLE": env.ca}, hosts=False,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    run_client(env, proc, name)
    elapsed = time.monotonic() - t0
    check(sha256_file(out) == env.expect_1m, "%s: response corrupted" % agent_label)
    return proc.pid, elapsed


def test_tiny_ringbuf(env):
    """A ring buffer smaller than one chunk: losses are counted and visible
    as stream gaps, the agent keeps running, the client is unharmed."""
    _, base = timed_curl(env, "rb-baseline", "no agent")
    agent = Agent(env, "tinyrb", ["--ringbuf-size", "16384"])
    try:
        pid, slow = timed_curl(env, "rb-tiny", "tiny ring")
        check(agent.alive(), "agent died with a tiny ring buffer")
    finally:
        agent.stop()
    check(agent.stats["ringbuf_lost_events"] > 0, "no loss counted")
    recs = agent.conns(pid)
    # The SNI event (300 bytes) fits an idle ring; full 16 KiB chunks never do.
    check(len(recs) == 1, "expected one record, got %d" % len(recs))
    for d in ("egress", "ingress"):
        ds = recs[0][d]
        check(ds["gap_bytes"] > 0, "%s loss not visible as a gap: %s" % (d, ds))
        check(ds["captured_bytes"] + ds["gap_bytes"] == ds["bytes"],
              "%s: captured + gap != bytes: %s" % (d, ds))
    # Even the response's tail, lost with no later event, is accounted for.
    check(recs[0]["ingress"]["bytes"] > 1048576,
          "ingress bytes %d: the lost tail is missing" % recs[0]["ingress"]["bytes"])
    check(slow < base * 3 + 1.0, "client slowed down: %.2fs vs %.2fs" % (slow, base))
