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
	" \"per_million\":{\"input\":3.3,\"output\":16.5}},"
	/* Tiers, long context, media, dated versions. */
	"{\"provider\":\"openai\",\"model\":\"tiered\","
	" \"per_million\":{\"input\":2,\"cached_input\":0.2,\"output\":8},"
	" \"tiers\":{\"batch\":{\"input\":1,\"output\":4},"
	"  \"flex\":{\"input\":1.1,\"output\":4.4,\"cached_input\":0.11},"
	"  \"priority\":{\"input\":3.5,\"output\":14}}},"
	"{\"provider\":\"gcp.gemini\",\"model\":\"long-pro\","
	" \"per_million\":{\"input\":1.25,\"cached_input\":0.125,\"output\":10},"
	" \"long_context\":{\"above_input_tokens\":200000,"
	"  \"per_million\":{\"input\":2.5,\"output\":15}}},"
	"{\"provider\":\"openai\",\"model\":\"audio-model\","
	" \"per_million\":{\"input\":2.5,\"output\":10,\"audio_input\":40,"
	"  \"audio_output\":80}},"
	"{\"provider\":\"openai\",\"model\":\"image-model\","
	" \"per_million\":{\"input\":5,\"image_input\":10,\"image_output\":40}},"
	"{\"provider\":\"anthropic\",\"model\":\"dated\","
	" \"per_million\":{\"input\":1,\"output\":2}},"
	"{\"provider\":\"anthropic\",\"model\":\"dated\","
	" \"effective_from\":\"2026-03-01\","
	" \"source\":\"https://example.com/price-change\","
	" \"per_million\":{\"input\":0.5,\"output\":1}},"
	"{\"provider\":\"anthropic\",\"model\":\"future-only\","
	" \"effective_from\":\"2030-01-01\","
	" \"per_million\":{\"input\":1,\"output\":1}}"
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
	struct tt_usage u;

	tt_usage_reset(&u);
	u.input_tokens = in;
	u.output_tokens = out;
	u.cache_read_input_tokens = cr;
	u.cache_creation_input_tokens = cw;
	u.reasoning_tokens = rs;
	return u;
}

/* Prices one call of the latest prices, standard tier. */
static int price(const struct tt_pricing *t, const char *provider,
		 const char *resp, const char *req, const struct tt_usage *u,
		 struct tt_cost *cost, struct tt_pricing_stats *st)
{
	struct tt_price_query q = { .provider = provider,
				    .response_model = resp,
				    .request_model = req, .usage = u };

