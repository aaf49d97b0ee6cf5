// SPDX-License-Identifier: MIT
/*
 * Fuzz target for user/core/pricing.c. The input is a price table: it is
 * parsed; a failure must leave a message, a success a consistent table.
 * Every entry and alias-like name is then looked up under its provider
 * and the fallback providers, and priced with usage taken from the
 * input's first bytes; amounts must be finite and >= 0 and reasons set.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "pricing/pricing.h"

static const char *const providers[] = { NULL, "azure.ai.openai",
					 "gcp.vertex_ai", "aws.bedrock" };

static int64_t take(const uint8_t **p, size_t *n)
{
	int64_t v;

	if (!*n)
		return -1;
	/* Small values and -1 both common; the occasional large one. */
	v = (int64_t)(**p) - 1;
	if (v > 200)
		v = v * 1000003;
	(*p)++;
	(*n)--;
	return v;
}

static const char *const tiers[] = { NULL, "batch", "flex", "priority",
				     "scale" };

static void check_cost(const struct tt_pricing *t, const char *provider,
		       const char *model, const struct tt_usage *u,
		       const char *tier, uint64_t time_ns)
{
	struct tt_price_query q = { .provider = provider,
				    .response_model = model,
				    .request_model = "", .usage = u,
				    .service_tier = tier, .time_ns = time_ns };
	struct tt_cost cost;
	struct tt_pricing_stats stats = { 0 };
	int ret = tt_pricing_cost(t, &q, &cost, &stats);
	double parts = 0;

	if (ret == 0) {
		if (!cost.priced || !isfinite(cost.amount) || cost.amount < 0 ||
		    cost.reason[0] || !cost.model[0] || stats.priced != 1 ||
		    cost.nlacked > TT_COST_LACKED_MAX)
			abort();
		/* The components add up to the amount. */
		for (int c = 0; c <= TT_PRICE_NCLASS; c++)
			if (!isnan(cost.part[c]))
				parts += cost.part[c];
		if (fabs(parts - cost.amount) > 1e-9 * cost.amount + 1e-12)
			abort();
	} else if (ret == -ENOENT || ret == -ENODATA || ret == -EDOM ||
		   ret == -EBADMSG) {
		if (cost.priced || cost.amount != 0 || !cost.reason[0])
			abort();
	} else {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t n = size;
	struct tt_pricing t;
	struct tt_usage u;
	const char *tier;
	uint64_t time_ns;
	char err[256];
	int ret;

	tt_usage_reset(&u);
	u.input_tokens = take(&p, &n);
	u.output_tokens = take(&p, &n);
	u.cache_read_input_tokens = take(&p, &n);
	u.cache_creation_input_tokens = take(&p, &n);
	u.reasoning_tokens = take(&p, &n);
	u.cache_creation_1h_input_tokens = take(&p, &n);
	u.audio_input_tokens = take(&p, &n);
	u.image_output_tokens = take(&p, &n);
	tier = n ? tiers[*p % 5] : NULL;
	time_ns = n ? (uint64_t)*p * 86400ull * 1000000000ull * 100 : 0;

	err[0] = 'x';
	ret = tt_pricing_parse((const char *)data, size, &t, err, sizeof(err));
	if (ret) {
		if ((ret != -EINVAL && ret != -E2BIG && ret != -ENOMEM) ||
		    !err[0] || !memchr(err, '\0', sizeof(err)) || t.nmodels)
			abort();
		goto out;
	}
	if (!t.nmodels || t.nmodels > TT_PRICING_MAX_MODELS ||
	    t.nindex < t.nmodels)
		abort();
	for (size_t i = 0; i < t.nmodels; i++) {
		const struct tt_price_model *m = &t.models[i];
		struct tt_price_hit hit;

		/* The latest version of a name is the one found. */
		if (tt_pricing_lookup(&t, m->provider, m->model, &hit) ||
		    (m->effective_day == TT_PRICE_NO_DAY && hit.entry != m &&
		     hit.entry->effective_day == TT_PRICE_NO_DAY) ||
		    (hit.match != TT_PRICE_EXACT && hit.match != TT_PRICE_ALIAS))
			abort();
		for (size_t k = 0; k < sizeof(providers) / sizeof(providers[0]);
		     k++)
			check_cost(&t, providers[k] ? providers[k] : m->provider,
				   m->model, &u, tier, time_ns);
		check_cost(&t, m->provider, m->model + strlen(m->model) / 2,
			   &u, tier, time_ns);
	}
out:
	tt_pricing_free(&t);
	return 0;
}
