"""Provider response builders for tools/fakeai.py (stdlib only; no I/O).

route(req) picks the provider and operation from the path (and Host) and
returns a Reply: status, headers, content type and either a whole body or a
list of stream Events (one framed event each: SSE event, NDJSON line,
JSON-array element, AWS eventstream message). Every Reply also says what
went out for the server's "exchange" log: ids, models, the provider's own
usage fields per carrier, and the normalized values a decoder must find:
  input_tokens   all input, cache reads and writes included (Anthropic and
                 Bedrock send them apart, so they are added here)
  output_tokens  all output, reasoning included (Gemini sends thoughts apart)
  cache_read_input_tokens, cache_creation_input_tokens, reasoning_tokens
  total_tokens   input_tokens + output_tokens
A field is None when the provider did not send it. Wire shapes follow
shared/reference/ai-api-protocols.md. Transport (encoding, chunking, aborts)
is fakeai.py's business.
"""

import base64
import hashlib
import json
import re
import struct
import threading
import time
import urllib.parse
import zlib

MAX_EVENTS = 100000
DEFAULT_EVENTS = 3
MAX_TOKENS = 10 ** 9
RETRY_AFTER = "1"
OPENAI_SNAPSHOTS = {
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18", "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4.1": "gpt-4.1-2025-04-14", "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano": "gpt-4.1-nano-2025-04-14", "o3-mini": "o3-mini-2025-01-31",
    "o4-mini": "o4-mini-2025-04-16", "gpt-5": "gpt-5-2025-08-07",
    "gpt-5-mini": "gpt-5-mini-2025-08-07",
    "gpt-3.5-turbo-instruct": "gpt-3.5-turbo-instruct:20230824-v2",
    "omni-moderation-latest": "omni-moderation-2024-09-26",
}
COMPAT_HOSTS = {  # OpenAI wire format, other provider (OTel provider names)
    "api.deepseek.com": "deepseek", "api.groq.com": "groq", "api.x.ai": "x_ai",
    "api.mistral.ai": "mistral_ai", "openrouter.ai": "openrouter",
    "api.together.xyz": "together", "generativelanguage.googleapis.com": "gcp.gemini",
    "api.fireworks.ai": "fireworks", "api.perplexity.ai": "perplexity",
    "api.cohere.com": "cohere", "localhost": "ollama", "127.0.0.1": "ollama",
}
ANTHROPIC_SNAPSHOTS = {"claude-sonnet-4-5": "claude-sonnet-4-5-20250929",
                       "claude-haiku-4-5": "claude-haiku-4-5-20251001",
                       "claude-opus-4-1": "claude-opus-4-1-20250805"}
TINY_PNG_B64 = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
                "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


class Req:
    """A fully read request, as route() needs it."""

    def __init__(self, method, path, query, host, headers, body, rid):
        self.method, self.path, self.host = method, path, host
        self.query = dict(urllib.parse.parse_qsl(query or "", keep_blank_values=True))
        self.headers, self.body, self.rid = headers, body, rid
        self.json = None
        if body[:1] in (b"{", b"["):
            try:
                doc = json.loads(body.decode("utf-8"))
                self.json = doc if isinstance(doc, dict) else None
            except (ValueError, RecursionError):
                self.json = None

    def header(self, name):
        values = self.headers.get(name)
        return values[-1] if values else None

    def field(self, key, default=None):
        return self.json.get(key, default) if self.json else default


class Event:
    """One framed stream event and the usage it carries (carrier name, raw)."""
    __slots__ = ("data", "carrier", "usage")

    def __init__(self, data, carrier=None, usage=None):
        self.data, self.carrier, self.usage = data, carrier, usage


class Reply:
    def __init__(self, status, ctype, headers, info, body=None, events=None,
                 carriers=None, norm=None):
        self.status, self.ctype, self.headers, self.info = status, ctype, headers, info
        self.body, self.events = body, events
        self.carriers = carriers or {}   # non-stream: carrier -> raw usage
        self.norm = norm                 # carriers dict -> normalized usage


class BadRequest(Exception):
    pass


def is_uint(s):
    return isinstance(s, str) and s.isascii() and s.isdigit() and len(s) <= 12


