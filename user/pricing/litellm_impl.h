/* SPDX-License-Identifier: MIT */
/* Shared by litellm.c and litellm_table.c; not an API. */
#ifndef TT_LITELLM_IMPL_H
#define TT_LITELLM_IMPL_H

#include <cjson/cJSON.h>
#include "pricing/litellm.h"
#include "pricing/pricing.h"
#include "util/sha256.h"

/* One model of the table being made; rates per million, < 0 absent. */
struct tt_litellm_entry {
	char provider[TT_PRICING_PROVIDER_MAX];
	char model[TT_PRICING_MODEL_MAX];
	int prefixed;             /* LiteLLM's name carried the route prefix */
	double rate[TT_TIER_N][TT_PRICE_NCLASS];
	int64_t long_above;       /* 0: no long-context rates */
	double long_rate[TT_PRICE_NCLASS];
	double per_request;
	char effective_from[11];  /* "" when none */
	char source[TT_PRICING_URL_MAX];
	char (*aliases)[TT_PRICING_MODEL_MAX]; /* from an override, or NULL */
	unsigned naliases;
};

struct tt_litellm_table {
	struct tt_litellm_entry *e;
	size_t n, cap;
};

/* What the table's header records about where it came from. */
struct tt_litellm_head {
	const char *commit;       /* upstream commit, or NULL */
	char input_sha256[TT_SHA256_HEX];
	char overrides_sha256[TT_SHA256_HEX]; /* "" without overrides */
	char overrides_note[256];
};

/* A LiteLLM per-token price as per million (-1 for absent or null).
 * 0, or -EINVAL for a value that is not a number >= 0 (then -1). */
int tt_litellm_rate(const cJSON *v, double *out);
/* Sorts by provider, name, date. */
void tt_litellm_sort(struct tt_litellm_table *tb);
/* Merges the overrides file (opts->overrides) into tb. 0, -EINVAL with
 * the field named in err, -EIO or -ENOMEM. */
int tt_litellm_overrides(const struct tt_litellm_opts *o,
			 struct tt_litellm_table *tb,
			 struct tt_litellm_head *head,
			 struct tt_litellm_stats *st, char *err, size_t errlen);
/* The table's text into *out (malloc'd). 0 or -ENOMEM. */
int tt_litellm_write(const struct tt_litellm_opts *o,
		     const struct tt_litellm_table *tb,
		     const struct tt_litellm_head *head, char **out,
		     size_t *outlen);
void tt_litellm_table_free(struct tt_litellm_table *tb);

#endif
