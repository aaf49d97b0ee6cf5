#!/usr/bin/python3
"""Record replay fixtures from real clients talking to tools/fakeai.py.

Usage (root): tools/mkfixtures.py [--out tests/fixtures] [--only SUBSTR ...]
              [--keep-work] [--list]
              tools/mkfixtures.py certs DIR   (a test CA + a cert for every host below)

Runs itself again inside private mount and network namespaces (unshare -m -n):
a loopback of its own, so the fake server takes port 443 and the clients use
the real provider URLs through a bind-mounted /etc/hosts; no traffic leaves
the namespace. The server runs with --record; each fixture's connections are
merged (time order, conn ids renumbered from 1) into
  <out>/<name>.capture.jsonl  the tokentap capture format (see fakeai.Recorder)
  <out>/<name>.expect.jsonl   the server's "exchange" log lines for them
and <out>/README.md lists the fixtures. Some fixtures are then derived by
editing recorded ones (a connection joined midway, gaps). Ids and timestamps
change from run to run; everything else is reproducible.
Clients: curl, /usr/bin/python3 + requests, node fetch, and the openai and
@anthropic-ai/sdk npm packages (npm ci in tests/e2e/node when missing).
"""

import argparse
import base64
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
TOOLS = os.path.join(ROOT, "tools")
CLIENTS = os.path.join(ROOT, "tests", "e2e", "clients")
NODE_DIR = os.path.join(ROOT, "tests", "e2e", "node")
PY = "/usr/bin/python3"  # Debian's python: requests, brotli, zstandard
HOSTS = ["api.openai.com", "tokentap-test.openai.azure.com", "api.anthropic.com",
         "generativelanguage.googleapis.com", "us-central1-aiplatform.googleapis.com",
         "bedrock-runtime.us-east-1.amazonaws.com", "api.deepseek.com", "localhost",
         "openrouter.ai", "api.groq.com", "api.together.xyz", "api.mistral.ai", "api.x.ai",
         "api.fireworks.ai", "api.perplexity.ai", "api.cohere.com",
         "us-east5-aiplatform.googleapis.com", "llm-gateway.internal"]
KEY = "sk-fixture-not-a-real-key"
CLIENT_TIMEOUT = 120
SETTLE_TIMEOUT = 15


class Failure(Exception):
    pass


# ---- certificates ---------------------------------------------------------------

def gen_certs(directory):
    """Test CA + server cert (EC P-256) with every name in HOSTS."""
    os.makedirs(directory, exist_ok=True)
    d = lambda name: os.path.join(directory, name)  # noqa: E731
    with open(d("ca.ext"), "w") as f:
        f.write("basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\n"
                "subjectKeyIdentifier = hash\n")
    with open(d("server.ext"), "w") as f:
        f.write("basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\n"
                "extendedKeyUsage = serverAuth\nsubjectKeyIdentifier = hash\n"
                "authorityKeyIdentifier = keyid, issuer\nsubjectAltName = @alt\n[alt]\n")
        for i, host in enumerate(HOSTS):
            f.write("DNS.%d = %s\n" % (i + 1, host))
        f.write("IP.1 = 127.0.0.1\n")
    steps = [
        ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", d("ca.key")],
        ["req", "-new", "-key", d("ca.key"), "-subj", "/CN=tokentap fixture CA", "-out", d("ca.csr")],
        ["x509", "-req", "-in", d("ca.csr"), "-signkey", d("ca.key"), "-days", "30", "-sha256",
         "-extfile", d("ca.ext"), "-out", d("ca.pem")],
        ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
         d("server.key")],
        ["req", "-new", "-key", d("server.key"), "-subj", "/CN=api.openai.com", "-out",
         d("server.csr")],
        ["x509", "-req", "-in", d("server.csr"), "-CA", d("ca.pem"), "-CAkey", d("ca.key"),
         "-CAcreateserial", "-CAserial", d("ca.srl"), "-days", "30", "-sha256",
         "-extfile", d("server.ext"), "-out", d("server.pem")],
        ["verify", "-CAfile", d("ca.pem"), d("server.pem")],
    ]
    for argv in steps:
        res = subprocess.run(["openssl"] + argv, capture_output=True, text=True)
        if res.returncode:
            raise Failure("openssl %s failed: %s" % (argv[0], res.stderr.strip()))
    os.chmod(d("ca.pem"), 0o644)
    os.chmod(d("server.pem"), 0o644)


# ---- fixture specs ----------------------------------------------------------------

def url(host, path):
    return "https://%s%s" % (host, path)


def chat_body(tag, **kw):
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "fixture " + tag}]}
    body.update(kw)
    return body


def curl(target, body=None, headers=(), extra=(), form=None):
    argv = ["curl", "-sS", "--http1.1", "-o", "/dev/null", "-H", "Authorization: Bearer " + KEY]
    for h in headers:
        argv += ["-H", h]
    if form is not None:
        for f in form:
            argv += ["-F", f]
    elif body is not None:
        argv += ["-H", "Content-Type: application/json", "--data-binary", json.dumps(body)]
    return {"client": "curl", "argv": argv + list(extra) + [target]}


def curl_next(*transfers):
    """Several transfers in one curl run (--next): one keep-alive connection."""
    argv = list(transfers[0]["argv"])
    for t in transfers[1:]:
        argv += ["--next"] + t["argv"][1:]
    return {"client": "curl", "argv": argv}


def plan(kind, requests):
    return {"client": kind, "plan": {"requests": requests}}


def sdk(kind, client, calls):
    return {"client": "node-" + kind, "plan": {"sdk": kind, "client": client, "calls": calls}}


OPENAI = {"apiKey": KEY, "maxRetries": 2}
OAI = "api.openai.com"
AZ = "tokentap-test.openai.azure.com"
ANT = "api.anthropic.com"
GEM = "generativelanguage.googleapis.com"
VTX = "us-central1-aiplatform.googleapis.com"
BR = "bedrock-runtime.us-east-1.amazonaws.com"
VTX_PATH = "/v1/projects/tokentap-test/locations/us-central1/publishers/google/models/"
BR_MODEL = "anthropic.claude-3-5-haiku-20241022-v1%3A0"  # ':' percent-encoded, as boto3 sends it
GEM_BODY = {"contents": [{"role": "user", "parts": [{"text": "fixture gemini"}]}]}
CONVERSE_BODY = {"messages": [{"role": "user", "content": [{"text": "fixture converse"}]}],
                 "inferenceConfig": {"maxTokens": 64}}
INVOKE_BODY = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64,
               "messages": [{"role": "user", "content": "fixture invoke"}]}
