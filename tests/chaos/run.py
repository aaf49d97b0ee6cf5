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
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
E2E = os.path.join(os.path.dirname(HERE), "e2e")
sys.path.insert(0, HERE)
sys.path.insert(0, E2E)

BUDGET_S = 300  # the short form's promise


def e2e_runner():
    """tests/e2e/run.py (this file is run.py too: loaded by path)."""
    spec = importlib.util.spec_from_file_location("e2e_run",
                                                  os.path.join(E2E, "run.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", required=True)
    ap.add_argument("-k", default="", help="run the cases whose name contains this")
    ap.add_argument("--long", action="store_true", help="the long form")
    args = ap.parse_args()
    if args.long:
        os.environ["TT_CHAOS_LONG"] = "1"  # read by common.py at import
    e2e = e2e_runner()
    tests = [t for t in e2e.discover(HERE, "chaos_*.py") if args.k in t.__name__]
    short = not args.long and not args.k
    return e2e.suite("chaos", args.agent, tests, BUDGET_S if short else None)


if __name__ == "__main__":
    sys.exit(main())
