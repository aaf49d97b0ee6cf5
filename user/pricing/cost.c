// SPDX-License-Identifier: MIT
/* The cost of one call: usage checked, split into components, each at
 * the rate of the call's tier, context length and day (docs/pricing.md). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "pricing/pricing_impl.h"

#define NS_PER_DAY (86400ULL * 1000000000ULL)

/* Where a component's price comes from when the entry has none: the
 * class that bills the same tokens otherwise; -1 for the two bases. */
static const int base_of[TT_PRICE_NCLASS] = {
	[TT_PRICE_INPUT] = -1,
	[TT_PRICE_CACHED_INPUT] = TT_PRICE_INPUT,
	[TT_PRICE_CACHE_WRITE] = TT_PRICE_INPUT,
	[TT_PRICE_CACHE_WRITE_1H] = TT_PRICE_CACHE_WRITE,
	[TT_PRICE_OUTPUT] = -1,
	[TT_PRICE_REASONING] = TT_PRICE_OUTPUT,
	[TT_PRICE_AUDIO_INPUT] = TT_PRICE_INPUT,
	[TT_PRICE_AUDIO_OUTPUT] = TT_PRICE_OUTPUT,
	[TT_PRICE_IMAGE_INPUT] = TT_PRICE_INPUT,
	[TT_PRICE_IMAGE_OUTPUT] = TT_PRICE_OUTPUT,
};

int tt_price_tier_of(const char *s)
{
	static const struct {
		const char *name;
		int tier;
	} names[] = {
		{ "", TT_TIER_STANDARD },           { "default", TT_TIER_STANDARD },
		{ "standard", TT_TIER_STANDARD },   { "auto", TT_TIER_STANDARD },
		{ "standard_only", TT_TIER_STANDARD },
		{ "on_demand", TT_TIER_STANDARD },  { "batch", TT_TIER_BATCH },
		{ "flex", TT_TIER_FLEX },           { "on_demand_flex", TT_TIER_FLEX },
		{ "priority", TT_TIER_PRIORITY },   { "fast", TT_TIER_PRIORITY },
		{ "on_demand_priority", TT_TIER_PRIORITY },
	};

	if (!s)
		s = "";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(s, names[i].name))
			return names[i].tier;
	return -1;
}

static int64_t nonneg(int64_t v)
{
	return v > 0 ? v : 0;
}

const char *tt_usage_check(const struct tt_usage *u)
{
	const int64_t all[] = {
		u->input_tokens, u->output_tokens, u->cache_read_input_tokens,
		u->cache_creation_input_tokens, u->reasoning_tokens,
		u->cache_creation_1h_input_tokens, u->audio_input_tokens,
		u->audio_output_tokens, u->image_input_tokens,
		u->image_output_tokens,
	};
	int64_t in = nonneg(u->input_tokens), out = nonneg(u->output_tokens);
	int64_t cache = nonneg(u->cache_read_input_tokens) +
			nonneg(u->cache_creation_input_tokens);

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i] > TT_USAGE_COUNT_MAX)
			return "absurd_count";
	/* A part whose whole was not reported is not checked against it. */
	if (u->input_tokens >= 0 && cache > in)
		return "cache_above_input";
	if (nonneg(u->cache_creation_1h_input_tokens) >
	    nonneg(u->cache_creation_input_tokens))
		return "cache_1h_above_writes";
	if (u->input_tokens >= 0 && nonneg(u->audio_input_tokens) +
	    nonneg(u->image_input_tokens) > in - cache)
		return "media_above_input";
	if (u->output_tokens >= 0 && nonneg(u->reasoning_tokens) +
	    nonneg(u->audio_output_tokens) + nonneg(u->image_output_tokens) > out)
		return "parts_above_output";
	return NULL;
}

