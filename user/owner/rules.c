// SPDX-License-Identifier: MIT
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "util/cfgjson.h"
#include "owner/rules.h"

/* Condition kinds by their "match" key; index = enum tt_fact_kind.
 * NULL-terminated for tt_cfg_check_keys(). */
static const char *const kind_names[TT_FACT_KINDS + 1] = {
	[TT_FACT_CGROUP] = "cgroup",
	[TT_FACT_CONTAINER_NAME] = "container_name",
	[TT_FACT_CONTAINER_LABEL] = "container_label",
	[TT_FACT_POD_NAMESPACE] = "pod_namespace",
	[TT_FACT_POD_NAME] = "pod_name",
	[TT_FACT_POD_LABEL] = "pod_label",
	[TT_FACT_UNIT] = "unit",
	[TT_FACT_EXE] = "exe",
	[TT_FACT_COMM] = "comm",
	[TT_FACT_ENV] = "env",
	[TT_FACT_HEADER] = "header",
	[TT_FACT_KEY_ID] = "key_id",
};

static int keyed(enum tt_fact_kind k)
{
	return k == TT_FACT_CONTAINER_LABEL || k == TT_FACT_POD_LABEL ||
	       k == TT_FACT_ENV || k == TT_FACT_HEADER;
}

/* Builds a field path for messages; truncation only shortens a message,
 * and going through vsnprintf keeps gcc's truncation warning quiet. */
__attribute__((format(printf, 3, 4)))
static void mkpath(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
}

/* Copies a string member (absent is fine) with a length cap. */
static int get_str(const cJSON *obj, const char *key, const char *where,
		   char *dst, size_t cap, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!v)
		return 0;
	if (!cJSON_IsString(v))
		return tt_cfg_fail(err, errlen, "%s.%s: must be a string", where, key);
	if (strlen(v->valuestring) >= cap)
		return tt_cfg_fail(err, errlen, "%s.%s: longer than %zu bytes", where,
			    key, cap - 1);
	strcpy(dst, v->valuestring);
	return 0;
}

static int parse_cond(const char *text, enum tt_fact_kind kind,
		      const char *where, struct tt_rule_cond *c, char *err,
		      size_t errlen)
{
	const char *pat = text;

	c->kind = kind;
	c->key[0] = '\0';
	if (keyed(kind)) {
		const char *eq = strchr(text, '=');

		if (!eq || eq == text)
			return tt_cfg_fail(err, errlen, "%s: must be \"NAME=glob\"", where);
		if ((size_t)(eq - text) >= sizeof(c->key))
			return tt_cfg_fail(err, errlen, "%s: name longer than %zu bytes",
				    where, sizeof(c->key) - 1);
		memcpy(c->key, text, (size_t)(eq - text));
		c->key[eq - text] = '\0';
		pat = eq + 1;
	}
	if (!*pat)
		return tt_cfg_fail(err, errlen, "%s: empty pattern", where);
	/* Classes like [:alpha:] are not implemented: refuse, not misread. */
	if (kind != TT_FACT_KEY_ID && strstr(pat, "[:"))
		return tt_cfg_fail(err, errlen, "%s: character classes ([:name:]) are not supported",
			    where);
	if (strlen(pat) >= sizeof(c->pattern))
		return tt_cfg_fail(err, errlen, "%s: longer than %zu bytes", where,
			    sizeof(c->pattern) - 1);
	strcpy(c->pattern, pat);
	return 0;
}

/* "match": each key a string or an array of strings (all must hold). */
static int parse_match(const cJSON *obj, const char *where,
		       struct tt_owner_rule *r, char *err, size_t errlen)
{
	char path[128];
	const cJSON *it;
	int ret;

