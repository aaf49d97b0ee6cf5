#!/usr/bin/python3
"""End-to-end tests of the capture (root): real BPF, real clients.

Usage: run.py --agent build/tokentap [-k NAME]

A test is a function test_*(env) in a file tests/e2e/test_*.py: adding a
file adds its tests. Files run in the order of their module-level ORDER
(default 100), then by name; a file's tests in the order they are defined.
-k NAME runs the tests whose name contains NAME. A test fails by raising
(harness.check raises Failure); it raises harness.Skip("why") when it
cannot run here, and is then reported SKIP, never PASS.
Last line: "e2e: N passed, N failed, N skipped".
"""
import argparse
import glob
import importlib
import inspect
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from harness import Env, Failure, Skip  # noqa: E402

DEFAULT_ORDER = 100


def discover(folder=HERE, pattern="test_*.py"):
    """Every test_* function of every file matching pattern in folder (its
    modules importable), in run order."""
    modules = []
    for path in glob.glob(os.path.join(folder, pattern)):
        mod = importlib.import_module(os.path.basename(path)[:-3])
        modules.append((getattr(mod, "ORDER", DEFAULT_ORDER), mod.__name__, mod))
    tests = []
    for _, _, mod in sorted(modules, key=lambda m: m[:2]):
        # Defined here, not imported from another test file.
        own = [f for name, f in inspect.getmembers(mod, inspect.isfunction)
               if name.startswith("test_") and f.__module__ == mod.__name__]
        tests += sorted(own, key=lambda f: f.__code__.co_firstlineno)
    return tests


def run_tests(env, tests):
    """Runs each test; returns (passed, failed, skipped)."""
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    for t in tests:
        t0 = time.monotonic()
        try:
            t(env)
            word, why = "PASS", ""
        except Skip as e:
            word, why = "SKIP", ": %s" % e
        except Failure as e:
            word, why = "FAIL", ": %s" % e
        except Exception:
            word, why = "FAIL", ": %s" % traceback.format_exc()
        counts[word] += 1
        print("%s %s (%.1fs)%s" % (word, t.__name__, time.monotonic() - t0, why),
              flush=True)
    return counts["PASS"], counts["FAIL"], counts["SKIP"]


def suite(label, agent, tests, budget_s=None):
    """Runs tests against a fake provider and the agent at agent; prints
    "<label>: N passed, N failed, N skipped" last. budget_s: a run that
    takes longer fails. Returns the exit code."""
    if not tests:
        print("%s: no test selected" % label)
        print("%s: 0 passed, 1 failed, 0 skipped" % label)
        return 1
    if os.geteuid() != 0:
        print("%s: needs root (real BPF); skipped %d tests" % (label, len(tests)))
        print("%s: 0 passed, 0 failed, %d skipped" % (label, len(tests)))
        return 0
    t_start = time.monotonic()
    try:
        env = Env(agent)
        env.start_server()
    except Exception as e:
        print("FAIL set-up: %s" % e)
        print("%s: 0 passed, 1 failed, 0 skipped" % label)
        return 1
    try:
        passed, failed, skipped = run_tests(env, tests)
    finally:
        env.close()
    took = time.monotonic() - t_start
    print("%s: total %.1fs" % (label, took))
    if budget_s and took > budget_s:
        print("FAIL budget: %.0fs, over %ds" % (took, budget_s))
        failed += 1
    print("%s: %d passed, %d failed, %d skipped" % (label, passed, failed, skipped))
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", required=True)
    ap.add_argument("-k", default="", help="run the tests whose name contains this")
    args = ap.parse_args()
    return suite("e2e", args.agent, [t for t in discover() if args.k in t.__name__])


if __name__ == "__main__":
    sys.exit(main())
