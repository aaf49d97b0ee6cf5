#!/usr/bin/python3
"""Checks that what tools/fakeai.py sends is what its "exchange" log says.

  test_fakeai_routes.py live        start fakeai.py (--record, own certs), drive
                                    every route and mode with curl, then check
  test_fakeai_routes.py fixtures [DIR]   check recorded fixtures (tests/fixtures)

The check decodes each recorded connection on its own (HTTP/1.1 framing,
chunked, gzip/deflate/br/zstd, SSE / NDJSON / JSON array / AWS eventstream
with CRCs), pulls the usage objects out of the bytes and compares them, the
status, ids, models, event counts and the normalized usage (computed here
again, independently of fakeai_providers) with the log line. Needs
/usr/bin/python3 (brotli, zstandard). Last line: "routes: N passed, N failed".
"""

import base64
import glob
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib

import brotli
import zstandard

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


class Bad(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Bad(msg)


# ---- HTTP/1.1 ---------------------------------------------------------------------

def parse_head(buf, pos):
    end = buf.find(b"\r\n\r\n", pos)
    check(end >= 0, "incomplete head")
    lines = buf[pos:end].decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers.setdefault(k.strip().lower(), []).append(v.strip())
    return lines[0], headers, end + 4


def read_chunked(buf, pos):
    """(body, next pos, complete)."""
    body = b""
    while True:
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            return body, len(buf), False
        size = int(buf[pos:eol].split(b";")[0], 16)
        pos = eol + 2
        if size == 0:
            check(buf[pos:pos + 2] == b"\r\n", "no CRLF after last chunk")
            return body, pos + 2, True
        if pos + size + 2 > len(buf):
            return body + buf[pos:pos + size], len(buf), False
        body += buf[pos:pos + size]
        pos += size + 2


def split_requests(egress):
    out, pos = [], 0
    while pos < len(egress):
        line, h, pos = parse_head(egress, pos)
        if "chunked" in ",".join(h.get("transfer-encoding", [])):
            body, pos, _ = read_chunked(egress, pos)
        else:
            n = int(h.get("content-length", ["0"])[0])
            body, pos = egress[pos:pos + n], pos + n
        method, target, _ = line.split(" ")
        out.append({"method": method, "target": target, "headers": h, "body": body})
    return out


def split_responses(ingress, methods):
    out, pos = [], 0
    for method in methods:
        if pos >= len(ingress):
            break
        line, h, pos = parse_head(ingress, pos)
        while line.split(" ")[1] == "100":
            line, h, pos = parse_head(ingress, pos)
        status = int(line.split(" ")[1])
        complete = True
        if method == "HEAD":
            body = b""
        elif "chunked" in ",".join(h.get("transfer-encoding", [])):
            body, pos, complete = read_chunked(ingress, pos)
        elif "content-length" in h:
            n = int(h["content-length"][0])
            body, pos = ingress[pos:pos + n], pos + n
            complete = len(body) == n
        else:
            body, pos = ingress[pos:], len(ingress)
        out.append({"status": status, "headers": h, "body": body, "complete": complete})
    return out


def decompress(enc, data):
    if not enc:
        return data
    if enc in ("gzip", "deflate"):
        return zlib.decompressobj(31 if enc == "gzip" else 15).decompress(data)
    if enc == "br":
        d = brotli.Decompressor()
        return d.process(data)
    return zstandard.ZstdDecompressor().decompressobj().decompress(data)


# ---- framing ----------------------------------------------------------------------

def sse_events(text):
    """[(event name or None, data string)]."""
    out = []
    for block in text.replace(b"\r\n", b"\n").split(b"\n\n"):
        if not block.strip():
            continue
        name, data = None, []
        for line in block.split(b"\n"):
            if line.startswith(b"event:"):
                name = line[6:].strip().decode()
            elif line.startswith(b"data:"):
                data.append(line[5:].strip().decode())
        out.append((name, "\n".join(data)))
    return out


def eventstream(data):
    out, pos = [], 0
    while pos + 12 <= len(data):
        total, hlen, pcrc = struct.unpack(">III", data[pos:pos + 12])
        check(zlib.crc32(data[pos:pos + 8]) == pcrc, "eventstream prelude CRC")
        if pos + total > len(data):
            break
        msg = data[pos:pos + total]
        check(zlib.crc32(msg[:-4]) == struct.unpack(">I", msg[-4:])[0], "eventstream message CRC")
        headers, hp = {}, 12
        while hp < 12 + hlen:
            n = msg[hp]
            name = msg[hp + 1:hp + 1 + n].decode()
            check(msg[hp + 1 + n] == 7, "eventstream header type")
            vlen = struct.unpack(">H", msg[hp + 2 + n:hp + 4 + n])[0]
            headers[name] = msg[hp + 4 + n:hp + 4 + n + vlen].decode()
            hp += 4 + n + vlen
        out.append((headers, json.loads(msg[12 + hlen:-4])))
        pos += total
    return out


def json_array(text):
    """Elements of a (possibly truncated) streamed JSON array, and whether it closed."""
    dec, pos, out = json.JSONDecoder(), 0, []
    s = text.decode()
    while pos < len(s):
        while pos < len(s) and s[pos] in "[,\r\n \t":
            pos += 1
        if pos >= len(s) or s[pos] == "]":
            return out, pos < len(s)
        obj, pos = dec.raw_decode(s, pos)
        out.append(obj)
    return out, False


# ---- usage carriers and normalization (independent of fakeai_providers) ----------------

def carriers_of(line, resp, body):
    """(carriers, events count, response model, response id) from the bytes."""
    ctype = resp["headers"].get("content-type", [""])[0]
    prov, car, model, rid, n = line["provider"], {}, None, None, None
    if "event-stream" in ctype and "amazon" not in ctype:
        evs = sse_events(body)
        for name, data in evs:
            if data == "[DONE]" or not data:  # not data: a comment (OpenRouter)
                continue
            d = json.loads(data)
            t = d.get("type")
            if t == "message-start":  # Cohere v2
                rid = d["id"]
            elif t == "message-end":
                car[t] = d["delta"]["usage"]
            elif t == "message_start":
                car[t] = d["message"]["usage"]
                model, rid = d["message"]["model"], d["message"]["id"]
            elif t == "message_delta":
                car[t] = d["usage"]
            elif t == "response.created":
                model, rid = d["response"]["model"], d["response"]["id"]
            elif t == "response.completed":
                car[t] = d["response"]["usage"]
            elif t == "transcript.text.done":
                car[t] = d["usage"]
            elif "usageMetadata" in d:  # Gemini: repeated, growing
                car["chunk"] = d["usageMetadata"]
                model, rid = d["modelVersion"], d["responseId"]
            elif "choices" in d:  # chat / completions chunk (Azure's first one is blank)
                model, rid = d["model"] or model, d["id"] or rid
                if d.get("usage"):
                    car["chunk"] = d["usage"]
                if (d.get("x_groq") or {}).get("usage"):
                    car["x_groq"] = d["x_groq"]["usage"]
        return car, len(evs), model, rid
    if "amazon.eventstream" in ctype:
        msgs = eventstream(body)
        for h, d in msgs:
            if h[":event-type"] == "metadata":
                car["metadata"] = d["usage"]
            if h[":event-type"] == "chunk":
                inner = json.loads(base64.b64decode(d["bytes"]))
                if inner["type"] == "message_start":
                    car["message_start"] = inner["message"]["usage"]
                    model, rid = inner["message"]["model"], inner["message"]["id"]
                elif inner["type"] == "message_delta":
                    car["message_delta"] = inner["usage"]
                if "amazon-bedrock-invocationMetrics" in inner:
                    car["amazon-bedrock-invocationMetrics"] = inner["amazon-bedrock-invocationMetrics"]
        return car, len(msgs), model, rid
    if "ndjson" in ctype:
        lines = [json.loads(x) for x in body.split(b"\n") if x.strip()]
        for d in lines:
            model = d["model"]
            if d.get("done"):
                car["done"] = {"prompt_eval_count": d["prompt_eval_count"],
                               "eval_count": d["eval_count"]}
        return car, len(lines), model, rid
    if line["stream"]:  # Gemini JSON array
        elems, closed = json_array(body)
        for d in elems:
            car["chunk"], model, rid = d["usageMetadata"], d["modelVersion"], d["responseId"]
        return car, len(elems) + closed, model, rid
    # whole JSON body
    d = json.loads(body)
    hdr = {k: int(v[0]) for k, v in resp["headers"].items() if k.endswith("-token-count")}
    if hdr:
        car["headers"] = hdr
    if resp["status"] >= 400:
        return car, None, None, None
    if "usageMetadata" in d:
        car["body"], model, rid = d["usageMetadata"], d["modelVersion"], d["responseId"]
    elif "prompt_eval_count" in d:  # Ollama native
        car["body"] = {"prompt_eval_count": d["prompt_eval_count"], "eval_count": d["eval_count"]}
        model = d["model"]
    else:
        if d.get("usage"):
            car["body"] = d["usage"]
        model, rid = d.get("model"), d.get("id")
    return car, None, model, rid


def normalize(line, car):
    if not car:
        return None
    g = lambda d, *ks: _dig(d, ks)  # noqa: E731
    prov, op = line["provider"], line["operation"]
    if prov == "cohere":
        b = (car.get("body") or car["message-end"])["billed_units"]
        return mk(b["input_tokens"], b["output_tokens"], None, None, None)
    if prov == "anthropic" or (prov == "gcp.vertex_ai" and op == "chat") or \
            (prov == "aws.bedrock" and "inputTokens" not in json.dumps(car)):
        u = {}
        for k in ("message_start", "message_delta", "body"):
            u.update({a: b for a, b in (car.get(k) or {}).items() if b is not None})
        if not u:
            h = car.get("headers") or car.get("amazon-bedrock-invocationMetrics")
            pick = lambda *names: next(h[n] for n in names if n in h)  # noqa: E731
            u = {"input_tokens": pick("x-amzn-bedrock-input-token-count", "inputTokenCount"),
                 "output_tokens": pick("x-amzn-bedrock-output-token-count", "outputTokenCount"),
                 "cache_read_input_tokens": pick("x-amzn-bedrock-cache-read-input-token-count",
                                                 "cacheReadInputTokenCount"),
                 "cache_creation_input_tokens": pick(
                     "x-amzn-bedrock-cache-write-input-token-count", "cacheWriteInputTokenCount")}
        cr, cw = u.get("cache_read_input_tokens"), u.get("cache_creation_input_tokens")
        return mk(u["input_tokens"] + (cr or 0) + (cw or 0), u["output_tokens"], cr, cw,
                  g(u, "output_tokens_details", "thinking_tokens"))
    if prov == "aws.bedrock":
        u = car.get("body") or car["metadata"]
        cr, cw = u.get("cacheReadInputTokens"), u.get("cacheWriteInputTokens")
        check(u["totalTokens"] == u["inputTokens"] + u["outputTokens"] + (cr or 0) + (cw or 0),
              "converse totalTokens")
        return mk(u["inputTokens"] + (cr or 0) + (cw or 0), u["outputTokens"], cr, cw, None)
    if prov in ("gcp.gemini", "gcp.vertex_ai"):
        u = car.get("body") or car["chunk"]
        th = u.get("thoughtsTokenCount")
        check(u["totalTokenCount"] == u["promptTokenCount"] + u["candidatesTokenCount"] + (th or 0),
              "gemini totalTokenCount")
        return mk(u["promptTokenCount"], u["candidatesTokenCount"] + (th or 0),
                  u.get("cachedContentTokenCount"), None, th)
    if prov == "ollama" and op != "chat" or "done" in car or \
            "prompt_eval_count" in (car.get("body") or {}):
        u = car.get("body") or car["done"]
        return mk(u["prompt_eval_count"], u["eval_count"], None, None, None)
    u = car.get("body") or car.get("chunk") or car.get("x_groq") or \
        car.get("response.completed") or car.get("transcript.text.done")
    if "chunk" in car and "x_groq" in car:
        check(car["chunk"] == car["x_groq"], "Groq: usage and x_groq.usage differ")
    if "prompt_tokens" in u:
        cr = g(u, "prompt_tokens_details", "cached_tokens")
        if "prompt_cache_hit_tokens" in u:
            check(u["prompt_cache_hit_tokens"] + u["prompt_cache_miss_tokens"] == u["prompt_tokens"],
                  "deepseek hit + miss")
            cr = u["prompt_cache_hit_tokens"] if cr is None else cr
        out, rs = u.get("completion_tokens"), g(u, "completion_tokens_details", "reasoning_tokens")
        if prov == "x_ai":  # reasoning outside completion_tokens, inside total_tokens
            check(u["total_tokens"] == u["prompt_tokens"] + out + (rs or 0), "xAI total_tokens")
            out += rs or 0
        return mk(u["prompt_tokens"], out, cr,
                  g(u, "prompt_tokens_details", "cache_write_tokens"), rs)
    return mk(u["input_tokens"], u["output_tokens"], g(u, "input_tokens_details", "cached_tokens"),
              None, g(u, "output_tokens_details", "reasoning_tokens"))


def _dig(d, keys):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def mk(inp, out, cr, cw, rs):
    return {"input_tokens": inp, "output_tokens": out, "cache_read_input_tokens": cr,
            "cache_creation_input_tokens": cw, "reasoning_tokens": rs,
            "total_tokens": (inp or 0) + (out or 0)}


REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-amzn-requestid")


def check_exchange(line, req, resp, last):
    check(req["method"] == line["method"] and req["target"].split("?")[0] == line["path"],
          "request line")
    attempt = req["headers"].get("x-stainless-retry-count")
    check(line["attempt"] == (int(attempt[0]) if attempt else None), "attempt")
    check(resp["status"] == line["status"], "status %d" % resp["status"])
    if line.get("operation") == "pattern":
        return
    exp = line["expect"]  # the record view: spot its derivations
    want_outcome = ("incomplete" if line["aborted"] else "success") if resp["status"] < 400 else \
        {401: "auth_error", 403: "auth_error", 429: "rate_limited", 529: "overloaded"}.get(
            resp["status"], "server_error" if resp["status"] >= 500 else "client_error")
    check(exp["outcome"] == want_outcome and exp["status"] == resp["status"], "expect.outcome")
    check(exp["usage"] == (line["usage_expected"] or dict.fromkeys(exp["usage"])) and
          len(exp["usage"]) == 6, "expect.usage")
    check((resp["status"] >= 400) == ("error_type" in exp), "expect.error_type")
    enc = resp["headers"].get("content-encoding", [None])[0]
    check(enc == line["encoding"], "encoding %s" % enc)
    chunked = "transfer-encoding" in resp["headers"]
    check(chunked == line["chunked"], "chunked")
    check(resp["complete"] == (not line["aborted"]), "aborted flag vs body completeness")
    if line["aborted"]:
        check(last, "aborted exchange is not the connection's last")
    rid = next((resp["headers"][h][0] for h in REQUEST_ID_HEADERS if h in resp["headers"]), None)
    check(rid == line["request_id"], "request id %s" % rid)
    if req["method"] == "HEAD":
        check(resp["body"] == b"" and line["usage_sent"] is None, "HEAD: no body")
        return
    body = decompress(enc, resp["body"])
    if line["aborted"] and not line["stream"]:
        return  # truncated JSON: nothing more to read
    car, n, model, resp_id = carriers_of(line, resp, body)
    check((car or None) == line["usage_sent"], "usage_sent differs: %s" % json.dumps(car))
    check(normalize(line, car) == line["usage_expected"],
          "usage_expected differs: %s" % json.dumps(normalize(line, car)))
    if line["stream"] and resp["status"] == 200:
        check(n == line["events_sent"], "events %s sent, log says %s" % (n, line["events_sent"]))
    if resp["status"] == 200 and line["response_model"] is not None:
        check(model == line["response_model"], "response model %s" % model)
    if resp_id is not None and line["response_id"] is not None:
        check(resp_id == line["response_id"], "response id %s" % resp_id)


def check_capture(events, lines, label):
    """Every connection of a capture against its exchange lines."""
    check(events and all("ts_ns" in e and "conn" in e for e in events), "capture events")
    check(all(a["ts_ns"] <= b["ts_ns"] for a, b in zip(events, events[1:])), "time order")
    conns = sorted({e["conn"] for e in events})
    for c in conns:
        evs = [e for e in events if e["conn"] == c]
        check("open" in evs[0] and evs[-1].get("close") is True, "conn %d open/close" % c)
        eg = b"".join(base64.b64decode(e["data"]) for e in evs if e.get("dir") == "egress")
        ing = b"".join(base64.b64decode(e["data"]) for e in evs if e.get("dir") == "ingress")
        reqs = split_requests(eg)
        resps = split_responses(ing, [r["method"] for r in reqs])
        mine = sorted((l for l in lines if l["conn"] == c), key=lambda l: l["seq"])
        check(len(mine) == len(reqs) == len(resps),
              "conn %d: %d log lines, %d requests, %d responses"
              % (c, len(mine), len(reqs), len(resps)))
        for i, (line, req, resp) in enumerate(zip(mine, reqs, resps)):
            try:
                check_exchange(line, req, resp, i == len(mine) - 1)
            except (Bad, ValueError, KeyError, TypeError) as e:
                raise Bad("%s conn %d seq %d (%s): %s" % (label, c, line["seq"], line["path"], e))


def load_jsonl(path):
    with open(path) as f:
        return [json.loads(x) for x in f if x.strip()]


def run_fixtures(directory):
    passed = failed = 0
    for cap in sorted(glob.glob(os.path.join(directory, "*.capture.jsonl"))):
        name = os.path.basename(cap)[:-len(".capture.jsonl")]
        events = load_jsonl(cap)
        expect = load_jsonl(cap.replace(".capture.", ".expect."))
        try:
            check(events[0] == {"tokentap_capture": 1}, "header line")
            if any("gap" in e for e in events) or not any("open" in e for e in events):
                check(name.endswith(("-gap", "-midway")), "edited capture without an edit name")
            elif any(ln.get("transport") == "websocket" for ln in expect):
                import test_fakeai_ws  # needs python3-websockets
                test_fakeai_ws.check_capture(cap, expect)
            else:
                check_capture(events[1:], expect, name)
            passed += 1
        except Exception as e:  # Bad, or a capture the checks cannot read
            failed += 1
            print("FAIL fixture %s: %s: %s" % (name, type(e).__name__, e))
    return passed, failed


# ---- live: curl against a fresh server ------------------------------------------------

def curl_cases():
    """(label, host, path, curl args, expected HTTP code, curl exit codes)."""
    oai, ant, gem = "api.openai.com", "api.anthropic.com", "generativelanguage.googleapis.com"
    az, br, vtx = "tokentap-test.openai.azure.com", "bedrock-runtime.us-east-1.amazonaws.com", \
        "us-central1-aiplatform.googleapis.com"
    j = lambda o: ["-H", "Content-Type: application/json", "--data-binary", json.dumps(o)]  # noqa
    h = lambda *hs: [x for v in hs for x in ("-H", v)]  # noqa: E731
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    chat_s = dict(chat, stream=True, stream_options={"include_usage": True})
    msg = {"model": "claude-haiku-4-5", "max_tokens": 9, "messages": [{"role": "user", "content": "x"}]}
    gb = {"contents": [{"parts": [{"text": "x"}]}]}
    bm = "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/"
    conv = {"messages": [{"role": "user", "content": [{"text": "x"}]}]}
    inv = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 9, "messages": []}
    vp = "/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash:"
    cc = "/v1/chat/completions"
    vtx5 = "us-east5-aiplatform.googleapis.com"
    vpa = "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5:"
    vmsg = {"anthropic_version": "vertex-2023-10-16", "max_tokens": 9,
            "messages": [{"role": "user", "content": "x"}]}
    ok, cut = (0,), (18, 56)
    return [
        ("chat json", oai, cc, j(chat), 200, ok),
        ("chat br", oai, cc, j(chat) + ["--compressed"], 200, ok),
        ("chat gzip by q", oai, cc, j(chat) + h("Accept-Encoding: br;q=0, gzip"), 200, ok),
        ("chat sse usage", oai, cc, j(chat_s), 200, ok),
        ("chat sse nousage", oai, cc, j(dict(chat, stream=True)), 200, ok),
        ("chat sse abort", oai, cc, j(chat_s) + h("X-Fake-Abort-After: 2"), 200, cut),
        ("chat sse 3000 zstd", oai, cc, j(chat_s) + h("X-Fake-Events: 3000", "X-Fake-Encoding: zstd")
         + ["--compressed"], 200, ok),
        ("chat sse br", oai, cc, j(chat_s) + h("X-Fake-Encoding: br") + ["--compressed"], 200, ok),
        ("chat chunked", oai, cc, j(chat) + h("X-Fake-Chunked: 1"), 200, ok),
        ("chat deflate chunked", oai, cc, j(chat) + h("X-Fake-Encoding: deflate",
                                                      "X-Fake-Chunked: 1") + ["--compressed"], 200, ok),
        ("chat tokens", oai, cc, j(chat) + h("X-Fake-Tokens: 100,20,50,10,5"), 200, ok),
        ("chat tokens bad", oai, cc, j(chat) + h("X-Fake-Tokens: 10,20,50"), 400, ok),
        ("chat model override", oai, cc, j(chat) + h("X-Fake-Response-Model: m-x"), 200, ok),
        ("chat fail 0<2", oai, cc, j(chat) + h("X-Fake-Fail-Times: 2", "X-Stainless-Retry-Count: 0"),
         429, ok),
        ("chat fail 2<2", oai, cc, j(chat) + h("X-Fake-Fail-Times: 2", "X-Stainless-Retry-Count: 2"),
         200, ok),
        # A retry loop without retry headers: the same request 3 times.
        ("script 1/3", oai, cc, j(chat) + h("X-Fake-Script: 429,503,200",
                                            "X-Fake-Script-Key: loop"), 429, ok),
        ("script 2/3", oai, cc, j(chat) + h("X-Fake-Script: 429,503,200",
                                            "X-Fake-Script-Key: loop"), 503, ok),
        ("script 3/3", oai, cc, j(chat) + h("X-Fake-Script: 429,503,200",
                                            "X-Fake-Script-Key: loop"), 200, ok),
        ("script bad", oai, cc, j(chat) + h("X-Fake-Script: 429,302"), 400, ok),
        ("chat 500", oai, cc, j(chat) + h("X-Fake-Status: 500"), 500, ok),
        ("chat body abort", oai, cc, j(chat) + h("X-Fake-Abort-After: 10"), 200, cut),
        ("chat keep-alive x2", oai, cc, j(chat) + ["https://%s:PORT%s" % (oai, cc)], 200, ok),
        ("responses", oai, "/v1/responses", j({"model": "gpt-4.1", "input": "x"}), 200, ok),
        ("responses sse", oai, "/v1/responses", j({"model": "o3-mini", "input": "x", "stream": True}),
         200, ok),
        ("completions sse", oai, "/v1/completions",
         j({"model": "gpt-3.5-turbo-instruct", "prompt": "x", "stream": True,
            "stream_options": {"include_usage": True}}), 200, ok),
        ("embeddings", oai, "/v1/embeddings", j({"model": "text-embedding-3-large", "input": "x"}),
         200, ok),
        ("moderations", oai, "/v1/moderations", j({"input": "x"}), 200, ok),
        ("images gpt-image", oai, "/v1/images/generations", j({"model": "gpt-image-1", "prompt": "x"}),
         200, ok),
        ("images dall-e", oai, "/v1/images/generations", j({"model": "dall-e-3", "prompt": "x"}),
         200, ok),
        ("transcription", oai, "/v1/audio/transcriptions",
         ["-F", "model=gpt-4o-transcribe", "-F", "file=@CLIP;filename=a.wav"], 200, ok),
        ("transcription sse", oai, "/v1/audio/transcriptions",
         ["-F", "model=gpt-4o-mini-transcribe", "-F", "stream=true", "-F", "file=@CLIP"], 200, ok),
        ("azure chat", az, "/openai/deployments/my-gpt-4o/chat/completions?api-version=2024-10-21",
         j(chat), 200, ok),
        ("azure sse", az, "/openai/deployments/my-gpt-4o/chat/completions?api-version=2024-10-21",
         j(chat_s), 200, ok),
        ("azure v1", az, "/openai/v1/chat/completions", j(dict(chat, model="dep1")), 200, ok),
        ("azure 401", az, "/openai/deployments/d/chat/completions?api-version=2024-10-21",
         j(chat) + h("X-Fake-Status: 401"), 401, ok),
        ("anthropic json", ant, "/v1/messages", j(msg), 200, ok),
        ("anthropic sse", ant, "/v1/messages", j(dict(msg, stream=True)) + h("X-Fake-Events: 5"),
         200, ok),
        ("anthropic sse thinking", ant, "/v1/messages", j(dict(msg, stream=True))
         + h("X-Fake-Tokens: 7,40,300,20,11"), 200, ok),
        ("anthropic abort", ant, "/v1/messages", j(dict(msg, stream=True))
         + h("X-Fake-Abort-After: 3"), 200, cut),
        ("anthropic 529", ant, "/v1/messages", j(msg) + h("X-Fake-Status: 529"), 529, ok),
        ("anthropic 401 gzip", ant, "/v1/messages", j(msg) + h("X-Fake-Status: 401") +
         ["--compressed", "-H", "Accept-Encoding: gzip"], 401, ok),
        ("gemini", gem, "/v1beta/models/gemini-2.5-flash:generateContent", j(gb), 200, ok),
        ("gemini sse", gem, "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
         j(gb) + h("X-Fake-Events: 5"), 200, ok),
        ("gemini array", gem, "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
         j(gb) + h("X-Fake-Events: 4"), 200, ok),
        ("gemini array abort", gem, "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
         j(gb) + h("X-Fake-Abort-After: 2"), 200, cut),
        ("gemini embed", gem, "/v1beta/models/text-embedding-004:embedContent",
         j({"content": {"parts": [{"text": "x"}]}}), 200, ok),
        ("gemini 503", gem, "/v1beta/models/gemini-2.5-flash:generateContent", j(gb)
         + h("X-Fake-Status: 503"), 503, ok),
        ("vertex", vtx, vp + "generateContent", j(gb), 200, ok),
        ("vertex sse", vtx, vp + "streamGenerateContent?alt=sse", j(gb), 200, ok),
        ("bedrock invoke", br, bm + "invoke", j(inv), 200, ok),
        ("bedrock invoke stream", br, bm + "invoke-with-response-stream", j(inv), 200, ok),
        ("bedrock converse", br, bm + "converse", j(conv), 200, ok),
        ("bedrock converse tokens", br, bm + "converse", j(conv) + h("X-Fake-Tokens: 10,5,100,50"),
         200, ok),
        ("bedrock converse stream", br, bm + "converse-stream", j(conv) + h("X-Fake-Events: 4"),
         200, ok),
        ("bedrock converse-stream abort", br, bm + "converse-stream", j(conv)
         + h("X-Fake-Abort-After: 2"), 200, cut),
        ("bedrock 429", br, bm + "converse", j(conv) + h("X-Fake-Status: 429"), 429, ok),
        ("deepseek", "api.deepseek.com", "/chat/completions", j(dict(chat, model="deepseek-chat")),
         200, ok),
        ("deepseek sse", "api.deepseek.com", "/v1/chat/completions",
         j(dict(chat_s, model="deepseek-reasoner")), 200, ok),
        ("ollama chat", "localhost", "/api/chat", j({"model": "llama3.2", "messages": []}), 200, ok),
        ("ollama generate json", "localhost", "/api/generate",
         j({"model": "qwen3:0.6b", "prompt": "x", "stream": False}), 200, ok),
        ("ollama compat", "localhost", "/v1/chat/completions", j(dict(chat, model="llama3.2")),
         200, ok),
        ("openrouter", "openrouter.ai", "/api/v1/chat/completions",
         j(dict(chat, model="openai/gpt-4o-mini")), 200, ok),
        ("openrouter sse always usage", "openrouter.ai", "/api/v1/chat/completions",
         j(dict(chat, model="openai/gpt-4o-mini", stream=True)), 200, ok),
        ("groq", "api.groq.com", "/openai/v1/chat/completions",
         j(dict(chat, model="llama-3.3-70b-versatile")), 200, ok),
        ("groq sse usage", "api.groq.com", "/openai/v1/chat/completions",
         j(dict(chat_s, model="llama-3.1-8b-instant")), 200, ok),
        ("groq sse x_groq", "api.groq.com", "/openai/v1/chat/completions",
         j(dict(chat, model="llama-3.1-8b-instant", stream=True)), 200, ok),
        ("together sse", "api.together.xyz", "/v1/chat/completions",
         j(dict(chat, model="meta-llama/Llama-3.3-70B-Instruct-Turbo", stream=True)), 200, ok),
        ("mistral sse", "api.mistral.ai", "/v1/chat/completions",
         j(dict(chat, model="mistral-small-latest", stream=True)), 200, ok),
        ("xai reasoning", "api.x.ai", "/v1/chat/completions", j(dict(chat, model="grok-3-mini"))
         + h("X-Fake-Tokens: 30,100,4,0,90"), 200, ok),
        ("xai sse", "api.x.ai", "/v1/chat/completions", j(dict(chat_s, model="grok-3-mini"))
         + h("X-Fake-Tokens: 30,100,4,0,90"), 200, ok),
        ("fireworks sse", "api.fireworks.ai", "/inference/v1/chat/completions",
         j(dict(chat, model="accounts/fireworks/models/llama-v3p1-8b-instruct", stream=True)),
         200, ok),
        ("perplexity", "api.perplexity.ai", "/chat/completions", j(dict(chat, model="sonar")),
         200, ok),
        ("perplexity sse", "api.perplexity.ai", "/chat/completions",
         j(dict(chat, model="sonar", stream=True)) + h("X-Fake-Events: 5"), 200, ok),
        ("cohere", "api.cohere.com", "/v2/chat", j(dict(chat, model="command-a-03-2025")), 200, ok),
        ("cohere sse", "api.cohere.com", "/v2/chat",
         j(dict(chat, model="command-a-03-2025", stream=True)), 200, ok),
        ("cohere 429", "api.cohere.com", "/v2/chat", j(chat) + h("X-Fake-Status: 429"), 429, ok),
        ("vertex claude", vtx5, vpa + "rawPredict", j(vmsg), 200, ok),
        ("vertex claude sse", vtx5, vpa + "streamRawPredict", j(dict(vmsg, stream=True)), 200, ok),
        ("vertex claude bad version", vtx5, vpa + "rawPredict", j(msg), 400, ok),
        ("404", oai, "/v1/nope", j(chat), 404, ok),
        ("405", oai, cc, [], 405, ok),
        ("bad events", oai, cc, j(chat) + h("X-Fake-Events: 0"), 400, ok),
        ("bad encoding", oai, cc, j(chat) + h("X-Fake-Encoding: lzma"), 400, ok),
        ("bad json", ant, "/v1/messages", ["--data-binary", "{nope"], 400, ok),
        ("pattern", oai, "/v1/files", h("X-Fake-Body-Bytes: 1000"), 200, ok),
    ]