/* Tokens of each component: the parts, and what is left of the wholes. */
static void split(const struct tt_usage *u, int64_t tok[TT_PRICE_NCLASS])
{
	int64_t w = nonneg(u->cache_creation_input_tokens);

	tok[TT_PRICE_CACHED_INPUT] = nonneg(u->cache_read_input_tokens);
	tok[TT_PRICE_CACHE_WRITE_1H] = nonneg(u->cache_creation_1h_input_tokens);
	tok[TT_PRICE_CACHE_WRITE] = w - tok[TT_PRICE_CACHE_WRITE_1H];
	tok[TT_PRICE_AUDIO_INPUT] = nonneg(u->audio_input_tokens);
	tok[TT_PRICE_IMAGE_INPUT] = nonneg(u->image_input_tokens);
	tok[TT_PRICE_INPUT] = nonneg(u->input_tokens) -
			      tok[TT_PRICE_CACHED_INPUT] - w -
			      tok[TT_PRICE_AUDIO_INPUT] - tok[TT_PRICE_IMAGE_INPUT];
	tok[TT_PRICE_REASONING] = nonneg(u->reasoning_tokens);
	tok[TT_PRICE_AUDIO_OUTPUT] = nonneg(u->audio_output_tokens);
	tok[TT_PRICE_IMAGE_OUTPUT] = nonneg(u->image_output_tokens);
	tok[TT_PRICE_OUTPUT] = nonneg(u->output_tokens) - tok[TT_PRICE_REASONING] -
			       tok[TT_PRICE_AUDIO_OUTPUT] -
			       tok[TT_PRICE_IMAGE_OUTPUT];
}

struct pricer {
	const struct tt_price_model *m;
	int tier;            /* the call's; STANDARD for an unknown one */
	int long_ctx;        /* above the entry's long-context threshold */
	int tier_has_rates;  /* the entry prices the call's tier at all */
	struct tt_cost *cost;
};

static void lack(struct tt_cost *cost, const char *what, const char *at)
{
	char name[TT_COST_LACKED_LEN];

	snprintf(name, sizeof(name), "%s%s%s", what, at ? "@" : "", at ? at : "");
	for (unsigned i = 0; i < cost->nlacked; i++)
		if (!strcmp(cost->lacked[i], name))
			return;
	if (cost->nlacked < TT_COST_LACKED_MAX)
		memcpy(cost->lacked[cost->nlacked++], name, sizeof(name));
}

/* The rate of class c for this call, or < 0: the tier's, else the long
 * context's, else the standard one. What the tier or the long context
 * lacked is noted. */
static double rate_at(struct pricer *p, int c)
{
	const struct tt_price_model *m = p->m;

	/* Noted only where a standard rate stands in for the missing one
	 * (else the class's base is noted by price_class). */
	if (p->tier != TT_TIER_STANDARD) {
		if (m->rate[p->tier][c] >= 0)
			return m->rate[p->tier][c];
		if (p->tier_has_rates && (m->rate[TT_TIER_STANDARD][c] >= 0 ||
					  (p->long_ctx && m->long_rate[c] >= 0)))
			lack(p->cost, tt_price_class_name(c),
			     tt_price_tier_name(p->tier));
	}
	if (p->long_ctx) {
		if (m->long_rate[c] >= 0)
			return m->long_rate[c];
		if (m->rate[TT_TIER_STANDARD][c] >= 0)
			lack(p->cost, tt_price_class_name(c), "long_context");
	}
	return m->rate[TT_TIER_STANDARD][c];
}

/* tokens x rate of class c (or of its base, noted). Returns the class
 * that had no rate at all (input or output), or -1. */
static int price_class(struct pricer *p, int c, int64_t tokens, double *sum)
{
	double r = rate_at(p, c);
	int k = c;

	while (r < 0 && base_of[k] >= 0) {
		/* Reasoning billed as output is every provider's rule. */
		if (k == c && c != TT_PRICE_REASONING)
			lack(p->cost, tt_price_class_name(c), NULL);
		k = base_of[k];
		r = rate_at(p, k);
	}
	if (r < 0)
		return k;
	p->cost->part[c] = (double)tokens * r / 1e6;
	*sum += (double)tokens * r;
	return -1;
}

static void set_reason(struct tt_cost *cost, const char *reason,
		       const char *cls)
{
	snprintf(cost->reason, sizeof(cost->reason), "%s%s%s", reason,
		 cls ? ":" : "", cls ? cls : "");
}

static void unpriced(struct tt_cost *cost)
{
	for (int c = 0; c <= TT_PRICE_NCLASS; c++)
		cost->part[c] = NAN;
	cost->amount = 0;
	cost->priced = 0;
	cost->nlacked = 0;
}

/* The call's tier; an unknown name is priced as standard and noted. */
static int call_tier(const char *service_tier, struct tt_cost *cost)
{
	int tier = tt_price_tier_of(service_tier);

	if (tier >= 0)
		return tier;
	lack(cost, "service_tier", NULL);
	return TT_TIER_STANDARD;
}