def jc(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def jp(obj):  # Google pretty-prints its JSON
    return json.dumps(obj, indent=2).encode()


def hexid(req, n=32, salt=""):
    return hashlib.sha256(("fakeai:%d:%s" % (req.rid, salt)).encode()).hexdigest()[:n]


def uuid_of(req, salt=""):
    h = hexid(req, 32, salt)
    return "%s-%s-4%s-a%s-%s" % (h[:8], h[8:12], h[13:16], h[17:20], h[20:32])


def b62id(req, n, salt=""):
    digest = int(hexid(req, 64, salt), 16)
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789"
    out = []
    for _ in range(n):
        digest, r = divmod(digest, len(alphabet))
        out.append(alphabet[r])
    return "".join(out)


def pieces(n):
    words = ["Hello", " from", " fakeai"]
    return [words[i] if i < 3 else " w%d" % i for i in range(n)]


def event_count(req):
    raw = req.header("x-fake-events")
    if raw is None:
        return DEFAULT_EVENTS
    if not is_uint(raw) or not 1 <= int(raw) <= MAX_EVENTS:
        raise BadRequest("bad X-Fake-Events (1..%d)" % MAX_EVENTS)
    return int(raw)


class Tok:
    """Usage numbers in the provider's own fields (see module doc)."""

    def __init__(self, inp, out, cr, cw, rs):
        self.inp, self.out, self.cr, self.cw, self.rs = inp, out, cr, cw, rs


def default_seed(body):
    """Seed of the default usage numbers: a CRC of the request body, so two
    requests that differ in any byte (not only in length) get other numbers."""
    return zlib.crc32(body)


def pick_tokens(req, family):
    """X-Fake-Tokens: in,out[,cache_read,cache_write,reasoning], in the
    provider's own fields; else numbers derived from the body length."""
    raw = req.header("x-fake-tokens")
    body = req.body
    m = re.search(r'boundary="?([^";]+)"?', req.header("content-type") or "")
    if m:  # multipart boundaries are random: leave them out of the seed
        body = body.replace(m.group(1).encode(), b"")
    n = default_seed(body)
    if raw is None:
        inp, out = 11 + n % 97, 7 + (n >> 8) % 13
        a, b = n >> 16, n >> 24
        extra = {"openai": (a % 5, 0, b % 4), "anthropic": (5 + a % 11, 2 + b % 7, 0),
                 "gemini": (a % 5, 0, 1 + b % 9), "converse": (a % 5, b % 3, 0)}
        return Tok(inp, out, *extra.get(family, (0, 0, 0)))
    parts = [p.strip() for p in raw.split(",")]
    if not 2 <= len(parts) <= 5 or not all(is_uint(p) and int(p) <= MAX_TOKENS for p in parts):
        raise BadRequest("bad X-Fake-Tokens: in,out[,cache_read,cache_write,reasoning]")
    t = Tok(*([int(p) for p in parts] + [0] * (5 - len(parts))))
    # Inclusive providers report cache and reasoning inside the totals.
    if family == "openai" and (t.cr + t.cw > t.inp or t.rs > t.out):
        raise BadRequest("X-Fake-Tokens: cache_read+cache_write must be <= in, reasoning <= out")
    if family == "gemini" and t.cr > t.inp:
        raise BadRequest("X-Fake-Tokens: cache_read must be <= in")
    return t


def norm(inp, out, cr=None, cw=None, rs=None):
    if inp is None and out is None:
        return None
    return {"input_tokens": inp, "output_tokens": out, "cache_read_input_tokens": cr,
            "cache_creation_input_tokens": cw, "reasoning_tokens": rs,
            "total_tokens": (inp or 0) + (out or 0)}


def dig(obj, *keys):
    for k in keys:
        if not isinstance(obj, dict) or k not in obj:
            return None
        obj = obj[k]
    return obj


# ---- normalizers: carriers {name: raw usage} -> normalized -----------------

def norm_openai_chat(c):
    u = c.get("body") or c.get("chunk") or c.get("x_groq")  # Groq: x_groq.usage
    if not u:
        return None
    cr = dig(u, "prompt_tokens_details", "cached_tokens")
    if cr is None:
        cr = u.get("prompt_cache_hit_tokens")  # DeepSeek
    return norm(u.get("prompt_tokens"), u.get("completion_tokens"), cr,
                dig(u, "prompt_tokens_details", "cache_write_tokens"),
                dig(u, "completion_tokens_details", "reasoning_tokens"))


def norm_xai(c):
    """xAI: completion_tokens leaves the reasoning tokens out (its total_tokens
    is prompt + completion + reasoning), so output = completion + reasoning."""
    n = norm_openai_chat(c)
    if n and n["reasoning_tokens"]:
        n["output_tokens"] = (n["output_tokens"] or 0) + n["reasoning_tokens"]
        n["total_tokens"] = (n["input_tokens"] or 0) + n["output_tokens"]
    return n


def norm_cohere(c):
    """Cohere v2: billed_units are what is billed (tokens also counts the
    unbilled prompt scaffolding)."""
    u = c.get("body") or c.get("message-end")
    b = (u or {}).get("billed_units")
    return norm(b.get("input_tokens"), b.get("output_tokens")) if b else None


def norm_io(c):  # Responses, images, transcription: input_/output_tokens
    u = c.get("body") or c.get("response.completed") or c.get("transcript.text.done")
    if not u:
        return None
    return norm(u.get("input_tokens"), u.get("output_tokens"),
                dig(u, "input_tokens_details", "cached_tokens"), None,
                dig(u, "output_tokens_details", "reasoning_tokens"))


def norm_embeddings(c):
    u = c.get("body")
    return norm(u.get("prompt_tokens"), None) if u else None


BEDROCK_COUNTS = {
    "input_tokens": ("x-amzn-bedrock-input-token-count", "inputTokenCount"),
    "output_tokens": ("x-amzn-bedrock-output-token-count", "outputTokenCount"),
    "cache_read_input_tokens": ("x-amzn-bedrock-cache-read-input-token-count",
                                "cacheReadInputTokenCount"),
    "cache_creation_input_tokens": ("x-amzn-bedrock-cache-write-input-token-count",
                                    "cacheWriteInputTokenCount")}


def norm_anthropic(c):
    last = {}
    for key in ("message_start", "message_delta", "body"):  # later wins (cumulative)
        for k, v in (c.get(key) or {}).items():
            if v is not None:
                last[k] = v
    if not last:  # Bedrock InvokeModel: only the count headers or invocation metrics
        h = c.get("headers") or c.get("amazon-bedrock-invocationMetrics")
        if not h:
            return None
        for ours, names in BEDROCK_COUNTS.items():
            last[ours] = next((h[k] for k in names if k in h), None)
    cr, cw = last.get("cache_read_input_tokens"), last.get("cache_creation_input_tokens")
    inp = last.get("input_tokens")
    if inp is not None:
        inp += (cr or 0) + (cw or 0)
    return norm(inp, last.get("output_tokens"), cr, cw,
                dig(last, "output_tokens_details", "thinking_tokens"))


def norm_gemini(c):
    u = c.get("body") or c.get("chunk")
    if not u:
        return None
    out, th = u.get("candidatesTokenCount"), u.get("thoughtsTokenCount")
    if out is not None or th is not None:
        out = (out or 0) + (th or 0)
    return norm(u.get("promptTokenCount"), out, u.get("cachedContentTokenCount"), None, th)


def norm_converse(c):
    u = c.get("body") or c.get("metadata")
    if not u:
        return None
    cr, cw = u.get("cacheReadInputTokens"), u.get("cacheWriteInputTokens")
    return norm(u["inputTokens"] + (cr or 0) + (cw or 0), u["outputTokens"], cr, cw)


def norm_ollama(c):
    u = c.get("body") or c.get("done")
    return norm(u.get("prompt_eval_count"), u.get("eval_count")) if u else None


# ---- shared bits -------------------------------------------------------------

def sse(obj, event=None, sep="\n"):
    head = ("event: %s%s" % (event, sep)) if event else ""
    return (head + "data: ").encode() + jc(obj) + (sep + sep).encode()


def es_message(headers, payload):
    """AWS eventstream message: prelude (total, headers length, CRC32),
    string headers (type 7), payload, message CRC32."""
    hb = b""
    for name, value in headers:
        n, v = name.encode(), value.encode()
        hb += bytes([len(n)]) + n + b"\x07" + struct.pack(">H", len(v)) + v
    prelude = struct.pack(">II", 16 + len(hb) + len(payload), len(hb))
    msg = prelude + struct.pack(">I", zlib.crc32(prelude)) + hb + payload
    return msg + struct.pack(">I", zlib.crc32(msg))


def es_event(event_type, obj):
    return es_message([(":event-type", event_type), (":content-type", "application/json"),
                       (":message-type", "event")], jc(obj))


def info(provider, operation, req, request_model, response_model, stream, **kw):
    d = {"provider": provider, "operation": operation, "request_model": request_model,
         "response_model": response_model, "stream": stream, "request_id": None,
         "response_id": None, "error_type": None, "error_code": None}
    d.update(kw)
    return d


def override_model(req, model):
    return req.header("x-fake-response-model") or model


def openai_snapshot(model):
    if model in OPENAI_SNAPSHOTS:
        return OPENAI_SNAPSHOTS[model]
    if re.search(r"-\d{4}-\d{2}-\d{2}$", model) or ":" in model:
        return model
    return model + "-2024-07-18"


def azure_snapshot(deployment):
    known = [k for k in OPENAI_SNAPSHOTS if k in deployment and k.startswith("gpt")]
    return OPENAI_SNAPSHOTS[max(known, key=len)] if known else "gpt-4o-mini-2024-07-18"


def outcome(status, aborted):
    """The outcome class an exchange ends with (tokentap's names)."""
    if status < 400:
        return "incomplete" if aborted else "success"
    if status in (401, 403):
        return "auth_error"
    if status == 429:
        return "rate_limited"
    if status == 529:
        return "overloaded"
    return "server_error" if status >= 500 else "client_error"


def record_view(line):
    """What a decoder's record of this exchange must say, in its field names
    (the "expect" object of an exchange log line). Keys left out are not
    known from the server side (no response model in the body, no request
    id header, no error). A usage field is null when it was not sent."""
    keys = ("input_tokens", "output_tokens", "cache_read_input_tokens",
            "cache_creation_input_tokens", "reasoning_tokens", "total_tokens")
    exp = {k: line[k] for k in ("provider", "operation", "request_model", "stream",
                                "status", "attempt")}
    exp["outcome"] = outcome(line["status"], line["aborted"])
    if line.get("script_attempt") is not None:
        # A client's retry loop without a retry header: the n-th time the
        # same request came (what the agent infers as attempt n).
        exp["script_attempt"] = line["script_attempt"]
    for k in ("response_model", "request_id"):
        if line.get(k) is not None:
            exp[k] = line[k]
    # OpenAI-style bodies name the error by code when there is one.
    etype = line.get("error_code") or line.get("error_type")
    if line["status"] >= 400:
        exp["error_type"] = etype or "error"
    exp["usage"] = line["usage_expected"] or {k: None for k in keys}
    return exp


# ---- errors ------------------------------------------------------------------

OPENAI_ERR = {400: ("invalid_request_error", None), 401: ("invalid_request_error", "invalid_api_key"),
              403: ("invalid_request_error", "unsupported_country_region_territory"),
              404: ("invalid_request_error", "unknown_url"), 405: ("invalid_request_error", None),
              429: ("requests", "rate_limit_exceeded")}
ANTHROPIC_ERR = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                 404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error",
                 500: "api_error", 503: "api_error", 504: "timeout_error", 529: "overloaded_error"}