	return tt_pricing_cost(t, &q, cost, st);
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
	{ "{\"format\":3,\"version\":\"v\"}", -EINVAL, "format: must be 1 or 2" },
	{ HEAD "[{\"provider\":\"openai\",\"model\":\"m\",\"per_million\":"
	  "{\"input\":1},\"tiers\":[]}]}", -EINVAL,
	  "models[0].tiers: must be an object" },
	{ HEAD "[{\"provider\":\"openai\",\"model\":\"m\",\"per_million\":"
	  "{\"input\":1},\"tiers\":{\"standard\":{}}}]}", -EINVAL,
	  "models[0].tiers.standard: unknown key" },
	{ HEAD "[{\"provider\":\"openai\",\"model\":\"m\",\"per_million\":"
	  "{\"input\":1},\"tiers\":{\"batch\":{\"input\":-1}}}]}", -EINVAL,
	  "models[0].tiers.batch.input: must be a number >= 0" },
	{ HEAD "[{\"provider\":\"openai\",\"model\":\"m\",\"per_million\":"
	  "{\"input\":1},\"long_context\":{\"per_million\":{}}}]}", -EINVAL,
	  "models[0].long_context.above_input_tokens: must be a whole number" },
	{ HEAD "[{\"provider\":\"openai\",\"model\":\"m\",\"per_million\":"
	  "{\"input\":1},\"long_context\":{\"above_input_tokens\":1.5,"
	  "\"per_million\":{}}}]}", -EINVAL,
	  "models[0].long_context.above_input_tokens: must be a whole number" },
	{ HEAD "[{\"provider\":\"openai\",\"model\":\"m\",\"per_million\":"
	  "{\"input\":1},\"long_context\":{\"above_input_tokens\":200000}}]}",
	  -EINVAL, "models[0].long_context.per_million: missing" },
	{ HEAD "[{\"provider\":\"openai\",\"model\":\"m\",\"per_million\":"
	  "{\"input\":1},\"long_context\":{\"above_input_tokens\":2,"
	  "\"per_million\":{\"outpt\":1}}}]}", -EINVAL,
	  "models[0].long_context.per_million.outpt: unknown key" },
	{ HEAD "[{\"provider\":\"openai\",\"model\":\"m\",\"per_million\":"
	  "{\"input\":1},\"effective_from\":\"2026-02-30\"}]}", -EINVAL,
	  "models[0].effective_from: must be a date YYYY-MM-DD" },
	{ HEAD "[{\"provider\":\"openai\",\"model\":\"m\",\"per_million\":"
	  "{\"input\":1},\"source\":7}]}", -EINVAL,
	  "models[0].source: must be a string" },
	{ HEAD "[" M1 ",{\"provider\":\"openai\",\"model\":\"m\","
	  "\"effective_from\":\"2026-01-01\",\"per_million\":{\"input\":1}},"
	  "{\"provider\":\"openai\",\"model\":\"M\",\"effective_from\":"
	  "\"2026-01-01\",\"per_million\":{\"input\":2}}]}", -EINVAL,
	  "models[2].model: \"M\" is already a name of models[1].model for "
	  "provider openai from 2026-01-01" },
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
	TT_CHECK_EQ_STR(err, "models: more than 8192 models");
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
	TT_CHECK_EQ_INT((int)t.nmodels, 16);
	TT_CHECK_EQ_INT(t.format, 1);
	TT_CHECK(t.models[0].rate[TT_TIER_STANDARD][TT_PRICE_CACHE_WRITE] < 0);
	TT_CHECK(t.models[3].rate[TT_TIER_STANDARD][TT_PRICE_OUTPUT] < 0);
	TT_CHECK(near(t.models[2].per_request, 0.01));
	TT_CHECK(near(t.models[9].rate[TT_TIER_FLEX][TT_PRICE_CACHED_INPUT], 0.11));
	TT_CHECK(t.models[9].rate[TT_TIER_BATCH][TT_PRICE_CACHED_INPUT] < 0);
	TT_CHECK_EQ_INT((int)t.models[10].long_above, 200000);
	TT_CHECK(near(t.models[10].long_rate[TT_PRICE_OUTPUT], 15));
	TT_CHECK_EQ_STR(t.models[14].effective_from, "2026-03-01");
	TT_CHECK_EQ_INT(t.models[14].effective_day, 20513);
	TT_CHECK_EQ_INT(t.models[13].effective_day, TT_PRICE_NO_DAY);
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

/* Usage as in call.h: in, out, cache read, cache write, reasoning, and
 * the extra parts (1-hour writes, audio in/out, image in/out); -1: not
 * reported. */
struct cost_case {
	const char *name, *provider, *resp_model, *req_model, *tier;
	int64_t u[10];
	int ret;
	double amount;
	const char *reason;
	const char *lacked; /* comma-separated */
};

#define NONE -1, -1, -1, -1, -1

static const struct cost_case costs[] = {
	/* Anthropic: 1000 uncached + 2000 read + 500 written, all in input. */
	{ "anthropic cache", "anthropic", "claude-sonnet-4-5-20250929", NULL, NULL,
	  { 3500, 400, 2000, 500, -1, NONE }, 0,
	  (1000 * 3.0 + 2000 * 0.3 + 500 * 3.75 + 400 * 15.0) / 1e6, "", "" },
	/* 300 of the 500 written with the 1-hour TTL. */
	{ "anthropic 1h writes", "anthropic", "claude-sonnet-4-5", NULL, NULL,
	  { 3500, 400, 2000, 500, -1, 300, -1, -1, -1, -1 }, 0,
	  (1000 * 3.0 + 2000 * 0.3 + 200 * 3.75 + 300 * 6.0 + 400 * 15.0) / 1e6,
	  "", "" },
	/* No 1-hour rate: the 5-minute one, and the event says so. */
	{ "1h writes, no 1h rate", "anthropic", "claude-3-5-haiku", NULL, NULL,
	  { 1000, 10, 0, 100, -1, 100, -1, -1, -1, -1 }, 0,
	  (900 * 0.8 + 100 * 1.0 + 10 * 4.0) / 1e6, "", "cache_write_1h" },
	/* OpenAI: 1200 prompt of which 1024 cached; reasoning inside output
	 * and no reasoning rate: all output at the output rate. */
	{ "openai cached", "openai", "gpt-4o-mini-2024-07-18", "gpt-4o-mini", NULL,
	  { 1200, 300, 1024, -1, 100, NONE }, 0,
	  (176 * 0.15 + 1024 * 0.075 + 300 * 0.6) / 1e6, "", "" },
	{ "reasoning rate", "openai", "o-reason", NULL, NULL,
	  { 1000, 500, 200, 0, 300, NONE }, 0,
	  (800 * 1.0 + 200 * 0.5 + 200 * 4.0 + 300 * 8.0) / 1e6, "", "" },
	{ "per request", "openai", NULL, "fee-model", NULL,
	  { 1000, 100, -1, -1, -1, NONE }, 0,
	  (1000 * 2.0 + 100 * 3.0) / 1e6 + 0.01, "", "" },
	{ "per request, zero tokens", "openai", NULL, "fee-model", NULL,
	  { 0, 0, 0, 0, 0, NONE }, 0, 0.01, "", "" },
	{ "embedding, output unreported", "openai", "text-embedding-3-small",
	  NULL, NULL, { 5000, -1, -1, -1, -1, NONE }, 0, 5000 * 0.02 / 1e6, "", "" },
	{ "request model when response model unknown", "openai", "weird",
	  "gpt-4o-mini", NULL, { 1000000, 0, 0, 0, 0, NONE }, 0, 0.15, "", "" },
	{ "gemini cached", "gcp.vertex_ai", "gemini-2.5-flash", NULL, NULL,
	  { 10000, 2000, 4000, -1, 500, NONE }, 0,
	  (6000 * 0.3 + 4000 * 0.03 + 2000 * 2.5) / 1e6, "", "" },
	/* Audio and image parts at their own rates. */
	{ "audio", "openai", "audio-model", NULL, NULL,
	  { 1000, 500, -1, -1, -1, -1, 600, 300, -1, -1 }, 0,
	  (400 * 2.5 + 600 * 40.0 + 200 * 10.0 + 300 * 80.0) / 1e6, "", "" },
	{ "image generation", "openai", "image-model", NULL, NULL,
	  { 300, 4000, -1, -1, -1, -1, -1, -1, 200, 4000 }, 0,
	  (100 * 5.0 + 200 * 10.0 + 4000 * 40.0) / 1e6, "", "" },
	/* No audio rate: the input rate, noted. */
	{ "audio without a rate", "openai", "gpt-4o-mini", NULL, NULL,
	  { 1000, 10, -1, -1, -1, -1, 100, -1, -1, -1 }, 0,
	  (1000 * 0.15 + 10 * 0.6) / 1e6, "", "audio_input" },
	/* OpenAI's cache writes without a write rate: as input, noted. */
	{ "cache write as input", "openai", "gpt-4o-mini", NULL, NULL,
	  { 1000, 10, 0, 100, -1, NONE }, 0, (1000 * 0.15 + 10 * 0.6) / 1e6, "",
	  "cache_write" },
	{ "cached input as input", "aws.bedrock", "amazon.nova-lite-v1:0",
	  NULL, NULL, { 1000, 10, 100, -1, -1, NONE }, 0,
	  (1000 * 0.06 + 10 * 0.24) / 1e6, "", "cached_input" },
	/* Tiers: the tier's rates; what the tier lacks at standard. */
	{ "batch", "openai", "tiered", NULL, "batch",
	  { 1000, 100, -1, -1, -1, NONE }, 0, (1000 * 1.0 + 100 * 4.0) / 1e6,
	  "", "" },
	{ "flex with cache", "openai", "tiered", NULL, "flex",
	  { 1000, 100, 400, -1, -1, NONE }, 0,
	  (600 * 1.1 + 400 * 0.11 + 100 * 4.4) / 1e6, "", "" },
	{ "priority, cache at standard", "openai", "tiered", NULL, "priority",
	  { 1000, 100, 400, -1, -1, NONE }, 0,
	  (600 * 3.5 + 400 * 0.2 + 100 * 14.0) / 1e6, "",
	  "cached_input@priority" },
	{ "default is standard", "openai", "tiered", NULL, "default",
	  { 1000, 100, -1, -1, -1, NONE }, 0, (1000 * 2.0 + 100 * 8.0) / 1e6,
	  "", "" },
	{ "tier the entry does not price", "openai", "gpt-4o-mini", NULL,
	  "priority", { 1000, 100, -1, -1, -1, NONE }, 0,
	  (1000 * 0.15 + 100 * 0.6) / 1e6, "", "priority" },
	{ "tier nobody knows", "openai", "tiered", NULL, "scale",
	  { 1000, 100, -1, -1, -1, NONE }, 0, (1000 * 2.0 + 100 * 8.0) / 1e6,
	  "", "service_tier" },
	/* Long context: the whole call at the higher rates, a rate the
	 * tier lacks at the standard one. */
	{ "at the threshold", "gcp.gemini", "long-pro", NULL, NULL,
	  { 200000, 1000, -1, -1, -1, NONE }, 0,
	  (200000 * 1.25 + 1000 * 10.0) / 1e6, "", "" },
	{ "above the threshold", "gcp.gemini", "long-pro", NULL, NULL,
	  { 200001, 1000, 100000, -1, -1, NONE }, 0,
	  (100001 * 2.5 + 100000 * 0.125 + 1000 * 15.0) / 1e6, "",
	  "cached_input@long_context" },
	/* Not priced. */
	{ "unknown model", "openai", "gpt-9", "gpt-9-mini", NULL,
	  { 10, 10, -1, -1, -1, NONE }, -ENOENT, 0, "unknown_model", "" },
	{ "unknown provider", "nobody", "gpt-4o-mini", NULL, NULL,
	  { 10, 10, -1, -1, -1, NONE }, -ENOENT, 0, "unknown_model", "" },
	{ "prices start later", "anthropic", "future-only", NULL, NULL,
	  { 10, 10, -1, -1, -1, NONE }, -ENOENT, 0, "no_price_at_date", "" },
	{ "no usage", "openai", "gpt-4o-mini", NULL, NULL,
	  { -1, -1, -1, -1, -1, NONE }, -ENODATA, 0, "no_usage", "" },
	{ "missing output rate", "openai", "text-embedding-3-small", NULL, NULL,
	  { 1000, 10, -1, -1, -1, NONE }, -EDOM, 0, "missing_rate:output", "" },
	{ "missing output rate for image output", "openai",
	  "text-embedding-3-small", NULL, NULL,
	  { 1000, 10, -1, -1, -1, -1, -1, -1, -1, 10 }, -EDOM, 0,
	  "missing_rate:output", "" },
	/* Usage that cannot be true is never charged. */
	{ "cache above input", "anthropic", "claude-sonnet-4-5", NULL, NULL,
	  { 100, 0, 200, 0, -1, NONE }, -EBADMSG, 0, "invalid_usage", "" },
	{ "reasoning above output", "openai", "o-reason", NULL, NULL,
	  { 100, 10, 0, 0, 11, NONE }, -EBADMSG, 0, "invalid_usage", "" },
	{ "absurd count", "openai", "gpt-4o-mini", NULL, NULL,
	  { 100000001, 10, -1, -1, -1, NONE }, -EBADMSG, 0, "invalid_usage", "" },
};

static void fill_usage(const int64_t v[10], struct tt_usage *u)
{
	u->input_tokens = v[0];
	u->output_tokens = v[1];
	u->cache_read_input_tokens = v[2];
	u->cache_creation_input_tokens = v[3];
	u->reasoning_tokens = v[4];
	u->total_tokens = -1;
	u->cache_creation_1h_input_tokens = v[5];
	u->audio_input_tokens = v[6];
	u->audio_output_tokens = v[7];
	u->image_input_tokens = v[8];
	u->image_output_tokens = v[9];
}

static void lacked_list(const struct tt_cost *cost, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < cost->nlacked && n < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? "," : "",
				      cost->lacked[i]);
}

