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
import datetime
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
                          ("status", "status_code")):
            if key in ex:
                want(rkey, ex[key])
        # The SDK's retry header when it sent one; else the attempt the
        # agent infers from the body hash: the fake provider's count of
        # the same scripted request ("script_attempt"; 0 when unscripted:
        # no fixture repeats a body after a failure without a header).
        if ex.get("attempt") is not None:
            want("attempt", ex["attempt"])
            want("attempt_source", "header")
        elif rec.get("attempt_source") is not None:
            want("attempt_source", "inferred")
            want("attempt", ex.get("script_attempt", 0))
        elif rec.get("attempt") is not None:
            problems.append("#%d attempt %r without a source" % (i, rec.get("attempt")))
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
    old_prices = os.path.join(d, "old-prices.json")
    with open(prices) as f:
        old = json.load(f)
    old["snapshot_date"] = "2026-01-01"
    with open(old_prices, "w") as f:
        json.dump(old, f)
    cases = [
        # A table older than pricing.max_snapshot_age_days: a warning,
        # accepted (the agent runs with it).
        ("stale table", {"version": 1, "pricing": {"table": old_prices,
                                                   "max_snapshot_age_days": 30}}, 0,
         "snapshot 2026-01-01 is %d days old, more than pricing.max_snapshot_age_days (30)"
         % ((datetime.date.today() - datetime.date(2026, 1, 1)).days)),
        ("fresh enough", {"version": 1, "pricing": {"table": old_prices,
                                                    "max_snapshot_age_days": 3650}}, 0, "ok"),
        ("bad max age", {"version": 1, "pricing": {"max_snapshot_age_days": 0}}, 1,
         "pricing.max_snapshot_age_days"),
        ("bad budget", {"version": 1, "budgets": [{"name": "b", "owner": "a",
                                                   "period": "week", "limit_usd": 1}]}, 1,
         "budgets[0].period"),
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
        if name == "fresh enough" and "warning" in out:
            problems.append("%s: warned: %r" % (name, out.strip()))
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


# Models the fixtures use that no table prices, each with why.
UNPRICEABLE = {
    ("azure.ai.openai", "prod-gpt-4o-mini"):
        "an Azure deployment name, on calls that failed before a model answered",
    ("gcp.gemini", "text-embedding-004"):
        "not in LiteLLM's table; embedContent reports no usage to price anyway",
}

# Models today's coding agents and SDKs default to: the shipped table must
# price each of them (tokentap prices check on a ledger of one call each).
TODAY = [
    ("anthropic", "claude-sonnet-4-6"), ("anthropic", "claude-opus-4-8"),
    ("anthropic", "claude-opus-4-7"), ("anthropic", "claude-haiku-4-5-20251001"),
    ("gcp.gemini", "gemini-3-flash-preview"), ("gcp.gemini", "gemini-3.5-flash"),
    ("gcp.gemini", "gemini-3.1-flash-lite"), ("gcp.gemini", "gemini-3.1-pro-preview"),
    ("gcp.vertex_ai", "gemini-3.1-flash-lite"), ("gcp.vertex_ai", "claude-sonnet-4-6@default"),
    ("openai", "gpt-5.5"), ("openai", "gpt-5.4"), ("openai", "gpt-5.4-mini"),
    ("openai", "gpt-5.6"), ("openai", "gpt-5.2-codex"), ("openai", "gpt-5.3-codex"),
    ("azure.ai.openai", "gpt-5.4-2026-03-05"),
    ("aws.bedrock", "us.anthropic.claude-sonnet-4-6"),
    ("aws.bedrock", "global.anthropic.claude-opus-4-8"),
]


def sha256_of(path):
    import hashlib
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def check_cost(records, table, ref):
    """Each amount is what LiteLLM's own rates (and the overrides) give
    for the event's usage, tier and context length, recomputed here from
    the reference file (tests/costcheck.py), not from our table: the same
    entry, the same amount and components, the same rates lacked. An
    unpriced event needs a reason this recomputation agrees with; every
    model is priced unless UNPRICEABLE says why not."""
    problems = []
    for i, r in enumerate(records):
        if r.get("event_type") != EVENT:
            continue
        c = r.get("cost") or {}
        if c.get("is_final_invoice_amount") is not False:
            problems.append("#%d is_final_invoice_amount is not false" % i)
        if c.get("pricing_version") != table["version"] or \
                c.get("pricing_sha256") != sha256_of(PRICES):
            problems.append("#%d priced by %r %r, not the shipped table"
                            % (i, c.get("pricing_version"), c.get("pricing_sha256")))
        key = (r["provider"], r.get("response_model") or r.get("request_model"))
        entry, _ = ref.lookup(r["provider"], r.get("response_model"))
        if entry is None:
            entry, _ = ref.lookup(r["provider"], r.get("request_model"))
        if entry is None:
            if key[1] and key not in UNPRICEABLE:
                problems.append("#%d model %s/%s: no price in the reference" % ((i,) + key))
            if c.get("reason") != "unknown_model" or c.get("amount") is not None:
                problems.append("#%d: the reference has no entry, the event says %r %r"
                                % (i, c.get("amount"), c.get("reason")))
            continue
        pa = c.get("priced_as") or {}
        if (pa.get("model") or "").lower() != entry.name.lower():
            problems.append("#%d priced as %r, the reference's entry is %r"
                            % (i, pa.get("model"), entry.name))
        try:
            want = costcheck.price(entry, r["usage"], r.get("service_tier"),
                                   r.get("usage_problem"))
        except costcheck.Unpriced as e:
            if c.get("amount") is not None or c.get("reason") != e.args[0]:
                problems.append("#%d cost %r reason %r, the reference gives none: %s"
                                % (i, c.get("amount"), c.get("reason"), e.args[0]))
            continue
        if c.get("amount") is None or not costcheck.close(c["amount"], want["amount"]):
            problems.append("#%d cost %r, the reference gives %r (%s)"
                            % (i, c.get("amount"), want["amount"], c.get("reason")))
            continue
        comps = c.get("components") or {}
        for name, amount in comps.items():
            if (amount is None) != (name not in want["parts"]) or (
                    amount is not None and not costcheck.close(amount, want["parts"][name])):
                problems.append("#%d component %s %r, the reference gives %r"
                                % (i, name, amount, want["parts"].get(name)))
        if sorted(c.get("lacked") or []) != sorted(want["lacked"]):
            problems.append("#%d lacked %r, the reference lacks %r"
                            % (i, c.get("lacked"), want["lacked"]))
        if c.get("service_tier") != want["tier"] or \
                c.get("long_context") != want["long_context"]:
            problems.append("#%d tier %r long %r, want %r %r"
                            % (i, c.get("service_tier"), c.get("long_context"),
                               want["tier"], want["long_context"]))
    return problems


def check_prices_reproducible():
    """`make prices` makes config/prices.json again byte for byte from the
    reference file and the overrides."""
    import tempfile
    d = tempfile.mkdtemp(prefix="tokentap-prices-")
    out = os.path.join(d, "prices.json")
    try:
        res = subprocess.run(["make", "-s", "--no-print-directory", "prices",
                              "PRICES_OUT=" + out], cwd=ROOT, capture_output=True,
                             text=True, timeout=300)
        if res.returncode:
            return ["make prices exited %d: %s" % (res.returncode, res.stderr[-500:])]
        with open(out, "rb") as a, open(PRICES, "rb") as b:
            if a.read() != b.read():
                return ["make prices does not reproduce config/prices.json"]
        return []
    finally:
        for p in glob.glob(os.path.join(d, "*")):
            os.unlink(p)
        os.rmdir(d)


def check_today(agent, template):
    """Today's clients' default models are all in the shipped table."""
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for provider, model in TODAY:
            ev = dict(template, provider=provider, request_model=model,
                      response_model=model)
            f.write(json.dumps(ev) + "\n")
    try:
        res = subprocess.run([agent, "prices", "check", "--table", PRICES, f.name],
                             capture_output=True, text=True, timeout=60)
    finally:
        os.unlink(f.name)
    want = "%d events, %d priced by the table" % (len(TODAY), len(TODAY))
    if res.returncode or want not in res.stdout:
        return ["today's models not all priced: %s" % res.stdout.strip()[-1500:]]
    return []


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
    ref = costcheck.Reference()
    template = None
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
            problems += check_schema(recs, validator) + check_cost(recs, table, ref)
            template = template or next((r for r in recs if r.get("event_type") == EVENT
                                         and (r.get("cost") or {}).get("amount")), None)
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
        for name, problems in (("prices_reproducible", check_prices_reproducible()),
                               ("today_models_priced",
                                check_today(a.agent, template) if template
                                else ["no priced event to copy"])):
            print("%s %s" % ("FAIL" if problems else "PASS", name))
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
