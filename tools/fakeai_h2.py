"""HTTP/2 for tools/fakeai.py (--h2), on Debian's python3-h2 (hyper-h2).

Session: framing, flow control and stream bookkeeping. answer(): what to
send, from fakeai.py's own pieces, the ones its HTTP/1.1 path uses (routes,
X-Fake-* modes, usage, the "exchange" log line with "http_version": "2" and
"stream_id"). X-Fake-Chunked does not apply; X-Fake-Abort-After sends the
first N events (or body bytes) and then resets the stream with
INTERNAL_ERROR: the connection and its other streams go on. One thread
per connection owns the TLS socket (an SSL object must not be read and
written from two threads): the loop answers each request once its stream
has ended, then sends the responses of all open streams round-robin, one
DATA frame per stream per round, as far as the peer's windows and maximum
frame size allow, polling the socket between rounds so that new requests
and WINDOW_UPDATEs are seen while a long stream is going out.

Session's answer(request) -> response, duck-typed:
  request   Request below (target is the raw :path)
  response  .status (int), .headers [(lowercase name, value)] without
            pseudo-headers and framing, .pieces: an iterable of body pieces
            (each stream event its own piece, sent as its own DATA frames) or
            None for a body-less answer (HEAD), .aborted(): True once the
            pieces are exhausted if the body was cut on purpose (the stream is
            then reset with INTERNAL_ERROR instead of ended), .finish(): called
            once the response went out completely (END_STREAM or RST_STREAM),
            never for a stream the peer reset or a connection that died first.
Caps: h2's defaults of 100 concurrent streams and a 64 KiB header list (sent
in our SETTINGS and enforced by h2), and max_body request-body bytes held
across all streams; a stream over it is answered 413 and its further data is
acknowledged and dropped. Payload bytes are never logged.
"""

import itertools
import socket
import ssl
import time

import fakeai as fa  # the running server module (fakeai.py aliases itself)
from fakeai_pattern import pattern_chunks
from h2.config import H2Configuration
from h2.connection import ConnectionState, H2Connection
from h2.errors import ErrorCodes
import h2.events as ev
from h2.exceptions import ProtocolError, StreamClosedError


class Request:
    __slots__ = ("stream_id", "method", "target", "headers", "body", "ts_ns", "failed")

    def __init__(self, stream_id, method, target, headers, ts_ns):
        self.stream_id, self.method, self.target = stream_id, method, target
        self.headers = headers      # {lowercase name: [values]}, as fakeai's HTTP/1.1 path
        self.body = bytearray()
        self.ts_ns = ts_ns
        self.failed = None          # (status, message) when the body was refused


class Sending:
    """One response on its way out: the piece being sent and one piece of
    lookahead, so the last DATA frame can carry END_STREAM."""

    def __init__(self, resp):
        self.resp = resp
        self.it = (p for p in resp.pieces if p)  # an empty DATA frame says nothing
        self.view = memoryview(b"")
        self.next = next(self.it, None)

    def load(self):
        if self.next is None:
            return False
        self.view, self.next = memoryview(self.next), next(self.it, None)
        return True


