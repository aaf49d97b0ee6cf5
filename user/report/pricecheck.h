/* SPDX-License-Identifier: MIT */
/*
 * `tokentap prices check`: which models of a ledger a price table lacks,
 * with their calls and tokens, so that an operator knows what to add.
 * Each event's model is looked up in the table the way the agent prices
 * it (response model, then request model, at the event's day); what no
 * entry takes is listed by provider and model. Pure: lines in, a list
 * out.
 */
#ifndef TT_PRICECHECK_H
#define TT_PRICECHECK_H

#include <stddef.h>
#include <stdint.h>
#include "pricing/pricing.h"
#include "report/report.h"

#define TT_PCHECK_MODELS_MAX 10000 /* lacking models listed; then counted */

struct tt_pcheck_model {
	char provider[TT_PRICING_PROVIDER_MAX];
	char model[TT_PRICING_MODEL_MAX];
	int later;                /* the table prices it, from a later day */
	uint64_t calls, input_tokens, output_tokens;
	int64_t first_us, last_us;
};

struct tt_pcheck {
	const struct tt_pricing *table;
	struct tt_pcheck_model *m;
	size_t n, cap;
	uint64_t lines, events, priced_events, lacking_events;
	uint64_t no_model;        /* events without a model to look up */
	uint64_t not_events;      /* other records, blank and bad lines */
	uint64_t overflow;        /* lacking events past TT_PCHECK_MODELS_MAX */
};

void tt_pcheck_init(struct tt_pcheck *c, const struct tt_pricing *table);
void tt_pcheck_free(struct tt_pcheck *c);
/* One ledger line. 0 or -ENOMEM. */
int tt_pcheck_feed(struct tt_pcheck *c, const char *line, size_t len);
void tt_pcheck_too_long(struct tt_pcheck *c);
/* The list, most calls first, then a summary line. Sorts c->m. 0 or the
 * sink's error. */
int tt_pcheck_write(struct tt_pcheck *c, tt_report_sink sink, void *ctx);

#endif
