// SPDX-License-Identifier: MIT
/* Tests for user/core/pricing.c: table loading, lookup and cost. */
#include <errno.h>
#include <math.h>
#include <string.h>
#include "pricing/pricing.h"
#include "tt_test.h"

#define HEAD "{\"version\":\"t1\",\"currency\":\"USD\",\"source\":\"https://x\"," \
	     "\"snapshot_date\":\"2025-11-01\",\"note\":\"test\",\"models\":"

static const char table_json[] = HEAD "["
	"{\"provider\":\"openai\",\"model\":\"gpt-4o-mini\","
	" \"aliases\":[\"gpt-4o-mini-2024-07-18\"],"
	" \"per_million\":{\"input\":0.15,\"cached_input\":0.075,"
	"  \"cache_write\":null,\"output\":0.6}},"
	"{\"provider\":\"openai\",\"model\":\"o-reason\","
	" \"per_million\":{\"input\":1,\"cached_input\":0.5,\"output\":4,"
	"  \"reasoning\":8}},"
	"{\"provider\":\"openai\",\"model\":\"fee-model\","
	" \"per_million\":{\"input\":2,\"output\":3},\"per_request\":0.01},"
	"{\"provider\":\"openai\",\"model\":\"text-embedding-3-small\","
	" \"per_million\":{\"input\":0.02}},"
	"{\"provider\":\"anthropic\",\"model\":\"claude-sonnet-4-5\","
	" \"per_million\":{\"input\":3,\"cached_input\":0.3,\"cache_write\":3.75,"
	"  \"cache_write_1h\":6,\"output\":15}},"
	"{\"provider\":\"anthropic\",\"model\":\"claude-3-5-haiku\","
	" \"aliases\":[\"claude-3-5-haiku-latest\"],"
	" \"per_million\":{\"input\":0.8,\"cached_input\":0.08,\"cache_write\":1,"
	"  \"output\":4}},"
	"{\"provider\":\"gcp.gemini\",\"model\":\"gemini-2.5-flash\","
	" \"per_million\":{\"input\":0.3,\"cached_input\":0.03,\"output\":2.5}},"
	"{\"provider\":\"aws.bedrock\",\"model\":\"amazon.nova-lite\","
	" \"per_million\":{\"input\":0.06,\"output\":0.24}},"
	"{\"provider\":\"aws.bedrock\",\"model\":\"anthropic.claude-sonnet-4-5\","
	" \"per_million\":{\"input\":3.3,\"output\":16.5}}"
	"]}";

static int load(struct tt_pricing *t)
{
	char err[256];
	int ret = tt_pricing_parse(table_json, strlen(table_json), t, err,
				   sizeof(err));

	if (ret)
		printf("  load: %s\n", err);
	return ret;
}

static struct tt_usage usage(int64_t in, int64_t out, int64_t cr, int64_t cw,
			     int64_t rs)
{
	struct tt_usage u = { in, out, cr, cw, rs, -1 };

	return u;
}

static int near(double a, double b)
{
	return fabs(a - b) <= 1e-12 + 1e-12 * fabs(b);
}

/* ------------------------------------------------------------ loader */

struct bad_case {
	const char *json;
	int ret;
	const char *msg; /* the start of the message */
};

#define M1 "{\"provider\":\"openai\",\"model\":\"m\",\"per_million\":{\"input\":1}}"

