// SPDX-License-Identifier: MIT
/* Tests for user/core/rules.c: owner rules, matching, environment check. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include "owner/rules.h"
#include "tt_test.h"

/* Parses an "owners" array (and key_environments if given) from text. */
static int parse(const char *owners, const char *keyenvs,
		 struct tt_owner_rules *rules, char *err, size_t errlen)
{
	cJSON *a = cJSON_Parse(owners);
	int ret;

	err[0] = '\0';
	if (!a)
		return -99;
	ret = tt_rules_parse_owners(a, "owners", rules, err, errlen);
	cJSON_Delete(a);
	if (ret || !keyenvs)
		return ret;
	a = cJSON_Parse(keyenvs);
	if (!a)
		return -99;
	ret = tt_rules_parse_key_environments(a, "key_environments", rules,
					      err, errlen);
	cJSON_Delete(a);
	return ret;
}

static const struct {
	const char *json, *err;
} bad_cases[] = {
	{ "{}", "owners: must be an array" },
	{ "[1]", "owners[0]: must be an object" },
	{ "[{\"match\":{},\"set\":{}}]", "owners[0].name: required" },
	{ "[{\"name\":\"\",\"match\":{},\"set\":{}}]", "owners[0].name: must not be empty" },
	{ "[{\"name\":5,\"match\":{},\"set\":{}}]", "owners[0].name: must be a string" },
	{ "[{\"name\":\"a\",\"set\":{}}]", "owners[0].match: required (use {} to match all)" },
	{ "[{\"name\":\"a\",\"match\":{}}]", "owners[0].set: required" },
	{ "[{\"name\":\"a\",\"match\":{},\"set\":{},\"x\":1}]", "owners[0].x: unknown key" },
	{ "[{\"name\":\"a\",\"match\":{},\"set\":{}},{\"name\":\"b\",\"match\":{},\"set\":{}},"
	  "{\"name\":\"c\",\"match\":{\"cgroup\":3},\"set\":{}}]",
	  "owners[2].match.cgroup: must be a string or an array of strings" },
	{ "[{\"name\":\"a\",\"match\":{\"cgroups\":\"x\"},\"set\":{}}]",
	  "owners[0].match.cgroups: unknown key" },
	{ "[{\"name\":\"a\",\"match\":{\"exe\":\"x\",\"exe\":\"y\"},\"set\":{}}]",
	  "owners[0].match.exe: duplicate key" },
	{ "[{\"name\":\"a\",\"match\":{\"env\":\"APP_ENV\"},\"set\":{}}]",
	  "owners[0].match.env: must be \"NAME=glob\"" },
	{ "[{\"name\":\"a\",\"match\":{\"header\":\"=x\"},\"set\":{}}]",
	  "owners[0].match.header: must be \"NAME=glob\"" },
	{ "[{\"name\":\"a\",\"match\":{\"pod_label\":\"app=\"},\"set\":{}}]",
	  "owners[0].match.pod_label: empty pattern" },
	{ "[{\"name\":\"a\",\"match\":{\"comm\":\"\"},\"set\":{}}]",
	  "owners[0].match.comm: empty pattern" },
	{ "[{\"name\":\"a\",\"match\":{\"env\":[\"A=1\",2]},\"set\":{}}]",
	  "owners[0].match.env[1]: must be a string" },
	{ "[{\"name\":\"a\",\"match\":{\"env\":[]},\"set\":{}}]",
	  "owners[0].match.env: empty array" },
	{ "[{\"name\":\"a\",\"match\":{},\"set\":{\"owner\":1}}]",
	  "owners[0].set.owner: must be a string" },
	{ "[{\"name\":\"a\",\"match\":{},\"set\":{\"region\":\"x\"}}]",
	  "owners[0].set.region: unknown key" },
	{ "[{\"name\":\"a\",\"match\":{},\"set\":{\"tags\":[]}}]",
	  "owners[0].set.tags: must be an object" },
	{ "[{\"name\":\"a\",\"match\":{},\"set\":{\"tags\":{\"k\":1}}}]",
	  "owners[0].set.tags.k: must be a string" },
	{ "[{\"name\":\"a\",\"match\":{},\"set\":{}},{\"name\":\"a\",\"match\":{},\"set\":{}}]",
	  "owners[1].name: \"a\" already used by owners[0]" },
};

