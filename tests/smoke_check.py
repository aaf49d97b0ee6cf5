#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tokentap smoke's ledger side, without root: recorded fixtures are
replayed into allocation events (a success and a 401 of an owned node
workload, and an unpriced call), and the smoke "commands" append them to a
ledger as a running agent would, so the command's reading, waiting and
record writing are checked end to end: a pass; a retry storm; an unpriced
call; the events watched for, written after a rotation (the ledger renamed
to .1 between two writes). The root e2e test (tests/e2e/test_smoke.py)
does the same with the real agent and real clients.

Usage: smoke_check.py --agent build/tokentap
Last line: "smoke: N passed, N failed"; exit 1 on any failure.
"""
import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from pricing_check import Checks  # noqa: E402  (tests/ is the script's folder)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
FIX = os.path.join(ROOT, "tests", "fixtures")
FIELDS = ("run_id", "reviewed_at", "operator", "source_urls_checked", "workload_tag",
          "owner_tag", "environment", "happy_path_result", "error_path_result",
          "evidence_captured", "decision", "follow_up_owner")


def replay(agent, d, fixture, name):
    """The fixture's allocation event, booked by rule "web" (comm node)."""
    cfg = os.path.join(d, "config.json")
    with open(cfg, "w") as f:
        json.dump({"version": 1, "owners": [{"name": "web", "match": {"comm": "node"},
                                             "set": {"owner": "payments",
                                                     "environment": "prod"}}]}, f)
    out = subprocess.run([agent, "replay", "--config", cfg,
                          os.path.join(FIX, fixture + ".capture.jsonl")],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    lines = [ln for ln in out.splitlines() if '"ai_api_cost_allocation"' in ln]
    assert len(lines) == 1, "%s: %d events" % (fixture, len(lines))
    path = os.path.join(d, name + ".jsonl")
    with open(path, "w") as f:
        f.write(lines[0] + "\n")
    return path


def smoke(agent, d, ledger, name, happy=None, error=None, extra=()):
    prefix = os.path.join(d, "rec-" + name)
    argv = [agent, "smoke", "--workload", "web", "--ledger", ledger, "--record", prefix,
            "--operator", "ci", "--settle", "0.3", "--timeout", "10"] + list(extra)
    if happy:
        argv += ["--happy", "cat %s >> %s" % (happy, shlex.quote(ledger))]
    if error:
        argv += ["--error", "cat %s >> %s" % (error, shlex.quote(ledger))]
    res = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    with open(prefix + ".json") as f:
        return res, json.load(f)


def fields_ok(rec):
    return all(k in rec for k in FIELDS)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", required=True)
    agent = os.path.abspath(ap.parse_args().agent)
    c = Checks()
    d = tempfile.mkdtemp(prefix="tokentap-smoke-")
    try:
        ok = replay(agent, d, "openai-chat-sse-usage", "ok")
        auth = replay(agent, d, "openai-chat-error-401", "auth")
        ledger = os.path.join(d, "events.jsonl")
        open(ledger, "w").close()

        res, rec = smoke(agent, d, ledger, "pass", ok, auth)
        c.check("pass: exit 0 and every field", res.returncode == 0 and fields_ok(rec) and
                rec["decision"] == "pass" and rec["owner_tag"] == "payments" and
                rec["environment"] == "production" and rec["source_urls_checked"],
                res.stdout + res.stderr)

        res, rec = smoke(agent, d, ledger, "storm", ok, " ".join([auth] * 3),
                         ["--max-error-attempts", "2"])
        c.check("retry storm: exit 1 with the reason", res.returncode == 1 and
                rec["error_path_result"] == "fail" and
                any("3 attempts, more than --max-error-attempts 2" in r
                    for r in rec["reasons"]), json.dumps(rec["reasons"]))

        res, rec = smoke(agent, d, ledger, "unhappy", auth, auth)
        c.check("happy path that failed: exit 1", res.returncode == 1 and
                any("status category auth_error (HTTP 401)" in r for r in rec["reasons"]),
                json.dumps(rec["reasons"]))

        # Watched: both calls written later, across a rotation.
        def write_later():
            time.sleep(0.5)
            with open(ledger, "a") as f, open(auth) as a:
                f.write(a.read())
            os.rename(ledger, ledger + ".1")
            with open(ledger, "w") as f, open(ok) as o:
                f.write(o.read())
        t = threading.Thread(target=write_later)
        t.start()
        res, rec = smoke(agent, d, ledger, "watched")
        t.join()
        c.check("watched across a rotation: pass", res.returncode == 0 and
                rec["evidence_captured"]["happy_path"]["mode"] == "watched" and
                rec["decision"] == "pass", res.stdout + res.stderr)

        res = subprocess.run([agent, "smoke"], capture_output=True, text=True, timeout=10)
        c.check("no workload: usage, exit 2", res.returncode == 2 and "usage" in res.stderr)
    except (AssertionError, OSError, ValueError, KeyError,
            subprocess.SubprocessError) as e:
        c.check("run", False, str(e))
    finally:
        shutil.rmtree(d, ignore_errors=True)
    print("smoke: %d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
