#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Measure what tokentap adds to TLS calls, relative to an empty uprobe.

Run as root (make bench does this):

    /usr/bin/python3 bench/run_bench.py --agent build/tokentap \
        --bench build/bench/ssl_rtt [--gnutls-bench build/bench/gnutls_rtt] \
        [--go-bench build/go/rtt] [--runs 5] [--iters 20000] [--size 64] \
        [--out results.json]

Each round measures, in this order:
  a. baseline  ssl_rtt rtt, SNI api.openai.com, no agent running
  b. floor     ssl_rtt floor, nothing attached
  c. floor     ssl_rtt floor, `tokentap probe-floor` attached (an empty
               entry uprobe and an empty return uprobe, as on each SSL call)
  d. agent     `tokentap run` running: ssl_rtt rtt with SNI www.example.com
               (filtered in the kernel), then SNI api.openai.com (captured)
then the same a-d with gnutls_rtt (GnuTLS: gnutls_server_name_set is the
in-kernel filter, as SSL_ctrl is for OpenSSL) and the Go driver (crypto/tls:
no server name probe, so the first message is an HTTP/1.1 request head whose
Host is the name; the filtered run is decided by the agent after those first
bytes, the floor is an empty entry probe plus an empty probe on each RET).
The median over rounds of each measurement is reported, per library.
"""

import argparse
import ctypes
import datetime
import json
import os
import platform
import re
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time

SNI_CAPTURED = "api.openai.com"
SNI_FILTERED = "www.example.com"
FLOOR_SYMBOL = "tt_bench_noop"
# Per round trip: client SSL_write + server SSL_read + server SSL_write +
# client SSL_read = 4 probed SSL calls, each with an entry and a return
# uprobe = 8 uprobe hits.
SSL_CALLS_PER_RTT = 4
PROBES_PER_CALL = 2
DRIVER_WARMUP_ITERS = 1000  # untimed round trips before each timed run

# The libraries measured, in this order. "by": how the agent filters the
# filtered run: "sni" in the kernel at the server-name call, "host" in user
# space from the first request head (Go: no server name probe).
LIBS = {
    "openssl": {"title": "OpenSSL", "symbol": FLOOR_SYMBOL, "by": "sni",
                "calls": ("SSL_write", "SSL_read"), "ret": "return"},
    "gnutls": {"title": "GnuTLS", "symbol": FLOOR_SYMBOL, "by": "sni",
               "calls": ("gnutls_record_send", "gnutls_record_recv"),
               "ret": "return"},
    "go": {"title": "Go crypto/tls", "symbol": "main.ttBenchNoop", "by": "host",
           "calls": ("(*Conn).Write", "(*Conn).Read"), "ret": "RET"},
}

AGENT_READY_TIMEOUT = 60.0
FLOOR_READY_TIMEOUT = 30.0
AGENT_STOP_TIMEOUT = 20.0
FLOOR_STOP_TIMEOUT = 10.0
BENCH_TIMEOUT = 300.0
OTHER_AGENT_WAIT = 300.0


class BenchError(Exception):
    pass


# ------------------------------------------------------------ child processes

_children = []  # every Popen we started and have not reaped yet

_PR_SET_PDEATHSIG = 1
try:
    _libc = ctypes.CDLL(None, use_errno=True)
except OSError:  # pragma: no cover - always there on glibc
    _libc = None


def _die_with_parent():
    """preexec_fn: the child gets SIGTERM if this script dies (even SIGKILL)."""
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def spawn(argv, log_path):
    log = open(log_path, "wb")
    try:
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                             stderr=subprocess.STDOUT,
                             preexec_fn=_die_with_parent, close_fds=True)
    finally:
        log.close()
    _children.append(p)
    return p


def stop(p, timeout):
    """SIGTERM, wait up to timeout, then SIGKILL. Returns the exit code."""
    if p.poll() is None:
        try:
            p.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            print(f"warning: pid {p.pid} ignored SIGTERM for {timeout:.0f} s, "
                  "killing it", file=sys.stderr)
            p.kill()
            p.wait()
    if p in _children:
        _children.remove(p)
    return p.returncode


def stop_all():
    for p in list(_children):
        stop(p, 5.0)


def _on_signal(signum, frame):
    # Turn SIGTERM/SIGHUP into an exception so every finally block runs.
    raise SystemExit(128 + signum)


def tail(path, n=20):
    try:
        with open(path, "r", errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def wait_ready(p, ready, timeout, what, log_path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(ready):
            return
        if p.poll() is not None:
            raise BenchError(f"{what} exited with status {p.returncode} before "
                             f"it was ready:\n{tail(log_path)}")
        time.sleep(0.02)
    stop(p, 5.0)
    raise BenchError(f"{what} not ready after {timeout:.0f} s:\n{tail(log_path)}")


class ProbeFloor:
    """`tokentap probe-floor BENCH SYMBOL 600 READY` while in scope (on a Go
    binary it probes the entry and each RET, never the return address)."""

    def __init__(self, agent, bench, tmp, symbol=FLOOR_SYMBOL):
        self.argv = [agent, "probe-floor", bench, symbol, "600",
                     os.path.join(tmp, "floor.ready")]
        self.ready = self.argv[-1]
        self.log = os.path.join(tmp, "probe-floor.log")
        self.p = None

    def __enter__(self):
        if os.path.exists(self.ready):
            os.unlink(self.ready)
        self.p = spawn(self.argv, self.log)
        wait_ready(self.p, self.ready, FLOOR_READY_TIMEOUT, "probe-floor",
                   self.log)
        return self

    def __exit__(self, *exc):
        # The default SIGTERM action ends it; the kernel drops the probe.
        stop(self.p, FLOOR_STOP_TIMEOUT)
        return False


class Agent:
    """`tokentap run --events /dev/null ...` while in scope."""

    def __init__(self, agent, tmp, mode):
        self.ready = os.path.join(tmp, "agent.ready")
        self.log = os.path.join(tmp, "agent.log")
        self.events = os.path.join(tmp, "events.jsonl")
        conf = os.path.join(tmp, "agent.json")
        with open(conf, "w") as f:
            json.dump({"version": 1, "capture": {"mode": mode}}, f)
        self.argv = [agent, "run", "--config", conf, "--events", self.events,
                     "--ready-file", self.ready, "--duration", "600"]
        self.p = None
        self.rc = None
        self.stats = {}

    def __enter__(self):
        if os.path.exists(self.ready):
            os.unlink(self.ready)
        self.p = spawn(self.argv, self.log)
        wait_ready(self.p, self.ready, AGENT_READY_TIMEOUT, "tokentap run",
                   self.log)
        return self

    def armed(self):
        """Processes the scoped agent armed so far (its log says each)."""
        try:
            with open(self.log, errors="replace") as f:
                return len(re.findall(r" armed pid \d+ ", f.read()))
        except OSError:
            return 0

    def __exit__(self, *exc):
        self.rc = stop(self.p, AGENT_STOP_TIMEOUT)
        log = tail(self.log, 200)
        m = re.search(r"stopped: (\d+) connections captured, (\d+) filtered, "
                      r"(\d+) (?:records|events)", log)
        if m:
            self.stats = {"captured": int(m.group(1)),
                          "filtered": int(m.group(2)),
                          "records": int(m.group(3))}
        m = re.search(r"ring buffer full: (\d+) events lost", log)
        self.stats["lost_events"] = int(m.group(1)) if m else 0
        # The kernel's own counters, from the agent_stats record at exit.
        try:
            with open(self.events) as f:
                for line in f:
                    rec = json.loads(line)
                    if rec.get("type") == "agent_stats":
                        cap = rec.get("capture", {})
                        self.stats["sni_filtered"] = cap.get(
                            "sni_filtered_connections", 0)
                        self.stats["lost_events"] = cap.get(
                            "ringbuf_lost_events", 0)
                        for k in ("captured_calls", "filtered_calls",
                                  "server_role_connections",
                                  "connections_filtered"):
                            self.stats[k] = cap.get(k, 0)
        except (OSError, ValueError):
            pass
        return False


# ---------------------------------------------------------------- measuring

def run_bench(bench, args):
    argv = [bench] + args
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True,
                           timeout=BENCH_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise BenchError(f"{shlex.join(argv)}: no result after "
                         f"{BENCH_TIMEOUT:.0f} s")
    if r.returncode != 0:
        raise BenchError(f"{shlex.join(argv)}: exit status {r.returncode}\n"
                         f"{r.stderr.strip()}")
    lines = [ln for ln in r.stdout.splitlines() if ln.strip()]
    try:
        return json.loads(lines[-1])
    except (IndexError, ValueError):
        raise BenchError(f"{shlex.join(argv)}: no JSON on stdout: "
                         f"{r.stdout!r}")


def proc_cpu_ns(pid):
    """CPU time of all threads of a process, in ns. schedstat counts in ns;
    /proc/<pid>/stat only in clock ticks (10 ms), too coarse here."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass  # a thread that just ended
    return total


