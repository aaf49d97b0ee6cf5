/* SPDX-License-Identifier: MIT */
/* Shared by the price table's files (table.c, lookup.c, cost.c); not an
 * API. */
#ifndef TT_PRICING_IMPL_H
#define TT_PRICING_IMPL_H

#include <cjson/cJSON.h>
#include "pricing/pricing.h"

struct tt_price_key {
	const char *provider; /* points into models[model].provider */
	char name[TT_PRICING_MODEL_MAX];
	int32_t day;          /* the entry's effective day, or NO_DAY */
	uint32_t model;
	int is_alias;         /* 0, or the alias's index + 1 */
};

/* Orders by provider, then name (both case-insensitively), then day. */
int tt_price_key_cmp(const void *a, const void *b);

/* Readers of the table's rate objects (docs/pricing.md), shared with
 * the overrides of the importer: 0 or -EINVAL naming the field in err. */
#define TT_RATES_NEED_INPUT 1 /* "input" is required */
#define TT_RATES_MERGE 2      /* only the rates named change; null clears */
/* A per_million object into rate[] (absent rates -1 unless merging). */
int tt_price_rates_read(const cJSON *pm, const char *where, int flags,
			double rate[TT_PRICE_NCLASS], char *err, size_t errlen);
/* A "tiers" object into rate[TT_TIER_BATCH..TT_TIER_N) (rate has
 * TT_TIER_N rows). flags: TT_RATES_MERGE. */
int tt_price_tiers_read(const cJSON *tiers, const char *where, int flags,
			double (*rate)[TT_PRICE_NCLASS], char *err,
			size_t errlen);
/* A "long_context" object: its threshold and rates (replaced whole). */
int tt_price_long_read(const cJSON *lc, const char *where, int64_t *above,
		       double rate[TT_PRICE_NCLASS], char *err, size_t errlen);

#endif
