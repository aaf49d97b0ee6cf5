// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include "metrics/budgetmetrics.h"

static const char *const budget_labels[] = { "budget", "scope", "value",
					     "period", NULL };

int tt_budget_metrics_init(struct tt_budget_metrics *bm, struct tt_metrics *m)
{
	memset(bm, 0, sizeof(*bm));
	bm->used = tt_metrics_family(m, TT_METRIC_GAUGE,
		"tokentap_budget_used_usd",
		"Estimated spend (USD list price) booked to the budget's scope in "
		"its current UTC day or month.",
		budget_labels, NULL, 0);
	bm->limit = tt_metrics_family(m, TT_METRIC_GAUGE,
		"tokentap_budget_limit_usd",
		"The budget's limit for one period (USD), from the configuration.",
		budget_labels, NULL, 0);
	bm->ratio = tt_metrics_family(m, TT_METRIC_GAUGE,
		"tokentap_budget_used_ratio",
		"Spend over limit in the current period (1 = the whole budget).",
		budget_labels, NULL, 0);
	bm->start = tt_metrics_family(m, TT_METRIC_GAUGE,
		"tokentap_budget_period_start_seconds",
		"Unix time the current period began (00:00 UTC of the day, or "
		"of the first of the month).",
		budget_labels, NULL, 0);
	bm->complete = tt_metrics_family(m, TT_METRIC_GAUGE,
		"tokentap_budget_complete",
		"1 when the spend covers the whole period; 0 when the agent "
		"could not read it all back from the ledger at start (a lower "
		"bound).",
		budget_labels, NULL, 0);
	bm->snapshot = tt_metrics_family(m, TT_METRIC_GAUGE,
		"tokentap_price_table_snapshot_timestamp_seconds",
		"Unix time of the price table's snapshot_date (0: no table).",
		NULL, NULL, 0);
	bm->max_age = tt_metrics_family(m, TT_METRIC_GAUGE,
		"tokentap_price_table_max_age_seconds",
		"pricing.max_snapshot_age_days in seconds: the table is stale "
		"past snapshot plus this.",
		NULL, NULL, 0);
	if (!bm->used || !bm->limit || !bm->ratio || !bm->start ||
	    !bm->complete || !bm->snapshot || !bm->max_age)
		return -EINVAL;
	return 0;
}

void tt_budget_metrics_set(struct tt_budget_metrics *bm,
			   const struct tt_budgets *b)
{
	for (size_t i = 0; i < b->defs.n; i++) {
		const struct tt_budget_def *d = &b->defs.def[i];
		const char *v[4] = { d->name, tt_budget_scope_name(d->scope),
				     d->value, tt_budget_period_name(d->period) };

		tt_mfam_set(bm->used, v, b->st[i].used_usd);
		tt_mfam_set(bm->limit, v, d->limit_usd);
		tt_mfam_set(bm->ratio, v, tt_budget_ratio(b, i));
		tt_mfam_set(bm->start, v, (double)b->st[i].period_start_s);
		tt_mfam_set(bm->complete, v, b->st[i].complete ? 1 : 0);
	}
}

void tt_budget_metrics_prices(struct tt_budget_metrics *bm, double snapshot_s,
			      double max_age_s)
{
	tt_mfam_set(bm->snapshot, NULL, snapshot_s);
	tt_mfam_set(bm->max_age, NULL, max_age_s);
}
