"""WebSocket for tools/fakeai.py: RFC 6455 frames with RFC 7692
permessage-deflate, serving the two OpenAI APIs that run over it.

  GET /v1/responses  The Responses API over WebSocket, as codex (openai-beta:
                     responses_websockets=2026-02-06) and openai-node's
                     ResponsesWS use it. Each response.create is answered with
                     the events of a streamed POST /v1/responses
                     (fakeai_providers.build_responses), one JSON text message
                     each, ending in response.completed. "generate": false
                     (codex's prewarm) gets only response.created and
                     response.completed with input usage and no output: what
                     the real API sends there is not known.
  GET /v1/realtime   The Realtime API, GA (openai/realtime/ws) and beta
                     (OpenAI-Beta: realtime=v1, openai/beta/realtime/ws).
                     session.created first; session.update -> session.updated;
                     conversation.item.create and input_audio_buffer.commit are
                     acknowledged; response.create -> a text (or audio)
                     response ending in response.done, whose usage has
                     input_token_details {text, audio, image, cached,
                     cached_tokens_details} and output_token_details
                     {text, audio}. Event names follow the API version.

A socket carries any number of response.create; each is answered in full
before the next message is read. Every response gets one "exchange" log line
with exactly the usage that went out: the HTTP line's fields plus
"transport": "websocket", with status 101 (the handshake's, as tokentap
reports a socket's calls; a wrapped error event's own status instead) and
request_id the handshake's x-request-id (the events carry none). The
handshake gets no line of its own; it is in the connection's "requests".

Modes, for every response on the socket. The server option --ws MODE or the
handshake header X-Fake-WebSocket (which wins; codex sends a custom
provider's http_headers on the handshake):
  on                   accept, with permessage-deflate when offered (window
                       bits and no_context_takeover as the offer asks)
  refuse               answer the upgrade 426 (codex falls back to HTTPS at once)
  no-deflate           accept without the extension
  no-context-takeover  deflate, both ends resetting their context per message
And from the handshake headers, as for HTTP (fakeai_providers.py):
X-Fake-Tokens (Realtime: in,out[,cached,audio_in,audio_out], in and out
including the audio), X-Fake-Events, X-Fake-Response-Model, X-Fake-Status
(Responses only: a wrapped error event {"type":"error","status":N,...}),
and here: X-Fake-Abort-After: N (the first response stops after N events
and the connection is dropped: no close frame, no close_notify),
X-Fake-Ping: 1 (a ping before each response's final event) and
X-Fake-Fragments: N (every message sent in N frames).
"""

import base64
import hashlib
import json
import struct
import time
import urllib.parse
import zlib

import fakeai_providers as fp

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
APIS = {"/v1/responses": "responses", "/v1/realtime": "realtime"}
MODES = ("on", "refuse", "no-deflate", "no-context-takeover")
MAX_MESSAGE = 64 * 1024 * 1024
MAX_FRAGMENTS = 64
REALTIME_SNAPSHOTS = {"gpt-realtime": "gpt-realtime-2025-08-28",
                      "gpt-realtime-mini": "gpt-realtime-mini-2025-10-06",
                      "gpt-4o-realtime-preview": "gpt-4o-realtime-preview-2025-06-03",
                      "gpt-4o-mini-realtime-preview": "gpt-4o-mini-realtime-preview-2024-12-17"}


class Closed(Exception):
    """The socket ended: a close frame, EOF or a protocol error (the reason)."""


def _tokens(headers, name):
    return {t.strip().lower() for v in headers.get(name, []) for t in v.split(",")}


def _header(headers, name):
    values = headers.get(name)
    return values[-1] if values else None


def is_upgrade(method, headers):
    return method == "GET" and "websocket" in _tokens(headers, "upgrade")


