"""Codex (`codex exec`) when the WebSocket upgrade is refused: a custom
provider on the same host (api.openai.com) whose handshake carries
X-Fake-WebSocket: refuse and X-Fake-Tokens (codex sends a provider's
http_headers on every request); the fake answers the upgrade 426 and codex
falls back to POST /v1/responses (SSE) at once. With the test CA in the
system store (no CA variable) that HTTPS path is codex's static OpenSSL
3.6 (HTTP/1.1, no ALPN); the refused upgrade is rustls. Both pinned
versions; the checks of test_codex_ws.py: both connections decoded
exactly, the OpenSSL one and the rustls one (the 426).
"""
from test_codex_ws import run_versions

ORDER = 62  # run.py runs the test files by ORDER, then by name

TOKENS = "5000,300,1200,0,100"


def test_codex_https_fallback(env):
    """codex exec whose WebSocket upgrade is refused (426): HTTPS + SSE."""
    provider = ('model_providers.fakeoa={name="OpenAI",base_url="https://api.openai.com/v1",'
                'env_key="CODEX_API_KEY",wire_api="responses",supports_websockets=true,'
                'http_headers={"X-Fake-WebSocket"="refuse","X-Fake-Tokens"="%s"}}'
                % TOKENS)
    run_versions(env, "https", ["-c", "model_provider=fakeoa", "-c", provider],
                 [("GET", "/v1/responses", 426), ("POST", "/v1/responses", 200)],
                 ["responses", "responses"])