TT_TEST(parse_errors_name_the_field)
{
	struct tt_owner_rules rules = { 0 };
	char err[256];

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		tt_case("%s", bad_cases[i].json);
		TT_CHECK_EQ_INT(parse(bad_cases[i].json, NULL, &rules, err, sizeof(err)),
				-EINVAL);
		TT_CHECK_EQ_STR(err, bad_cases[i].err);
		TT_CHECK_EQ_U64(rules.n, 0);
		TT_CHECK(rules.rules == NULL);
	}
	tt_rules_free(&rules);
}

static void build_big(char *buf, size_t cap, int nrules, int nconds, int ntags,
		      size_t value_len)
{
	size_t off = 0;

	off += (size_t)snprintf(buf + off, cap - off, "[");
	for (int r = 0; r < nrules; r++) {
		off += (size_t)snprintf(buf + off, cap - off,
					"%s{\"name\":\"r%d\",\"match\":{\"env\":[",
					r ? "," : "", r);
		for (int c = 0; c < nconds; c++)
			off += (size_t)snprintf(buf + off, cap - off, "%s\"V%d=x\"",
						c ? "," : "", c);
		off += (size_t)snprintf(buf + off, cap - off, "]},\"set\":{\"owner\":\"");
		for (size_t k = 0; k < value_len; k++)
			buf[off++] = 'o';
		off += (size_t)snprintf(buf + off, cap - off, "\",\"tags\":{");
		for (int t = 0; t < ntags; t++)
			off += (size_t)snprintf(buf + off, cap - off, "%s\"t%d\":\"v\"",
						t ? "," : "", t);
		off += (size_t)snprintf(buf + off, cap - off, "}}}");
	}
	snprintf(buf + off, cap - off, "]");
}

TT_TEST(caps)
{
	static char buf[1 << 20];
	struct tt_owner_rules rules = { 0 };
	char err[256];

	build_big(buf, sizeof(buf), TT_RULES_MAX, TT_RULE_CONDS_MAX,
		  TT_RULE_TAGS_MAX, TT_RULE_VALUE_MAX - 1);
	TT_CHECK_EQ_INT(parse(buf, NULL, &rules, err, sizeof(err)), 0);
	TT_CHECK_EQ_U64(rules.n, TT_RULES_MAX);
	TT_CHECK_EQ_U64(rules.rules[5].n_conds, TT_RULE_CONDS_MAX);
	TT_CHECK_EQ_U64(rules.rules[5].set.n_tags, TT_RULE_TAGS_MAX);

	build_big(buf, sizeof(buf), TT_RULES_MAX + 1, 1, 0, 1);
	TT_CHECK_EQ_INT(parse(buf, NULL, &rules, err, sizeof(err)), -EINVAL);
	TT_CHECK_EQ_STR(err, "owners: more than 256 rules");
	TT_CHECK_EQ_U64(rules.n, 0);

	build_big(buf, sizeof(buf), 1, TT_RULE_CONDS_MAX + 1, 0, 1);
	TT_CHECK_EQ_INT(parse(buf, NULL, &rules, err, sizeof(err)), -EINVAL);
	TT_CHECK_EQ_STR(err, "owners[0].match.env[16]: more than 16 conditions in one rule");

	build_big(buf, sizeof(buf), 1, 1, TT_RULE_TAGS_MAX + 1, 1);
	TT_CHECK_EQ_INT(parse(buf, NULL, &rules, err, sizeof(err)), -EINVAL);
	TT_CHECK_EQ_STR(err, "owners[0].set.tags: more than 16 tags");

	build_big(buf, sizeof(buf), 1, 1, 0, TT_RULE_VALUE_MAX);
	TT_CHECK_EQ_INT(parse(buf, NULL, &rules, err, sizeof(err)), -EINVAL);
	TT_CHECK_EQ_STR(err, "owners[0].set.owner: longer than 127 bytes");
	tt_rules_free(&rules);
}

