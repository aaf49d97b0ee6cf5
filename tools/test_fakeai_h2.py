#!/usr/bin/python3
"""HTTP/2 checks for tools/fakeai.py --h2 (Debian: python3-h2, python3-httpx).

  test_fakeai_h2.py     start fakeai.py --h2 --record twice (own certs) and:
    1. drive every route and mode of test_fakeai_routes.curl_cases() with
       curl --http2, decode each recorded connection's HTTP/2 frames
       independently (hyperframe + hpack, not h2's state machine) and check
       every stream against its "exchange" log line with the same checks as
       the HTTP/1.1 recordings (check_exchange, unit_checks);
    2. httpx (http2=True): a chat call, a stream with include_usage, two
       concurrent streams on one connection (their DATA frames interleave),
       a 1 MiB request body, an abort (RST_STREAM INTERNAL_ERROR, connection
       kept), retries, a 1 MiB pattern body; values checked against the
       response bytes and against the log; and clients that do not ask for
       h2 (curl --http1.1, urllib, requests, node https and fetch) still get
       HTTP/1.1.
Last line: "h2: N passed, N failed".
"""

import base64
import glob
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib

import hpack
import httpx
from hyperframe.frame import (ContinuationFrame, DataFrame, Frame, HeadersFrame,
                              RstStreamFrame)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import mkfixtures  # noqa: E402
import test_fakeai_routes as tr  # noqa: E402
from fakeai_pattern import pattern_sha256  # noqa: E402
from test_fakeai_routes import Bad, check, load_jsonl  # noqa: E402

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
INTERNAL_ERROR = 2
PHASE_TIMEOUT = 240  # seconds; a stall (e.g. flow control never reopened) fails the phase


# ---- decoding recorded HTTP/2 -------------------------------------------------------

def h2_frames(data):
    pos = 0
    while pos + 9 <= len(data):
        frame, length = Frame.parse_frame_header(memoryview(data[pos:pos + 9]))
        check(pos + 9 + length <= len(data), "truncated frame")
        frame.parse_body(memoryview(data[pos + 9:pos + 9 + length]))
        yield frame
        pos += 9 + length
    check(pos == len(data), "trailing bytes after the last frame")


def h2_streams(data):
    """{stream id: {"blocks": [header lists], "body", "end": "end"|"rst"|None,
    "rst": code}} and the stream ids of the DATA frames in wire order."""
    dec, streams, order, block = hpack.Decoder(), {}, [], None
    for f in h2_frames(data):
        st = streams.setdefault(f.stream_id, {"blocks": [], "body": b"", "end": None,
                                              "rst": None}) if f.stream_id else None
        if isinstance(f, (HeadersFrame, ContinuationFrame)):
            block = (block or b"") + f.data
            if "END_HEADERS" in f.flags:
                st["blocks"].append(dec.decode(block))
                block = None
            if isinstance(f, HeadersFrame) and "END_STREAM" in f.flags:
                st["end"] = "end"
        elif isinstance(f, DataFrame):
            st["body"] += f.data
            if f.data:
                order.append(f.stream_id)
            if "END_STREAM" in f.flags:
                st["end"] = "end"
        elif isinstance(f, RstStreamFrame):
            st["end"], st["rst"] = "rst", f.error_code
    return streams, order


def split_block(block):
    pseudo, headers = {}, {}
    for name, value in block:
        if name.startswith(":"):
            pseudo[name] = value
        else:
            headers.setdefault(name, []).append(value)
    return pseudo, headers