	if (!cJSON_IsObject(obj))
		return tt_cfg_fail(err, errlen, "%s: must be an object", where);
	ret = tt_cfg_check_keys(obj, where, kind_names, err, errlen);
	if (ret)
		return ret;
	cJSON_ArrayForEach(it, obj) {
		enum tt_fact_kind kind = TT_FACT_CGROUP;
		const cJSON *one, *first = it;
		int multi = cJSON_IsArray(it), j = 0;

		while (strcmp(kind_names[kind], it->string))
			kind++;
		if (multi) {
			first = it->child;
			if (!first)
				return tt_cfg_fail(err, errlen, "%s.%s: empty array",
					    where, it->string);
		}
		for (one = first; one; one = multi ? one->next : NULL, j++) {
			if (multi)
				mkpath(path, sizeof(path), "%s.%s[%d]", where,
				       it->string, j);
			else
				mkpath(path, sizeof(path), "%s.%s", where, it->string);
			if (!cJSON_IsString(one))
				return tt_cfg_fail(err, errlen, "%s: must be a string%s",
					    path, multi ? "" : " or an array of strings");
			if (r->n_conds >= TT_RULE_CONDS_MAX)
				return tt_cfg_fail(err, errlen,
					    "%s: more than %d conditions in one rule",
					    path, TT_RULE_CONDS_MAX);
			ret = parse_cond(one->valuestring, kind, path,
					 &r->conds[r->n_conds], err, errlen);
			if (ret)
				return ret;
			r->n_conds++;
		}
	}
	return 0;
}

static int parse_tags(const cJSON *obj, const char *where,
		      struct tt_owner_set *s, char *err, size_t errlen)
{
	const cJSON *it;
	int ret;

	if (!cJSON_IsObject(obj))
		return tt_cfg_fail(err, errlen, "%s: must be an object", where);
	/* No allowed names: only the duplicate check is wanted. */
	cJSON_ArrayForEach(it, obj) {
		struct tt_rule_tag *t;

		for (size_t i = 0; i < s->n_tags; i++)
			if (!strcmp(s->tags[i].key, it->string))
				return tt_cfg_fail(err, errlen, "%s.%s: duplicate key",
					    where, it->string);
		if (s->n_tags >= TT_RULE_TAGS_MAX)
			return tt_cfg_fail(err, errlen, "%s: more than %d tags", where,
				    TT_RULE_TAGS_MAX);
		if (!it->string[0] || strlen(it->string) >= TT_RULE_TAG_KEY_MAX)
			return tt_cfg_fail(err, errlen,
				    "%s.%s: tag name must be 1 to %d bytes", where,
				    it->string, TT_RULE_TAG_KEY_MAX - 1);
		t = &s->tags[s->n_tags];
		ret = get_str(obj, it->string, where, t->value, sizeof(t->value),
			      err, errlen);
		if (ret)
			return ret;
		strcpy(t->key, it->string);
		s->n_tags++;
	}
	return 0;
}

static int parse_set(const cJSON *obj, const char *where,
		     struct tt_owner_set *s, char *err, size_t errlen)
{
	static const char *const keys[] = { "owner", "team", "cost_center",
					    "application", "environment", "tags",
					    NULL };
	char path[128];
	const cJSON *tags;
	int ret;

	if (!cJSON_IsObject(obj))
		return tt_cfg_fail(err, errlen, "%s: must be an object", where);
	ret = tt_cfg_check_keys(obj, where, keys, err, errlen);
	if (!ret)
		ret = get_str(obj, "owner", where, s->owner, sizeof(s->owner), err, errlen);
	if (!ret)
		ret = get_str(obj, "team", where, s->team, sizeof(s->team), err, errlen);
	if (!ret)
		ret = get_str(obj, "cost_center", where, s->cost_center,
			      sizeof(s->cost_center), err, errlen);
	if (!ret)
		ret = get_str(obj, "application", where, s->application,
			      sizeof(s->application), err, errlen);
	if (!ret)
		ret = get_str(obj, "environment", where, s->environment,
			      sizeof(s->environment), err, errlen);
	tags = cJSON_GetObjectItemCaseSensitive(obj, "tags");
	if (!ret && tags) {
		mkpath(path, sizeof(path), "%s.tags", where);
		ret = parse_tags(tags, path, s, err, errlen);
	}
	return ret;
}

/* selector: a rule that only selects processes (capture.arm): no "set",
 * and only facts known before any traffic. */