static const char rules_json[] =
	"[\n"
	" {\"name\":\"by-key\", \"match\":{\"key_id\":\"kf_1234\"},\n"
	"  \"set\":{\"owner\":\"billing\",\"team\":\"pay\"}},\n"
	" {\"name\":\"search-prod\", \"match\":{\"cgroup\":\"/kubepods.slice/*\",\n"
	"   \"pod_namespace\":\"search\", \"env\":\"APP_ENV=prod*\"},\n"
	"  \"set\":{\"owner\":\"search\",\"team\":\"search-team\",\"cost_center\":\"cc-42\",\n"
	"   \"application\":\"ranker\",\"environment\":\"production\",\n"
	"   \"tags\":{\"tier\":\"1\",\"oncall\":\"search\"}}},\n"
	" {\"name\":\"containers\", \"match\":{\"container_name\":\"web-*\",\n"
	"   \"container_label\":\"com.example.team=ml?\"}, \"set\":{\"owner\":\"ml\"}},\n"
	" {\"name\":\"pods\", \"match\":{\"pod_name\":\"batch-[0-9]*\",\n"
	"   \"pod_label\":\"app=etl\"}, \"set\":{\"owner\":\"data\"}},\n"
	" {\"name\":\"unit\", \"match\":{\"unit\":\"notebook@*.service\"}, \"set\":{\"owner\":\"research\"}},\n"
	" {\"name\":\"exe\", \"match\":{\"exe\":\"/usr/bin/python3*\", \"comm\":\"agent\"},\n"
	"  \"set\":{\"owner\":\"agents\"}},\n"
	" {\"name\":\"team-header\", \"match\":{\"header\":\"x-team=growth\"}, \"set\":{\"owner\":\"growth\"}},\n"
	" {\"name\":\"two-env\", \"match\":{\"env\":[\"DD_ENV=qa\",\"DEPLOY_ENV=eu-*\"]},\n"
	"  \"set\":{\"owner\":\"qa-eu\"}}\n"
	"]";

static struct tt_environ mkenv(const char *name1, const char *v1,
			       const char *name2, const char *v2)
{
	struct tt_environ e;

	memset(&e, 0, sizeof(e));
	if (name1) {
		snprintf(e.vars[e.n].name, sizeof(e.vars[0].name), "%s", name1);
		snprintf(e.vars[e.n++].value, sizeof(e.vars[0].value), "%s", v1);
	}
	if (name2) {
		snprintf(e.vars[e.n].name, sizeof(e.vars[0].name), "%s", name2);
		snprintf(e.vars[e.n++].value, sizeof(e.vars[0].value), "%s", v2);
	}
	return e;
}