TT_TEST(cost_arithmetic)
{
	struct tt_pricing_stats stats = { 0 };
	struct tt_pricing t;

	TT_CHECK_EQ_INT(load(&t), 0);
	for (size_t i = 0; i < sizeof(costs) / sizeof(costs[0]); i++) {
		const struct cost_case *c = &costs[i];
		/* 2026-06-01T12:00:00Z */
		struct tt_price_query q = { .provider = c->provider,
					    .response_model = c->resp_model,
					    .request_model = c->req_model,
					    .service_tier = c->tier,
					    .time_ns = 1780315200000000000ull };
		struct tt_usage u;
		struct tt_cost cost;
		char lacked[256];
		double parts = 0;
		int ret;

		tt_case("%s", c->name);
		fill_usage(c->u, &u);
		q.usage = &u;
		ret = tt_pricing_cost(&t, &q, &cost, &stats);
		TT_CHECK_EQ_INT(ret, c->ret);
		TT_CHECK_EQ_INT(cost.priced, ret == 0);
		TT_CHECK_EQ_STR(cost.reason, c->reason);
		TT_CHECK_EQ_STR(cost.table_version, "t1");
		TT_CHECK_EQ_INT((int)strlen(cost.table_sha256), 64);
		TT_CHECK_EQ_STR(cost.currency, "USD");
		TT_CHECK(near(cost.amount, c->amount));
		if (!near(cost.amount, c->amount))
			printf("  amount %.17g, want %.17g\n", cost.amount,
			       c->amount);
		lacked_list(&cost, lacked, sizeof(lacked));
		TT_CHECK_EQ_STR(lacked, c->lacked);
		/* The components add up to the amount. */
		for (int k = 0; k <= TT_PRICE_NCLASS; k++)
			if (!isnan(cost.part[k]))
				parts += cost.part[k];
		TT_CHECK(near(parts, cost.amount));
	}
	TT_CHECK_EQ_U64(stats.priced, 23);
	TT_CHECK_EQ_U64(stats.unknown_model, 2);
	TT_CHECK_EQ_U64(stats.no_price_at_date, 1);
	TT_CHECK_EQ_U64(stats.no_usage, 1);
	TT_CHECK_EQ_U64(stats.missing_rate, 2);
	TT_CHECK_EQ_U64(stats.invalid_usage, 3);
	TT_CHECK_EQ_U64(stats.fallback, 1);
	TT_CHECK_EQ_U64(stats.substituted, 8);
	TT_CHECK_EQ_U64(stats.long_context, 1);
	TT_CHECK_EQ_U64(stats.tiered, 3);
	tt_pricing_free(&t);
}

