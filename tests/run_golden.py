#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Golden replay tests: recorded capture streams in, expected records out.

For every tests/fixtures/<name>.capture.jsonl:
  1. `tokentap replay` it; the records must equal tests/golden/<name>.jsonl
     exactly (as JSON values, in order);
  2. the records must agree with what the fake provider says it sent
     (tests/fixtures/<name>.expect.jsonl, written by tools/fakeai.py while
     the fixture was recorded): model, status, stream, attempt, outcome and
     every normalized token count. So a golden file cannot be "blessed"
     wrong: --update refuses to write records that fail step 2;
  3. every event must validate against docs/events.schema.json, and every
     cost must equal what the price table's rates give for the event's own
     usage, recomputed here independently of the C code.

Usage: run_golden.py --agent build/tokentap [--update] [-k NAME]
Last line: "golden: N passed, N failed".
"""
import argparse
import glob
import json
import os
import subprocess
import sys

import costcheck

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
FIX = os.path.join(ROOT, "tests", "fixtures")
GOLD = os.path.join(ROOT, "tests", "golden")
USAGE_KEYS = ("input_tokens", "output_tokens", "cache_read_input_tokens",
              "cache_creation_input_tokens", "reasoning_tokens")


# Endpoints the fixtures use beyond the built-in host table (Ollama), and
# owner rules and key environments so that goldens cover allocation.
CONFIG = os.path.join(FIX, "replay-config.json")
SCHEMA = os.path.join(ROOT, "docs", "events.schema.json")
PRICES = os.path.join(ROOT, "config", "prices.json")
EVENT = "ai_api_cost_allocation"


def replay(agent, capture):
    res = subprocess.run([agent, "replay", "--config", CONFIG, capture],
                         capture_output=True,
                         text=True, timeout=120)
    if res.returncode != 0:
        raise AssertionError("replay exited %d: %s" % (res.returncode,
                                                       res.stderr.strip()[-2000:]))
    return [normalize(json.loads(ln)) for ln in res.stdout.splitlines() if ln.strip()]


def normalize(rec):
    """The price table's path depends on where the tree is checked out."""
    if (rec.get("cost") or {}).get("pricing_table"):
        rec["cost"]["pricing_table"] = os.path.basename(rec["cost"]["pricing_table"])
    return rec


# What tools/mkfixtures.py sends and tools/fakeai.py answers: the API key,
# every prompt ("fixture <tag>") and the completion text. None of it may
# reach a record.
SECRETS = ("sk-fixture-not-a-real-key", "not-a-real-key", "fixture ",
           "Hello from fakeai")


def load_jsonl(path):
    with open(path) as f:
        return [json.loads(ln) for ln in f if ln.strip()]


def check_truth(records, expect):
    """Every exchange the server answered has exactly its record: the
    fake provider's log says what it sent (tools/fakeai.py "exchange")."""
    problems = []
    calls = [r for r in records if r.get("event_type") == EVENT]
    if len(calls) != len(expect):
        problems.append("%d records for %d exchanges the server answered"
                        % (len(calls), len(expect)))
    for i, (rec, ex) in enumerate(zip(calls, expect)):
        def want(key, val):
            if rec.get(key) != val:
                problems.append("#%d %s = %r, server sent %r" % (i, key, rec.get(key), val))
        for key, rkey in (("request_model", "request_model"), ("stream", "stream"),
                          ("status", "status_code"), ("attempt", "attempt")):
            if key in ex:
                want(rkey, ex[key])
        if ex.get("response_model") is not None and not (
                rec.get("problem") == "gap" and rec.get("response_model") is None):
            want("response_model", ex["response_model"])
        if ex.get("aborted"):
            want("outcome", "incomplete")
        exp = ex.get("usage_expected")
        if rec.get("problem") == "gap" and exp is not None:
            # Bytes were lost: never a wrong number, at most a lower bound.
            if rec.get("usage_status") not in ("partial", "lost"):
                problems.append("#%d usage_status %r after a gap"
                                % (i, rec.get("usage_status")))
            for uk, val in exp.items():
                got = rec["usage"].get(uk)
                if got is not None and val is not None and got > val:
                    problems.append("#%d usage.%s = %r above the %r sent"
                                    % (i, uk, got, val))
            continue
        if exp is None:
            if ex.get("status", 200) >= 400 and any(
                    v is not None for v in rec["usage"].values()):
                problems.append("#%d usage %r on an error" % (i, rec["usage"]))
            continue
        for uk, val in exp.items():
            if uk in rec["usage"] and rec["usage"][uk] != val:
                problems.append("#%d usage.%s = %r, server sent %r"
                                % (i, uk, rec["usage"][uk], val))
    return problems


