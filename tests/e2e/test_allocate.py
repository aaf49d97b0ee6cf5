"""End-to-end allocation: workloads in their own cgroups (plain ones, a
kubepods-style pod created for real under the cgroup2 mount, a docker-style
scope with a runtime state file), an owner config mapping them to teams
and environments, and the real agent. Every event must name the right
owner, cost center, environment, pid and cgroup path, carry the server's
model and exact token counts and the cost the shipped price table implies;
the stray workload is unallocated; the header that claims production from
a staging cgroup is flagged. No key or prompt may reach any output."""
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid

from harness import (CLIENTS, PY, ROOT, Agent, Failure, check, cgroup2_root,
                     run_client)
from test_decode import (NODE_FETCH, NODE_SDK, OAI_CHAT, PY_REQUESTS, USAGE,
                         Secrets, chat, server_exchanges, server_lines,
                         write_plan)

sys.path.insert(0, os.path.join(ROOT, "tests"))
import costcheck  # noqa: E402

ORDER = 30  # run.py runs the test files by ORDER, then by name

PRICES = os.path.join(ROOT, "config", "prices.json")


class Pod:
    """A kubepods-style cgroup made for real: the burstable QoS slice, the
    pod slice (its uid with underscores, as the systemd driver writes it)
    and a cri-containerd scope; plus the kubelet's pod log directory."""

    def __init__(self, env, namespace, name):
        self.uid = str(uuid.uuid4())
        self.container = uuid.uuid4().hex + uuid.uuid4().hex
        self.namespace, self.name = namespace, name
        root = cgroup2_root()
        self.made = []
        rel = ["kubepods.slice", "kubepods-burstable.slice",
               "kubepods-burstable-pod%s.slice" % self.uid.replace("-", "_"),
               "cri-containerd-%s.scope" % self.container]
        path = root
        for part in rel:
            path = os.path.join(path, part)
            if not os.path.isdir(path):
                os.mkdir(path)
                self.made.append(path)
        self.dir = path
        self.rel = "/" + "/".join(rel)
        self.logs = os.path.join(env.dir, "pods")
        os.makedirs(os.path.join(self.logs, "%s_%s_%s" % (namespace, name, self.uid)))

    def remove(self):
        for path in reversed(self.made):
            try:
                os.rmdir(path)
            except OSError:
                pass


def docker_scope(env):
    """A docker-style scope under the test's cgroup and the runtime's state
    file for it (config.v2.json), as dockerd writes them."""
    cid = uuid.uuid4().hex + uuid.uuid4().hex
    cg_dir, _ = env.cgroup("docker-%s.scope" % cid)
    state = os.path.join(env.dir, "docker", "containers", cid)
    os.makedirs(state)
    with open(os.path.join(state, "config.v2.json"), "w") as f:
        json.dump({"ID": cid, "Name": "/billing-worker-1",
                   "Config": {"Env": ["SECRET_TOKEN=must-not-leak"],
                              "Labels": {"com.example.team": "billing",
                                         "com.docker.compose.service": "worker"}}}, f)
    return cg_dir, cid


