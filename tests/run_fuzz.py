#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Runs each libFuzzer target briefly from its checked-in corpus.

Usage: run_fuzz.py [--seconds N] BINARY...

Each build/fuzz/<name> runs for N seconds (default 5) over a scratch copy of
tests/fuzz/corpus/<name>, so new inputs never land in the tree. A crash,
leak, sanitizer report or timeout fails it; the reproducer is kept and its
path printed. Last line: "fuzz: N passed, N failed".
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def run_one(binary, seconds):
    name = os.path.basename(binary)
    corpus = os.path.join(ROOT, "tests", "fuzz", "corpus", name)
    work = tempfile.mkdtemp(prefix="tokentap-fuzz-%s-" % name)
    scratch = os.path.join(work, "corpus")
    os.makedirs(scratch)
    dirs = [scratch] + ([corpus] if os.path.isdir(corpus) else [])
    argv = [binary, "-max_total_time=%d" % seconds, "-timeout=10",
            "-rss_limit_mb=2048", "-print_final_stats=1",
            "-artifact_prefix=%s/" % work] + dirs
    res = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         timeout=seconds + 120)
    out = res.stdout.decode("utf-8", "replace")
    runs = [ln for ln in out.splitlines() if ln.startswith("stat::number_of_executed_units")]
    if res.returncode == 0:
        print("PASS %s (%s)" % (name, runs[0].split(":")[-1].strip() + " runs" if runs else "ok"),
              flush=True)
        shutil.rmtree(work, ignore_errors=True)
        return True
    print(out[-4000:])
    print("FAIL %s: exit %d; artifacts in %s" % (name, res.returncode, work), flush=True)
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("binaries", nargs="*")
    a = ap.parse_args()
    passed = failed = 0
    for b in a.binaries:
        if run_one(b, a.seconds):
            passed += 1
        else:
            failed += 1
    print("fuzz: %d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