def check_config(agent):
    """check-config accepts a good config with the default price table and
    refuses, naming the problem, a malformed config, an unknown key and a
    bad price table; the agent refuses them too, before loading anything."""
    import tempfile
    problems = []
    d = tempfile.mkdtemp(prefix="tokentap-config-")
    prices = os.path.join(ROOT, "config", "prices.json")
    bad_prices = os.path.join(d, "prices.json")
    with open(bad_prices, "w") as f:
        json.dump({"version": "1", "currency": "USD", "source": "x",
                   "snapshot_date": "2026-01-01", "models": [
                       {"provider": "openai", "model": "m",
                        "per_million": {"input": -1}}]}, f)
    cases = [
        ("good", {"version": 1, "pricing": {"table": prices}, "owners": [
            {"name": "a", "match": {"comm": "curl"}, "set": {"owner": "a"}}]}, 0, "ok"),
        ("unknown key", {"version": 1, "owner": []}, 1, "owner: unknown key"),
        ("bad rule", {"version": 1, "owners": [{"name": "a", "match": {"cgroupp": "/"},
                                                 "set": {"owner": "a"}}]},
         1, "owners[0].match.cgroupp"),
        ("bad price table", {"version": 1, "pricing": {"table": bad_prices}}, 1,
         "models[0].per_million.input"),
        ("malformed", None, 1, "JSON"),
    ]
    for name, cfg, want_rc, want_text in cases:
        path = os.path.join(d, "c.json")
        with open(path, "w") as f:
            f.write(json.dumps(cfg) if cfg is not None else '{"version": 1,')
        res = subprocess.run([agent, "check-config", path], capture_output=True,
                             text=True, timeout=30)
        out = res.stdout + res.stderr
        if res.returncode != want_rc or want_text not in out:
            problems.append("%s: exit %d, %r" % (name, res.returncode, out.strip()))
        if want_rc:
            run = subprocess.run([agent, "run", "--config", path, "--events",
                                  os.path.join(d, "ev.jsonl"), "--duration", "1"],
                                 capture_output=True, text=True, timeout=60)
            if run.returncode == 0 or want_text not in run.stderr:
                problems.append("%s: the agent started (exit %d): %r"
                                % (name, run.returncode, run.stderr.strip()[-300:]))
    for p in glob.glob(os.path.join(d, "*")):
        os.unlink(p)
    os.rmdir(d)
    return problems


def check_schema(records, validator):
    return ["#%d does not match the schema: %s at %s" % (i, e.message, "/".join(
        str(p) for p in e.absolute_path))
        for i, r in enumerate(records) if r.get("event_type") == EVENT
        for e in list(validator.iter_errors(r))[:1]]


def check_cost(records, table):
    """Each amount is what the table entry that priced it gives for the
    event's own usage (tests/costcheck.py); no amount needs a reason."""
    problems = []
    for i, r in enumerate(records):
        c = r.get("cost") or {}
        if c.get("is_final_invoice_amount") is not False:
            problems.append("#%d is_final_invoice_amount is not false" % i)
        if c.get("amount") is None:
            if not c.get("reason"):
                problems.append("#%d no cost and no reason" % i)
            continue
        if c.get("pricing_version") != table["version"]:
            problems.append("#%d priced by version %r" % (i, c.get("pricing_version")))
        pa = c["priced_as"]
        m = costcheck.find_entry(table, pa["provider"], pa["model"])
        if m is None:
            problems.append("#%d priced as %r: no such entry" % (i, pa))
        elif not costcheck.close(c["amount"], costcheck.amount(m, r["usage"])):
            problems.append("#%d cost %r, the table gives %r"
                            % (i, c["amount"], costcheck.amount(m, r["usage"])))
    return problems


