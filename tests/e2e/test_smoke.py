"""tokentap smoke against the real agent: workloads in their own cgroups
call the fake provider (curl and python requests, which answer 401 for an
invalid key as the real API does) while the agent writes its ledger; the
smoke command runs each workload's happy-path and error-path commands,
checks the events and writes the handoff record. A mapped workload passes;
an unmapped one, an unpriced model and an auth failure retried past the
limit each fail with their reason. No key or prompt reaches the record."""
import json
import os
import shlex
import subprocess

from harness import CLIENTS, PY, Agent, check, cgroup2_root
from test_allocate import PRICES
from test_decode import OAI_CHAT, Secrets, chat, server_exchanges, server_lines

ORDER = 75  # run.py runs the test files by ORDER, then by name

RETRY = os.path.join(CLIENTS, "py_retry_auth.py")
FIELDS = ("run_id", "reviewed_at", "operator", "source_urls_checked", "workload_tag",
          "owner_tag", "environment", "happy_path_result", "error_path_result",
          "evidence_captured", "decision", "follow_up_owner")


def curl(env, sec, key, model="gpt-4o-mini"):
    """A curl call as a shell command; the key and prompt go through a
    file curl reads (-K), so the command text holds neither."""
    cfg = os.path.join(env.dir, "curl-%s.cfg" % os.urandom(4).hex())
    with open(cfg, "w") as f:
        f.write('header = "Authorization: Bearer %s"\n' % key)
        f.write("data-binary = %s\n" % json.dumps(json.dumps(chat(sec.prompt("smoke"),
                                                                    model=model))))
    return ("curl -sS --http1.1 -o /dev/null --cacert %s --resolve api.openai.com:443:127.0.0.1 "
            "-H 'Content-Type: application/json' -K %s %s"
            % (shlex.quote(env.ca), shlex.quote(cfg), OAI_CHAT))


def retry_loop(env, sec, key, attempts):
    """python requests in a private mount namespace whose /etc/hosts
    names the fake provider; every exec keeps the pid."""
    envfile = os.path.join(env.dir, "retry-%s.env" % os.urandom(4).hex())
    with open(envfile, "w") as f:
        f.write("export SMOKE_KEY=%s SMOKE_PROMPT=%s REQUESTS_CA_BUNDLE=%s\n"
                % (key, sec.prompt("retry"), shlex.quote(env.ca)))
    inner = ". %s && mount --bind %s /etc/hosts && exec %s %s %s gpt-4o-mini %d" % (
        shlex.quote(envfile), shlex.quote(env.hosts), PY, shlex.quote(RETRY), OAI_CHAT,
        attempts)
    return "exec unshare -m sh -c %s" % shlex.quote(inner)


def smoke(env, agent, workload, happy, error, name, max_attempts=None):
    prefix = os.path.join(env.dir, "smoke-%s" % name)
    argv = [env.agent, "smoke", "--workload", workload, "--ledger", agent.events,
            "--happy", happy, "--error", error, "--record", prefix,
            "--operator", "e2e-operator", "--settle", "1.5", "--timeout", "60"]
    if max_attempts:
        argv += ["--max-error-attempts", str(max_attempts)]
    res = subprocess.run(argv, capture_output=True, text=True, timeout=180)
    with open(prefix + ".json") as f:
        record = json.load(f)
    with open(prefix + ".txt") as f:
        text = f.read()
    for s in env.secrets:
        for what, out in (("record", json.dumps(record)), ("text", text),
                          ("stdout", res.stdout), ("stderr", res.stderr)):
            check(s not in out, "%s: secret %s... in the %s" % (name, s[:16], what))
    for k in FIELDS:
        check(k in record, "%s: handoff field %s missing: %r" % (name, k, sorted(record)))
        check(k in text, "%s: handoff field %s not in the text record" % (name, k))
    check(record["workload_tag"] == workload and record["operator"] == "e2e-operator",
          "%s: record %r" % (name, record))
    return res, record


def ledger_ids(agent):
    with open(agent.events) as f:
        return {json.loads(ln).get("event_id") for ln in f if '"ai_api_cost_allocation"' in ln}