GOOGLE_ERR = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
              404: "NOT_FOUND", 405: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED",
              500: "INTERNAL", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
AWS_ERR = {400: "ValidationException", 401: "UnrecognizedClientException", 403: "AccessDeniedException",
           404: "ResourceNotFoundException", 408: "ModelTimeoutException",
           424: "ModelErrorException", 429: "ThrottlingException",
           500: "InternalServerException", 503: "ServiceUnavailableException"}


def error_reply(req, rt, status, message):
    """An error in the shape of the route's provider (OpenAI's when none)."""
    fam = rt.family if rt else "openai"
    provider = rt.provider if rt else None
    it = info(provider, rt.operation if rt else None, req,
              rt.request_model if rt else None, None, False)
    headers = []
    if status in (429, 503, 529):
        headers.append(("retry-after", RETRY_AFTER))
    ctype = "application/json"
    if fam == "anthropic":
        rid = "req_011C" + b62id(req, 20)
        etype = ANTHROPIC_ERR.get(status, "api_error" if status >= 500 else "invalid_request_error")
        body = {"type": "error", "error": {"type": etype, "message": message}, "request_id": rid}
        headers.append(("request-id", rid))
        it.update(request_id=rid, error_type=etype)
    elif fam == "gemini":
        st = GOOGLE_ERR.get(status, "INTERNAL" if status >= 500 else "FAILED_PRECONDITION")
        body = {"error": {"code": status, "message": message, "status": st}}
        if status == 429:
            body["error"]["details"] = [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                                         "retryDelay": RETRY_AFTER + "s"}]
        ctype = "application/json; charset=UTF-8"
        it.update(error_type=st)
        return Reply(status, ctype, headers, it, body=jp(body))
    elif fam in ("bedrock", "converse"):
        exc = AWS_ERR.get(status, "InternalServerException" if status >= 500 else "ValidationException")
        rid = uuid_of(req)
        headers += [("x-amzn-requestid", rid),
                    ("x-amzn-errortype", exc + ":http://internal.amazon.com/coral/com.amazon.bedrock/")]
        body = {"message": message}
        it.update(request_id=rid, error_type=exc)
    elif fam == "cohere":
        body = {"id": uuid_of(req), "message": message}
    elif fam == "ollama":
        body = {"error": message}
        ctype = "application/json; charset=utf-8"
    elif provider == "azure.ai.openai":
        rid = uuid_of(req)
        headers += [("apim-request-id", uuid_of(req, "apim")), ("x-request-id", rid),
                    ("x-ms-region", "East US")]
        body = {"error": {"code": str(status), "message": message}}
        it.update(request_id=rid, error_code=str(status))
    else:
        etype, code = OPENAI_ERR.get(status, ("server_error" if status >= 500 else
                                              "invalid_request_error", None))
        body = {"error": {"message": message, "type": etype, "param": None, "code": code}}
        if provider in (None, "openai"):
            rid = "req_" + hexid(req)
            headers.append(("x-request-id", rid))
            it["request_id"] = rid
        it.update(error_type=etype, error_code=code)
    return Reply(status, ctype, headers, it, body=jc(body))


# ---- routing -------------------------------------------------------------------

class Route:
    def __init__(self, family, provider, operation, build, request_model=None, stream=False,
                 **extra):
        self.family, self.provider, self.operation, self.build = family, provider, operation, build
        self.request_model, self.stream, self.extra = request_model, stream, extra


GEMINI_RE = re.compile(r"^/(v1|v1beta|v1alpha)/models/([^/:]+):(generateContent|"
                       r"streamGenerateContent|embedContent)$")
VERTEX_RE = re.compile(r"^/(v1|v1beta1)/projects/[^/]+/locations/[^/]+/publishers/google/"
                       r"models/([^/:]+):(generateContent|streamGenerateContent)$")
BEDROCK_RE = re.compile(r"^/model/([^/]+)/(invoke|invoke-with-response-stream|converse|"
                        r"converse-stream)$")
VERTEX_ANTH_RE = re.compile(r"^/(v1|v1beta1)/projects/[^/]+/locations/[^/]+/publishers/anthropic/"
                            r"models/([^/:]+):(rawPredict|streamRawPredict)$")
AZURE_DEP_RE = re.compile(r"^/openai/deployments/([^/]+)/(chat/completions|embeddings)$")


def find_route(req):
    """Route for the request, or None (404). The builders are defined below:
    names are looked up when this runs."""
    p, host = req.path, req.host
    m = AZURE_DEP_RE.match(p)
    if m:
        dep = urllib.parse.unquote(m.group(1))
        if m.group(2) == "embeddings":
            return Route("openai", "azure.ai.openai", "embeddings", build_embeddings, dep)
        return Route("openai", "azure.ai.openai", "chat", build_chat, dep, azure=True)
    m = VERTEX_ANTH_RE.match(p)
    if m:  # Claude on Vertex: model only in the path, "stream" in the body
        return Route("anthropic", "gcp.vertex_ai", "chat", build_messages,
                     urllib.parse.unquote(m.group(2)), vertex=True)
    if p.endswith("/chat/completions"):
        # Groq serves /openai/v1/... too: Azure only on Azure hosts (or unknown ones).
        if host.endswith(".openai.azure.com") or \
                (p.startswith("/openai/v1/") and host not in COMPAT_HOSTS):
            return Route("openai", "azure.ai.openai", "chat", build_chat, azure=True)
        return Route("openai", COMPAT_HOSTS.get(host, "openai"), "chat", build_chat)
    simple = {"/v1/responses": ("responses", build_responses),
              "/v1/completions": ("text_completion", build_completions),
              "/v1/embeddings": ("embeddings", build_embeddings),
              "/v1/moderations": ("moderations", build_moderations),
              "/v1/images/generations": ("images", build_images),
              "/v1/audio/transcriptions": ("audio", build_transcription)}
    if p in simple:
        op, fn = simple[p]
        return Route("openai", COMPAT_HOSTS.get(host, "openai"), op, fn)
    if p == "/v1/messages":
        return Route("anthropic", "anthropic", "chat", build_messages)
    if p == "/v2/chat":
        return Route("cohere", "cohere", "chat", build_cohere)
    m = GEMINI_RE.match(p) or VERTEX_RE.match(p)
    if m:
        model, method = urllib.parse.unquote(m.group(2)), m.group(3)
        provider = "gcp.vertex_ai" if "/projects/" in p else "gcp.gemini"
        if method == "embedContent":
            return Route("gemini", provider, "embeddings", build_gemini_embed, model)
        return Route("gemini", provider, "generate_content", build_gemini, model,
                     stream=method == "streamGenerateContent")
    m = BEDROCK_RE.match(p)
    if m:
        model, action = urllib.parse.unquote(m.group(1)), m.group(2)
        fam = "converse" if action.startswith("converse") else "bedrock"
        fn = build_converse if fam == "converse" else build_invoke
        return Route(fam, "aws.bedrock", "chat", fn, model, stream=action.endswith("stream"))
    if p in ("/api/chat", "/api/generate"):
        return Route("ollama", "ollama", "chat" if p == "/api/chat" else "text_completion",
                     build_ollama)
    return None


