#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A tiny OTLP/HTTP JSON receiver for tokentap tests (stdlib only).

POST /v1/logs and /v1/metrics with Content-Type application/json. Each
payload is checked against the OTLP JSON encoding as tokentap writes it
(int64 values as decimal strings, enums as numbers, histogram bucket counts
that add up to the count); a payload that is not is answered 400 and logged
as an "invalid" line. Accepted payloads are logged, one JSON line each:

  {"signal": "log", "attributes": {...}, "resource": {...}, "body": ...,
   "time_unix_nano": N, "observed_time_unix_nano": N, "severity_number": N}
  {"signal": "metric", "name": ..., "kind": "histogram" | "sum",
   "attributes": {...}, "count"/"sum"/"bucket_counts"/... or "as_int"}
  {"signal": "request", "path": ..., "status": N, "items": N}

AnyValues are flattened (stringValue -> str, intValue -> int, arrayValue ->
list, kvlistValue -> dict). The log line is written before the answer, so
an acknowledged record is always in the log.

--fail-flag FILE with --fail-mode 503|429|502|504|400|close: while FILE
exists, every request is answered with that status (nothing logged but
the request) or, for "close", the connection is dropped unanswered.

--cert/--key serve https instead of http.

Usage: otlp_receiver.py --port N --log FILE [--ready-file F]
"""
import argparse
import json
import os
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 16 << 20


class Invalid(Exception):
    pass


def need(cond, msg):
    if not cond:
        raise Invalid(msg)


def u64(v, what):
    need(isinstance(v, str) and v.isdigit(), "%s: %r is not a decimal string" % (what, v))
    return int(v)


def any_value(v, what):
    need(isinstance(v, dict) and len(v) == 1, "%s: AnyValue %r" % (what, v))
    (kind, x), = v.items()
    if kind == "stringValue":
        need(isinstance(x, str), what)
        return x
    if kind == "intValue":
        need(isinstance(x, str) and x.lstrip("-").isdigit(), "%s: intValue %r" % (what, x))
        return int(x)
    if kind == "doubleValue":
        need(isinstance(x, (int, float)) and not isinstance(x, bool), what)
        return float(x)
    if kind == "boolValue":
        need(isinstance(x, bool), what)
        return x
    if kind == "arrayValue":
        return [any_value(e, what) for e in x.get("values", [])]
    if kind == "kvlistValue":
        return attributes(x.get("values", []), what)
    raise Invalid("%s: unknown AnyValue %s" % (what, kind))


def attributes(attrs, what):
    need(isinstance(attrs, list), "%s: attributes not a list" % what)
    out = {}
    for a in attrs:
        need(isinstance(a, dict) and isinstance(a.get("key"), str), "%s: attribute" % what)
        need(a["key"] not in out, "%s: duplicate attribute %s" % (what, a["key"]))
        out[a["key"]] = any_value(a.get("value"), "%s.%s" % (what, a["key"]))
    return out


def resource_of(entry):
    return attributes(entry.get("resource", {}).get("attributes", []), "resource")


def trace_id(v, digits, what):
    """OTLP/JSON trace and span ids are hex strings; absent is None."""
    if v is None or v == "":
        return None
    need(isinstance(v, str) and len(v) == digits and
         all(c in "0123456789abcdef" for c in v), "%s %r" % (what, v))
    return v


def parse_logs(doc):
    lines = []
    for rl in doc.get("resourceLogs", []):
        res = resource_of(rl)
        for sl in rl.get("scopeLogs", []):
            scope = sl.get("scope", {}).get("name")
            for rec in sl.get("logRecords", []):
                lines.append({
                    "signal": "log", "resource": res, "scope": scope,
                    "time_unix_nano": u64(rec.get("timeUnixNano"), "timeUnixNano"),
                    "observed_time_unix_nano": u64(rec.get("observedTimeUnixNano"),
                                                   "observedTimeUnixNano"),
                    "severity_number": rec.get("severityNumber"),
                    "severity_text": rec.get("severityText"),
                    "body": any_value(rec.get("body"), "body"),
                    "attributes": attributes(rec.get("attributes", []), "log"),
                    "trace_id": trace_id(rec.get("traceId"), 32, "traceId"),
                    "span_id": trace_id(rec.get("spanId"), 16, "spanId"),
                })
                need(isinstance(rec.get("severityNumber"), int), "severityNumber")
    return lines


def histogram_point(name, dp):
    counts = [u64(c, name + " bucketCounts") for c in dp.get("bucketCounts", [])]
    bounds = dp.get("explicitBounds", [])
    need(len(counts) == len(bounds) + 1, "%s: %d buckets for %d bounds"
         % (name, len(counts), len(bounds)))
    need(bounds == sorted(bounds), name + ": bounds not sorted")
    count = u64(dp.get("count"), name + " count")
    need(sum(counts) == count, "%s: buckets add up to %d, count %d" % (name, sum(counts), count))
    return {"count": count, "sum": dp.get("sum"), "min": dp.get("min"), "max": dp.get("max"),
            "bucket_counts": counts, "explicit_bounds": bounds}


def parse_metrics(doc):
    lines = []
    for rm in doc.get("resourceMetrics", []):
        res = resource_of(rm)
        for sm in rm.get("scopeMetrics", []):
            for m in sm.get("metrics", []):
                name = m.get("name")
                kind = "histogram" if "histogram" in m else "sum" if "sum" in m else None
                need(kind, "%s: neither histogram nor sum" % name)
                body = m[kind]
                need(body.get("aggregationTemporality") == 2, name + ": not cumulative")
                for dp in body.get("dataPoints", []):
                    line = {"signal": "metric", "name": name, "unit": m.get("unit"),
                            "kind": kind, "resource": res,
                            "attributes": attributes(dp.get("attributes", []), name),
                            "start_time_unix_nano": u64(dp.get("startTimeUnixNano"), name),
                            "time_unix_nano": u64(dp.get("timeUnixNano"), name)}
                    if kind == "histogram":
                        line.update(histogram_point(name, dp))
                    else:
                        need(body.get("isMonotonic") is True, name + ": not monotonic")
                        line["as_int"] = u64(dp.get("asInt"), name + " asInt")
                    lines.append(line)
    return lines


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a collector would

    def log_message(self, *args):
        pass

    def answer(self, status, body=b"{}"):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        srv = self.server
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            self.answer(413)
            return
        body = self.rfile.read(n)
        if srv.fail_flag and os.path.exists(srv.fail_flag):
            srv.write([{"signal": "request", "path": self.path, "status": srv.fail_mode,
                        "items": 0}])
            if srv.fail_mode == "close":
                self.close_connection = True
                self.connection.close()
                return
            self.answer(int(srv.fail_mode))
            return
        if self.path not in ("/v1/logs", "/v1/metrics"):
            self.answer(404)
            return
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            self.answer(415)
            return
        try:
            doc = json.loads(body)
            need(isinstance(doc, dict), "not an object")
            lines = parse_logs(doc) if self.path == "/v1/logs" else parse_metrics(doc)
        except (ValueError, Invalid, AttributeError, TypeError) as e:
            srv.write([{"signal": "invalid", "path": self.path, "error": str(e)[:300]}])
            self.answer(400)
            return
        srv.write(lines + [{"signal": "request", "path": self.path, "status": 200,
                            "items": len(lines)}])
        self.answer(200)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, log, fail_flag, fail_mode):
        super().__init__(addr, Handler)
        self.lock = threading.Lock()
        self.log = open(log, "a")
        self.fail_flag, self.fail_mode = fail_flag, fail_mode

    def write(self, lines):
        with self.lock:
            for ln in lines:
                self.log.write(json.dumps(ln, sort_keys=True) + "\n")
            self.log.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--ready-file")
    ap.add_argument("--cert", help="serve https with this certificate (PEM)")
    ap.add_argument("--key", help="and this key")
    ap.add_argument("--fail-flag")
    ap.add_argument("--fail-mode", default="503",
                    choices=["503", "429", "502", "504", "400", "500", "close"])
    args = ap.parse_args()
    srv = Server((args.host, args.port), args.log, args.fail_flag, args.fail_mode)
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write("%d\n" % os.getpid())
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