GZIP_ONLY = {"Accept-Encoding": "gzip, deflate"}  # requests without python3-brotli
VTX5 = "us-east5-aiplatform.googleapis.com"
VTX_ANT_PATH = "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5:"
VTX_ANT_BODY = {"anthropic_version": "vertex-2023-10-16", "max_tokens": 64,
                "messages": [{"role": "user", "content": "fixture vertex claude"}]}
GATEWAY = "llm-gateway.internal"  # tests/fixtures/replay-config.json: provider "openai"
CUT = (18, 56)  # curl: partial file / receive failure


def msg_params(tag, **kw):
    p = {"model": "claude-sonnet-4-5", "max_tokens": 64,
         "messages": [{"role": "user", "content": "fixture " + tag}]}
    p.update(kw)
    return p


def specs():
    """(name, covers, exchanges, client spec[, allowed exit codes])."""
    s = []

    def add(name, covers, exchanges, client, rcs=(0,)):
        s.append(dict(client, name=name, covers=covers, exchanges=exchanges, rcs=rcs))
    chat = "chat.completions.create"
    add("openai-chat-json-br", "chat non-stream, br (undici Accept-Encoding)", 1,
        sdk("openai", OPENAI, [{"api": chat, "params": chat_body("sdk")}]))
    add("openai-chat-sse-usage", "chat stream with include_usage: final usage chunk, [DONE]", 1,
        sdk("openai", OPENAI, [{"api": chat, "params": chat_body(
            "sdk stream", stream=True, stream_options={"include_usage": True})}]))
    add("openai-chat-sse-nousage", "chat stream without include_usage: no usage at all", 1,
        curl(url(OAI, "/v1/chat/completions"), chat_body("nousage", stream=True)))
    add("openai-chat-json-retry", "SDK retry: 429 (attempt 0) then 200 (attempt 1)", 2,
        sdk("openai", dict(OPENAI, defaultHeaders={"X-Fake-Fail-Times": "1"}),
            [{"api": chat, "params": chat_body("retry")}]))
    # A retry loop without retry headers (python requests, the same body
    # again): the agent infers attempts 0, 1, 2 from the body hash.
    add("openai-chat-json-retry-inferred", "no-SDK retry loop: 429, 503, 200, same body", 3,
        plan("py", [{"url": url(OAI, "/v1/chat/completions"), "json": chat_body("loop"),
                     "headers": {"Authorization": "Bearer " + KEY,
                                 "X-Fake-Script": "429,503,200"}}] * 3))
    add("openai-chat-json-fallback", "fallback: 503 on gpt-4o-mini, same body to gpt-4o", 2,
        plan("py", [{"url": url(OAI, "/v1/chat/completions"),
                     "json": chat_body("fallback", model=m),
                     "headers": {"Authorization": "Bearer " + KEY, "X-Fake-Script": st}}
                    for m, st in (("gpt-4o-mini", "503"), ("gpt-4o", "200"))]))
    add("openai-chat-error-429", "429 rate_limit_exceeded with retry-after", 1,
        curl(url(OAI, "/v1/chat/completions"), chat_body("429"), ["X-Fake-Status: 429"]))
    add("openai-chat-error-500", "500 server_error, error body br-compressed", 1,
        plan("py", [{"url": url(OAI, "/v1/chat/completions"), "json": chat_body("500"),
                     "headers": {"Authorization": "Bearer " + KEY, "X-Fake-Status": "500"}}]))
    add("openai-chat-error-401", "401 invalid_api_key, SDK does not retry", 1,
        sdk("openai", dict(OPENAI, maxRetries=0, defaultHeaders={"X-Fake-Status": "401"}),
            [{"api": chat, "params": chat_body("401"), "expectError": True}]))
    add("openai-chat-sse-abort", "stream cut after 3 events: no [DONE], no usage, no 0-chunk", 1,
        curl(url(OAI, "/v1/chat/completions"), chat_body(
            "abort", stream=True, stream_options={"include_usage": True}),
            ["X-Fake-Abort-After: 3"]), rcs=(18, 56))
    add("openai-chat-sse-2000", "2,000 content events + usage chunk (node fetch)", 1,
        plan("fetch", [{"url": url(OAI, "/v1/chat/completions"), "json": chat_body(
            "long", stream=True, stream_options={"include_usage": True}),
            "headers": {"authorization": "Bearer " + KEY, "x-fake-events": "2000"}}]))
    add("openai-chat-json-keepalive", "3 exchanges on one keep-alive connection, gzip", 3,
        plan("py", [{"url": url(OAI, "/v1/chat/completions"), "json": chat_body("ka%d" % i),
                     "headers": dict(GZIP_ONLY, Authorization="Bearer " + KEY)}
                    for i in range(3)]))
    add("openai-chat-json-gzip", "chat non-stream, gzip (requests)", 1,
        plan("py", [{"url": url(OAI, "/v1/chat/completions"), "json": chat_body("gzip"),
                     "headers": dict(GZIP_ONLY, Authorization="Bearer " + KEY)}]))
    add("openai-chat-json-deflate", "chat non-stream, deflate (zlib format)", 1,
        curl(url(OAI, "/v1/chat/completions"), chat_body("deflate"), ["X-Fake-Encoding: deflate"],
             ["--compressed"]))
    add("openai-chat-json-zstd", "chat non-stream, zstd", 1,
        curl(url(OAI, "/v1/chat/completions"), chat_body("zstd"), ["X-Fake-Encoding: zstd"],
             ["--compressed"]))
    add("openai-chat-json-chunked", "chat non-stream, Transfer-Encoding: chunked (3 chunks)", 1,
        curl(url(OAI, "/v1/chat/completions"), chat_body("chunked"), ["X-Fake-Chunked: 1"]))
    add("openai-chat-json-identity", "chat non-stream, Content-Length, no encoding", 1,
        curl(url(OAI, "/v1/chat/completions"), chat_body("identity")))
    add("openai-chat-sse-gzip", "chat stream gzip-compressed (sync flush per event)", 1,
        curl(url(OAI, "/v1/chat/completions"), chat_body(
            "sse gzip", stream=True, stream_options={"include_usage": True}),
            ["X-Fake-Encoding: gzip"], ["--compressed"]))
    add("openai-chat-json-tokens", "explicit X-Fake-Tokens with cached, cache-write, reasoning", 1,
        curl(url(OAI, "/v1/chat/completions"), chat_body("tokens", model="o4-mini"),
             ["X-Fake-Tokens: 2000,700,1500,100,500"]))
    add("openai-responses-json", "Responses API non-stream", 1,
        sdk("openai", OPENAI, [{"api": "responses.create",
                                "params": {"model": "gpt-4.1-mini", "input": "fixture"}}]))
    add("openai-responses-sse", "Responses API stream: event:+data:, usage in response.completed", 1,
        sdk("openai", OPENAI, [{"api": "responses.create", "params": {
            "model": "gpt-4.1-mini", "input": "fixture stream", "stream": True}}]))
    add("openai-completions-json", "legacy completions, model with ':' snapshot", 1,
        sdk("openai", OPENAI, [{"api": "completions.create", "params": {
            "model": "gpt-3.5-turbo-instruct", "prompt": "fixture"}}]))
    add("openai-completions-sse", "legacy completions stream with include_usage", 1,
        curl(url(OAI, "/v1/completions"), {"model": "gpt-3.5-turbo-instruct", "prompt": "x",
                                          "stream": True,
                                          "stream_options": {"include_usage": True}}))
    add("openai-embeddings-json", "embeddings (SDK asks base64), prompt_tokens only", 1,
        sdk("openai", OPENAI, [{"api": "embeddings.create", "params": {
            "model": "text-embedding-3-small", "input": "fixture"}}]))
    add("openai-moderations-json", "moderations: no usage", 1,
        plan("py", [{"url": url(OAI, "/v1/moderations"), "headers": {"Authorization": "Bearer " + KEY},
                     "json": {"model": "omni-moderation-latest", "input": "fixture"}}]))
    add("openai-images-json", "gpt-image-1 generation with token usage", 1,
        sdk("openai", OPENAI, [{"api": "images.generate", "params": {
            "model": "gpt-image-1", "prompt": "a dot", "size": "1024x1024", "quality": "low"}}]))
    add("openai-audio-transcription", "multipart transcription, usage type tokens", 1,
        sdk("openai", OPENAI, [{"api": "audio.transcriptions.create", "file": "clip.wav",
                                "params": {"model": "gpt-4o-mini-transcribe"}}]))
    add("openai-audio-transcription-sse", "multipart transcription stream (curl -F)", 1,
        curl(url(OAI, "/v1/audio/transcriptions"), form=[
            "model=gpt-4o-transcribe", "stream=true", "file=@WORKDIR/clip.wav"]))
    azure = {"endpoint": "https://" + AZ, "apiKey": KEY, "apiVersion": "2024-10-21",
             "deployment": "prod-gpt-4o-mini"}
    add("azure-chat-json", "Azure deployment path + api-version; snapshot model; filters", 1,
        sdk("azure", azure, [{"api": chat, "params": chat_body("azure")}]))
    add("azure-chat-sse", "Azure stream: first chunk empty choices + prompt_filter_results", 1,
        sdk("azure", azure, [{"api": chat, "params": chat_body(
            "azure stream", stream=True, stream_options={"include_usage": True})}]))
    add("azure-chat-v1", "Azure /openai/v1 (model = deployment name)", 1,
        sdk("openai", dict(OPENAI, baseURL="https://%s/openai/v1/" % AZ),
            [{"api": chat, "params": chat_body("azure v1", model="team-gpt-4.1")}]))
    add("azure-chat-error-429", "Azure 429: error.code \"429\"", 1,
        curl(url(AZ, "/openai/deployments/prod-gpt-4o-mini/chat/completions?api-version=2024-10-21"),
             chat_body("azure 429"), ["X-Fake-Status: 429", "api-key: " + KEY]))
    anth = {"apiKey": KEY, "maxRetries": 2}
    add("anthropic-messages-json", "Messages non-stream, cache read/write usage", 1,
        sdk("anthropic", anth, [{"api": "messages.create", "params": msg_params("json")}]))
    add("anthropic-messages-sse", "Messages stream: message_start/ping/deltas/message_delta", 1,
        sdk("anthropic", dict(anth, defaultHeaders={"X-Fake-Events": "6"}),
            [{"api": "messages.create", "params": msg_params("sse", stream=True)}]))
    add("anthropic-messages-json-retry", "SDK retry: 429 then 200 (attempts 0, 1)", 2,
        sdk("anthropic", dict(anth, defaultHeaders={"X-Fake-Fail-Times": "1"}),
            [{"api": "messages.create", "params": msg_params("retry")}]))
    add("anthropic-messages-error-529", "529 overloaded_error", 1,
        sdk("anthropic", dict(anth, maxRetries=0, defaultHeaders={"X-Fake-Status": "529"}),
            [{"api": "messages.create", "params": msg_params("529"), "expectError": True}]))
    add("anthropic-messages-sse-abort", "stream cut after message_start..2 deltas: partial usage", 1,
        sdk("anthropic", dict(anth, defaultHeaders={"X-Fake-Abort-After": "5"}),
            [{"api": "messages.create", "params": msg_params("abort", stream=True),
              "expectError": True}]))
    add("anthropic-messages-json-gzip", "Messages non-stream gzip (requests)", 1,
        plan("py", [{"url": url(ANT, "/v1/messages"), "json": msg_params("gzip"),
                     "headers": dict(GZIP_ONLY, **{"x-api-key": KEY,
                                                   "anthropic-version": "2023-06-01"})}]))
    add("anthropic-messages-sse-tokens", "stream with explicit tokens incl. thinking tokens", 1,
        curl(url(ANT, "/v1/messages"), msg_params("tokens", stream=True),
             ["X-Fake-Tokens: 100,50,1000,200,30", "anthropic-version: 2023-06-01"]))
    gen = "/v1beta/models/gemini-2.5-flash:"
    add("gemini-generate-json", "generateContent, pretty JSON, thoughtsTokenCount", 1,
        plan("py", [{"url": url(GEM, gen + "generateContent"), "json": GEM_BODY,
                     "headers": {"x-goog-api-key": KEY}}]))
    add("gemini-stream-sse", "streamGenerateContent?alt=sse, CRLF CRLF, growing usage", 1,
        curl(url(GEM, gen + "streamGenerateContent?alt=sse"), GEM_BODY,
             ["x-goog-api-key: " + KEY, "X-Fake-Events: 4"]))
    add("gemini-stream-jsonarray", "streamGenerateContent without alt: chunked JSON array", 1,
        plan("fetch", [{"url": url(GEM, gen + "streamGenerateContent"), "json": GEM_BODY,
                        "headers": {"x-goog-api-key": KEY, "x-fake-events": "4"}}]))
    add("gemini-embed-json", "embedContent: no usage", 1,
        curl(url(GEM, "/v1beta/models/text-embedding-004:embedContent"),
             {"content": {"parts": [{"text": "fixture"}]}}, ["x-goog-api-key: " + KEY]))
    add("gemini-generate-error-429", "429 RESOURCE_EXHAUSTED with RetryInfo", 1,
        curl(url(GEM, gen + "generateContent"), GEM_BODY,
             ["x-goog-api-key: " + KEY, "X-Fake-Status: 429"]))
    add("vertex-generate-json", "Vertex generateContent (projects/locations path)", 1,
        curl(url(VTX, VTX_PATH + "gemini-2.5-pro:generateContent"), GEM_BODY))
    add("vertex-stream-sse", "Vertex streamGenerateContent?alt=sse (requests, streamed)", 1,
        plan("py", [{"url": url(VTX, VTX_PATH + "gemini-2.5-flash:streamGenerateContent?alt=sse"),
                     "json": GEM_BODY, "stream": True, "headers": {"Authorization": "Bearer " + KEY}}]))
    add("bedrock-invoke-json", "InvokeModel, Anthropic body + x-amzn-bedrock-*-token-count", 1,
        plan("py", [{"url": url(BR, "/model/%s/invoke" % BR_MODEL), "json": INVOKE_BODY,
                     "headers": {"Authorization": "Bearer " + KEY}}]))
    add("bedrock-converse-json", "Converse: inputTokens/outputTokens/totalTokens + cache", 1,
        curl(url(BR, "/model/%s/converse" % BR_MODEL), CONVERSE_BODY))
    add("bedrock-conversestream-eventstream", "ConverseStream eventstream, metadata usage", 1,
        plan("py", [{"url": url(BR, "/model/%s/converse-stream" % BR_MODEL), "stream": True,
                     "json": CONVERSE_BODY, "headers": {"Authorization": "Bearer " + KEY}}]))
    add("bedrock-invokestream-eventstream", "InvokeModelWithResponseStream: chunk bytes + "
        "invocationMetrics", 1,
        plan("fetch", [{"url": url(BR, "/model/%s/invoke-with-response-stream" % BR_MODEL),
                        "json": INVOKE_BODY, "headers": {"authorization": "Bearer " + KEY}}]))
    add("bedrock-converse-error-429", "ThrottlingException (x-amzn-errortype)", 1,
        curl(url(BR, "/model/%s/converse" % BR_MODEL), CONVERSE_BODY, ["X-Fake-Status: 429"]))
    add("bedrock-conversestream-abort", "ConverseStream cut after 3 messages: no metadata", 1,
        curl(url(BR, "/model/%s/converse-stream" % BR_MODEL), CONVERSE_BODY,
             ["X-Fake-Abort-After: 3"]), rcs=(18, 56))
    add("deepseek-chat-json", "OpenAI-compatible host: prompt_cache_hit/miss_tokens", 1,
        sdk("openai", dict(OPENAI, baseURL="https://api.deepseek.com"),
            [{"api": chat, "params": chat_body("deepseek", model="deepseek-chat")}]))
    add("deepseek-chat-sse", "DeepSeek stream with usage, reasoner", 1,
        curl(url("api.deepseek.com", "/chat/completions"), chat_body(
            "deepseek", model="deepseek-reasoner", stream=True,
            stream_options={"include_usage": True})))
    add("ollama-chat-ndjson", "Ollama /api/chat NDJSON (stream by default)", 1,
        curl(url("localhost", "/api/chat"), {"model": "llama3.2:1b", "messages": [
            {"role": "user", "content": "fixture"}]}))
    add("ollama-generate-ndjson", "Ollama /api/generate NDJSON (requests, streamed)", 1,
        plan("py", [{"url": url("localhost", "/api/generate"), "stream": True,
                     "json": {"model": "llama3.2:1b", "prompt": "fixture"}}]))
    add("ollama-chat-json", "Ollama /api/chat stream:false (node fetch)", 1,
        plan("fetch", [{"url": url("localhost", "/api/chat"), "json": {
            "model": "llama3.2:1b", "stream": False,
            "messages": [{"role": "user", "content": "fixture"}]}}]))
    s += compat_specs(chat)
    s += mode_specs(chat, anth)
    return s