static const struct bad_case bad[] = {
	{ "{", -EINVAL, "(file): not valid JSON" },
	{ "[]", -EINVAL, "(top level): must be an object" },
	{ HEAD "[" M1 "],\"extra\":1}", -EINVAL, "extra: unknown key" },
	{ "{\"currency\":\"USD\",\"source\":\"s\",\"snapshot_date\":\"2025-01-01\","
	  "\"models\":[" M1 "]}", -EINVAL, "version: missing" },
	{ "{\"version\":7,\"currency\":\"USD\"}", -EINVAL,
	  "version: must be a string" },
	{ "{\"version\":\"\",\"currency\":\"USD\"}", -EINVAL,
	  "version: must be 1 to 63 characters" },
	{ "{\"version\":\"v\",\"currency\":\"usd\"}", -EINVAL,
	  "currency: must be an ISO 4217 code" },
	{ "{\"version\":\"v\",\"currency\":\"USD\",\"source\":\"s\","
	  "\"snapshot_date\":\"2025-13-01\"}", -EINVAL,
	  "snapshot_date: must be YYYY-MM-DD" },
	{ HEAD "{}}", -EINVAL, "models: must be an array" },
	{ HEAD "[]}", -EINVAL, "models: must not be empty" },
	{ HEAD "[" M1 ",3]}", -EINVAL, "models[1]: must be an object" },
	{ HEAD "[" M1 ",{\"provider\":\"openai\",\"model\":\"m2\",\"per_million\":"
	  "{\"input\":-1}}]}", -EINVAL,
	  "models[1].per_million.input: must be a number >= 0" },
	{ HEAD "[{\"provider\":\"openai\",\"model\":\"m\",\"per_million\":"
	  "{\"input\":\"1\"}}]}", -EINVAL,
	  "models[0].per_million.input: must be a number >= 0" },
	{ HEAD "[{\"provider\":\"openai\",\"model\":\"m\",\"per_million\":"
	  "{\"input\":null}}]}", -EINVAL,
	  "models[0].per_million.input: must be a number" },
	{ HEAD "[{\"provider\":\"openai\",\"model\":\"m\",\"per_million\":"
	  "{\"output\":1}}]}", -EINVAL, "models[0].per_million.input: missing" },
	{ HEAD "[{\"provider\":\"openai\",\"model\":\"m\",\"per_million\":"
	  "{\"input\":1,\"output\":-0.5}}]}", -EINVAL,
	  "models[0].per_million.output: must be a number >= 0" },
	{ HEAD "[{\"provider\":\"openai\",\"model\":\"m\",\"per_million\":"
	  "{\"input\":1,\"audio\":1}}]}", -EINVAL,
	  "models[0].per_million.audio: unknown key" },
	{ HEAD "[{\"provider\":\"openai\",\"model\":\"m\",\"per_million\":"
	  "{\"input\":1},\"per_request\":-2}]}", -EINVAL,
	  "models[0].per_request: must be a number >= 0" },
	{ HEAD "[{\"provider\":\"openai\",\"model\":\"m\",\"per_million\":"
	  "{\"input\":1e300}}]}", -EINVAL,
	  "models[0].per_million.input: must be a number >= 0" },
	{ HEAD "[{\"provider\":\"openai\",\"per_million\":{\"input\":1}}]}",
	  -EINVAL, "models[0].model: missing" },
	{ HEAD "[{\"model\":\"m\",\"per_million\":{\"input\":1}}]}", -EINVAL,
	  "models[0].provider: missing" },
	{ HEAD "[{\"provider\":\"openai\",\"model\":\"m\"}]}", -EINVAL,
	  "models[0].per_million: missing" },
	{ HEAD "[{\"provider\":\"openai\",\"model\":\"m\",\"price\":1,"
	  "\"per_million\":{\"input\":1}}]}", -EINVAL,
	  "models[0].price: unknown key" },
	{ HEAD "[{\"provider\":\"openai\",\"model\":\"m\",\"aliases\":\"x\","
	  "\"per_million\":{\"input\":1}}]}", -EINVAL,
	  "models[0].aliases: must be an array" },
	{ HEAD "[{\"provider\":\"openai\",\"model\":\"m\",\"aliases\":[\"a\",2],"
	  "\"per_million\":{\"input\":1}}]}", -EINVAL,
	  "models[0].aliases[1]: must be a string" },
	{ HEAD "[{\"provider\":\"openai\",\"model\":\"m\",\"aliases\":[\"a\",\"a\","
	  "\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\","
	  "\"a\",\"a\",\"a\"],\"per_million\":{\"input\":1}}]}", -E2BIG,
	  "models[0].aliases: more than 16 aliases" },
	{ HEAD "[" M1 ",{\"provider\":\"openai\",\"model\":\"x\",\"aliases\":"
	  "[\"M\"],\"per_million\":{\"input\":1}}]}", -EINVAL,
	  "models[1].aliases[0]: \"M\" is already a name of models[0].model" },
	{ HEAD "[" M1 "," M1 "]}", -EINVAL,
	  "models[1].model: \"m\" is already a name of models[0].model" },
	{ HEAD "[{\"provider\":\"openai\",\"model\":\"m\\n\",\"per_million\":"
	  "{\"input\":1}}]}", -EINVAL, "models[0].model: must be printable ASCII" },
};