def run_live():
    sys.path.insert(0, HERE)
    import mkfixtures
    work = tempfile.mkdtemp(prefix="fakeai-routes-")
    certs, rec, log = (os.path.join(work, n) for n in ("certs", "rec", "log.jsonl"))
    mkfixtures.gen_certs(certs)
    clip = os.path.join(work, "clip.wav")
    with open(clip, "wb") as f:
        f.write(b"\0" * 300)
    ready = os.path.join(work, "ready")
    srv = subprocess.Popen([sys.executable, os.path.join(HERE, "fakeai.py"), "--port", "0",
                            "--cert", os.path.join(certs, "server.pem"),
                            "--key", os.path.join(certs, "server.key"), "--log", log,
                            "--record", rec, "--ready-file", ready])
    try:
        return live_checks(srv, work, certs, rec, log, clip, ready)
    finally:
        if srv.poll() is None:
            srv.kill()
            srv.wait()
        shutil.rmtree(work, ignore_errors=True)


def live_checks(srv, work, certs, rec, log, clip, ready):
    import mkfixtures
    passed = failed = 0
    try:
        for _ in range(200):
            if os.path.exists(ready) or srv.poll() is not None:
                break
            time.sleep(0.05)
        check(os.path.exists(ready), "fakeai.py did not start")
        port = open(ready).read().strip()
        resolve = [x for host in mkfixtures.HOSTS
                   for x in ("--resolve", "%s:%s:127.0.0.1" % (host, port))]
        for label, host, path, args, code, rcs in curl_cases():
            args = [a.replace("CLIP", clip).replace("PORT", port) for a in args]
            argv = ["curl", "-sS", "--http1.1", "--cacert", os.path.join(certs, "ca.pem"),
                    "-o", "/dev/null", "-w", "%{http_code}"] + resolve + args
            if label == "405":
                argv += ["-X", "GET"]
            res = subprocess.run(argv + ["https://%s:%s%s" % (host, port, path)],
                                 capture_output=True, text=True, timeout=60)
            got = res.stdout[-3:]
            if res.returncode in rcs and got == str(code):
                passed += 1
            else:
                failed += 1
                print("FAIL curl %s: exit %d, HTTP %s (want %d): %s"
                      % (label, res.returncode, got, code, res.stderr.strip()[-200:]))
    finally:
        srv.send_signal(signal.SIGTERM)
        srv.wait(15)
    events, lines = [], load_jsonl(log)
    for p in sorted(glob.glob(os.path.join(rec, "*.capture.jsonl"))):
        evs = load_jsonl(p)
        events += evs[1:]
    events.sort(key=lambda e: e["ts_ns"])
    exch = [l for l in lines if l["event"] == "exchange"]
    try:
        check(not glob.glob(os.path.join(rec, "*.part")), "unfinished recordings")
        check(len(exch) == len(curl_cases()) + 1, "%d exchange lines for %d requests"
              % (len(exch), len(curl_cases()) + 1))
        check_capture(events, exch, "live")
        passed += 1
    except Bad as e:
        failed += 1
        print("FAIL live capture check: %s" % e)
    try:
        unit_checks(exch)
        passed += 1
    except Bad as e:
        failed += 1
        print("FAIL unit checks: %s" % e)
    return passed, failed


