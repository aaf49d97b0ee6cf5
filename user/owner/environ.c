// SPDX-License-Identifier: MIT
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "owner/environ.h"

static const char *const default_names[] = {
	"APP_ENV", "ENVIRONMENT", "DEPLOY_ENV", "DD_ENV", TT_ENVIRON_OTEL,
};

void tt_environ_allow_default(struct tt_environ_allow *allow)
{
	memset(allow, 0, sizeof(*allow));
	for (size_t i = 0; i < sizeof(default_names) / sizeof(default_names[0]); i++)
		tt_environ_allow_add(allow, default_names[i]);
}

static int valid_name(const char *name)
{
	if (!(isalpha((unsigned char)name[0]) || name[0] == '_'))
		return 0;
	for (const char *p = name; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_'))
			return 0;
	return 1;
}

int tt_environ_allow_add(struct tt_environ_allow *allow, const char *name)
{
	if (!valid_name(name))
		return -EINVAL;
	if (strlen(name) >= TT_ENVIRON_NAME_MAX)
		return -E2BIG;
	for (size_t i = 0; i < allow->n; i++)
		if (!strcmp(allow->names[i], name))
			return 0;
	if (allow->n >= TT_ENVIRON_NAMES_MAX)
		return -E2BIG;
	strcpy(allow->names[allow->n++], name);
	return 0;
}

int tt_environ_parse_allowlist(const struct cJSON *arr, const char *where,
			       struct tt_environ_allow *allow, char *err,
			       size_t errlen)
{
	const cJSON *it;
	int i = 0, ret;

	if (!cJSON_IsArray(arr)) {
		snprintf(err, errlen, "%s: must be an array", where);
		return -EINVAL;
	}
	memset(allow, 0, sizeof(*allow));
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it)) {
			snprintf(err, errlen, "%s[%d]: must be a string", where, i);
			return -EINVAL;
		}
		ret = tt_environ_allow_add(allow, it->valuestring);
		if (ret == -EINVAL) {
			snprintf(err, errlen,
				 "%s[%d]: not a variable name ([A-Za-z_][A-Za-z0-9_]*)",
				 where, i);
			return -EINVAL;
		}
		if (ret) {
			snprintf(err, errlen,
				 "%s[%d]: more than %d names or longer than %d bytes",
				 where, i, TT_ENVIRON_NAMES_MAX, TT_ENVIRON_NAME_MAX - 1);
			return -EINVAL;
		}
		i++;
	}
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Copies [s, e) percent-decoded and space-trimmed into out. */
static int copy_decoded(const char *s, const char *e, char *out, size_t outlen)
{
	size_t n = 0;

	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	if (s == e)
		return -ENOENT;
	while (s < e) {
		char c = *s++;

		if (c == '%' && e - s >= 2 && hexval(s[0]) >= 0 && hexval(s[1]) >= 0) {
			c = (char)(hexval(s[0]) * 16 + hexval(s[1]));
			s += 2;
		}
		/* A NUL would cut the value short silently: refuse it. */
		if (c == '\0')
			return -ENOENT;
		if (n + 1 >= outlen)
			return -E2BIG;
		out[n++] = c;
	}
	out[n] = '\0';
	return 0;
}

/* Finds attribute key in "k=v,k=v"; sets [*vs, *ve) to its raw value. */
static int find_attr(const char *attrs, size_t len, const char *key,
		     const char **vs, const char **ve)
{
	const char *p = attrs, *end = attrs + len;
	size_t klen = strlen(key);

	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *item_end = comma ? comma : end;
		const char *eq = memchr(p, '=', (size_t)(item_end - p));

		if (eq) {
			const char *ks = p, *ke = eq;

			while (ks < ke && isspace((unsigned char)*ks))
				ks++;
			while (ke > ks && isspace((unsigned char)ke[-1]))
				ke--;
			if ((size_t)(ke - ks) == klen && !memcmp(ks, key, klen)) {
				*vs = eq + 1;
				*ve = item_end;
				return 0;
			}
		}
		p = item_end + (comma ? 1 : 0);
	}
	return -ENOENT;
}

int tt_environ_otel_env(const char *attrs, size_t len, char *out,
			size_t outlen)
{
	static const char *const keys[] = { "deployment.environment.name",
					    "deployment.environment" };
	const char *vs, *ve;
	int ret = -ENOENT;

	if (outlen)
		out[0] = '\0';
	for (size_t i = 0; i < 2 && ret == -ENOENT; i++)
		if (!find_attr(attrs, len, keys[i], &vs, &ve))
			ret = copy_decoded(vs, ve, out, outlen);
	if (ret && outlen)
		out[0] = '\0'; /* no partial value left behind */
	return ret;
}

static int allowed(const struct tt_environ_allow *allow, const char *name,
		   size_t len)
{
	for (size_t i = 0; i < allow->n; i++)
		if (strlen(allow->names[i]) == len &&
		    !memcmp(allow->names[i], name, len))
			return (int)i;
	return -1;
}

static void keep(struct tt_environ *out, const char *name, const char *val,
		 size_t vlen)
{
	struct tt_environ_var *v;

	for (size_t i = 0; i < out->n; i++)
		if (!strcmp(out->vars[i].name, name)) {
			out->stats.duplicate++;
			return;
		}
	/* Allow-list has at most TT_ENVIRON_NAMES_MAX distinct names. */
	if (out->n >= TT_ENVIRON_NAMES_MAX)
		return;
	v = &out->vars[out->n];
	if (!strcmp(name, TT_ENVIRON_OTEL)) {
		int ret = tt_environ_otel_env(val, vlen, v->value, sizeof(v->value));

		if (ret == -E2BIG) {
			out->stats.value_too_long++;
			return;
		}
		if (ret) {
			out->stats.otel_no_env++;
			return;
		}
	} else {
		if (vlen >= sizeof(v->value)) {
			out->stats.value_too_long++;
			return;
		}
		memcpy(v->value, val, vlen);
		v->value[vlen] = '\0';
	}
	strcpy(v->name, name);
	out->n++;
	out->stats.kept++;
}

int tt_environ_parse(const char *buf, size_t len,
		     const struct tt_environ_allow *allow, struct tt_environ *out)
{
	const char *p = buf, *end = buf + len;

	memset(out, 0, sizeof(*out));
	while (p < end) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		const char *entry_end = nul ? nul : end;
		const char *eq = memchr(p, '=', (size_t)(entry_end - p));
		int idx;

		if (entry_end == p) { /* empty entry (e.g. double NUL) */
			p = entry_end + 1;
			continue;
		}
		out->stats.entries++;
		if (!eq || eq == p) {
			out->stats.malformed++;
		} else if ((idx = allowed(allow, p, (size_t)(eq - p))) >= 0) {
			keep(out, allow->names[idx], eq + 1,
			     (size_t)(entry_end - eq - 1));
		}
		p = entry_end + (nul ? 1 : 0);
	}
	return 0;
}

const char *tt_environ_get(const struct tt_environ *env, const char *name)
{
	if (!env)
		return NULL;
	for (size_t i = 0; i < env->n && i < TT_ENVIRON_NAMES_MAX; i++)
		if (!strcmp(env->vars[i].name, name))
			return env->vars[i].value;
	return NULL;
}
