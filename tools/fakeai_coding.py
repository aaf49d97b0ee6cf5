"""Content codings for tools/fakeai.py: compressing responses (negotiated
from Accept-Encoding or forced with X-Fake-Encoding) and decoding request
bodies sent with Content-Encoding (Claude Code gzips its Messages bodies
unless NODE_EXTRA_CA_CERTS is set). Stdlib; brotli and zstandard when
importable.
"""

import zlib

try:
    import brotli
except ImportError:
    brotli = None
try:
    import zstandard
except ImportError:
    zstandard = None

ENCODINGS = ("br", "gzip", "deflate", "zstd")  # preference order when negotiating


class DecodeError(Exception):
    """A request body its Content-Encoding cannot undo."""


def encoding_available(name):
    return name in ("gzip", "deflate") or (name == "br" and brotli is not None) \
        or (name == "zstd" and zstandard is not None)


class Encoder:
    """Streaming compressor: feed() returns the bytes of a flushed block, so a
    stream event stays decodable on arrival; finish() ends the stream."""

    def __init__(self, name):
        self.name = name
        if name in ("gzip", "deflate"):  # "deflate" is the zlib format (RFC 9110 8.4.1.2)
            self.c = zlib.compressobj(6, zlib.DEFLATED, 31 if name == "gzip" else 15)
        elif name == "br":
            self.c = brotli.Compressor()
        else:
            self.c = zstandard.ZstdCompressor().compressobj()

    def feed(self, data):
        if self.name == "br":
            return self.c.process(data) + self.c.flush()
        if self.name == "zstd":
            return self.c.compress(data) + self.c.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
        return self.c.compress(data) + self.c.flush(zlib.Z_SYNC_FLUSH)

    def finish(self):
        if self.name == "br":
            return self.c.finish()
        if self.name == "zstd":
            return self.c.flush(zstandard.COMPRESSOBJ_FLUSH_FINISH)
        return self.c.flush()

    def whole(self, data):
        if self.name == "br":
            return self.c.process(data) + self.c.finish()
        if self.name == "zstd":
            return zstandard.ZstdCompressor().compress(data)
        return self.c.compress(data) + self.c.flush()


def negotiate(accept):
    """Best of ENCODINGS that Accept-Encoding allows (q > 0), or None."""
    q = {}
    for item in accept.split(","):
        name, _, params = item.strip().lower().partition(";")
        value = 1.0
        for p in params.split(";"):
            k, _, v = p.strip().partition("=")
            if k == "q":
                try:
                    value = float(v)
                except ValueError:
                    value = 0.0
        q[name.strip()] = value
    for name in ENCODINGS:
        if encoding_available(name) and q.get(name, q.get("*", 0.0)) > 0:
            return name
    return None


def pick_encoding(req, reply):
    """(encoding or None, error message or None)."""
    forced = req.header("x-fake-encoding")
    if forced is not None:
        forced = forced.strip().lower()
        if forced == "identity":
            return None, None
        if forced not in ENCODINGS:
            return None, "bad X-Fake-Encoding: gzip|br|zstd|deflate|identity"
        if not encoding_available(forced):
            return None, "X-Fake-Encoding %s: python module missing on the server" % forced
        return forced, None
    if reply.events is None and "json" in reply.ctype and reply.body:
        return negotiate(req.header("accept-encoding") or ""), None
    return None, None


def decode_body(coding, data, limit):
    """The request body under Content-Encoding `coding` (a header value, e.g.
    "gzip" or "gzip, br": applied in that order, undone in reverse), at most
    `limit` bytes decoded. Raises DecodeError."""
    names = [c.strip().lower() for c in (coding or "").split(",") if c.strip()]
    for name in reversed(names):
        if name == "identity":
            continue
        try:
            if name in ("gzip", "x-gzip", "deflate"):
                d = zlib.decompressobj(47 if name != "deflate" else 15)  # 47: gzip or zlib header
                out = d.decompress(data, limit + 1)
                if not d.eof:
                    raise DecodeError("%s body truncated or over %d bytes" % (name, limit))
            elif name == "br" and brotli is not None:
                out = brotli.decompress(data)
            elif name == "zstd" and zstandard is not None:
                out = zstandard.ZstdDecompressor().decompressobj().decompress(data)
            else:
                raise DecodeError("Content-Encoding %s not supported" % name)
        except (zlib.error, ValueError) as e:
            raise DecodeError("bad %s body: %s" % (name, e))
        except Exception as e:  # brotli.error, zstandard.ZstdError
            if isinstance(e, DecodeError):
                raise
            raise DecodeError("bad %s body: %s" % (name, type(e).__name__))
        if len(out) > limit:
            raise DecodeError("decoded body over %d bytes" % limit)
        data = out
    return data