def compat_specs(chat):
    """OpenAI-compatible hosts, each in its own dialect (fakeai_providers.chat_usage)."""
    s = []

    def add(name, covers, exchanges, client, rcs=(0,), pending=None):
        s.append(dict(client, name=name, covers=covers, exchanges=exchanges, rcs=rcs,
                      pending=pending))

    def via_sdk(base, params, headers=None):
        client = dict(OPENAI, baseURL=base)
        if headers:
            client["defaultHeaders"] = headers
        return sdk("openai", client, [{"api": chat, "params": params}])

    def via_py(target, body, stream=False, headers=None):
        h = {"Authorization": "Bearer " + KEY}
        h.update(headers or {})
        return plan("py", [{"url": target, "json": body, "stream": stream, "headers": h}])
    orr, groq = "https://openrouter.ai/api/v1", "https://api.groq.com/openai/v1"
    add("openrouter-chat-json", "OpenRouter /api/v1: usage.cost, cost_details, is_byok", 1,
        via_sdk(orr, chat_body("openrouter", model="openai/gpt-4o-mini")))
    add("openrouter-chat-sse", "OpenRouter stream without include_usage: ': OPENROUTER "
        "PROCESSING' comment, usage chunk anyway", 1,
        via_sdk(orr, chat_body("openrouter stream", model="openai/gpt-4o-mini", stream=True)))
    add("groq-chat-json", "Groq /openai/v1: usage with queue/prompt/completion times, x_groq.id", 1,
        via_sdk(groq, chat_body("groq", model="llama-3.3-70b-versatile")))
    add("groq-chat-sse", "Groq stream with include_usage: usage chunk (choices []) and "
        "x_groq.usage in the finish chunk", 1,
        curl(url("api.groq.com", "/openai/v1/chat/completions"), chat_body(
            "groq stream", model="llama-3.1-8b-instant", stream=True,
            stream_options={"include_usage": True})))
    add("groq-chat-sse-xgroq", "Groq stream without include_usage: usage only in "
        "x_groq.usage of the finish chunk", 1,
        via_py(url("api.groq.com", "/openai/v1/chat/completions"),
               chat_body("groq x_groq", model="llama-3.1-8b-instant", stream=True), True))
    add("together-chat-json", "Together /v1: prompt/completion/total only", 1,
        via_py(url("api.together.xyz", "/v1/chat/completions"),
               chat_body("together", model="meta-llama/Llama-3.3-70B-Instruct-Turbo")))
    add("together-chat-sse", "Together stream: usage in the finish chunk, null before", 1,
        via_sdk("https://api.together.xyz/v1", chat_body(
            "together stream", model="meta-llama/Llama-3.3-70B-Instruct-Turbo", stream=True)))
    add("mistral-chat-json", "Mistral /v1: prompt/completion/total only, hex ids", 1,
        curl(url("api.mistral.ai", "/v1/chat/completions"),
             chat_body("mistral", model="mistral-small-latest")))
    add("mistral-chat-sse", "Mistral stream: usage in the finish chunk (node fetch)", 1,
        plan("fetch", [{"url": url("api.mistral.ai", "/v1/chat/completions"),
                        "json": chat_body("mistral stream", model="mistral-small-latest",
                                          stream=True),
                        "headers": {"authorization": "Bearer " + KEY}}]))
    add("xai-chat-json", "xAI grok-3-mini: reasoning_tokens outside completion_tokens, "
        "inside total_tokens", 1,
        via_sdk("https://api.x.ai/v1", chat_body("xai", model="grok-3-mini"),
                {"X-Fake-Tokens": "30,100,4,0,90"}))
    add("xai-chat-sse", "xAI stream with include_usage: usage in the finish chunk, then an "
        "empty chunk; no reasoning", 1,
        curl(url("api.x.ai", "/v1/chat/completions"), chat_body(
            "xai stream", model="grok-4-fast-non-reasoning", stream=True,
            stream_options={"include_usage": True}), ["X-Fake-Tokens: 40,12,8"]))
    add("fireworks-chat-json", "Fireworks /inference/v1: model with slashes, cached_tokens", 1,
        curl(url("api.fireworks.ai", "/inference/v1/chat/completions"), chat_body(
            "fireworks", model="accounts/fireworks/models/llama-v3p1-8b-instruct")))
    add("fireworks-chat-sse", "Fireworks stream: usage in the finish chunk (requests)", 1,
        via_py(url("api.fireworks.ai", "/inference/v1/chat/completions"), chat_body(
            "fireworks stream", model="accounts/fireworks/models/llama-v3p1-8b-instruct",
            stream=True), True))
    add("perplexity-chat-json", "Perplexity /chat/completions (no /v1): usage.cost, "
        "search_context_size, citations", 1,
        via_py(url("api.perplexity.ai", "/chat/completions"), chat_body("perplexity",
                                                                        model="sonar")))
    add("perplexity-chat-sse", "Perplexity stream: running usage in every chunk, final in "
        "the finish chunk, no [DONE]", 1,
        curl(url("api.perplexity.ai", "/chat/completions"), chat_body(
            "perplexity stream", model="sonar", stream=True), ["X-Fake-Events: 4"]))
    cohere = {"model": "command-a-03-2025", "messages": [{"role": "user",
                                                          "content": "fixture cohere"}]}
    add("cohere-chat-json", "Cohere v2 /v2/chat: usage.billed_units + usage.tokens, no model", 1,
        via_py(url("api.cohere.com", "/v2/chat"), cohere))
    add("cohere-chat-sse", "Cohere v2 stream: message-start ... message-end with delta.usage", 1,
        curl(url("api.cohere.com", "/v2/chat"), dict(cohere, stream=True)))
    add("gateway-chat-json", "custom endpoint (replay-config.json provider openai), "
        "OpenAI SDK", 1, via_sdk("https://%s/v1" % GATEWAY, chat_body("gateway")))
    add("gateway-chat-sse", "custom endpoint stream with include_usage", 1,
        curl(url(GATEWAY, "/v1/chat/completions"), chat_body(
            "gateway stream", stream=True, stream_options={"include_usage": True})))
    return s