TT_TEST(loader_errors_name_the_field)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tt_pricing t;
		char err[256];
		int ret;

		tt_case("bad[%zu] %s", i, bad[i].msg);
		ret = tt_pricing_parse(bad[i].json, strlen(bad[i].json), &t,
				       err, sizeof(err));
		TT_CHECK_EQ_INT(ret, bad[i].ret);
		TT_CHECK(!strncmp(err, bad[i].msg, strlen(bad[i].msg)));
		if (strncmp(err, bad[i].msg, strlen(bad[i].msg)))
			printf("  got: %s\n", err);
		/* A refused table is empty, whatever stage refused it. */
		TT_CHECK(t.models == NULL && t.index == NULL && !t.nmodels);
		tt_pricing_free(&t);
	}
}

TT_TEST(loader_same_name_other_provider_is_fine)
{
	static const char json[] = HEAD "[" M1 ",{\"provider\":\"groq\","
		"\"model\":\"m\",\"per_million\":{\"input\":1}}]}";
	struct tt_pricing t;
	char err[256];

	TT_CHECK_EQ_INT(tt_pricing_parse(json, strlen(json), &t, err,
					 sizeof(err)), 0);
	TT_CHECK_EQ_INT((int)t.nmodels, 2);
	tt_pricing_free(&t);
}

TT_TEST(loader_too_many_models)
{
	size_t n = TT_PRICING_MAX_MODELS + 1, cap = n * 80 + 256, len;
	char *json = malloc(cap), err[256];
	struct tt_pricing t;

	len = (size_t)snprintf(json, cap, "%s[", HEAD);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(json + len, cap - len,
			"%s{\"provider\":\"p\",\"model\":\"m%zu\",\"per_million\":"
			"{\"input\":1}}", i ? "," : "", i);
	len += (size_t)snprintf(json + len, cap - len, "]}");
	TT_CHECK_EQ_INT(tt_pricing_parse(json, len, &t, err, sizeof(err)),
			-E2BIG);
	TT_CHECK_EQ_STR(err, "models: more than 4096 models");
	tt_pricing_free(&t);
	TT_CHECK_EQ_INT(tt_pricing_parse(json, TT_PRICING_TEXT_MAX + 1, &t, err,
					 sizeof(err)), -E2BIG);
	tt_pricing_free(&t);
	free(json);
}

TT_TEST(loader_reads_header_fields)
{
	struct tt_pricing t;

	TT_CHECK_EQ_INT(load(&t), 0);
	TT_CHECK_EQ_STR(t.version, "t1");
	TT_CHECK_EQ_STR(t.currency, "USD");
	TT_CHECK_EQ_STR(t.snapshot_date, "2025-11-01");
	TT_CHECK_EQ_INT((int)t.nmodels, 9);
	TT_CHECK(t.models[0].rate[TT_PRICE_CACHE_WRITE] < 0);
	TT_CHECK(t.models[3].rate[TT_PRICE_OUTPUT] < 0);
	TT_CHECK(near(t.models[2].per_request, 0.01));
	tt_pricing_free(&t);
}

/* ------------------------------------------------------------ lookup */

struct look_case {
	const char *provider, *model;
	int ret;
	const char *entry_provider, *entry;
	int match;
};