static int parse_rule(const cJSON *obj, const char *where,
		      struct tt_owner_rule *r, int selector, char *err,
		      size_t errlen)
{
	static const char *const keys[] = { "name", "match", "set", NULL };
	static const char *const selector_keys[] = { "name", "match", NULL };
	char path[128];
	int ret;

	if (!cJSON_IsObject(obj))
		return tt_cfg_fail(err, errlen, "%s: must be an object", where);
	ret = tt_cfg_check_keys(obj, where, selector ? selector_keys : keys,
				err, errlen);
	if (ret)
		return ret;
	if (!cJSON_GetObjectItemCaseSensitive(obj, "name"))
		return tt_cfg_fail(err, errlen, "%s.name: required", where);
	ret = get_str(obj, "name", where, r->name, sizeof(r->name), err, errlen);
	if (ret)
		return ret;
	if (!r->name[0])
		return tt_cfg_fail(err, errlen, "%s.name: must not be empty", where);
	/* Required even when empty, so a misspelt key cannot turn a rule
	 * into a catch-all: "match": {} is the explicit catch-all. */
	if (!cJSON_GetObjectItemCaseSensitive(obj, "match"))
		return tt_cfg_fail(err, errlen, "%s.match: required (use {} to match all)",
			    where);
	if (!selector && !cJSON_GetObjectItemCaseSensitive(obj, "set"))
		return tt_cfg_fail(err, errlen, "%s.set: required", where);
	mkpath(path, sizeof(path), "%s.match", where);
	ret = parse_match(cJSON_GetObjectItemCaseSensitive(obj, "match"), path,
			  r, err, errlen);
	if (ret)
		return ret;
	if (selector) {
		for (size_t i = 0; i < r->n_conds; i++)
			if (r->conds[i].kind == TT_FACT_HEADER ||
			    r->conds[i].kind == TT_FACT_KEY_ID)
				return tt_cfg_fail(err, errlen,
					"%s.%s: not known before a process's traffic",
					path, kind_names[r->conds[i].kind]);
		return 0;
	}
	mkpath(path, sizeof(path), "%s.set", where);
	return parse_set(cJSON_GetObjectItemCaseSensitive(obj, "set"), path,
			 &r->set, err, errlen);
}

static int parse_rules(const struct cJSON *arr, const char *where,
		       struct tt_owner_rules *rules, int selector, char *err,
		       size_t errlen)
{
	struct tt_owner_rule *table = NULL;
	const cJSON *it;
	size_t n = 0;
	int count, ret = 0;
	char path[96];

	free(rules->rules);
	rules->rules = NULL;
	rules->n = 0;
	if (!cJSON_IsArray(arr))
		return tt_cfg_fail(err, errlen, "%s: must be an array", where);
	count = cJSON_GetArraySize(arr);
	if (count > TT_RULES_MAX)
		return tt_cfg_fail(err, errlen, "%s: more than %d rules", where,
			    TT_RULES_MAX);
	if (!count)
		return 0;
	table = calloc((size_t)count, sizeof(*table));
	if (!table)
		return -ENOMEM;
	cJSON_ArrayForEach(it, arr) {
		mkpath(path, sizeof(path), "%s[%zu]", where, n);
		ret = parse_rule(it, path, &table[n], selector, err, errlen);
		if (ret)
			goto out;
		for (size_t i = 0; i < n; i++)
			if (!strcmp(table[i].name, table[n].name)) {
				ret = tt_cfg_fail(err, errlen,
					   "%s.name: \"%s\" already used by %s[%zu]",
					   path, table[n].name, where, i);
				goto out;
			}
		n++;
	}
	rules->rules = table;
	rules->n = n;
	table = NULL;
out:
	free(table);
	return ret;
}

int tt_rules_parse_owners(const struct cJSON *arr, const char *where,
			  struct tt_owner_rules *rules, char *err,
			  size_t errlen)
{
	return parse_rules(arr, where, rules, 0, err, errlen);
}

int tt_rules_parse_selectors(const struct cJSON *arr, const char *where,
			     struct tt_owner_rules *rules, char *err,
			     size_t errlen)
{
	return parse_rules(arr, where, rules, 1, err, errlen);
}