def mode_specs(chat, anth):
    """Transports, errors, retries and aborts across providers; HEAD; 100-continue."""
    s = []

    def add(name, covers, exchanges, client, rcs=(0,)):
        s.append(dict(client, name=name, covers=covers, exchanges=exchanges, rcs=rcs))
    gen = "/v1beta/models/gemini-2.5-flash:"
    gk = "x-goog-api-key: " + KEY
    bm = "/model/%s/" % BR_MODEL
    av = "anthropic-version: 2023-06-01"
    add("vertex-anthropic-json", "Claude on Vertex :rawPredict: model only in the path, "
        "anthropic_version vertex-2023-10-16", 1,
        plan("py", [{"url": url(VTX5, VTX_ANT_PATH + "rawPredict"), "json": VTX_ANT_BODY,
                     "headers": {"Authorization": "Bearer " + KEY}}]))
    add("vertex-anthropic-sse", "Claude on Vertex :streamRawPredict (\"stream\": true)", 1,
        curl(url(VTX5, VTX_ANT_PATH + "streamRawPredict"), dict(VTX_ANT_BODY, stream=True)))
    add("anthropic-messages-sse-gzip", "Messages stream gzip-compressed (sync flush per "
        "event)", 1,
        curl(url(ANT, "/v1/messages"), msg_params("sse gzip", stream=True),
             [av, "X-Fake-Encoding: gzip"], ["--compressed"]))
    add("anthropic-messages-sse-br", "Messages stream br-compressed (flush per event)", 1,
        curl(url(ANT, "/v1/messages"), msg_params("sse br", stream=True),
             [av, "X-Fake-Encoding: br"], ["--compressed"]))
    add("gemini-generate-json-gzip", "generateContent gzip (requests)", 1,
        plan("py", [{"url": url(GEM, gen + "generateContent"), "json": GEM_BODY,
                     "headers": dict(GZIP_ONLY, **{"x-goog-api-key": KEY})}]))
    add("gemini-generate-json-zstd", "generateContent zstd", 1,
        curl(url(GEM, gen + "generateContent"), GEM_BODY, [gk, "X-Fake-Encoding: zstd"],
             ["--compressed"]))
    add("gemini-stream-sse-zstd", "streamGenerateContent?alt=sse zstd (block flush per "
        "event)", 1,
        curl(url(GEM, gen + "streamGenerateContent?alt=sse"), GEM_BODY,
             [gk, "X-Fake-Encoding: zstd", "X-Fake-Events: 4"], ["--compressed"]))
    add("bedrock-converse-json-chunked", "Converse, Transfer-Encoding: chunked (3 chunks)", 1,
        curl(url(BR, bm + "converse"), CONVERSE_BODY, ["X-Fake-Chunked: 1"]))
    add("anthropic-messages-error-429", "429 rate_limit_error, SDK does not retry", 1,
        sdk("anthropic", dict(anth, maxRetries=0, defaultHeaders={"X-Fake-Status": "429"}),
            [{"api": "messages.create", "params": msg_params("429"), "expectError": True}]))
    add("gemini-generate-error-500", "500 INTERNAL", 1,
        curl(url(GEM, gen + "generateContent"), GEM_BODY, [gk, "X-Fake-Status: 500"]))
    add("bedrock-invoke-error-400", "InvokeModel 400 ValidationException (x-amzn-errortype)", 1,
        curl(url(BR, bm + "invoke"), INVOKE_BODY, ["X-Fake-Status: 400"]))
    add("azure-chat-error-401", "Azure 401: error.code \"401\", SDK does not retry", 1,
        sdk("azure", {"endpoint": "https://" + AZ, "apiKey": KEY, "apiVersion": "2024-10-21",
                      "deployment": "prod-gpt-4o-mini", "maxRetries": 0,
                      "defaultHeaders": {"X-Fake-Status": "401"}},
            [{"api": chat, "params": chat_body("azure 401"), "expectError": True}]))
    retry = [gk, "X-Fake-Fail-Times: 1"]
    add("gemini-generate-json-retry", "curl retry, explicit X-Stainless-Retry-Count: 429 "
        "(attempt 0) then 200 (attempt 1), one connection", 2,
        curl_next(curl(url(GEM, gen + "generateContent"), GEM_BODY,
                       retry + ["X-Stainless-Retry-Count: 0"]),
                  curl(url(GEM, gen + "generateContent"), GEM_BODY,
                       retry + ["X-Stainless-Retry-Count: 1"])))
    add("gemini-stream-sse-abort", "SSE stream cut after 2 of 4 chunks: running usage, "
        "no finishReason", 1,
        curl(url(GEM, gen + "streamGenerateContent?alt=sse"), GEM_BODY,
             [gk, "X-Fake-Events: 4", "X-Fake-Abort-After: 2"]), rcs=CUT)
    add("ollama-chat-ndjson-abort", "NDJSON stream cut after 2 lines: no done line", 1,
        curl(url("localhost", "/api/chat"), {"model": "llama3.2:1b", "messages": [
            {"role": "user", "content": "fixture abort"}]}, ["X-Fake-Abort-After: 2"]), rcs=CUT)
    add("openai-chat-json-abort", "non-stream JSON body cut after 120 of its Content-Length "
        "bytes", 1,
        curl(url(OAI, "/v1/chat/completions"), chat_body("body abort"),
             ["X-Fake-Abort-After: 120"]), rcs=CUT)
    add("bedrock-invoke-json-abort", "InvokeModel body cut after 80 bytes: usage in the "
        "x-amzn-bedrock-*-token-count headers only", 1,
        curl(url(BR, bm + "invoke"), INVOKE_BODY, ["X-Fake-Abort-After: 80"]), rcs=CUT)
    add("openai-chat-head", "HEAD (405, Content-Length, no body) then POST on the same "
        "connection", 2,
        curl_next({"argv": ["curl", "-sS", "--http1.1", "-o", "/dev/null", "-I", "-H",
                            "Authorization: Bearer " + KEY, url(OAI, "/v1/chat/completions")]},
                  curl(url(OAI, "/v1/chat/completions"), chat_body("after head"))))
    add("openai-chat-json-continue", "Expect: 100-continue upload (1.6 KB body): "
        "100 Continue, then the 200", 1,
        curl(url(OAI, "/v1/chat/completions"), chat_body("continue " + "x" * 1500),
             ["Expect: 100-continue"]))
    return s