def agent_cpu(ag, fn):
    """Runs fn(); returns (its result, the agent's CPU ns meanwhile)."""
    c0 = proc_cpu_ns(ag.p.pid)
    res = fn()
    return res, proc_cpu_ns(ag.p.pid) - c0


def rtt(bench, sni, iters, size):
    return run_bench(bench, ["rtt", "--sni", sni, "--iters", str(iters),
                             "--size", str(size)])


def floor(bench, iters):
    return run_bench(bench, ["floor", "--iters", str(iters)])


class Contaminated(Exception):
    """Another tokentap ran during a round: its probes skew every figure."""


def guard():
    others = other_agents()
    if others:
        raise Contaminated("; ".join(others))


def measure_lib(a, tmp, lib, bench):
    """Steps a-d of the docstring for one library's driver."""
    spec = LIBS[lib]
    r = {}
    guard()
    r["baseline"] = rtt(bench, SNI_CAPTURED, a.iters, a.size)
    guard()
    r["floor_unprobed"] = floor(bench, a.iters)
    guard()
    with ProbeFloor(a.agent, bench, tmp, spec["symbol"]):
        r["floor_probed"] = floor(bench, a.iters)
    guard()
    ag = Agent(a.agent, tmp, a.mode)
    with ag:
        armed0 = ag.armed()
        r["filtered"], cpu = agent_cpu(ag, lambda: rtt(
            bench, SNI_FILTERED, a.iters, a.size))
        r["agent_cpu_ns_per_rtt_filtered"] = cpu / a.iters
        armed_filtered = ag.armed() - armed0
        guard()
        r["captured"], cpu = agent_cpu(ag, lambda: rtt(
            bench, SNI_CAPTURED, a.captured_iters, a.size))
        r["agent_cpu_ns_per_rtt_captured"] = cpu / a.captured_iters
        armed_captured = ag.armed() - armed_filtered - armed0
        guard()
    r["agent_exit"] = ag.rc
    r["agent_stats"] = ag.stats
    # Client calls copied beyond the captured run's own (its write and read
    # per round trip, warm-up included): for Go, the filtered run's calls
    # before the agent's verdict landed; 0 when the name decides.
    if "captured_calls" in ag.stats:
        r["calls_copied_before_verdict"] = ag.stats["captured_calls"] - 2 * (
            DRIVER_WARMUP_ITERS + a.captured_iters)
    if ag.rc not in (0, None):
        raise BenchError(f"{lib}: tokentap run exited with status {ag.rc}:\n"
                         f"{tail(ag.log)}")
    if a.mode == "scoped":
        # Scoped: the filtered run's process talks to no AI host, so it is
        # never armed and pays no trap; the captured run's is armed by the
        # observer before its first TLS byte.
        if armed_filtered:
            raise BenchError(f"{lib}: the {SNI_FILTERED} run armed a process:"
                             f"\n{tail(ag.log)}")
        if armed_captured < 1:
            raise BenchError(f"{lib}: the {SNI_CAPTURED} run armed no process"
                             f", the 'captured' figure would be meaningless:"
                             f"\n{tail(ag.log)}")
    elif spec["by"] == "sni" and ag.stats.get("sni_filtered", 0) < 1:
        raise BenchError(f"{lib}: the agent filtered no connection in the "
                         f"kernel: the SNI {SNI_FILTERED} run was not "
                         f"filtered, the 'filtered' figure would be "
                         f"meaningless:\n{tail(ag.log)}")
    if a.mode == "all" and spec["by"] == "host" and ag.stats.get("filtered", 0) < 1:
        raise BenchError(f"{lib}: the agent filtered no connection: the "
                         f"Host {SNI_FILTERED} run was not filtered, the "
                         f"'filtered' figure would be meaningless:\n"
                         f"{tail(ag.log)}")
    if ag.stats.get("captured", 1) < 1:
        raise BenchError(f"{lib}: the agent captured no connection: the "
                         f"{SNI_CAPTURED} run was not classified, the "
                         f"'captured' figure would be meaningless:\n"
                         f"{tail(ag.log)}")
    return r