def conn_streams(events, conn):
    """(requests by stream id, responses by stream id, DATA order) of one
    recorded connection, in test_fakeai_routes' shapes."""
    evs = [e for e in events if e["conn"] == conn]
    eg = b"".join(base64.b64decode(e["data"]) for e in evs if e.get("dir") == "egress")
    ing = b"".join(base64.b64decode(e["data"]) for e in evs if e.get("dir") == "ingress")
    check(eg.startswith(PREFACE), "conn %d: no client preface" % conn)
    up, _ = h2_streams(eg[len(PREFACE):])
    down, order = h2_streams(ing)
    reqs, resps = {}, {}
    for sid, st in up.items():
        if not st["blocks"]:  # WINDOW_UPDATE for a response only
            continue
        pseudo, headers = split_block(st["blocks"][0])
        reqs[sid] = {"method": pseudo[":method"], "target": pseudo[":path"],
                     "headers": headers, "body": st["body"]}
    for sid, st in down.items():
        final = [b for b in st["blocks"] if not split_block(b)[0][":status"].startswith("1")]
        if not final:
            continue
        pseudo, headers = split_block(final[0])
        resps[sid] = {"status": int(pseudo[":status"]), "headers": headers, "body": st["body"],
                      "complete": st["end"] == "end", "rst": st["rst"]}
    return reqs, resps, order


def check_h2_capture(events, lines, label):
    """Every HTTP/2 stream of the recording against its exchange line."""
    n = 0
    for conn in sorted({l["conn"] for l in lines if l["http_version"] == "2"}):
        reqs, resps, _ = conn_streams(events, conn)
        mine = [l for l in lines if l["conn"] == conn]
        check(len(mine) == len(reqs) == len(resps), "conn %d: %d lines, %d requests, %d "
              "responses" % (conn, len(mine), len(reqs), len(resps)))
        for line in mine:
            sid = line["stream_id"]
            req, resp = reqs[sid], resps[sid]
            try:
                # An abort ends the stream, not the connection: "last" is moot.
                tr.check_exchange(line, req, resp, True)
                check(not line.get("chunked"), "chunked over HTTP/2")
                check((resp["rst"] == INTERNAL_ERROR) == line["aborted"], "RST_STREAM")
            except (Bad, ValueError, KeyError, TypeError) as e:
                raise Bad("%s conn %d stream %d (%s): %s" % (label, conn, sid, line["path"], e))
            n += 1
    return n


# ---- the server -----------------------------------------------------------------------

class Server:
    def __init__(self, work, tag, certs):
        self.rec, self.log = os.path.join(work, tag + "-rec"), os.path.join(work, tag + ".log")
        ready = os.path.join(work, tag + ".ready")
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(HERE, "fakeai.py"), "--h2", "--port", "0",
             "--cert", os.path.join(certs, "server.pem"),
             "--key", os.path.join(certs, "server.key"),
             "--log", self.log, "--record", self.rec, "--ready-file", ready])
        for _ in range(200):
            if os.path.exists(ready) or self.proc.poll() is not None:
                break
            time.sleep(0.05)
        check(os.path.exists(ready), "fakeai.py --h2 did not start")
        self.port = int(open(ready).read())

    def stop(self):
        """SIGTERM, then (exchange lines, conn lines, recorded events)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        check(self.proc.returncode == 0, "server exit status %d" % self.proc.returncode)
        lines = load_jsonl(self.log)
        events = []
        for p in sorted(glob.glob(os.path.join(self.rec, "*.capture.jsonl"))):
            events += load_jsonl(p)[1:]
        return ([l for l in lines if l["event"] == "exchange"],
                [l for l in lines if l["event"] == "conn"], events)


# ---- 1. every route over curl --http2 -----------------------------------------------------

def curl_phase(work, certs, clip, results):
    srv = Server(work, "curl", certs)
    try:
        resolve = [x for host in mkfixtures.HOSTS
                   for x in ("--resolve", "%s:%d:127.0.0.1" % (host, srv.port))]
        for label, host, path, args, code, rcs in tr.curl_cases():
            args = [a.replace("CLIP", clip).replace("PORT", str(srv.port)) for a in args]
            argv = ["curl", "-sS", "--http2", "--cacert", os.path.join(certs, "ca.pem"),
                    "-o", "/dev/null", "-w", "%{http_code} %{http_version}\n"] + resolve + args
            if label == "405":
                argv += ["-X", "GET"]
            if rcs != (0,):
                rcs = (92,)  # HTTP/2 stream not closed cleanly: our RST_STREAM
            res = subprocess.run(argv + ["https://%s:%d%s" % (host, srv.port, path)],
                                 capture_output=True, text=True, timeout=60)
            got = res.stdout.split()
            results.case("curl --http2 " + label, res.returncode in rcs and
                         got[:2] == [str(code), "2"], "exit %d, %s (want %d over 2): %s"
                         % (res.returncode, got, code, res.stderr.strip()[-200:]))
    finally:
        exch, conns, events = srv.stop()
    results.run("curl phase: %d exchange lines" % len(exch), lambda: check(
        len(exch) == len(tr.curl_cases()) + 1 and all(c["alpn"] == "h2" for c in conns),
        "%d lines for %d requests" % (len(exch), len(tr.curl_cases()) + 1)))
    results.run("curl phase: recorded frames match the log",
                lambda: check_h2_capture(events, exch, "curl"))
    results.run("curl phase: spot values (test_fakeai_routes.unit_checks)",
                lambda: tr.unit_checks(exch))


# ---- 2. httpx and clients that do not ask for h2 -------------------------------------------

def resolve_locally():
    """Test host names -> 127.0.0.1 in this process (httpx has no --resolve)."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *a, **kw):
        return real("127.0.0.1" if host in mkfixtures.HOSTS else host, *a, **kw)
    socket.getaddrinfo = getaddrinfo