TT_TEST(match_each_condition_kind)
{
	struct tt_owner_rules rules = { 0 };
	struct tt_owner_result res;
	struct tt_facts f;
	struct tt_environ env;
	struct tt_kv clabels[] = { { "other", "x" }, { "com.example.team", "ml1" } };
	struct tt_kv plabels[] = { { "app", "etl" } };
	struct tt_kv hdrs[] = { { "X-Team", "growth" } };
	char err[256];

	TT_CHECK_EQ_INT(parse(rules_json, NULL, &rules, err, sizeof(err)), 0);
	TT_CHECK_EQ_STR(err, "");
	TT_CHECK_EQ_U64(rules.n, 8);

	/* cgroup + pod_namespace + env, all three. */
	memset(&f, 0, sizeof(f));
	env = mkenv("APP_ENV", "production", NULL, NULL);
	f.cgroup = "/kubepods.slice/kubepods-burstable.slice/cri-containerd-ab.scope";
	f.pod_namespace = "search";
	f.env = &env;
	TT_CHECK_EQ_INT(tt_rules_match(&rules, &f, &res), 1);
	TT_CHECK_EQ_INT(res.status, TT_OWNER_ALLOCATED);
	TT_CHECK_EQ_STR(res.status_name, "allocated");
	TT_CHECK_EQ_STR(res.rule, "search-prod");
	TT_CHECK_EQ_STR(res.owner, "search");
	TT_CHECK_EQ_STR(res.team, "search-team");
	TT_CHECK_EQ_STR(res.cost_center, "cc-42");
	TT_CHECK_EQ_STR(res.application, "ranker");
	TT_CHECK_EQ_STR(res.environment, "production");
	TT_CHECK_EQ_U64(res.n_tags, 2);
	TT_CHECK_EQ_STR(res.tags[0].key, "tier");
	TT_CHECK_EQ_STR(res.tags[1].value, "search");
	TT_CHECK_EQ_U64(res.n_matched, 3);
	TT_CHECK_EQ_STR(res.matched[0], "cgroup");
	TT_CHECK_EQ_STR(res.matched[1], "pod_namespace");
	TT_CHECK_EQ_STR(res.matched[2], "env:APP_ENV");

	/* AND: one condition off -> next rules, none match -> unallocated. */
	env = mkenv("APP_ENV", "staging", NULL, NULL);
	TT_CHECK_EQ_INT(tt_rules_match(&rules, &f, &res), 0);
	TT_CHECK_EQ_STR(res.status_name, "unallocated");
	TT_CHECK_EQ_STR(res.owner, "unallocated");
	TT_CHECK_EQ_STR(res.rule, "");
	TT_CHECK_EQ_STR(res.team, "");
	TT_CHECK_EQ_U64(res.n_matched, 0);
	env = mkenv("APP_ENV", "production", NULL, NULL);
	f.pod_namespace = "searchx";
	TT_CHECK_EQ_INT(tt_rules_match(&rules, &f, &res), 0);

	/* container name + label (glob on the value, '?'). */
	memset(&f, 0, sizeof(f));
	f.container_name = "web-7";
	f.container_labels = clabels;
	f.n_container_labels = 2;
	TT_CHECK_EQ_INT(tt_rules_match(&rules, &f, &res), 1);
	TT_CHECK_EQ_STR(res.rule, "containers");
	TT_CHECK_EQ_STR(res.matched[0], "container_name");
	TT_CHECK_EQ_STR(res.matched[1], "container_label:com.example.team");
	clabels[1].value = "ml12";
	TT_CHECK_EQ_INT(tt_rules_match(&rules, &f, &res), 0);
	clabels[1].value = "ml1";

	/* Pod labels are not container labels. */
	memset(&f, 0, sizeof(f));
	f.pod_name = "batch-17";
	f.container_labels = plabels;
	f.n_container_labels = 1;
	TT_CHECK_EQ_INT(tt_rules_match(&rules, &f, &res), 0);
	f.pod_labels = plabels;
	f.n_pod_labels = 1;
	TT_CHECK_EQ_INT(tt_rules_match(&rules, &f, &res), 1);
	TT_CHECK_EQ_STR(res.rule, "pods");
	TT_CHECK_EQ_STR(res.matched[1], "pod_label:app");
	f.pod_name = "batch-x";
	TT_CHECK_EQ_INT(tt_rules_match(&rules, &f, &res), 0);

	memset(&f, 0, sizeof(f));
	f.unit = "notebook@alice.service";
	TT_CHECK_EQ_INT(tt_rules_match(&rules, &f, &res), 1);
	TT_CHECK_EQ_STR(res.rule, "unit");
	TT_CHECK_EQ_STR(res.matched[0], "unit");

	memset(&f, 0, sizeof(f));
	f.exe = "/usr/bin/python3.12";
	f.comm = "agent";
	TT_CHECK_EQ_INT(tt_rules_match(&rules, &f, &res), 1);
	TT_CHECK_EQ_STR(res.rule, "exe");
	TT_CHECK_EQ_STR(res.matched[1], "comm");
	f.comm = "agent2";
	TT_CHECK_EQ_INT(tt_rules_match(&rules, &f, &res), 0);

	/* Header names compare case-insensitively, values by glob. */
	memset(&f, 0, sizeof(f));
	f.headers = hdrs;
	f.n_headers = 1;
	TT_CHECK_EQ_INT(tt_rules_match(&rules, &f, &res), 1);
	TT_CHECK_EQ_STR(res.rule, "team-header");
	TT_CHECK_EQ_STR(res.matched[0], "header:x-team");
	hdrs[0].value = "Growth";
	TT_CHECK_EQ_INT(tt_rules_match(&rules, &f, &res), 0);

	/* Exact key id; an env array is an AND of its entries. */
	memset(&f, 0, sizeof(f));
	f.key_id = "kf_1234";
	TT_CHECK_EQ_INT(tt_rules_match(&rules, &f, &res), 1);
	TT_CHECK_EQ_STR(res.rule, "by-key");
	TT_CHECK_EQ_STR(res.matched[0], "key_id");
	f.key_id = "kf_12345";
	TT_CHECK_EQ_INT(tt_rules_match(&rules, &f, &res), 0);
	f.key_id = "kf_*";
	TT_CHECK_EQ_INT(tt_rules_match(&rules, &f, &res), 0);

	memset(&f, 0, sizeof(f));
	env = mkenv("DD_ENV", "qa", "DEPLOY_ENV", "eu-west");
	f.env = &env;
	TT_CHECK_EQ_INT(tt_rules_match(&rules, &f, &res), 1);
	TT_CHECK_EQ_STR(res.rule, "two-env");
	TT_CHECK_EQ_STR(res.matched[0], "env:DD_ENV");
	TT_CHECK_EQ_STR(res.matched[1], "env:DEPLOY_ENV");
	env = mkenv("DD_ENV", "qa", NULL, NULL);
	TT_CHECK_EQ_INT(tt_rules_match(&rules, &f, &res), 0);

	/* No facts at all. */
	TT_CHECK_EQ_INT(tt_rules_match(&rules, NULL, &res), 0);
	TT_CHECK_EQ_STR(res.owner, "unallocated");
	tt_rules_free(&rules);
}

