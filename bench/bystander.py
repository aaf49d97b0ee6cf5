#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""What tokentap costs processes that never talk to an AI host.

Run as root:

    /usr/bin/python3 bench/bystander.py --agent build/tokentap \
        [--rounds 5] [--requests 20000] [--mode scoped|all|both] [--out FILE]

Two bystanders, each measured as CPU time per request of the bystander
process itself (ns from /proc/PID/task/*/schedstat), in alternating rounds
without and with the agent, so that both sides of each ratio come from the
same minutes of the same machine:

  nginx  Debian's nginx (one worker) serving a 4 KiB page over HTTPS
         (HTTP/2) to h2load with 4 connections on loopback: the worker's CPU
         per request. The agent's TLS probes would trap every SSL_read and
         SSL_write of the worker if it put them into nginx.
  client /usr/bin/python3 with requests: one keep-alive session making HTTPS
         GETs to www.example.com (resolved to 127.0.0.1 in a private mount
         namespace) against that nginx: the client's CPU per request.

The ratio agent/none is what a host that terminates or originates non-AI TLS
pays for running the agent. Prints a Markdown table and, with --out, JSON.
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import Agent, BenchError, cpu_seconds, wait_file

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
TOOLS = os.path.join(ROOT, "tools")
PAGE_BYTES = 4096
ADDR = "127.0.0.1"

CLIENT = r"""
import requests, sys, time
url, n, ca, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = requests.Session()
s.verify = ca
for _ in range(200):  # warm-up: connection, TLS session, code paths
    s.get(url).content
open(ready, "w").close()
sys.stdin.readline()  # the parent reads our CPU time now
for _ in range(n):
    r = s.get(url)
    assert len(r.content) == %d
print("done", flush=True)
sys.stdin.readline()
""" % PAGE_BYTES


class Nginx:
    """One master and one worker on ADDR:port, HTTP/1.1 and HTTP/2 over TLS."""

    def __init__(self, work, certs, port):
        self.dir = os.path.join(work, "nginx")
        os.makedirs(os.path.join(self.dir, "www"), exist_ok=True)
        with open(os.path.join(self.dir, "www", "page"), "wb") as f:
            f.write(b"x" * PAGE_BYTES)
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write("""
daemon off;
master_process on;
worker_processes 1;
pid %(d)s/nginx.pid;
error_log %(d)s/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %(d)s/tmp;
    server {
        listen %(addr)s:%(port)d ssl http2;
        ssl_certificate %(certs)s/server.pem;
        ssl_certificate_key %(certs)s/server.key;
        keepalive_requests 1000000;
        root %(d)s/www;
    }
}
""" % {"d": self.dir, "addr": ADDR, "port": port, "certs": certs})
        self.proc = subprocess.Popen(["nginx", "-c", conf, "-e",
                                      os.path.join(self.dir, "error.log")],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self.worker = None
        deadline = time.time() + 10
        while time.time() < deadline and self.worker is None:
            kids = subprocess.run(["pgrep", "-P", str(self.proc.pid)],
                                  capture_output=True, text=True).stdout.split()
            if kids:
                self.worker = int(kids[0])
            time.sleep(0.05)
        if self.worker is None:
            raise BenchError("nginx did not start a worker")
        self.url = "https://%s:%d/page" % (ADDR, port)

    def close(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def nginx_round(nginx, requests_n):
    """CPU seconds of the nginx worker per request under h2load -c 4."""
    before = cpu_seconds(nginx.worker)
    res = subprocess.run(["h2load", "-c", "4", "-m", "1", "-n", str(requests_n),
                          nginx.url], capture_output=True, text=True, timeout=600)
    after = cpu_seconds(nginx.worker)
    if res.returncode != 0 or "%d succeeded" % requests_n not in res.stdout:
        raise BenchError("h2load failed: %s" % (res.stdout + res.stderr)[-800:])
    return (after - before) / requests_n


def client_round(work, hosts, ca, port, requests_n):
    """CPU seconds per request of a python requests keep-alive client."""
    ready = os.path.join(work, "client.ready")
    if os.path.exists(ready):
        os.unlink(ready)
    script = os.path.join(work, "client.py")
    with open(script, "w") as f:
        f.write(CLIENT)
    url = "https://www.example.com:%d/page" % port
    proc = subprocess.Popen(
        ["unshare", "-m", "sh", "-c", 'mount --bind "$0" /etc/hosts && exec "$@"',
         hosts, "/usr/bin/python3", script, url, str(requests_n), ca, ready],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env=dict(os.environ, REQUESTS_CA_BUNDLE=ca))
    try:
        if not wait_file(ready, 60, proc):
            raise BenchError("client did not start")
        before = cpu_seconds(proc.pid)
        proc.stdin.write("\n")
        proc.stdin.flush()
        if proc.stdout.readline().strip() != "done":
            raise BenchError("client failed")
        after = cpu_seconds(proc.pid)
        proc.stdin.write("\n")
        proc.stdin.flush()
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    return (after - before) / requests_n


def measure(args, work, certs, hosts, mode):
    nginx = Nginx(work, certs, args.port)
    rows = {"nginx": {"none": [], "agent": []}, "client": {"none": [], "agent": []}}
    try:
        nginx_round(nginx, 2000)  # warm-up
        for _ in range(args.rounds):
            for with_agent in (False, True):
                agent = (Agent(args.agent, work, mode, None if mode == "legacy" else
                               {"capture": {"mode": mode}}) if with_agent else None)
                key = "agent" if with_agent else "none"
                try:
                    rows["nginx"][key].append(nginx_round(nginx, args.requests))
                    rows["client"][key].append(
                        client_round(work, hosts, os.path.join(certs, "ca.pem"),
                                     args.port, args.client_requests))
                finally:
                    if agent:
                        agent.stop()
    finally:
        nginx.close()
    out = {}
    for name, r in rows.items():
        none, agent = statistics.median(r["none"]), statistics.median(r["agent"])
        ratios = [a / n for a, n in zip(r["agent"], r["none"]) if n > 0]
        out[name] = {"none_us": none * 1e6, "agent_us": agent * 1e6,
                     "ratio": agent / none if none else float("nan"),
                     "round_ratios": ratios}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--client-requests", type=int, default=5000)
    ap.add_argument("--mode", choices=("scoped", "all", "both", "legacy"), default="scoped")
    ap.add_argument("--port", type=int, default=9443)
    ap.add_argument("--out")
    args = ap.parse_args()
    for tool in ("nginx", "h2load", "unshare"):
        if not shutil.which(tool):
            print("SKIP bystander: %s not installed (make deps)" % tool)
            return 0
    work = tempfile.mkdtemp(prefix="tokentap-bystander-")
    os.chmod(work, 0o755)
    certs = os.path.join(work, "certs")
    subprocess.run([os.path.join(TOOLS, "gen-test-certs.sh"), certs], check=True)
    hosts = os.path.join(work, "hosts")
    with open(hosts, "w") as f:
        f.write("127.0.0.1 localhost www.example.com\n")
    modes = ("scoped", "all") if args.mode == "both" else (args.mode,)
    results = {}
    try:
        for mode in modes:
            results[mode] = measure(args, work, certs, hosts, mode)
    except BenchError as e:
        print("bystander: FAILED: %s" % e, file=sys.stderr)
        return 1
    finally:
        if not os.environ.get("TT_BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    print("| Bystander (capture.mode) | CPU/request, no agent | with agent | ratio | per-round ratios |")
    print("|---|---:|---:|---:|---|")
    for mode, res in results.items():
        for name, label in (("nginx", "nginx worker, h2load -c 4, 4 KiB page"),
                            ("client", "python requests keep-alive client, non-AI host")):
            r = res[name]
            print("| %s (%s) | %.2f µs | %.2f µs | **%.3f** | %s |" % (
                label, mode, r["none_us"], r["agent_us"], r["ratio"],
                " ".join("%.3f" % x for x in r["round_ratios"])))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