class Session:
    def __init__(self, conn, answer, max_body):
        self.conn, self.answer, self.max_body = conn, answer, max_body
        self.h2 = H2Connection(config=H2Configuration(client_side=False, header_encoding=None))
        self.incoming = {}   # stream id -> Request still arriving
        self.outgoing = {}   # stream id -> Sending (dict order: round-robin order)
        self.held = 0        # request body bytes held, all streams
        self.closed = False

    def run(self):
        """Serve until EOF, GOAWAY, idle timeout or a protocol error; then
        send GOAWAY. Returns the protocol error's name, or None. OSError
        (peer gone) goes to the caller."""
        error = None
        self.h2.initiate_connection()
        self.flush()
        try:
            while not self.closed:
                self.pump()
                if self.closed:
                    break
                data = self.conn.recv()  # blocks: nothing can be sent now
                if not data:
                    break
                self.feed(data)
        except socket.timeout:
            pass  # idle (or stalled by flow control) too long
        except ProtocolError as e:  # h2 has queued the GOAWAY already
            error = type(e).__name__
        try:
            if self.h2.state_machine.state != ConnectionState.CLOSED:
                self.h2.close_connection()
            self.flush()
        except (OSError, ProtocolError):
            pass
        return error

    def flush(self):
        data = self.h2.data_to_send()
        if data:
            self.conn.sendall(data)

    def poll(self):
        """Read what has arrived, without blocking."""
        sock = self.conn.sock
        timeout = sock.gettimeout()
        sock.settimeout(0)
        try:
            data = self.conn.recv()
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
            return
        finally:
            sock.settimeout(timeout)
        if not data:
            self.closed = True
            return
        self.feed(data)

    def feed(self, data):
        for event in self.h2.receive_data(data):
            if isinstance(event, ev.RequestReceived):
                self.on_request(event)
            elif isinstance(event, ev.DataReceived):
                self.on_data(event)
            elif isinstance(event, ev.StreamEnded):
                self.on_end(event.stream_id)
            elif isinstance(event, ev.StreamReset):  # no log line, as a dropped HTTP/1.1 peer
                req = self.incoming.pop(event.stream_id, None)
                if req:
                    self.held -= len(req.body)
                self.outgoing.pop(event.stream_id, None)
            elif isinstance(event, ev.ConnectionTerminated):
                self.closed = True  # h2 sends nothing after a GOAWAY
            # WindowUpdated, RemoteSettingsChanged: pump() looks at the windows again.
        self.flush()

    def on_request(self, event):
        headers, pseudo = {}, {}
        for name, value in event.headers:  # bytes: header_encoding=None
            name, value = name.decode("latin-1"), value.decode("latin-1")
            if name.startswith(":"):
                pseudo[name] = value
            else:
                headers.setdefault(name, []).append(value)
        if "host" not in headers and ":authority" in pseudo:
            headers["host"] = [pseudo[":authority"]]
        sid = event.stream_id
        self.incoming[sid] = Request(sid, pseudo.get(":method", ""), pseudo.get(":path", ""),
                                     headers, time.time_ns())
        expect = headers.get("expect", [""])[-1].lower()
        if expect == "100-continue" and not event.stream_ended:
            self.h2.send_headers(sid, [(b":status", b"100")])

    def on_data(self, event):
        # Acknowledge at once: the body is held here, not in the window.
        self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        req = self.incoming.get(event.stream_id)
        if req is None:
            return
        if req.failed is None and self.held + len(event.data) <= self.max_body:
            req.body += event.data
            self.held += len(event.data)
        elif req.failed is None:
            req.failed = (413, "request body too large")
            self.held -= len(req.body)
            req.body = bytearray()

    def on_end(self, sid):
        req = self.incoming.pop(sid, None)
        if req is None:
            return
        self.held -= len(req.body)
        req.body = bytes(req.body)
        resp = self.answer(req)
        headers = [(b":status", str(resp.status).encode())]
        headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in resp.headers]
        if resp.pieces is None:
            self.h2.send_headers(sid, headers, end_stream=True)
            resp.finish()
            return
        self.h2.send_headers(sid, headers)
        self.outgoing[sid] = Sending(resp)

    def pump(self):
        """Send while any stream can; between rounds, take in what arrived."""
        while self.outgoing and not self.closed:
            progressed = False
            for sid in list(self.outgoing):
                if sid in self.outgoing:  # poll() may have seen a reset
                    progressed |= self.step(sid)
            self.flush()
            if not progressed:
                return  # every window is shut: wait for WINDOW_UPDATE
            self.poll()

    def step(self, sid):
        """At most one DATA frame (or the stream's end) for sid; True if
        anything was sent."""
        s = self.outgoing[sid]
        try:
            if not s.view and not s.load():
                # Pieces exhausted and END_STREAM not sent yet: empty body or a cut.
                if s.resp.aborted():
                    self.h2.reset_stream(sid, ErrorCodes.INTERNAL_ERROR)
                else:
                    self.h2.end_stream(sid)
                self.finish(sid)
                return True
            room = min(self.h2.local_flow_control_window(sid), self.h2.max_outbound_frame_size)
            if room <= 0:
                return False
            n = min(room, len(s.view))
            # s.next is None only once the pieces are exhausted: aborted() is final then.
            end = n == len(s.view) and s.next is None and not s.resp.aborted()
            self.h2.send_data(sid, s.view[:n].tobytes(), end_stream=end)
            s.view = s.view[n:]
            if end:
                self.finish(sid)
            return True
        except StreamClosedError:  # closed under us: nothing more to send, nothing to log
            self.outgoing.pop(sid, None)
            return False

    def finish(self, sid):
        self.outgoing.pop(sid).resp.finish()


