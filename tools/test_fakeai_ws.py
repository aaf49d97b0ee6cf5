#!/usr/bin/python3
"""Checks tools/fakeai.py's WebSocket side (fakeai_ws.py) with a real client,
python3-websockets (an independent RFC 6455 / RFC 7692 implementation), and
the request-side additions (Content-Encoding bodies, Anthropic's 404 shape).

  test_fakeai_ws.py [--agent build/tokentap]

Starts fakeai.py (own certificates, --record, port 0) and drives: the
Responses API over WebSocket (prewarm, several response.create on one
socket) under each permessage-deflate negotiation (context takeover, either
end's no_context_takeover, a small server window, none), fragments and pings,
an abort, a wrapped error; Realtime GA and beta (session.update, text and
audio responses, the usage details); the 426 refusal and a bad handshake.
Each time: what the client received equals the "exchange" log lines, and the
recording, decoded here independently (frames, masks, inflate), holds exactly
the events and usage the log says went out. With --agent, every recorded
WebSocket connection is also replayed through `tokentap replay` and its
records must agree with the log (tests/run_golden.check_truth). No root.
Last line: "ws: N passed, N failed".
"""
import argparse
import asyncio
import base64
import gzip
import json
import os
import shutil
import signal
import ssl
import struct
import subprocess
import sys
import tempfile
import time
import zlib

import websockets
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))


class Bad(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Bad(msg)


class Server:
    def __init__(self, work):
        self.work = work
        certs = os.path.join(work, "certs")
        subprocess.run([os.path.join(HERE, "gen-test-certs.sh"), certs], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.ca = os.path.join(certs, "ca.pem")
        self.log = os.path.join(work, "fakeai.jsonl")
        self.rec = os.path.join(work, "rec")
        ready = os.path.join(work, "ready")
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(HERE, "fakeai.py"), "--port", "0",
             "--cert", os.path.join(certs, "server.pem"), "--key",
             os.path.join(certs, "server.key"), "--log", self.log, "--ready-file", ready,
             "--record", self.rec], stderr=open(os.path.join(work, "server.err"), "w"))
        for _ in range(200):
            if os.path.exists(ready):
                break
            time.sleep(0.05)
        with open(ready) as f:
            self.port = int(f.read())
        self.ctx = ssl.create_default_context(cafile=self.ca)

    def lines(self):
        with open(self.log) as f:
            return [json.loads(ln) for ln in f if ln.strip()]

    def conn_lines(self, conn_id, wait=5.0):
        """(exchange lines, conn line) of one connection, once it closed."""
        deadline = time.time() + wait
        while True:
            lines = self.lines()
            conn = [ln for ln in lines if ln["event"] == "conn" and ln["conn"] == conn_id]
            if conn or time.time() > deadline:
                break
            time.sleep(0.05)
        check(conn, "conn %d never logged its close" % conn_id)
        return [ln for ln in lines if ln["event"] == "exchange" and ln["conn"] == conn_id], conn[0]

    def last_conn(self):
        return max([ln["conn"] for ln in self.lines() if "conn" in ln] or [0])

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(10)


# ---- the client ------------------------------------------------------------------

async def ws_session(srv, path, headers, messages, until, deflate=True):
    """Connects, sends each message (a dict) and reads the server's messages
    until one of type `until` per sent "response.create"; returns (every
    server message, the 101's extensions answer)."""
    ext = [deflate] if isinstance(deflate, ClientPerMessageDeflateFactory) else \
        ([ClientPerMessageDeflateFactory()] if deflate else None)
    got = []
    async with websockets.connect(
            "wss://api.openai.com:%d%s" % (srv.port, path), ssl=srv.ctx, host="127.0.0.1",
            port=srv.port, server_hostname="api.openai.com", extensions=ext, compression=None,
            extra_headers=dict(headers, Authorization="Bearer sk-fakeai-ws-test"),
            max_size=None) as ws:
        answer = ws.response_headers.get("Sec-WebSocket-Extensions")
        if path.startswith("/v1/realtime"):
            got.append(json.loads(await ws.recv()))  # session.created
        for m in messages:
            await ws.send(json.dumps(m))
            want = until if m["type"] == "response.create" else {
                "session.update": "session.updated",
                "conversation.item.create": "conversation.item.created"
                if "realtime=v1" in headers.get("OpenAI-Beta", "") else "conversation.item.added",
                }.get(m["type"])
            while want:
                ev = json.loads(await ws.recv())
                got.append(ev)
                if ev["type"] in (want, "error"):
                    break
    return got, answer


def run(coro):
    return asyncio.run(coro)


