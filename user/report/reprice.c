// SPDX-License-Identifier: MIT
/* report --reprice: a ledger event priced again with another table, the
 * way the agent prices a call (pricing/cost.c) and books it (rounded to
 * 12 significant digits, alloc/event.c), so that a ledger repriced with
 * a table totals what a capture priced with it would have. */
#include <cjson/cJSON.h>
#include "report/ledger_price.h"
#include "report/report_impl.h"
#include "util/jsonw.h"

void tt_rreprice(const struct tt_pricing *t, const struct cJSON *ev,
		 int *priced, double *amount)
{
	struct tt_price_query q;
	struct tt_usage u;
	struct tt_cost cost;

	*priced = 0;
	*amount = 0;
	if (tt_ledger_price_query(ev, &q, &u) ||
	    tt_pricing_cost(t, &q, &cost, NULL))
		return;
	*priced = 1;
	*amount = tt_jsonw_round_sig(cost.amount, 12);
}