TT_TEST(first_match_wins_and_catch_all)
{
	struct tt_owner_rules rules = { 0 };
	struct tt_owner_result res;
	struct tt_facts f;
	char err[256];

	TT_CHECK_EQ_INT(parse("[{\"name\":\"specific\",\"match\":{\"comm\":\"curl\"},"
			      "\"set\":{\"owner\":\"a\"}},"
			      "{\"name\":\"glob\",\"match\":{\"comm\":\"c*\"},"
			      "\"set\":{\"owner\":\"b\"}},"
			      "{\"name\":\"default\",\"match\":{},\"set\":{\"owner\":\"ops\"}}]",
			      NULL, &rules, err, sizeof(err)), 0);
	memset(&f, 0, sizeof(f));
	f.comm = "curl";
	tt_rules_match(&rules, &f, &res);
	TT_CHECK_EQ_STR(res.rule, "specific");
	f.comm = "cat";
	tt_rules_match(&rules, &f, &res);
	TT_CHECK_EQ_STR(res.rule, "glob");
	f.comm = "x";
	TT_CHECK_EQ_INT(tt_rules_match(&rules, &f, &res), 1);
	TT_CHECK_EQ_STR(res.rule, "default");
	TT_CHECK_EQ_STR(res.owner, "ops");
	TT_CHECK_EQ_U64(res.n_matched, 0);
	/* A condition on a fact we do not have never holds, even "*". */
	TT_CHECK_EQ_INT(parse("[{\"name\":\"pod\",\"match\":{\"pod_namespace\":\"*\"},"
			      "\"set\":{}}]", NULL, &rules, err, sizeof(err)), 0);
	f.pod_namespace = "";
	TT_CHECK_EQ_INT(tt_rules_match(&rules, &f, &res), 0);
	f.pod_namespace = "default";
	TT_CHECK_EQ_INT(tt_rules_match(&rules, &f, &res), 1);
	/* An empty table allocates nothing. */
	tt_rules_free(&rules);
	TT_CHECK_EQ_INT(tt_rules_match(&rules, &f, &res), 0);
	TT_CHECK_EQ_INT(parse("[]", NULL, &rules, err, sizeof(err)), 0);
	TT_CHECK_EQ_U64(rules.n, 0);
}

