// SPDX-License-Identifier: MIT
/* LiteLLM's price table into tokentap's; see litellm.h. The entries are
 * read into struct entry (rates per million), sorted, deduplicated, the
 * overrides merged (litellm_overrides.c), then written one model per
 * line so that a price change is a one-line diff. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "util/cfgjson.h"
#include "util/sha256.h"
#include "pricing/litellm_impl.h"

/* LiteLLM's per-token keys of each component (pricing.h order). */
static const char *const class_keys[TT_PRICE_NCLASS] = {
	"input_cost_per_token", "cache_read_input_token_cost",
	"cache_creation_input_token_cost",
	"cache_creation_input_token_cost_above_1hr", "output_cost_per_token",
	"output_cost_per_reasoning_token", "input_cost_per_audio_token",
	"output_cost_per_audio_token", "input_cost_per_image_token",
	"output_cost_per_image_token",
};

/* The key suffix of each tier (LiteLLM calls batch "_batches"). */
static const char *const tier_suffix[TT_TIER_N] = { "", "_batches", "_flex",
						    "_priority" };

static const struct {
	const char *litellm, *ours;
} provider_map[] = {
	{ "openai", "openai" },
	{ "text-completion-openai", "openai" },
	{ "anthropic", "anthropic" },
	{ "gemini", "gcp.gemini" },
	{ "azure", "azure.ai.openai" },
	{ "azure_text", "azure.ai.openai" },
	{ "azure_ai", "azure.ai.inference" },
	{ "bedrock", "aws.bedrock" },
	{ "bedrock_converse", "aws.bedrock" },
	{ "mistral", "mistral_ai" },
	{ "xai", "x_ai" },
	{ "deepseek", "deepseek" },
	{ "groq", "groq" },
	{ "cohere", "cohere" },
	{ "cohere_chat", "cohere" },
	{ "together_ai", "together" },
	{ "fireworks_ai", "fireworks" },
	{ "fireworks_ai-embedding-models", "fireworks" },
	{ "openrouter", "openrouter" },
	{ "perplexity", "perplexity" },
	{ "cerebras", "cerebras" },
	{ "sambanova", "sambanova" },
	{ "deepinfra", "deepinfra" },
	{ "nvidia_nim", "nvidia" },
	{ "moonshot", "moonshot" },
};

const char *tt_litellm_provider(const char *p)
{
	if (!p)
		return NULL;
	/* vertex_ai-language-models, vertex_ai-anthropic_models, ... */
	if (!strncmp(p, "vertex_ai", 9) && (!p[9] || p[9] == '-'))
		return "gcp.vertex_ai";
	for (size_t i = 0; i < sizeof(provider_map) / sizeof(provider_map[0]); i++)
		if (!strcmp(p, provider_map[i].litellm))
			return provider_map[i].ours;
	return NULL;
}

/* Is provider p asked for ("", or in the comma-separated list, by our
 * name or LiteLLM's)? */
static int wanted(const char *list, const char *litellm, const char *ours)
{
	const char *s = list;

	if (!list || !list[0])
		return 1;
	while (*s) {
		size_t n = strcspn(s, ",");

		if ((n == strlen(ours) && !strncmp(s, ours, n)) ||
		    (n == strlen(litellm) && !strncmp(s, litellm, n)))
			return 1;
		s += n + (s[n] == ',');
	}
	return 0;
}

/* The model name without LiteLLM's routing prefix: "gemini/x" -> "x",
 * "vertex_ai/claude..." -> "claude...", "azure/eu/gpt-5" -> "eu/gpt-5"
 * (a regional price, kept under its region). Returns 1 when a prefix
 * was dropped. */
static int strip_route(const char *litellm, const char *key, const char **name)
{
	static const char *const prefixes[] = {
		"vertex_ai/", "bedrock/", "bedrock_converse/", "azure/",
		"azure_ai/", "gemini/", "openai/", "text-completion-openai/",
		"cohere/", "cohere_chat/", "together_ai/", "fireworks_ai/",
		"openrouter/", "perplexity/", "cerebras/", "mistral/", "xai/",
		"deepseek/", "groq/", "anthropic/", "sambanova/", "deepinfra/",
		"nvidia_nim/", "moonshot/", NULL,
	};
	size_t n = strlen(litellm);

	*name = key;
	if (!strncmp(key, litellm, n) && key[n] == '/') {
		*name = key + n + 1;
		return 1;
	}
	for (int i = 0; prefixes[i]; i++)
		if (!strncmp(key, prefixes[i], strlen(prefixes[i]))) {
			*name = key + strlen(prefixes[i]);
			return 1;
		}
	return 0;
}

