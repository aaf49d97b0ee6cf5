"""What the benchmark drivers under bench/ share: CPU and memory readings
of a process, waiting for a file, an agent run with a configuration, and
the kernel's per-program BPF run times."""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "e2e"))
# One way to wait for a ready file, the e2e harness's.
from harness import wait_for as wait_file  # noqa: E402,F401


class BenchError(Exception):
    pass


def cpu_seconds(pid):
    """CPU time of one process, all its threads, in seconds: the sum of
    /proc/PID/task/*/schedstat's first field (ns; /proc/PID/stat counts in
    clock ticks, too coarse for a few thousand requests)."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass  # a thread that just ended
    return total / 1e9


def status_kb(pid, key):
    """A /proc/PID/status field in KiB (VmRSS, VmHWM, ...)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def rss_by_mapping(pid, top=6):
    """Resident KiB by mapping name ([heap], anon_inode:bpf-map, ...)."""
    sizes, name = {}, None
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            head = line.split()
            if "-" in head[0] and not head[0].endswith(":"):
                name = head[5] if len(head) > 5 else "[anon]"
            elif head[0] == "Rss:":
                sizes[name] = sizes.get(name, 0) + int(head[1])
    return dict(sorted(sizes.items(), key=lambda kv: -kv[1])[:top])


class Agent:
    """One agent run: config (a dict, None: the defaults), its own events
    file and log in work/. Pinned state goes to a directory of its own so
    that an agent already running on the machine is not disturbed."""

    def __init__(self, agent, work, name, config=None, extra=()):
        self.work, self.name = work, name
        self.ready = os.path.join(work, "agent-%s.ready" % name)
        self.events = os.path.join(work, "events-%s.jsonl" % name)
        if os.path.exists(self.ready):
            os.unlink(self.ready)
        cfg = dict({"version": 1}, **(config or {}))
        cfg.setdefault("capture", {}).setdefault("state_dir", "/sys/fs/bpf/tokentap-bench")
        conf = os.path.join(work, "agent-%s.json" % name)
        with open(conf, "w") as f:
            json.dump(cfg, f)
        self.proc = subprocess.Popen(
            [agent, "run", "--config", conf, "--events", self.events,
             "--ready-file", self.ready, "--metrics-listen", "off",
             "--log-level", "warn"] + list(extra),
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(work, "agent-%s.err" % name), "a"))
        if not wait_file(self.ready, 60, self.proc):
            raise BenchError("agent did not get ready (see %s/agent-%s.err)" % (work, name))

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise BenchError("agent did not stop")

    def records(self):
        with open(self.events) as f:
            return [json.loads(l) for l in f if l.strip()]


def bpf_stats_enable():
    """Turns on the kernel's per-program run time accounting; returns the
    previous value so the caller can restore it."""
    path = "/proc/sys/kernel/bpf_stats_enabled"
    with open(path) as f:
        old = f.read().strip()
    with open(path, "w") as f:
        f.write("1")
    return old


def bpf_stats_restore(old):
    with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
        f.write(old)


def bpf_prog_stats(names):
    """{name: (run_cnt, run_time_ns)} summed over the loaded programs with
    these names (bpftool's JSON; the kernel keeps 15 bytes of a name)."""
    out = subprocess.run(["bpftool", "-j", "prog", "show"], capture_output=True,
                         text=True, check=True).stdout
    res = {n: [0, 0] for n in names}
    # bpftool prints the BTF name in full when it has it, else the
    # kernel's 15 bytes.
    short = dict({n[:15]: n for n in names}, **{n: n for n in names})
    for p in json.loads(out):
        n = short.get(p.get("name"))
        if n:
            res[n][0] += p.get("run_cnt", 0)
            res[n][1] += p.get("run_time_ns", 0)
    return {n: tuple(v) for n, v in res.items()}