static const struct look_case looks[] = {
	{ "openai", "gpt-4o-mini", 0, "openai", "gpt-4o-mini", TT_PRICE_EXACT },
	{ "openai", "GPT-4o-Mini", 0, "openai", "gpt-4o-mini", TT_PRICE_EXACT },
	{ "openai", "gpt-4o-mini-2024-07-18", 0, "openai", "gpt-4o-mini",
	  TT_PRICE_ALIAS },
	{ "openai", "gpt-4o-mini-2025-01-01", 0, "openai", "gpt-4o-mini",
	  TT_PRICE_BASE },
	{ "anthropic", "claude-sonnet-4-5-20250929", 0, "anthropic",
	  "claude-sonnet-4-5", TT_PRICE_BASE },
	{ "anthropic", "claude-sonnet-4-5@20250929", 0, "anthropic",
	  "claude-sonnet-4-5", TT_PRICE_BASE },
	{ "anthropic", "claude-3-5-haiku-latest", 0, "anthropic",
	  "claude-3-5-haiku", TT_PRICE_ALIAS },
	{ "gcp.gemini", "gemini-2.5-flash-001", 0, "gcp.gemini",
	  "gemini-2.5-flash", TT_PRICE_BASE },
	{ "gcp.gemini", "models/gemini-2.5-flash", 0, "gcp.gemini",
	  "gemini-2.5-flash", TT_PRICE_BASE },
	{ "gcp.vertex_ai", "gemini-2.5-flash", 0, "gcp.gemini",
	  "gemini-2.5-flash", TT_PRICE_FALLBACK },
	/* Claude through Vertex rawPredict: Anthropic's list price. */
	{ "gcp.vertex_ai", "claude-sonnet-4-5@20250929", 0, "anthropic",
	  "claude-sonnet-4-5", TT_PRICE_FALLBACK },
	{ "azure.ai.openai", "gpt-4o-mini-2024-07-18", 0, "openai",
	  "gpt-4o-mini", TT_PRICE_FALLBACK },
	{ "aws.bedrock", "amazon.nova-lite-v1:0", 0, "aws.bedrock",
	  "amazon.nova-lite", TT_PRICE_BASE },
	{ "aws.bedrock", "us.amazon.nova-lite-v1:0", 0, "aws.bedrock",
	  "amazon.nova-lite", TT_PRICE_BASE },
	{ "aws.bedrock", "anthropic.claude-sonnet-4-5-20250929-v1:0", 0,
	  "aws.bedrock", "anthropic.claude-sonnet-4-5", TT_PRICE_BASE },
	{ "aws.bedrock", "global.anthropic.claude-sonnet-4-5-20250929-v1:0", 0,
	  "aws.bedrock", "anthropic.claude-sonnet-4-5", TT_PRICE_BASE },
	{ "aws.bedrock", "anthropic.claude-3-5-haiku-20241022-v1:0", 0,
	  "anthropic", "claude-3-5-haiku", TT_PRICE_FALLBACK },
	{ "aws.bedrock", "us.anthropic.claude-3-5-haiku-20241022-v1:0", 0,
	  "anthropic", "claude-3-5-haiku", TT_PRICE_FALLBACK },
	{ "aws.bedrock", "arn:aws:bedrock:us-east-1:1:inference-profile/"
	  "us.anthropic.claude-3-5-haiku-20241022-v1:0", 0, "anthropic",
	  "claude-3-5-haiku", TT_PRICE_FALLBACK },
	/* Not found: other provider, other model, a size is not a date. */
	{ "groq", "gpt-4o-mini", -ENOENT, NULL, NULL, 0 },
	{ "openai", "gpt-4o", -ENOENT, NULL, NULL, 0 },
	{ "openai", "gpt-4o-mini-2", -ENOENT, NULL, NULL, 0 },
	{ "openai", "", -ENOENT, NULL, NULL, 0 },
	{ "aws.bedrock", "meta.llama3-1-8b-instruct-v1:0", -ENOENT, NULL,
	  NULL, 0 },
	{ "anthropic", "@", -ENOENT, NULL, NULL, 0 },
	{ "anthropic", "-", -ENOENT, NULL, NULL, 0 },
};