TT_TEST(key_environments_parse)
{
	struct tt_owner_rules rules = { 0 };
	char err[256];

	TT_CHECK_EQ_INT(parse("[]", "{\"kf_a\":\"prod\",\"kf_b\":\"dev\"}", &rules,
			      err, sizeof(err)), 0);
	TT_CHECK_EQ_U64(rules.n_key_envs, 2);
	TT_CHECK_EQ_STR(rules.key_envs[1].key_id, "kf_b");
	TT_CHECK_EQ_INT(parse("[]", "{\"kf_a\":1}", &rules, err, sizeof(err)), -EINVAL);
	TT_CHECK_EQ_STR(err, "key_environments.kf_a: must be a string");
	TT_CHECK_EQ_U64(rules.n_key_envs, 0);
	TT_CHECK_EQ_INT(parse("[]", "{\"kf_a\":\"\"}", &rules, err, sizeof(err)), -EINVAL);
	TT_CHECK_EQ_STR(err, "key_environments.kf_a: must not be empty");
	TT_CHECK_EQ_INT(parse("[]", "[]", &rules, err, sizeof(err)), -EINVAL);
	TT_CHECK_EQ_STR(err, "key_environments: must be an object");
	TT_CHECK_EQ_INT(parse("[]", "{\"a\":\"x\",\"a\":\"y\"}", &rules, err, sizeof(err)),
			-EINVAL);
	TT_CHECK_EQ_STR(err, "key_environments.a: duplicate key");
	tt_rules_free(&rules);
}

static const struct {
	const char *a, *b;
} synonyms[] = {
	{ "prod", "production" }, { "PROD", "production" }, { "Production ", "production" },
	{ "prd", "production" }, { "stg", "staging" }, { "stage", "staging" },
	{ "dev", "development" }, { "Development", "development" },
	{ "eu-Prod", "eu-prod" }, { "", "" },
};

TT_TEST(env_normalize)
{
	char buf[64];

	for (size_t i = 0; i < sizeof(synonyms) / sizeof(synonyms[0]); i++) {
		tt_case("%s", synonyms[i].a);
		TT_CHECK_EQ_STR(tt_rules_env_normalize(synonyms[i].a, buf, sizeof(buf)),
				synonyms[i].b);
	}
	/* Truncates to the buffer, never past it. */
	TT_CHECK_EQ_STR(tt_rules_env_normalize("ABCDEF", buf, 4), "abc");
}

