// SPDX-License-Identifier: MIT
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "util/cfgjson.h"
#include "config/config.h"

#define CONFIG_FILE_MAX (4u << 20)


static const char *const decl_roles[TT_DECL_ROLES + 1] = {
	[TT_DECL_COST_CENTER] = TT_DECL_NAME_COST_CENTER,
	[TT_DECL_ENVIRONMENT] = TT_DECL_NAME_ENVIRONMENT,
	[TT_DECL_PROJECT] = TT_DECL_NAME_PROJECT,
	[TT_DECL_TEAM] = TT_DECL_NAME_TEAM,
	[TT_DECL_UNIT_TYPE] = "unit_type",
	[TT_DECL_UNIT_ID] = "unit_id",
	[TT_DECL_UNIT_OUTCOME] = "unit_outcome",
	[TT_DECL_WORKFLOW] = "workflow",
	[TT_DECL_TENANT] = "tenant",
	[TT_DECL_USER] = "user",
	[TT_DECL_TRACEPARENT] = "traceparent",
	[TT_DECL_ROLES] = NULL, /* the end, for tt_cfg_check_keys */
};
/* Business facts are off until named: they may identify a person. */
static const char *const decl_defaults[TT_DECL_ROLES] = {
	[TT_DECL_COST_CENTER] = "X-Cost-Center",
	[TT_DECL_ENVIRONMENT] = TT_ENV_HEADER_DEFAULT,
	[TT_DECL_PROJECT] = "X-Project-ID",
	[TT_DECL_TEAM] = "X-Team",
	[TT_DECL_TRACEPARENT] = "traceparent",
};

const char *tt_decl_role_name(int role)
{
	return role >= 0 && role < TT_DECL_ROLES ? decl_roles[role] : "";
}

void tt_config_defaults(struct tt_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	tt_hosts_init_builtin(&cfg->hosts);
	tt_capture_config_defaults(&cfg->capture);
	tt_environ_allow_default(&cfg->env_allow);
	for (int r = 0; r < TT_DECL_ROLES; r++)
		snprintf(cfg->declared[r], sizeof(cfg->declared[r]), "%s",
			 decl_defaults[r] ? decl_defaults[r] : "");
	cfg->retry_window_s = 60;
	cfg->retry_max_tracked = 4096;
	snprintf(cfg->owners.env_header, sizeof(cfg->owners.env_header), "%s",
		 decl_defaults[TT_DECL_ENVIRONMENT]);
	snprintf(cfg->pods_log_dir, sizeof(cfg->pods_log_dir), "/var/log/pods");
	snprintf(cfg->docker_dir, sizeof(cfg->docker_dir), "/var/lib/docker");
	tt_otlp_config_defaults(&cfg->otlp);
	cfg->price_max_age_days = TT_PRICE_MAX_AGE_DAYS_DEFAULT;
}

/* An HTTP field name (RFC 9110 token), as a header rule can name it. */
static int is_header_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("!#$%&'*+-.^_`|~", *s)))
			return 0;
	return 1;
}

/* W3C Baggage keys: RFC 9110 tokens, distinct. */
static int parse_baggage(const cJSON *arr, struct tt_config *cfg, char *err,
			 size_t errlen)
{
	const cJSON *it;

	cfg->n_baggage = 0;
	if (!cJSON_IsArray(arr))
		return tt_cfg_fail(err, errlen,
				   "declared_headers.baggage: must be an array of keys");
	cJSON_ArrayForEach(it, arr) {
		size_t i = cfg->n_baggage;

		if (!cJSON_IsString(it) || !is_header_name(it->valuestring))
			return tt_cfg_fail(err, errlen,
					   "declared_headers.baggage[%zu]: must be a baggage key",
					   i);
		if (strlen(it->valuestring) >= TT_BAGGAGE_KEY_MAX)
			return tt_cfg_fail(err, errlen,
					   "declared_headers.baggage[%zu]: longer than %d bytes",
					   i, TT_BAGGAGE_KEY_MAX - 1);
		if (i == TT_BAGGAGE_KEYS_MAX)
			return tt_cfg_fail(err, errlen,
					   "declared_headers.baggage: more than %d keys",
					   TT_BAGGAGE_KEYS_MAX);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(cfg->baggage[j], it->valuestring))
				return tt_cfg_fail(err, errlen,
						   "declared_headers.baggage[%zu]: \"%s\" twice",
						   i, it->valuestring);
		snprintf(cfg->baggage[i], TT_BAGGAGE_KEY_MAX, "%s", it->valuestring);
		cfg->n_baggage++;
	}
	return 0;
}