# Hand-made fixtures: (name, source, covers, edit).
EDITS = [
    ("openai-chat-json-midway", "openai-chat-json-keepalive",
     "joined midway: capture starts in the middle of response 1 (no open event); "
     "exchanges 2 and 3 whole", "midway"),
    ("openai-chat-json-waiting", "openai-chat-json-keepalive",
     "joined while the client waited: capture starts with the whole response 1 "
     "(its request unseen, no open event); exchanges 2 and 3 whole", "waiting"),
    ("anthropic-messages-sse-gap", "anthropic-messages-sse",
     "ingress gap over content_block_delta events 2-3; usage events intact", "gap_sse"),
    ("openai-chat-json-gap", "openai-chat-json-identity",
     "ingress gap inside the JSON body, over the usage object", "gap_json"),
    ("openai-chat-json-lost", "openai-chat-json-keepalive",
     "records lost inside response 2's body (a stream offset jump, as when the "
     "ring buffer drops events): exchange 2 flagged gap, 1 and 3 whole", "lost"),
    ("openai-chat-json-lost-end", "openai-chat-json-keepalive",
     "records lost at the very end (response 3's last 10 bytes): no later record "
     "shows the jump, the close's offsets do: exchange 3 flagged gap", "lost_end"),
]


# ---- running clients ---------------------------------------------------------------