TT_TEST(lookup_table)
{
	struct tt_pricing t;

	TT_CHECK_EQ_INT(load(&t), 0);
	for (size_t i = 0; i < sizeof(looks) / sizeof(looks[0]); i++) {
		const struct look_case *c = &looks[i];
		struct tt_price_hit hit;

		tt_case("%s %s", c->provider, c->model);
		TT_CHECK_EQ_INT(tt_pricing_lookup(&t, c->provider, c->model,
						  &hit), c->ret);
		TT_CHECK_EQ_INT(hit.match, c->match);
		if (c->ret)
			continue;
		TT_CHECK_EQ_STR(hit.entry->provider, c->entry_provider);
		TT_CHECK_EQ_STR(hit.entry->model, c->entry);
	}
	tt_pricing_free(&t);
}

/* ------------------------------------------------------------ cost */

struct cost_case {
	const char *name, *provider, *resp_model, *req_model;
	struct tt_usage u;
	int ret;
	double amount;
	const char *reason;
};

static const struct cost_case costs[] = {
	/* Anthropic: 1000 uncached + 2000 read + 500 written, all in input. */
	{ "anthropic cache", "anthropic", "claude-sonnet-4-5-20250929", NULL,
	  { 3500, 400, 2000, 500, -1, 3900 }, 0,
	  (1000 * 3.0 + 2000 * 0.3 + 500 * 3.75 + 400 * 15.0) / 1e6, "" },
	/* OpenAI: 1200 prompt of which 1024 cached; reasoning inside output
	 * and no reasoning rate: all output at the output rate. */
	{ "openai cached", "openai", "gpt-4o-mini-2024-07-18", "gpt-4o-mini",
	  { 1200, 300, 1024, -1, 100, 1500 }, 0,
	  (176 * 0.15 + 1024 * 0.075 + 300 * 0.6) / 1e6, "" },
	{ "reasoning rate", "openai", "o-reason", NULL,
	  { 1000, 500, 200, 0, 300, 1500 }, 0,
	  (800 * 1.0 + 200 * 0.5 + 200 * 4.0 + 300 * 8.0) / 1e6, "" },
	{ "per request", "openai", NULL, "fee-model",
	  { 1000, 100, -1, -1, -1, -1 }, 0,
	  (1000 * 2.0 + 100 * 3.0) / 1e6 + 0.01, "" },
	{ "per request, zero tokens", "openai", NULL, "fee-model",
	  { 0, 0, 0, 0, 0, 0 }, 0, 0.01, "" },
	{ "embedding, output unreported", "openai", "text-embedding-3-small",
	  NULL, { 5000, -1, -1, -1, -1, 5000 }, 0, 5000 * 0.02 / 1e6, "" },
	{ "request model when response model unknown", "openai", "weird",
	  "gpt-4o-mini", { 1000000, 0, 0, 0, 0, -1 }, 0, 0.15, "" },
	{ "gemini cached", "gcp.vertex_ai", "gemini-2.5-flash", NULL,
	  { 10000, 2000, 4000, -1, 500, -1 }, 0,
	  (6000 * 0.3 + 4000 * 0.03 + 2000 * 2.5) / 1e6, "" },
	{ "unknown model", "openai", "gpt-9", "gpt-9-mini",
	  { 10, 10, -1, -1, -1, 20 }, -ENOENT, 0, "unknown_model" },
	{ "unknown provider", "nobody", "gpt-4o-mini", NULL,
	  { 10, 10, -1, -1, -1, 20 }, -ENOENT, 0, "unknown_model" },
	{ "no usage", "openai", "gpt-4o-mini", NULL,
	  { -1, -1, -1, -1, -1, -1 }, -ENODATA, 0, "no_usage" },
	{ "missing cache write rate", "openai", "gpt-4o-mini", NULL,
	  { 1000, 10, 0, 100, -1, -1 }, -EDOM, 0, "missing_rate:cache_write" },
	{ "missing cached input rate", "aws.bedrock", "amazon.nova-lite-v1:0",
	  NULL, { 1000, 10, 100, -1, -1, -1 }, -EDOM, 0,
	  "missing_rate:cached_input" },
	{ "missing output rate", "openai", "text-embedding-3-small", NULL,
	  { 1000, 10, -1, -1, -1, -1 }, -EDOM, 0, "missing_rate:output" },
	/* Cache counts above input: no negative uncached input. */
	{ "inconsistent", "anthropic", "claude-sonnet-4-5", NULL,
	  { 100, 0, 200, 0, -1, -1 }, 0, 200 * 0.3 / 1e6, "" },
};