TT_TEST(cost_components)
{
	struct tt_usage u = usage(3500, 400, 2000, 500, -1);
	struct tt_pricing t;
	struct tt_cost cost;

	TT_CHECK_EQ_INT(load(&t), 0);
	u.cache_creation_1h_input_tokens = 300;
	TT_CHECK_EQ_INT(price(&t, "anthropic", "claude-sonnet-4-5", NULL, &u,
			      &cost, NULL), 0);
	TT_CHECK(near(cost.part[TT_PRICE_INPUT], 1000 * 3.0 / 1e6));
	TT_CHECK(near(cost.part[TT_PRICE_CACHED_INPUT], 2000 * 0.3 / 1e6));
	TT_CHECK(near(cost.part[TT_PRICE_CACHE_WRITE], 200 * 3.75 / 1e6));
	TT_CHECK(near(cost.part[TT_PRICE_CACHE_WRITE_1H], 300 * 6.0 / 1e6));
	TT_CHECK(near(cost.part[TT_PRICE_OUTPUT], 400 * 15.0 / 1e6));
	TT_CHECK(isnan(cost.part[TT_PRICE_REASONING]));
	TT_CHECK(isnan(cost.part[TT_PRICE_AUDIO_INPUT]));
	TT_CHECK(isnan(cost.part[TT_PRICE_NCLASS]));
	TT_CHECK_EQ_INT(cost.tier, TT_TIER_STANDARD);
	TT_CHECK_EQ_INT(cost.long_context, 0);
	tt_pricing_free(&t);
}