def check_pass(env, agent, rec_ok, since):
    res, rec = rec_ok
    check(res.returncode == 0, "mapped workload: exit %d: %s %s" % (res.returncode,
                                                                     res.stdout, res.stderr))
    check(rec["decision"] == "pass" and rec["happy_path_result"] == "pass" and
          rec["error_path_result"] == "pass" and rec["reasons"] == [], "mapped: %r" % rec)
    check(rec["owner_tag"] == "checkout" and rec["environment"] == "staging" and
          rec["follow_up_owner"] == "checkout", "mapped: owner/env %r" % rec)
    urls = rec["source_urls_checked"]
    check(urls and all(u.startswith("https://") for u in urls), "source urls %r" % urls)
    with open(PRICES) as f:
        check(json.load(f)["source"] in urls, "the table's source not in %r" % urls)
    ev = rec["evidence_captured"]
    happy, err = ev["happy_path"]["event"], ev["error_path"]["first_event"]
    check(ev["happy_path"]["events"] == 1 and ev["error_path"]["auth_failures"] == 1,
          "evidence counts %r" % ev)
    check(happy["event_id"] in ledger_ids(agent) and err["event_id"] in ledger_ids(agent),
          "evidence events not in the ledger")
    # Exactly what the fake provider says it served and refused.
    ex = server_exchanges(env, since)
    check(len(ex) == 2 and ex[0]["status"] == 200 and ex[1]["status"] == 401,
          "server exchanges %r" % [(e["status"], e.get("request_model")) for e in ex])
    check(happy["status_code"] == 200 and happy["outcome"] == "success" and
          happy["usage_status"] == "reported" and
          happy["usage.input_tokens"] == ex[0]["usage_expected"]["input_tokens"] and
          happy["cost.amount"] > 0, "happy evidence %r" % happy)
    check(err["status_code"] == 401 and err["outcome"] == "auth_error", "error evidence %r" % err)


def check_fail(rec_res, name, want):
    res, rec = rec_res
    check(res.returncode == 1, "%s: exit %d, want 1 (fail): %s" % (name, res.returncode,
                                                                  res.stdout))
    check(rec["decision"] == "fail", "%s: decision %r" % (name, rec["decision"]))
    check(any(want in r for r in rec["reasons"]),
          "%s: no reason with %r in %r" % (name, want, rec["reasons"]))
    check(want in res.stdout, "%s: the reason is not printed: %s" % (name, res.stdout))


def test_smoke(env):
    sec = Secrets(env)
    rel = "/" + os.path.relpath(env.cg_parent, cgroup2_root())
    for name in ("smoke-ok", "smoke-unmapped", "smoke-storm"):
        env.cgroup(name)
    config = {"pricing": {"table": PRICES}, "owners": [
        {"name": "smoke-checkout", "match": {"cgroup": rel + "/smoke-ok"},
         "set": {"owner": "checkout", "environment": "stg"}},
        {"name": "smoke-storm", "match": {"cgroup": rel + "/smoke-storm"},
         "set": {"owner": "search", "environment": "production"}}]}
    agent = Agent(env, "smoke", config=config, digest=False)
    try:
        since = len(server_lines(env))
        ok = smoke(env, agent, rel + "/smoke-ok", curl(env, sec, sec.key()),
                   curl(env, sec, sec.key("sk-invalid-key-")), "ok")
        check_pass(env, agent, ok, since)
        # The same workload by its rule's name (the commands move
        # themselves into the cgroup).
        cg = os.path.join(env.cg_parent, "smoke-ok", "cgroup.procs")
        enter = "echo $$ > %s && exec " % shlex.quote(cg)
        by_rule = smoke(env, agent, "smoke-checkout", enter + curl(env, sec, sec.key()),
                        enter + curl(env, sec, sec.key("sk-invalid-key-")), "rule")
        check(by_rule[0].returncode == 0, "by rule: %s" % by_rule[0].stdout)
        check_fail(smoke(env, agent, rel + "/smoke-unmapped", curl(env, sec, sec.key()),
                         curl(env, sec, sec.key("sk-invalid-key-")), "unmapped"),
                   "unmapped", "unmapped workload")
        check_fail(smoke(env, agent, rel + "/smoke-ok",
                         curl(env, sec, sec.key(), model="tokentap-unlisted-model"),
                         curl(env, sec, sec.key("sk-invalid-key-")), "unpriced"),
                   "unpriced", "unpriced (cost.reason unknown_model)")
        since = len(server_lines(env))
        storm = smoke(env, agent, rel + "/smoke-storm", curl(env, sec, sec.key()),
                      retry_loop(env, sec, sec.key("sk-invalid-key-"), 4), "storm",
                      max_attempts=2)
        check_fail(storm, "storm", "retried: 4 attempts, more than --max-error-attempts 2")
        refused = [e for e in server_exchanges(env, since) if e["status"] == 401]
        check(len(refused) == 4, "the fake refused %d calls, want 4" % len(refused))
        check(storm[1]["error_path_result"] == "fail" and
              storm[1]["happy_path_result"] == "pass", "storm: %r" % storm[1])
        # At the limit: two attempts allowed, two made.
        at_limit = smoke(env, agent, rel + "/smoke-storm", curl(env, sec, sec.key()),
                         retry_loop(env, sec, sec.key("sk-invalid-key-"), 2), "limit",
                         max_attempts=2)
        check(at_limit[0].returncode == 0, "at the limit: %s" % at_limit[0].stdout)
    finally:
        agent.stop()