def one_round(a, tmp, on_contaminated):
    """OpenSSL's figures at the top level (as before), the others by name.
    A library whose measurement another tokentap disturbed is measured
    again after on_contaminated(lib, error), not the whole round."""
    r = {}
    for lib, bench in [("openssl", a.bench)] + other_libs(a):
        while True:
            try:
                m = measure_lib(a, tmp, lib, bench)
                break
            except Contaminated as e:
                on_contaminated(lib, e)
        if lib == "openssl":
            r.update(m)
        else:
            r[lib] = m
    return r


def other_libs(a):
    return [(lib, bench) for lib, bench in (("gnutls", a.gnutls_bench),
                                            ("go", a.go_bench)) if bench]


def wait_no_other_agents(timeout):
    """Wait until no tokentap we did not start is running; False on timeout."""
    deadline = time.monotonic() + timeout
    said = False
    while True:
        others = other_agents()
        if not others:
            return True
        if time.monotonic() >= deadline:
            print("run_bench: tokentap is still running; its probes would "
                  "skew the figures. Stop it first:\n  "
                  + "\n  ".join(others), file=sys.stderr)
            return False
        if not said:
            print("run_bench: another tokentap is running (its probes would "
                  f"skew the figures), waiting up to {timeout:.0f} s:\n  "
                  + "\n  ".join(others), file=sys.stderr, flush=True)
            said = True
        time.sleep(1.0)


