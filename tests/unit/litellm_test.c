// SPDX-License-Identifier: MIT
/* Tests for user/pricing/litellm.c and litellm_table.c: LiteLLM's table
 * into ours, and the overrides merged. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "pricing/litellm.h"
#include "pricing/pricing.h"
#include "util/sha256.h"
#include "tt_test.h"

/* The full upstream file's shape: models at the top, with sample_spec. */
static const char upstream[] =
	"{\"sample_spec\":{\"litellm_provider\":\"one of ...\",\"input_cost_per_token\":0},"
	"\"gpt-x\":{\"litellm_provider\":\"openai\",\"mode\":\"chat\","
	" \"input_cost_per_token\":3e-06,\"output_cost_per_token\":1.5e-05,"
	" \"cache_read_input_token_cost\":3e-07,"
	" \"input_cost_per_token_batches\":1.5e-06,\"output_cost_per_token_batches\":7.5e-06,"
	" \"input_cost_per_token_priority\":6e-06,"
	" \"input_cost_per_audio_token\":4e-05,"
	" \"source\":\"https://example.com/pricing\"},"
	"\"claude-y\":{\"litellm_provider\":\"anthropic\",\"input_cost_per_token\":3e-06,"
	" \"output_cost_per_token\":1.5e-05,\"cache_creation_input_token_cost\":3.75e-06,"
	" \"cache_creation_input_token_cost_above_1hr\":6e-06,"
	" \"input_cost_per_token_above_200k_tokens\":6e-06,"
	" \"output_cost_per_token_above_200k_tokens\":2.25e-05,"
	" \"source\":\"not a url\"},"
	/* The routed name wins over the bare one (LiteLLM's own order). */
	"\"gem\":{\"litellm_provider\":\"gemini\",\"input_cost_per_token\":1e-06},"
	"\"gemini/gem\":{\"litellm_provider\":\"gemini\",\"input_cost_per_token\":2e-06},"
	"\"vertex_ai/claude-z@default\":{\"litellm_provider\":\"vertex_ai-anthropic_models\","
	" \"input_cost_per_token\":1e-06},"
	"\"us.anthropic.claude-w\":{\"litellm_provider\":\"bedrock_converse\","
	" \"input_cost_per_token\":1.1e-06},"
	"\"whisper\":{\"litellm_provider\":\"openai\",\"input_cost_per_second\":0.0001},"
	"\"other\":{\"litellm_provider\":\"somebody_else\",\"input_cost_per_token\":1e-06},"
	"\"bad\":{\"litellm_provider\":\"openai\",\"input_cost_per_token\":1e-06,"
	" \"output_cost_per_token\":-1}"
	"}";

/* Our extract's shape. */
static const char extract[] =
	"{\"source\":\"BerriAI/litellm\",\"commit\":\"0123456789abcdef0123\","
	"\"models\":{\"gpt-x\":{\"litellm_provider\":\"openai\","
	"\"input_cost_per_token\":2.5e-07,\"output_cost_per_token\":1e-06}}}";

static int import(const char *text, const char *providers, const char *ov,
		  char **out, struct tt_litellm_stats *st, char *err)
{
	struct tt_litellm_opts o = { .providers = providers,
				     .snapshot_date = "2026-12-07",
				     .overrides = ov,
				     .overrides_len = ov ? strlen(ov) : 0,
				     .overrides_name = "ov.json" };
	size_t len;

	return tt_litellm_import(text, strlen(text), &o, out, &len, st, err,
				 256);
}

/* The table made, loaded the way the agent loads it. */
static int made(const char *text, const char *ov, struct tt_pricing *t,
		struct tt_litellm_stats *st)
{
	char *out = NULL, err[256];
	int ret = import(text, NULL, ov, &out, st, err);

	if (ret) {
		printf("  import: %s\n", err);
		return ret;
	}
	ret = tt_pricing_parse(out, strlen(out), t, err, sizeof(err));
	if (ret)
		printf("  parse: %s\n", err);
	free(out);
	return ret;
}

static const struct tt_price_model *entry(const struct tt_pricing *t,
					  const char *provider, const char *model)
{
	struct tt_price_hit hit;

	if (tt_pricing_lookup(t, provider, model, &hit) ||
	    hit.match != TT_PRICE_EXACT)
		return NULL;
	return hit.entry;
}

