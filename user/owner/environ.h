/* SPDX-License-Identifier: MIT */
/*
 * Allow-listed environment variables of a process, from the text of
 * /proc/<pid>/environ (NUL-separated NAME=value entries). Only variables
 * whose names are on the allow-list are kept; no other value is ever
 * copied, not even to scratch space. From OTEL_RESOURCE_ATTRIBUTES only the
 * deployment.environment(.name) attribute is kept, under the variable's name.
 * Pure: the caller reads the file and hands over the bytes.
 */
#ifndef TT_ENVIRON_H
#define TT_ENVIRON_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;

#define TT_ENVIRON_NAMES_MAX 16  /* allow-list entries */
#define TT_ENVIRON_NAME_MAX 64   /* name length, with the NUL */
#define TT_ENVIRON_VALUE_MAX 128 /* kept value length, with the NUL */
#define TT_ENVIRON_OTEL "OTEL_RESOURCE_ATTRIBUTES"

struct tt_environ_allow {
	size_t n;
	char names[TT_ENVIRON_NAMES_MAX][TT_ENVIRON_NAME_MAX];
};

struct tt_environ_var {
	char name[TT_ENVIRON_NAME_MAX];
	char value[TT_ENVIRON_VALUE_MAX];
};

struct tt_environ_stats {
	uint64_t entries;         /* NAME=value entries seen */
	uint64_t kept;            /* allow-listed and kept */
	uint64_t value_too_long;  /* allow-listed, value over cap: dropped */
	uint64_t duplicate;       /* allow-listed name seen again: first wins */
	uint64_t otel_no_env;     /* OTEL_RESOURCE_ATTRIBUTES without the key */
	uint64_t malformed;       /* entry without '=' or with an empty name */
};

struct tt_environ {
	size_t n;
	struct tt_environ_var vars[TT_ENVIRON_NAMES_MAX];
	struct tt_environ_stats stats;
};

/* APP_ENV, ENVIRONMENT, DEPLOY_ENV, DD_ENV, OTEL_RESOURCE_ATTRIBUTES. */
void tt_environ_allow_default(struct tt_environ_allow *allow);
/* Adds a name ([A-Za-z_][A-Za-z0-9_]*). Returns 0 (also when already
 * present), -EINVAL (bad name), -E2BIG (list full or name too long). */
int tt_environ_allow_add(struct tt_environ_allow *allow, const char *name);
/* Replaces *allow with a JSON array of names; errors name the field, with
 * where as the array's path (e.g. "allocation.environment_variables").
 * Returns 0 or -EINVAL. */
int tt_environ_parse_allowlist(const struct cJSON *arr, const char *where,
			       struct tt_environ_allow *allow, char *err,
			       size_t errlen);
/* Parses environ bytes (len may be 0; a missing final NUL is fine) into
 * *out, which it resets. Returns 0; counts everything in out->stats. */
int tt_environ_parse(const char *buf, size_t len,
		     const struct tt_environ_allow *allow, struct tt_environ *out);
/* Extracts deployment.environment.name (preferred) or
 * deployment.environment from an OTEL_RESOURCE_ATTRIBUTES value
 * ("k=v,k=v", values percent-decoded, spaces trimmed). Returns 0, -ENOENT
 * (no such key or empty value), -E2BIG (value does not fit in out). */
int tt_environ_otel_env(const char *attrs, size_t len, char *out,
			size_t outlen);
/* The kept value of a variable, or NULL. */
const char *tt_environ_get(const struct tt_environ *env, const char *name);

#endif
