#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Re-pricing and the price check, end to end on the fixtures.

1. Every fixture is replayed twice into rotated ledgers: once priced with
   the old table (tests/fixtures/prices-2025-11-01.json, the 48 models the
   project shipped before LiteLLM's table) and once with the shipped one.
   `tokentap report --reprice config/prices.json` over the old ledger's
   files (rotated ones included) must give, group by group, exactly the
   totals `tokentap report` gives for the fresh ledger: new cost = cost,
   new unpriced = unpriced; its old cost must stay the old ledger's.
2. `tokentap prices check --table T LEDGER...` must list exactly the
   models of the ledger the table leaves unknown, with the calls and the
   tokens of their events, recomputed here from the ledger, and exit 1
   when there are any, 0 when there are none.

Usage: pricing_check.py --agent build/tokentap
Last line: "pricing: N passed, N failed"; exit 1 on any failure.
"""
import argparse
import glob
import json
import math
import os
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
FIX = os.path.join(ROOT, "tests", "fixtures")
OLD = os.path.join(FIX, "prices-2025-11-01.json")
NEW = os.path.join(ROOT, "config", "prices.json")
REPLAY_CONFIG = os.path.join(FIX, "replay-config.json")
EVENT = "ai_api_cost_allocation"


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, ok, detail=""):
        print("%s %s%s" % ("PASS" if ok else "FAIL", name,
                           "" if ok or not detail else ": " + detail), flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        return ok


def ledger(agent, d, name, table):
    """Every fixture replayed with table into d/name (rotated at 20 kB):
    the files, oldest first."""
    with open(REPLAY_CONFIG) as f:
        cfg = json.load(f)
    cfg["pricing"] = {"table": table}
    cfg_path = os.path.join(d, name + "-config.json")
    with open(cfg_path, "w") as f:
        json.dump(cfg, f)
    path = os.path.join(d, name + ".jsonl")
    for cap in sorted(glob.glob(os.path.join(FIX, "*.capture.jsonl"))):
        subprocess.run([agent, "replay", "--config", cfg_path, "--events", path,
                        "--events-max-bytes", "20000", "--events-keep", "100",
                        "--log-level", "error", cap], check=True,
                       capture_output=True, timeout=120)
    rotated = sorted(glob.glob(path + ".*"), key=lambda p: -int(p.rsplit(".", 1)[1]))
    return rotated + [path]


def events(files):
    out = []
    for p in files:
        with open(p) as f:
            out += [e for e in map(json.loads, f) if e.get("event_type") == EVENT]
    return out


def report(agent, files, *extra):
    res = subprocess.run([agent, "report", "--format", "json",
                          "--by", "owner,environment,provider,model"] + list(extra)
                         + files, capture_output=True, text=True, timeout=120)
    if res.returncode:
        raise AssertionError("report exited %d: %s" % (res.returncode, res.stderr))
    rows = [json.loads(ln) for ln in res.stdout.splitlines() if ln.strip()]
    keys = ("owner", "environment", "provider", "model")
    groups = {tuple(r["key"].get(k) for k in keys) + (r.get("currency"),): r
              for r in rows if r.get("record") == "group"}
    totals = {r.get("currency"): r for r in rows if r.get("record") == "total"}
    if not groups or not totals:
        raise AssertionError("report gave no groups: %s" % res.stdout[:300])
    return groups, totals


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def check_reprice(c, agent, old_files, new_files):
    c.check("the old ledger is rotated", len(old_files) > 2,
            "%d files" % len(old_files))
    rep_groups, rep_totals = report(agent, old_files, "--reprice", NEW)
    old_groups, _ = report(agent, old_files)
    new_groups, new_totals = report(agent, new_files)
    c.check("same groups", set(rep_groups) == set(new_groups),
            "%s" % (set(rep_groups) ^ set(new_groups)))
    bad = ["%s: new_cost %r, fresh %r; new_unpriced %r, fresh %r"
           % (k, g["new_cost"], new_groups[k]["cost"], g["new_unpriced_calls"],
              new_groups[k]["unpriced_calls"])
           for k, g in rep_groups.items() if k in new_groups and (
               not close(g["new_cost"], new_groups[k]["cost"]) or
               g["new_unpriced_calls"] != new_groups[k]["unpriced_calls"])]
    c.check("reprice gives a fresh capture's totals, group by group",
            not bad, "; ".join(bad[:5]))
    bad = [k for k, g in rep_groups.items()
           if not close(g["cost"], old_groups[k]["cost"]) or
           not close(g["cost_change"], g["new_cost"] - g["cost"])]
    c.check("the old cost stays the old ledger's", not bad, "%s" % bad[:5])
    t_rep, t_new = rep_totals.get("USD"), new_totals.get("USD")
    c.check("totals", t_rep and t_new and close(t_rep["new_cost"], t_new["cost"]) and
            t_rep["new_unpriced_calls"] == t_new["unpriced_calls"],
            "%r vs %r" % (t_rep and t_rep.get("new_cost"), t_new and t_new.get("cost")))
    # The new table prices calls the old one could not: the test means
    # something only if the costs differ.
    c.check("the tables disagree", t_rep and not close(t_rep["new_cost"], t_rep["cost"]))
    res = subprocess.run([agent, "report", "--reprice", "/nonexistent.json"] + old_files,
                         capture_output=True, text=True, timeout=60)
    c.check("a bad --reprice table is refused", res.returncode == 1 and
            "/nonexistent.json" in res.stderr, res.stderr)


def unknown_models(evs):
    """(provider, model) -> [calls, input, output] of the events whose
    cost says no entry took them."""
    want = {}
    for e in evs:
        model = e.get("response_model") or e.get("request_model")
        if e["cost"]["reason"] != "unknown_model" or not model:
            continue
        w = want.setdefault((e["provider"], model), [0, 0, 0])
        w[0] += 1
        w[1] += e["usage"]["input_tokens"] or 0
        w[2] += e["usage"]["output_tokens"] or 0
    return want


def prices_check(agent, table, files):
    res = subprocess.run([agent, "prices", "check", "--table", table] + files,
                         capture_output=True, text=True, timeout=60)
    listed = {}
    for ln in res.stdout.splitlines()[1:]:
        parts = ln.split()
        if len(parts) >= 5 and parts[0] != "prices":
            listed[(parts[0], parts[1])] = [int(parts[2]), int(parts[3]), int(parts[4])]
    return res, listed


def check_prices_check(c, agent, old_files, new_files):
    for name, table, files in (("old table", OLD, old_files),
                               ("shipped table", NEW, new_files)):
        want = unknown_models(events(files))
        res, listed = prices_check(agent, table, files)
        c.check("prices check, %s: exactly the unknown models" % name,
                listed == want, "listed %r, want %r" % (listed, want))
        c.check("prices check, %s: exit status" % name,
                res.returncode == (1 if want else 0), "exit %d" % res.returncode)
    # A ledger whose every model is priced: nothing listed, exit 0.
    evs = [e for e in events(new_files) if e["cost"]["amount"] is not None][:20]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for e in evs:
            f.write(json.dumps(e) + "\n")
    try:
        res, listed = prices_check(agent, NEW, [f.name])
    finally:
        os.unlink(f.name)
    c.check("prices check, all priced", res.returncode == 0 and not listed and
            "%d priced by the table" % len(evs) in res.stdout, res.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", required=True)
    a = ap.parse_args()
    c = Checks()
    d = tempfile.mkdtemp(prefix="tokentap-pricing-")
    try:
        old_files = ledger(a.agent, d, "old", OLD)
        new_files = ledger(a.agent, d, "new", NEW)
        check_reprice(c, a.agent, old_files, new_files)
        check_prices_check(c, a.agent, old_files, new_files)
    except (AssertionError, OSError, ValueError, subprocess.SubprocessError) as e:
        c.check("run", False, str(e))
    finally:
        for p in glob.glob(os.path.join(d, "*")):
            os.unlink(p)
        os.rmdir(d)
    print("pricing: %d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