# X-Fake-Script: how many times each scripted request has been answered, by
# key (X-Fake-Script-Key, else the request line and body): the server side of
# a client retry loop that sends no retry header.
_SCRIPT_LOCK = threading.Lock()
_SCRIPT_SEEN = {}


def script_step(req):
    """(status, n, key) for a request with X-Fake-Script: "429,503,200"
    answers the key's n-th request (0-based) with the n-th status, the last
    one from then on. None without the header. Raises BadRequest."""
    script = req.header("x-fake-script")
    if script is None:
        return None
    steps = script.replace(" ", "").split(",")
    if not all(is_uint(x) and (x == "200" or 400 <= int(x) <= 599) for x in steps):
        raise BadRequest("bad X-Fake-Script: statuses 200 or 4xx/5xx, comma-separated")
    key = req.header("x-fake-script-key")
    if key is None:
        key = hashlib.sha256(req.method.encode() + b" " + req.path.encode() + b"\n" +
                             req.body).hexdigest()[:16]
    with _SCRIPT_LOCK:
        n = _SCRIPT_SEEN.get(key, 0)
        _SCRIPT_SEEN[key] = n + 1
    return int(steps[min(n, len(steps) - 1)]), n, key


# A credential with this in it is refused with 401 in the provider's shape,
# first, as the real APIs refuse a bad key (tokentap smoke's error path).
BAD_KEY_MARK = "invalid-key"


def bad_credential(req):
    auth = req.header("authorization") or ""
    creds = [auth, req.header("x-api-key"), req.header("api-key"),
             req.header("x-goog-api-key"), req.query.get("key")]
    return any(c and BAD_KEY_MARK in c for c in creds)


def route(req):
    """The Reply for a fully read request (errors included)."""
    reply = route_unscripted(req)
    try:
        step = script_step(req)
    except BadRequest as e:
        return error_reply(req, find_route(req), 400, str(e))
    if step is None:
        return reply
    status, n, key = step
    if status != 200 and reply.status < 400:
        rt = find_route(req)
        if rt and rt.request_model is None:
            model = req.field("model")
            rt.request_model = model if isinstance(model, str) else None
        reply = error_reply(req, rt, status, "scripted %d (request %d of %s)" % (status, n, key))
    reply.info.update(script_key=key, script_attempt=n)
    return reply


def route_unscripted(req):
    """The Reply for a fully read request (errors included)."""
    rt = find_route(req)
    if rt and rt.request_model is None and rt.operation != "audio":
        model = req.field("model")
        rt.request_model = model if isinstance(model, str) else None
    if bad_credential(req):
        return error_reply(req, rt, 401, "Incorrect API key provided")
    forced = req.header("x-fake-status")
    try:
        if forced is not None and forced != "200":
            # 204/304 cannot carry an error body (nor Content-Length).
            if not is_uint(forced) or not 200 <= int(forced) <= 599 or forced in ("204", "304"):
                return error_reply(req, rt, 400, "bad X-Fake-Status")
            return error_reply(req, rt, int(forced), "forced status " + forced)
        if rt is None:
            # Anthropic's host answers in its own shape (Claude Code's /api/... side calls).
            own = Route("anthropic", "anthropic", None, None) if req.host == "api.anthropic.com" \
                else None
            return error_reply(req, own, 404, "unknown url")
        if req.method != "POST":
            return error_reply(req, rt, 405, "use POST")
        fail = req.header("x-fake-fail-times")
        if fail is not None:
            attempt = req.header("x-stainless-retry-count") or "0"
            if not is_uint(fail) or not is_uint(attempt):
                raise BadRequest("bad X-Fake-Fail-Times or X-Stainless-Retry-Count")
            if int(attempt) < int(fail):
                return error_reply(req, rt, 429, "rate limited (attempt %s of %s failing)"
                                   % (attempt, fail))
        if rt.operation != "audio" and req.json is None:
            raise BadRequest("invalid JSON body")
        return rt.build(req, rt)
    except BadRequest as e:
        return error_reply(req, rt, 400, str(e))


# ---- OpenAI family ---------------------------------------------------------------

def openai_headers(req, rt, stream):
    ctype = "text/event-stream; charset=utf-8" if stream else "application/json"
    if rt.provider == "azure.ai.openai":
        rid = uuid_of(req)
        return ctype, [("apim-request-id", uuid_of(req, "apim")), ("x-request-id", rid),
                       ("x-ms-region", "East US"), ("azureml-model-session", "d089-20240912231525"),
                       ("x-ms-rai-invoked", "true"), ("x-ratelimit-remaining-requests", "99"),
                       ("x-ratelimit-remaining-tokens", "99000")], rid
    if rt.provider == "groq":
        rid = "req_01" + hexid(req, 24, "groq")
        return ctype, [("x-request-id", rid), ("x-ratelimit-limit-requests", "14400"),
                       ("x-ratelimit-remaining-requests", "14399"),
                       ("x-groq-region", "us-east-1")], rid
    if rt.provider != "openai":
        return ctype, [], None
    rid = "req_" + hexid(req)
    return ctype, [("x-request-id", rid), ("openai-organization", "user-fakeai"),
                   ("openai-processing-ms", "42"), ("openai-version", "2020-10-01"),
                   ("x-ratelimit-limit-requests", "10000"),
                   ("x-ratelimit-remaining-requests", "9999"),
                   ("x-ratelimit-reset-requests", "6ms")], rid


def response_model_for(req, rt):
    model = rt.request_model or "gpt-4o-mini"
    if rt.extra.get("azure"):
        return override_model(req, azure_snapshot(model))
    if rt.provider == "openai" and rt.operation not in ("embeddings", "images", "audio"):
        return override_model(req, openai_snapshot(model))
    return override_model(req, model)


