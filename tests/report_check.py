#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""End-to-end check of `tokentap report` against the ledger it reads.

Replays every tests/fixtures/*.capture.jsonl into one temporary ledger
(`tokentap replay --config tests/fixtures/replay-config.json --events`),
adds one line of each kind the report must skip, runs `tokentap report
--format json --by owner,model` on it and recomputes every number of every
group, the totals and the line counts here, from the ledger, independently
of user/report. Also checks the FOCUS rows add up to the totals, the time
window, and that bad options exit 2. Then a ledger built by hand (owner
"web": priced, unbilled, unknown-cost calls) checks the honest ratios
against numbers worked out by hand, the policy printed, --by
environment_source, and each CI threshold's exit status (3 with a limit
just below the share, 0 with one just above) in every format. A third
ledger checks cost per business unit (distinct declared.unit_id, never
double counted across calls or groups; --unit-outcome) and fallbacks.

Usage: report_check.py [--agent build/tokentap] [--keep]
Last line: "report: N passed, N failed"; exit 1 on any failure.
"""
import argparse
import csv
import glob
import io
import json
import math
import os
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
CONFIG = os.path.join(ROOT, "tests", "fixtures", "replay-config.json")
REASONS = ["no_price_table", "unknown_model", "no_usage", "missing_rate:input",
           "missing_rate:cached_input", "missing_rate:cache_write",
           "missing_rate:cache_write_1h", "missing_rate:output",
           "missing_rate:reasoning", "invalid_usage", "no_price_at_date"]
TOKENS = [("input_tokens", "input_tokens"), ("output_tokens", "output_tokens"),
          ("cache_read_input_tokens", "cache_read_input_tokens"),
          ("cache_creation_input_tokens", "cache_creation_input_tokens"),
          ("reasoning_tokens", "reasoning_tokens")]


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print("PASS %s" % name, flush=True)
        else:
            self.failed += 1
            print("FAIL %s%s" % (name, ": " + detail if detail else ""), flush=True)
        return ok


def close(a, b):
    """Reported numbers have 12 significant digits."""
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-10, abs_tol=1e-15)


def ratio(num, den):
    return num / den if den else None


def is_dark(e):
    return e.get("connection") is not None


def expected_group(all_events):
    """Every number of a group, as docs/report.md defines it. Dark
    connections are no calls: their own numbers only."""
    dark = [e for e in all_events if is_dark(e)]
    events = [e for e in all_events if not is_dark(e)]
    g = {"calls": len(events)}
    g["dark_connections"] = len(dark)
    g["dark_bytes_sent"] = sum(e["connection"]["bytes_sent"] for e in dark)
    g["dark_bytes_received"] = sum(e["connection"]["bytes_received"] for e in dark)
    g["successful"] = sum(e["outcome"] == "success" for e in events)
    g["failed"] = g["calls"] - g["successful"]
    g["retries"] = sum((e["attempt"] or 0) >= 1 for e in events)
    g["attempt_known"] = sum(e["attempt"] is not None for e in events)
    g["first_attempts"] = sum(e["attempt"] == 0 for e in events)
    g["fallbacks"] = sum(e.get("fallback_of") is not None for e in events)
    for out, field in TOKENS:
        g[out] = sum(e["usage"][field] or 0 for e in events)
    priced = [e for e in events if e["cost"]["amount"] is not None]
    g["cost"] = math.fsum(e["cost"]["amount"] for e in priced)
    g["failed_cost"] = math.fsum(e["cost"]["amount"] for e in priced
                                 if e["outcome"] != "success")
    alloc = [e for e in events if e["allocation"]["status"] == "allocated"]
    g["allocated_calls"] = len(alloc)
    g["allocated_cost"] = math.fsum(e["cost"]["amount"] for e in alloc
                                    if e["cost"]["amount"] is not None)
    # Honest ratios: over calls of known cost only. A failed call (not a
    # cut stream) that reported no usage is a rejected request, not
    # billed: known, 0.
    unbilled = [e for e in events if e["cost"]["amount"] is None and
                e["outcome"] not in ("success", "incomplete") and
                e.get("usage_status") == "none"]
    known = len(priced) + len(unbilled)
    known_ok = sum(e["outcome"] == "success" for e in priced)
    g["unbilled_error_calls"] = len(unbilled)
    g["known_cost_calls"] = known
    g["known_cost_successful"] = known_ok
    g["unknown_cost_calls"] = g["calls"] - known
    g["unknown_cost_share"] = ratio(g["calls"] - known, g["calls"])
    g["unknown_cost_marked"] = (g["unknown_cost_share"] or 0) > 0.05
    g["cost_per_call"] = ratio(g["cost"], known)
    g["cost_per_successful_call"] = ratio(g["cost"], known_ok)
    g["retry_inflation"] = ratio(g["retries"], g["first_attempts"])
    g["allocation_coverage_cost"] = ratio(g["allocated_cost"], g["cost"]) \
        if g["cost"] > 0 else None
    g["allocation_coverage_calls"] = ratio(g["allocated_calls"], g["calls"])
    g["priced_calls"] = len(priced)
    g["unpriced_calls"] = g["calls"] - len(priced)
    reasons = [e["cost"]["reason"] for e in events if e["cost"]["amount"] is None]
    for r in REASONS:
        g["unpriced_" + r.replace(":", "_")] = reasons.count(r)
    g["unpriced_other"] = sum(r not in REASONS for r in reasons)
    g["environment_mismatches"] = sum(e["environment_check"]["mismatch"]
                                      for e in events)
    # Business units: distinct declared.unit_id, each once.
    units = {(e.get("declared") or {}).get("unit_id") for e in events} - {None, ""}
    g["units"] = len(units)
    g["cost_per_unit"] = ratio(g["cost"], len(units))
    g["units_capped"] = False
    g["first_timestamp"] = min(e["timestamp_utc"] for e in all_events)
    g["last_timestamp"] = max(e["timestamp_utc"] for e in all_events)
    versions = {e["cost"]["pricing_version"] for e in all_events} - {None}
    g["pricing_version"] = (versions.pop() if len(versions) == 1 else
                            "mixed" if versions else None)
    return g


def compare(c, name, got, want):
    bad = []
    for k, v in want.items():
        if isinstance(v, float) or isinstance(got.get(k), float):
            if not close(got.get(k), v):
                bad.append("%s: got %r, want %r" % (k, got.get(k), v))
        elif got.get(k) != v:
            bad.append("%s: got %r, want %r" % (k, got.get(k), v))
    return c.check(name, not bad, "; ".join(bad[:5]))


def run(argv):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=120)


def build_ledger(c, agent, ledger):
    captures = sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures",
                                             "*.capture.jsonl")))
    failed = []
    for cap in captures:
        res = run([agent, "replay", "--config", CONFIG, "--events", ledger, cap])
        if res.returncode:
            failed.append(os.path.basename(cap))
    c.check("replay %d captures" % len(captures), captures and not failed,
            ", ".join(failed))
    events = [json.loads(l) for l in open(ledger, encoding="utf-8")]
    c.check("ledger has events", len(events) > 0 and all(
        e.get("event_type") == "ai_api_cost_allocation" for e in events))
    # Dark connections as the agent writes them (no model, usage or cost):
    # one beside calls of the same owner, one of an owner without calls.
    for owner, sent, received in ((events[0]["owner"], 1517, 4242),
                                  ("dark-only", 99, 1)):
        dark = dict(events[0], owner=owner, request_model=None, response_model=None,
                    outcome="unknown", attempt=None, usage_status="unobserved",
                    problem="tls_not_traced",
                    usage={k: None for k in events[0]["usage"]},
                    cost=dict(events[0]["cost"], amount=None, reason="tls_not_traced"),
                    connection={"server_name": "api.openai.com",
                                "name_source": "client_hello",
                                "peer_address": "127.0.0.1", "peer_port": 443,
                                "bytes_sent": sent, "bytes_received": received})
        events.append(dark)
        with open(ledger, "a", encoding="utf-8") as f:
            f.write(json.dumps(dark) + "\n")
    # One line of each kind the report skips, each counted in its class.
    bad_field = dict(events[0], attempt="first")
    bad_version = dict(events[0], event_version=2)
    with open(ledger, "a", encoding="utf-8") as f:
        f.write('{"type":"agent_stats","allocation":{"events":%d}}\n' % len(events))
        f.write("not json at all\n")
        f.write("\n")
        f.write(json.dumps(bad_field) + "\n")
        f.write(json.dumps(bad_version) + "\n")
    skipped = {"not_event": 1, "not_json": 1, "blank": 1, "bad_field": 1,
               "bad_version": 1}
    return events, skipped


def check_json_report(c, agent, ledger, events, skipped):
    res = run([agent, "report", "--format", "json", "--by", "owner,model", ledger])
    if not c.check("report --format json exits 0", res.returncode == 0,
                   res.stderr.decode(errors="replace")):
        return
    recs = [json.loads(l) for l in res.stdout.decode().splitlines()]
    groups = [r for r in recs if r["record"] == "group"]
    totals = [r for r in recs if r["record"] == "total"]
    summary = [r for r in recs if r["record"] == "summary"]
    c.check("one summary line, last", len(summary) == 1 and recs[-1] is summary[0])

    want = {}
    for e in events:
        model = e["response_model"] or e["request_model"]
        key = (e["owner"], model, e["cost"]["currency"] or "")
        want.setdefault(key, []).append(e)
    got = {(g["key"]["owner"], g["key"]["model"], g["currency"] or ""): g
           for g in groups}
    c.check("groups: same keys", set(got) == set(want),
            "missing %s, extra %s" % (sorted(set(want) - set(got), key=str)[:3],
                                      sorted(set(got) - set(want), key=str)[:3]))
    c.check("groups: none is (other)", not any(g["other"] for g in groups))
    for key in sorted(set(got) & set(want), key=str):
        compare(c, "group %s / %s" % key[:2], got[key], expected_group(want[key]))

    # Cost descending, then the key (null first), then the currency.
    def order(g):
        k = g["key"]
        return (-g["cost"], [(v is not None, v or "") for v in
                             (k["owner"], k["model"])], g["currency"] or "")
    c.check("groups: ordered by cost then key",
            [order(g) for g in groups] == sorted(order(g) for g in groups))

    by_cur = {}
    for e in events:
        by_cur.setdefault(e["cost"]["currency"] or "", []).append(e)
    c.check("totals: one per currency",
            sorted(t["currency"] or "" for t in totals) == sorted(by_cur))
    for t in totals:
        w = expected_group(by_cur.get(t["currency"] or "", []))
        w["groups"] = sum(1 for k in want if k[2] == (t["currency"] or ""))
        compare(c, "total %s" % (t["currency"] or "-"), t, w)

    s = summary[0] if summary else {"lines": {}}
    lines = dict(skipped, events=len(events), too_long=0, out_of_range=0,
                 dropped=0)
    lines["total"] = sum(lines.values())
    compare(c, "summary: line counts", s["lines"], lines)
    compare(c, "summary: caps", s, {"groups": len(want), "other_events_group_cap": 0,
                                    "other_events_cell_cap": 0,
                                    "mixed_currency_keys": 0,
                                    "values_truncated": 0, "events_lost_nomem": 0})


def check_focus(c, agent, ledger, events):
    res = run([agent, "report", "--format", "focus", "--by", "owner", ledger])
    if not c.check("report --format focus exits 0", res.returncode == 0,
                   res.stderr.decode(errors="replace")):
        return
    rows = list(csv.DictReader(io.StringIO(res.stdout.decode())))
    events = [e for e in events if not is_dark(e)]  # no cost, no row
    cost = math.fsum(e["cost"]["amount"] for e in events
                     if e["cost"]["amount"] is not None)
    c.check("focus: ListCost adds up to the total cost",
            close(math.fsum(float(r["ListCost"]) for r in rows), cost))
    c.check("focus: x_Calls add up to the events",
            sum(int(r["x_Calls"]) for r in rows) == len(events))
    c.check("focus: BilledCost 0, EffectiveCost = ListCost, Usage",
            all(r["BilledCost"] == "0" and r["EffectiveCost"] == r["ListCost"]
                and r["ChargeCategory"] == "Usage" for r in rows))
    days = {e["timestamp_utc"][:10] for e in events}
    c.check("focus: charge periods are the events' days",
            {r["ChargePeriodStart"][:10] for r in rows} == days and
            all(r["ChargePeriodStart"].endswith("T00:00:00Z") for r in rows))
    tokens = sum((e["usage"]["input_tokens"] or 0) +
                 (e["usage"]["output_tokens"] or 0) for e in events)
    c.check("focus: ConsumedQuantity adds up to input + output tokens",
            sum(int(r["ConsumedQuantity"]) for r in rows) == tokens)
    # One row per (owner, provider, model, currency, day): FOCUS adds
    # provider and model to the keys.
    keys = {(e["owner"], e["provider"], e["response_model"] or e["request_model"],
             e["cost"]["currency"], e["timestamp_utc"][:10]) for e in events}
    c.check("focus: one row per owner, provider, model and day",
            len(rows) == len(keys), "%d rows, %d keys" % (len(rows), len(keys)))


def check_window(c, agent, ledger, events):
    stamps = sorted(e["timestamp_utc"] for e in events)
    since, until = stamps[len(stamps) // 4], stamps[3 * len(stamps) // 4]
    res = run([agent, "report", "--format", "json", "--by", "owner",
               "--since", since, "--until", until, ledger])
    if not c.check("report --since --until exits 0", res.returncode == 0):
        return
    recs = [json.loads(l) for l in res.stdout.decode().splitlines()]
    inside = [e for e in events if since <= e["timestamp_utc"] < until]
    s = recs[-1]
    c.check("window: since inclusive, until exclusive",
            s["lines"]["events"] == len(inside) and
            s["lines"]["out_of_range"] == len(events) - len(inside),
            "%s events, want %d" % (s["lines"]["events"], len(inside)))
    c.check("window: totals over the events inside",
            sum(r["calls"] for r in recs if r["record"] == "total") ==
            sum(not is_dark(e) for e in inside))


def check_usage_errors(c, agent, ledger):
    for argv in (["--by", "owner,bogus", ledger], ["--by", "owner,owner", ledger],
                 ["--format", "xml", ledger], ["--since", "yesterday", ledger],
                 ["--since", "2026-11-24", "--until", "2026-11-23", ledger],
                 ["--no-such-option", ledger], []):
        res = run([agent, "report"] + argv)
        c.check("usage error exits 2: %s" % " ".join(argv[:2]),
                res.returncode == 2 and b"tokentap report" in res.stderr + res.stdout,
                "exit %d" % res.returncode)
    res = run([agent, "report", ledger + ".missing"])
    c.check("missing file exits 1", res.returncode == 1)
    res = run([agent, "report", ledger])
    out = res.stdout.decode()
    c.check("table: header, TOTAL and line counts",
            res.returncode == 0 and out.startswith("owner") and
            "\nTOTAL" in out and "1 not_event" in out)


def hand_ledger(template, path):
    """A ledger built by hand from one replayed event (docs/report.md,
    honest ratios). Owner "web", 11 calls: 4 priced successes (0.10, 0.20,
    0.30, 0.40), a cut stream priced 0.50, two 429s without usage
    (unbilled: cost 0), three successes of an unknown model (cost
    unknown) and a cut stream without usage (cost unknown). Owner
    "unallocated": one priced success 0.60 and a dark connection."""
    def ev(owner, outcome, amount, usage_status="reported", reason=None,
           status="allocated", env_source="rule"):
        e = json.loads(json.dumps(template))
        e.update(owner=owner, outcome=outcome, usage_status=usage_status,
                 connection=None, attempt=None)
        e["allocation"] = dict(e["allocation"], status=status,
                               environment_source=env_source)
        e["cost"] = dict(e["cost"], amount=amount, reason=reason,
                         currency="USD")
        return e
    evs = [ev("web", "success", a) for a in (0.10, 0.20, 0.30, 0.40)]
    evs.append(ev("web", "incomplete", 0.50, "partial"))
    evs += [ev("web", "rate_limited", None, "none", "no_usage", env_source="key")
            for _ in range(2)]
    evs += [ev("web", "success", None, "reported", "unknown_model") for _ in range(3)]
    evs.append(ev("web", "incomplete", None, "none", "no_usage", env_source=None))
    evs.append(ev("unallocated", "success", 0.60, status="unallocated",
                  env_source="header"))
    dark = ev("unallocated", "unknown", None, "unobserved", "tls_not_traced",
              status="unallocated", env_source="header")
    dark["connection"] = {"server_name": "api.openai.com", "name_source": "client_hello",
                          "peer_address": "127.0.0.1", "peer_port": 443,
                          "bytes_sent": 10, "bytes_received": 20}
    evs.append(dark)
    with open(path, "w", encoding="utf-8") as f:
        for e in evs:
            f.write(json.dumps(e) + "\n")


def check_honest_ratios(c, agent, work, template):
    path = os.path.join(work, "hand.jsonl")
    hand_ledger(template, path)
    res = run([agent, "report", "--format", "json", "--by", "owner", path])
    recs = [json.loads(l) for l in res.stdout.decode().splitlines()]
    web = [r for r in recs if r["record"] == "group" and r["key"]["owner"] == "web"]
    if not c.check("hand ledger: report exits 0, group web", res.returncode == 0 and web):
        return
    # By hand: cost 1.50 over 7 calls of known cost (5 priced, 2 unbilled
    # 429s) and 4 successes of known cost; 4 of 11 unknown.
    compare(c, "hand ledger: honest ratios of web", web[0], {
        "calls": 11, "successful": 7, "priced_calls": 5, "unpriced_calls": 6,
        "unbilled_error_calls": 2, "known_cost_calls": 7, "known_cost_successful": 4,
        "unknown_cost_calls": 4, "unknown_cost_share": 4 / 11,
        "unknown_cost_marked": True, "cost": 1.5,
        "cost_per_call": 1.5 / 7, "cost_per_successful_call": 0.375})
    total = [r for r in recs if r["record"] == "total"][0]
    compare(c, "hand ledger: totals", total, {
        "calls": 12, "cost": 2.1, "cost_per_call": 2.1 / 8,
        "cost_per_successful_call": 2.1 / 5, "unknown_cost_share": 4 / 12})
    pol = recs[-1].get("ratio_policy", {})
    c.check("json: ratio policy in the summary",
            pol.get("cost_per_call") == "cost / known_cost_calls" and
            pol.get("unknown_cost_mark") == 0.05, repr(pol))
    res = run([agent, "report", "--by", "owner", "--mark-unpriced-above", "40%", path])
    out = res.stdout.decode()
    c.check("table: policy printed, mark at 40%: web not marked",
            res.returncode == 0 and "ratios: cost/call = cost / calls of known cost" in out
            and "'!' above 40.0%" in out and "36.4%!" not in out and "36.4%" in out)
    res = run([agent, "report", "--by", "environment_source", "--format", "json", path])
    recs = [json.loads(l) for l in res.stdout.decode().splitlines()]
    got = {r["key"]["environment_source"]: (r["calls"], r["dark_connections"])
           for r in recs if r["record"] == "group"}
    c.check("--by environment_source", got == {"rule": (8, 0), "key": (2, 0),
                                               None: (1, 0), "header": (1, 1)}, repr(got))
    # Shares: unallocated 0.6/2.1 = 28.57%, unknown 4/12 = 33.33%, dark 1/13.
    for opt, ok, bad in (("--fail-unallocated-above", "28.58%", "28.5%"),
                         ("--fail-unpriced-above", "33.34", "33.3"),
                         ("--fail-dark-above", "7.7%", "7.6%")):
        for fmt in ("table", "json", "csv", "focus"):
            res = run([agent, "report", "--format", fmt, opt, ok, path])
            c.check("%s %s (%s) passes: exit 0" % (opt, ok, fmt), res.returncode == 0,
                    "exit %d" % res.returncode)
            res = run([agent, "report", "--format", fmt, opt, bad, path])
            text = (res.stdout + res.stderr).decode()
            c.check("%s %s (%s) fails: exit 3 and a FAILED line" % (opt, bad, fmt),
                    res.returncode == 3 and "threshold FAILED" in text and opt in text,
                    "exit %d" % res.returncode)
    for bad in ("2%%", "-1", "101", "x"):
        res = run([agent, "report", "--fail-unallocated-above", bad, path])
        c.check("bad percentage %s exits 2" % bad, res.returncode == 2)


def units_ledger(template, path):
    """Business units (docs/report.md#cost-per-unit), by hand. Owner
    "support": case-1 0.10 resolved and 0.20 (no outcome); case-2 unknown
    model (escalated) and 0.30 escalated, a fallback; case-3 a 429 without
    usage (resolved) and its retry 0.40 resolved; no unit 0.50; case-4
    unknown model, resolved. Owner "billing": case-1 0.60 resolved, case-5
    0.70."""
    rows = [("support", "case-1", "resolved", "success", 0.10, 0, None),
            ("support", "case-1", None, "success", 0.20, 0, None),
            ("support", "case-2", "escalated", "success", None, 0, None),
            ("support", "case-2", "escalated", "success", 0.30, 0,
             "00000000-0000-4000-8000-000000000003"),
            ("support", "case-3", "resolved", "rate_limited", None, 0, None),
            ("support", "case-3", "resolved", "success", 0.40, 1, None),
            ("support", None, None, "success", 0.50, 0, None),
            ("support", "case-4", "resolved", "success", None, 0, None),
            ("billing", "case-1", "resolved", "success", 0.60, 0, None),
            ("billing", "case-5", None, "success", 0.70, 0, None)]
    with open(path, "w", encoding="utf-8") as f:
        for owner, unit, uout, outcome, amount, attempt, fb in rows:
            e = json.loads(json.dumps(template))
            e.update(owner=owner, outcome=outcome, connection=None,
                     attempt=attempt, fallback_of=fb,
                     usage_status="none" if outcome == "rate_limited" else "reported")
            e["declared"] = dict(e.get("declared") or {}, unit_id=unit,
                                 unit_outcome=uout)
            e["cost"] = dict(e["cost"], amount=amount, currency="USD",
                             reason=None if amount is not None else
                             "no_usage" if outcome == "rate_limited" else
                             "unknown_model")
            f.write(json.dumps(e) + "\n")


def check_units(c, agent, work, template):
    path = os.path.join(work, "units.jsonl")
    units_ledger(template, path)

    def report(*argv):
        res = run([agent, "report", "--by", "owner"] + list(argv) + [path])
        return res.returncode, res.stdout.decode(), res.stderr.decode()

    rc, out, _ = report("--format", "json")
    recs = [json.loads(l) for l in out.splitlines()] if rc == 0 else []
    got = {r["key"]["owner"] if r["record"] == "group" else "TOTAL": r
           for r in recs if r["record"] in ("group", "total")}
    if not c.check("units ledger: report exits 0, both groups",
                   set(got) == {"support", "billing", "TOTAL"}, "exit %d" % rc):
        return
    # support: cost 1.50 (the no-unit call too); 4 distinct units over the
    # 7 calls that carry one; case-2 and case-4 have a call of unknown
    # cost. billing: 1.30 / 2. Total: the union, 5 units (not 4 + 2).
    compare(c, "units: support", got["support"], {
        "calls": 8, "cost": 1.5, "units": 4, "units_unknown_cost": 2,
        "units_uncounted": 0, "units_capped": False, "cost_per_unit": 0.375,
        "fallbacks": 1, "retries": 1})
    compare(c, "units: billing", got["billing"], {
        "units": 2, "cost_per_unit": 0.65, "fallbacks": 0})
    compare(c, "units: total counts each unit once", got["TOTAL"], {
        "cost": 2.8, "units": 5, "cost_per_unit": 2.8 / 5, "fallbacks": 1})
    c.check("json: unit policy in the summary",
            recs[-1]["ratio_policy"].get("unit_outcome") is None and
            recs[-1].get("unit_calls") == 9, repr(recs[-1].get("ratio_policy")))
    # --unit-outcome resolved: support {case-1, case-3, case-4} = 3 (4
    # resolved calls), 1.50 / 3; billing {case-1}, 1.30 / 1; total the
    # union {case-1, case-3, case-4} = 3 (not 3 + 1), 2.80 / 3.
    rc, out, _ = report("--format", "json", "--unit-outcome", "resolved")
    recs = [json.loads(l) for l in out.splitlines()] if rc == 0 else []
    got = {r["key"]["owner"] if r["record"] == "group" else "TOTAL": r
           for r in recs if r["record"] in ("group", "total")}
    if c.check("--unit-outcome resolved exits 0", rc == 0 and "TOTAL" in got):
        compare(c, "resolved units: support", got["support"], {
            "units": 3, "units_unknown_cost": 1, "cost_per_unit": 0.5})
        compare(c, "resolved units: billing", got["billing"], {
            "units": 1, "cost_per_unit": 1.3})
        compare(c, "resolved units: total", got["TOTAL"], {
            "units": 3, "cost_per_unit": 2.8 / 3})
        c.check("json: unit_outcome in the policy",
                recs[-1]["ratio_policy"].get("unit_outcome") == "resolved")
    rc, out, _ = report("--unit-outcome", "resolved")
    c.check("table: units, cost/unit, fallbacks and the unit policy line",
            rc == 0 and "cost/unit" in out and "fallbacks" in out and
            "0.50000000" in out and 'unit_outcome "resolved"' in out, out[-600:])
    rc, out, err = report("--format", "csv", "--unit-outcome", "resolved")
    rows = list(csv.DictReader(io.StringIO(out)))
    c.check("csv: units and cost_per_unit, policy on stderr",
            rc == 0 and [(r["owner"], r["units"], r["cost_per_unit"]) for r in rows]
            == [("support", "3", "0.5"), ("billing", "1", "1.3"), ("", "3", "0.933333333333")]
            and "units: distinct declared.unit_id" in err,
            repr([(r["owner"], r["units"], r["cost_per_unit"]) for r in rows]))
    res = run([agent, "report", "--unit-outcome", "", path])
    c.check("--unit-outcome '' exits 2", res.returncode == 2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", default=os.path.join(ROOT, "build", "tokentap"))
    ap.add_argument("--keep", action="store_true", help="keep the ledger")
    a = ap.parse_args()
    c = Checks()
    work = tempfile.mkdtemp(prefix="tokentap-report-")
    ledger = os.path.join(work, "events.jsonl")
    try:
        events, skipped = build_ledger(c, os.path.abspath(a.agent), ledger)
        if events:
            agent = os.path.abspath(a.agent)
            check_json_report(c, agent, ledger, events, skipped)
            check_focus(c, agent, ledger, events)
            check_window(c, agent, ledger, events)
            check_usage_errors(c, agent, ledger)
            check_honest_ratios(c, agent, work, events[0])
            check_units(c, agent, work, events[0])
    finally:
        if a.keep:
            print("ledger kept in %s" % ledger)
        else:
            for f in glob.glob(os.path.join(work, "*")):
                os.unlink(f)
            os.rmdir(work)
    print("report: %d passed, %d failed" % (c.passed, c.failed), flush=True)
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
