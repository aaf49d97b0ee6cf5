/* SPDX-License-Identifier: MIT */
/*
 * A ledger event as a pricing question: what tt_pricing_cost() needs
 * (provider, models, usage, the decoder's usage finding, service tier,
 * time), read from a parsed ledger line, so that a ledger can be priced
 * again with another table (report --reprice) or checked against one
 * (prices check) without capturing anything again. Pure.
 */
#ifndef TT_LEDGER_PRICE_H
#define TT_LEDGER_PRICE_H

#include <cjson/cJSON.h>
#include "pricing/pricing.h"

/* Fills *q (strings point into the tree) and *u from an event object.
 * Usage fields the line lacks (older ledgers) read as not reported.
 * Returns 0, or -EINVAL when the event has no timestamp_utc, a usage
 * object or counts of the wrong type. */
int tt_ledger_price_query(const cJSON *ev, struct tt_price_query *q,
			  struct tt_usage *u);

#endif
