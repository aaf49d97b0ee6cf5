/* SPDX-License-Identifier: MIT */
/*
 * Owner rules: who a call is allocated to. Ordered rules, parsed from the
 * config's "owners" array; each rule's "match" conditions must all hold
 * (AND) and the first matching rule wins. No match gives the explicit
 * "unallocated" bucket. Also the environment check: the environment the
 * workload runs in against the one the call declared.
 *
 * Matching is pure and allocation-free; the parsed rule table lives on the
 * heap (tt_rules_free). A zeroed struct tt_owner_rules is a valid empty table.
 *
 * Condition semantics: globs are fnmatch(3)-style with no flags ('*' crosses
 * '/'; '?', [a-z], [!x], '\\' escapes; no [:class:]), matched in linear-
 * backtrack time so long values cannot make a rule slow.
 * A condition on a fact that is empty or absent never holds, so
 * "pod_namespace": "*" means "is in some pod". Label, env and header
 * conditions are "NAME=glob": the name must be present and its value match.
 * Header names compare case-insensitively, env and label names exactly.
 */
#ifndef TT_RULES_H
#define TT_RULES_H

#include <stddef.h>
#include <stdint.h>
#include "owner/environ.h"

struct cJSON;

#define TT_RULES_MAX 256
#define TT_RULE_CONDS_MAX 16
#define TT_RULE_TAGS_MAX 16
#define TT_RULE_NAME_MAX 64      /* rule name, with the NUL */
#define TT_RULE_KEY_MAX 64       /* label/env/header name, with the NUL */
#define TT_RULE_PATTERN_MAX 256  /* glob or key id, with the NUL */
#define TT_RULE_VALUE_MAX 128    /* owner, team, ..., with the NUL */
#define TT_RULE_TAG_KEY_MAX 32
#define TT_RULE_TAG_VALUE_MAX 64
#define TT_KEY_ENVS_MAX 256      /* key_environments entries */
#define TT_MATCHED_FACT_MAX (16 + TT_RULE_KEY_MAX) /* "container_label:k" */
#define TT_ENV_HEADER_DEFAULT "X-Environment"

enum tt_fact_kind {
	TT_FACT_CGROUP,
	TT_FACT_CONTAINER_NAME,
	TT_FACT_CONTAINER_LABEL,
	TT_FACT_POD_NAMESPACE,
	TT_FACT_POD_NAME,
	TT_FACT_POD_LABEL,
	TT_FACT_UNIT,
	TT_FACT_EXE,
	TT_FACT_COMM,
	TT_FACT_ENV,
	TT_FACT_HEADER,
	TT_FACT_KEY_ID,
	TT_FACT_KINDS
};

/* A name=value pair; both may be NULL (treated as ""). */
struct tt_kv {
	const char *key;
	const char *value;
};

/* Facts about one call. Any pointer may be NULL (= empty / none). */
struct tt_facts {
	const char *cgroup;
	const char *container_name;
	const struct tt_kv *container_labels;
	size_t n_container_labels;
	const char *pod_namespace;
	const char *pod_name;
	const struct tt_kv *pod_labels;
	size_t n_pod_labels;
	const char *unit;
	const char *exe;
	const char *comm;
	const struct tt_environ *env;   /* allow-listed variables only */
	const struct tt_kv *headers;    /* declared allocation headers */
	size_t n_headers;
	const char *key_id;             /* API key fingerprint id */
};

struct tt_rule_cond {
	enum tt_fact_kind kind;
	char key[TT_RULE_KEY_MAX];         /* label/env/header name, else "" */
	char pattern[TT_RULE_PATTERN_MAX]; /* glob; exact id for key_id */
};

struct tt_rule_tag {
	char key[TT_RULE_TAG_KEY_MAX];
	char value[TT_RULE_TAG_VALUE_MAX];
};

struct tt_owner_set {
	char owner[TT_RULE_VALUE_MAX];
	char team[TT_RULE_VALUE_MAX];
	char cost_center[TT_RULE_VALUE_MAX];
	char application[TT_RULE_VALUE_MAX];
	char environment[TT_RULE_VALUE_MAX];
	size_t n_tags;
	struct tt_rule_tag tags[TT_RULE_TAGS_MAX];
};

struct tt_owner_rule {
	char name[TT_RULE_NAME_MAX];
	size_t n_conds;
	struct tt_rule_cond conds[TT_RULE_CONDS_MAX];
	struct tt_owner_set set;
};

struct tt_key_env {
	char key_id[TT_RULE_PATTERN_MAX];
	char environment[TT_RULE_VALUE_MAX];
};