/* A price change does not rewrite history: each call is priced with the
 * version in effect on its day. */
TT_TEST(cost_effective_from)
{
	static const struct {
		const char *day;
		double amount;
		const char *from;
	} calls[] = {
		{ "2026-02-28", (1000 * 1.0 + 100 * 2.0) / 1e6, "" },
		{ "2026-03-01", (1000 * 0.5 + 100 * 1.0) / 1e6, "2026-03-01" },
		{ "2027-01-01", (1000 * 0.5 + 100 * 1.0) / 1e6, "2026-03-01" },
	};
	struct tt_usage u = usage(1000, 100, -1, -1, -1);
	struct tt_pricing t;

	TT_CHECK_EQ_INT(load(&t), 0);
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		struct tt_price_query q = { .provider = "anthropic",
					    .response_model = "dated",
					    .usage = &u };
		struct tt_cost cost;
		int32_t day;

		tt_case("%s", calls[i].day);
		TT_CHECK_EQ_INT(tt_price_parse_day(calls[i].day, &day), 0);
		/* Noon UTC of that day. */
		q.time_ns = ((uint64_t)day * 86400 + 43200) * 1000000000ull;
		TT_CHECK_EQ_INT(tt_pricing_cost(&t, &q, &cost, NULL), 0);
		TT_CHECK(near(cost.amount, calls[i].amount));
		TT_CHECK_EQ_STR(cost.effective_from, calls[i].from);
	}
	tt_pricing_free(&t);
}

