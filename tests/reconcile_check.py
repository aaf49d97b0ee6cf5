#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""End-to-end check of `tokentap reconcile` (docs/finops.md#reconciliation).

The ledger: the replayed test fixtures of OpenAI, Anthropic, Azure OpenAI,
Bedrock and Vertex AI, every second fixture moved one day later (its
ledger events and its server log alike) so that there are two UTC days.
The exports: built here from the fake provider's own log of what it sent
(tests/fixtures/*.expect.jsonl, written by tools/fakeai.py), in the
providers' published formats: OpenAI /v1/organization/usage/completions
(two pages) and /v1/organization/costs pages, Anthropic usage_report and
cost_report pages, and a FOCUS CSV with Azure (tokens in thousands, no
model), Bedrock (foundation-model ARNs) and Vertex (publisher model paths)
rows, plus a tax row and a non-AI row that must be skipped. Costs at list
price, from tests/costcheck.py (LiteLLM's table read independently of the
C code).

Two exports: one exact, one shifted (an OpenAI key 10 % more,
an Anthropic key 3 % less, a Bedrock model's usage booked on the other day).
For each, every key's variance is computed here by hand from the ledger
and the export and compared with `reconcile --format json`, flags
included; then the specific flags the shift must raise. Also: bad
exports exit 1 with a message, usage errors exit 2, exit 3 on variance.

Usage: reconcile_check.py [--agent build/tokentap] [--keep]
Last line: "reconcile: N passed, N failed"; exit 1 on any failure.
"""
import argparse
import copy
import csv
import datetime
import glob
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import costcheck  # noqa: E402
from report_check import Checks, run  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
FIX = os.path.join(ROOT, "tests", "fixtures")
CONFIG = os.path.join(FIX, "replay-config.json")
PREFIXES = ("openai-", "anthropic-", "azure-", "bedrock-", "vertex-")
COVERED = ("openai", "anthropic", "azure.ai.openai", "aws.bedrock", "gcp.vertex_ai")
DAY_US = 86400 * 10**6
THRESHOLD = 0.05


def day_of_us(us):
    return datetime.datetime.fromtimestamp(us / 1e6, datetime.timezone.utc).strftime("%Y-%m-%d")


def shift_ts(ts, days):
    t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ")
    return (t + datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def build(c, agent, work):
    """The ledger (events) and the log (exchanges with a day), shifted."""
    ledger = os.path.join(work, "events.jsonl")
    events, exchanges, n, base_day = [], [], 0, None
    for cap in sorted(glob.glob(os.path.join(FIX, "*.capture.jsonl"))):
        name = os.path.basename(cap)[:-len(".capture.jsonl")]
        exp = os.path.join(FIX, name + ".expect.jsonl")
        if not name.startswith(PREFIXES) or not os.path.exists(exp):
            continue
        log = [json.loads(l) for l in open(exp, encoding="utf-8")]
        log = [x for x in log if x.get("event") == "exchange"]
        if not log or any(not x.get("ts_ns") for x in log):
            continue  # derived fixtures with no server time
        one = os.path.join(work, "one.jsonl")
        if os.path.exists(one):
            os.unlink(one)
        res = run([agent, "replay", "--config", CONFIG, "--events", one, cap])
        if res.returncode:
            c.check("replay %s" % name, False, res.stderr.decode(errors="replace"))
            continue
        # Fixtures recorded on another day are moved to the first one's
        # (mkfixtures records with real time): the ledger spans 2 days.
        day0 = log[0]["ts_ns"] // 1000 // DAY_US
        if base_day is None:
            base_day = day0
        shift = base_day - day0 + n % 2
        n += 1
        for line in open(one, encoding="utf-8"):
            e = json.loads(line)
            e["timestamp_utc"] = shift_ts(e["timestamp_utc"], shift)
            events.append(e)
        for x in log:
            x["day"] = day_of_us(x["ts_ns"] // 1000 + shift * DAY_US)
            exchanges.append(x)
    with open(ledger, "w", encoding="utf-8") as f:
        for e in events:
            f.write(json.dumps(e) + "\n")
    c.check("ledger of %d fixtures, %d events, 2 days" % (n, len(events)),
            n >= 20 and len({e["timestamp_utc"][:10] for e in events}) == 2)
    return ledger, events, exchanges


def export_usage(exchanges, ref):
    """(day, provider, model) -> tokens and list-price cost of what the
    fake provider sent."""
    out = {}
    for x in exchanges:
        u = x.get("usage_expected")
        if x.get("provider") not in COVERED or not u:
            continue
        model = x.get("response_model") or x["request_model"]
        k = (x["day"], x["provider"], model)
        w = out.setdefault(k, {"input": 0, "output": 0, "cache_read": 0,
                               "cache_write": 0, "requests": 0, "cost": 0.0})
        w["input"] += u.get("input_tokens") or 0
        w["output"] += u.get("output_tokens") or 0
        w["cache_read"] += u.get("cache_read_input_tokens") or 0
        w["cache_write"] += u.get("cache_creation_input_tokens") or 0
        w["requests"] += 1
        w["cost"] += costcheck.expected_amount(
            ref, x["provider"], x.get("response_model"), x["request_model"], u) or 0.0
    return out


def midnight(day):
    t = datetime.datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=datetime.timezone.utc)
    return int(t.timestamp())


def rfc3339(secs):
    return datetime.datetime.fromtimestamp(secs, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def write_exports(usage, d):
    """The five export files of one usage table; returns their paths."""
    days = sorted({k[0] for k in usage})
    by = lambda prov, day: sorted((k[2], v) for k, v in usage.items()  # noqa: E731
                                  if k[1] == prov and k[0] == day)
    pages = []
    for i, day in enumerate(days):  # one page per day: has_more on the first
        s = midnight(day)
        pages.append({"object": "page", "has_more": i < len(days) - 1,
                      "next_page": "page_%d" % (i + 1) if i < len(days) - 1 else None,
                      "data": [{"object": "bucket", "start_time": s, "end_time": s + 86400,
                                "results": [{"object": "organization.usage.completions.result",
                                             "input_tokens": v["input"],
                                             "output_tokens": v["output"],
                                             "input_cached_tokens": v["cache_read"],
                                             "num_model_requests": v["requests"],
                                             "project_id": None, "user_id": None,
                                             "api_key_id": None, "model": m, "batch": None}
                                            for m, v in by("openai", day)]}]})
    costs = {"object": "page", "has_more": False, "next_page": None, "data": [
        {"object": "bucket", "start_time": midnight(day), "end_time": midnight(day) + 86400,
         "results": [{"object": "organization.costs.result",
                      "amount": {"value": v["cost"] * share, "currency": "usd"},
                      "line_item": "%s, %s" % (m, part), "project_id": None}
                     for m, v in by("openai", day)
                     for part, share in (("input", 0.25), ("output", 0.75))]}
        for day in days]}
    a_usage = {"has_more": False, "next_page": None, "data": [
        {"starting_at": rfc3339(midnight(day)), "ending_at": rfc3339(midnight(day) + 86400),
         "results": [{"uncached_input_tokens": v["input"] - v["cache_read"] - v["cache_write"],
                      "cache_creation": {"ephemeral_1h_input_tokens": 0,
                                         "ephemeral_5m_input_tokens": v["cache_write"]},
                      "cache_read_input_tokens": v["cache_read"],
                      "output_tokens": v["output"],
                      "server_tool_use": {"web_search_requests": 0},
                      "api_key_id": None, "workspace_id": None, "model": m,
                      "service_tier": "standard", "context_window": "0-200k"}
                     for m, v in by("anthropic", day)]} for day in days]}
    a_cost = {"has_more": False, "next_page": None, "data": [
        {"starting_at": rfc3339(midnight(day)), "ending_at": rfc3339(midnight(day) + 86400),
         "results": [{"currency": "USD", "amount": "%.10f" % (v["cost"] * 100),
                      "workspace_id": None, "description": None, "cost_type": "tokens",
                      "context_window": "0-200k", "model": m, "service_tier": "standard",
                      "token_type": "output_tokens"}
                     for m, v in by("anthropic", day)]} for day in days]}
    focus = io.StringIO()
    cols = ["BilledCost", "BillingCurrency", "ChargeCategory", "ChargeClass",
            "ChargePeriodStart", "ChargePeriodEnd", "ConsumedQuantity", "ConsumedUnit",
            "EffectiveCost", "ListCost", "ProviderName", "ResourceId", "ServiceName",
            "SubAccountId", "Tags"]
    wr = csv.DictWriter(focus, fieldnames=cols, lineterminator="\r\n")
    wr.writeheader()
    for day in days:
        start, end = day + "T00:00:00Z", rfc3339(midnight(day) + 86400)
        rows = []
        for m, v in by("azure.ai.openai", day):  # per-account rows: no model
            rows.append(("Microsoft", "Azure OpenAI", "/subscriptions/s1/resourceGroups/rg/"
                         "providers/Microsoft.CognitiveServices/accounts/ai1",
                         (v["input"] + v["output"]) / 1000.0, "1K Tokens", v["cost"]))
        for m, v in by("aws.bedrock", day):
            rows.append(("AWS", "Amazon Bedrock",
                         "arn:aws:bedrock:us-east-1::foundation-model/" + m,
                         v["input"] + v["output"], "Tokens", v["cost"]))
        for m, v in by("gcp.vertex_ai", day):
            rows.append(("Google Cloud", "Vertex AI", "projects/p1/locations/us-central1/"
                         "publishers/google/models/" + m, v["input"] + v["output"],
                         "Tokens", v["cost"]))
        for prov, svc, rid, qty, unit, cost in rows:
            wr.writerow({"BilledCost": repr(cost), "BillingCurrency": "USD",
                         "ChargeCategory": "Usage", "ChargeClass": "",
                         "ChargePeriodStart": start, "ChargePeriodEnd": end,
                         "ConsumedQuantity": repr(qty), "ConsumedUnit": unit,
                         "EffectiveCost": repr(cost), "ListCost": repr(cost),
                         "ProviderName": prov, "ResourceId": rid, "ServiceName": svc,
                         "SubAccountId": "acct-1", "Tags": '{"team":"x, y"}'})
        wr.writerow({"BilledCost": "1.5", "BillingCurrency": "USD", "ChargeCategory": "Tax",
                     "ChargePeriodStart": start, "ChargePeriodEnd": end,
                     "ProviderName": "AWS", "ServiceName": "Amazon Bedrock"})
        wr.writerow({"BilledCost": "7", "BillingCurrency": "USD", "ChargeCategory": "Usage",
                     "ChargePeriodStart": start, "ChargePeriodEnd": end,
                     "ConsumedQuantity": "3", "ConsumedUnit": "Hours",
                     "ProviderName": "AWS", "ServiceName": "Amazon EC2"})
    files = {"openai_usage.json": pages, "openai_costs.json": costs,
             "anthropic_usage.json": a_usage, "anthropic_cost.json": a_cost}
    paths = []
    for name, doc in files.items():
        p = os.path.join(d, name)
        with open(p, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1)
        paths.append(p)
    p = os.path.join(d, "focus.csv")
    with open(p, "w", encoding="utf-8", newline="") as f:
        f.write("\ufeff" + focus.getvalue())
    paths.append(p)
    return paths


def expected(events, usage):
    """Every key's numbers and flags, by hand (docs/finops.md)."""
    days = {k[0] for k in usage}
    keys = {}

    def slot(k):
        return keys.setdefault(k, {"calls": 0, "unpriced": 0, "l_in": 0, "l_out": 0,
                                   "l_cost": 0.0, "e": None})
    for e in events:
        if e.get("connection") or e["provider"] not in COVERED or \
                e["timestamp_utc"][:10] not in days:
            continue
        model = e["response_model"] or e["request_model"] or "(none)"
        if e["provider"] == "azure.ai.openai":
            model = None  # the FOCUS rows name no model: all models
        s = slot((e["timestamp_utc"][:10], e["provider"], model))
        s["calls"] += 1
        s["unpriced"] += e["cost"]["amount"] is None
        s["l_in"] += e["usage"]["input_tokens"] or 0
        s["l_out"] += e["usage"]["output_tokens"] or 0
        s["l_cost"] += e["cost"]["amount"] or 0.0
    for (day, prov, model), v in usage.items():
        s = slot((day, prov, None if prov == "azure.ai.openai" else model))
        w = s["e"] or {"in": 0, "out": 0, "cost": 0.0}
        w["in"] += v["input"]
        w["out"] += v["output"]
        w["cost"] += v["cost"]
        s["e"] = w
    for k, s in keys.items():
        flags, ex = [], s["e"]
        split = k[1] not in ("azure.ai.openai", "aws.bedrock", "gcp.vertex_ai")
        if ex and s["calls"]:
            pairs = [(s["l_in"] + s["l_out"], ex["in"] + ex["out"])]
            if split:
                pairs += [(s["l_in"], ex["in"]), (s["l_out"], ex["out"])]
            if any(beyond(a, b) for a, b in pairs):
                flags.append("tokens")
        if ex and beyond(s["l_cost"], ex["cost"]):
            flags.append("cost")
        if not ex and (s["l_in"] + s["l_out"] or s["l_cost"]):
            flags.append("ledger_only")
        if ex and not s["calls"] and (ex["in"] + ex["out"] or ex["cost"]):
            flags.append("export_only")
        s["flags"] = sorted(flags)
        s["split"] = split
    return keys


def beyond(a, b):
    if b == 0:
        return not close(a, 0)
    return abs((a - b) / b) > THRESHOLD + 1e-12


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def compare(c, label, got, keys):
    recs = {(r["day"], r["provider"], r["model"]): r for r in got if r["record"] == "variance"}
    c.check("%s: same keys" % label, set(recs) == set(keys),
            "missing %s, extra %s" % (sorted(set(keys) - set(recs), key=str)[:4],
                                      sorted(set(recs) - set(keys), key=str)[:4]))
    bad = []
    for k in sorted(set(recs) & set(keys), key=str):
        r, s = recs[k], keys[k]
        led, ex, var = r["ledger"], r["export"], r["variance"]
        want_tot = s["l_in"] + s["l_out"]
        probs = []
        if led["calls"] != s["calls"] or led["unpriced_calls"] != s["unpriced"]:
            probs.append("calls %r" % led)
        if s["calls"] and led["total_tokens"] != want_tot:
            probs.append("ledger tokens %r, want %d" % (led["total_tokens"], want_tot))
        if s["calls"] and not close(led["cost"], s["l_cost"]):
            probs.append("ledger cost %r, want %r" % (led["cost"], s["l_cost"]))
        if s["e"]:
            e_tot = s["e"]["in"] + s["e"]["out"]
            if ex["total_tokens"] != e_tot or not close(ex["cost"], s["e"]["cost"]):
                probs.append("export %r, want %r" % (ex, s["e"]))
            if s["split"] and (ex["input_tokens"] != s["e"]["in"] or
                               ex["output_tokens"] != s["e"]["out"]):
                probs.append("export split %r" % ex)
            if s["calls"] and var["total_tokens"] != want_tot - e_tot:
                probs.append("tokens variance %r" % var["total_tokens"])
            if s["calls"] and e_tot and not close(var["total_tokens_pct"],
                                                  (want_tot - e_tot) / e_tot):
                probs.append("tokens variance %% %r" % var["total_tokens_pct"])
            if not close(var["cost"], s["l_cost"] - s["e"]["cost"]):
                probs.append("cost variance %r" % var["cost"])
        if sorted(r["flags"]) != s["flags"]:
            probs.append("flags %r, want %r" % (r["flags"], s["flags"]))
        if probs:
            bad.append("%s: %s" % ("/".join(str(x) for x in k), "; ".join(probs)))
    c.check("%s: every key's numbers and flags as computed by hand (%d keys)"
            % (label, len(keys)), not bad, " | ".join(bad[:4]))
    # The window rows: per provider, the sums of its keys on both sides.
    totals = {r["provider"]: r for r in got if r["record"] == "total"}
    bad = []
    for prov in COVERED:
        mine = [s for k, s in keys.items() if k[1] == prov]
        t = totals.get(prov)
        if not t:
            bad.append("%s: no total" % prov)
            continue
        l_tot = sum(s["l_in"] + s["l_out"] for s in mine)
        e_tot = sum(s["e"]["in"] + s["e"]["out"] for s in mine if s["e"])
        e_cost = math.fsum(s["e"]["cost"] for s in mine if s["e"])
        if t["ledger"]["calls"] != sum(s["calls"] for s in mine) or \
                t["ledger"]["total_tokens"] != l_tot or \
                t["export"]["total_tokens"] != e_tot or \
                not close(t["export"]["cost"], e_cost) or \
                not close(t["variance"]["cost"],
                          math.fsum(s["l_cost"] for s in mine) - e_cost):
            bad.append("%s: %r" % (prov, t))
    c.check("%s: window totals per provider are the sums of its keys" % label,
            not bad, " | ".join(bad)[:600])
    return recs


def reconcile(agent, ledger, paths, *extra):
    res = run([agent, "reconcile", "--ledger", ledger, "--format", "json",
               "--threshold", "5%"] + list(extra) + paths)
    recs = [json.loads(l) for l in res.stdout.decode().splitlines() if l.strip()]
    return res, recs


def check_exact(c, agent, ledger, events, usage, d):
    paths = write_exports(usage, d)
    res, recs = reconcile(agent, ledger, paths)
    keys = expected(events, usage)
    want_flag = any(s["flags"] for s in keys.values())
    c.check("exact: exit %d" % (3 if want_flag else 0),
            res.returncode == (3 if want_flag else 0),
            "exit %d: %s" % (res.returncode, res.stderr.decode(errors="replace")[-300:]))
    recs_by = compare(c, "exact", recs, keys)
    clean = [k for k, s in keys.items() if s["calls"] and s["e"] and not s["flags"]]
    c.check("exact: most keys agree (%d of %d)" % (len(clean), len(keys)),
            len(clean) >= len(keys) // 2 and all(
                recs_by[k]["variance"]["cost_pct"] is not None and
                abs(recs_by[k]["variance"]["cost_pct"]) < 1e-9 for k in clean))
    s = recs[-1] if recs else {}
    fm = {os.path.basename(x["file"]): x for x in s.get("exports", [])}
    c.check("summary: formats detected",
            {k: v["format"] for k, v in fm.items()} == {
                "openai_usage.json": "openai_usage_completions",
                "openai_costs.json": "openai_costs",
                "anthropic_usage.json": "anthropic_usage_report",
                "anthropic_cost.json": "anthropic_cost_report",
                "focus.csv": "focus_csv"}, repr(fm)[:300])
    c.check("summary: FOCUS tax and EC2 rows skipped, counted",
            fm.get("focus.csv", {}).get("skipped", {}).get("not_usage") == 2 and
            fm["focus.csv"]["skipped"].get("not_ai_service") == 2)
    c.check("summary: the OpenAI usage pages read whole (has_more only on the first)",
            fm.get("openai_usage.json", {}).get("more_pages") is False)
    # The same exports with the window of one day: the text table.
    res = run([agent, "reconcile", "--ledger", ledger, "--threshold", "100%"] + paths)
    out = res.stdout.decode()
    c.check("text: header, window, exports and verdict lines",
            out.startswith("day ") and "window: UTC days" in out and
            "export " in out and "keys beyond 100.0%" in out and "(all models)" in out)
    return paths


def check_shifted(c, agent, ledger, events, usage, d):
    days = sorted({k[0] for k in usage})
    shifted = copy.deepcopy(usage)
    exact_keys = expected(events, usage)
    # Keys the exact export agrees on, so that what changes is the shift.
    pick = lambda prov: sorted(  # noqa: E731
        (k for k in usage if k[1] == prov and usage[k]["output"] > 20
         and not exact_keys[k]["flags"] and exact_keys[k]["calls"]),
        key=lambda k: (-usage[k]["output"], k))
    ups, downs, lates = pick("openai"), pick("anthropic"), pick("aws.bedrock")
    if not c.check("shifted: clean keys to shift (openai %d, anthropic %d, bedrock %d)"
                   % (len(ups), len(downs), len(lates)), ups and downs and lates):
        return
    up, down, late = ups[0], downs[0], lates[0]
    to = (days[1 - days.index(late[0])], late[1], late[2])
    for f in ("input", "output", "cache_read", "cost"):
        shifted[up][f] = shifted[up][f] * 1.1 if f == "cost" else int(shifted[up][f] * 1.1)
        shifted[down][f] = shifted[down][f] * 0.97 if f == "cost" else int(shifted[down][f] * 0.97)
    moved = shifted.pop(late)
    if to in shifted:
        for f in moved:
            shifted[to][f] += moved[f]
    else:
        shifted[to] = moved
    paths = write_exports(shifted, d)
    res, recs = reconcile(agent, ledger, paths)
    c.check("shifted: exit 3", res.returncode == 3, "exit %d" % res.returncode)
    keys = expected(events, shifted)
    recs_by = compare(c, "shifted", recs, keys)

    def flags(k):
        return sorted(recs_by.get(k, {}).get("flags", ["absent"]))
    c.check("shifted: %s +10%% flagged (tokens, cost)" % "/".join(up),
            flags(up) == ["cost", "tokens"], repr(flags(up)))
    c.check("shifted: %s -3%% within 5%%: not flagged" % "/".join(down),
            flags(down) == [], repr(flags(down)))
    c.check("shifted: %s a day apart: flagged on both days" % "/".join(late),
            flags(late) != exact_keys[late]["flags"] and "ledger_only" in flags(late)
            and flags(to) != exact_keys.get(to, {"flags": []})["flags"],
            "%r / %r" % (flags(late), flags(to)))
    v = recs_by.get(up, {}).get("variance", {})
    e_cost = shifted[up]["cost"]
    c.check("shifted: cost variance %% of %s = (ledger - export) / export" % up[2],
            v.get("cost_pct") is not None and
            close(v["cost_pct"], (keys[up]["l_cost"] - e_cost) / e_cost), repr(v))


def check_focus_service(c, agent, ledger, paths, d):
    """Azure may name the service by its meter category: --focus-service."""
    text = open(paths[4], encoding="utf-8").read()
    p = os.path.join(d, "focus-cs.csv")
    with open(p, "w", encoding="utf-8") as f:
        f.write(text.replace("Azure OpenAI", "Cognitive Services"))
    _, plain = reconcile(agent, ledger, [paths[4]])
    _, unknown = reconcile(agent, ledger, [p])
    _, mapped = reconcile(agent, ledger, ["--focus-service",
                                          "cognitive services=azure.ai.openai", p])
    azure = lambda recs: [r for r in recs if r.get("provider") == "azure.ai.openai"  # noqa: E731
                          and r["record"] == "variance"]
    c.check("FOCUS ServiceName Cognitive Services: not an AI service by default",
            not azure(unknown) and azure(plain) and
            unknown[-1]["exports"][0]["skipped"]["not_ai_service"] >
            plain[-1]["exports"][0]["skipped"]["not_ai_service"])
    c.check("--focus-service maps it: the same Azure keys as 'Azure OpenAI'",
            azure(mapped) == azure(plain) and len(azure(plain)) == 2)


def check_errors(c, agent, ledger, paths, d):
    bad = {"garbage.json": b'{"hello": "world"}', "cut.json": b'{"object":"page","data":[{',
           "text.txt": b"just some text\n", "empty.csv": b"",
           "focus-nocol.csv": b"ChargePeriodStart,BilledCost\n2026-11-23,1\n",
           "focus-quote.csv": b'ChargePeriodStart,ChargePeriodEnd,BilledCost,BillingCurrency,'
                              b'ServiceName,ProviderName,ChargeCategory\n"2026-11-23,1\n',
           "bucket.json": b'{"object":"page","data":[{"object":"bucket","start_time":"x",'
                          b'"end_time":1,"results":[]}],"has_more":false}'}
    for name, body in bad.items():
        p = os.path.join(d, name)
        with open(p, "wb") as f:
            f.write(body)
        res = run([agent, "reconcile", "--ledger", ledger, p])
        err = res.stderr.decode(errors="replace")
        c.check("bad export %s: exit 1, says which file" % name,
                res.returncode == 1 and name in err and "reconcile" in err, err[-200:])
    # A row with a bad field is skipped and counted, the rest used.
    doc = json.load(open(paths[0]))
    doc[0]["data"][0]["results"].append({"object": "organization.usage.completions.result",
                                         "input_tokens": -5, "output_tokens": 1.5,
                                         "model": "x"})
    p = os.path.join(d, "badrow.json")
    json.dump(doc, open(p, "w"))
    res, recs = reconcile(agent, ledger, [p])
    s = recs[-1] if recs else {}
    c.check("bad row skipped and counted", res.returncode in (0, 3) and
            s.get("exports", [{}])[0].get("skipped", {}).get("bad_row") == 1)
    for argv in ([paths[0]], ["--ledger", ledger], ["--ledger", ledger, "--threshold",
                                                    "x", paths[0]],
                 ["--ledger", ledger, "--format", "xml", paths[0]],
                 ["--ledger", ledger, "--focus-service", "x", paths[0]]):
        res = run([agent, "reconcile"] + argv)
        c.check("usage error exits 2: %s" % " ".join(argv[:3])[-60:],
                res.returncode == 2, "exit %d" % res.returncode)
    res = run([agent, "reconcile", "--ledger", ledger, paths[0], paths[1], paths[0]])
    c.check("the same export twice: exit 1, names both",
            res.returncode == 1 and b"give each export once" in res.stderr and
            res.stderr.count(os.path.basename(paths[0]).encode()) == 2)
    res = run([agent, "reconcile", "--ledger", ledger + ".missing", paths[0]])
    c.check("missing ledger exits 1", res.returncode == 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", default=os.path.join(ROOT, "build", "tokentap"))
    ap.add_argument("--keep", action="store_true", help="keep the files")
    a = ap.parse_args()
    agent = os.path.abspath(a.agent)
    c = Checks()
    work = tempfile.mkdtemp(prefix="tokentap-reconcile-")
    try:
        ledger, events, exchanges = build(c, agent, work)
        ref = costcheck.Reference()
        usage = export_usage(exchanges, ref)
        for sub in ("exact", "shifted", "bad"):
            os.mkdir(os.path.join(work, sub))
        paths = check_exact(c, agent, ledger, events, usage, os.path.join(work, "exact"))
        check_shifted(c, agent, ledger, events, usage, os.path.join(work, "shifted"))
        check_focus_service(c, agent, ledger, paths, os.path.join(work, "bad"))
        check_errors(c, agent, ledger, paths, os.path.join(work, "bad"))
    finally:
        if a.keep:
            print("files kept in %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("reconcile: %d passed, %d failed" % (c.passed, c.failed), flush=True)
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
