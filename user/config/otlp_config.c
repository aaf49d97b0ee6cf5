// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "util/cfgjson.h"
#include "config/otlp_config.h"

void tt_otlp_config_defaults(struct tt_otlp_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->spool_dir, sizeof(c->spool_dir), "%s",
		 TT_OTLP_SPOOL_DIR_DEFAULT);
	c->spool_max_bytes = TT_OTLP_SPOOL_MAX_DEFAULT;
	c->timeout_ms = TT_OTLP_TIMEOUT_MS_DEFAULT;
	c->retry_max_ms = TT_OTLP_RETRY_MAX_MS_DEFAULT;
	c->metrics_interval_ms = TT_OTLP_METRICS_MS_DEFAULT;
}

int tt_otlp_endpoint_check(const char *url, char out[TT_OTLP_ENDPOINT_MAX])
{
	size_t n = strlen(url), skip;
	const char *host;

	if (!strncmp(url, "http://", 7))
		skip = 7;
	else if (!strncmp(url, "https://", 8))
		skip = 8;
	else
		return -EINVAL;
	if (n >= TT_OTLP_ENDPOINT_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f ||
		    url[i] == '?' || url[i] == '#')
			return -EINVAL;
	host = url + skip;
	/* No user:password@: credentials do not belong in a config file
	 * that is logged and copied around. */
	if (!*host || *host == '/' || *host == ':' ||
	    memchr(host, '@', strcspn(host, "/")))
		return -EINVAL;
	while (n > skip && url[n - 1] == '/')
		n--;
	memcpy(out, url, n);
	out[n] = '\0';
	return 0;
}

static int get_uint(const cJSON *obj, const char *key, double lo, double hi,
		    uint64_t *out, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!v)
		return 0;
	/* Range first: casting an out-of-range double is undefined. */
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo) ||
	    v->valuedouble > hi ||
	    v->valuedouble != (double)(uint64_t)v->valuedouble)
		return tt_cfg_fail(err, errlen,
				   "otlp.%s: must be an integer in [%.0f, %.0f]",
				   key, lo, hi);
	*out = (uint64_t)v->valuedouble;
	return 0;
}

/* An absolute path at key, into out (cap bytes); absent: out as it is. */
static int get_path(const cJSON *obj, const char *key, char *out, size_t cap,
		    char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!v)
		return 0;
	if (!cJSON_IsString(v) || v->valuestring[0] != '/')
		return tt_cfg_fail(err, errlen,
				   "otlp.%s: must be an absolute path", key);
	if (strlen(v->valuestring) >= cap)
		return tt_cfg_fail(err, errlen, "otlp.%s: path too long", key);
	memcpy(out, v->valuestring, strlen(v->valuestring) + 1);
	return 0;
}

int tt_otlp_config_parse(const cJSON *obj, struct tt_otlp_config *c, char *err,
			 size_t errlen)
{
	static const char *const keys[] = {
		"endpoint", "spool_dir", "spool_max_bytes", "timeout_ms",
		"retry_max_interval_ms", "metrics_interval_ms", "ca_file", NULL,
	};
	const cJSON *v;
	uint64_t n;
	int ret;

	if (!cJSON_IsObject(obj))
		return tt_cfg_fail(err, errlen, "otlp: must be an object");
	ret = tt_cfg_check_keys(obj, "otlp", keys, err, errlen);
	if (ret)
		return ret;
	v = cJSON_GetObjectItemCaseSensitive(obj, "endpoint");
	if (v && !cJSON_IsNull(v) &&
	    (!cJSON_IsString(v) ||
	     (v->valuestring[0] && tt_otlp_endpoint_check(v->valuestring,
							  c->endpoint))))
		return tt_cfg_fail(err, errlen,
				   "otlp.endpoint: must be an http:// or https:// "
				   "base URL without user, query or fragment "
				   "(e.g. http://127.0.0.1:4318), \"\" or null");
	if (v && (cJSON_IsNull(v) || !v->valuestring[0]))
		c->endpoint[0] = '\0';
	ret = get_path(obj, "spool_dir", c->spool_dir, sizeof(c->spool_dir),
		       err, errlen);
	if (!ret)
		ret = get_path(obj, "ca_file", c->ca_file, sizeof(c->ca_file),
			       err, errlen);
	if (ret)
		return ret;
	/* 0 turns the spool off; otherwise room for a few batches. */
	ret = get_uint(obj, "spool_max_bytes", 0, 1099511627776.0,
		       &c->spool_max_bytes, err, errlen);
	if (!ret && c->spool_max_bytes && c->spool_max_bytes < 1024)
		return tt_cfg_fail(err, errlen,
				   "otlp.spool_max_bytes: 0 (no spool) or at least 1024");
	n = c->timeout_ms;
	if (!ret && !(ret = get_uint(obj, "timeout_ms", 100, 300000, &n, err,
				     errlen)))
		c->timeout_ms = (uint32_t)n;
	n = c->retry_max_ms;
	if (!ret && !(ret = get_uint(obj, "retry_max_interval_ms", 500, 3600000,
				     &n, err, errlen)))
		c->retry_max_ms = (uint32_t)n;
	n = c->metrics_interval_ms;
	if (!ret && !(ret = get_uint(obj, "metrics_interval_ms", 1000, 3600000,
				     &n, err, errlen)))
		c->metrics_interval_ms = (uint32_t)n;
	return ret;
}
