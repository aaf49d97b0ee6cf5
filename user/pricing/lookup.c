// SPDX-License-Identifier: MIT
/* Model name to price entry: exact names and aliases, then base names,
 * then another provider's entry; of the dated versions of a name, the
 * one in effect on the call's day. */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include "pricing/pricing_impl.h"

static int name_cmp(const struct tt_price_key *k, const char *provider,
		    const char *name)
{
	int c = strcasecmp(k->provider, provider);

	return c ? c : strcasecmp(k->name, name);
}

/* The version of (provider, name) in effect on day: the latest
 * effective day on or before it (any day for NO_DAY: the latest of all).
 * *future is set when the name exists but every version starts later. */
static const struct tt_price_key *find(const struct tt_pricing *t,
				       const char *provider, const char *name,
				       int32_t day, int *future)
{
	const struct tt_price_key *best = NULL;
	size_t lo = 0, hi = t->nindex;

	if (!t->nindex || strlen(name) >= TT_PRICING_MODEL_MAX)
		return NULL;
	while (lo < hi) { /* the first key not below (provider, name) */
		size_t mid = lo + (hi - lo) / 2;

		if (name_cmp(&t->index[mid], provider, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < t->nindex && !name_cmp(&t->index[lo], provider, name); lo++) {
		if (day != TT_PRICE_NO_DAY && t->index[lo].day != TT_PRICE_NO_DAY &&
		    t->index[lo].day > day) {
			if (!best)
				*future = 1;
			break; /* sorted by day: the rest start later still */
		}
		best = &t->index[lo];
	}
	return best;
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return n > 0;
}

/* Removes one trailing date or version from s. Returns 1 if it did. */
static int strip_suffix(char *s)
{
	size_t n = strlen(s), k;
	char *p;

	/* Vertex "model@version". */
	p = strrchr(s, '@');
	if (p && p > s) {
		*p = '\0';
		return 1;
	}
	/* Bedrock ":0". */
	p = strrchr(s, ':');
	if (p && p > s && all_digits(p + 1, strlen(p + 1))) {
		*p = '\0';
		return 1;
	}
	if (n > 7 && !strcasecmp(s + n - 7, "-latest")) {
		s[n - 7] = '\0';
		return 1;
	}
	/* OpenAI "-2024-07-18". */
	if (n > 11 && s[n - 11] == '-' && s[n - 6] == '-' && s[n - 3] == '-' &&
	    all_digits(s + n - 10, 4) && all_digits(s + n - 5, 2) &&
	    all_digits(s + n - 2, 2)) {
		s[n - 11] = '\0';
		return 1;
	}
	p = strrchr(s, '-');
	if (!p || p == s)
		return 0;
	/* Bedrock "-v1". */
	if ((p[1] == 'v' || p[1] == 'V') && all_digits(p + 2, strlen(p + 2))) {
		*p = '\0';
		return 1;
	}
	/* "-20241022", "-0613", "-2503", "-001": 1- and 2-digit parts are
	 * sizes and versions of the model itself ("gpt-4", "claude-3-5"). */
	k = strlen(p + 1);
	if ((k == 3 || k == 4 || k == 6 || k == 8) && all_digits(p + 1, k)) {
		*p = '\0';
		return 1;
	}
	return 0;
}

/* Drops a path ("models/x", an ARN's ".../profile") and a Bedrock
 * cross-region inference prefix ("us.anthropic..."). */
static const char *strip_prefix(const char *name)
{
	static const char *const geos[] = { "us.", "eu.", "apac.", "global.",
					    "us-gov.", "jp.", "au.", "ca.",
					    NULL };
	const char *p = strrchr(name, '/');

	if (p && p[1])
		name = p + 1;
	for (int i = 0; geos[i]; i++) {
		size_t n = strlen(geos[i]);

		if (!strncasecmp(name, geos[i], n) && strchr(name + n, '.'))
			return name + n;
	}
	return name;
}

static int resolve_in(const struct tt_pricing *t, const char *provider,
		      const char *model, int32_t day, struct tt_price_hit *hit,
		      int *future)
{
	const struct tt_price_key *k = find(t, provider, model, day, future);
	char buf[TT_PRICING_MODEL_MAX];
	const char *base;

	if (k) {
		hit->entry = &t->models[k->model];
		hit->match = k->is_alias ? TT_PRICE_ALIAS : TT_PRICE_EXACT;
		return 0;
	}
	base = strip_prefix(model);
	if (strlen(base) >= sizeof(buf))
		return -ENOENT;
	memcpy(buf, base, strlen(base) + 1);
	if (base != model && (k = find(t, provider, buf, day, future)))
		goto found;
	/* Each step shortens buf, so this ends. */
	while (strip_suffix(buf))
		if ((k = find(t, provider, buf, day, future)))
			goto found;
	return -ENOENT;
found:
	hit->entry = &t->models[k->model];
	hit->match = TT_PRICE_BASE;
	return 0;
}

/* OpenRouter's "<vendor>/<model>" names the vendor's own model, sold at
 * the vendor's list price. */
static const char *openrouter_vendor(const char *model, const char **name)
{
	static const char *const vendors[][2] = {
		{ "openai/", "openai" },       { "anthropic/", "anthropic" },
		{ "google/", "gcp.gemini" },   { "x-ai/", "x_ai" },
		{ "mistralai/", "mistral_ai" }, { "deepseek/", "deepseek" },
	};

	for (size_t i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++) {
		size_t n = strlen(vendors[i][0]);

		if (!strncasecmp(model, vendors[i][0], n) && model[n]) {
			*name = model + n;
			return vendors[i][1];
		}
	}
	return NULL;
}

/* The provider whose entries stand in for provider's, and the name to
 * look up there; NULL when none does. */
static const char *fallback_of(const char *provider, const char *model,
			       const char **name)
{
	*name = model;
	/* Azure OpenAI and Vertex Gemini list the same standard prices as
	 * OpenAI and the Gemini API; Claude on Bedrock and on Vertex
	 * (rawPredict) as Anthropic's. */
	if (!strcmp(provider, "azure.ai.openai"))
		return "openai";
	if (!strcmp(provider, "gcp.vertex_ai"))
		return strncasecmp(model, "claude", 6) ? "gcp.gemini" : "anthropic";
	if (!strcmp(provider, "aws.bedrock")) {
		*name = strip_prefix(model);
		if (!strncasecmp(*name, "anthropic.", 10)) {
			*name += 10;
			return "anthropic";
		}
		return NULL;
	}
	if (!strcmp(provider, "openrouter"))
		return openrouter_vendor(model, name);
	return NULL;
}

int tt_pricing_lookup_at(const struct tt_pricing *t, const char *provider,
			 const char *model, int32_t day,
			 struct tt_price_hit *hit, int *future)
{
	const struct tt_price_key *k;
	const char *fb, *name;
	int later = 0;

	hit->entry = NULL;
	hit->match = TT_PRICE_NONE;
	if (!future)
		future = &later;
	if (!t || !provider || !model || !model[0])
		return -ENOENT;
	if (!resolve_in(t, provider, model, day, hit, future))
		return 0;
	fb = fallback_of(provider, model, &name);
	if (fb && !resolve_in(t, fb, name, day, hit, future)) {
		hit->match = TT_PRICE_FALLBACK;
		return 0;
	}
	k = find(t, provider, "*", day, future);
	if (!k)
		return -ENOENT;
	hit->entry = &t->models[k->model];
	hit->match = TT_PRICE_WILDCARD;
	return 0;
}

int tt_pricing_lookup(const struct tt_pricing *t, const char *provider,
		      const char *model, struct tt_price_hit *hit)
{
	return tt_pricing_lookup_at(t, provider, model, TT_PRICE_NO_DAY, hit,
				    NULL);
}