TT_TEST(cost_refuses_decoder_findings)
{
	struct tt_usage u = usage(1000, 100, -1, -1, -1);
	struct tt_price_query q = { .provider = "openai",
				    .response_model = "gpt-4o-mini",
				    .usage = &u,
				    .usage_problem = "fractional_count" };
	struct tt_pricing t;
	struct tt_cost cost;

	TT_CHECK_EQ_INT(load(&t), 0);
	TT_CHECK_EQ_INT(tt_pricing_cost(&t, &q, &cost, NULL), -EBADMSG);
	TT_CHECK_EQ_STR(cost.reason, "invalid_usage");
	TT_CHECK(cost.amount == 0 && !cost.priced);
	/* The entry it would have been priced with is still named. */
	TT_CHECK_EQ_STR(cost.model, "gpt-4o-mini");
	tt_pricing_free(&t);
}

TT_TEST(usage_check_names_the_problem)
{
	static const struct {
		int64_t u[10];
		const char *problem;
	} cases[] = {
		{ { 100, 10, 50, 50, 5, NONE }, NULL },
		{ { 100, 10, 60, 50, -1, NONE }, "cache_above_input" },
		{ { 100, 10, -1, 50, -1, 51, -1, -1, -1, -1 }, "cache_1h_above_writes" },
		{ { 100, 10, 50, -1, -1, -1, 30, -1, 30, -1 }, "media_above_input" },
		{ { 100, 10, -1, -1, 5, -1, -1, 3, -1, 3 }, "parts_above_output" },
		{ { 100, 10, -1, -1, 5, -1, -1, 3, -1, 2 }, NULL },
		{ { 100000001, 0, -1, -1, -1, NONE }, "absurd_count" },
		{ { 100000000, 0, -1, -1, -1, NONE }, NULL },
		/* A part whose whole is unreported is not compared with it. */
		{ { -1, -1, 50, 50, 5, NONE }, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tt_usage u;
		const char *got;

		tt_case("%zu", i);
		fill_usage(cases[i].u, &u);
		got = tt_usage_check(&u);
		TT_CHECK_EQ_STR(got ? got : "", cases[i].problem ? cases[i].problem : "");
	}
}

TT_TEST(tier_names)
{
	TT_CHECK_EQ_INT(tt_price_tier_of(NULL), TT_TIER_STANDARD);
	TT_CHECK_EQ_INT(tt_price_tier_of("default"), TT_TIER_STANDARD);
	TT_CHECK_EQ_INT(tt_price_tier_of("standard"), TT_TIER_STANDARD);
	TT_CHECK_EQ_INT(tt_price_tier_of("ON_DEMAND"), TT_TIER_STANDARD);
	TT_CHECK_EQ_INT(tt_price_tier_of("batch"), TT_TIER_BATCH);
	TT_CHECK_EQ_INT(tt_price_tier_of("flex"), TT_TIER_FLEX);
	TT_CHECK_EQ_INT(tt_price_tier_of("ON_DEMAND_FLEX"), TT_TIER_FLEX);
	TT_CHECK_EQ_INT(tt_price_tier_of("priority"), TT_TIER_PRIORITY);
	TT_CHECK_EQ_INT(tt_price_tier_of("ON_DEMAND_PRIORITY"), TT_TIER_PRIORITY);
	TT_CHECK_EQ_INT(tt_price_tier_of("scale"), -1);
	TT_CHECK_EQ_INT(tt_price_tier_of("PROVISIONED_THROUGHPUT"), -1);
}

TT_TEST(cost_says_which_entry)
{
	struct tt_usage u = usage(100, 10, -1, -1, -1);
	struct tt_pricing t;
	struct tt_cost cost;

	TT_CHECK_EQ_INT(load(&t), 0);
	TT_CHECK_EQ_INT(price(&t, "aws.bedrock",
			      "us.anthropic.claude-3-5-haiku-20241022-v1:0", NULL,
			      &u, &cost, NULL), 0);
	TT_CHECK_EQ_STR(cost.provider, "anthropic");
	TT_CHECK_EQ_STR(cost.model, "claude-3-5-haiku");
	TT_CHECK_EQ_INT(cost.match, TT_PRICE_FALLBACK);
	TT_CHECK_EQ_INT(cost.usage_partial, 0);
	TT_CHECK_EQ_STR(tt_price_match_name(cost.match), "fallback");
	TT_CHECK_EQ_INT(price(NULL, "openai", "gpt-4o-mini", NULL, &u, &cost,
			      NULL), -ENOENT);
	TT_CHECK_EQ_STR(cost.reason, "unknown_model");
	TT_CHECK_EQ_INT(price(&t, NULL, "gpt-4o-mini", NULL, &u, &cost, NULL),
			-ENOENT);
	TT_CHECK_EQ_INT(price(&t, "openai", "gpt-4o-mini", NULL, NULL, &cost,
			      NULL), -ENODATA);
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
	TT_CHECK(t.nmodels >= 1000);
	TT_CHECK_EQ_INT(t.format, 2);
	TT_CHECK(strstr(t.note, "list prices") != NULL);
	TT_CHECK_EQ_STR(t.currency, "USD");
	for (size_t i = 0; i < t.nmodels; i++) {
		const struct tt_price_model *m = &t.models[i];
		const double *r = m->rate[TT_TIER_STANDARD];
		struct tt_usage u = usage(1000, r[TT_PRICE_OUTPUT] >= 0 ? 100 : -1,
					  200, 50, -1);
		struct tt_cost cost;

		tt_case("%s %s", m->provider, m->model);
		TT_CHECK_EQ_INT(price(&t, m->provider, m->model, NULL, &u, &cost,
				      NULL), 0);
		/* Free models are listed with zero rates; everything else
		 * must cost something. */
		TT_CHECK(cost.amount > 0 ||
			 (r[TT_PRICE_INPUT] == 0 && r[TT_PRICE_OUTPUT] <= 0));
		TT_CHECK(cost.match == TT_PRICE_EXACT ||
			 m->effective_day != TT_PRICE_NO_DAY);
	}
	tt_pricing_free(&t);
}

/* One call of every component kind, priced with the shipped table, against
 * amounts worked out by hand from the per-token prices of the reference
 * file's entries (config/sources/litellm-prices.json, quoted in each
 * comment) and, for the image rates, from config/prices-overrides.json. */
static const struct ref_case {
	const char *name, *provider, *model, *tier;
	int64_t u[10];
	double amount;
	const char *lacked;
	int long_context;
} ref_cases[] = {
	/* claude-sonnet-4-5: input 3e-06, cache_read 3e-07, cache_creation
	 * 3.75e-06, ..._above_1hr 6e-06, output 1.5e-05. 10000 in = 5000
	 * uncached + 2000 read + 2000 5-minute + 1000 1-hour writes:
	 * 0.015 + 0.0006 + 0.0075 + 0.006, and 500 out 0.0075. */
	{ "cache reads, 5-minute and 1-hour writes", "anthropic",
	  "claude-sonnet-4-5", NULL,
	  { 10000, 500, 2000, 3000, -1, 1000, -1, -1, -1, -1 }, 0.0366, "", 0 },
	/* Above 200k: input_cost_per_token_above_200k_tokens 6e-06,
	 * cache_read ..._above_200k 6e-07, output ..._above_200k 2.25e-05,
	 * for the whole call: 200000 x 6e-06 + 50000 x 6e-07 + 1000 x
	 * 2.25e-05 = 1.2 + 0.03 + 0.0225. */
	{ "long context", "anthropic", "claude-sonnet-4-5", NULL,
	  { 250000, 1000, 50000, -1, -1, NONE }, 1.2525, "", 1 },
	/* gpt-4o-audio-preview: input 2.5e-06, input audio 4e-05, output
	 * 1e-05, output audio 8e-05: 400 x 2.5e-06 + 600 x 4e-05 + 100 x
	 * 1e-05 + 300 x 8e-05 = 0.001 + 0.024 + 0.001 + 0.024. */
	{ "audio in and out", "openai", "gpt-4o-audio-preview", NULL,
	  { 1000, 400, -1, -1, -1, -1, 600, 300, -1, -1 }, 0.05, "", 0 },
	/* gemini/gemini-2.5-flash: input 3e-07, cache_read 3e-08, audio
	 * 1e-06, output 2.5e-06, reasoning 2.5e-06: 2000 x 3e-07 + 1000 x
	 * 3e-08 + 2000 x 1e-06 + 300 x 2.5e-06 + 500 x 2.5e-06. */
	{ "cache, audio, reasoning", "gcp.gemini", "gemini-2.5-flash", NULL,
	  { 5000, 800, 1000, -1, 500, -1, 2000, -1, -1, -1 }, 0.00463, "", 0 },
	/* perplexity/sonar-deep-research: output 8e-06 but reasoning 3e-06:
	 * 1000 x 2e-06 + 500 x 8e-06 + 1500 x 3e-06. */
	{ "reasoning at its own rate", "perplexity", "sonar-deep-research", NULL,
	  { 1000, 2000, -1, -1, 1500, NONE }, 0.0105, "", 0 },
	/* gpt-5.4: priority input 5e-06, output 3e-05, no priority cache
	 * rate: the standard 2.5e-07: 6000 x 5e-06 + 4000 x 2.5e-07 + 1000
	 * x 3e-05. */
	{ "priority tier", "openai", "gpt-5.4", "priority",
	  { 10000, 1000, 4000, -1, -1, NONE }, 0.061, "cached_input@priority", 0 },
	/* input_cost_per_token_batches 1.25e-06, output ..._batches 7.5e-06. */
	{ "batch tier", "openai", "gpt-5.4", "batch",
	  { 10000, 1000, -1, -1, -1, NONE }, 0.02, "", 0 },
	/* input_cost_per_token_flex 1.25e-06, output ..._flex 7.5e-06. */
	{ "flex tier", "openai", "gpt-5.4", "flex",
	  { 10000, 1000, -1, -1, -1, NONE }, 0.02, "", 0 },
	/* gpt-image-1: input 5e-06 (reference), image input 10 and image
	 * output 40 per million (override): 40 x 5e-06 + 60 x 1e-05 + 4160 x
	 * 4e-05. */
	{ "image in and out", "openai", "gpt-image-1", NULL,
	  { 100, 4160, -1, -1, -1, -1, -1, -1, 60, 4160 }, 0.1672, "", 0 },
};

TT_TEST(reference_entries_by_hand)
{
	struct tt_pricing t;
	char err[256];

	TT_CHECK_EQ_INT(tt_pricing_load("config/prices.json", &t, err,
					sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(ref_cases) / sizeof(ref_cases[0]); i++) {
		const struct ref_case *c = &ref_cases[i];
		struct tt_price_query q = { .provider = c->provider,
					    .response_model = c->model,
					    .service_tier = c->tier };
		struct tt_usage u;
		struct tt_cost cost;
		char lacked[256];

		tt_case("%s", c->name);
		fill_usage(c->u, &u);
		q.usage = &u;
		TT_CHECK_EQ_INT(tt_pricing_cost(&t, &q, &cost, NULL), 0);
		TT_CHECK_EQ_INT(cost.match, TT_PRICE_EXACT);
		TT_CHECK(fabs(cost.amount - c->amount) <= 1e-12 + 1e-9 * c->amount);
		if (fabs(cost.amount - c->amount) > 1e-12 + 1e-9 * c->amount)
			printf("  amount %.17g, by hand %.17g\n", cost.amount,
			       c->amount);
		lacked_list(&cost, lacked, sizeof(lacked));
		TT_CHECK_EQ_STR(lacked, c->lacked);
		TT_CHECK_EQ_INT(cost.long_context, c->long_context);
		TT_CHECK_EQ_STR(tt_price_tier_name(cost.tier),
				c->tier ? c->tier : "standard");
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
