// SPDX-License-Identifier: MIT
/* Tests for user/core/hosts.c: which server names are AI API endpoints. */
#include <errno.h>
#include <string.h>
#include "hosts/hosts.h"
#include "tt_test.h"

/* ~72 KiB: static, not on the stack. */
static struct tt_hosts hosts;

struct match_case {
	const char *host;
	const char *provider; /* NULL: must not match */
};

static const struct match_case builtin_cases[] = {
	{ "api.openai.com", "openai" },
	{ "eu.api.openai.com", "openai" },
	{ "us.api.openai.com", "openai" },
	{ "myres.openai.azure.com", "azure.ai.openai" },
	{ "api.anthropic.com", "anthropic" },
	{ "bedrock-runtime.us-east-1.amazonaws.com", "aws.bedrock" },
	{ "generativelanguage.googleapis.com", "gcp.gemini" },
	{ "us-central1-aiplatform.googleapis.com", "gcp.vertex_ai" },
	{ "aiplatform.googleapis.com", "gcp.vertex_ai" },
	{ "openrouter.ai", "openrouter" },
	/* Port suffix, case and the DNS root dot are not part of the name. */
	{ "api.openai.com:443", "openai" },
	{ "API.OpenAI.COM", "openai" },
	{ "api.openai.com.", "openai" },
	{ "Api.Anthropic.Com.:443", "anthropic" },
	{ "MYRES.OPENAI.AZURE.COM:8443", "azure.ai.openai" },
	/* Look-alikes and non-AI names. */
	{ "example.com", NULL },
	{ "openai.com", NULL },
	{ "openai.com.evil.test", NULL },
	{ "api.openai.com.evil.test", NULL },
	{ "api.openai.com.evil.test:443", NULL },
	{ "xapi.openai.com", NULL },
	{ "api.openai.co", NULL },
	{ "bedrock-runtime.amazonaws.com", NULL },
	{ "anthropic.com", NULL },
	{ "", NULL },
	{ ":443", NULL },
	{ ".", NULL },
	{ "api.openai.com..", NULL },
};

TT_TEST(builtin_matches)
{
	tt_hosts_init_builtin(&hosts);
	TT_CHECK(hosts.n > 0);
	for (size_t i = 0; i < sizeof(builtin_cases) / sizeof(builtin_cases[0]); i++) {
		tt_case("\"%s\"", builtin_cases[i].host);
		TT_CHECK_EQ_STR(tt_hosts_match(&hosts, builtin_cases[i].host),
				builtin_cases[i].provider);
	}
}

TT_TEST(overlong_name_never_matches)
{
	/* Longer than a DNS name: refused, not truncated into a match. */
	char name[400];
	size_t pad = sizeof(name) - 1 - strlen(".api.openai.com");

	tt_hosts_init_builtin(&hosts);
	memset(name, 'a', pad);
	strcpy(name + pad, ".api.openai.com");
	TT_CHECK_EQ_STR(tt_hosts_match(&hosts, name), NULL);
	/* 255 bytes is still a name the table can hold and match. */
	pad = 255 - strlen(".api.openai.com");
	memset(name, 'a', pad);
	strcpy(name + pad, ".api.openai.com");
	TT_CHECK_EQ_INT(strlen(name), 255);
	TT_CHECK_EQ_STR(tt_hosts_match(&hosts, name), "openai");
}