def chat_usage(req, rt, t):
    """The usage object in the provider's own dialect of CompletionUsage."""
    p = rt.provider
    base = {"prompt_tokens": t.inp, "completion_tokens": t.out, "total_tokens": t.inp + t.out}
    if p == "groq":  # timings next to the counts; no details
        return {"queue_time": 0.012345, "prompt_tokens": t.inp, "prompt_time": 0.004567,
                "completion_tokens": t.out, "completion_time": 0.023456,
                "total_tokens": t.inp + t.out, "total_time": 0.028023}
    if p in ("together", "mistral_ai"):
        return base
    if p == "fireworks":
        return {"prompt_tokens": t.inp, "total_tokens": t.inp + t.out, "completion_tokens": t.out,
                "prompt_tokens_details": {"cached_tokens": t.cr}}
    if p == "perplexity":  # search pricing next to the tokens
        cost = {"input_tokens_cost": round(t.inp * 1e-6, 9),
                "output_tokens_cost": round(t.out * 1e-6, 9), "request_cost": 0.005}
        cost["total_cost"] = round(sum(cost.values()), 9)
        return dict(base, search_context_size="low", cost=cost)
    if p == "x_ai":  # completion_tokens without the reasoning; total includes it
        return {"prompt_tokens": t.inp, "completion_tokens": t.out - t.rs,
                "total_tokens": t.inp + t.out,
                "prompt_tokens_details": {"text_tokens": t.inp, "audio_tokens": 0,
                                          "image_tokens": 0, "cached_tokens": t.cr},
                "completion_tokens_details": {"reasoning_tokens": t.rs, "audio_tokens": 0,
                                              "accepted_prediction_tokens": 0,
                                              "rejected_prediction_tokens": 0},
                "num_sources_used": 0}
    if p == "deepseek":  # hit + miss = prompt_tokens; no prompt_tokens_details
        u = dict(base, prompt_cache_hit_tokens=t.cr, prompt_cache_miss_tokens=t.inp - t.cr)
        if "reasoner" in (rt.request_model or ""):
            u["completion_tokens_details"] = {"reasoning_tokens": t.rs}
        return u
    u = dict(base, prompt_tokens_details={"cached_tokens": t.cr, "audio_tokens": 0},
             completion_tokens_details={"reasoning_tokens": t.rs, "audio_tokens": 0,
                                        "accepted_prediction_tokens": 0,
                                        "rejected_prediction_tokens": 0})
    if t.cw:
        u["prompt_tokens_details"]["cache_write_tokens"] = t.cw
    if p == "openrouter":  # the cost of the call, in credits
        cost = round((t.inp * 0.15 + t.out * 0.6) * 1e-6, 12)
        u.update(cost=cost, is_byok=False,
                 cost_details={"upstream_inference_cost": None,
                               "upstream_inference_prompt_cost": round(t.inp * 0.15e-6, 12),
                               "upstream_inference_completions_cost": round(t.out * 0.6e-6, 12)})
        u["completion_tokens_details"] = {"reasoning_tokens": t.rs, "image_tokens": 0}
    return u


AZURE_FILTER = {k: {"filtered": False, "severity": "safe"}
                for k in ("hate", "self_harm", "sexual", "violence")}
# Where each OpenAI-compatible provider puts the usage of a chat stream:
#   "extra"   OpenAI's extra chunk with "choices": [] (only with include_usage)
#   "always"  that extra chunk whatever include_usage says (OpenRouter)
#   "finish"  in the chunk that carries the finish_reason, always (Together,
#             Mistral, Fireworks; xAI with include_usage, then an empty chunk)
#   "every"   in every chunk, cumulative (Perplexity; no [DONE])
#   "groq"    x_groq.usage in the finish chunk; plus the extra chunk with
#             include_usage
STREAM_USAGE = {"openrouter": "always", "together": "finish", "mistral_ai": "finish",
                "fireworks": "finish", "x_ai": "finish", "perplexity": "every", "groq": "groq"}


def chat_ids(req, rt):
    """(completion id, model the response names)."""
    p = rt.provider
    if p == "openrouter":
        return "gen-%d-%s" % (1735689600 + req.rid, b62id(req, 20)), response_model_for(req, rt)
    if p in ("mistral_ai", "perplexity"):
        return hexid(req, 32), response_model_for(req, rt)
    if p in ("together", "x_ai"):
        return uuid_of(req), response_model_for(req, rt)
    return "chatcmpl-" + b62id(req, 29), response_model_for(req, rt)


def build_chat(req, rt):
    stream, n = req.field("stream") is True, event_count(req)
    t = pick_tokens(req, "openai")
    cid, model = chat_ids(req, rt)
    created = int(time.time())
    usage = chat_usage(req, rt, t)
    ctype, headers, rid = openai_headers(req, rt, stream)
    azure = rt.extra.get("azure")
    prov = rt.provider
    nrm = norm_xai if prov == "x_ai" else norm_openai_chat
    it = info(prov, "chat", req, rt.request_model, model, stream, request_id=rid,
              response_id=cid)
    base = {"id": cid, "object": "chat.completion.chunk" if stream else "chat.completion",
            "created": created, "model": model}
    if prov in ("openai", "azure.ai.openai", "groq", "fireworks"):
        base["system_fingerprint"] = "fp_fake" + hexid(req, 6)
    if prov == "openrouter":
        base["provider"] = "OpenAI"
    if not stream:
        msg = {"role": "assistant", "content": "".join(pieces(n)), "refusal": None}
        choice = {"index": 0, "message": msg, "logprobs": None, "finish_reason": "stop"}
        if azure:
            choice["content_filter_results"] = AZURE_FILTER
        body = dict(base, choices=[choice], usage=usage)
        if prov == "openai":
            body["service_tier"] = "default"
        if azure:
            body["prompt_filter_results"] = [{"prompt_index": 0,
                                              "content_filter_results": AZURE_FILTER}]
        if prov == "groq":
            body["x_groq"] = {"id": rid}
        if prov == "perplexity":
            body["citations"] = ["https://example.com/fakeai"]
        return Reply(200, ctype, headers, it, body=jc(body), carriers={"body": usage}, norm=nrm)
    include = dig(req.json, "stream_options", "include_usage") is True
    mode = STREAM_USAGE.get(prov, "extra")
    extra_chunk = (mode == "extra" and include) or mode == "always" or (mode == "groq" and include)
    events = []
    if prov == "openrouter":  # keep-alive comments while the upstream thinks
        events.append(Event(b": OPENROUTER PROCESSING\n\n"))
    if azure:
        events.append(Event(sse({"choices": [], "created": 0, "id": "", "model": "", "object": "",
                                 "prompt_filter_results": [{"prompt_index": 0,
                                                            "content_filter_results": AZURE_FILTER}]})))
    done_out = [0]

    def chunk(delta, finish=None, text=""):
        c = dict(base)
        ch = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        if azure and delta.get("content"):
            ch["content_filter_results"] = AZURE_FILTER
        c["choices"] = [ch]
        carrier = u = None
        if include and mode == "extra":
            c["usage"] = None
        if prov == "openai":
            c["obfuscation"] = hexid(req, 4 + len(events) % 5, str(len(events)))
        if prov == "groq" and not len(events):
            c["x_groq"] = {"id": rid}
        if finish and mode == "groq":
            u = usage
            c["x_groq"] = {"id": rid, "usage": u}
            carrier = "x_groq"
        elif finish and mode == "finish":
            c["usage"], carrier, u = usage, "chunk", usage
        elif mode == "every":  # a running count; the finish chunk has the final one
            done_out[0] += 1 if text else 0
            u = usage
            if not finish:
                out = min(t.out, done_out[0])
                u = dict(usage, completion_tokens=out, total_tokens=t.inp + out)
                u.pop("cost")
            c["usage"], carrier = u, "chunk"
        elif mode == "finish":
            c["usage"] = None
        return Event(sse(c), carrier, u)
    events.append(chunk({"role": "assistant", "content": "", "refusal": None}))
    events += [chunk({"content": p}, text=p) for p in pieces(n)]
    events.append(chunk({}, "stop"))
    if extra_chunk:
        c = dict(base, choices=[], usage=usage)
        if prov == "groq":
            c["x_groq"] = {"id": rid}
        events.append(Event(sse(c), "chunk", usage))
    if prov == "x_ai" and include:  # after the usage: one more chunk, empty
        events.append(Event(sse(dict(base, choices=[]))))
    if mode != "every":
        events.append(Event(b"data: [DONE]\n\n"))
    return Reply(200, ctype, headers, it, events=events, norm=nrm)