TT_TEST(cost_arithmetic)
{
	struct tt_pricing_stats stats = { 0 };
	struct tt_pricing t;

	TT_CHECK_EQ_INT(load(&t), 0);
	for (size_t i = 0; i < sizeof(costs) / sizeof(costs[0]); i++) {
		const struct cost_case *c = &costs[i];
		struct tt_cost cost;
		int ret;

		tt_case("%s", c->name);
		ret = tt_pricing_cost(&t, c->provider, c->resp_model,
				      c->req_model, &c->u, &cost, &stats);
		TT_CHECK_EQ_INT(ret, c->ret);
		TT_CHECK_EQ_INT(cost.priced, ret == 0);
		TT_CHECK_EQ_STR(cost.reason, c->reason);
		TT_CHECK_EQ_STR(cost.table_version, "t1");
		TT_CHECK_EQ_STR(cost.currency, "USD");
		TT_CHECK(near(cost.amount, c->amount));
		if (!near(cost.amount, c->amount))
			printf("  amount %.17g, want %.17g\n", cost.amount,
			       c->amount);
	}
	TT_CHECK_EQ_U64(stats.priced, 9);
	TT_CHECK_EQ_U64(stats.unknown_model, 2);
	TT_CHECK_EQ_U64(stats.no_usage, 1);
	TT_CHECK_EQ_U64(stats.missing_rate, 3);
	TT_CHECK_EQ_U64(stats.fallback, 1);
	TT_CHECK_EQ_U64(stats.inconsistent, 1);
	tt_pricing_free(&t);
}

TT_TEST(cost_says_which_entry)
{
	struct tt_usage u = usage(100, 10, -1, -1, -1);
	struct tt_pricing t;
	struct tt_cost cost;

	TT_CHECK_EQ_INT(load(&t), 0);
	TT_CHECK_EQ_INT(tt_pricing_cost(&t, "aws.bedrock",
			"us.anthropic.claude-3-5-haiku-20241022-v1:0", NULL, &u,
			&cost, NULL), 0);
	TT_CHECK_EQ_STR(cost.provider, "anthropic");
	TT_CHECK_EQ_STR(cost.model, "claude-3-5-haiku");
	TT_CHECK_EQ_INT(cost.match, TT_PRICE_FALLBACK);
	TT_CHECK_EQ_INT(cost.usage_partial, 0);
	TT_CHECK_EQ_STR(tt_price_match_name(cost.match), "fallback");
	TT_CHECK_EQ_INT(tt_pricing_cost(NULL, "openai", "gpt-4o-mini", NULL,
					&u, &cost, NULL), -ENOENT);
	TT_CHECK_EQ_STR(cost.reason, "unknown_model");
	TT_CHECK_EQ_INT(tt_pricing_cost(&t, NULL, "gpt-4o-mini", NULL, &u,
					&cost, NULL), -ENOENT);
	TT_CHECK_EQ_INT(tt_pricing_cost(&t, "openai", "gpt-4o-mini", NULL,
					NULL, &cost, NULL), -ENODATA);
	TT_CHECK_EQ_STR(cost.reason, "no_usage");
	TT_CHECK_EQ_STR(cost.model, "gpt-4o-mini");
	tt_pricing_free(&t);
}

