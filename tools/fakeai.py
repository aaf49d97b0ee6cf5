#!/usr/bin/env python3
"""Fake AI provider HTTPS server for tokentap tests (stdlib only, Python >= 3.9;
brotli and zstandard are used when importable; --h2 needs python3-h2).

HTTP/1.1 is hand-rolled (not http.server) so every plaintext byte read from /
written to the TLS socket is counted and sha256-hashed per connection, for
comparison with what tokentap captured. With --h2, ALPN also offers h2 and such
connections go to fakeai_h2.py (same routes, modes and log lines; an abort
resets the stream). Routes, in priority order:
  X-Fake-Body-Bytes: N       -> 200 octet-stream, body fakeai_pattern.pattern(N)
  GET /v1/responses, /v1/realtime with Upgrade: websocket
                             -> fakeai_ws.py: the Responses and Realtime APIs over
                                WebSocket (permessage-deflate; --ws refuse: 426)
  anything else              -> fakeai_providers.route(): OpenAI, Azure, Anthropic,
                                Gemini/Vertex, Bedrock, OpenAI-compatible hosts and
                                Ollama by path (and Host); errors in each one's shape
Request bodies with Content-Encoding (gzip, deflate, br, zstd) are decoded first
(fakeai_coding.py).
A credential (Authorization, x-api-key, api-key, x-goog-api-key, ?key=) containing
"invalid-key" is answered 401 in the provider's error shape before anything else,
as the real APIs answer a bad key.
Modes, by request header: X-Fake-Status, X-Fake-Fail-Times (+ X-Stainless-Retry-Count),
X-Fake-Script: 429,503,200 (+ X-Fake-Script-Key; a retry loop without retry headers: the
n-th same request gets the n-th status, errors in the provider's shape with retry-after;
logged as script_key and script_attempt), X-Fake-Tokens, X-Fake-Events,
X-Fake-Response-Model (fakeai_providers.py), and here:
  X-Fake-Encoding: gzip|br|zstd|deflate|identity  (default: Accept-Encoding, non-stream
                   JSON only, preferring br, gzip, deflate, zstd)
  X-Fake-Chunked: 1          non-stream body chunked instead of Content-Length
  X-Fake-Abort-After: N      send N stream events (or N body bytes), then drop the
                             connection without the terminator or close_notify
  X-Fake-Head-Pad: N         N bytes of padding headers (X-Pad-<i>, 100 bytes a line)
                             before the reply's own headers (request id, framing)
Log: JSON Lines: one "exchange" event per answered request (what was sent: ids,
models, usage as sent and normalized, "http_version" ("1.1", "1.0", "2"; HTTP/2
adds "stream_id"), and "expect": the same in tokentap's record field names, see
fakeai_providers.record_view), one "conn" event per connection (at close)
and "error" events for failed handshakes (and HTTP/2 protocol errors). A WebSocket logs one
"exchange" per response (see fakeai_ws.py). The "conn" line also has "tcp": the kernel's byte
counts, TLS included (fakeai_peer.TcpCounts). Bodies and header values are never
logged. --record DIR writes each connection's plaintext in the tokentap capture format
(see Recorder).
"""

import argparse
import base64
import hashlib
import itertools
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
from http import HTTPStatus  # status phrases only; http.server is not used

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakeai_providers as fp  # noqa: E402
from fakeai_coding import DecodeError, Encoder, decode_body, pick_encoding  # noqa: E402
from fakeai_pattern import pattern_chunks  # noqa: E402
from fakeai_peer import TcpCounts, peer_process  # noqa: E402
import fakeai_ws  # noqa: E402

fakeai_h2 = None  # HTTP/2 transport, imported by main() for --h2 (python3-h2)
if __name__ == "__main__":  # so that fakeai_h2's "import fakeai" gets this module
    sys.modules.setdefault("fakeai", sys.modules[__name__])

MAX_HEAD = 64 * 1024          # request line + headers (and chunked trailers)
MAX_BODY = 64 * 1024 * 1024
PIECE = 16 * 1024             # X-Fake-Body-Bytes streaming granularity
SOCK_TIMEOUT = 30.0

_counter = itertools.count(1)
_counter_lock = threading.Lock()
_tls = threading.local()      # sni_callback runs inside do_handshake, same thread
WS_MODE = "on"                # --ws: what WebSocket upgrades get (fakeai_ws.MODES)