int tt_litellm_rate(const cJSON *v, double *out)
{
	char buf[40];
	double per_million;

	*out = -1;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble < 0)
		return -EINVAL;
	/* 3e-06 * 1e6 is 3.0000000000000004: rounded to the 15 digits a
	 * double holds exactly, "3". */
	per_million = v->valuedouble * 1e6;
	snprintf(buf, sizeof(buf), "%.15g", per_million);
	*out = strtod(buf, NULL);
	return *out > TT_PRICING_RATE_MAX ? -EINVAL : 0;
}

/* "<class key>_above_<N>k_tokens" or "_above_<N>_tokens": the class and
 * N. 0, or -ENOENT when key is no such thing. */
static int threshold_key(const char *key, int *cls, int64_t *n)
{
	int best = -1;

	/* The longest class key that prefixes key ("..._above_1hr" is a
	 * class of its own, and has long-context variants). */
	for (int c = 0; c < TT_PRICE_NCLASS; c++) {
		size_t k = strlen(class_keys[c]);

		if (!strncmp(key, class_keys[c], k) &&
		    !strncmp(key + k, "_above_", 7) &&
		    (best < 0 || k > strlen(class_keys[best])))
			best = c;
	}
	if (best < 0)
		return -ENOENT;
	key += strlen(class_keys[best]) + 7;
	{
		char *end;
		long long v = strtoll(key, &end, 10);

		if (end == key || v <= 0)
			return -ENOENT;
		if (*end == 'k') {
			v *= 1000;
			end++;
		}
		if (strcmp(end, "_tokens") || v > TT_USAGE_COUNT_MAX)
			return -ENOENT;
		*cls = best;
		*n = v;
	}
	return 0;
}

static void read_long(const cJSON *m, struct tt_litellm_entry *e,
		      struct tt_litellm_stats *st)
{
	const cJSON *it;
	int cls;
	int64_t n;

	cJSON_ArrayForEach(it, m) {
		if (!it->string || threshold_key(it->string, &cls, &n))
			continue;
		if (e->long_above && n != e->long_above) {
			/* One threshold per entry: the lowest, where the
			 * higher prices start first. */
			st->thresholds_dropped++;
			if (n > e->long_above)
				continue;
			for (int c = 0; c < TT_PRICE_NCLASS; c++)
				e->long_rate[c] = -1;
		}
		e->long_above = n;
		if (tt_litellm_rate(it, &e->long_rate[cls]))
			st->bad_rates++;
	}
}

static void read_rates(const cJSON *m, struct tt_litellm_entry *e,
		       struct tt_litellm_stats *st)
{
	char key[96];

	for (int k = 0; k < TT_TIER_N; k++)
		for (int c = 0; c < TT_PRICE_NCLASS; c++) {
			snprintf(key, sizeof(key), "%s%s", class_keys[c],
				 tier_suffix[k]);
			if (tt_litellm_rate(cJSON_GetObjectItemCaseSensitive(m, key),
					    &e->rate[k][c]))
				st->bad_rates++;
		}
	for (int c = 0; c < TT_PRICE_NCLASS; c++)
		e->long_rate[c] = -1;
	e->per_request = -1;
	read_long(m, e, st);
}