int tt_rules_parse_key_environments(const struct cJSON *obj,
				    const char *where,
				    struct tt_owner_rules *rules, char *err,
				    size_t errlen)
{
	struct tt_key_env *table = NULL;
	const cJSON *it;
	size_t n = 0;
	int count, ret = 0;

	free(rules->key_envs);
	rules->key_envs = NULL;
	rules->n_key_envs = 0;
	if (!cJSON_IsObject(obj))
		return tt_cfg_fail(err, errlen, "%s: must be an object", where);
	count = cJSON_GetArraySize(obj);
	if (count > TT_KEY_ENVS_MAX)
		return tt_cfg_fail(err, errlen, "%s: more than %d entries", where,
			    TT_KEY_ENVS_MAX);
	if (!count)
		return 0;
	table = calloc((size_t)count, sizeof(*table));
	if (!table)
		return -ENOMEM;
	cJSON_ArrayForEach(it, obj) {
		struct tt_key_env *k = &table[n];

		if (!it->string[0] || strlen(it->string) >= sizeof(k->key_id)) {
			ret = tt_cfg_fail(err, errlen, "%s.%s: key id must be 1 to %zu bytes",
				   where, it->string, sizeof(k->key_id) - 1);
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			if (!strcmp(table[i].key_id, it->string)) {
				ret = tt_cfg_fail(err, errlen, "%s.%s: duplicate key",
					   where, it->string);
				goto out;
			}
		ret = get_str(obj, it->string, where, k->environment,
			      sizeof(k->environment), err, errlen);
		if (!ret && !k->environment[0])
			ret = tt_cfg_fail(err, errlen, "%s.%s: must not be empty", where,
				   it->string);
		if (ret)
			goto out;
		strcpy(k->key_id, it->string);
		n++;
	}
	rules->key_envs = table;
	rules->n_key_envs = n;
	table = NULL;
out:
	free(table);
	return ret;
}

void tt_rules_free(struct tt_owner_rules *rules)
{
	free(rules->rules);
	free(rules->key_envs);
	rules->rules = NULL;
	rules->key_envs = NULL;
	rules->n = 0;
	rules->n_key_envs = 0;
}

/* One non-star pattern element at *pp against c: '?', "[...]" (with '!' or
 * '^' negation and ranges), '\\' escape, or a literal. Returns how many
 * pattern bytes it spans if it matches c, else 0. */
static size_t elem_match(const char *p, char c)
{
	const char *q;
	int neg, hit = 0;

	if (*p == '?')
		return 1;
	if (*p == '\\' && p[1])
		return p[1] == c ? 2 : 0;
	if (*p != '[')
		return *p == c ? 1 : 0;
	q = p + 1;
	neg = *q == '!' || *q == '^';
	q += neg;
	/* A ']' first in the set is a member, not the end. */
	do {
		char lo = *q, hi = *q;

		if (!*q)
			return *p == c ? 1 : 0; /* no closing ']': a literal '[' */
		if (q[1] == '-' && q[2] && q[2] != ']') {
			hi = q[2];
			q += 2;
		}
		if ((unsigned char)c >= (unsigned char)lo &&
		    (unsigned char)c <= (unsigned char)hi)
			hit = 1;
		q++;
	} while (*q != ']');
	return hit != neg ? (size_t)(q + 1 - p) : 0;
}

/* fnmatch(3)-style glob, no flags ('*' crosses '/'), in O(len(p) * len(s)):
 * every element but '*' matches one byte, so resuming after the last '*'
 * is enough, and hostile values cannot make it backtrack exponentially
 * the way recursive matchers (glibc fnmatch) can. */
int tt_rules_glob_match(const char *p, const char *s)
{
	const char *star_p = NULL, *star_s = NULL;
	size_t adv;

	while (*s) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (!*p)
				return 1;
			star_p = p;
			star_s = s;
			continue;
		}
		if (*p && (adv = elem_match(p, *s))) {
			p += adv;
			s++;
		} else if (star_p) {
			p = star_p;
			s = ++star_s;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return !*p;
}

static int glob_ok(const char *pattern, const char *value)
{
	return value && *value && tt_rules_glob_match(pattern, value);
}

static int kv_ok(const struct tt_kv *kv, size_t n, const char *key,
		 const char *pattern, int icase)
{
	if (!kv)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const char *k = kv[i].key ? kv[i].key : "";

		if (icase ? !strcasecmp(k, key) : !strcmp(k, key))
			return glob_ok(pattern, kv[i].value);
	}
	return 0;
}