def next_id():
    with _counter_lock:
        return next(_counter)


class HttpError(Exception):
    """Protocol error: answer `status`, then close the connection."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class Recorder:
    """One connection's plaintext in the tokentap capture format: JSON Lines,
    first {"tokentap_capture": 1}, then {"ts_ns", "conn", "open": {host, pid,
    comm}}, {"ts_ns", "conn", "dir": "egress"|"ingress", "data": base64} per
    socket read/write (direction from the client's point of view: what the
    server read is egress), and {"ts_ns", "conn", "close": true}. Written to
    conn-N.capture.jsonl.part, renamed without .part once closed."""

    _lock = threading.Lock()
    _last_ts = 0

    def __init__(self, directory, conn_id):
        self.conn_id = conn_id
        self.path = os.path.join(directory, "conn-%06d.capture.jsonl" % conn_id)
        self.f = open(self.path + ".part", "w", encoding="ascii")
        self.f.write('{"tokentap_capture":1}\n')

    @classmethod
    def now(cls):
        # Strictly increasing across connections, so a merge has one order.
        with cls._lock:
            cls._last_ts = max(time.time_ns(), cls._last_ts + 1)
            return cls._last_ts

    def event(self, **kw):
        obj = {"ts_ns": self.now(), "conn": self.conn_id}
        obj.update(kw)
        self.f.write(json.dumps(obj, separators=(",", ":")) + "\n")

    def data(self, direction, data):
        self.event(dir=direction, data=base64.b64encode(data).decode("ascii"))

    def close(self):
        self.event(close=True)
        self.f.close()
        os.replace(self.path + ".part", self.path)

    def discard(self):
        self.f.close()
        os.unlink(self.path + ".part")


class Conn:
    """Buffered TLS socket. All plaintext passes through recv()/sendall(), so
    the counts and hashes are exactly the decrypted byte streams, in order."""

    def __init__(self, sock, recorder=None):
        self.sock = sock
        self.rec = recorder
        self.buf = bytearray()
        self.bytes_in = self.bytes_out = 0
        self.h_in = hashlib.sha256()
        self.h_out = hashlib.sha256()

    # Any OSError (incl. ssl.SSLError, timeouts) from here means the peer is gone.
    def recv(self):
        data = self.sock.recv(65536)
        if data:
            self.bytes_in += len(data)
            self.h_in.update(data)
            if self.rec:
                self.rec.data("egress", data)
        return data

    def sendall(self, data):
        # Own loop (not SSLSocket.sendall) so a partial write is hashed exactly.
        view = memoryview(data)
        while view:
            n = self.sock.send(view)
            self.bytes_out += n
            self.h_out.update(view[:n])
            if self.rec:
                self.rec.data("ingress", bytes(view[:n]))
            view = view[n:]

    def fill(self, eof_ok=False):
        data = self.recv()
        if not data and not eof_ok:
            raise ConnectionAbortedError("EOF in the middle of a request")
        self.buf += data
        return bool(data)

    def readline(self, limit):
        """Return one line (with its LF) of at most `limit` bytes."""
        while True:
            i = self.buf.find(b"\n", 0, limit)
            if i >= 0:
                line = bytes(self.buf[:i + 1])
                del self.buf[:i + 1]
                return line
            if len(self.buf) >= limit:
                raise HttpError(431, "request header fields too large")
            self.fill()

    def drain(self, seconds=2.0):
        """Discard what the peer still sends before closing after an error, so
        the kernel does not RST our response away unread (bounded in time)."""
        deadline = time.time() + seconds
        try:
            self.sock.settimeout(0.2)
            while time.time() < deadline and self.recv():
                pass
        except OSError:
            pass

    def read_exact(self, n):
        while len(self.buf) < n:
            self.fill()
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data


def read_head(conn):
    """Parse request line + headers -> (method, path, query, version, headers).
    Returns None on clean EOF between requests."""
    budget, line = MAX_HEAD, b""
    while not line.strip():  # RFC 9112 2.2: ignore empty lines before the request line
        if not conn.buf and not conn.fill(eof_ok=True):
            return None
        line = conn.readline(budget)
        budget -= len(line)
    parts = line.decode("latin-1").strip().split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise HttpError(400, "malformed request line")
    method, target, version = parts
    headers = read_fields(conn, budget)
    path, query = split_target(target)
    return method, path, query, version, headers


def split_target(target):
    """Request target (HTTP/1.1) or :path (HTTP/2) -> (path, query)."""
    path = target
    if "://" in path:  # absolute-form: drop scheme and authority
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    path = path.split("#", 1)[0]
    path, _, query = path.partition("?")
    return path, query


def read_fields(conn, budget):
    """Header (or trailer) block -> {lowercase name: [values]}."""
    fields = {}
    while True:
        line = conn.readline(budget)
        budget -= len(line)
        line = line.rstrip(b"\r\n")
        if not line:
            return fields
        name, colon, value = line.decode("latin-1").partition(":")
        if not colon or not name or name != name.strip():  # also rejects obs-fold
            raise HttpError(400, "malformed header line")
        fields.setdefault(name.lower(), []).append(value.strip())


def is_uint(s):
    return s.isascii() and s.isdigit()  # plain isdigit() accepts e.g. "\u00b2"


def header(headers, name):
    values = headers.get(name)
    return values[-1] if values else None


def tokens(headers, name):
    return {t.strip().lower() for v in headers.get(name, []) for t in v.split(",")}


def read_body(conn, headers, version):
    chunked = "chunked" in tokens(headers, "transfer-encoding")
    length = 0
    if not chunked and "content-length" in headers:
        values = {v.strip() for v in ",".join(headers["content-length"]).split(",")}
        if len(values) != 1 or not is_uint(next(iter(values))):
            raise HttpError(400, "invalid Content-Length")
        length = int(values.pop())
        if length > MAX_BODY:
            raise HttpError(413, "request body too large")
    if (header(headers, "expect") or "").lower() == "100-continue" \
            and version == "HTTP/1.1" and (chunked or length):
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
    if not chunked:
        return conn.read_exact(length)
    body = bytearray()
    while True:
        size_line = conn.readline(1024).split(b";", 1)[0].strip()
        # int(x, 16) alone would also accept "0x1a", "+1a" and "1_a".
        if not size_line or size_line.strip(b"0123456789abcdefABCDEF"):
            raise HttpError(400, "invalid chunk size")
        size = int(size_line, 16)
        if len(body) + size > MAX_BODY:
            raise HttpError(413, "request body too large")
        if size == 0:
            read_fields(conn, MAX_HEAD)  # trailers, discarded
            return bytes(body)
        body += conn.read_exact(size)
        if conn.read_exact(2) != b"\r\n":
            raise HttpError(400, "missing CRLF after chunk")


# ---- sending -------------------------------------------------------------------

def head_bytes(status, ctype, headers, framing, close):
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = {529: "Site Overloaded"}.get(status, "Unknown")
    lines = ["HTTP/1.1 %d %s" % (status, phrase),
             "Date: " + time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()),
             "Content-Type: " + ctype]
    lines += ["%s: %s" % kv for kv in headers]
    if not any(k.lower() == "server" for k, _ in headers):
        lines.append("Server: fakeai")
    lines += framing
    lines.append("Connection: " + ("close" if close else "keep-alive"))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunk(data):
    return b"%x\r\n%s\r\n" % (len(data), data)


def head_pad(raw):
    """X-Fake-Head-Pad: N bytes of padding header lines (100 bytes each,
    CRLF included), to make a response head larger than a client's cap."""
    if raw is None or not is_uint(raw) or int(raw) > 1 << 20:
        return []
    return [("X-Pad-%06d" % i, "p" * 84) for i in range(int(raw) // 100)]


class Outgoing:
    """A reply with the transport modes that do not depend on the HTTP
    version (encoding, X-Fake-Abort-After; a bad mode header turns the reply
    into a 400), shared by the HTTP/1.1 and HTTP/2 writers. out holds the
    transport facts for the log; pieces() fills in the body's."""

    def __init__(self, req, reply):
        self.out = out = {"encoding": None, "chunked": False, "aborted": False,
                          "events_total": None, "events_sent": None, "body_bytes": 0}
        enc, problem = pick_encoding(req, reply)
        if problem:
            reply = fp.error_reply(req, fp.find_route(req), 400, problem)
        abort = req.header("x-fake-abort-after")
        if abort is not None and not is_uint(abort):
            reply, abort = fp.error_reply(req, fp.find_route(req), 400,
                                          "bad X-Fake-Abort-After"), None
        self.reply, self.abort = reply, int(abort) if abort is not None else None
        out["encoding"] = enc
        self.encoder = Encoder(enc) if enc else None
        self.headers = head_pad(req.header("x-fake-head-pad")) + list(reply.headers)
        if enc:
            self.headers.append(("Content-Encoding", enc))
        self.stream = reply.events is not None
        if self.stream:
            out["events_total"] = len(reply.events)
        else:
            self.body = self.encoder.whole(reply.body) if self.encoder else reply.body

    def pieces(self):
        """The body as it goes out, encoded and unframed: one piece per
        stream event, then the encoder's tail; or the whole (cut) body.
        Counts what it yields; out["aborted"] is final once exhausted."""
        out, abort = self.out, self.abort
        if not self.stream:
            if abort is not None:
                part = self.body[:min(abort, len(self.body) - 1)]
                out["body_bytes"], out["aborted"] = len(part), True
                if part:  # (HTTP/1.1: an empty chunk would be the terminator)
                    yield part
                return
            out["body_bytes"] = len(self.body)
            yield self.body
            return
        events = self.reply.events
        limit = len(events) if abort is None else min(abort, len(events) - 1)
        for ev in events[:limit]:
            data = self.encoder.feed(ev.data) if self.encoder else ev.data
            out["body_bytes"] += len(data)
            yield data
        out["events_sent"] = limit
        if abort is not None:
            out["aborted"] = True
            return
        tail = self.encoder.finish() if self.encoder else b""
        if tail:
            out["body_bytes"] += len(tail)
            yield tail


def send_reply(conn, req, reply, *, version, head_only, close):
    """Send reply over HTTP/1.x. Returns the transport facts for the log;
    "aborted" means the caller must drop the connection."""
    og = Outgoing(req, reply)
    out, reply = og.out, og.reply
    can_chunk = version == "HTTP/1.1"
    if og.stream:
        out["chunked"] = can_chunk
        close = close or not can_chunk  # HTTP/1.0: the end of the stream is the close
        conn.sendall(head_bytes(reply.status, reply.ctype, og.headers,
                                ["Transfer-Encoding: chunked"] if can_chunk else [], close))
        if head_only:
            out["events_sent"] = 0
            return out, reply, close
        for data in og.pieces():
            conn.sendall(chunk(data) if can_chunk else data)
        if out["aborted"]:
            return out, reply, True
        if can_chunk:
            conn.sendall(b"0\r\n\r\n")
        return out, reply, close
    body = og.body
    chunked = can_chunk and req.header("x-fake-chunked") == "1"
    out["chunked"] = chunked
    framing = ["Transfer-Encoding: chunked"] if chunked else ["Content-Length: %d" % len(body)]
    conn.sendall(head_bytes(reply.status, reply.ctype, og.headers, framing, close))
    if head_only:
        return out, reply, close
    for data in og.pieces():
        if not chunked:
            conn.sendall(data)
        elif out["aborted"]:
            conn.sendall(chunk(data))
        else:
            third = max(1, (len(data) + 2) // 3)
            for i in range(0, len(data), third):
                conn.sendall(chunk(data[i:i + third]))
    if out["aborted"]:
        return out, reply, True
    if chunked:
        conn.sendall(b"0\r\n\r\n")
    return out, reply, close


def pattern_reply(conn, rec, raw_n, close, head_only, rid):
    """Legacy X-Fake-Body-Bytes route: octet-stream pattern body."""
    head = ["HTTP/1.1 200 OK", "Server: fakeai",
            "Date: " + time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()),
            "Content-Type: application/octet-stream", "Content-Length: %d" % raw_n,
            "x-request-id: req_fake%d" % rid, "Connection: " + ("close" if close else "keep-alive")]
    conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
    if not head_only:
        for piece in pattern_chunks(raw_n, PIECE):
            conn.sendall(piece)
            rec["resp_body_bytes"] += len(piece)


def usage_log(reply, out):
    """Usage carriers that actually went out, and their normalized values."""
    if reply.events is None:
        carriers = {k: v for k, v in reply.carriers.items()
                    if not out["aborted"] or k == "headers"}
    else:
        carriers = {}
        for ev in reply.events[:out["events_sent"] or 0]:
            if ev.carrier:
                carriers[ev.carrier] = ev.usage
    expected = reply.norm(carriers) if reply.norm and carriers else None
    return carriers or None, expected


# ---- answering, for both HTTP versions --------------------------------------------

def pattern_size(headers, failed):
    """N of a valid X-Fake-Body-Bytes on a sound request, else None."""
    raw_n = header(headers, "x-fake-body-bytes")
    return int(raw_n) if not failed and raw_n is not None and is_uint(raw_n) else None


def host_of(headers, host0):
    """The request's host name (Host, else the SNI), without a port."""
    host = (header(headers, "host") or host0).lower()
    return host.rsplit(":", 1)[0] if not host.startswith("[") else host


def provider_reply(rec, query, headers, body, rid, failed, host0, ws_verdict=None):
    """(fp.Req, fp.Reply) for a request that is not the pattern route. The
    body is decoded first when it came with a Content-Encoding (the log's
    "request_encoding"). ws_verdict: a WebSocket upgrade refused ("refuse":
    426, which codex takes for "use HTTPS") or malformed ("bad": 400)."""
    problem = None
    coding = header(headers, "content-encoding")
    if coding and not failed:
        try:
            body = decode_body(coding, body, MAX_BODY)
            rec["request_encoding"] = coding.strip().lower()
        except DecodeError as e:
            problem = str(e)
    req = fp.Req(rec["method"] or "", rec["path"] or "", query, host_of(headers, host0),
                 headers, body, rid)
    if failed:
        reply = fp.error_reply(req, None, failed.status, str(failed))
    elif problem or ws_verdict == "bad":
        reply = fp.error_reply(req, fp.find_route(req), 400,
                               problem or "bad websocket handshake or X-Fake-WebSocket")
    elif ws_verdict == "refuse":
        reply = fp.error_reply(req, fp.find_route(req), 426, "websocket refused: use HTTPS")
    elif header(headers, "x-fake-body-bytes") is not None:
        reply = fp.error_reply(req, None, 400, "bad X-Fake-Body-Bytes")
    else:
        reply = fp.route(req)
    return req, reply


def pattern_line(seq, ts_ns, rec, http_version):
    return {"seq": seq, "ts_ns": ts_ns, "method": rec["method"], "path": rec["path"],
            "provider": None, "operation": "pattern", "status": 200, "attempt": None,
            "aborted": False, "http_version": http_version}


def exchange_line(seq, ts_ns, rec, req, reply, out, http_version):
    """The "exchange" log line of an answered request (out: send facts)."""
    attempt = req.header("x-stainless-retry-count")
    usage_sent, expected = usage_log(reply, out)
    line = {"seq": seq, "ts_ns": ts_ns, "method": rec["method"], "path": rec["path"]}
    line.update(reply.info)
    if out["aborted"] and reply.events is None:
        # A cut JSON body is no document: what it would have named did not arrive.
        line.update(response_model=None, response_id=None)
    line.update(status=reply.status,
                attempt=int(attempt) if attempt and is_uint(attempt) else None, **out)
    line.update(usage_sent=usage_sent, usage_expected=expected)
    line["expect"] = fp.record_view(line)
    line["http_version"] = http_version
    return line


class WsHandshake:
    """An upgrade request fakeai_ws serves: the connection's request record,
    the request, its id and index on the connection, the server's --ws mode
    and the id source for the socket's responses."""

    def __init__(self, rec, path, query, headers, host, rid, seq, server_mode, new_id):
        self.rec, self.path, self.query, self.headers, self.host = rec, path, query, headers, host
        self.rid, self.seq, self.server_mode, self.next_id = rid, seq, server_mode, new_id


def serve_http(conn, requests, log_exchange):
    """Request/response loop until EOF, error or Connection: close. Returns
    True when the connection must be dropped without close_notify (abort)."""
    host0 = (_tls.sni or "").lower()
    for seq in itertools.count():
        rec = {"method": None, "path": None, "status": None,
               "req_body_bytes": 0, "resp_body_bytes": 0}
        failed = None
        query, version, headers, body = "", "HTTP/1.1", {}, b""
        try:
            head = read_head(conn)
            if head is None:
                return False
            rec["method"], rec["path"], query, version, headers = head
            ts_ns = time.time_ns()
            ctoks = tokens(headers, "connection")
            # HTTP/1.0 closes by default; TE + CL together is a smuggling smell.
            close = "close" in ctoks or (version == "HTTP/1.0" and "keep-alive" not in ctoks) \
                or ("transfer-encoding" in headers and "content-length" in headers)
            if rec["method"] not in ("GET", "POST", "HEAD"):
                raise HttpError(405, "method not allowed")
            body = read_body(conn, headers, version)
            rec["req_body_bytes"] = len(body)
        except HttpError as e:
            failed, close, ts_ns = e, True, time.time_ns()
        requests.append(rec)
        rid = next_id()
        head_only = rec["method"] == "HEAD"
        n = pattern_size(headers, failed)
        if n is not None:
            pattern_reply(conn, rec, n, close, head_only, rid)
            rec["status"] = 200
            log_exchange(pattern_line(seq, ts_ns, rec, version[5:]))
            if close:
                return False
            continue
        verdict = None
        if not failed and fakeai_ws.is_upgrade(rec["method"], headers):
            rec["upgrade"] = "websocket"
            verdict = fakeai_ws.verdict(rec["path"], headers, WS_MODE)
            if verdict == "accept":  # the connection is the socket's from here on
                return fakeai_ws.serve(conn, WsHandshake(
                    rec, rec["path"], query, headers, host_of(headers, host0), rid, seq,
                    WS_MODE, next_id), log_exchange)
        req, reply = provider_reply(rec, query, headers, body, rid, failed, host0, verdict)
        out, reply, close = send_reply(conn, req, reply, version=version,
                                       head_only=head_only, close=close)
        rec["status"] = reply.status
        rec["resp_body_bytes"] = out.pop("body_bytes")  # as sent: encoded, unchunked
        log_exchange(exchange_line(seq, ts_ns, rec, req, reply, out, version[5:]))
        if out["aborted"]:
            return True
        if failed:
            conn.drain()
        if close:
            return False
    return False


class Server:
    def __init__(self, args):
        self.args = args
        self.stop = threading.Event()
        self.log_lock = threading.Lock()
        self.log = open(args.log, "a", encoding="utf-8") if args.log else None
        self.active = {}  # thread -> ssl socket, for shutdown
        self.active_lock = threading.Lock()
        self.conn_ids = itertools.count(1)
        if args.record:
            os.makedirs(args.record, exist_ok=True)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        if args.tls_max == "1.2":
            # A gateway or load balancer that stops at TLS 1.2: the client's
            # records then carry no inner content type.
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(args.cert, args.key)
        # h2 only when asked: curl and others pick it whenever it is offered.
        ctx.set_alpn_protocols(["h2", "http/1.1"] if args.h2 else ["http/1.1"])
        ctx.sni_callback = self._on_sni
        self.ctx = ctx

    @staticmethod
    def _on_sni(ssl_sock, server_name, ctx):
        _tls.sni = server_name  # None if the client sent no SNI

    def write_log(self, obj):
        line = json.dumps(obj, separators=(",", ":")) + "\n"
        with self.log_lock:
            if self.log is None:  # no --log, or already shut down
                return
            self.log.write(line)
            self.log.flush()

    def handle(self, sock, peer_port, conn_id):
        t_start = time.time()
        _tls.sni = None
        recorder = None
        try:
            sock.settimeout(SOCK_TIMEOUT)
            owner = peer_process(peer_port, sock.getsockname()[1]) if self.args.record else None
            try:
                sock.do_handshake()
            except (OSError, ValueError) as e:  # reason is e.g. TLSV1_ALERT_UNKNOWN_CA
                self.write_log({"event": "error", "stage": "tls_handshake", "sni": _tls.sni,
                                "peer_port": peer_port, "t": time.time(),
                                "error": str(getattr(e, "reason", None) or type(e).__name__)})
                return
            alpn = sock.selected_alpn_protocol()  # before unwrap() drops the SSL object
            tls_version = sock.version()  # "TLSv1.3", "TLSv1.2"
            if self.args.record:
                recorder = Recorder(self.args.record, conn_id)
                recorder.event(open={"host": _tls.sni, "pid": owner[0], "comm": owner[1]})
            conn, requests, tcp = Conn(sock, recorder), [], TcpCounts(sock)

            def log_exchange(line):
                obj = {"event": "exchange", "conn": conn_id, "sni": _tls.sni}
                obj.update(line)
                self.write_log(obj)
            aborted = False
            try:
                if alpn == "h2":
                    error = fakeai_h2.serve(conn, requests, log_exchange, _tls.sni)
                    if error:  # a protocol error ended the connection (GOAWAY sent)
                        self.write_log({"event": "error", "stage": "h2", "conn": conn_id,
                                        "error": error, "t": time.time()})
                else:
                    aborted = serve_http(conn, requests, log_exchange)
            except OSError:  # peer went away; still log what we saw
                pass
            tcp.mark()
            if aborted:  # no close_notify: the peer sees a bare TCP close
                try:
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except OSError:
                    pass
            else:
                try:  # non-blocking unwrap: send close_notify, don't wait for the peer's
                    sock.settimeout(0)
                    sock.unwrap()
                except (OSError, ValueError):
                    pass
            if recorder:
                recorder.close()
                recorder = None
            self.write_log({
                "event": "conn", "conn": conn_id, "sni": _tls.sni, "alpn": alpn,
                "tls_version": tls_version,
                "peer_port": peer_port, "bytes_in": conn.bytes_in, "bytes_out": conn.bytes_out,
                "sha256_in": conn.h_in.hexdigest(), "sha256_out": conn.h_out.hexdigest(),
                "requests": requests, "aborted": aborted, "tcp": tcp.result(),
                "t_start": t_start, "t_end": time.time()})
        except Exception as e:  # never let one connection kill the server
            self.write_log({"event": "error", "stage": "internal", "peer_port": peer_port,
                            "error": type(e).__name__, "t": time.time()})
        finally:
            if recorder:
                recorder.close()
            sock.close()
            with self.active_lock:
                self.active.pop(threading.current_thread(), None)

    def serve(self):
        lsock = socket.socket(socket.AF_INET6 if ":" in self.args.host else socket.AF_INET)
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lsock.bind((self.args.host, self.args.port))
        lsock.listen(64)
        lsock.settimeout(0.5)  # so the loop notices self.stop promptly
        if self.args.ready_file:
            tmp = self.args.ready_file + ".tmp"
            with open(tmp, "w") as f:
                f.write("%d\n" % lsock.getsockname()[1])
            os.replace(tmp, self.args.ready_file)  # readers never see a partial file
        while not self.stop.is_set():
            try:
                raw, addr = lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                time.sleep(0.05)  # e.g. EMFILE; keep serving
                continue
            try:
                sock = self.ctx.wrap_socket(raw, server_side=True,
                                            do_handshake_on_connect=False)
            except (OSError, ValueError):
                raw.close()
                continue
            t = threading.Thread(target=self.handle, args=(sock, addr[1], next(self.conn_ids)),
                                 daemon=True)
            with self.active_lock:
                self.active[t] = sock
            t.start()
        lsock.close()
        # Wake blocked readers so in-flight connections still log. Not
        # SSLSocket.shutdown: it would drop the SSL object under the reader.
        with self.active_lock:
            items = list(self.active.items())
        for _, sock in items:
            try:
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass
        deadline = time.time() + 5
        for t, _ in items:
            t.join(max(0.0, deadline - time.time()))
        with self.log_lock:
            if self.log:
                self.log.close()  # flushes
                self.log = None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=443, help="0 = pick a free port")
    ap.add_argument("--cert", default="server.pem")
    ap.add_argument("--key", default="server.key")
    ap.add_argument("--log", help="JSON Lines log, appended")
    ap.add_argument("--ready-file", help="written with the port once listening")
    ap.add_argument("--record", metavar="DIR",
                    help="write each connection's plaintext as DIR/conn-N.capture.jsonl")
    ap.add_argument("--h2", action="store_true",
                    help="offer HTTP/2 in ALPN (h2, http/1.1; needs python3-h2); "
                         "default: http/1.1 only")
    ap.add_argument("--tls-max", choices=("1.2", "1.3"), default="1.3",
                    help="highest TLS version offered (default 1.3)")
    ap.add_argument("--ws", choices=fakeai_ws.MODES, default="on",
                    help="WebSocket upgrades of /v1/responses and /v1/realtime: on (default; "
                         "permessage-deflate when offered), refuse (426), no-deflate, "
                         "no-context-takeover; the X-Fake-WebSocket header wins")
    args = ap.parse_args()
    global WS_MODE
    WS_MODE = args.ws
    if args.h2:
        global fakeai_h2
        try:
            import fakeai_h2
        except ImportError as e:
            sys.exit("fakeai: --h2 needs the h2 module (Debian: python3-h2): %s" % e)
    server = Server(args)
    for sig in (signal.SIGTERM, signal.SIGINT):  # handler only flags; serve() exits its loop
        signal.signal(sig, lambda *_: server.stop.set())
    server.serve()


if __name__ == "__main__":
    main()