def unit_checks(exch):
    """Spot values that the generic capture check cannot know."""
    by = {}
    for l in exch:
        by.setdefault(l["path"], []).append(l)
    chat = by["/v1/chat/completions"]
    enc = [l["encoding"] for l in chat if l["status"] == 200 and not l["stream"]]
    check({"br", "gzip", "deflate", None} <= set(enc), "encodings seen: %s" % enc)
    tok = [l for l in chat
           if l["usage_sent"] and l["usage_sent"].get("body", {}).get("prompt_tokens") == 100]
    check(tok and tok[0]["usage_expected"] == mk(100, 20, 50, 10, 5), "X-Fake-Tokens on chat")
    check(any(l["events_total"] == 3004 and l["encoding"] == "zstd" for l in chat), "3000 events")
    check(any(l["response_model"] == "m-x" for l in chat), "X-Fake-Response-Model")
    names = {l["response_model"] for l in chat if l["provider"] in
             (None, "openai", "azure.ai.openai", "deepseek", "ollama")}
    check(names == {None, "m-x", "gpt-4o-mini-2024-07-18", "llama3.2", "deepseek-reasoner"},
          "chat response models: %s" % names)
    thinking = [l for l in by["/v1/messages"] if l["usage_expected"] and
                l["usage_expected"]["reasoning_tokens"] == 11]
    check(thinking and thinking[0]["usage_expected"]["input_tokens"] == 7 + 300 + 20,
          "Anthropic input = input + cache read + cache write")
    ab = [l for l in by["/v1/messages"] if l["aborted"]]
    check(ab and ab[0]["usage_expected"]["output_tokens"] == 1 and ab[0]["events_sent"] == 3,
          "aborted Anthropic stream: message_start usage only")
    az = [l for l in exch if l["provider"] == "azure.ai.openai" and l["status"] == 200]
    check(all(l["response_model"] == "gpt-4o-2024-08-06" for l in az
              if l["request_model"] == "my-gpt-4o"), "Azure snapshot model")
    check(any(l["error_code"] == "401" for l in exch), "Azure error code")
    conv = [l for l in exch if l["path"].endswith("/converse") and l["usage_expected"] and
            l["usage_expected"]["cache_read_input_tokens"] == 100]
    check(conv and conv[0]["usage_expected"] == mk(160, 5, 100, 50, None), "Converse cache tokens")
    xai = [l for l in chat if l["provider"] == "x_ai"]
    check(len(xai) == 2 and all(l["usage_expected"] == mk(30, 100, 4, None, 90) for l in xai),
          "xAI: output = completion + reasoning")
    vc = [l for l in exch if l["provider"] == "gcp.vertex_ai" and l["operation"] == "chat"]
    check(sorted((l["status"], l["stream"], l["request_model"], l["response_model"]) for l in vc)
          == [(200, False, "claude-sonnet-4-5", "claude-sonnet-4-5-20250929"),
              (200, True, "claude-sonnet-4-5", "claude-sonnet-4-5-20250929"),
              (400, False, "claude-sonnet-4-5", None)], "Vertex Claude: %s" % vc)
    groq = [l for l in exch if l["provider"] == "groq" and l["stream"]]
    check(sorted(sorted(l["usage_sent"]) for l in groq) == [["chunk", "x_groq"], ["x_groq"]],
          "Groq usage carriers")
    script = [l for l in chat if l.get("script_key") == "loop"]
    check([(l["script_attempt"], l["status"]) for l in script] ==
          [(0, 429), (1, 503), (2, 200)], "X-Fake-Script: %s" % script)
    check(script[1]["error_type"] and script[0]["request_id"], "scripted errors in OpenAI's shape")
    retry = [l for l in chat if l["attempt"] is not None]
    check(sorted((l["attempt"], l["status"]) for l in retry) == [(0, 429), (2, 200)], "fail-times")


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "live"
    if mode == "fixtures":
        default = os.path.join(ROOT, "tests", "fixtures")
        p, f = run_fixtures(sys.argv[2] if len(sys.argv) > 2 else default)
    elif mode == "live":
        p, f = run_live()
    else:
        sys.exit(__doc__)
    print("routes: %d passed, %d failed" % (p, f))
    return 1 if f else 0


if __name__ == "__main__":
    sys.exit(main())