TT_TEST(converts_every_component)
{
	struct tt_litellm_stats st;
	const struct tt_price_model *m;
	struct tt_pricing t;

	TT_CHECK_EQ_INT(made(upstream, NULL, &t, &st), 0);
	TT_CHECK_EQ_U64(st.entries, 9); /* sample_spec is not a model */
	TT_CHECK_EQ_U64(st.imported, 6);
	TT_CHECK_EQ_U64(st.no_token_price, 1);
	TT_CHECK_EQ_U64(st.other_provider, 1);
	TT_CHECK_EQ_U64(st.duplicates, 1);
	TT_CHECK_EQ_U64(st.bad_rates, 1);
	m = entry(&t, "openai", "gpt-x");
	TT_CHECK(m != NULL);
	if (m) {
		/* 3e-06 per token is 3 per million, not 3.0000000000000004. */
		TT_CHECK(m->rate[TT_TIER_STANDARD][TT_PRICE_INPUT] == 3);
		TT_CHECK(m->rate[TT_TIER_STANDARD][TT_PRICE_OUTPUT] == 15);
		TT_CHECK(m->rate[TT_TIER_STANDARD][TT_PRICE_CACHED_INPUT] == 0.3);
		TT_CHECK(m->rate[TT_TIER_STANDARD][TT_PRICE_AUDIO_INPUT] == 40);
		TT_CHECK(m->rate[TT_TIER_BATCH][TT_PRICE_INPUT] == 1.5);
		TT_CHECK(m->rate[TT_TIER_BATCH][TT_PRICE_OUTPUT] == 7.5);
		TT_CHECK(m->rate[TT_TIER_PRIORITY][TT_PRICE_INPUT] == 6);
		TT_CHECK(m->rate[TT_TIER_PRIORITY][TT_PRICE_OUTPUT] < 0);
		TT_CHECK(m->rate[TT_TIER_FLEX][TT_PRICE_INPUT] < 0);
	}
	m = entry(&t, "anthropic", "claude-y");
	TT_CHECK(m != NULL);
	if (m) {
		TT_CHECK(m->rate[TT_TIER_STANDARD][TT_PRICE_CACHE_WRITE] == 3.75);
		TT_CHECK(m->rate[TT_TIER_STANDARD][TT_PRICE_CACHE_WRITE_1H] == 6);
		TT_CHECK_EQ_INT((int)m->long_above, 200000);
		TT_CHECK(m->long_rate[TT_PRICE_INPUT] == 6);
		TT_CHECK(m->long_rate[TT_PRICE_OUTPUT] == 22.5);
	}
	m = entry(&t, "gcp.gemini", "gem");
	TT_CHECK(m && m->rate[TT_TIER_STANDARD][TT_PRICE_INPUT] == 2);
	/* Provider names mapped to ours, the route prefix dropped. */
	TT_CHECK(entry(&t, "gcp.vertex_ai", "claude-z@default") != NULL);
	TT_CHECK(entry(&t, "aws.bedrock", "us.anthropic.claude-w") != NULL);
	/* A bad price is dropped, not the model. */
	m = entry(&t, "openai", "bad");
	TT_CHECK(m && m->rate[TT_TIER_STANDARD][TT_PRICE_OUTPUT] < 0);
	tt_pricing_free(&t);
}

TT_TEST(header_says_where_it_came_from)
{
	char *out = NULL, err[256], sha[TT_SHA256_HEX], want[128];
	struct tt_litellm_stats st;

	TT_CHECK_EQ_INT(import(extract, NULL, NULL, &out, &st, err), 0);
	TT_CHECK_EQ_INT(tt_sha256_hex("", extract, strlen(extract), sha), 0);
	snprintf(want, sizeof(want), "\"source_sha256\": \"%s\"", sha);
	TT_CHECK(out && strstr(out, want));
	TT_CHECK(out && strstr(out, "\"version\": \"litellm-0123456789ab\""));
	TT_CHECK(out && strstr(out, "\"source_commit\": \"0123456789abcdef0123\""));
	TT_CHECK(out && strstr(out, "\"snapshot_date\": \"2026-12-07\""));
	TT_CHECK(out && strstr(out, "\"format\": 2"));
	/* One model per line. */
	TT_CHECK(out && strstr(out, "\n    {\"provider\":\"openai\",\"model\":\"gpt-x\","
				    "\"per_million\":{\"input\":0.25,\"output\":1}}\n"));
	free(out);
}

TT_TEST(same_input_same_bytes)
{
	char *a = NULL, *b = NULL, err[256];
	struct tt_litellm_stats st;

	TT_CHECK_EQ_INT(import(upstream, NULL, NULL, &a, &st, err), 0);
	TT_CHECK_EQ_INT(import(upstream, NULL, NULL, &b, &st, err), 0);
	TT_CHECK(a && b && !strcmp(a, b));
	free(a);
	free(b);
}