# ---- decoding a recording independently ------------------------------------------------

def capture_path(srv, conn_id):
    return os.path.join(srv.rec, "conn-%06d.capture.jsonl" % conn_id)


def streams(path):
    """(egress, ingress) bytes of a one-connection capture file."""
    out = {"egress": b"", "ingress": b""}
    with open(path) as f:
        for ln in f:
            obj = json.loads(ln)
            if "dir" in obj:
                out[obj["dir"]] += base64.b64decode(obj["data"])
    return out["egress"], out["ingress"]


def frames(data, masked):
    """[(fin, rsv1, opcode, payload)] of a frame stream (masks removed)."""
    out, i = [], 0
    while i < len(data):
        check(i + 2 <= len(data), "truncated frame head")
        b0, b1 = data[i], data[i + 1]
        check(bool(b1 & 0x80) == masked, "mask bit %d on the %s side" %
              (b1 >> 7, "client" if masked else "server"))
        n, i = b1 & 0x7F, i + 2
        if n == 126:
            n, i = struct.unpack(">H", data[i:i + 2])[0], i + 2
        elif n == 127:
            n, i = struct.unpack(">Q", data[i:i + 8])[0], i + 8
        key = data[i:i + 4] if masked else None
        i += 4 if masked else 0
        payload = data[i:i + n]
        check(len(payload) == n, "truncated frame payload")
        if key:
            payload = bytes(c ^ key[j % 4] for j, c in enumerate(payload))
        out.append((bool(b0 & 0x80), bool(b0 & 0x40), b0 & 0x0F, payload))
        i += n
    return out


def messages(fr, deflate_reset):
    """Data messages (text) of a frame list; deflate_reset: None = no
    deflate, else whether the sender resets its context per message."""
    msgs, parts, comp, z, ctl = [], [], False, None, []
    for fin, rsv1, op, payload in fr:
        if op >= 8:
            ctl.append(op)
            continue
        if op != 0:
            parts, comp = [], rsv1
        parts.append(payload)
        if not fin:
            continue
        data = b"".join(parts)
        if comp:
            check(deflate_reset is not None, "compressed message without the extension")
            if z is None or deflate_reset:
                z = zlib.decompressobj(-15)
            data = z.decompress(data + b"\x00\x00\xff\xff")
        msgs.append(json.loads(data))
    return msgs, ctl


def split_head(data):
    end = data.index(b"\r\n\r\n") + 4
    return data[:end].decode("latin-1"), data[end:]


def decode_recording(path):
    """(client messages, server messages, server control opcodes, frame
    counts) of a recorded WebSocket connection, decoded here."""
    egress, ingress = streams(path)
    req, cdata = split_head(egress)
    resp, sdata = split_head(ingress)
    check(resp.startswith("HTTP/1.1 101 "), "no 101: %r" % resp[:40])
    ext = [ln.split(":", 1)[1].strip() for ln in resp.split("\r\n")
           if ln.lower().startswith("sec-websocket-extensions:")]
    params = [p.strip() for p in ext[0].split(";")] if ext else []
    s_reset = "server_no_context_takeover" in params if ext else None
    c_reset = "client_no_context_takeover" in params if ext else None
    cfr, sfr = frames(cdata, True), frames(sdata, False)
    cmsgs, _ = messages(cfr, c_reset)
    smsgs, sctl = messages(sfr, s_reset)
    return cmsgs, smsgs, sctl, len(sfr)


def check_log_vs_messages(lines, smsgs, final):
    """Each exchange line's usage and event count equal the recorded server
    messages of its response."""
    responses, cur = [], []
    for m in smsgs:  # a response: response.created (or an error) .. its final event
        if not cur and m["type"] not in ("response.created", "error"):
            continue  # session and conversation acknowledgements between responses
        cur.append(m)
        if m["type"] in (final, "error"):
            responses.append(cur)
            cur = []
    if cur:
        responses.append(cur)
    check(len(responses) == len(lines), "%d responses recorded, %d exchange lines"
          % (len(responses), len(lines)))
    for evs, ln in zip(responses, lines):
        check(ln.get("events_sent", len(evs)) == len(evs), "events_sent %s, recorded %d"
              % (ln.get("events_sent"), len(evs)))
        last = evs[-1]
        if last["type"] == final:
            check(ln["usage_sent"] == {final: last["response"]["usage"]},
                  "usage_sent %r != recorded %r" % (ln["usage_sent"], last["response"]["usage"]))
            check(ln["response_id"] == last["response"]["id"], "response id")
        else:
            check(ln["usage_sent"] is None, "usage logged that never went out")