class Answer:
    """A response as Session sends it (see the module doc)."""

    def __init__(self, status, headers, pieces, finish, aborted=lambda: False):
        self.status, self.headers, self.pieces = status, headers, pieces
        self.finish, self.aborted = finish, aborted


def answer(request, seq, requests, host0, log_exchange):
    """Answer one complete request as fakeai.serve_http() would: same
    pieces, same bookkeeping (requests, next_id, the log line)."""
    path, query = fa.split_target(request.target)
    rec = {"method": request.method, "path": path, "status": None,
           "req_body_bytes": len(request.body), "resp_body_bytes": 0}
    requests.append(rec)
    rid = fa.next_id()
    failed = fa.HttpError(*request.failed) if request.failed else None
    if request.method not in ("GET", "POST", "HEAD"):
        failed = fa.HttpError(405, "method not allowed")
    body = b"" if failed else request.body  # as HTTP/1.1: a refused body is not read
    rec["req_body_bytes"] = len(body)
    head_only = request.method == "HEAD"
    date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())

    def log(line):
        line["stream_id"] = request.stream_id
        log_exchange(line)

    n = fa.pattern_size(request.headers, failed)
    if n is not None:
        def counted():
            for piece in pattern_chunks(n, fa.PIECE):
                rec["resp_body_bytes"] += len(piece)
                yield piece

        def finish_pattern():
            rec["status"] = 200
            log(fa.pattern_line(seq, request.ts_ns, rec, "2"))
        headers = [("server", "fakeai"), ("date", date),
                   ("content-type", "application/octet-stream"), ("content-length", str(n)),
                   ("x-request-id", "req_fake%d" % rid)]
        return Answer(200, headers, None if head_only else counted(), finish_pattern)

    req, reply = fa.provider_reply(rec, query, request.headers, body, rid, failed, host0)
    og = fa.Outgoing(req, reply)
    reply, out = og.reply, og.out
    headers = [("date", date), ("content-type", reply.ctype)]
    headers += [(k.lower(), v) for k, v in og.headers]
    if not any(k == "server" for k, _ in headers):
        headers.append(("server", "fakeai"))
    if not og.stream:
        headers.append(("content-length", str(len(og.body))))
    elif head_only:
        out["events_sent"] = 0

    def finish():
        rec["status"] = reply.status
        rec["resp_body_bytes"] = out.pop("body_bytes")  # as sent: encoded
        log(fa.exchange_line(seq, request.ts_ns, rec, req, reply, out, "2"))
    return Answer(reply.status, headers, None if head_only else og.pieces(), finish,
                  lambda: out["aborted"])


def serve(conn, requests, log_exchange, sni):
    """Serve one HTTP/2 connection (TLS, ALPN "h2"); requests and
    log_exchange as fakeai.serve_http's. Returns the name of the protocol
    error that ended it, or None."""
    seqs, host0 = itertools.count(), (sni or "").lower()
    return Session(conn, lambda r: answer(r, next(seqs), requests, host0, log_exchange),
                   fa.MAX_BODY).run()
