// SPDX-License-Identifier: MIT
/*
 * Fuzz target for user/core/rules.c and user/core/environ.c. Input:
 *   JSON '\0' facts '\0' environ-bytes
 * JSON is an "owners" array, or an object with "owners" and/or
 * "key_environments". Facts are '\n'-separated lines: the first eight are
 * cgroup, container_name, pod_namespace, pod_name, unit, exe, comm, key_id;
 * later lines "c:k=v", "p:k=v", "h:k=v" are container labels, pod labels and
 * headers. The environ bytes go through the default allow-list.
 * Invariants: an error leaves no rules and a message; a match reports the
 * rule's own fields and one matched fact per condition; the environment
 * check is consistent; kept environ values occur in the input; the glob
 * matcher agrees with fnmatch(3) (cgroup line as pattern, comm line as
 * value) on short patterns without '[' or '\\', where both are defined
 * the same way and fnmatch's backtracking stays cheap.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "owner/rules.h"
#include "fuzz.h"

#define MAX_LINES 48
#define MAX_KV 16

static size_t cut(const uint8_t **p, size_t *len)
{
	const uint8_t *nul = memchr(*p, 0, *len);
	size_t n = nul ? (size_t)(nul - *p) : *len;

	return n;
}

static void parse_rules(const char *json, struct tt_owner_rules *rules)
{
	char err[256];
	cJSON *root = cJSON_Parse(json);
	const cJSON *owners = root, *keyenvs = NULL;
	int ret;

	if (!root)
		return;
	if (cJSON_IsObject(root)) {
		owners = cJSON_GetObjectItemCaseSensitive(root, "owners");
		keyenvs = cJSON_GetObjectItemCaseSensitive(root, "key_environments");
	}
	if (owners) {
		err[0] = '\0';
		ret = tt_rules_parse_owners(owners, "owners", rules, err, sizeof(err));
		CHECK(ret == 0 || (ret == -EINVAL && err[0] && rules->n == 0 &&
				   !rules->rules));
		CHECK(rules->n <= TT_RULES_MAX);
	}
	if (keyenvs) {
		err[0] = '\0';
		ret = tt_rules_parse_key_environments(keyenvs, "key_environments",
						      rules, err, sizeof(err));
		CHECK(ret == 0 || (ret == -EINVAL && err[0] && rules->n_key_envs == 0));
	}
	cJSON_Delete(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tt_environ env;
	struct tt_owner_rules rules = { 0 };
	struct tt_environ_allow allow;
	struct tt_owner_result res;
	struct tt_env_check chk;
	struct tt_facts f;
	struct tt_kv kvs[3][MAX_KV];
	size_t nkv[3] = { 0 };
	char *lines[MAX_LINES];
	const char **fixed[8];
	char *json, *facts;
	const uint8_t *p = data;
	size_t len = size, n, nlines = 0;
	int matched;

	n = cut(&p, &len);
	json = strndup((const char *)p, n);
	p += n + (n < len);
	len -= n + (n < len);
	n = cut(&p, &len);
	facts = strndup((const char *)p, n);
	p += n + (n < len);
	len -= n + (n < len);
	if (!json || !facts)
		goto out;

	parse_rules(json, &rules);

	memset(&f, 0, sizeof(f));
	fixed[0] = &f.cgroup; fixed[1] = &f.container_name;
	fixed[2] = &f.pod_namespace; fixed[3] = &f.pod_name;
	fixed[4] = &f.unit; fixed[5] = &f.exe; fixed[6] = &f.comm;
	fixed[7] = &f.key_id;
	for (char *s = facts, *nl; s && nlines < MAX_LINES; s = nl) {
		nl = strchr(s, '\n');
		if (nl)
			*nl++ = '\0';
		lines[nlines++] = s;
	}
	for (size_t i = 0; i < nlines; i++) {
		char *s = lines[i], *eq;
		int which;

		if (i < 8) {
			*fixed[i] = s;
			continue;
		}
		which = s[0] == 'c' ? 0 : s[0] == 'p' ? 1 : s[0] == 'h' ? 2 : -1;
		if (which < 0 || s[1] != ':' || nkv[which] >= MAX_KV)
			continue;
		eq = strchr(s + 2, '=');
		if (eq)
			*eq++ = '\0';
		kvs[which][nkv[which]].key = s + 2;
		kvs[which][nkv[which]].value = eq;  /* NULL allowed */
		nkv[which]++;
	}
	if (f.cgroup && f.comm && strlen(f.cgroup) < 24 && strlen(f.comm) < 64 &&
	    !strpbrk(f.cgroup, "[\\"))
		CHECK(tt_rules_glob_match(f.cgroup, f.comm) ==
		      !fnmatch(f.cgroup, f.comm, 0));
	f.container_labels = kvs[0]; f.n_container_labels = nkv[0];
	f.pod_labels = kvs[1]; f.n_pod_labels = nkv[1];
	f.headers = kvs[2]; f.n_headers = nkv[2];

	tt_environ_allow_default(&allow);
	CHECK(tt_environ_parse((const char *)p, len, &allow, &env) == 0);
	CHECK(env.n <= TT_ENVIRON_NAMES_MAX && env.stats.kept == env.n);
	for (size_t i = 0; i < env.n; i++) {
		const char *v = env.vars[i].value;

		CHECK(strlen(v) < TT_ENVIRON_VALUE_MAX);
		/* Only allow-listed names; plain values come from the input
		 * verbatim (OTEL values may be percent-decoded). */
		CHECK(tt_environ_get(&env, env.vars[i].name) != NULL);
		if (strcmp(env.vars[i].name, TT_ENVIRON_OTEL))
			CHECK(memmem(p, len, v, strlen(v)) != NULL);
	}
	f.env = &env;

	matched = tt_rules_match(&rules, &f, &res);
	if (matched) {
		const struct tt_owner_rule *r = NULL;

		for (size_t i = 0; i < rules.n; i++)
			if (!strcmp(rules.rules[i].name, res.rule)) {
				r = &rules.rules[i];
				break;
			}
		CHECK(r && res.owner == r->set.owner);
		CHECK(res.n_matched == r->n_conds);
		CHECK(res.status == TT_OWNER_ALLOCATED);
		for (size_t c = 0; c < res.n_matched; c++)
			CHECK(res.matched[c][0]);
	} else {
		CHECK(!strcmp(res.owner, "unallocated") && !res.rule[0] &&
		      res.n_matched == 0 && res.status == TT_OWNER_UNALLOCATED);
	}
	tt_rules_env_check(&rules, &res, &f, &chk);
	CHECK(!chk.mismatch || (chk.has_workload && chk.has_declared));
	CHECK(chk.has_declared == (chk.declared_by[0] != '\0'));
	CHECK(chk.has_workload == (chk.workload_from[0] != '\0'));
	CHECK(strlen(chk.workload) < sizeof(chk.workload));
out:
	tt_rules_free(&rules);
	free(json);
	free(facts);
	return 0;
}