def check_capture(path, expect):
    """A recorded (or hand-made) WebSocket capture holds exactly what its
    exchange lines say went out (tools/test_fakeai_routes.py fixtures)."""
    final = "response.done" if expect and expect[0]["operation"] == "realtime" \
        else "response.completed"
    _, smsgs, _, _ = decode_recording(path)
    check_log_vs_messages(expect, smsgs, final)


# ---- the cases ---------------------------------------------------------------------

CREATE = {"type": "response.create", "model": "gpt-5", "input": "fakeai ws test",
          "stream": True}


def responses_case(srv, name, headers=None, deflate=True, expect_ext=None):
    msgs = [dict(CREATE, generate=False), CREATE, dict(CREATE, input="second turn")]
    got, answer = run(ws_session(srv, "/v1/responses", headers or {}, msgs,
                                 "response.completed", deflate))
    cid = srv.last_conn()
    lines, conn = srv.conn_lines(cid)
    check(answer == expect_ext, "%s: extensions answer %r, want %r" % (name, answer, expect_ext))
    check([ln["operation"] for ln in lines] == ["responses_prewarm", "responses", "responses"],
          "%s: operations %r" % (name, [ln["operation"] for ln in lines]))
    done = [m for m in got if m["type"] == "response.completed"]
    check([d["response"]["usage"] for d in done] ==
          [ln["usage_sent"]["response.completed"] for ln in lines], "%s: client usage" % name)
    check(all(ln["status"] == 101 and ln["transport"] == "websocket" and
              ln["request_id"] == lines[0]["request_id"] and not ln["aborted"] and
              ln["encoding"] == ("deflate" if answer else None) for ln in lines),
          "%s: line fields %r" % (name, lines))
    check(lines[0]["usage_expected"]["output_tokens"] == 0, "%s: prewarm output" % name)
    check(conn["requests"][0]["upgrade"] == "websocket" and conn["requests"][0]["status"] == 101
          and conn["tcp"]["bytes_received"] > conn["bytes_in"], "%s: conn %r" % (name, conn))
    cmsgs, smsgs, sctl, nframes = decode_recording(capture_path(srv, cid))
    check([m.get("generate", True) for m in cmsgs] == [False, True, True],
          "%s: recorded creates" % name)
    check_log_vs_messages(lines, smsgs, "response.completed")
    return lines, smsgs, sctl, nframes, cid


def case_responses_deflate(srv):
    """Context takeover both ways (codex's offer), X-Fake-Tokens."""
    lines, *_ = responses_case(srv, "deflate", {"X-Fake-Tokens": "5000,300,1200,0,100"},
                               expect_ext="permessage-deflate")
    u = lines[1]["usage_expected"]
    check((u["input_tokens"], u["output_tokens"], u["cache_read_input_tokens"],
           u["reasoning_tokens"]) == (5000, 300, 1200, 100), "tokens %r" % u)


def case_responses_client_nct(srv):
    f = ClientPerMessageDeflateFactory(client_no_context_takeover=True,
                                       server_no_context_takeover=True, server_max_window_bits=10)
    responses_case(srv, "nct", deflate=f, expect_ext="permessage-deflate; "
                   "server_no_context_takeover; client_no_context_takeover; "
                   "server_max_window_bits=10")


def case_responses_mode_nct(srv):
    responses_case(srv, "mode-nct", {"X-Fake-WebSocket": "no-context-takeover"},
                   expect_ext="permessage-deflate; server_no_context_takeover; "
                   "client_no_context_takeover")


def case_responses_no_deflate(srv):
    responses_case(srv, "no-deflate", {"X-Fake-WebSocket": "no-deflate"}, expect_ext=None)
    responses_case(srv, "not-offered", deflate=False, expect_ext=None)


def case_fragments_ping(srv):
    _, smsgs, sctl, nframes, _ = responses_case(
        srv, "fragments", {"X-Fake-Fragments": "3", "X-Fake-Ping": "1"},
        expect_ext="permessage-deflate")
    check(sctl.count(9) == 3, "pings recorded: %r" % sctl)
    check(nframes >= 3 * len(smsgs), "%d frames for %d messages" % (nframes, len(smsgs)))


def case_abort(srv):
    try:
        run(ws_session(srv, "/v1/responses", {"X-Fake-Abort-After": "4"}, [CREATE],
                       "response.completed"))
        raise Bad("the client saw no abort")
    except websockets.exceptions.ConnectionClosedError:
        pass
    lines, conn = srv.conn_lines(srv.last_conn())
    check(len(lines) == 1 and lines[0]["aborted"] and lines[0]["events_sent"] == 4 and
          lines[0]["usage_sent"] is None and lines[0]["expect"]["outcome"] == "incomplete"
          and conn["aborted"], "abort: %r" % lines)


