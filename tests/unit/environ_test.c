// SPDX-License-Identifier: MIT
/* Tests for user/core/environ.c: allow-listed environment variables. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "owner/environ.h"
#include "tt_test.h"

#define SECRET "sk-live-SUPERSECRET-0123456789abcdef"

/* True if needle occurs anywhere in the bytes of buf. */
static int contains(const void *buf, size_t len, const char *needle)
{
	return memmem(buf, len, needle, strlen(needle)) != NULL;
}

TT_TEST(default_allowlist)
{
	struct tt_environ_allow a;

	tt_environ_allow_default(&a);
	TT_CHECK_EQ_U64(a.n, 5);
	TT_CHECK_EQ_STR(a.names[0], "APP_ENV");
	TT_CHECK_EQ_STR(a.names[4], "OTEL_RESOURCE_ATTRIBUTES");
	TT_CHECK_EQ_INT(tt_environ_allow_add(&a, "APP_ENV"), 0);
	TT_CHECK_EQ_U64(a.n, 5);
	TT_CHECK_EQ_INT(tt_environ_allow_add(&a, "9X"), -EINVAL);
	TT_CHECK_EQ_INT(tt_environ_allow_add(&a, "A=B"), -EINVAL);
	TT_CHECK_EQ_INT(tt_environ_allow_add(&a, ""), -EINVAL);
	for (int i = 0; a.n < TT_ENVIRON_NAMES_MAX; i++) {
		char name[16];

		snprintf(name, sizeof(name), "V%d", i);
		TT_CHECK_EQ_INT(tt_environ_allow_add(&a, name), 0);
	}
	TT_CHECK_EQ_INT(tt_environ_allow_add(&a, "ONE_MORE"), -E2BIG);
}

static const char env_text[] =
	"PATH=/usr/bin\0"
	"OPENAI_API_KEY=" SECRET "\0"
	"APP_ENV=prod\0"
	"DATABASE_URL=postgres://u:" SECRET "@db\0"
	"DD_ENV=staging\0"
	"OTEL_RESOURCE_ATTRIBUTES=service.name=x,api.token=" SECRET
	",deployment.environment=eu%2Dprod ,k=v\0"
	"APP_ENV=shadowed\0"
	"NOEQUALS\0"
	"=empty\0"
	"\0"
	"ENVIRONMENT=" SECRET "-not-allowlisted-name-lookalike\0";

TT_TEST(keeps_only_allowlisted_and_never_copies_secrets)
{
	struct tt_environ_allow a;
	struct tt_environ e;

	tt_environ_allow_default(&a);
	/* ENVIRONMENT is allow-listed by default; drop it for this test so
	 * every SECRET sits in a variable the list does not name. */
	memset(&a, 0, sizeof(a));
	TT_CHECK_EQ_INT(tt_environ_allow_add(&a, "APP_ENV"), 0);
	TT_CHECK_EQ_INT(tt_environ_allow_add(&a, "DD_ENV"), 0);
	TT_CHECK_EQ_INT(tt_environ_allow_add(&a, "OTEL_RESOURCE_ATTRIBUTES"), 0);
	TT_CHECK_EQ_INT(tt_environ_parse(env_text, sizeof(env_text) - 1, &a, &e), 0);
	TT_CHECK_EQ_U64(e.n, 3);
	TT_CHECK_EQ_STR(tt_environ_get(&e, "APP_ENV"), "prod");
	TT_CHECK_EQ_STR(tt_environ_get(&e, "DD_ENV"), "staging");
	TT_CHECK_EQ_STR(tt_environ_get(&e, "OTEL_RESOURCE_ATTRIBUTES"), "eu-prod");
	TT_CHECK(tt_environ_get(&e, "PATH") == NULL);
	TT_CHECK(tt_environ_get(&e, "OPENAI_API_KEY") == NULL);
	TT_CHECK(tt_environ_get(&e, "ENVIRONMENT") == NULL);
	TT_CHECK_EQ_U64(e.stats.entries, 10);
	TT_CHECK_EQ_U64(e.stats.kept, 3);
	TT_CHECK_EQ_U64(e.stats.duplicate, 1);
	TT_CHECK_EQ_U64(e.stats.malformed, 2);
	/* The whole output struct, padding and unused slots included. */
	TT_CHECK(!contains(&e, sizeof(e), "SUPERSECRET"));
	TT_CHECK(!contains(&e, sizeof(e), "/usr/bin"));
	TT_CHECK(!contains(&e, sizeof(e), "service.name"));
}

TT_TEST(secret_not_left_by_otel_extraction)
{
	struct tt_environ_allow a;
	struct tt_environ e;
	static const char text[] =
		"OTEL_RESOURCE_ATTRIBUTES=api.token=" SECRET ",service.name=x\0"
		"APP_ENV=dev\0";
	char out[TT_ENVIRON_VALUE_MAX];

	tt_environ_allow_default(&a);
	TT_CHECK_EQ_INT(tt_environ_parse(text, sizeof(text) - 1, &a, &e), 0);
	TT_CHECK_EQ_U64(e.n, 1);
	TT_CHECK_EQ_U64(e.stats.otel_no_env, 1);
	TT_CHECK(!contains(&e, sizeof(e), "SUPERSECRET"));
	/* A value too long for the output is refused without leftovers. */
	memset(out, 0, sizeof(out));
	TT_CHECK_EQ_INT(tt_environ_otel_env("deployment.environment=" SECRET, 58,
					    out, 8), -E2BIG);
	TT_CHECK(!contains(out, sizeof(out), "sk-"));
	TT_CHECK_EQ_STR(out, "");
}