static int parse_declared(const cJSON *obj, struct tt_config *cfg, char *err,
			  size_t errlen)
{
	const char *keys[TT_DECL_ROLES + 2];
	const cJSON *bag;
	int ret;

	if (!cJSON_IsObject(obj))
		return tt_cfg_fail(err, errlen, "declared_headers: must be an object");
	for (int r = 0; r < TT_DECL_ROLES; r++)
		keys[r] = decl_roles[r];
	keys[TT_DECL_ROLES] = "baggage";
	keys[TT_DECL_ROLES + 1] = NULL;
	ret = tt_cfg_check_keys(obj, "declared_headers", keys, err, errlen);
	if (ret)
		return ret;
	for (int r = 0; r < TT_DECL_ROLES; r++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, decl_roles[r]);

		if (!v)
			continue;
		if (cJSON_IsNull(v) || (cJSON_IsString(v) && !v->valuestring[0])) {
			cfg->declared[r][0] = '\0'; /* turned off */
			continue;
		}
		if (!cJSON_IsString(v) || !is_header_name(v->valuestring))
			return tt_cfg_fail(err, errlen,
					   "declared_headers.%s: must be a header name, \"\" or null",
					   decl_roles[r]);
		if (strlen(v->valuestring) >= sizeof(cfg->declared[r]))
			return tt_cfg_fail(err, errlen,
					   "declared_headers.%s: longer than %zu bytes",
					   decl_roles[r], sizeof(cfg->declared[r]) - 1);
		/* Never a credential, nor the header that carries baggage. */
		if (!strcasecmp(v->valuestring, "authorization") ||
		    !strcasecmp(v->valuestring, "proxy-authorization") ||
		    !strcasecmp(v->valuestring, "x-api-key") ||
		    !strcasecmp(v->valuestring, "api-key") ||
		    !strcasecmp(v->valuestring, "x-goog-api-key") ||
		    !strcasecmp(v->valuestring, "cookie") ||
		    !strcasecmp(v->valuestring, "baggage"))
			return tt_cfg_fail(err, errlen,
					   "declared_headers.%s: %s cannot be recorded",
					   decl_roles[r], v->valuestring);
		snprintf(cfg->declared[r], sizeof(cfg->declared[r]), "%s",
			 v->valuestring);
	}
	bag = cJSON_GetObjectItemCaseSensitive(obj, "baggage");
	if (bag && (ret = parse_baggage(bag, cfg, err, errlen)))
		return ret;
	/* The environment check reads the same header. Turned off, it gets
	 * a name no header can have (rules.c reads "" as the default). */
	snprintf(cfg->owners.env_header, sizeof(cfg->owners.env_header), "%s",
		 cfg->declared[TT_DECL_ENVIRONMENT][0]
			 ? cfg->declared[TT_DECL_ENVIRONMENT] : " ");
	return 0;
}

static int parse_retries(const cJSON *obj, struct tt_config *cfg, char *err,
			 size_t errlen)
{
	static const char *const keys[] = { "window_seconds", "max_tracked",
					    NULL };
	const cJSON *v;
	int ret;

	if (!cJSON_IsObject(obj))
		return tt_cfg_fail(err, errlen, "retries: must be an object");
	ret = tt_cfg_check_keys(obj, "retries", keys, err, errlen);
	if (ret)
		return ret;
	v = cJSON_GetObjectItemCaseSensitive(obj, "window_seconds");
	if (v) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
		    v->valuedouble > TT_RETRY_WINDOW_MAX_S ||
		    v->valuedouble != (double)(unsigned)v->valuedouble)
			return tt_cfg_fail(err, errlen,
					   "retries.window_seconds: must be an integer 0..%d (0: off)",
					   TT_RETRY_WINDOW_MAX_S);
		cfg->retry_window_s = (unsigned)v->valuedouble;
	}
	v = cJSON_GetObjectItemCaseSensitive(obj, "max_tracked");
	if (v) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 1 ||
		    v->valuedouble > (double)(1u << 20) ||
		    v->valuedouble != (double)(unsigned)v->valuedouble)
			return tt_cfg_fail(err, errlen,
					   "retries.max_tracked: must be an integer 1..%u",
					   1u << 20);
		cfg->retry_max_tracked = (unsigned)v->valuedouble;
	}
	return 0;
}

static int get_path(const cJSON *obj, const char *where, const char *key,
		    char *out, size_t cap, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!v)
		return 0;
	if (!cJSON_IsString(v) || v->valuestring[0] != '/')
		return tt_cfg_fail(err, errlen, "%s.%s: must be an absolute path",
				   where, key);
	if (strlen(v->valuestring) >= cap)
		return tt_cfg_fail(err, errlen, "%s.%s: path too long", where, key);
	snprintf(out, cap, "%s", v->valuestring);
	return 0;
}