TT_TEST(providers_filter)
{
	char *out = NULL, err[256];
	struct tt_litellm_stats st;
	struct tt_pricing t;

	/* Our names and LiteLLM's both work. */
	TT_CHECK_EQ_INT(import(upstream, "anthropic,bedrock_converse", NULL,
			       &out, &st, err), 0);
	TT_CHECK_EQ_U64(st.imported, 2);
	TT_CHECK_EQ_INT(tt_pricing_parse(out, strlen(out), &t, err, sizeof(err)), 0);
	TT_CHECK(entry(&t, "anthropic", "claude-y") != NULL);
	TT_CHECK(entry(&t, "aws.bedrock", "us.anthropic.claude-w") != NULL);
	TT_CHECK(entry(&t, "openai", "gpt-x") == NULL);
	tt_pricing_free(&t);
	free(out);
}

static const char overrides[] =
	"{\"note\":\"n\",\"overrides\":["
	/* Adds a rate, removes one. */
	"{\"provider\":\"openai\",\"model\":\"GPT-X\",\"source\":\"https://a.example/p\","
	" \"why\":\"w\",\"per_million\":{\"image_output\":40,\"cached_input\":null},"
	" \"tiers\":{\"flex\":{\"input\":1}},\"aliases\":[\"gpt-x-latest\"]},"
	/* A new entry, and a dated version of another. */
	"{\"provider\":\"ollama\",\"model\":\"*\",\"source\":\"https://b.example\","
	" \"why\":\"w\",\"per_million\":{\"input\":0,\"output\":0}},"
	"{\"provider\":\"anthropic\",\"model\":\"claude-y\",\"source\":\"https://c.example\","
	" \"why\":\"w\",\"effective_from\":\"2027-01-01\",\"replace\":true,"
	" \"per_million\":{\"input\":2,\"output\":10}}"
	"]}";

TT_TEST(overrides_merge_and_add)
{
	struct tt_litellm_stats st;
	const struct tt_price_model *m;
	struct tt_price_hit hit;
	struct tt_pricing t;

	TT_CHECK_EQ_INT(made(upstream, overrides, &t, &st), 0);
	TT_CHECK_EQ_U64(st.overrides_merged, 1);
	TT_CHECK_EQ_U64(st.overrides_added, 2);
	m = entry(&t, "openai", "gpt-x");
	TT_CHECK(m != NULL);
	if (m) {
		TT_CHECK(m->rate[TT_TIER_STANDARD][TT_PRICE_IMAGE_OUTPUT] == 40);
		TT_CHECK(m->rate[TT_TIER_STANDARD][TT_PRICE_CACHED_INPUT] < 0);
		TT_CHECK(m->rate[TT_TIER_STANDARD][TT_PRICE_INPUT] == 3);
		TT_CHECK(m->rate[TT_TIER_FLEX][TT_PRICE_INPUT] == 1);
		TT_CHECK(m->rate[TT_TIER_BATCH][TT_PRICE_INPUT] == 1.5);
	}
	TT_CHECK_EQ_INT(tt_pricing_lookup(&t, "openai", "gpt-x-latest", &hit), 0);
	TT_CHECK_EQ_INT(hit.match, TT_PRICE_ALIAS);
	TT_CHECK_EQ_INT(tt_pricing_lookup(&t, "ollama", "llama3.2:1b", &hit), 0);
	TT_CHECK_EQ_INT(hit.match, TT_PRICE_WILDCARD);
	/* The latest version is the dated one; before its day, the other. */
	TT_CHECK_EQ_INT(tt_pricing_lookup(&t, "anthropic", "claude-y", &hit), 0);
	TT_CHECK(hit.entry && hit.entry->rate[TT_TIER_STANDARD][TT_PRICE_INPUT] == 2);
	TT_CHECK(hit.entry && hit.entry->long_above == 0);
	TT_CHECK_EQ_INT(tt_pricing_lookup_at(&t, "anthropic", "claude-y", 20000,
					     &hit, NULL), 0);
	TT_CHECK(hit.entry && hit.entry->rate[TT_TIER_STANDARD][TT_PRICE_INPUT] == 3);
	tt_pricing_free(&t);
}