static int cond_ok(const struct tt_rule_cond *c, const struct tt_facts *f)
{
	switch (c->kind) {
	case TT_FACT_CGROUP: return glob_ok(c->pattern, f->cgroup);
	case TT_FACT_CONTAINER_NAME: return glob_ok(c->pattern, f->container_name);
	case TT_FACT_CONTAINER_LABEL:
		return kv_ok(f->container_labels, f->n_container_labels, c->key,
			     c->pattern, 0);
	case TT_FACT_POD_NAMESPACE: return glob_ok(c->pattern, f->pod_namespace);
	case TT_FACT_POD_NAME: return glob_ok(c->pattern, f->pod_name);
	case TT_FACT_POD_LABEL:
		return kv_ok(f->pod_labels, f->n_pod_labels, c->key, c->pattern, 0);
	case TT_FACT_UNIT: return glob_ok(c->pattern, f->unit);
	case TT_FACT_EXE: return glob_ok(c->pattern, f->exe);
	case TT_FACT_COMM: return glob_ok(c->pattern, f->comm);
	case TT_FACT_ENV:
		return glob_ok(c->pattern, tt_environ_get(f->env, c->key));
	case TT_FACT_HEADER:
		return kv_ok(f->headers, f->n_headers, c->key, c->pattern, 1);
	case TT_FACT_KEY_ID:
		return f->key_id && *f->key_id && !strcmp(c->pattern, f->key_id);
	default: return 0;
	}
}

static void set_unallocated(struct tt_owner_result *out)
{
	memset(out, 0, sizeof(*out));
	out->status = TT_OWNER_UNALLOCATED;
	out->status_name = "unallocated";
	out->rule = "";
	out->owner = "unallocated";
	out->team = out->cost_center = out->application = out->environment = "";
}

int tt_rules_match(const struct tt_owner_rules *rules,
		   const struct tt_facts *facts, struct tt_owner_result *out)
{
	static const struct tt_facts none;
	const struct tt_facts *f = facts ? facts : &none;

	set_unallocated(out);
	for (size_t i = 0; i < rules->n; i++) {
		const struct tt_owner_rule *r = &rules->rules[i];
		size_t c;

		for (c = 0; c < r->n_conds && cond_ok(&r->conds[c], f); c++)
			;
		if (c < r->n_conds)
			continue;
		out->status = TT_OWNER_ALLOCATED;
		out->status_name = "allocated";
		out->rule = r->name;
		out->owner = r->set.owner;
		out->team = r->set.team;
		out->cost_center = r->set.cost_center;
		out->application = r->set.application;
		out->environment = r->set.environment;
		out->tags = r->set.tags;
		out->n_tags = r->set.n_tags;
		for (c = 0; c < r->n_conds; c++) {
			const struct tt_rule_cond *cd = &r->conds[c];

			snprintf(out->matched[c], sizeof(out->matched[c]),
				 keyed(cd->kind) ? "%s:%s" : "%s",
				 kind_names[cd->kind], cd->key);
		}
		out->n_matched = r->n_conds;
		return 1;
	}
	return 0;
}

const char *tt_rules_env_normalize(const char *env, char *buf, size_t buflen)
{
	static const struct { const char *alias, *canon; } syn[] = {
		{ "prod", "production" }, { "prd", "production" },
		{ "production", "production" }, { "live", "production" },
		{ "stg", "staging" }, { "stage", "staging" },
		{ "staging", "staging" }, { "preprod", "staging" },
		{ "dev", "development" }, { "devel", "development" },
		{ "develop", "development" }, { "development", "development" },
		{ "test", "test" }, { "testing", "test" }, { "tst", "test" },
		{ "qa", "qa" }, { "uat", "uat" }, { "local", "local" },
	};
	size_t n = 0;

	if (!buflen)
		return buf;
	/* Lower-cased and trimmed; values are already capped by the caller. */
	while (*env && isspace((unsigned char)*env))
		env++;
	for (; env[n] && n + 1 < buflen; n++)
		buf[n] = (char)tolower((unsigned char)env[n]);
	while (n && isspace((unsigned char)buf[n - 1]))
		n--;
	buf[n] = '\0';
	for (size_t i = 0; i < sizeof(syn) / sizeof(syn[0]); i++)
		if (!strcmp(buf, syn[i].alias)) {
			snprintf(buf, buflen, "%s", syn[i].canon);
			break;
		}
	return buf;
}

