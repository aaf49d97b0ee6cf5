#!/usr/bin/python3
"""The chaos suite (root): the real agent under disk full, symlink and
foreign-owner attacks, oversized heads, a ledger flood next to a real
workload, kill -9 and restart, SIGSTOP, an OTLP outage with a full spool
and a configuration reload storm. Each case asserts the promise it tests
(docs/testing.md, "Chaos").

Usage: run.py --agent build/tokentap [-k NAME] [--long]

A case is a function test_*(env) in a file tests/chaos/chaos_*.py, run
like the end-to-end tests (tests/e2e/run.py: same harness, same fake
provider on 127.0.0.1:443, PASS, FAIL or SKIP). The short form (make test,
make chaos) finishes within 5 minutes; --long (make chaos CHAOS=long)
runs the same cases bigger: ten times the flood, longer storms.
Last line: "chaos: N passed, N failed, N skipped".
"""
import argparse
import glob
import importlib
import importlib.util
import inspect
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))

BUDGET_S = 300  # the short form's promise


def discover():
    mods = []
    for path in glob.glob(os.path.join(HERE, "chaos_*.py")):
        mod = importlib.import_module(os.path.basename(path)[:-3])
        mods.append((getattr(mod, "ORDER", 100), mod.__name__, mod))
    tests = []
    for _, _, mod in sorted(mods, key=lambda m: m[:2]):
        own = [f for name, f in inspect.getmembers(mod, inspect.isfunction)
               if name.startswith("test_") and f.__module__ == mod.__name__]
        tests += sorted(own, key=lambda f: f.__code__.co_firstlineno)
    return tests


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", required=True)
    ap.add_argument("-k", default="", help="run the cases whose name contains this")
    ap.add_argument("--long", action="store_true", help="the long form")
    args = ap.parse_args()
    if args.long:
        os.environ["TT_CHAOS_LONG"] = "1"
    from harness import Env  # noqa: E402  (after the path is set)
    spec = importlib.util.spec_from_file_location(
        "e2e_run", os.path.join(os.path.dirname(HERE), "e2e", "run.py"))
    e2e_run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(e2e_run)  # its run_tests: PASS/FAIL/SKIP lines
    tests = [t for t in discover() if args.k in t.__name__]
    if not tests:
        print("chaos: no case name contains %r" % args.k)
        print("chaos: 0 passed, 1 failed, 0 skipped")
        return 1
    if os.geteuid() != 0:
        print("chaos: needs root (real BPF, mounts, other users' files); "
              "skipped %d cases" % len(tests))
        print("chaos: 0 passed, 0 failed, %d skipped" % len(tests))
        return 0
    t0 = time.monotonic()
    try:
        env = Env(args.agent)
        env.start_server()
    except Exception as e:
        print("FAIL set-up: %s" % e)
        print("chaos: 0 passed, 1 failed, 0 skipped")
        return 1
    try:
        passed, failed, skipped = e2e_run.run_tests(env, tests)
    finally:
        env.close()
    took = time.monotonic() - t0
    print("chaos: total %.1fs%s" % (took, " (long form)" if args.long else ""))
    if not args.long and not args.k and took > BUDGET_S:
        print("FAIL budget: the short form took %.0fs, over %ds" % (took, BUDGET_S))
        failed += 1
    print("chaos: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