TT_TEST(overrides_refused)
{
	static const struct {
		const char *ov, *msg;
	} bad[] = {
		{ "[]", "(overrides): not a JSON object" },
		{ "{\"overrides\":[{\"provider\":\"openai\",\"model\":\"m\","
		  "\"why\":\"w\",\"per_million\":{\"input\":1}}]}",
		  "overrides[0].source: must be an https:// URL" },
		{ "{\"overrides\":[{\"provider\":\"openai\",\"model\":\"m\","
		  "\"source\":\"http://x\",\"why\":\"w\"}]}",
		  "overrides[0].source: must be an https:// URL" },
		{ "{\"overrides\":[{\"provider\":\"openai\",\"model\":\"m\","
		  "\"source\":\"https://x\",\"per_million\":{\"input\":1}}]}",
		  "overrides[0].why: must say why it is needed" },
		{ "{\"overrides\":[{\"provider\":\"openai\",\"model\":\"new\","
		  "\"source\":\"https://x\",\"why\":\"w\",\"per_million\":{\"output\":1}}]}",
		  "overrides[0]: the entry would have no per_million.input" },
		{ "{\"overrides\":[{\"provider\":\"openai\",\"model\":\"gpt-x\","
		  "\"source\":\"https://x\",\"why\":\"w\",\"per_million\":{\"inptu\":1}}]}",
		  "overrides[0].per_million.inptu: unknown key" },
		{ "{\"overrides\":[{\"provider\":\"openai\",\"model\":\"gpt-x\","
		  "\"source\":\"https://x\",\"why\":\"w\",\"price\":1}]}",
		  "overrides[0].price: unknown key" },
		{ "{\"overrides\":[{\"provider\":\"openai\",\"model\":\"gpt-x\","
		  "\"source\":\"https://x\",\"why\":\"w\",\"effective_from\":\"2026-13-01\"}]}",
		  "overrides[0].effective_from: must be YYYY-MM-DD" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *out = (char *)"x", err[256];
		struct tt_litellm_stats st;

		tt_case("%zu", i);
		TT_CHECK_EQ_INT(import(upstream, NULL, bad[i].ov, &out, &st, err),
				-EINVAL);
		TT_CHECK_EQ_STR(err, bad[i].msg);
		TT_CHECK(out == NULL);
	}
}

TT_TEST(input_refused)
{
	struct tt_litellm_opts o = { .snapshot_date = "2026-12-07" };
	struct tt_litellm_stats st;
	char *out, err[256];
	size_t len;

	TT_CHECK_EQ_INT(tt_litellm_import("[1]", 3, &o, &out, &len, &st, err,
					  sizeof(err)), -EINVAL);
	TT_CHECK_EQ_STR(err, "(input): not a JSON object");
	o.snapshot_date = "yesterday";
	TT_CHECK_EQ_INT(tt_litellm_import(extract, strlen(extract), &o, &out,
					  &len, &st, err, sizeof(err)), -EINVAL);
	TT_CHECK_EQ_STR(err, "snapshot date: must be YYYY-MM-DD");
	TT_CHECK_EQ_STR(tt_litellm_provider("vertex_ai-language-models"),
			"gcp.vertex_ai");
	TT_CHECK_EQ_STR(tt_litellm_provider("bedrock_converse"), "aws.bedrock");
	TT_CHECK(tt_litellm_provider("vertex_aix") == NULL);
}

/* The shipped table is the import of the vendored reference: the same
 * numbers for a few entries read straight from the reference file. */
TT_TEST(shipped_table_matches_the_reference)
{
	struct tt_pricing t;
	const struct tt_price_model *m;
	char err[256];

	TT_CHECK_EQ_INT(tt_pricing_load("config/prices.json", &t, err,
					sizeof(err)), 0);
	/* "claude-opus-4-8": input 5e-06, output 2.5e-05, cache read 5e-07,
	 * creation 6.25e-06, above_1hr 1e-05. */
	m = entry(&t, "anthropic", "claude-opus-4-8");
	TT_CHECK(m && m->rate[0][TT_PRICE_INPUT] == 5 &&
		 m->rate[0][TT_PRICE_OUTPUT] == 25 &&
		 m->rate[0][TT_PRICE_CACHED_INPUT] == 0.5 &&
		 m->rate[0][TT_PRICE_CACHE_WRITE] == 6.25 &&
		 m->rate[0][TT_PRICE_CACHE_WRITE_1H] == 10);
	/* "gemini/gemini-3-flash-preview": priority 9e-07 / 5.4e-06. */
	m = entry(&t, "gcp.gemini", "gemini-3-flash-preview");
	TT_CHECK(m && m->rate[TT_TIER_PRIORITY][TT_PRICE_INPUT] == 0.9 &&
		 m->rate[TT_TIER_PRIORITY][TT_PRICE_OUTPUT] == 5.4 &&
		 m->rate[0][TT_PRICE_REASONING] == 3);
	tt_pricing_free(&t);
}
