"""Key identity for every provider, with the real agent and real clients.

Bedrock: calls signed with SigV4 by botocore carry a new signature every
time; with one IAM key they must all get one fingerprint, that of the
access key id, which then matches a key_environments entry; a second key
gets another. Gemini: the same key sent as ?key= and as x-goog-api-key is
one fingerprint. Vertex AI: two different (hourly) OAuth tokens on one
project are one fingerprint, the project's. Azure: the api-key header is
fingerprinted. No secret key, signature or token may reach any output."""
import hashlib
import json
import os
import random
import string
import subprocess

from harness import BEDROCK_NAME, PY, Agent, Skip, check, run_client
from test_allocate import PRICES
from test_decode import Secrets, server_exchanges, server_lines, write_plan

ORDER = 75  # run.py runs the test files by ORDER, then by name

CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "clients",
                      "py_bedrock_sigv4.py")
MODEL = "anthropic.claude-sonnet-4-6"
GEMINI = "generativelanguage.googleapis.com"
VERTEX = "us-central1-aiplatform.googleapis.com"
AZURE = "tokentap-e2e.openai.azure.com"


def fp(pre, value):
    return "k_" + hashlib.sha256((pre + value).encode()).hexdigest()[:16]


def access_key(prefix):
    return prefix + "".join(random.choice(string.ascii_uppercase + "234567")
                            for _ in range(16))


def has_botocore():
    return subprocess.run([PY, "-c", "import botocore.auth"],
                          capture_output=True).returncode == 0


def curl(env, host, path, headers, body, cg_dir):
    argv = ["curl", "-sS", "--http1.1", "-o", "/dev/null", "--cacert", env.ca,
            "--resolve", "%s:443:127.0.0.1" % host,
            "-H", "Content-Type: application/json", "--data-binary", json.dumps(body)]
    for h in headers:
        argv += ["-H", h]
    run_client(env, env.spawn(argv + ["https://%s%s" % (host, path)], cg_dir,
                              hosts=False, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE), "curl %s" % host)


def other_calls(env, sec, cg_dir):
    """Gemini ?key= and x-goog-api-key, Vertex with two tokens, Azure
    api-key; returns the key, the project and the Azure key."""
    gkey = "AIza" + sec.key("Sy")[:35]
    sec.env.secrets.append(gkey)
    body = {"contents": [{"role": "user", "parts": [{"text": sec.prompt("k-gem")}]}]}
    curl(env, GEMINI, "/v1beta/models/gemini-2.5-flash:generateContent?key=" + gkey,
         [], body, cg_dir)
    curl(env, GEMINI, "/v1beta/models/gemini-2.5-flash:generateContent",
         ["x-goog-api-key: " + gkey], body, cg_dir)
    project = "tokentap-e2e-%d" % random.randrange(10**6)
    for i in range(2):
        token = "ya29." + sec.key("a0AfB")
        curl(env, VERTEX, "/v1/projects/%s/locations/us-central1/publishers/google/"
             "models/gemini-2.5-flash:generateContent" % project,
             ["Authorization: Bearer " + token], body, cg_dir)
    akey = sec.key("")
    curl(env, AZURE, "/openai/deployments/prod-gpt-4o-mini/chat/completions"
         "?api-version=2024-10-21", ["api-key: " + akey],
         {"messages": [{"role": "user", "content": sec.prompt("k-az")}]}, cg_dir)
    return gkey, project, akey


def test_key_identity(env):
    if not has_botocore():
        raise Skip("python3-botocore missing (make deps)")
    sec = Secrets(env)
    key_a, key_b = access_key("AKIA"), access_key("ASIA")
    secret_a, secret_b = sec.key(""), sec.key("")
    want_a = fp("aws:", key_a)
    cfg = os.path.join(env.dir, "keys-config.json")
    with open(cfg, "w") as f:
        json.dump({"version": 1, "pricing": {"table": PRICES},
                   "key_environments": {want_a: "production"}}, f)
    cg_dir = env.cgroup("keys")[0]
    since = len(server_lines(env))
    url = "https://%s/model/%s/converse" % (BEDROCK_NAME, MODEL)
    calls = [{"url": url, "access_key": key_a, "secret_key": secret_a,
              "json": {"messages": [{"role": "user", "content": [
                  {"text": sec.prompt("k-br%d" % i)}]}]}} for i in range(4)]
    calls.append({"url": url, "access_key": key_b, "secret_key": secret_b,
                  "session_token": sec.key("IQoJb3JpZ2lu"),
                  "json": {"messages": [{"role": "user", "content": [
                      {"text": sec.prompt("k-br-b")}]}]}})
    plan = write_plan(env, "keys-bedrock", {"region": "us-east-1", "calls": calls})
    agent = Agent(env, "keys", ["--config", cfg])
    try:
        run_client(env, env.spawn([PY, CLIENT, plan], cg_dir,
                                  env={"REQUESTS_CA_BUNDLE": env.ca},
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE),
                   "bedrock sigv4 client")
        gkey, project, akey = other_calls(env, sec, cg_dir)
    finally:
        agent.stop()
    check(len(server_exchanges(env, since)) == 10,
          "the server answered %d calls, want 10" % len(server_exchanges(env, since)))
    evs = agent.alloc_events()
    br = [e for e in evs if e["provider"] == "aws.bedrock"]
    check(len(br) == 5, "%d Bedrock events, want 5" % len(br))
    keys = [e["api_key"] for e in br]
    check([k["fingerprint"] for k in keys[:4]] == [want_a] * 4,
          "one IAM key, fingerprints %r, want %s" % (keys, want_a))
    check(all(k["source"] == "aws_access_key_id" and
              k["hint"] == "%s...%s" % (key_a[:4], key_a[-4:]) for k in keys[:4]),
          "source/hint %r" % keys[:4])
    for e in br[:4]:
        chk = e["environment_check"]
        check(chk["declared"] == "production" and chk["declared_source"] == "key",
              "key_environments did not match: %r" % chk)
        check(e["cost"]["amount"] is not None, "Bedrock call not priced: %r" % e["cost"])
    check(keys[4]["fingerprint"] == fp("aws:", key_b) != want_a and
          br[4]["environment_check"]["declared"] is None,
          "second key: %r %r" % (keys[4], br[4]["environment_check"]))
    gem = [e["api_key"] for e in evs if e["provider"] == "gcp.gemini"]
    check(len(gem) == 2 and all(k["fingerprint"] == fp("", gkey) and
                                k["source"] == "api_key" for k in gem),
          "Gemini ?key= and x-goog-api-key: %r" % gem)
    vx = [e["api_key"] for e in evs if e["provider"] == "gcp.vertex_ai"]
    check(len(vx) == 2 and all(k["fingerprint"] == fp("gcp_project:", project) and
                               k["source"] == "gcp_project" and
                               k["hint"] == "project " + project for k in vx),
          "Vertex tokens: %r" % vx)
    az = [e["api_key"] for e in evs if e["provider"] == "azure.ai.openai"]
    check(len(az) == 1 and az[0]["fingerprint"] == fp("", akey) and
          az[0]["source"] == "api_key", "Azure api-key: %r" % az)
    with open(agent.events) as f:
        text = f.read() + agent.stderr()
    for s in env.secrets + [secret_a, secret_b]:
        check(s not in text, "secret %s... in the agent's output" % s[:12])
    check("Signature=" not in text and "ya29." not in text,
          "a signature or token in the agent's output")