def client_argv(spec, work, ca):
    """argv and extra environment for one spec's client."""
    kind = spec["client"]
    if kind == "curl":  # the CA for every transfer: --next resets it
        argv = []
        for a in spec["argv"]:
            argv.append(a.replace("WORKDIR", work))
            if a in ("curl", "--next"):
                argv += ["--cacert", ca]
        return argv, {}
    path = os.path.join(work, spec["name"] + ".plan.json")
    with open(path, "w") as f:
        json.dump(spec["plan"], f)
    if kind == "py":
        return [PY, os.path.join(CLIENTS, "py_requests_plan.py"), path], {"REQUESTS_CA_BUNDLE": ca}
    script = "node_fetch_plan.js" if kind == "fetch" else "node_sdk.js"
    return ["node", os.path.join(CLIENTS, script), path], {"NODE_EXTRA_CA_CERTS": ca}


def client_label(spec):
    return {"curl": "curl", "py": "python3 requests", "fetch": "node fetch",
            "node-openai": "npm openai", "node-azure": "npm openai (AzureOpenAI)",
            "node-anthropic": "npm @anthropic-ai/sdk"}[spec["client"]]


def read_log(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def conn_files(rec):
    out = {}
    for p in glob.glob(os.path.join(rec, "conn-*.capture.jsonl*")):
        cid = int(os.path.basename(p).split("-")[1].split(".")[0])
        out[cid] = p
    return out


def run_spec(spec, work, ca, rec, log):
    before = max(conn_files(rec), default=0)
    argv, extra = client_argv(spec, work, ca)
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(extra)
    try:
        res = subprocess.run(argv, env=env, cwd=work, capture_output=True, timeout=CLIENT_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Failure("%s: client timed out" % spec["name"])
    if res.returncode not in spec["rcs"]:
        raise Failure("%s: client exit %d: %s" % (spec["name"], res.returncode,
                                                 res.stderr.decode(errors="replace")[-800:]))
    deadline = time.time() + SETTLE_TIMEOUT
    while True:  # every connection closed and logged
        files = {c: p for c, p in conn_files(rec).items() if c > before}
        closed = {l["conn"] for l in read_log(log) if l.get("event") == "conn"}
        if files and all(not p.endswith(".part") and c in closed for c, p in files.items()):
            break
        if time.time() > deadline:
            raise Failure("%s: connections did not close: %s" % (spec["name"], sorted(files)))
        time.sleep(0.05)
    return merge(spec, files, read_log(log))


def merge(spec, files, log_lines):
    """One fixture from its connections: events in time order, conns renumbered."""
    events = []
    for path in files.values():
        with open(path) as f:
            lines = [json.loads(line) for line in f if line.strip()]
        if lines[0] != {"tokentap_capture": 1}:
            raise Failure("%s: bad capture header" % path)
        events += lines[1:]
    events.sort(key=lambda e: e["ts_ns"])
    renum = {}
    for e in events:
        renum.setdefault(e["conn"], len(renum) + 1)
    conns = {l["conn"]: l for l in log_lines if l.get("event") == "conn" and l["conn"] in renum}
    totals = {}
    for e in events:
        if "data" in e:
            key = (e["conn"], e["dir"])
            totals[key] = totals.get(key, 0) + len(base64.b64decode(e["data"]))
        if "open" in e and not (e["open"]["pid"] > 0 and e["open"]["comm"]):
            raise Failure("%s: client process not found for conn %d" % (spec["name"], e["conn"]))
    for cid, c in conns.items():  # the recording is exactly what went through the socket
        if (totals.get((cid, "egress"), 0), totals.get((cid, "ingress"), 0)) != \
                (c["bytes_in"], c["bytes_out"]):
            raise Failure("%s: conn %d recorded bytes differ from the server's counts"
                          % (spec["name"], cid))
    expect = [l for l in log_lines if l.get("event") == "exchange" and l["conn"] in renum]
    for e in events + expect:
        e["conn"] = renum[e["conn"]]
    expect.sort(key=lambda l: (l["conn"], l["seq"]))
    if len(expect) != spec["exchanges"]:
        raise Failure("%s: %d exchanges, expected %d" % (spec["name"], len(expect),
                                                          spec["exchanges"]))
    return events, expect


# ---- hand-made edits ------------------------------------------------------------------

def stream_of(events, conn, direction):
    return b"".join(base64.b64decode(e["data"]) for e in events
                    if e["conn"] == conn and e.get("dir") == direction)


def b64(data):
    return base64.b64encode(data).decode("ascii")


def apply_gap(events, conn, direction, start, end, kind="gap"):
    """Replace bytes [start, end) of one direction by a gap event (kind
    "gap": a record without bytes) or drop them (kind "lost": no record,
    the next one's stream offset jumps)."""
    out, off, done = [], 0, False
    for e in events:
        if e["conn"] != conn or e.get("dir") != direction:
            out.append(e)
            continue
        data = base64.b64decode(e["data"])
        a, b = off, off + len(data)
        off = b
        if b <= start or a >= end:
            out.append(e)
            continue
        if a < start:
            out.append(dict(e, data=b64(data[:start - a])))
        if not done:
            out.append({"ts_ns": e["ts_ns"], "conn": conn, kind: {"dir": direction,
                                                                  "len": end - start}})
            done = True
        if b > end:
            out.append(dict(e, data=b64(data[end - a:])))
    return out


def cut_before(events, conn, direction, offset):
    """Drop everything of conn before byte `offset` of one direction: the
    capture begins mid-stream, as when the agent attaches late."""
    off = 0
    for i, e in enumerate(events):
        if e["conn"] != conn or e.get("dir") != direction:
            continue
        data = base64.b64decode(e["data"])
        if off + len(data) > offset:
            head = dict(e, data=b64(data[offset - off:]))
            return [x for x in events[:i] if x["conn"] != conn] + [head] + events[i + 1:]
        off += len(data)
    raise Failure("cut offset beyond the stream")


def edit(kind, events, expect):
    ingress = stream_of(events, 1, "ingress")
    if kind == "midway":
        second = ingress.index(b"HTTP/1.1 ", 1)  # response 2 starts here
        return cut_before(events, 1, "ingress", second // 2), [l for l in expect if l["seq"] > 0]
    if kind == "waiting":
        return cut_before(events, 1, "ingress", 0), [l for l in expect if l["seq"] > 0]
    if kind == "lost_end":
        return apply_gap(events, 1, "ingress", len(ingress) - 10, len(ingress), "lost"), expect
    if kind == "lost":
        second = ingress.index(b"HTTP/1.1 ", 1)  # response 2 starts here
        body = ingress.index(b"\r\n\r\n", second) + 4
        return apply_gap(events, 1, "ingress", body + 4, body + 24, "lost"), expect
    if kind == "gap_sse":
        marks = [i for i in range(len(ingress)) if ingress.startswith(b"event: content_block_delta", i)]
        return apply_gap(events, 1, "ingress", marks[1], marks[3]), expect
    start = ingress.index(b'"usage"')
    return apply_gap(events, 1, "ingress", start, start + 60), expect


# ---- output ---------------------------------------------------------------------------

def write_fixture(out, name, events, expect):
    with open(os.path.join(out, name + ".capture.jsonl"), "w") as f:
        f.write('{"tokentap_capture":1}\n')
        for e in events:
            f.write(json.dumps(e, separators=(",", ":")) + "\n")
    with open(os.path.join(out, name + ".expect.jsonl"), "w") as f:
        for line in expect:
            f.write(json.dumps(line, separators=(",", ":")) + "\n")


def load_fixture(out, name):
    with open(os.path.join(out, name + ".capture.jsonl")) as f:
        events = [json.loads(line) for line in f][1:]
    with open(os.path.join(out, name + ".expect.jsonl")) as f:
        expect = [json.loads(line) for line in f]
    return events, expect


README_HEAD = """# Capture fixtures

Recorded by `tools/mkfixtures.py` (root; see its docstring) from real clients
talking to `tools/fakeai.py` in a private network namespace. Do not edit by
hand: regenerate with `sudo tools/mkfixtures.py` (all) or
`sudo tools/mkfixtures.py --only NAME` (ids and timestamps change, nothing else).

- `<name>.capture.jsonl`: the tokentap capture format. Line 1
  `{"tokentap_capture":1}`; then, in time order across connections, objects with
  `ts_ns` (CLOCK_REALTIME ns) and `conn` (1, 2, ... per fixture) and one of:
  `"open": {"host": SNI, "pid", "comm"}` (connection start),
  `"dir": "egress"|"ingress", "data": base64` (bytes the client sent / received,
  one object per socket read/write of the server), `"gap": {"dir", "len"}`
  (a record whose bytes could not be copied), `"lost": {"dir", "len"}` (records
  that never arrived: the next record's stream offset jumps; both hand-made
  fixtures only), `"close": true` (connection end).
- `<name>.expect.jsonl`: the server's `exchange` log lines for those
  connections: exactly what was sent. `usage_sent` holds the provider's own
  usage objects per carrier (`body`, `headers`, or the stream event that carried
  them, last one per name); `usage_expected` the normalized values (input
  includes cache reads and writes, output includes reasoning/thoughts, null =
  not reported; null as a whole = no usage went out). `events_sent` <
  `events_total` with `aborted` for cut streams. `expect` is the same truth in
  the ai_call record's field names (provider, operation, request_model,
  response_model, stream, status, outcome, error_type, request_id, attempt,
  usage); `tests/run_golden.py` compares records against it. Keys the server
  cannot know are left out. In hand-made fixtures the lines are those of the
  recorded source (the midway one drops the exchange cut off).

| fixture | client | exchanges | covers |
|---|---|---|---|
"""


def write_readme(out, all_specs):
    rows = [(s["name"], client_label(s), s["exchanges"], s["covers"]) for s in all_specs
            if not s.get("pending")]
    for name, src, covers, _ in EDITS:
        rows.append((name, "edited from " + src, "-", covers))
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write(README_HEAD)
        for r in rows:
            f.write("| %s | %s | %s | %s |\n" % r)
        pending = [s for s in all_specs if s.get("pending")]
        if pending:
            f.write("\nPending: specs whose records the decoder still gets wrong. A full run "
                    "skips them;\n`--only NAME` records one, to check a decoder fix "
                    "(`tests/run_golden.py -k NAME`).\n\n")
            for s in pending:
                f.write("- `%s` (%s): %s.\n" % (s["name"], s["covers"], s["pending"]))


# ---- main --------------------------------------------------------------------------------

def ensure_node_modules():
    if os.path.isdir(os.path.join(NODE_DIR, "node_modules", "openai")) and \
            os.path.isdir(os.path.join(NODE_DIR, "node_modules", "@anthropic-ai", "sdk")):
        return
    print("mkfixtures: npm ci in %s" % NODE_DIR, flush=True)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True)


def start_server(work, certs):
    rec, log, ready = (os.path.join(work, n) for n in ("rec", "server.jsonl", "ready"))
    srv = subprocess.Popen(
        [PY, os.path.join(TOOLS, "fakeai.py"), "--host", "127.0.0.1", "--port", "443",
         "--cert", os.path.join(certs, "server.pem"), "--key", os.path.join(certs, "server.key"),
         "--log", log, "--record", rec, "--ready-file", ready],
        stderr=open(os.path.join(work, "server.err"), "w"))
    deadline = time.time() + 20
    while not os.path.exists(ready):
        if srv.poll() is not None or time.time() > deadline:
            raise Failure("fake server did not start: see %s/server.err" % work)
        time.sleep(0.05)
    return srv, rec, log


def inner(args):
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    work = tempfile.mkdtemp(prefix="tokentap-mkfixtures-")
    certs = os.path.join(work, "certs")
    gen_certs(certs)
    with open(os.path.join(work, "clip.wav"), "wb") as f:  # what node_sdk.js uploads too
        f.write(b"\x07" * 256)
    hosts = os.path.join(work, "hosts")
    with open(hosts, "w") as f:
        f.write("127.0.0.1 %s\n" % " ".join(HOSTS))
    subprocess.run(["mount", "--bind", hosts, "/etc/hosts"], check=True)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    all_specs = specs()
    if args.only:
        chosen = [s for s in all_specs if any(o in s["name"] for o in args.only)]
    else:  # pending specs (a known decoder failure) only when --only names them
        chosen = [s for s in all_specs if not s.get("pending")]
    srv = None
    made = set()
    try:
        srv, rec, log = start_server(work, certs)
        for spec in chosen:
            t0 = time.time()
            events, expect = run_spec(spec, work, os.path.join(certs, "ca.pem"), rec, log)
            write_fixture(out, spec["name"], events, expect)
            made.add(spec["name"])
            print("%-40s %2d conn %2d exch %8d B  %.1fs" % (
                spec["name"], len({e["conn"] for e in events}), len(expect),
                os.path.getsize(os.path.join(out, spec["name"] + ".capture.jsonl")),
                time.time() - t0), flush=True)
    finally:
        if srv:
            srv.send_signal(signal.SIGTERM)
            try:
                srv.wait(10)
            except subprocess.TimeoutExpired:
                srv.kill()
        if args.keep_work:
            print("mkfixtures: work dir kept: %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    for name, src, _, kind in EDITS:
        have_src = os.path.exists(os.path.join(out, src + ".capture.jsonl"))
        if src in made or (not args.only and have_src) or any(o in name for o in args.only or []):
            if not os.path.exists(os.path.join(out, src + ".capture.jsonl")):
                sys.exit("mkfixtures: %s needs %s: regenerate that one too" % (name, src))
            events, expect = edit(kind, *load_fixture(out, src))
            write_fixture(out, name, events, expect)
            made.add(name)
            print("%-40s edited from %s" % (name, src))
    if not args.only:  # drop fixtures no spec makes any more
        for p in glob.glob(os.path.join(out, "*.capture.jsonl")) + \
                glob.glob(os.path.join(out, "*.expect.jsonl")):
            if os.path.basename(p).split(".")[0] not in made:
                os.unlink(p)
    write_readme(out, all_specs)
    total = sum(os.path.getsize(p) for p in glob.glob(os.path.join(out, "*.jsonl")))
    print("mkfixtures: %d fixtures written, %s holds %.2f MB" % (len(made), out, total / 1e6))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "certs":
        gen_certs(sys.argv[2])
        return 0
    ap = argparse.ArgumentParser(description="Record tokentap capture fixtures.")
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures"))
    ap.add_argument("--only", action="append", help="fixtures whose name contains this")
    ap.add_argument("--keep-work", action="store_true")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    if args.list:
        for s in specs():
            print("%-40s %-28s %s%s" % (s["name"], client_label(s), s["covers"],
                                        " [pending]" if s.get("pending") else ""))
        for name, src, covers, _ in EDITS:
            print("%-40s %-28s %s" % (name, "edited: " + src, covers))
        return 0
    if os.environ.get("TT_MKFIX_NS") != "1":
        if os.geteuid() != 0:
            sys.exit("mkfixtures: needs root (unshare -m -n, bind-mounted /etc/hosts, port 443)")
        ensure_node_modules()  # before the namespace: the npm registry is outside it
        env = dict(os.environ, TT_MKFIX_NS="1")
        os.execvpe("unshare", ["unshare", "-m", "-n", "--", PY, os.path.abspath(__file__)]
                   + sys.argv[1:], env)
    try:
        inner(args)
    except Failure as e:
        sys.exit("mkfixtures: FAIL: %s" % e)
    return 0


if __name__ == "__main__":
    sys.exit(main())