def case_status(srv):
    got, _ = run(ws_session(srv, "/v1/responses", {"X-Fake-Status": "429"}, [CREATE],
                            "response.completed"))
    lines, _ = srv.conn_lines(srv.last_conn())
    check(got[-1]["type"] == "error" and got[-1]["status"] == 429 and
          got[-1]["error"]["code"] == "rate_limit_exceeded", "error event %r" % got[-1])
    check(len(lines) == 1 and lines[0]["status"] == 429 and
          lines[0]["expect"]["outcome"] == "rate_limited" and lines[0]["usage_sent"] is None,
          "status line %r" % lines)


def realtime_case(srv, beta):
    headers = {"X-Fake-Tokens": "500,120,64,200,80"}
    if beta:
        headers["OpenAI-Beta"] = "realtime=v1"
    key = "modalities" if beta else "output_modalities"
    msgs = [{"type": "session.update", "session": {"model": "gpt-realtime-mini", key: ["text"]}},
            {"type": "conversation.item.create", "item": {
                "type": "message", "role": "user",
                "content": [{"type": "input_text", "text": "fakeai ws test"}]}},
            {"type": "response.create"},
            {"type": "response.create", "response": {key: ["audio"]}}]
    got, _ = run(ws_session(srv, "/v1/realtime?model=gpt-realtime", headers, msgs,
                            "response.done"))
    lines, _ = srv.conn_lines(srv.last_conn())
    check(len(lines) == 2, "realtime lines %d" % len(lines))
    done = [m for m in got if m["type"] == "response.done"]
    want = {"total_tokens": 620, "input_tokens": 500, "output_tokens": 120,
            "input_token_details": {"text_tokens": 300, "audio_tokens": 200, "image_tokens": 0,
                                    "cached_tokens": 64, "cached_tokens_details": {
                                        "text_tokens": 64, "audio_tokens": 0,
                                        "image_tokens": 0}},
            "output_token_details": {"text_tokens": 40, "audio_tokens": 80}}
    for d, ln in zip(done, lines):
        check(d["response"]["usage"] == want == ln["usage_sent"]["response.done"],
              "realtime usage %r" % d["response"]["usage"])
        check(ln["request_model"] == "gpt-realtime-mini" and
              ln["response_model"] == "gpt-realtime-mini-2025-10-06" and
              ln["operation"] == "realtime", "realtime line %r" % ln)
        check(ln["usage_expected"] == {"input_tokens": 500, "output_tokens": 120,
                                       "cache_read_input_tokens": 64,
                                       "cache_creation_input_tokens": None,
                                       "reasoning_tokens": None, "total_tokens": 620},
              "realtime expected %r" % ln["usage_expected"])
    types = {m["type"] for m in got}
    text = "response.text.delta" if beta else "response.output_text.delta"
    audio = "response.audio.delta" if beta else "response.output_audio.delta"
    check(text in types and audio in types, "realtime event names %r" % sorted(types))
    _, smsgs, _, _ = decode_recording(capture_path(srv, srv.last_conn()))
    check_log_vs_messages(lines, smsgs, "response.done")


def case_realtime_ga(srv):
    realtime_case(srv, beta=False)


def case_realtime_beta(srv):
    realtime_case(srv, beta=True)


def case_refuse(srv):
    try:
        run(ws_session(srv, "/v1/responses", {"X-Fake-WebSocket": "refuse"}, [CREATE],
                       "response.completed"))
        raise Bad("upgrade not refused")
    except websockets.exceptions.InvalidStatusCode as e:
        check(e.status_code == 426, "refused with %d" % e.status_code)
    lines, conn = srv.conn_lines(srv.last_conn())
    check(len(lines) == 1 and lines[0]["status"] == 426 and lines[0]["provider"] == "openai"
          and conn["requests"][0]["upgrade"] == "websocket", "426 line %r" % lines)


def raw_request(srv, head, body=b""):
    """One HTTP/1.1 request over TLS; returns (status line, headers text, body)."""
    import socket
    with socket.create_connection(("127.0.0.1", srv.port)) as raw:
        with srv.ctx.wrap_socket(raw, server_hostname=head["host"]) as s:
            lines = ["%s %s HTTP/1.1" % (head["method"], head["path"])] + \
                ["%s: %s" % kv for kv in head.items() if kv[0] not in ("method", "path")]
            s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            data = b""
            while b"\r\n\r\n" not in data:
                data += s.recv(65536)
            hd, _, rest = data.partition(b"\r\n\r\n")
            length = [int(ln.split(b":")[1]) for ln in hd.split(b"\r\n")
                      if ln.lower().startswith(b"content-length:")]
            while length and len(rest) < length[0]:
                rest += s.recv(65536)
            return hd.decode("latin-1"), rest