static void copy_capped(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src);
}

/* Environment variables that name the environment, in order. */
static const char *const env_vars[] = { "APP_ENV", "ENVIRONMENT", "DEPLOY_ENV",
					"DD_ENV", TT_ENVIRON_OTEL };

static void workload_env(const struct tt_owner_result *owner,
			 const struct tt_facts *f, struct tt_env_check *out)
{
	const char *const *vars = env_vars;

	if (owner && owner->environment && *owner->environment) {
		copy_capped(out->workload, sizeof(out->workload), owner->environment);
		out->workload_from = "rule";
		out->has_workload = 1;
		return;
	}
	for (size_t i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++) {
		const char *v = tt_environ_get(f->env, vars[i]);

		if (v && *v) {
			copy_capped(out->workload, sizeof(out->workload), v);
			out->workload_from = vars[i];
			out->has_workload = 1;
			return;
		}
	}
}

/* Takes a declared value: the first one found, replaced by the first one
 * that disagrees with the workload, so a mismatch is never hidden behind
 * an agreeing source. Returns 1 once a disagreeing value is taken. */
static int offer_declared(struct tt_env_check *out, const char *v,
			  const char *by)
{
	char norm[TT_RULE_VALUE_MAX];

	if (!v || !*v)
		return 0;
	tt_rules_env_normalize(v, norm, sizeof(norm));
	if (out->has_declared &&
	    (!out->has_workload || !strcmp(norm, out->workload_norm)))
		return 0;
	copy_capped(out->declared, sizeof(out->declared), v);
	copy_capped(out->declared_norm, sizeof(out->declared_norm), norm);
	out->declared_by = by;
	out->has_declared = 1;
	return out->has_workload && strcmp(norm, out->workload_norm) != 0;
}

/* What the call or process claims: the environment header, then (when
 * the workload's environment came from a rule) the environment variables,
 * then the key's mapped environment. */
static void declared_env(const struct tt_owner_rules *rules,
			 const struct tt_facts *f, struct tt_env_check *out)
{
	const char *hdr = rules && rules->env_header[0] ? rules->env_header
							: TT_ENV_HEADER_DEFAULT;

	for (size_t i = 0; f->headers && i < f->n_headers; i++) {
		const char *k = f->headers[i].key, *v = f->headers[i].value;

		if (k && !strcasecmp(k, hdr) && v && *v) {
			if (offer_declared(out, v, "header"))
				return;
			break;
		}
	}
	if (!strcmp(out->workload_from, "rule"))
		for (size_t i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++)
			if (offer_declared(out, tt_environ_get(f->env, env_vars[i]),
					   env_vars[i]))
				return;
	if (!rules || !f->key_id || !*f->key_id)
		return;
	for (size_t i = 0; i < rules->n_key_envs; i++)
		if (!strcmp(rules->key_envs[i].key_id, f->key_id)) {
			offer_declared(out, rules->key_envs[i].environment, "key");
			return;
		}
}

void tt_rules_env_check(const struct tt_owner_rules *rules,
			const struct tt_owner_result *owner,
			const struct tt_facts *facts, struct tt_env_check *out)
{
	static const struct tt_facts none;
	const struct tt_facts *f = facts ? facts : &none;

	memset(out, 0, sizeof(*out));
	out->workload_from = out->declared_by = "";
	workload_env(owner, f, out);
	if (out->has_workload)
		tt_rules_env_normalize(out->workload, out->workload_norm,
				       sizeof(out->workload_norm));
	declared_env(rules, f, out);
	out->mismatch = out->has_workload && out->has_declared &&
			strcmp(out->workload_norm, out->declared_norm) != 0;
}