def write_config(env, pod, rel_parent):
    cfg = {
        "version": 1,
        "owners": [
            {"name": "checkout-pod", "match": {"pod_namespace": "shop", "pod_name": "checkout-*"},
             "set": {"owner": "payments", "team": "pay-core", "cost_center": "CC-100",
                     "application": "checkout", "environment": "production"}},
            {"name": "billing-container",
             "match": {"container_label": "com.example.team=billing",
                       "container_name": "billing-*"},
             "set": {"owner": "billing", "cost_center": "CC-150",
                     "environment": "production"}},
            {"name": "search", "match": {"cgroup": rel_parent + "/alloc-requests"},
             "set": {"owner": "search", "team": "relevance", "cost_center": "CC-200",
                     "application": "ranker", "environment": "staging"}},
            {"name": "ml-by-env", "match": {"cgroup": rel_parent + "/alloc-fetch",
                                            "env": "APP_ENV=q*"},
             "set": {"owner": "ml", "cost_center": "CC-300"}},
            {"name": "data-cli", "match": {"cgroup": rel_parent + "/alloc-curl",
                                           "comm": "curl"},
             "set": {"owner": "data", "cost_center": "CC-400",
                     "environment": "development"}},
        ],
        "environment_variables": ["APP_ENV", "DEPLOY_ENV"],
        "pricing": {"table": PRICES},
        "host": {"pods_log_dir": pod.logs, "docker_dir": os.path.join(env.dir, "docker")},
    }
    path = os.path.join(env.dir, "alloc-config.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


def expected_cost(ref, ex):
    """What the reference price table (tests/costcheck.py: LiteLLM's own
    per-token prices, not our table) gives for what the server served."""
    cost = costcheck.expected_amount(ref, "openai", ex.get("response_model"),
                                     ex["request_model"], ex["usage_expected"])
    check(cost is not None, "no reference price for %s" % ex["request_model"])
    return cost


def test_allocation(env):
    sec = Secrets(env)
    ca = {"CURL_CA_BUNDLE": env.ca, "SSL_CERT_FILE": env.ca,
          "REQUESTS_CA_BUNDLE": env.ca, "NODE_EXTRA_CA_CERTS": env.ca}
    rel_parent = "/" + os.path.relpath(env.cg_parent, cgroup2_root())
    pod = Pod(env, "shop", "checkout-7d9f8")
    table = costcheck.Reference()
    shipped = costcheck.load(PRICES)
    with open(PRICES, "rb") as f:
        shipped_sha = hashlib.sha256(f.read()).hexdigest()
    try:
        docker_dir, cid = docker_scope(env)
        config = write_config(env, pod, rel_parent)
        res = subprocess.run([env.agent, "check-config", config], capture_output=True,
                             text=True)
        check(res.returncode == 0, "check-config: %s" % res.stderr)

        def curl_argv(tag, headers=()):
            argv = ["curl", "-sS", "--http1.1", "-o", "/dev/null", "--cacert", env.ca,
                    "-H", "Authorization: Bearer " + sec.key(),
                    "-H", "Content-Type: application/json"]
            for h in headers:
                argv += ["-H", h]
            return argv + ["--data-binary", json.dumps(chat(sec.prompt(tag))), OAI_CHAT]

        workloads = [
            # name, cgroup dir, argv, extra env, expected allocation
            ("curl", env.cgroup("alloc-curl")[0], curl_argv("curl"), {},
             {"owner": "data", "cost_center": "CC-400", "environment": "development",
              "rule": "data-cli", "mismatch": False}),
            ("py-requests", env.cgroup("alloc-requests")[0],
             [PY, PY_REQUESTS, write_plan(env, "alloc-requests", {"requests": [
                 {"url": OAI_CHAT, "json": chat(sec.prompt("req")),
                  "headers": {"Authorization": "Bearer " + sec.key(),
                              "X-Environment": "production", "X-Team": "relevance"}}]})],
             {}, {"owner": "search", "cost_center": "CC-200", "environment": "staging",
                  "rule": "search", "mismatch": True}),
            ("node-fetch", env.cgroup("alloc-fetch")[0],
             ["node", NODE_FETCH, write_plan(env, "alloc-fetch", {"requests": [
                 {"url": OAI_CHAT, "json": chat(sec.prompt("fetch")),
                  "headers": {"Authorization": "Bearer " + sec.key()}}]})],
             {"APP_ENV": "qa", "UNLISTED_SECRET": sec.prompt("envvar")},
             {"owner": "ml", "cost_center": "CC-300", "environment": "qa",
              "rule": "ml-by-env", "mismatch": False}),
            ("node-openai-stream", pod.dir,
             ["node", NODE_SDK, write_plan(env, "alloc-openai", {
                 "sdk": "openai", "client": {"apiKey": sec.key(), "maxRetries": 0},
                 "calls": [{"api": "chat.completions.create", "params": chat(
                     sec.prompt("sdk"), stream=True,
                     stream_options={"include_usage": True})}]})],
             {}, {"owner": "payments", "cost_center": "CC-100",
                  "environment": "production", "rule": "checkout-pod",
                  "mismatch": False}),
            ("docker-curl", docker_dir, curl_argv("docker"), {},
             {"owner": "billing", "cost_center": "CC-150", "environment": "production",
              "rule": "billing-container", "mismatch": False}),
            ("stray-curl", env.cgroup("alloc-stray")[0], curl_argv("stray"), {},
             {"owner": "unallocated", "cost_center": None, "environment": None,
              "rule": None, "mismatch": False}),
        ]
        since = len(server_lines(env))
        agent = Agent(env, "alloc", ["--config", config, "--events-max-bytes", "6000",
                                     "--events-keep", "200", "--log-level", "debug"])
        pids = {}
        try:
            for name, cg_dir, argv, extra, want in workloads:
                cenv = dict(ca)
                cenv.update(extra)
                proc = env.spawn(argv, cg_dir, env=cenv, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
                run_client(env, proc, name)
                rel = "/" + os.path.relpath(cg_dir, cgroup2_root())
                pids[proc.pid] = (name, rel, os.stat(cg_dir).st_ino, want)
        finally:
            agent.stop()
        files = sorted(glob.glob(agent.events + ".*"),
                       key=lambda p: -int(p.rsplit(".", 1)[1])) + [agent.events]
        check(len(files) > 2, "the ledger did not rotate (%d files)" % len(files))
        events = []
        for path in files:
            with open(path) as f:
                events += [json.loads(ln) for ln in f if ln.strip()]
        events = [e for e in events if e.get("event_type") == "ai_api_cost_allocation"
                  and e["process"]["pid"] in pids]
        exchanges = {ex["request_id"]: ex for ex in server_exchanges(env, since)}
        check(len(events) == len(workloads) == len(exchanges),
              "%d events, %d workloads, %d exchanges" % (len(events), len(workloads),
                                                         len(exchanges)))
        import jsonschema
        with open(os.path.join(ROOT, "docs", "events.schema.json")) as f:
            validator = jsonschema.Draft202012Validator(json.load(f))
        for ev in events:
            name, rel, ino, want = pids[ev["process"]["pid"]]
            label = "%s event" % name
            errors = list(validator.iter_errors(ev))
            check(not errors, "%s: schema: %s" % (label, errors[:1]))
            ex = exchanges.get(ev["provider_request_id"])
            check(ex is not None, "%s: no server exchange %s" % (label, ev["provider_request_id"]))
            check(ev["cgroup"]["id"] == ino and ev["cgroup"]["path"] == rel,
                  "%s: cgroup %s %s, want %s %s" % (label, ev["cgroup"]["id"],
                                                    ev["cgroup"]["path"], ino, rel))
            for k in ("owner", "cost_center", "environment"):
                check(ev[k] == want[k], "%s: %s = %r, want %r" % (label, k, ev[k], want[k]))
            check(ev["allocation"]["rule"] == want["rule"],
                  "%s: rule %r" % (label, ev["allocation"]["rule"]))
            check(ev["environment_check"]["mismatch"] is want["mismatch"],
                  "%s: environment_check %r" % (label, ev["environment_check"]))
            check(ev["request_model"] == ex["request_model"] and
                  ev["response_model"] == ex["response_model"] and
                  ev["status_code"] == ex["status"] and ev["stream"] == ex["stream"],
                  "%s: call %r" % (label, [ev[k] for k in ("request_model", "response_model",
                                                           "status_code", "stream")]))
            for k in USAGE:
                if k in ex["usage_expected"]:
                    check(ev["usage"][k] == ex["usage_expected"][k], "%s: usage.%s %r != %r"
                          % (label, k, ev["usage"][k], ex["usage_expected"][k]))
            want_cost = expected_cost(table, ex)
            check(ev["cost"]["amount"] is not None and
                  costcheck.close(ev["cost"]["amount"], want_cost),
                  "%s: cost %r, the table implies %r" % (label, ev["cost"]["amount"], want_cost))
            check(ev["cost"]["pricing_version"] == shipped["version"] and
                  ev["cost"]["pricing_sha256"] == shipped_sha and
                  ev["cost"]["is_final_invoice_amount"] is False, "%s: cost %r"
                  % (label, ev["cost"]))
            check(ev["process"]["exe"] and os.path.isabs(ev["process"]["exe"]),
                  "%s: exe %r" % (label, ev["process"]["exe"]))
            if name == "py-requests":
                check(ev["declared"]["environment"] == "production" and
                      ev["declared"]["team"] == "relevance" and
                      ev["environment_check"]["declared_source"] == "header" and
                      ev["environment_check"]["workload"] == "staging",
                      "%s: declared %r, check %r" % (label, ev["declared"],
                                                     ev["environment_check"]))
            if name == "node-openai-stream":
                check(ev["pod"] == {"uid": pod.uid, "namespace": "shop",
                                    "name": "checkout-7d9f8", "qos": "burstable"},
                      "%s: pod %r" % (label, ev["pod"]))
                check(ev["container"]["runtime"] == "containerd" and
                      ev["container"]["id"] == pod.container,
                      "%s: container %r" % (label, ev["container"]))
            if name == "docker-curl":
                check(ev["container"] == {
                    "runtime": "docker", "id": cid, "name": "billing-worker-1",
                    "labels": {"com.example.team": "billing",
                               "com.docker.compose.service": "worker"}},
                    "%s: container %r" % (label, ev["container"]))
            if name == "node-fetch":
                check(ev["allocation"]["environment_source"] == "APP_ENV",
                      "%s: %r" % (label, ev["allocation"]))
            if name == "stray-curl":
                check(ev["allocation"]["status"] == "unallocated", "%s: %r"
                      % (label, ev["allocation"]))
        alloc = agent.records[-1]["allocation"]
        check(alloc["unallocated"] >= 1 and alloc["environment_mismatch"] >= 1,
              "agent_stats allocation %r" % alloc)
        # Privacy: no key, prompt or unlisted variable in any output, the
        # rotated ledger files and the debug log included.
        outputs = files + [agent.errfile]
        env.secrets.append("must-not-leak")
        for path in outputs:
            with open(path, errors="replace") as f:
                text = f.read()
            for s in env.secrets:
                check(s not in text, "secret %s... leaked into %s" % (s[:16], path))
    finally:
        pod.remove()
        shutil.rmtree(pod.logs, ignore_errors=True)