def verdict(path, headers, server_mode):
    """What to do with an upgrade request: "accept", "refuse" (426), "bad"
    (400: not a valid RFC 6455 handshake or a bad mode header) or None (a
    path no API serves: the ordinary reply)."""
    if path not in APIS:
        return None
    mode = (_header(headers, "x-fake-websocket") or server_mode).strip().lower()
    if mode not in MODES:
        return "bad"
    if mode == "refuse":
        return "refuse"
    key = _header(headers, "sec-websocket-key") or ""
    try:
        key_ok = len(base64.b64decode(key, validate=True)) == 16
    except ValueError:
        key_ok = False
    if _header(headers, "sec-websocket-version") != "13" or not key_ok or \
            "upgrade" not in _tokens(headers, "connection"):
        return "bad"
    return "accept"


def parse_extensions(values):
    """Sec-WebSocket-Extensions values -> [(name, {param: value or True})]."""
    offers = []
    for v in values:
        for ext in v.split(","):
            items = [p.strip() for p in ext.split(";") if p.strip()]
            if not items:
                continue
            params = {}
            for p in items[1:]:
                k, eq, val = p.partition("=")
                params[k.strip().lower()] = val.strip().strip('"') if eq else True
            offers.append((items[0].lower(), params))
    return offers


def negotiate_deflate(headers, mode):
    """(Sec-WebSocket-Extensions answer or None, deflate parameters or None)
    for the first acceptable permessage-deflate offer (RFC 7692 7.1)."""
    if mode == "no-deflate":
        return None, None
    for name, params in parse_extensions(headers.get("sec-websocket-extensions", [])):
        if name != "permessage-deflate":
            continue
        bits = params.get("server_max_window_bits", "15")
        if bits is True or not str(bits).isdigit() or not 9 <= int(bits) <= 15:
            continue  # needs a value; zlib makes no raw 8-bit window
        cbits = params.get("client_max_window_bits")
        if cbits is not None and cbits is not True and \
                (not str(cbits).isdigit() or not 8 <= int(cbits) <= 15):
            continue
        snct = bool(params.get("server_no_context_takeover")) or mode == "no-context-takeover"
        cnct = bool(params.get("client_no_context_takeover")) or mode == "no-context-takeover"
        answer = ["permessage-deflate"]
        answer += ["server_no_context_takeover"] if snct else []
        answer += ["client_no_context_takeover"] if cnct else []
        if "server_max_window_bits" in params:
            answer.append("server_max_window_bits=%d" % int(bits))
        return "; ".join(answer), {"server_nct": snct, "client_nct": cnct,
                                   "server_bits": int(bits)}
    return None, None