struct tt_owner_rules {
	size_t n;
	struct tt_owner_rule *rules;   /* heap, n entries */
	size_t n_key_envs;
	struct tt_key_env *key_envs;   /* heap, n_key_envs entries */
	/* Header carrying the declared environment; "" = X-Environment.
	 * Set by the caller when header names are configured. */
	char env_header[TT_RULE_KEY_MAX];
};

enum tt_owner_status {
	TT_OWNER_UNALLOCATED = 0,
	TT_OWNER_ALLOCATED = 1,
};

struct tt_owner_result {
	enum tt_owner_status status;
	const char *status_name;   /* "allocated" / "unallocated" */
	const char *rule;          /* matched rule's name, "" if none */
	/* Point into the rule table (valid while it lives), or static
	 * strings: owner "unallocated" and "" for the rest when unallocated. */
	const char *owner, *team, *cost_center, *application, *environment;
	const struct tt_rule_tag *tags;
	size_t n_tags;
	/* Facts that matched, in the rule's condition order: "cgroup",
	 * "env:APP_ENV", "container_label:app", "header:X-Team", "key_id". */
	size_t n_matched;
	char matched[TT_RULE_CONDS_MAX][TT_MATCHED_FACT_MAX];
};

struct tt_env_check {
	int mismatch;          /* both known and different after normalizing */
	int has_workload;
	int has_declared;
	char workload[TT_RULE_VALUE_MAX];     /* original value */
	char declared[TT_RULE_VALUE_MAX];     /* original value */
	/* Normalized: "production", "staging", "development", ... or the
	 * lower-cased, trimmed value; what the comparison uses. */
	char workload_norm[TT_RULE_VALUE_MAX];
	char declared_norm[TT_RULE_VALUE_MAX];
	const char *workload_from;  /* "rule" or the variable name, "" */
	const char *declared_by;    /* "header", "key", a variable name, "" */
};

/* Parses a JSON array of rules into *rules, replacing any previous rules
 * (freed). where is the array's path for messages ("owners"); an error
 * reads e.g. "owners[2].match.cgroup: must be a string". Returns 0,
 * -EINVAL (message in err), -ENOMEM. On error *rules keeps no rules. */
int tt_rules_parse_owners(const struct cJSON *arr, const char *where,
			  struct tt_owner_rules *rules, char *err,
			  size_t errlen);
/* Parses a JSON array of process selectors ({"name", "match"}, no "set";
 * header and key_id conditions are refused: they are not known before a
 * process's traffic). Same semantics and errors as tt_rules_parse_owners;
 * tt_rules_match() reports a match as "allocated". */
int tt_rules_parse_selectors(const struct cJSON *arr, const char *where,
			     struct tt_owner_rules *rules, char *err,
			     size_t errlen);
/* Parses {"<key id>": "<environment>", ...}, replacing previous entries.
 * Returns 0, -EINVAL (message in err), -ENOMEM. */
int tt_rules_parse_key_environments(const struct cJSON *obj,
				    const char *where,
				    struct tt_owner_rules *rules, char *err,
				    size_t errlen);
/* Frees and zeroes the table (env_header kept). */
void tt_rules_free(struct tt_owner_rules *rules);

/* First matching rule, or unallocated. Returns 1 if allocated, 0 if not. */
int tt_rules_match(const struct tt_owner_rules *rules,
		   const struct tt_facts *facts, struct tt_owner_result *out);

/* Workload environment: the matched rule's "environment" if set, else the
 * first allow-listed variable among APP_ENV, ENVIRONMENT, DEPLOY_ENV,
 * DD_ENV, OTEL_RESOURCE_ATTRIBUTES, in that order (other allow-listed
 * variables are for rules only). Declared, in order: the environment
 * header; those variables when the workload's value came from the rule;
 * key_environments[key_id]. The first source that disagrees with the
 * workload is reported, else the first one found. owner may be NULL. */
void tt_rules_env_check(const struct tt_owner_rules *rules,
			const struct tt_owner_result *owner,
			const struct tt_facts *facts, struct tt_env_check *out);
/* The glob matcher the rules use: 1 if value s matches pattern p. */
int tt_rules_glob_match(const char *p, const char *s);
/* Writes the canonical name of an environment into buf: known synonyms
 * map to production/staging/development/test ("prod", "PRD", "live" ->
 * "production"), anything else is lower-cased and trimmed. Returns buf. */
const char *tt_rules_env_normalize(const char *env, char *buf, size_t buflen);

#endif
