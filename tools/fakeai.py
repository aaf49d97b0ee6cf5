#!/usr/bin/env python3
"""Fake AI provider HTTPS server for tokentap tests (stdlib only, Python >= 3.9).

HTTP/1.1 is hand-rolled (not http.server) so every plaintext byte read from /
written to the TLS socket is counted and sha256-hashed per connection, for
comparison with what tokentap captured. Routes, in priority order:
  X-Fake-Body-Bytes: N       -> 200 octet-stream, body fakeai_pattern.pattern(N)
  X-Fake-Status: NNN         -> NNN + OpenAI-style error body (200 = no override)
  POST .../chat/completions  -> OpenAI chat.completion JSON;  else 404 JSON error
Log: JSON Lines, one "conn" event per connection (at close) and "error" events
for failed handshakes. Bodies and header values are never logged.
"""

import argparse
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
from fakeai_pattern import pattern_chunks  # noqa: E402

MAX_HEAD = 64 * 1024          # request line + headers (and chunked trailers)
MAX_BODY = 64 * 1024 * 1024
PIECE = 16 * 1024             # X-Fake-Body-Bytes streaming granularity
SOCK_TIMEOUT = 30.0
DEFAULT_MODEL = "gpt-4o-mini"
ERROR_TYPES = {401: "authentication_error", 403: "permission_error",
               404: "not_found_error", 429: "rate_limit_error"}

_counter = itertools.count(1)
_counter_lock = threading.Lock()
_tls = threading.local()      # sni_callback runs inside do_handshake, same thread


def next_id():
    with _counter_lock:
        return next(_counter)


class HttpError(Exception):
    """Protocol error: answer `status`, then close the connection."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class Conn:
    """Buffered TLS socket. All plaintext passes through recv()/sendall(), so
    the counts and hashes are exactly the decrypted byte streams, in order."""

    def __init__(self, sock):
        self.sock = sock
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
        return data

    def sendall(self, data):
        # Own loop (not SSLSocket.sendall) so a partial write is hashed exactly.
        view = memoryview(data)
        while view:
            n = self.sock.send(view)
            self.bytes_out += n
            self.h_out.update(view[:n])
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
    """Parse request line + headers. Returns None on clean EOF between requests."""
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
    path = target
    if "://" in path:  # absolute-form: drop scheme and authority
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    path = path.split("?", 1)[0].split("#", 1)[0]
    return method, path, version, headers


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


def json_bytes(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def error_body(status, message):
    etype = ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return json_bytes({"error": {"message": message, "type": etype}})


def send_response(conn, rec, status, ctype, body, *, head_only, close, length=None, rid):
    """Send head + body; body is bytes or an iterable of pieces with `length`."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    head = ["HTTP/1.1 %d %s" % (status, phrase), "Server: fakeai",
            "Date: " + time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()),
            "Content-Type: " + ctype, "Content-Length: %d" % (len(body) if length is None else length),
            "x-request-id: req_fake%d" % rid, "Connection: " + ("close" if close else "keep-alive")]
    rec["status"] = status
    conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
    for piece in [] if head_only else [body] if isinstance(body, bytes) else body:
        conn.sendall(piece)
        rec["resp_body_bytes"] += len(piece)


def route(method, path, headers, body, rid):
    """Pick (status, content-type, body, length) for a fully read request."""
    def err(status, message):
        return status, "application/json", error_body(status, message), None

    raw_n = header(headers, "x-fake-body-bytes")
    if raw_n is not None:
        if not is_uint(raw_n):
            return err(400, "bad X-Fake-Body-Bytes")
        return 200, "application/octet-stream", pattern_chunks(int(raw_n), PIECE), int(raw_n)
    forced = header(headers, "x-fake-status")
    if forced is not None and forced != "200":
        # 204/304 cannot carry the error body (nor Content-Length), so refuse them.
        if not is_uint(forced) or not 200 <= int(forced) <= 599 or forced in ("204", "304"):
            return err(400, "bad X-Fake-Status")
        return err(int(forced), "forced status " + forced)
    if not path.endswith("/chat/completions"):
        return err(404, "unknown url")
    if method != "POST":
        return err(405, "use POST")
    try:
        req = json.loads(body.decode("utf-8"))
        if not isinstance(req, dict):
            raise ValueError("not an object")
    except (ValueError, RecursionError):  # ValueError covers Unicode/JSON errors
        return err(400, "invalid JSON body")
    model = req.get("model") if isinstance(req.get("model"), str) else DEFAULT_MODEL
    p, c = 11 + len(body) % 97, 7 + len(body) % 13
    return 200, "application/json", json_bytes({
        "id": "chatcmpl-fake%d" % rid, "object": "chat.completion",
        "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c},
    }), None