def build_completions(req, rt):
    stream, n = req.field("stream") is True, event_count(req)
    t = pick_tokens(req, "plain")
    model = response_model_for(req, rt)
    cid = "cmpl-" + b62id(req, 29)
    usage = {"prompt_tokens": t.inp, "completion_tokens": t.out, "total_tokens": t.inp + t.out}
    ctype, headers, rid = openai_headers(req, rt, stream)
    it = info(rt.provider, "text_completion", req, rt.request_model, model, stream,
              request_id=rid, response_id=cid)
    base = {"id": cid, "object": "text_completion", "created": int(time.time()), "model": model}
    if not stream:
        body = dict(base, choices=[{"text": "".join(pieces(n)), "index": 0, "logprobs": None,
                                    "finish_reason": "stop"}], usage=usage)
        return Reply(200, ctype, headers, it, body=jc(body), carriers={"body": usage},
                     norm=norm_openai_chat)
    include = dig(req.json, "stream_options", "include_usage") is True
    events = []
    for i, p in enumerate(pieces(n)):
        c = dict(base, choices=[{"text": p, "index": 0, "logprobs": None,
                                 "finish_reason": "stop" if i == n - 1 else None}])
        if include:
            c["usage"] = None
        events.append(Event(sse(c)))
    if include:
        events.append(Event(sse(dict(base, choices=[], usage=usage)), "chunk", usage))
    events.append(Event(b"data: [DONE]\n\n"))
    return Reply(200, ctype, headers, it, events=events, norm=norm_openai_chat)


def responses_usage(t):
    return {"input_tokens": t.inp, "input_tokens_details": {"cached_tokens": t.cr},
            "output_tokens": t.out, "output_tokens_details": {"reasoning_tokens": t.rs},
            "total_tokens": t.inp + t.out}


def build_responses(req, rt):
    stream, n = req.field("stream") is True, event_count(req)
    t = pick_tokens(req, "openai")
    model = response_model_for(req, rt)
    resp_id, msg_id = "resp_" + hexid(req, 48), "msg_" + hexid(req, 48, "msg")
    ctype, headers, rid = openai_headers(req, rt, stream)
    it = info(rt.provider, "responses", req, rt.request_model, model, stream,
              request_id=rid, response_id=resp_id)
    text = "".join(pieces(n))
    part = {"type": "output_text", "annotations": [], "logprobs": [], "text": text}
    item = {"id": msg_id, "type": "message", "status": "completed", "content": [part],
            "role": "assistant"}
    usage = responses_usage(t)
    now = int(time.time())
    resp = {"id": resp_id, "object": "response", "created_at": now, "status": "completed",
            "background": False, "completed_at": now, "error": None,
            "incomplete_details": None, "instructions": None, "max_output_tokens": None,
            "model": model, "output": [item], "parallel_tool_calls": True,
            "previous_response_id": None, "service_tier": "default", "store": True,
            "temperature": 1.0, "text": {"format": {"type": "text"}}, "tool_choice": "auto",
            "tools": [], "top_p": 1.0, "truncation": "disabled", "usage": usage, "metadata": {}}
    if not stream:
        return Reply(200, ctype, headers, it, body=jc(resp), carriers={"body": usage},
                     norm=norm_io)
    seq = iter(range(10 ** 9))
    pending = dict(resp, status="in_progress", completed_at=None, output=[], usage=None)
    loc = {"item_id": msg_id, "output_index": 0, "content_index": 0}

    def ev(etype, carrier=None, usage_raw=None, **fields):
        obj = dict({"type": etype, "sequence_number": next(seq)}, **fields)
        return Event(sse(obj, etype), carrier, usage_raw)
    events = [ev("response.created", response=pending), ev("response.in_progress", response=pending),
              ev("response.output_item.added", output_index=0,
                 item=dict(item, status="in_progress", content=[])),
              ev("response.content_part.added", part=dict(part, text=""), **loc)]
    events += [ev("response.output_text.delta", delta=p, logprobs=[], obfuscation="x" * (i % 7),
                  **loc) for i, p in enumerate(pieces(n))]
    events += [ev("response.output_text.done", text=text, logprobs=[], **loc),
               ev("response.content_part.done", part=part, **loc),
               ev("response.output_item.done", output_index=0, item=item),
               ev("response.completed", "response.completed", usage, response=resp)]
    return Reply(200, ctype, headers, it, events=events, norm=norm_io)


def build_embeddings(req, rt):
    t = pick_tokens(req, "plain")
    model = response_model_for(req, rt)
    vec = [((i * 37 + len(req.body)) % 100 - 50) / 1000.0 for i in range(8)]
    emb = vec
    if req.field("encoding_format") == "base64":
        emb = base64.b64encode(struct.pack("<8f", *vec)).decode()
    usage = {"prompt_tokens": t.inp, "total_tokens": t.inp}
    body = {"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": emb}],
            "model": model, "usage": usage}
    ctype, headers, rid = openai_headers(req, rt, False)
    it = info(rt.provider, "embeddings", req, rt.request_model, model, False, request_id=rid)
    return Reply(200, ctype, headers, it, body=jc(body), carriers={"body": usage},
                 norm=norm_embeddings)


def build_moderations(req, rt):
    model = override_model(req, openai_snapshot(rt.request_model or "omni-moderation-latest"))
    cats = ("harassment", "hate", "illicit", "self-harm", "sexual", "violence")
    mid = "modr-" + hexid(req, 24)
    body = {"id": mid, "model": model, "results": [
        {"flagged": False, "categories": {c: False for c in cats},
         "category_scores": {c: 0.0001 for c in cats}}]}
    ctype, headers, rid = openai_headers(req, rt, False)
    it = info(rt.provider, "moderations", req, rt.request_model, model, False,
              request_id=rid, response_id=mid)
    return Reply(200, ctype, headers, it, body=jc(body))


def build_cohere(req, rt):
    """Cohere v2 /v2/chat: no model in the response; usage.billed_units (billed)
    and usage.tokens (all tokens, the unbilled prompt scaffolding included);
    streams are typed SSE events, usage in message-end's delta."""
    stream, n = req.field("stream") is True, event_count(req)
    t = pick_tokens(req, "plain")
    cid = uuid_of(req)
    usage = {"billed_units": {"input_tokens": t.inp, "output_tokens": t.out},
             "tokens": {"input_tokens": t.inp + 187, "output_tokens": t.out}}
    headers = [("x-debug-trace-id", hexid(req, 32, "trace")), ("num_tokens", str(t.inp + t.out))]
    it = info("cohere", "chat", req, rt.request_model, None, stream, response_id=cid)
    text = "".join(pieces(n))
    if not stream:
        body = {"id": cid, "message": {"role": "assistant",
                                       "content": [{"type": "text", "text": text}]},
                "finish_reason": "COMPLETE", "usage": usage}
        return Reply(200, "application/json", headers, it, body=jc(body),
                     carriers={"body": usage}, norm=norm_cohere)

    def ev(etype, carrier=None, u=None, **fields):
        return Event(sse(dict({"type": etype}, **fields), etype), carrier, u)
    events = [ev("message-start", id=cid, delta={"message": {
        "role": "assistant", "content": [], "tool_plan": "", "tool_calls": [], "citations": []}}),
              ev("content-start", index=0, delta={"message": {"content": {"type": "text",
                                                                          "text": ""}}})]
    events += [ev("content-delta", index=0, delta={"message": {"content": {"text": p}}})
               for p in pieces(n)]
    events += [ev("content-end", index=0),
               ev("message-end", "message-end", usage,
                  delta={"finish_reason": "COMPLETE", "usage": usage})]
    return Reply(200, "text/event-stream", headers, it, events=events, norm=norm_cohere)


