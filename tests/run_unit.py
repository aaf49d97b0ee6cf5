#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Runs unit test binaries and totals their results.

Each binary (built from tests/unit/*_test.c with tests/unit/tt_test.h)
prints "PASS name" / "FAIL name" / "SKIP name" lines and, as its last line,
"N passed, N failed, N skipped". Output is streamed as it comes so a
hanging or crashing test shows where it stopped. The last line printed here
is always "unit: N passed, N failed, N skipped"; the exit code is 1 when
any binary failed a test, crashed, timed out, or printed no summary line.
A skipped test (it could not run here) is no failure, but it is never
counted as a pass.

Usage: run_unit.py [--timeout SECONDS] BINARY[:TEST[,TEST...]]...
  (BINARY:TEST runs only the named tests of that binary.)
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import threading

SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed, (\d+) skipped$")


def describe_exit(rc):
    """Human text for a return code; negative means killed by a signal."""
    if rc < 0:
        try:
            return "killed by %s" % signal.Signals(-rc).name
        except ValueError:
            return "killed by signal %d" % -rc
    return "exit code %d" % rc


def run_one(item, timeout):
    """Runs one binary (item: path[:test,test...]), streaming its output.

    Returns (passed, failed, skipped, ok): the binary's own counts, and
    whether its exit agrees with them. A binary with no summary counts as
    one failure, so a crash can never make the total look clean.
    """
    path, _, picked = item.partition(":")
    tests = [t for t in picked.split(",") if t]
    name = os.path.basename(path)
    print("== %s%s" % (name, (" " + " ".join(tests)) if tests else ""),
          flush=True)
    try:
        proc = subprocess.Popen(
            [path] + tests, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
    except OSError as e:
        print("FAIL %s: cannot run: %s" % (name, e), flush=True)
        return 0, 1, 0, False
    timed_out = threading.Event()

    def kill():
        timed_out.set()
        proc.kill()

    timer = threading.Timer(timeout, kill)
    timer.start()
    last = None
    try:
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            print(line, flush=True)
            if line.strip():
                last = line.strip()
        rc = proc.wait()
    finally:
        timer.cancel()
        proc.stdout.close()

    m = SUMMARY.match(last or "")
    if timed_out.is_set():
        print("FAIL %s: timed out after %ss" % (name, timeout), flush=True)
        passed, failed, skipped = map(int, m.groups()) if m else (0, 1, 0)
        return passed, max(1, failed), skipped, False
    if not m:
        print("FAIL %s: no summary line (%s)" % (name, describe_exit(rc)),
              flush=True)
        return 0, 1, 0, False
    passed, failed, skipped = map(int, m.groups())
    # The summary and the exit code must agree: 0 exactly when none failed.
    if (rc == 0) != (failed == 0):
        print("FAIL %s: %d failed but %s" % (name, failed, describe_exit(rc)),
              flush=True)
        return passed, max(failed, 1), skipped, False
    return passed, failed, skipped, failed == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timeout", type=float, default=300.0,
                    help="seconds one binary may run (default 300)")
    ap.add_argument("binaries", nargs="*")
    args = ap.parse_args()

    totals = [0, 0, 0]  # passed, failed, skipped
    all_ok = bool(args.binaries)
    if not args.binaries:
        print("run_unit: no test binaries given", flush=True)
    for item in args.binaries:
        *counts, ok = run_one(item, args.timeout)
        totals = [t + c for t, c in zip(totals, counts)]
        all_ok = all_ok and ok
    print("unit: %d passed, %d failed, %d skipped" % tuple(totals), flush=True)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