def check_ledger(agent, captures, max_bytes=20000, keep=3):
    """Every fixture replayed into one rotated ledger: whole lines only,
    files under the limit, 0640, at most `keep` rotated files, and the
    newest records are exactly the last ones written."""
    import stat
    import tempfile
    problems = []
    d = tempfile.mkdtemp(prefix="tokentap-ledger-")
    path = os.path.join(d, "events.jsonl")
    everything = []
    for cap in captures:
        res = subprocess.run([agent, "replay", "--config", CONFIG, "--events", path,
                              "--events-max-bytes", str(max_bytes), "--events-keep",
                              str(keep), "--log-level", "error", cap],
                             capture_output=True, text=True, timeout=120)
        if res.returncode:
            return ["replay %s exited %d" % (cap, res.returncode)]
        everything += replay(agent, cap)
    files = sorted(os.listdir(d))
    expect = ["events.jsonl"] + ["events.jsonl.%d" % i for i in range(1, keep + 1)]
    if files != sorted(expect):
        problems.append("files %s, want %s" % (files, sorted(expect)))
    kept = []
    for name in ["events.jsonl.%d" % i for i in range(keep, 0, -1)] + ["events.jsonl"]:
        p = os.path.join(d, name)
        if not os.path.exists(p):
            continue
        st = os.stat(p)
        if stat.S_IMODE(st.st_mode) != 0o640:
            problems.append("%s mode %o" % (name, stat.S_IMODE(st.st_mode)))
        if st.st_size > max_bytes:
            problems.append("%s is %d bytes > %d" % (name, st.st_size, max_bytes))
        with open(p) as f:
            data = f.read()
        if data and not data.endswith("\n"):
            problems.append("%s ends in half a line" % name)
        for ln in data.splitlines():
            try:
                kept.append(normalize(json.loads(ln)))
            except ValueError:
                problems.append("%s: not a whole JSON line" % name)
                break
    if kept != everything[len(everything) - len(kept):]:
        problems.append("the kept records are not the last %d written" % len(kept))
    for p in glob.glob(os.path.join(d, "*")):
        os.unlink(p)
    os.rmdir(d)
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", required=True)
    ap.add_argument("--update", action="store_true",
                    help="write goldens (only for fixtures that match the truth)")
    ap.add_argument("-k", default="")
    a = ap.parse_args()
    passed = failed = 0
    import jsonschema  # python3-jsonschema (make deps)
    with open(SCHEMA) as f:
        validator = jsonschema.Draft202012Validator(json.load(f))
    with open(PRICES) as f:
        table = json.load(f)
    captures = sorted(glob.glob(os.path.join(FIX, "*.capture.jsonl")))
    if not captures:
        print("golden: no fixtures in %s" % FIX)
    for cap in captures:
        name = os.path.basename(cap)[:-len(".capture.jsonl")]
        if a.k not in name:
            continue
        try:
            recs = replay(a.agent, cap)
            text = json.dumps(recs)
            problems = ["record holds %r" % x for x in SECRETS if x in text]
            problems += check_schema(recs, validator) + check_cost(recs, table)
            exp_path = os.path.join(FIX, name + ".expect.jsonl")
            problems += check_truth(recs, load_jsonl(exp_path)) \
                if os.path.exists(exp_path) else ["no %s" % exp_path]
            gold_path = os.path.join(GOLD, name + ".jsonl")
            if a.update and not problems:
                os.makedirs(GOLD, exist_ok=True)
                with open(gold_path, "w") as f:
                    for r in recs:
                        f.write(json.dumps(r, sort_keys=True) + "\n")
            if not os.path.exists(gold_path):
                problems.append("no golden file %s" % gold_path)
            else:
                gold = load_jsonl(gold_path)
                if gold != recs:
                    for i, (g, r) in enumerate(zip(gold, recs)):
                        if g != r:
                            diff = sorted(k for k in set(g) | set(r)
                                          if g.get(k) != r.get(k))
                            problems.append("record %d differs from golden in %s"
                                            % (i, ", ".join(diff)))
                            break
                    if len(gold) != len(recs):
                        problems.append("%d records, golden has %d"
                                        % (len(recs), len(gold)))
        except (AssertionError, OSError, ValueError, subprocess.SubprocessError) as e:
            problems = [str(e)]
        if problems:
            failed += 1
            print("FAIL %s" % name)
            for p in problems[:10]:
                print("  " + p)
        else:
            passed += 1
            print("PASS %s" % name)
    if not a.k:
        problems = check_config(a.agent)
        print("%s check_config" % ("FAIL" if problems else "PASS"))
        for p in problems[:10]:
            print("  " + p)
        failed += bool(problems)
        passed += not problems
        problems = check_ledger(a.agent, captures)
        if problems:
            failed += 1
            print("FAIL ledger_rotation")
            for p in problems[:10]:
                print("  " + p)
        else:
            passed += 1
            print("PASS ledger_rotation")
    print("golden: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