/* The shipped table loads and prices every model it lists. */
TT_TEST(default_table_prices_every_model)
{
	struct tt_pricing t;
	char err[256];
	int ret;

	ret = tt_pricing_load("config/prices.json", &t, err, sizeof(err));
	if (ret)
		printf("  %s\n", err);
	TT_CHECK_EQ_INT(ret, 0);
	TT_CHECK(t.nmodels >= 30);
	TT_CHECK(strstr(t.note, "list-price snapshot") != NULL);
	TT_CHECK_EQ_STR(t.currency, "USD");
	for (size_t i = 0; i < t.nmodels; i++) {
		const struct tt_price_model *m = &t.models[i];
		struct tt_usage u = usage(
			1000, m->rate[TT_PRICE_OUTPUT] >= 0 ? 100 : -1,
			m->rate[TT_PRICE_CACHED_INPUT] >= 0 ? 200 : -1,
			m->rate[TT_PRICE_CACHE_WRITE] >= 0 ? 50 : -1, -1);
		struct tt_cost cost;

		tt_case("%s %s", m->provider, m->model);
		TT_CHECK_EQ_INT(tt_pricing_cost(&t, m->provider, m->model, NULL,
						&u, &cost, NULL), 0);
		/* Free endpoints (moderation) are listed with zero rates;
		 * everything else must cost something. */
		TT_CHECK(cost.amount > 0 || (m->rate[TT_PRICE_INPUT] == 0 &&
					     m->rate[TT_PRICE_OUTPUT] <= 0));
		TT_CHECK_EQ_INT(cost.match, TT_PRICE_EXACT);
	}
	tt_pricing_free(&t);
}

TT_TEST(default_table_resolves_test_models)
{
	static const char *const names[][2] = {
		{ "openai", "gpt-4o-mini-2024-07-18" },
		{ "openai", "gpt-4.1-mini-2025-04-14" },
		{ "openai", "o3-mini" },
		{ "openai", "o4-mini-2025-04-16" },
		{ "openai", "gpt-5-2025-08-07" },
		{ "openai", "text-embedding-3-large" },
		{ "azure.ai.openai", "gpt-4o-2024-08-06" },
		{ "anthropic", "claude-sonnet-4-20250514" },
		{ "anthropic", "claude-haiku-4-5-20251001" },
		{ "anthropic", "claude-3-haiku-20240307" },
		{ "anthropic", "claude-opus-4-1" },
		{ "anthropic", "claude-sonnet-4-5@20250929" },
		{ "gcp.gemini", "gemini-2.5-pro" },
		{ "gcp.vertex_ai", "gemini-2.0-flash-001" },
		{ "aws.bedrock", "anthropic.claude-3-5-haiku-20241022-v1:0" },
		{ "aws.bedrock", "us.anthropic.claude-3-5-sonnet-20240620-v1:0" },
		{ "aws.bedrock", "us.amazon.nova-pro-v1:0" },
		{ "aws.bedrock", "mistral.mistral-large-2407-v1:0" },
		{ "x_ai", "grok-3-mini" },
		{ "x_ai", "grok-4-fast-non-reasoning" },
		{ "deepseek", "deepseek-chat" },
		{ "deepseek", "deepseek-reasoner" },
		{ "mistral_ai", "mistral-small-latest" },
		{ "groq", "llama-3.1-8b-instant" },
		{ "groq", "llama-3.3-70b-versatile" },
	};
	struct tt_pricing t;
	char err[256];

	TT_CHECK_EQ_INT(tt_pricing_load("config/prices.json", &t, err,
					sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct tt_price_hit hit;

		tt_case("%s %s", names[i][0], names[i][1]);
		TT_CHECK_EQ_INT(tt_pricing_lookup(&t, names[i][0], names[i][1],
						  &hit), 0);
	}
	tt_pricing_free(&t);
}

TT_TEST(load_missing_file)
{
	struct tt_pricing t;
	char err[256];

	TT_CHECK_EQ_INT(tt_pricing_load("/nonexistent/prices.json", &t, err,
					sizeof(err)), -ENOENT);
	TT_CHECK(strstr(err, "/nonexistent/prices.json") != NULL);
	tt_pricing_free(&t);
}