def case_bad_handshake(srv):
    hd, _ = raw_request(srv, {"method": "GET", "path": "/v1/responses",
                              "host": "api.openai.com", "Connection": "Upgrade",
                              "Upgrade": "websocket", "Sec-WebSocket-Version": "12",
                              "Sec-WebSocket-Key": base64.b64encode(b"k" * 16).decode()})
    check(hd.startswith("HTTP/1.1 400 "), "bad handshake got %r" % hd[:30])


def case_gzip_body(srv):
    """A gzip request body is decoded: same answer as the plain one."""
    body = json.dumps({"model": "gpt-4o-mini", "messages": [
        {"role": "user", "content": "fakeai gzip " * 200}]}).encode()
    usages = []
    for enc in (None, "gzip"):
        data = gzip.compress(body) if enc else body
        head = {"method": "POST", "path": "/v1/chat/completions", "host": "api.openai.com",
                "Content-Type": "application/json", "Content-Length": str(len(data)),
                "Connection": "close"}
        if enc:
            head["Content-Encoding"] = enc
        hd, rest = raw_request(srv, head, data)
        check(hd.startswith("HTTP/1.1 200 "), "%s body: %r" % (enc, hd[:40]))
        usages.append(json.loads(rest)["usage"])
        _, conn = srv.conn_lines(srv.last_conn())
        check(conn["requests"][0].get("request_encoding") == enc, "request_encoding %r"
              % conn["requests"][0])
    check(usages[0] == usages[1], "gzip body answered differently: %r" % usages)
    head.update({"Content-Length": "5"})
    hd, _ = raw_request(srv, head, b"notgz")
    check(hd.startswith("HTTP/1.1 400 "), "undecodable body got %r" % hd[:30])


def case_anthropic_404(srv):
    hd, rest = raw_request(srv, {"method": "GET", "path": "/api/claude_code/settings",
                                 "host": "api.anthropic.com", "Connection": "close"})
    doc = json.loads(rest)
    check(hd.startswith("HTTP/1.1 404 ") and doc["type"] == "error" and
          doc["error"]["type"] == "not_found_error" and "request-id:" in hd.lower(),
          "anthropic 404: %r %r" % (hd[:60], doc))
    lines, _ = srv.conn_lines(srv.last_conn())
    check(lines[0]["provider"] == "anthropic" and lines[0]["request_id"] == doc["request_id"],
          "anthropic 404 line %r" % lines[0])


def replay_all(srv, agent):
    """Every recorded WebSocket connection through `tokentap replay`: its
    records agree with the fake's log (run_golden.check_truth)."""
    import run_golden
    problems = []
    lines = srv.lines()
    ws_conns = [ln["conn"] for ln in lines if ln["event"] == "conn" and ln["requests"] and
                ln["requests"][0].get("status") == 101]
    check(ws_conns, "no WebSocket connection recorded")
    for cid in ws_conns:
        path = capture_path(srv, cid)
        expect = [ln for ln in lines if ln["event"] == "exchange" and ln["conn"] == cid]
        recs = run_golden.replay(agent, path)
        for p in run_golden.check_truth(recs, expect):
            problems.append("conn %d: %s" % (cid, p))
    check(not problems, "; ".join(problems[:8]))


CASES = [case_responses_deflate, case_responses_client_nct, case_responses_mode_nct,
         case_responses_no_deflate, case_fragments_ping, case_abort, case_status,
         case_realtime_ga, case_realtime_beta, case_refuse, case_bad_handshake,
         case_gzip_body, case_anthropic_404]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", help="also replay the recordings through this tokentap")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="fakeai-ws-")
    srv = Server(work)
    passed = failed = 0
    cases = CASES + ([lambda s: replay_all(s, args.agent)] if args.agent else [])
    try:
        for case in cases:
            name = getattr(case, "__name__", "case")
            name = "replay" if name == "<lambda>" else name
            try:
                case(srv)
                print("PASS", name)
                passed += 1
            except Exception as e:  # Bad, a client error or a broken log
                print("FAIL %s: %s: %s" % (name, type(e).__name__, e))
                failed += 1
    finally:
        srv.stop()
        if args.keep:
            print("kept", work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("ws: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