class WsStream:
    """The server end of one WebSocket over a fakeai Conn (after the 101)."""

    def __init__(self, conn, deflate):
        self.conn = conn
        self.deflate = deflate
        self.comp = self.decomp = None
        self.close_code = None
        self.messages_in = self.messages_out = 0

    @staticmethod
    def _unmask(data, key):
        n = len(data)
        k = (key * (n // 4 + 1))[:n]
        return (int.from_bytes(data, "big") ^ int.from_bytes(k, "big")).to_bytes(n, "big")

    def _read(self, n):
        try:
            return self.conn.read_exact(n)
        except ConnectionAbortedError:  # Conn.fill's EOF
            raise Closed("eof")

    def _frame(self):
        b0, b1 = self._read(2)
        fin, rsv, op = bool(b0 & 0x80), b0 & 0x70, b0 & 0x0F
        n = b1 & 0x7F
        if not b1 & 0x80:
            raise Closed("client frame not masked")
        if n == 126:
            (n,) = struct.unpack(">H", self._read(2))
        elif n == 127:
            (n,) = struct.unpack(">Q", self._read(8))
        if n > MAX_MESSAGE:
            raise Closed("frame too large")
        key = self._read(4)
        payload = self._unmask(self._read(n), key) if n else b""
        if rsv & 0x30 or (rsv and (op >= 8 or op == 0)) or (op >= 8 and (not fin or n > 125)):
            raise Closed("bad frame header")
        return fin, bool(rsv), op, payload

    def recv(self):
        """The next data message (opcode, payload, compressed). Answers pings,
        echoes a close (then raises Closed)."""
        parts, first, compressed, size = [], None, False, 0
        while True:
            fin, rsv1, op, payload = self._frame()
            if op == 8:
                self.close_code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else 1005
                try:
                    self.send_frame(8, payload[:2])
                except OSError:
                    pass
                raise Closed("close %d" % self.close_code)
            if op == 9:
                self.send_frame(10, payload)
                continue
            if op == 10:
                continue
            if (first is None) != (op != 0) or op not in (0, 1, 2):
                raise Closed("bad opcode sequence")
            if first is None:
                first, compressed = op, rsv1
            size += len(payload)
            if size > MAX_MESSAGE or len(parts) >= MAX_FRAGMENTS * 64:
                raise Closed("message too large")
            parts.append(payload)
            if fin:
                break
        data = b"".join(parts)
        if compressed:
            if not self.deflate:
                raise Closed("RSV1 without permessage-deflate")
            if self.decomp is None or self.deflate["client_nct"]:
                self.decomp = zlib.decompressobj(-15)
            data = self.decomp.decompress(data + b"\x00\x00\xff\xff", MAX_MESSAGE)
        self.messages_in += 1
        return first, data, compressed

    def send_frame(self, op, payload, rsv1=False, fin=True):
        n = len(payload)
        head = bytes([(0x80 if fin else 0) | (0x40 if rsv1 else 0) | op])
        if n < 126:
            head += bytes([n])
        elif n < 65536:
            head += bytes([126]) + struct.pack(">H", n)
        else:
            head += bytes([127]) + struct.pack(">Q", n)
        self.conn.sendall(head + payload)

    def send_text(self, text, fragments=1):
        """One text message (compressed when agreed) in `fragments` frames."""
        data, rsv1 = text.encode(), False
        if self.deflate:
            if self.comp is None or self.deflate["server_nct"]:
                self.comp = zlib.compressobj(6, zlib.DEFLATED, -self.deflate["server_bits"])
            data = self.comp.compress(data) + self.comp.flush(zlib.Z_SYNC_FLUSH)
            data, rsv1 = data[:-4], True  # RFC 7692 7.2.1: drop 00 00 ff ff
        k = max(1, min(fragments, len(data)))
        step = -(-len(data) // k)
        for i in range(k):
            self.send_frame(1 if i == 0 else 0, data[i * step:(i + 1) * step],
                            rsv1=rsv1 and i == 0, fin=i == k - 1)
        self.messages_out += 1


def accept_key(key):
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def handshake_bytes(headers, request_id, extensions):
    lines = ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
             "Sec-WebSocket-Accept: " + accept_key(_header(headers, "sec-websocket-key")),
             "Date: " + time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()),
             "Server: fakeai", "x-request-id: " + request_id,
             "openai-organization: user-fakeai", "openai-processing-ms: 12"]
    if extensions:
        lines.append("Sec-WebSocket-Extensions: " + extensions)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def serve(conn, hs, log_exchange):
    """Answer an accepted upgrade (hs: fakeai.WsHandshake) and serve the
    socket until it ends. Returns True when the connection must be dropped
    without close_notify (X-Fake-Abort-After)."""
    mode = (_header(hs.headers, "x-fake-websocket") or hs.server_mode).strip().lower()
    extensions, deflate = negotiate_deflate(hs.headers, mode)
    hreq = fp.Req("GET", hs.path, hs.query, hs.host, hs.headers, b"", hs.rid)
    request_id = "req_" + fp.hexid(hreq)
    conn.sendall(handshake_bytes(hs.headers, request_id, extensions))
    hs.rec.update(status=101, ws={"extensions": extensions, "messages_in": 0,
                                  "messages_out": 0, "close_code": None, "end": None})
    session = (ResponsesSession if APIS[hs.path] == "responses" else RealtimeSession)(
        conn, hs, WsStream(conn, deflate), request_id, log_exchange)
    try:
        session.run()
        end = "served"
    except Closed as e:
        end = str(e)
    except OSError as e:
        end = type(e).__name__
    hs.rec["ws"].update(messages_in=session.ws.messages_in, messages_out=session.ws.messages_out,
                        close_code=session.ws.close_code, end=end)
    return session.aborted


class Session:
    """What both APIs share: the modes, sending a response's events with
    them, and its exchange log line."""

    final_types = ()

    def __init__(self, conn, hs, ws, request_id, log_exchange):
        self.hs, self.ws, self.request_id = hs, ws, request_id
        self.log_exchange = log_exchange
        self.seq = hs.seq
        self.aborted = False
        h = hs.headers
        abort = _header(h, "x-fake-abort-after")
        self.abort = int(abort) if abort is not None and fp.is_uint(abort) else None
        self.ping = _header(h, "x-fake-ping") == "1"
        frags = _header(h, "x-fake-fragments") or "1"
        self.fragments = min(int(frags), MAX_FRAGMENTS) if fp.is_uint(frags) and frags != "0" else 1
        attempt = _header(h, "x-stainless-retry-count")
        self.attempt = int(attempt) if attempt and fp.is_uint(attempt) else None

    def req(self, msg):
        """A request as fakeai_providers sees one: the handshake's headers
        (its X-Fake-* modes), this message as the body, a fresh id."""
        return fp.Req("POST", self.hs.path, self.hs.query, self.hs.host, self.hs.headers,
                      fp.jc(msg), self.hs.next_id())

    def send(self, obj):
        self.ws.send_text(json.dumps(obj, separators=(",", ":")), self.fragments)

    def messages(self):
        """The client's JSON messages, until the socket ends."""
        while not self.aborted:
            op, data, _ = self.ws.recv()
            if op != 1:
                continue
            try:
                msg = json.loads(data.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                continue
            if isinstance(msg, dict):
                yield msg

    def send_response(self, events, carrier):
        """Send one response's events with the modes; returns (what went out
        for the log, usage carriers sent). carrier: the event type whose
        response.usage is the usage."""
        total = len(events)
        limit = total if self.abort is None else min(self.abort, total - 1)
        carriers = {}
        for obj in events[:limit]:
            if self.ping and obj.get("type") in self.final_types:
                self.ws.send_frame(9, b"fakeai")
            self.send(obj)
            usage = (obj.get("response") or {}).get("usage") if obj.get("type") == carrier else None
            if usage is not None:
                carriers[carrier] = usage
        self.aborted = limit < total
        out = {"encoding": "deflate" if self.ws.deflate else None, "chunked": False,
               "aborted": self.aborted, "events_total": total, "events_sent": limit}
        return out, carriers

    def log(self, info, status, out, carriers, norm):
        line = {"seq": self.seq, "ts_ns": time.time_ns(), "method": "GET", "path": self.hs.path}
        line.update(info)
        line.update(request_id=self.request_id, status=status, attempt=self.attempt, **out)
        line.update(usage_sent=carriers or None,
                    usage_expected=norm(carriers) if carriers and norm else None)
        line["expect"] = fp.record_view(line)
        line["http_version"] = "1.1"
        line["transport"] = "websocket"
        self.seq += 1
        self.log_exchange(line)


def sse_json(data):
    """The JSON object of one framed SSE event (fakeai_providers.sse)."""
    for line in data.decode("utf-8").split("\n"):
        if line.startswith("data: "):
            return json.loads(line[6:])
    raise ValueError("no data line")


class ResponsesSession(Session):
    final_types = ("response.completed",)

    def run(self):
        for msg in self.messages():
            if msg.get("type") == "response.create":
                self.answer(msg)

    def answer(self, msg):
        body = {k: v for k, v in msg.items() if k != "type"}
        body["stream"] = True
        prewarm = msg.get("generate") is False
        reply = fp.route(self.req(body))
        info = dict(reply.info, stream=True)
        if reply.events is None:  # an error: its body, wrapped
            err = json.loads(reply.body).get("error")
            out, _ = self.send_response([{"type": "error", "status": reply.status,
                                          "error": err}], None)
            self.log(info, reply.status, out, {}, None)
            return
        events = [sse_json(ev.data) for ev in reply.events]
        if prewarm:
            events = prewarm_events(events)
            info["operation"] = "responses_prewarm"
        out, carriers = self.send_response(events, "response.completed")
        self.log(info, 101, out, carriers, fp.norm_io)


def prewarm_events(events):
    """response.created and a response.completed without output whose usage
    keeps the input and reports no output."""
    created, done = events[0], events[-1]
    u = dict(done["response"]["usage"], output_tokens=0,
             output_tokens_details={"reasoning_tokens": 0})
    u["total_tokens"] = u["input_tokens"]
    done = dict(done, sequence_number=1, response=dict(done["response"], output=[], usage=u))
    return [dict(created, sequence_number=0), done]


def norm_realtime(c):
    """Realtime usage: input includes cached and audio tokens, output audio."""
    u = c.get("response.done")
    if not u:
        return None
    return fp.norm(u.get("input_tokens"), u.get("output_tokens"),
                   fp.dig(u, "input_token_details", "cached_tokens"))


def realtime_tokens(req):
    """(text_in, audio_in, cached, text_out, audio_out): X-Fake-Tokens
    in,out[,cached,audio_in,audio_out], else numbers seeded by the message."""
    if req.header("x-fake-tokens") is not None:
        t = fp.pick_tokens(req, "openai")  # checks cached+audio_in <= in, audio_out <= out
        cached, audio_in, audio_out = t.cr, t.cw, t.rs
        return t.inp - audio_in, audio_in, cached, t.out - audio_out, audio_out
    n = fp.default_seed(req.body)
    text_in, audio_in = 40 + n % 97, 3 + (n >> 8) % 11
    text_out, audio_out = 9 + (n >> 16) % 13, (n >> 20) % 7
    return text_in, audio_in, min(text_in, (n >> 24) % 33), text_out, audio_out


def realtime_usage(text_in, audio_in, cached, text_out, audio_out):
    cached_text = min(cached, text_in)
    return {"total_tokens": text_in + audio_in + text_out + audio_out,
            "input_tokens": text_in + audio_in, "output_tokens": text_out + audio_out,
            "input_token_details": {"text_tokens": text_in, "audio_tokens": audio_in,
                                    "image_tokens": 0, "cached_tokens": cached,
                                    "cached_tokens_details": {"text_tokens": cached_text,
                                                              "audio_tokens": cached - cached_text,
                                                              "image_tokens": 0}},
            "output_token_details": {"text_tokens": text_out, "audio_tokens": audio_out}}


class RealtimeSession(Session):
    final_types = ("response.done",)

    def __init__(self, *a):
        super().__init__(*a)
        self.beta = "realtime=v1" in (_header(self.hs.headers, "openai-beta") or "")
        self.model = urllib.parse.parse_qs(self.hs.query).get("model", [None])[-1]
        self.items = 0
        hreq = fp.Req("GET", "", "", "", {}, b"", self.hs.rid)
        self.session = {"id": "sess_" + fp.b62id(hreq, 20), "object": "realtime.session"}
        if self.beta:
            self.session.update(modalities=["text", "audio"])
        else:
            self.session.update(type="realtime", output_modalities=["audio"])
        self.set_model(self.model)

    def set_model(self, model):
        served = REALTIME_SNAPSHOTS.get(model or "gpt-realtime", model or "gpt-realtime")
        self.session["model"] = fp.override_model(fp.Req("GET", "", "", "", self.hs.headers,
                                                         b"", 0), served)

    def event(self, etype, **fields):
        self.items += 1
        hreq = fp.Req("GET", "", "", "", {}, b"", self.hs.rid)
        return dict({"type": etype, "event_id": "event_" + fp.b62id(hreq, 20, str(self.items))},
                    **fields)

    def run(self):
        self.send(self.event("session.created", session=self.session))
        for msg in self.messages():
            mtype = msg.get("type")
            if mtype == "session.update" and isinstance(msg.get("session"), dict):
                new = msg["session"]
                if isinstance(new.get("model"), str):
                    self.model = new["model"]  # what tokentap then reports as asked for
                    self.set_model(self.model)
                for k in ("modalities", "output_modalities", "instructions"):
                    if k in new:
                        self.session[k] = new[k]
                self.send(self.event("session.updated", session=self.session))
            elif mtype == "conversation.item.create":
                item = dict(msg.get("item") or {}, id="item_%d" % (self.items + 1),
                            status="completed")
                name = "conversation.item.created" if self.beta else "conversation.item.added"
                self.send(self.event(name, previous_item_id=None, item=item))
            elif mtype == "input_audio_buffer.commit":
                self.send(self.event("input_audio_buffer.committed", previous_item_id=None,
                                     item_id="item_%d" % (self.items + 1)))
            elif mtype == "response.create":
                self.answer(msg)

    def answer(self, msg):
        req = self.req(msg)
        params = msg.get("response") if isinstance(msg.get("response"), dict) else {}
        modal = params.get("modalities" if self.beta else "output_modalities") or \
            self.session.get("modalities" if self.beta else "output_modalities") or ["text"]
        info = fp.info("openai", "realtime", req, self.model, self.session["model"], True)
        try:
            usage = realtime_usage(*realtime_tokens(req))
            n = fp.event_count(req)
        except fp.BadRequest as e:
            err = {"type": "invalid_request_error", "code": "fakeai_bad_mode",
                   "message": str(e), "param": None, "event_id": None}
            out, _ = self.send_response([self.event("error", error=err)], None)
            self.log(dict(info, error_type=err["type"], error_code=err["code"]), 400, out,
                     {}, None)
            return
        resp_id = "resp_" + fp.b62id(req, 20)
        info["response_id"] = resp_id
        out, carriers = self.send_response(self.response_events(req, resp_id, n, usage,
                                                                "audio" in modal), "response.done")
        self.log(info, 101, out, carriers, norm_realtime)

    def response_events(self, req, resp_id, n, usage, audio):
        """The events of one response, GA or beta names, text or audio."""
        beta, ev = self.beta, self.event
        item_id = "item_" + fp.b62id(req, 20, "item")
        words = fp.pieces(n)
        text = "".join(words)
        if audio:
            part = {"type": "audio", "transcript": text} if beta else \
                {"type": "output_audio", "transcript": text}
            kind = "audio_transcript" if beta else "output_audio_transcript"
        else:
            part = {"type": "text", "text": text} if beta else {"type": "output_text", "text": text}
            kind = "text" if beta else "output_text"
        item = {"id": item_id, "object": "realtime.item", "type": "message",
                "status": "completed", "role": "assistant", "content": [part]}
        pending = dict(item, status="in_progress", content=[])
        resp = {"object": "realtime.response", "id": resp_id, "status": "in_progress",
                "status_details": None, "output": [], "conversation_id": "conv_fakeai",
                ("modalities" if beta else "output_modalities"): ["audio" if audio else "text"],
                "usage": None}
        loc = {"response_id": resp_id, "item_id": item_id, "output_index": 0, "content_index": 0}
        empty = dict(part, **{"transcript" if audio else "text": ""})
        out = [ev("response.created", response=resp),
               ev("response.output_item.added", response_id=resp_id, output_index=0, item=pending),
               ev("conversation.item.created" if beta else "conversation.item.added",
                  previous_item_id=None, item=pending),
               ev("response.content_part.added", part=empty, **loc)]
        out += [ev("response.%s.delta" % kind, delta=w, **loc) for w in words]
        if audio:
            pcm = base64.b64encode(bytes(range(256)) * 4).decode()
            name = "response.audio" if beta else "response.output_audio"
            out += [ev(name + ".delta", delta=pcm, **loc) for _ in range(2)]
            out.append(ev(name + ".done", **loc))
        out += [ev("response.%s.done" % kind, **dict(loc, **{"transcript" if audio else "text":
                                                            text})),
                ev("response.content_part.done", part=part, **loc),
                ev("response.output_item.done", response_id=resp_id, output_index=0, item=item)]
        if not beta:
            out.append(ev("conversation.item.done", previous_item_id=None, item=item))
        out.append(ev("response.done", response=dict(resp, status="completed", output=[item],
                                                     usage=usage)))
        return out