static int parse_host(const cJSON *obj, struct tt_config *cfg, char *err,
		      size_t errlen)
{
	static const char *const keys[] = { "cgroup_root", "pods_log_dir",
					    "docker_dir", NULL };
	int ret;

	if (!cJSON_IsObject(obj))
		return tt_cfg_fail(err, errlen, "host: must be an object");
	ret = tt_cfg_check_keys(obj, "host", keys, err, errlen);
	if (!ret)
		ret = get_path(obj, "host", "cgroup_root", cfg->cgroup_root,
			       sizeof(cfg->cgroup_root), err, errlen);
	if (!ret)
		ret = get_path(obj, "host", "pods_log_dir", cfg->pods_log_dir,
			       sizeof(cfg->pods_log_dir), err, errlen);
	if (!ret)
		ret = get_path(obj, "host", "docker_dir", cfg->docker_dir,
			       sizeof(cfg->docker_dir), err, errlen);
	return ret;
}

static int parse_metrics(const cJSON *obj, struct tt_config *cfg, char *err,
			 size_t errlen)
{
	static const char *const keys[] = { "listen", NULL };
	struct tt_listen l;
	const cJSON *v;
	int ret;

	if (!cJSON_IsObject(obj))
		return tt_cfg_fail(err, errlen, "metrics: must be an object");
	ret = tt_cfg_check_keys(obj, "metrics", keys, err, errlen);
	if (ret)
		return ret;
	v = cJSON_GetObjectItemCaseSensitive(obj, "listen");
	if (!v)
		return 0;
	if (!cJSON_IsString(v) || tt_listen_parse(v->valuestring, &l))
		return tt_cfg_fail(err, errlen,
				   "metrics.listen: must be \"ADDR:PORT\", "
				   "\"[ADDR6]:PORT\" (numeric) or \"off\"");
	snprintf(cfg->metrics_listen, sizeof(cfg->metrics_listen), "%s",
		 v->valuestring);
	return 0;
}

void tt_config_free(struct tt_config *cfg)
{
	tt_rules_free(&cfg->owners);
	tt_capture_config_free(&cfg->capture);
}