TT_TEST(env_check)
{
	struct tt_owner_rules rules = { 0 };
	struct tt_owner_result res;
	struct tt_env_check chk;
	struct tt_facts f;
	struct tt_environ env;
	struct tt_kv hdrs[] = { { "x-environment", "staging" } };
	char err[256];

	TT_CHECK_EQ_INT(parse("[{\"name\":\"prod-rule\",\"match\":{\"comm\":\"svc\"},"
			      "\"set\":{\"environment\":\"prod\"}},"
			      "{\"name\":\"noenv\",\"match\":{\"comm\":\"other\"},"
			      "\"set\":{\"owner\":\"o\"}}]",
			      "{\"kf_dev\":\"development\",\"kf_prod\":\"production\"}",
			      &rules, err, sizeof(err)), 0);

	/* Rule says prod, header says staging: mismatch by header. */
	memset(&f, 0, sizeof(f));
	f.comm = "svc";
	f.headers = hdrs;
	f.n_headers = 1;
	tt_rules_match(&rules, &f, &res);
	tt_rules_env_check(&rules, &res, &f, &chk);
	TT_CHECK_EQ_INT(chk.mismatch, 1);
	TT_CHECK_EQ_STR(chk.workload, "prod");
	TT_CHECK_EQ_STR(chk.workload_norm, "production");
	TT_CHECK_EQ_STR(chk.workload_from, "rule");
	TT_CHECK_EQ_STR(chk.declared, "staging");
	TT_CHECK_EQ_STR(chk.declared_by, "header");

	/* Synonyms agree: prod vs "Production". */
	hdrs[0].value = "Production";
	tt_rules_env_check(&rules, &res, &f, &chk);
	TT_CHECK_EQ_INT(chk.mismatch, 0);
	TT_CHECK_EQ_STR(chk.declared, "Production");
	TT_CHECK_EQ_STR(chk.declared_norm, "production");

	/* Key mapping when there is no header; header wins over the key. */
	f.n_headers = 0;
	f.key_id = "kf_dev";
	tt_rules_env_check(&rules, &res, &f, &chk);
	TT_CHECK_EQ_INT(chk.mismatch, 1);
	TT_CHECK_EQ_STR(chk.declared, "development");
	TT_CHECK_EQ_STR(chk.declared_by, "key");
	f.key_id = "kf_prod";
	tt_rules_env_check(&rules, &res, &f, &chk);
	TT_CHECK_EQ_INT(chk.mismatch, 0);
	TT_CHECK_EQ_STR(chk.declared_by, "key");
	f.n_headers = 1;
	hdrs[0].value = "dev";
	tt_rules_env_check(&rules, &res, &f, &chk);
	TT_CHECK_EQ_STR(chk.declared_by, "header");
	TT_CHECK_EQ_INT(chk.mismatch, 1);

	/* Rule without environment: from the allow-listed variables, in
	 * priority order (APP_ENV before DD_ENV). */
	f.comm = "other";
	env = mkenv("DD_ENV", "stg", "APP_ENV", "dev");
	f.env = &env;
	tt_rules_match(&rules, &f, &res);
	TT_CHECK_EQ_STR(res.rule, "noenv");
	tt_rules_env_check(&rules, &res, &f, &chk);
	TT_CHECK_EQ_STR(chk.workload_from, "APP_ENV");
	TT_CHECK_EQ_STR(chk.workload, "dev");
	/* The header agrees ("dev"), but the key is mapped to production: a
	 * production key used from a dev workload is still flagged. */
	TT_CHECK_EQ_INT(chk.mismatch, 1);
	TT_CHECK_EQ_STR(chk.declared_by, "key");
	f.key_id = "kf_dev";
	tt_rules_env_check(&rules, &res, &f, &chk);
	TT_CHECK_EQ_INT(chk.mismatch, 0);
	TT_CHECK_EQ_STR(chk.declared_by, "header");
	/* A rule's environment is checked against the variables too. */
	f.comm = "svc";
	f.n_headers = 0;
	tt_rules_match(&rules, &f, &res);
	tt_rules_env_check(&rules, &res, &f, &chk);
	TT_CHECK_EQ_INT(chk.mismatch, 1);
	TT_CHECK_EQ_STR(chk.declared_by, "APP_ENV");
	TT_CHECK_EQ_STR(chk.declared, "dev");
	f.comm = "other";
	f.n_headers = 1;
	f.key_id = "kf_prod";
	tt_rules_match(&rules, &f, &res);
	env = mkenv(TT_ENVIRON_OTEL, "staging", NULL, NULL);
	tt_rules_env_check(&rules, &res, &f, &chk);
	TT_CHECK_EQ_STR(chk.workload_from, TT_ENVIRON_OTEL);
	TT_CHECK_EQ_INT(chk.mismatch, 1);

	/* Unallocated calls are checked too. */
	f.comm = "nobody";
	tt_rules_match(&rules, &f, &res);
	tt_rules_env_check(&rules, &res, &f, &chk);
	TT_CHECK_EQ_INT(chk.has_workload, 1);
	TT_CHECK_EQ_INT(chk.mismatch, 1);

	/* No declaration: no mismatch, workload still reported. */
	f.n_headers = 0;
	f.key_id = "kf_unknown";
	tt_rules_env_check(&rules, &res, &f, &chk);
	TT_CHECK_EQ_INT(chk.mismatch, 0);
	TT_CHECK_EQ_INT(chk.has_declared, 0);
	TT_CHECK_EQ_STR(chk.declared_by, "");
	TT_CHECK_EQ_STR(chk.workload, "staging");

	/* Nothing known on either side. */
	tt_rules_env_check(&rules, NULL, NULL, &chk);
	TT_CHECK_EQ_INT(chk.mismatch, 0);
	TT_CHECK_EQ_INT(chk.has_workload, 0);
	TT_CHECK_EQ_STR(chk.workload_from, "");

	/* A configured header name replaces X-Environment. */
	snprintf(rules.env_header, sizeof(rules.env_header), "X-Env");
	hdrs[0].key = "X-Env";
	f.n_headers = 1;
	tt_rules_env_check(&rules, NULL, &f, &chk);
	TT_CHECK_EQ_STR(chk.declared, "dev");
	tt_rules_free(&rules);
}