TT_TEST(custom_rules)
{
	tt_hosts_init_builtin(&hosts);
	size_t before = hosts.n;

	TT_CHECK_EQ_INT(tt_hosts_add(&hosts, "*.llm.corp.example", "vllm"), 0);
	TT_CHECK_EQ_INT(tt_hosts_add(&hosts, "LLM.Internal", "gateway"), 0);
	TT_CHECK_EQ_INT(tt_hosts_add(&hosts, "node-?.gpu.example", "ollama"), 0);
	TT_CHECK_EQ_U64(hosts.n, before + 3);
	/* Patterns are stored lower case. */
	TT_CHECK_EQ_STR(hosts.rules[before + 1].pattern, "llm.internal");

	TT_CHECK_EQ_STR(tt_hosts_match(&hosts, "gpu1.llm.corp.example:8000"), "vllm");
	TT_CHECK_EQ_STR(tt_hosts_match(&hosts, "GPU1.LLM.CORP.EXAMPLE"), "vllm");
	TT_CHECK_EQ_STR(tt_hosts_match(&hosts, "llm.corp.example"), NULL);
	TT_CHECK_EQ_STR(tt_hosts_match(&hosts, "llm.internal"), "gateway");
	TT_CHECK_EQ_STR(tt_hosts_match(&hosts, "node-7.gpu.example"), "ollama");
	TT_CHECK_EQ_STR(tt_hosts_match(&hosts, "node-17.gpu.example"), NULL);
	/* Built-ins still answer. */
	TT_CHECK_EQ_STR(tt_hosts_match(&hosts, "api.openai.com"), "openai");
}

TT_TEST(invalid_patterns)
{
	char too_long[TT_HOST_LEN + 1];
	const char *bad[] = {
		"bad host", "a/b", "", "host:443", "a[b]", "a\\b", "tab\there",
		"ümlaut.example", too_long,
	};

	memset(too_long, 'a', TT_HOST_LEN);
	too_long[TT_HOST_LEN] = '\0';
	tt_hosts_init_builtin(&hosts);
	size_t before = hosts.n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tt_case("pattern[%zu] \"%.40s\"", i, bad[i]);
		TT_CHECK_EQ_INT(tt_hosts_add(&hosts, bad[i], "x"), -EINVAL);
	}
	tt_case("provider too long");
	TT_CHECK_EQ_INT(tt_hosts_add(&hosts, "ok.example",
				     "a-provider-name-of-32-characters"), -EINVAL);
	/* The longest accepted lengths. */
	too_long[TT_HOST_LEN - 1] = '\0';
	tt_case("pattern of 255");
	TT_CHECK_EQ_INT(tt_hosts_add(&hosts, too_long, "x"), 0);
	tt_case("provider of 31");
	TT_CHECK_EQ_INT(tt_hosts_add(&hosts, "ok.example",
				     "a-provider-name-of-31-character"), 0);
	tt_case("table size");
	TT_CHECK_EQ_U64(hosts.n, before + 2);
}

TT_TEST(full_table_is_e2big)
{
	char pat[64];
	size_t added = 0;
	int ret = 0;

	tt_hosts_init_builtin(&hosts);
	size_t builtin_n = hosts.n;

	while (added <= TT_HOSTS_MAX) {
		snprintf(pat, sizeof(pat), "h%zu.fill.example", added);
		ret = tt_hosts_add(&hosts, pat, "fill");
		if (ret)
			break;
		added++;
	}
	TT_CHECK_EQ_INT(ret, -E2BIG);
	TT_CHECK_EQ_U64(added, TT_HOSTS_MAX - builtin_n);
	TT_CHECK_EQ_U64(hosts.n, TT_HOSTS_MAX);
	/* The last rule that fit works; the refused one does not. */
	snprintf(pat, sizeof(pat), "h%zu.fill.example", added - 1);
	TT_CHECK_EQ_STR(tt_hosts_match(&hosts, pat), "fill");
	snprintf(pat, sizeof(pat), "h%zu.fill.example", added);
	TT_CHECK_EQ_STR(tt_hosts_match(&hosts, pat), NULL);
	/* Still full, and an invalid pattern is still reported as invalid. */
	TT_CHECK_EQ_INT(tt_hosts_add(&hosts, "more.example", "x"), -E2BIG);
	TT_CHECK_EQ_INT(tt_hosts_add(&hosts, "bad host", "x"), -EINVAL);
}

TT_TEST(init_resets_table)
{
	tt_hosts_init_builtin(&hosts);
	size_t n = hosts.n;

	TT_CHECK_EQ_INT(tt_hosts_add(&hosts, "x.example", "x"), 0);
	tt_hosts_init_builtin(&hosts);
	TT_CHECK_EQ_U64(hosts.n, n);
	TT_CHECK_EQ_STR(tt_hosts_match(&hosts, "x.example"), NULL);
}