TT_TEST(otel_attribute_extraction)
{
	static const struct {
		const char *in, *want;
		int ret;
	} cases[] = {
		{ "deployment.environment=prod", "prod", 0 },
		{ "a=b, deployment.environment = staging ,c=d", "staging", 0 },
		{ "deployment.environment=old,deployment.environment.name=new", "new", 0 },
		{ "deployment.environment.name=a%20b", "a b", 0 },
		{ "deployment.environment=%zz", "%zz", 0 },
		{ "deployment.environment=", "", -ENOENT },
		{ "deployment.environment=%00x", "", -ENOENT },
		{ "deployment.environmentx=prod", "", -ENOENT },
		{ "xdeployment.environment=prod", "", -ENOENT },
		{ "service.name=x", "", -ENOENT },
		{ "", "", -ENOENT },
		{ ",,,=,", "", -ENOENT },
	};
	char out[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tt_case("%s", cases[i].in);
		TT_CHECK_EQ_INT(tt_environ_otel_env(cases[i].in, strlen(cases[i].in),
						    out, sizeof(out)), cases[i].ret);
		TT_CHECK_EQ_STR(out, cases[i].want);
	}
}

TT_TEST(value_caps_and_edges)
{
	static char text[4096];
	struct tt_environ_allow a;
	struct tt_environ e;
	size_t off;

	tt_environ_allow_default(&a);
	/* Exactly at the cap kept, one over dropped and counted. */
	off = (size_t)snprintf(text, sizeof(text), "APP_ENV=");
	memset(text + off, 'a', TT_ENVIRON_VALUE_MAX - 1);
	off += TT_ENVIRON_VALUE_MAX - 1;
	text[off++] = '\0';
	off += (size_t)snprintf(text + off, sizeof(text) - off, "DD_ENV=");
	memset(text + off, 'b', TT_ENVIRON_VALUE_MAX);
	off += TT_ENVIRON_VALUE_MAX;
	/* No final NUL: the last entry still counts. */
	TT_CHECK_EQ_INT(tt_environ_parse(text, off, &a, &e), 0);
	TT_CHECK_EQ_U64(e.n, 1);
	TT_CHECK_EQ_U64(strlen(tt_environ_get(&e, "APP_ENV")), TT_ENVIRON_VALUE_MAX - 1);
	TT_CHECK(tt_environ_get(&e, "DD_ENV") == NULL);
	TT_CHECK_EQ_U64(e.stats.value_too_long, 1);
	TT_CHECK_EQ_U64(e.stats.entries, 2);

	/* Empty input, a name that is a prefix of an allowed one, empty value. */
	TT_CHECK_EQ_INT(tt_environ_parse("", 0, &a, &e), 0);
	TT_CHECK_EQ_U64(e.n, 0);
	TT_CHECK_EQ_INT(tt_environ_parse("APP=x\0APP_ENV=\0", 15, &a, &e), 0);
	TT_CHECK_EQ_U64(e.n, 1);
	TT_CHECK_EQ_STR(tt_environ_get(&e, "APP_ENV"), "");
	TT_CHECK(tt_environ_get(NULL, "APP_ENV") == NULL);
}

TT_TEST(allowlist_from_json)
{
	struct tt_environ_allow a;
	char err[256] = "";
	cJSON *j = cJSON_Parse("[\"TEAM_ENV\", \"APP_ENV\"]");

	TT_CHECK_EQ_INT(tt_environ_parse_allowlist(j, "allocation.env_allowlist", &a,
						   err, sizeof(err)), 0);
	TT_CHECK_EQ_U64(a.n, 2);
	TT_CHECK_EQ_STR(a.names[0], "TEAM_ENV");
	cJSON_Delete(j);
	j = cJSON_Parse("[\"OK\", \"NOT OK\"]");
	TT_CHECK_EQ_INT(tt_environ_parse_allowlist(j, "env_allowlist", &a, err,
						   sizeof(err)), -EINVAL);
	TT_CHECK_EQ_STR(err,
			"env_allowlist[1]: not a variable name ([A-Za-z_][A-Za-z0-9_]*)");
	cJSON_Delete(j);
	j = cJSON_Parse("[1]");
	TT_CHECK_EQ_INT(tt_environ_parse_allowlist(j, "env_allowlist", &a, err,
						   sizeof(err)), -EINVAL);
	TT_CHECK_EQ_STR(err, "env_allowlist[0]: must be a string");
	cJSON_Delete(j);
	j = cJSON_Parse("{}");
	TT_CHECK_EQ_INT(tt_environ_parse_allowlist(j, "env_allowlist", &a, err,
						   sizeof(err)), -EINVAL);
	TT_CHECK_EQ_STR(err, "env_allowlist: must be an array");
	cJSON_Delete(j);
}