def other_agents():
    """pids of tokentap processes we did not start (they skew the baseline)."""
    ours = {p.pid for p in _children}
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) in ours or int(d) == os.getpid():
            continue
        try:
            exe = os.path.basename(os.readlink(f"/proc/{d}/exe"))
            exe = exe.removesuffix(" (deleted)")
        except OSError:
            continue
        if exe == "tokentap":
            try:
                with open(f"/proc/{d}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                argv = [b"?", b"run"]
            # Only these load probes; replay, report, doctor and the other
            # offline commands cost the measured process nothing.
            if len(argv) > 1 and argv[1] not in (b"run", b"probe-floor"):
                continue
            cmd = b" ".join(argv).decode(errors="replace")
            found.append(f"{d}: {cmd.strip()}")
    return found


# ---------------------------------------------------------------- reporting

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def fmt_ns(ns, signed=False):
    if ns is None:
        return "n/a"
    sign = "+" if signed and ns >= 0 else ""
    if abs(ns) >= 1000:
        return f"{sign}{ns / 1000:.2f} µs"
    return f"{sign}{ns:.1f} ns"


def fmt_ratio(x):
    return "n/a" if x is None else f"{x:.2f}"


def med(rounds, key, field):
    return statistics.median(r[key][field] for r in rounds)


def spread(rounds, key, field):
    v = [r[key][field] for r in rounds]
    return min(v), max(v)


def summarize(rounds):
    s = {}
    for clock, rf, ff in (("wall", "ns_per_rtt", "ns_per_call"),
                          ("cpu", "cpu_ns_per_rtt", "cpu_ns_per_call")):
        c = {}
        c["baseline_ns_per_rtt"] = med(rounds, "baseline", rf)
        c["filtered_ns_per_rtt"] = med(rounds, "filtered", rf)
        c["captured_ns_per_rtt"] = med(rounds, "captured", rf)
        c["floor_unprobed_ns_per_call"] = med(rounds, "floor_unprobed", ff)
        c["floor_probed_ns_per_call"] = med(rounds, "floor_probed", ff)
        c["floor_trap_ns"] = (c["floor_probed_ns_per_call"]
                              - c["floor_unprobed_ns_per_call"])
        for mode in ("filtered", "captured"):
            added = c[f"{mode}_ns_per_rtt"] - c["baseline_ns_per_rtt"]
            per_call = added / SSL_CALLS_PER_RTT
            c[f"{mode}_added_ns_per_rtt"] = added
            c[f"{mode}_added_ns_per_call"] = per_call
            c[f"{mode}_ratio"] = (per_call / c["floor_trap_ns"]
                                  if c["floor_trap_ns"] > 0 else None)
        s[clock] = c
    for mode in ("filtered", "captured"):
        s[f"agent_cpu_ns_per_rtt_{mode}"] = statistics.median(
            r[f"agent_cpu_ns_per_rtt_{mode}"] for r in rounds)
    return s


def labels(lib, mode):
    """Row labels for lib; OpenSSL's are the ones the doc has always had."""
    spec = LIBS[lib]
    w, r = spec["calls"]
    what = "SNI" if spec["by"] == "sni" else "Host"
    return {
        "calls": f"2 {w} + 2 {r}",
        "calls_md": f"2 `{w}` + 2 `{r}`",
        "call": "SSL call" if lib == "openssl" else "call",
        "filtered": f"{what} `{SNI_FILTERED}` " + (
            "(not armed: no probe)" if mode == "scoped" else
            "(filtered)" if spec["by"] == "sni" else
            "(filtered after its first bytes)"),
        "captured": f"{what} `{SNI_CAPTURED}` (captured)",
        "hits": f"uprobe hits (entry + {spec['ret']})",
        "probes_md": ("an entry and a return uprobe" if spec["ret"] == "return"
                      else "an entry uprobe and a uprobe on its RET"),
        "floor": f"empty entry + {spec['ret']} uprobe",
    }


def print_table(rounds, s, meta, lib="openssl"):
    w, c = s["wall"], s["cpu"]
    lb = labels(lib, meta['mode'])
    print()
    if lib == "openssl":
        print(f"tokentap SSL benchmark — {meta['date']}, kernel "
              f"{meta['kernel']}, {meta['cpu']} ({meta['ncpu']} CPUs)")
        print(f"median of {meta['runs']} rounds; rtt iters {meta['iters']} "
              f"(captured {meta['captured_iters']}), size {meta['size']} B, "
              f"floor iters {meta['iters']}")
        print(f"each round trip = {SSL_CALLS_PER_RTT} probed SSL calls "
              f"({lb['calls']}) = "
              f"{SSL_CALLS_PER_RTT * PROBES_PER_CALL} {lb['hits']}")
    else:
        print(f"{LIBS[lib]['title']}: each round trip = {SSL_CALLS_PER_RTT} "
              f"probed calls ({lb['calls']}) = "
              f"{SSL_CALLS_PER_RTT * PROBES_PER_CALL} {lb['hits']}")
    print()
    kind = "SNI" if LIBS[lib]["by"] == "sni" else "Host"
    rows = [
        ("baseline rtt (no agent)", "baseline", "ns_per_rtt", "cpu_ns_per_rtt"),
        (f"filtered rtt ({SNI_FILTERED})" if lib == "openssl" else
         f"filtered rtt ({kind} {SNI_FILTERED})", "filtered", "ns_per_rtt",
         "cpu_ns_per_rtt"),
        (f"captured rtt ({SNI_CAPTURED})" if lib == "openssl" else
         f"captured rtt ({kind} {SNI_CAPTURED})", "captured", "ns_per_rtt",
         "cpu_ns_per_rtt"),
        ("floor call, unprobed", "floor_unprobed", "ns_per_call",
         "cpu_ns_per_call"),
        ("floor call, empty uprobes", "floor_probed", "ns_per_call",
         "cpu_ns_per_call"),
    ]
    hdr = f"{'measurement':<34} {'wall median':>13} {'wall min..max':>23} {'cpu median':>13}"
    print(hdr)
    print("-" * len(hdr))
    for label, key, wf, cf in rows:
        lo, hi = spread(rounds, key, wf)
        print(f"{label:<34} {fmt_ns(med(rounds, key, wf)):>13} "
              f"{fmt_ns(lo) + ' .. ' + fmt_ns(hi):>23} "
              f"{fmt_ns(med(rounds, key, cf)):>13}")
    print()
    hdr = f"{'derived (from medians)':<44} {'wall':>12} {'cpu':>12}"
    print(hdr)
    print("-" * len(hdr))
    call = lb["call"]
    derived = [
        ("added per rtt, filtered", "filtered_added_ns_per_rtt", True),
        ("added per rtt, captured", "captured_added_ns_per_rtt", True),
        (f"added per {call}, filtered (/4)", "filtered_added_ns_per_call", True),
        (f"added per {call}, captured (/4)", "captured_added_ns_per_call", True),
        ("floor (probed - unprobed call)", "floor_trap_ns", False),
    ]
    for label, k, signed in derived:
        print(f"{label:<44} {fmt_ns(w[k], signed):>12} {fmt_ns(c[k], signed):>12}")
    print(f"{'ratio filtered per call / floor':<44} "
          f"{fmt_ratio(w['filtered_ratio']):>12} {fmt_ratio(c['filtered_ratio']):>12}")
    print(f"{'ratio captured per call / floor':<44} "
          f"{fmt_ratio(w['captured_ratio']):>12} {fmt_ratio(c['captured_ratio']):>12}")
    print(f"{'agent process CPU per rtt, filtered':<44} "
          f"{fmt_ns(s['agent_cpu_ns_per_rtt_filtered']):>12}")
    print(f"{'agent process CPU per rtt, captured':<44} "
          f"{fmt_ns(s['agent_cpu_ns_per_rtt_captured']):>12}")
    lost = sum(r["agent_stats"].get("lost_events", 0) for r in rounds)
    if LIBS[lib]["by"] == "sni":
        conns = [(r["agent_stats"].get("captured"),
                  r["agent_stats"].get("sni_filtered"))
                 for r in rounds]
        how = "filtered in the kernel"
    else:
        conns = [(r["agent_stats"].get("captured"),
                  r["agent_stats"].get("filtered"))
                 for r in rounds]
        how = "filtered by Host"
    print()
    print(f"agent per round (connections captured, {how}): "
          f"{conns}; "
          f"ring buffer events lost: {lost}")
    if lib != "openssl":
        print("calls copied before the verdict, per round: "
              f"{[r.get('calls_copied_before_verdict') for r in rounds]}")


def markdown(s, meta, lib="openssl"):
    w, c = s["wall"], s["cpu"]
    lb = labels(lib, meta['mode'])
    L = []
    if lib == "openssl":
        L.append(f"- Command: {meta['command_md']}")
        L.append(f"- Date: {meta['date']}; the agent's `capture.mode`: "
                 f"`{meta['mode']}`")
        L.append(f"- Kernel (`uname -r`): `{meta['kernel']}`")
        L.append(f"- CPU: {meta['cpu']} ({meta['ncpu']} CPUs)")
        L.append(f"- Median of {meta['runs']} rounds; {meta['iters']} round "
                 f"trips of {meta['size']} B each way "
                 f"({meta['captured_iters']} when captured); {meta['iters']} "
                 f"floor calls. One round trip is {SSL_CALLS_PER_RTT} probed "
                 f"SSL calls ({lb['calls_md']}), each with an entry and a "
                 f"return uprobe: {SSL_CALLS_PER_RTT * PROBES_PER_CALL} "
                 f"uprobe hits.")
    else:
        L.append(f"**{LIBS[lib]['title']}**: one round trip is "
                 f"{SSL_CALLS_PER_RTT} probed calls ({lb['calls_md']}), each "
                 f"with {lb['probes_md']}: "
                 f"{SSL_CALLS_PER_RTT * PROBES_PER_CALL} uprobe hits.")
    L.append("")
    L.append("| Measurement | Wall clock (latency) | CPU time (process) |")
    L.append("|---|---:|---:|")

    def row(label, k, signed=False):
        L.append(f"| {label} | {fmt_ns(w[k], signed)} | {fmt_ns(c[k], signed)} |")

    call = "probed SSL call" if lib == "openssl" else "probed call"
    floor_md = lb["floor"]
    row("Round trip, no agent (baseline)", "baseline_ns_per_rtt")
    row(f"Round trip, agent running, {lb['filtered']}", "filtered_ns_per_rtt")
    row(f"Round trip, agent running, {lb['captured']}", "captured_ns_per_rtt")
    row("Floor call, nothing attached", "floor_unprobed_ns_per_call")
    row(f"Floor call, {floor_md} attached", "floor_probed_ns_per_call")
    row(f"Added per {call}, filtered", "filtered_added_ns_per_call", True)
    row(f"Added per {call}, captured", "captured_added_ns_per_call", True)
    row(f"Floor: {floor_md} (probed − unprobed call)", "floor_trap_ns")
    L.append(f"| **Filtered call / floor** | "
             f"**{fmt_ratio(w['filtered_ratio'])}** | "
             f"**{fmt_ratio(c['filtered_ratio'])}** |")
    L.append(f"| **Captured call / floor** | "
             f"**{fmt_ratio(w['captured_ratio'])}** | "
             f"**{fmt_ratio(c['captured_ratio'])}** |")
    L.append(f"| Agent process CPU per round trip, filtered | | "
             f"{fmt_ns(s['agent_cpu_ns_per_rtt_filtered'])} |")
    L.append(f"| Agent process CPU per round trip, captured | | "
             f"{fmt_ns(s['agent_cpu_ns_per_rtt_captured'])} |")
    return "\n".join(L)


# ---------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--agent", required=True, help="tokentap binary")
    ap.add_argument("--bench", required=True, help="ssl_rtt binary")
    ap.add_argument("--gnutls-bench", help="gnutls_rtt binary: GnuTLS rows")
    ap.add_argument("--go-bench", help="Go rtt binary (tests/go/rtt): Go rows")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--iters", type=int, default=20000,
                    help="timed round trips (and floor calls) per measurement")
    ap.add_argument("--captured-iters", type=int, default=None,
                    help="timed round trips when captured (default --iters)")
    ap.add_argument("--size", type=int, default=64,
                    help="bytes written each way per round trip")
    ap.add_argument("--mode", choices=("scoped", "all"), default="scoped",
                    help="capture.mode of the agent (scoped: the default)")
    ap.add_argument("--out", help="write results as JSON here")
    a = ap.parse_args()
    if a.runs < 1 or a.iters < 1 or a.size < 1:
        ap.error("--runs, --iters and --size must be positive")
    if a.size > 16384:
        print("run_bench: warning: --size above 16384 (one TLS record) needs "
              "more than one SSL_read per transfer; per-call figures assume "
              f"{SSL_CALLS_PER_RTT} calls per round trip", file=sys.stderr)
    if a.captured_iters is None:
        a.captured_iters = a.iters
    if a.captured_iters < 1:
        ap.error("--captured-iters must be positive")
    if os.geteuid() != 0:
        print("run_bench: must run as root (uprobes and BPF)", file=sys.stderr)
        return 2
    a.agent = os.path.abspath(a.agent)
    a.bench = os.path.abspath(a.bench)
    for lib, bench in other_libs(a):
        setattr(a, f"{lib}_bench", os.path.abspath(bench))
    for path in [a.agent, a.bench] + [b for _, b in other_libs(a)]:
        if not os.access(path, os.X_OK):
            print(f"run_bench: {path}: not an executable file", file=sys.stderr)
            return 2
    if not wait_no_other_agents(OTHER_AGENT_WAIT):
        return 2

    command = shlex.join([sys.executable] + sys.argv)
    command_md = f"`{command}`"
    if os.environ.get("MAKELEVEL"):
        command_md = f"`make bench`, which runs {command_md}"
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc)
                .strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "command_md": command_md,
        "kernel": os.uname().release,
        "cpu": cpu_model(),
        "ncpu": os.cpu_count(),
        "runs": a.runs,
        "mode": a.mode,
        "iters": a.iters,
        "captured_iters": a.captured_iters,
        "size": a.size,
        "ssl_calls_per_rtt": SSL_CALLS_PER_RTT,
        "uprobe_hits_per_rtt": SSL_CALLS_PER_RTT * PROBES_PER_CALL,
    }

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    tmp = tempfile.mkdtemp(prefix="tokentap-bench-")
    rounds = []
    discarded = 0
    t_start = time.monotonic()
    try:
        while len(rounds) < a.runs:
            i = len(rounds)
            t0 = time.monotonic()

            def on_contaminated(lib, e):
                nonlocal discarded
                stop_all()
                discarded += 1
                print(f"round {i + 1}/{a.runs}: {lib} discarded, another "
                      f"tokentap ran meanwhile ({e})", file=sys.stderr,
                      flush=True)
                if discarded > 2 * a.runs * (1 + len(other_libs(a))):
                    raise BenchError("too many rounds disturbed by another "
                                     "tokentap; stop it and retry")
                if not wait_no_other_agents(OTHER_AGENT_WAIT):
                    raise BenchError("another tokentap kept running")

            r = one_round(a, tmp, on_contaminated)
            rounds.append(r)
            print(f"round {i + 1}/{a.runs} ({time.monotonic() - t0:.1f} s): "
                  f"baseline {fmt_ns(r['baseline']['ns_per_rtt'])}, "
                  f"filtered {fmt_ns(r['filtered']['ns_per_rtt'])}, "
                  f"captured {fmt_ns(r['captured']['ns_per_rtt'])}, "
                  f"floor {fmt_ns(r['floor_unprobed']['ns_per_call'])} -> "
                  f"{fmt_ns(r['floor_probed']['ns_per_call'])}", flush=True)
            for lib, _ in other_libs(a):
                m = r[lib]
                print(f"  {lib}: baseline {fmt_ns(m['baseline']['ns_per_rtt'])}, "
                      f"filtered {fmt_ns(m['filtered']['ns_per_rtt'])}, "
                      f"captured {fmt_ns(m['captured']['ns_per_rtt'])}, "
                      f"floor {fmt_ns(m['floor_unprobed']['ns_per_call'])} -> "
                      f"{fmt_ns(m['floor_probed']['ns_per_call'])}", flush=True)
    except BenchError as e:
        print(f"run_bench: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("run_bench: interrupted", file=sys.stderr)
        return 130
    except SystemExit as e:
        print(f"run_bench: stopped by a signal (exit {e.code})",
              file=sys.stderr)
        raise
    finally:
        stop_all()
        for name in os.listdir(tmp):
            try:
                os.unlink(os.path.join(tmp, name))
            except OSError:
                pass
        try:
            os.rmdir(tmp)
        except OSError:
            pass

    meta["elapsed_s"] = round(time.monotonic() - t_start, 1)
    meta["rounds_discarded"] = discarded
    s = summarize(rounds)
    print_table(rounds, s, meta)
    md = markdown(s, meta)
    by_lib = {"openssl": s}
    for lib, _ in other_libs(a):
        lib_rounds = [r[lib] for r in rounds]
        s[lib] = summarize(lib_rounds)
        by_lib[lib] = s[lib]
        print_table(lib_rounds, s[lib], meta, lib)
        md += "\n\n" + markdown(s[lib], meta, lib)
    for lib, ls in by_lib.items():
        for clock in ("wall", "cpu"):
            if ls[clock]["floor_trap_ns"] <= 0:
                print(f"warning: {lib}: {clock} floor trap is not positive: "
                      "the empty uprobe did not fire?", file=sys.stderr)
    print()
    print("Markdown for docs/performance.md:")
    print()
    print(md)
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"meta": meta, "summary": s, "rounds": rounds,
                       "markdown": md}, f, indent=2)
            f.write("\n")
        print(f"\nresults written to {a.out}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        stop_all()