def sse_data(body):
    return [d for _, d in tr.sse_events(body)]


def httpx_phase(work, certs, clip, results):
    resolve_locally()
    srv = Server(work, "httpx", certs)
    ca = os.path.join(certs, "ca.pem")
    try:
        seen = httpx_calls(srv.port, ca)
        seen["h1"] = h1_clients(srv.port, ca)
    finally:
        exch, conns, events = srv.stop()
    httpx_checks(seen, exch, conns, events, results)


def httpx_calls(port, ca):
    url = "https://api.openai.com:%d/v1/chat/completions" % port
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    chat_s = dict(chat, stream=True, stream_options={"include_usage": True})
    seen = {}  # what the client saw, for the log checks below
    client = httpx.Client(http2=True, verify=ca, timeout=60)
    try:
        r = client.post(url, json=chat)
        seen["json"] = (r.http_version, r.status_code, r.headers["x-request-id"], r.json()["usage"])
        with client.stream("POST", url, json=chat_s) as r:
            seen["sse"] = (r.http_version, r.headers["x-request-id"], sse_data(r.read()))

        def concurrent(i, barrier, out):
            barrier.wait()
            with client.stream("POST", url, json=chat_s, headers={"X-Fake-Events": "2000"}) as r:
                out[i] = (r.headers["x-request-id"], len(sse_data(r.read())))
        out, barrier = {}, threading.Barrier(2)
        threads = [threading.Thread(target=concurrent, args=(i, barrier, out)) for i in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        seen["concurrent"] = out
        head = b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"'
        big = head + b"x" * (1048576 - len(head) - 4) + b'"}]}'
        r = client.post(url, content=big, headers={"Content-Type": "application/json"})
        seen["big"] = (r.status_code, zlib.crc32(big), r.json()["usage"], r.headers["x-request-id"])
        try:
            with client.stream("POST", url, json=chat_s, headers={"X-Fake-Abort-After": "3"}) as r:
                r.read()
            seen["abort"] = "not cut"
        except httpx.RemoteProtocolError as e:
            seen["abort"] = type(e).__name__
        fails = [client.post(url, json=chat, headers={"X-Fake-Fail-Times": "1",
                                                      "X-Stainless-Retry-Count": str(a)})
                 for a in (0, 1)]
        seen["fail"] = [x.status_code for x in fails]
        r = client.get("https://api.openai.com:%d/v1/files" % port,
                       headers={"X-Fake-Body-Bytes": "1048576"})
        seen["pattern"] = (r.status_code, hashlib.sha256(r.content).hexdigest())
        heads = [client.head(url), client.head("https://api.openai.com:%d/v1/files" % port,
                                               headers={"X-Fake-Body-Bytes": "1000"})]
        seen["head"] = [(x.status_code, x.headers.get("content-length"), x.content) for x in heads]
    finally:
        client.close()
    return seen


def h1_clients(port, ca):
    """Clients that do not ask for h2 must keep getting HTTP/1.1."""
    import ssl
    import urllib.request
    import requests
    url = "https://127.0.0.1:%d/v1/chat/completions" % port
    got = {}
    subprocess.run(["curl", "-sS", "--http1.1", "--cacert", ca, "-o", "/dev/null", url, "-d",
                    '{"model":"curl"}'], check=True, timeout=60)
    req = urllib.request.Request(url, data=b'{"model":"urllib"}',
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, context=ssl.create_default_context(cafile=ca)) as r:
        got["urllib"] = r.status
    got["requests"] = requests.post(url, data=b'{"model":"requests"}', verify=ca).status_code
    js = """
const https = require("https");
const [url, body] = [process.argv[1], JSON.stringify({model: "node-https"})];
const rq = https.request(url, {method: "POST"}, (r) => { r.resume(); r.on("end", async () => {
  const f = await fetch(url, {method: "POST", body: JSON.stringify({model: "node-fetch"})});
  await f.text(); process.exit(r.statusCode === 200 && f.status === 200 ? 0 : 1); }); });
rq.end(body);"""
    res = subprocess.run(["node", "-e", js, url], env=dict(os.environ, NODE_EXTRA_CA_CERTS=ca),
                         capture_output=True, text=True, timeout=60)
    got["node"] = res.returncode
    return got


def httpx_checks(seen, exch, conns, events, results):
    by_rid = {l.get("request_id"): l for l in exch}
    h2 = [l for l in exch if l["http_version"] == "2"]
    results.run("httpx: one HTTP/2 connection for everything", lambda: check(
        len({l["conn"] for l in h2}) == 1 and len(h2) == 11, "h2 lines by conn: %s"
        % [(l["conn"], l["stream_id"]) for l in h2]))

    def chat_json():
        version, status, rid, usage = seen["json"]
        check(version == "HTTP/2" and status == 200, "%s %s" % (version, status))
        l = by_rid[rid]
        check(l["usage_sent"] == {"body": usage} and not l["stream"], "usage_sent")
        u = l["usage_expected"]
        check((u["input_tokens"], u["output_tokens"], u["cache_read_input_tokens"],
               u["reasoning_tokens"]) == (usage["prompt_tokens"], usage["completion_tokens"],
                                          usage["prompt_tokens_details"]["cached_tokens"],
                                          usage["completion_tokens_details"]["reasoning_tokens"]),
              "usage_expected %s for %s" % (u, usage))
    results.run("httpx: chat completion, usage and request id in the log", chat_json)

    def chat_stream():
        version, rid, data = seen["sse"]
        l = by_rid[rid]
        usage = json.loads(data[-2])["usage"]
        check(version == "HTTP/2" and data[-1] == "[DONE]", "stream end")
        check(l["stream"] and l["events_sent"] == l["events_total"] == len(data), "events")
        check(l["usage_sent"] == {"chunk": usage}, "usage_sent %s" % l["usage_sent"])
        check(l["usage_expected"]["input_tokens"] == usage["prompt_tokens"] and
              l["usage_expected"]["output_tokens"] == usage["completion_tokens"], "usage")
    results.run("httpx: stream with include_usage", chat_stream)

    def concurrent():
        out = seen["concurrent"]
        check(sorted(out) == [0, 1] and all(n == 2004 for _, n in out.values()),
              "events received: %s" % out)
        a, b = (by_rid[rid] for rid, _ in out.values())
        check(a["conn"] == b["conn"] and a["stream_id"] != b["stream_id"], "one connection")
        check(a["events_sent"] == b["events_sent"] == 2004, "events sent")
        _, _, order = conn_streams(events, a["conn"])
        mine = [s for s in order if s in (a["stream_id"], b["stream_id"])]
        switches = sum(1 for x, y in zip(mine, mine[1:]) if x != y)
        check(switches >= 3, "DATA frames not interleaved (%d switches)" % switches)
    results.run("httpx: two concurrent streams on one connection, interleaved", concurrent)

    def big_body():
        status, crc, usage, rid = seen["big"]
        l = by_rid[rid]
        check(status == 200, "status %d" % status)
        # The server's default numbers are a function of the body's CRC (fakeai_providers).
        check((usage["prompt_tokens"], usage["completion_tokens"]) ==
              (11 + crc % 97, 7 + (crc >> 8) % 13), "usage %s" % usage)
        check(l["usage_expected"]["input_tokens"] == usage["prompt_tokens"], "log usage")
        (c,) = [c for c in conns if c["conn"] == l["conn"]]
        check(sum(r["req_body_bytes"] == 1048576 for r in c["requests"]) == 1, "req_body_bytes")
    results.run("httpx: 1 MiB request body (flow control)", big_body)

    def abort():
        check(seen["abort"] == "RemoteProtocolError", "client saw %s" % seen["abort"])
        (l,) = [l for l in h2 if l["aborted"]]
        check(l["events_sent"] == 3 and l["usage_expected"] is None, "aborted line")
        later = [x for x in h2 if x["seq"] > l["seq"]]
        check(later and all(x["conn"] == l["conn"] for x in later), "connection not kept")
        _, resps, _ = conn_streams(events, l["conn"])
        check(resps[l["stream_id"]]["rst"] == INTERNAL_ERROR, "no RST_STREAM INTERNAL_ERROR")
    results.run("httpx: abort resets the stream, the connection goes on", abort)

    results.run("httpx: X-Fake-Fail-Times", lambda: check(
        seen["fail"] == [429, 200] and sorted((l["attempt"], l["status"]) for l in h2
                                              if l["attempt"] is not None) == [(0, 429), (1, 200)],
        "fail-times %s" % seen["fail"]))
    results.run("httpx: 1 MiB pattern body", lambda: check(
        seen["pattern"] == (200, pattern_sha256(1048576)) and
        any(l["operation"] == "pattern" and l["http_version"] == "2" for l in h2), "pattern"))
    results.run("httpx: HEAD (405 of the chat route, pattern)", lambda: check(
        seen["head"][1] == (200, "1000", b"") and seen["head"][0][0::2] == (405, b"") and
        int(seen["head"][0][1]) > 0, "HEAD: %s" % seen["head"]))
    results.run("httpx phase: recorded frames match the log",
                lambda: check_h2_capture(events, exch, "httpx"))

    def h1():
        got = seen["h1"]
        check(got == {"urllib": 200, "requests": 200, "node": 0}, "clients: %s" % got)
        h1_lines = [l for l in exch if l["http_version"] != "2"]
        models = sorted(l["request_model"] for l in h1_lines)
        check(models == ["curl", "node-fetch", "node-https", "requests", "urllib"] and
              all(l["http_version"] == "1.1" for l in h1_lines), "HTTP/1.1 lines: %s" % models)
        alpn = sorted(str(c["alpn"]) for c in conns)
        check(alpn.count("h2") == 1 and all(a in ("h2", "http/1.1", "None") for a in alpn),
              "alpn %s" % alpn)
    results.run("clients without h2 (curl --http1.1, urllib, requests, node) get HTTP/1.1", h1)


class Results:
    def __init__(self):
        self.passed = self.failed = 0

    def case(self, label, ok, why):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL %s: %s" % (label, why))

    def run(self, label, fn):
        try:
            fn()
            self.case(label, True, "")
            print("ok - " + label)
        except (Bad, KeyError, ValueError, TypeError, IndexError) as e:
            self.case(label, False, "%s: %s" % (type(e).__name__, e))


def on_alarm(*_):
    raise Bad("phase took more than %d s" % PHASE_TIMEOUT)


def main():
    signal.signal(signal.SIGALRM, on_alarm)
    work = tempfile.mkdtemp(prefix="fakeai-h2-")
    results = Results()
    try:
        certs = os.path.join(work, "certs")
        mkfixtures.gen_certs(certs)
        clip = os.path.join(work, "clip.wav")
        with open(clip, "wb") as f:
            f.write(b"\0" * 300)
        for phase in (curl_phase, httpx_phase):
            signal.alarm(PHASE_TIMEOUT)
            try:
                phase(work, certs, clip, results)
            except Exception as e:  # a client error or a stall: the phase failed
                results.case(phase.__name__, False, "%s: %s" % (type(e).__name__, e))
            finally:
                signal.alarm(0)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("h2: %d passed, %d failed" % (results.passed, results.failed))
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())