static int printable(const char *s, size_t cap)
{
	size_t n = strlen(s);

	if (!n || n >= cap)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/* One LiteLLM model into e. 1 when it is kept. */
static int read_entry(const cJSON *m, const struct tt_litellm_opts *o,
		      struct tt_litellm_entry *e, struct tt_litellm_stats *st)
{
	const cJSON *lp = cJSON_GetObjectItemCaseSensitive(m, "litellm_provider");
	const cJSON *src = cJSON_GetObjectItemCaseSensitive(m, "source");
	const char *ours, *name;

	memset(e, 0, sizeof(*e));
	ours = cJSON_IsString(lp) ? tt_litellm_provider(lp->valuestring) : NULL;
	if (!ours || !wanted(o->providers, lp->valuestring, ours)) {
		st->other_provider++;
		return 0;
	}
	e->prefixed = strip_route(lp->valuestring, m->string, &name);
	if (!printable(name, sizeof(e->model))) {
		st->other_provider++;
		return 0;
	}
	snprintf(e->provider, sizeof(e->provider), "%s", ours);
	snprintf(e->model, sizeof(e->model), "%s", name);
	read_rates(m, e, st);
	/* Our table prices tokens: an entry without a token input price is
	 * priced per second, character or image. */
	if (e->rate[TT_TIER_STANDARD][TT_PRICE_INPUT] < 0) {
		st->no_token_price++;
		return 0;
	}
	/* A provider's pricing page, where LiteLLM names one. */
	if (cJSON_IsString(src) && !strncmp(src->valuestring, "http", 4) &&
	    printable(src->valuestring, sizeof(e->source)))
		snprintf(e->source, sizeof(e->source), "%s", src->valuestring);
	return 1;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct tt_litellm_entry *x = a, *y = b;
	int c = strcmp(x->provider, y->provider);

	if (!c)
		c = strcasecmp(x->model, y->model);
	if (!c)
		c = strcmp(x->effective_from, y->effective_from);
	if (!c) /* the name routed to the provider wins: LiteLLM's order */
		c = y->prefixed - x->prefixed;
	if (!c)
		c = strcmp(x->model, y->model);
	return c;
}

/* Sorted, one entry per (provider, name, date) as tt_pricing_parse
 * wants it (names compare case-insensitively). */
static void dedupe(struct tt_litellm_table *tb, struct tt_litellm_stats *st)
{
	size_t n = 0;

	qsort(tb->e, tb->n, sizeof(*tb->e), entry_cmp);
	for (size_t i = 0; i < tb->n; i++) {
		if (n && !strcmp(tb->e[n - 1].provider, tb->e[i].provider) &&
		    !strcasecmp(tb->e[n - 1].model, tb->e[i].model) &&
		    !strcmp(tb->e[n - 1].effective_from, tb->e[i].effective_from)) {
			st->duplicates++;
			continue;
		}
		tb->e[n++] = tb->e[i];
	}
	tb->n = n;
}

void tt_litellm_sort(struct tt_litellm_table *tb)
{
	qsort(tb->e, tb->n, sizeof(*tb->e), entry_cmp);
}

/* The models object of the full upstream file (the root, with its
 * "sample_spec") or of our extract ({"commit", "models": {...}}). */
static const cJSON *models_of(const cJSON *root, const char **commit)
{
	const cJSON *models = cJSON_GetObjectItemCaseSensitive(root, "models");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "commit");

	*commit = cJSON_IsString(c) ? c->valuestring : NULL;
	if (cJSON_IsObject(models) &&
	    !cJSON_GetObjectItemCaseSensitive(models, "litellm_provider"))
		return models;
	return root;
}

static int read_models(const cJSON *models, const struct tt_litellm_opts *o,
		       struct tt_litellm_table *tb, struct tt_litellm_stats *st)
{
	const cJSON *m;
	size_t cap = (size_t)cJSON_GetArraySize(models);

	tb->e = calloc(cap ? cap : 1, sizeof(*tb->e));
	if (!tb->e)
		return -ENOMEM;
	tb->cap = cap;
	cJSON_ArrayForEach(m, models) {
		if (!m->string || !strcmp(m->string, "sample_spec") ||
		    !cJSON_IsObject(m))
			continue;
		st->entries++;
		if (read_entry(m, o, &tb->e[tb->n], st))
			tb->n++;
	}
	dedupe(tb, st);
	return 0;
}

int tt_litellm_import(const char *text, size_t len,
		      const struct tt_litellm_opts *o, char **out,
		      size_t *outlen, struct tt_litellm_stats *st, char *err,
		      size_t errlen)
{
	struct tt_litellm_table tb = { 0 };
	struct tt_litellm_head head = { 0 };
	cJSON *root = NULL;
	const cJSON *models;
	int32_t day;
	int ret;

	memset(st, 0, sizeof(*st));
	*out = NULL;
	*outlen = 0;
	if (len > TT_LITELLM_TEXT_MAX) {
		tt_cfg_fail(err, errlen, "(input): larger than %u bytes",
			    TT_LITELLM_TEXT_MAX);
		return -E2BIG;
	}
	if (!o->snapshot_date || tt_price_parse_day(o->snapshot_date, &day))
		return tt_cfg_fail(err, errlen, "snapshot date: must be YYYY-MM-DD");
	root = cJSON_ParseWithLength(text, len);
	if (!cJSON_IsObject(root)) {
		ret = tt_cfg_fail(err, errlen, "(input): not a JSON object");
		goto out;
	}
	models = models_of(root, &head.commit);
	if (!head.commit)
		head.commit = o->commit;
	ret = tt_sha256_hex("", text, len, head.input_sha256) ? -EIO : 0;
	if (!ret)
		ret = read_models(models, o, &tb, st);
	if (!ret && o->overrides)
		ret = tt_litellm_overrides(o, &tb, &head, st, err, errlen);
	if (!ret)
		ret = tt_litellm_write(o, &tb, &head, out, outlen);
	if (ret == -ENOMEM)
		tt_cfg_fail(err, errlen, "(input): out of memory");
	if (!ret)
		st->imported = tb.n;
out:
	tt_litellm_table_free(&tb);
	cJSON_Delete(root);
	return ret;
}