static int find_entry(const struct tt_pricing *t,
		      const struct tt_price_query *q, struct tt_price_hit *hit,
		      struct tt_cost *cost, struct tt_pricing_stats *stats)
{
	int32_t day = q->time_ns ? (int32_t)(q->time_ns / NS_PER_DAY)
				 : TT_PRICE_NO_DAY;
	int future = 0;

	if (!tt_pricing_lookup_at(t, q->provider, q->response_model, day, hit,
				  &future) ||
	    !tt_pricing_lookup_at(t, q->provider, q->request_model, day, hit,
				  &future))
		return 0;
	if (future) {
		set_reason(cost, "no_price_at_date", NULL);
		stats->no_price_at_date++;
	} else {
		set_reason(cost, "unknown_model", NULL);
		stats->unknown_model++;
	}
	return -ENOENT;
}

/* The components of usage priced into cost. 0 or -EDOM. */
static int price_usage(struct pricer *p, const struct tt_usage *u)
{
	int64_t tok[TT_PRICE_NCLASS];
	double sum = 0;
	int missing = -1;

	split(u, tok);
	for (int c = 0; c < TT_PRICE_NCLASS && missing < 0; c++)
		if (tok[c] > 0)
			missing = price_class(p, c, tok[c], &sum);
	if (missing >= 0) {
		unpriced(p->cost);
		set_reason(p->cost, "missing_rate", tt_price_class_name(missing));
		return -EDOM;
	}
	if (p->m->per_request > 0)
		p->cost->part[TT_PRICE_NCLASS] = p->m->per_request;
	/* Per-million rates summed first, divided once: fewer roundings. */
	p->cost->amount = sum / 1e6 + (p->m->per_request > 0 ? p->m->per_request
							     : 0);
	p->cost->priced = 1;
	return 0;
}

int tt_pricing_cost(const struct tt_pricing *t, const struct tt_price_query *q,
		    struct tt_cost *cost, struct tt_pricing_stats *stats)
{
	struct tt_pricing_stats dummy;
	const struct tt_usage *u = q->usage;
	struct tt_price_hit hit;
	struct pricer p = { .cost = cost };
	const char *problem;
	int ret;

	if (!stats)
		stats = &dummy;
	memset(cost, 0, sizeof(*cost));
	unpriced(cost);
	if (t) {
		memcpy(cost->table_version, t->version, sizeof(t->version));
		memcpy(cost->table_sha256, t->sha256, sizeof(t->sha256));
		memcpy(cost->currency, t->currency, sizeof(t->currency));
	}
	if (!t || find_entry(t, q, &hit, cost, stats)) {
		if (!t) {
			set_reason(cost, "unknown_model", NULL);
			stats->unknown_model++;
		}
		return -ENOENT;
	}
	p.m = hit.entry;
	cost->match = hit.match;
	memcpy(cost->provider, p.m->provider, sizeof(cost->provider));
	memcpy(cost->model, p.m->model, sizeof(cost->model));
	memcpy(cost->effective_from, p.m->effective_from,
	       sizeof(cost->effective_from));
	if (!u || (u->input_tokens < 0 && u->output_tokens < 0)) {
		set_reason(cost, "no_usage", NULL);
		stats->no_usage++;
		return -ENODATA;
	}
	problem = q->usage_problem && q->usage_problem[0] ? q->usage_problem
							  : tt_usage_check(u);
	if (problem) {
		set_reason(cost, "invalid_usage", NULL);
		stats->invalid_usage++;
		return -EBADMSG;
	}
	cost->usage_partial = u->input_tokens < 0 || u->output_tokens < 0;
	p.tier = cost->tier = call_tier(q->service_tier, cost);
	for (int c = 0; c < TT_PRICE_NCLASS && p.tier; c++)
		p.tier_has_rates |= p.m->rate[p.tier][c] >= 0;
	if (p.tier && !p.tier_has_rates)
		lack(cost, tt_price_tier_name(p.tier), NULL);
	p.long_ctx = cost->long_context = p.m->long_above > 0 &&
					  u->input_tokens > p.m->long_above;
	ret = price_usage(&p, u);
	if (ret) {
		stats->missing_rate++;
		return ret;
	}
	stats->priced++;
	stats->fallback += hit.match == TT_PRICE_FALLBACK;
	stats->substituted += cost->nlacked > 0;
	stats->long_context += p.long_ctx;
	stats->tiered += p.tier != TT_TIER_STANDARD && p.tier_has_rates;
	return 0;
}