static const struct {
	const char *pat, *val;
	int want;
} globs[] = {
	{ "*", "x", 1 }, { "*", "", 1 }, { "", "", 1 }, { "", "a", 0 },
	{ "a*", "abc", 1 }, { "*c", "abc", 1 }, { "*b*", "abc", 1 },
	{ "a?c", "abc", 1 }, { "a?c", "ac", 0 }, { "a*b*c", "aXbYbZc", 1 },
	{ "a*b*c", "aXbYbZ", 0 }, { "/kubepods*/*.scope", "/kubepods.slice/a/b.scope", 1 },
	{ "[a-c]x", "bx", 1 }, { "[a-c]x", "dx", 0 }, { "[!a-c]x", "dx", 1 },
	{ "[^a]", "a", 0 }, { "[]]", "]", 1 }, { "[]a]", "a", 1 }, { "[a-]", "-", 1 },
	{ "[", "[", 1 }, { "[ab", "[ab", 1 }, { "\\*", "*", 1 }, { "\\*", "a", 0 },
	{ "**a", "a", 1 }, { "*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0 },
	{ "web-[0-9][0-9]", "web-42", 1 }, { "web-[0-9][0-9]", "web-4x", 0 },
	{ "*.service", "notebook@a.service", 1 }, { "?*", "", 0 },
};

TT_TEST(glob_matches_fnmatch)
{
	for (size_t i = 0; i < sizeof(globs) / sizeof(globs[0]); i++) {
		tt_case("%s vs %s", globs[i].pat, globs[i].val);
		TT_CHECK_EQ_INT(tt_rules_glob_match(globs[i].pat, globs[i].val),
				globs[i].want);
		TT_CHECK_EQ_INT(!fnmatch(globs[i].pat, globs[i].val, 0), globs[i].want);
	}
}

TT_TEST(glob_is_not_exponential)
{
	static char val[8192], pat[TT_RULE_PATTERN_MAX];
	size_t i;

	/* "*a*a*...*b" against a long run of 'a': hopeless for a recursive
	 * matcher, one quadratic pass here. */
	memset(val, 'a', sizeof(val) - 1);
	for (i = 0; i + 3 < sizeof(pat); i += 2)
		memcpy(pat + i, "*a", 2);
	pat[i] = 'b';
	TT_CHECK_EQ_INT(tt_rules_glob_match(pat, val), 0);
}

TT_TEST(glob_rejects_classes)
{
	struct tt_owner_rules rules = { 0 };
	char err[256];

	TT_CHECK_EQ_INT(parse("[{\"name\":\"a\",\"match\":{\"comm\":\"[[:alpha:]]*\"},"
			      "\"set\":{}}]", NULL, &rules, err, sizeof(err)), -EINVAL);
	TT_CHECK_EQ_STR(err, "owners[0].match.comm: character classes ([:name:]) are not supported");
	tt_rules_free(&rules);
}