def build_images(req, rt):
    t = pick_tokens(req, "plain")
    model = rt.request_model or "dall-e-2"
    ctype, headers, rid = openai_headers(req, rt, False)
    body = {"created": int(time.time()), "data": [{"b64_json": TINY_PNG_B64}]}
    it = info(rt.provider, "images", req, rt.request_model, None, False, request_id=rid)
    if model.startswith("dall-e"):  # DALL-E: no usage, priced per image
        return Reply(200, ctype, headers, it, body=jc(body))
    usage = {"input_tokens": t.inp, "input_tokens_details": {"image_tokens": 0, "text_tokens": t.inp},
             "output_tokens": t.out, "total_tokens": t.inp + t.out}
    body.update(background="opaque", output_format="png", quality=req.field("quality", "auto"),
                size=req.field("size", "1024x1024"), usage=usage)
    return Reply(200, ctype, headers, it, body=jc(body), carriers={"body": usage}, norm=norm_io)


def multipart_fields(req, names):
    """Small form fields of a multipart/form-data body (file parts skipped)."""
    ctype = req.header("content-type") or ""
    m = re.search(r'boundary="?([^";]+)"?', ctype)
    if not ctype.lower().startswith("multipart/form-data") or not m:
        raise BadRequest("expected multipart/form-data")
    out = {}
    for part in req.body.split(b"--" + m.group(1).encode()):
        head, sep, content = part.partition(b"\r\n\r\n")
        nm = re.search(rb'name="([^"]*)"', head)
        if sep and nm and nm.group(1).decode("latin-1") in names and b"filename=" not in head:
            out[nm.group(1).decode("latin-1")] = content[:-2].decode("utf-8", "replace")
    return out


def build_transcription(req, rt):
    fields = multipart_fields(req, ("model", "stream"))
    rt.request_model = fields.get("model")
    stream = fields.get("stream", "").lower() == "true"
    n, t = event_count(req), pick_tokens(req, "plain")
    ctype, headers, rid = openai_headers(req, rt, stream)
    it = info(rt.provider, "audio", req, rt.request_model, None, stream, request_id=rid)
    usage = {"type": "tokens", "input_tokens": t.inp,
             "input_token_details": {"text_tokens": 0, "audio_tokens": t.inp},
             "output_tokens": t.out, "total_tokens": t.inp + t.out}
    text = "".join(pieces(n))
    if not stream:
        return Reply(200, ctype, headers, it, body=jc({"text": text, "usage": usage}),
                     carriers={"body": usage}, norm=norm_io)
    events = [Event(sse({"type": "transcript.text.delta", "delta": p, "logprobs": []}))
              for p in pieces(n)]
    events.append(Event(sse({"type": "transcript.text.done", "text": text, "usage": usage}),
                        "transcript.text.done", usage))
    return Reply(200, ctype, headers, it, events=events, norm=norm_io)


# ---- Anthropic and Bedrock ------------------------------------------------------

def anthropic_usage(t, cumulative_out):
    u = {"input_tokens": t.inp, "cache_creation_input_tokens": t.cw,
         "cache_read_input_tokens": t.cr,
         "cache_creation": {"ephemeral_5m_input_tokens": t.cw, "ephemeral_1h_input_tokens": 0},
         "output_tokens": cumulative_out, "service_tier": "standard"}
    if t.rs:
        u["output_tokens_details"] = {"thinking_tokens": t.rs}
    return u


def anthropic_events(req, t, n, model, msg_id, with_ping):
    """The Messages stream as (event name, object, usage carrier) triples."""
    start_usage = anthropic_usage(t, 1)
    start_usage.pop("output_tokens_details", None)
    msg = {"id": msg_id, "type": "message", "role": "assistant", "model": model, "content": [],
           "stop_reason": None, "stop_sequence": None, "usage": start_usage}
    out = [("message_start", {"type": "message_start", "message": msg}, start_usage),
           ("content_block_start", {"type": "content_block_start", "index": 0,
                                    "content_block": {"type": "text", "text": ""}}, None)]
    if with_ping:
        out.append(("ping", {"type": "ping"}, None))
    out += [("content_block_delta", {"type": "content_block_delta", "index": 0,
                                     "delta": {"type": "text_delta", "text": p}}, None)
            for p in pieces(n)]
    delta_usage = {k: v for k, v in anthropic_usage(t, t.out).items()
                   if k in ("input_tokens", "cache_creation_input_tokens",
                            "cache_read_input_tokens", "output_tokens", "output_tokens_details")}
    out += [("content_block_stop", {"type": "content_block_stop", "index": 0}, None),
            ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn",
                                                                  "stop_sequence": None},
                               "usage": delta_usage}, delta_usage),
            ("message_stop", {"type": "message_stop"}, None)]
    return out


def anthropic_body(t, n, model, msg_id):
    return {"id": msg_id, "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": "".join(pieces(n))}],
            "stop_reason": "end_turn", "stop_sequence": None, "usage": anthropic_usage(t, t.out)}


def build_messages(req, rt):
    stream, n = req.field("stream") is True, event_count(req)
    t = pick_tokens(req, "anthropic")
    vertex = rt.extra.get("vertex")
    model = rt.request_model or "claude-sonnet-4-5"
    if vertex:  # the response names the snapshot the path's alias serves
        if req.field("anthropic_version") != "vertex-2023-10-16":
            raise BadRequest("anthropic_version: vertex-2023-10-16 expected")
        model = ANTHROPIC_SNAPSHOTS.get(model.split("@")[0], model.replace("@", "-"))
    model = override_model(req, model)
    msg_id, rid = "msg_01" + b62id(req, 22), "req_011C" + b62id(req, 20, "r")
    headers = [("request-id", rid), ("anthropic-organization-id", uuid_of(req, "org")),
               ("anthropic-ratelimit-requests-limit", "4000"),
               ("anthropic-ratelimit-requests-remaining", "3999"),
               ("anthropic-ratelimit-requests-reset", "2025-01-01T00:00:01Z"),
               ("x-envoy-upstream-service-time", "321")]
    if vertex:  # Google's front end, no Anthropic request id
        msg_id, rid = "msg_vrtx_01" + b62id(req, 22), None
        headers = [("vary", "Origin"), ("vary", "X-Origin"), ("vary", "Referer"),
                   ("server-timing", "gfet4t7; dur=321")]
    it = info(rt.provider, "chat", req, rt.request_model, model, stream, request_id=rid,
              response_id=msg_id)
    if not stream:
        body = anthropic_body(t, n, model, msg_id)
        return Reply(200, "application/json", headers, it, body=jc(body),
                     carriers={"body": body["usage"]}, norm=norm_anthropic)
    events = [Event(sse(obj, name), name if u else None, u)
              for name, obj, u in anthropic_events(req, t, n, model, msg_id, True)]
    headers.append(("cache-control", "no-cache"))
    return Reply(200, "text/event-stream; charset=utf-8", headers, it, events=events,
                 norm=norm_anthropic)