def serve_http(conn, requests):
    """Request/response loop until EOF, error or Connection: close."""
    while True:
        rec = {"method": None, "path": None, "status": None,
               "req_body_bytes": 0, "resp_body_bytes": 0}
        failed = None
        try:
            head = read_head(conn)
            if head is None:
                return
            rec["method"], rec["path"], version, headers = head
            ctoks = tokens(headers, "connection")
            # HTTP/1.0 closes by default; TE + CL together is a smuggling smell.
            close = "close" in ctoks or (version == "HTTP/1.0" and "keep-alive" not in ctoks) \
                or ("transfer-encoding" in headers and "content-length" in headers)
            if rec["method"] not in ("GET", "POST", "HEAD"):
                raise HttpError(405, "method not allowed")
            body = read_body(conn, headers, version)
            rec["req_body_bytes"] = len(body)
        except HttpError as e:
            failed, close = e, True
        requests.append(rec)
        rid = next_id()
        if failed:
            status, ctype, rbody, length = \
                failed.status, "application/json", error_body(failed.status, str(failed)), None
        else:
            status, ctype, rbody, length = route(rec["method"], rec["path"], headers, body, rid)
        send_response(conn, rec, status, ctype, rbody, head_only=(rec["method"] == "HEAD"),
                      close=close, length=length, rid=rid)
        if failed:
            conn.drain()
        if close:
            return


class Server:
    def __init__(self, args):
        self.args = args
        self.stop = threading.Event()
        self.log_lock = threading.Lock()
        self.log = open(args.log, "a", encoding="utf-8") if args.log else None
        self.active = {}  # thread -> ssl socket, for shutdown
        self.active_lock = threading.Lock()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(args.cert, args.key)
        ctx.set_alpn_protocols(["http/1.1"])
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

    def handle(self, sock, peer_port):
        t_start = time.time()
        _tls.sni = None
        try:
            sock.settimeout(SOCK_TIMEOUT)
            try:
                sock.do_handshake()
            except (OSError, ValueError) as e:  # reason is e.g. TLSV1_ALERT_UNKNOWN_CA
                self.write_log({"event": "error", "stage": "tls_handshake", "sni": _tls.sni,
                                "peer_port": peer_port, "t": time.time(),
                                "error": str(getattr(e, "reason", None) or type(e).__name__)})
                return
            alpn = sock.selected_alpn_protocol()  # before unwrap() drops the SSL object
            conn, requests = Conn(sock), []
            try:
                serve_http(conn, requests)
            except OSError:  # peer went away; still log what we saw
                pass
            try:  # non-blocking unwrap: send close_notify, don't wait for the peer's
                sock.settimeout(0)
                sock.unwrap()
            except (OSError, ValueError):
                pass
            self.write_log({
                "event": "conn", "sni": _tls.sni, "alpn": alpn,
                "peer_port": peer_port, "bytes_in": conn.bytes_in, "bytes_out": conn.bytes_out,
                "sha256_in": conn.h_in.hexdigest(), "sha256_out": conn.h_out.hexdigest(),
                "requests": requests, "t_start": t_start, "t_end": time.time()})
        except Exception as e:  # never let one connection kill the server
            self.write_log({"event": "error", "stage": "internal", "peer_port": peer_port,
                            "error": type(e).__name__, "t": time.time()})
        finally:
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
            t = threading.Thread(target=self.handle, args=(sock, addr[1]), daemon=True)
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
    args = ap.parse_args()
    server = Server(args)
    for sig in (signal.SIGTERM, signal.SIGINT):  # handler only flags; serve() exits its loop
        signal.signal(sig, lambda *_: server.stop.set())
    server.serve()


if __name__ == "__main__":
    main()