static int parse_pricing(const cJSON *obj, struct tt_config *cfg, char *err,
			 size_t errlen)
{
	static const char *const keys[] = { "table", "max_snapshot_age_days",
					    NULL };
	const cJSON *v;
	int ret;

	if (!cJSON_IsObject(obj))
		return tt_cfg_fail(err, errlen, "pricing: must be an object");
	ret = tt_cfg_check_keys(obj, "pricing", keys, err, errlen);
	if (ret)
		return ret;
	v = cJSON_GetObjectItemCaseSensitive(obj, "table");
	if (v && (!cJSON_IsString(v) || !v->valuestring[0]))
		return tt_cfg_fail(err, errlen, "pricing.table: must be a file path");
	if (v && strlen(v->valuestring) >= sizeof(cfg->prices_path))
		return tt_cfg_fail(err, errlen, "pricing.table: path too long");
	if (v)
		snprintf(cfg->prices_path, sizeof(cfg->prices_path), "%s",
			 v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(obj, "max_snapshot_age_days");
	if (v && (!cJSON_IsNumber(v) || v->valuedouble < 1 ||
		  v->valuedouble > 3650 || v->valuedouble != (int)v->valuedouble))
		return tt_cfg_fail(err, errlen,
				   "pricing.max_snapshot_age_days: must be a whole number of days from 1 to 3650");
	if (v)
		cfg->price_max_age_days = (int)v->valuedouble;
	return 0;
}

static int parse_endpoints(const cJSON *arr, struct tt_config *cfg, char *err,
			   size_t errlen)
{
	static const char *const keys[] = { "host", "provider", NULL };
	const cJSON *ep;
	int i = 0, ret;

	if (!cJSON_IsArray(arr))
		return tt_cfg_fail(err, errlen, "endpoints: must be an array");
	cJSON_ArrayForEach(ep, arr) {
		const cJSON *host = cJSON_GetObjectItemCaseSensitive(ep, "host");
		const cJSON *prov = cJSON_GetObjectItemCaseSensitive(ep, "provider");
		char where[32];

		snprintf(where, sizeof(where), "endpoints[%d]", i);
		if (!cJSON_IsObject(ep))
			return tt_cfg_fail(err, errlen, "%s: must be an object", where);
		ret = tt_cfg_check_keys(ep, where, keys, err, errlen);
		if (ret)
			return ret;
		if (!cJSON_IsString(host))
			return tt_cfg_fail(err, errlen, "%s.host: must be a string", where);
		if (!cJSON_IsString(prov))
			return tt_cfg_fail(err, errlen, "%s.provider: must be a string", where);
		if (strlen(prov->valuestring) >= sizeof(cfg->hosts.rules[0].provider))
			return tt_cfg_fail(err, errlen, "%s.provider: longer than %zu bytes",
				    where, sizeof(cfg->hosts.rules[0].provider) - 1);
		ret = tt_hosts_add(&cfg->hosts, host->valuestring, prov->valuestring);
		if (ret == -E2BIG)
			return tt_cfg_fail(err, errlen, "%s: more than %d host rules", where,
				    TT_HOSTS_MAX);
		if (ret)
			return tt_cfg_fail(err, errlen,
				    "%s.host: \"%s\" is not a host name or glob", where,
				    host->valuestring);
		i++;
	}
	return 0;
}

int tt_config_parse(const char *text, struct tt_config *cfg, char *err,
		    size_t errlen)
{
	static const char *const keys[] = {
		"version", "endpoints", "capture", "owners", "key_environments",
		"environment_variables", "pricing", "declared_headers", "host",
		"metrics", "otlp", "budgets", "retries", NULL,
	};
	/* Whole text: a second object after the first is not silently dropped. */
	cJSON *root = cJSON_ParseWithOpts(text, NULL, 1);
	const cJSON *v;
	int ret;

	if (!root) {
		const char *at = cJSON_GetErrorPtr();
		return tt_cfg_fail(err, errlen, "not valid JSON near offset %ld",
			    at ? (long)(at - text) : 0L);
	}
	if (!cJSON_IsObject(root)) {
		ret = tt_cfg_fail(err, errlen, "top level: must be an object");
		goto out;
	}
	ret = tt_cfg_check_keys(root, "", keys, err, errlen);
	if (ret)
		goto out;
	v = cJSON_GetObjectItemCaseSensitive(root, "version");
	if (v && (!cJSON_IsNumber(v) || v->valuedouble != 1)) {
		ret = tt_cfg_fail(err, errlen, "version: must be 1");
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "endpoints");
	if (v && (ret = parse_endpoints(v, cfg, err, errlen)))
		goto out;
	v = cJSON_GetObjectItemCaseSensitive(root, "capture");
	if (v && (ret = tt_capture_config_parse(v, &cfg->capture, err, errlen)))
		goto out;
	v = cJSON_GetObjectItemCaseSensitive(root, "owners");
	if (v && (ret = tt_rules_parse_owners(v, "owners", &cfg->owners, err,
					      errlen)))
		goto out;
	v = cJSON_GetObjectItemCaseSensitive(root, "key_environments");
	if (v && (ret = tt_rules_parse_key_environments(
			  v, "key_environments", &cfg->owners, err, errlen)))
		goto out;
	v = cJSON_GetObjectItemCaseSensitive(root, "environment_variables");
	if (v && (ret = tt_environ_parse_allowlist(v, "environment_variables",
						   &cfg->env_allow, err, errlen)))
		goto out;
	v = cJSON_GetObjectItemCaseSensitive(root, "pricing");
	if (v && (ret = parse_pricing(v, cfg, err, errlen)))
		goto out;
	v = cJSON_GetObjectItemCaseSensitive(root, "declared_headers");
	if (v && (ret = parse_declared(v, cfg, err, errlen)))
		goto out;
	v = cJSON_GetObjectItemCaseSensitive(root, "host");
	if (v && (ret = parse_host(v, cfg, err, errlen)))
		goto out;
	v = cJSON_GetObjectItemCaseSensitive(root, "retries");
	if (v && (ret = parse_retries(v, cfg, err, errlen)))
		goto out;
	v = cJSON_GetObjectItemCaseSensitive(root, "metrics");
	if (v && (ret = parse_metrics(v, cfg, err, errlen)))
		goto out;
	v = cJSON_GetObjectItemCaseSensitive(root, "otlp");
	if (v && (ret = tt_otlp_config_parse(v, &cfg->otlp, err, errlen)))
		goto out;
	v = cJSON_GetObjectItemCaseSensitive(root, "budgets");
	if (v && (ret = tt_budget_parse(v, "budgets", &cfg->budgets, err,
					errlen)))
		goto out;
out:
	cJSON_Delete(root);
	return ret;
}

int tt_config_load(const char *path, struct tt_config *cfg, char *err,
		   size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t n;
	int ret;

	if (!f)
		return tt_cfg_fail(err, errlen, "%s: %s", path, strerror(errno));
	text = malloc(CONFIG_FILE_MAX + 1);
	if (!text) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(text, 1, CONFIG_FILE_MAX + 1, f);
	fclose(f);
	if (n > CONFIG_FILE_MAX) {
		free(text);
		return tt_cfg_fail(err, errlen, "%s: larger than %u bytes", path,
			    CONFIG_FILE_MAX);
	}
	text[n] = '\0';
	ret = tt_config_parse(text, cfg, err, errlen);
	free(text);
	return ret;
}