def build_invoke(req, rt):
    t = pick_tokens(req, "anthropic")
    n = event_count(req)
    model = override_model(req, rt.request_model)
    rid = uuid_of(req)
    msg_id = "msg_bdrk_01" + b62id(req, 22)
    it = info("aws.bedrock", "chat", req, rt.request_model, model, rt.stream, request_id=rid,
              response_id=msg_id)
    headers = [("x-amzn-requestid", rid)]
    if not rt.stream:
        body = anthropic_body(t, n, model, msg_id)
        counts = {"x-amzn-bedrock-input-token-count": t.inp,
                  "x-amzn-bedrock-output-token-count": t.out,
                  "x-amzn-bedrock-cache-read-input-token-count": t.cr,
                  "x-amzn-bedrock-cache-write-input-token-count": t.cw}
        headers += [("x-amzn-bedrock-invocation-latency", "321")] + \
            [(k, str(v)) for k, v in counts.items()]
        return Reply(200, "application/json", headers, it, body=jc(body),
                     carriers={"body": body["usage"], "headers": counts}, norm=norm_anthropic)
    events = []
    metrics = {"inputTokenCount": t.inp, "outputTokenCount": t.out, "invocationLatency": 321,
               "firstByteLatency": 123, "cacheReadInputTokenCount": t.cr,
               "cacheWriteInputTokenCount": t.cw}
    for name, obj, u in anthropic_events(req, t, n, model, msg_id, False):
        carrier = name if u else None
        if name == "message_stop":
            obj = dict(obj, **{"amazon-bedrock-invocationMetrics": metrics})
            carrier, u = "amazon-bedrock-invocationMetrics", metrics
        payload = {"bytes": base64.b64encode(jc(obj)).decode(),
                   "p": "abcdefghijklmnopqrstuvwxyzABCDEF"[:len(events) % 32]}
        events.append(Event(es_event("chunk", payload), carrier, u))
    headers.append(("x-amzn-bedrock-content-type", "application/json"))
    return Reply(200, "application/vnd.amazon.eventstream", headers, it, events=events,
                 norm=norm_anthropic)


def build_converse(req, rt):
    t = pick_tokens(req, "converse")
    n = event_count(req)
    rid = uuid_of(req)
    usage = {"inputTokens": t.inp, "outputTokens": t.out,
             "totalTokens": t.inp + t.out + t.cr + t.cw,
             "cacheReadInputTokens": t.cr, "cacheWriteInputTokens": t.cw}
    metrics = {"latencyMs": 321}
    # Converse carries no model name: response_model stays None.
    it = info("aws.bedrock", "chat", req, rt.request_model, None, rt.stream, request_id=rid)
    headers = [("x-amzn-requestid", rid)]
    if not rt.stream:
        body = {"metrics": metrics, "output": {"message": {"content": [{"text": "".join(pieces(n))}],
                                                           "role": "assistant"}},
                "stopReason": "end_turn", "usage": usage}
        return Reply(200, "application/json", headers, it, body=jc(body),
                     carriers={"body": usage}, norm=norm_converse)
    pad = "abcdefghijklmnopqrstuvwxyz0123456789"

    def ev(etype, obj, carrier=None, u=None):
        return Event(es_event(etype, dict(obj, p=pad[:(len(events) * 7) % 36])), carrier, u)
    events = []
    events.append(ev("messageStart", {"role": "assistant"}))
    for p in pieces(n):
        events.append(ev("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": p}}))
    events.append(ev("contentBlockStop", {"contentBlockIndex": 0}))
    events.append(ev("messageStop", {"stopReason": "end_turn"}))
    events.append(ev("metadata", {"metrics": metrics, "usage": usage}, "metadata", usage))
    return Reply(200, "application/vnd.amazon.eventstream", headers, it, events=events,
                 norm=norm_converse)


# ---- Gemini / Vertex ----------------------------------------------------------

def gemini_usage(t, out, vertex):
    u = {"promptTokenCount": t.inp, "candidatesTokenCount": out,
         "totalTokenCount": t.inp + out + t.rs,
         "promptTokensDetails": [{"modality": "TEXT", "tokenCount": t.inp}],
         "thoughtsTokenCount": t.rs}
    if t.cr:
        u["cachedContentTokenCount"] = t.cr
        u["cacheTokensDetails"] = [{"modality": "TEXT", "tokenCount": t.cr}]
    if vertex:
        u["trafficType"] = "ON_DEMAND"
    return u


def build_gemini(req, rt):
    n = event_count(req)
    t = pick_tokens(req, "gemini")
    model = override_model(req, rt.request_model)
    vertex = rt.provider == "gcp.vertex_ai"
    resp_id = b62id(req, 22)
    headers = [("vary", "Origin"), ("vary", "X-Origin"), ("vary", "Referer"),
               ("server", "scaffolding on HTTPServer2"), ("server-timing", "gfet4t7; dur=321")]
    it = info(rt.provider, "generate_content", req, rt.request_model, model, rt.stream,
              response_id=resp_id)

    def chunk(text, out, last):
        cand = {"content": {"parts": [{"text": text}], "role": "model"}, "index": 0}
        if last:
            cand["finishReason"] = "STOP"
        c = {"candidates": [cand], "usageMetadata": gemini_usage(t, out, vertex),
             "modelVersion": model}
        if vertex:
            c["createTime"] = "2025-01-01T00:00:00.000000Z"
        c["responseId"] = resp_id
        return c
    if not rt.stream:
        body = chunk("".join(pieces(n)), t.out, True)
        return Reply(200, "application/json; charset=UTF-8", headers, it, body=jp(body),
                     carriers={"body": body["usageMetadata"]}, norm=norm_gemini)
    chunks = [chunk(p, max(1, t.out * (i + 1) // n) if t.out else 0, i == n - 1)
              for i, p in enumerate(pieces(n))]
    if req.query.get("alt") == "sse":
        events = [Event(b"data: " + jc(c) + b"\r\n\r\n", "chunk", c["usageMetadata"])
                  for c in chunks]
        return Reply(200, "text/event-stream", headers, it, events=events, norm=norm_gemini)
    events = [Event((b"[" if i == 0 else b"\r\n,\r\n") + jp(c), "chunk", c["usageMetadata"])
              for i, c in enumerate(chunks)]
    events.append(Event(b"]"))
    it["framing"] = "json_array"
    return Reply(200, "application/json; charset=UTF-8", headers, it, events=events,
                 norm=norm_gemini)


def build_gemini_embed(req, rt):
    values = [((i * 13 + len(req.body)) % 100 - 50) / 1000.0 for i in range(8)]
    it = info(rt.provider, "embeddings", req, rt.request_model, None, False)
    return Reply(200, "application/json; charset=UTF-8", [("server", "scaffolding on HTTPServer2")],
                 it, body=jp({"embedding": {"values": values}}))


# ---- Ollama native ----------------------------------------------------------------

def build_ollama(req, rt):
    stream = req.field("stream") is not False  # native API: on unless false
    n = event_count(req)
    t = pick_tokens(req, "ollama")
    model = override_model(req, rt.request_model or "llama3.2")
    chat = rt.operation == "chat"
    it = info("ollama", rt.operation, req, rt.request_model, model, stream)
    created = "2025-01-01T00:00:00.000000Z"

    def obj(text, done):
        o = {"model": model, "created_at": created}
        if chat:
            o["message"] = {"role": "assistant", "content": text}
        else:
            o["response"] = text
        o["done"] = done
        if done:
            o.update(done_reason="stop", total_duration=123456789, load_duration=1234567,
                     prompt_eval_count=t.inp, prompt_eval_duration=2345678,
                     eval_count=t.out, eval_duration=3456789)
            if not chat:
                o["context"] = [1, 2, 3]
        return o
    usage_of = lambda o: {"prompt_eval_count": o["prompt_eval_count"], "eval_count": o["eval_count"]}
    if not stream:
        o = obj("".join(pieces(n)), True)
        return Reply(200, "application/json; charset=utf-8", [], it, body=jc(o),
                     carriers={"body": usage_of(o)}, norm=norm_ollama)
    events = [Event(jc(obj(p, False)) + b"\n") for p in pieces(n)]
    last = obj("", True)
    events.append(Event(jc(last) + b"\n", "done", usage_of(last)))
    return Reply(200, "application/x-ndjson", [], it, events=events, norm=norm_ollama)
