// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "metrics/budgetmetrics.h"

static const char *const budget_labels[] = { "budget", "scope", "value",
					     "period", NULL };

/* Every family: gauges, per budget (budget_labels) or unlabelled. */
static const struct {
	size_t at; /* offsetof the family pointer in struct tt_budget_metrics */
	const char *name, *help;
	int per_budget;
} families[] = {
	{ offsetof(struct tt_budget_metrics, used), "tokentap_budget_used_usd",
	  "Estimated spend (USD list price) booked to the budget's scope in its "
	  "current UTC day or month.", 1 },
	{ offsetof(struct tt_budget_metrics, limit), "tokentap_budget_limit_usd",
	  "The budget's limit for one period (USD), from the configuration.", 1 },
	{ offsetof(struct tt_budget_metrics, ratio), "tokentap_budget_used_ratio",
	  "Spend over limit in the current period (1 = the whole budget).", 1 },
	{ offsetof(struct tt_budget_metrics, start),
	  "tokentap_budget_period_start_seconds",
	  "Unix time the current period began (00:00 UTC of the day, or of the "
	  "first of the month).", 1 },
	{ offsetof(struct tt_budget_metrics, complete), "tokentap_budget_complete",
	  "1 when the spend covers the whole period; 0 when the agent could not "
	  "read it all back from the ledger at start (a lower bound).", 1 },
	{ offsetof(struct tt_budget_metrics, snapshot),
	  "tokentap_price_table_snapshot_timestamp_seconds",
	  "Unix time of the price table's snapshot_date (0: no table).", 0 },
	{ offsetof(struct tt_budget_metrics, max_age),
	  "tokentap_price_table_max_age_seconds",
	  "pricing.max_snapshot_age_days in seconds: the table is stale past "
	  "snapshot plus this.", 0 },
};

int tt_budget_metrics_init(struct tt_budget_metrics *bm, struct tt_metrics *m)
{
	memset(bm, 0, sizeof(*bm));
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		struct tt_mfam **fam = (struct tt_mfam **)((char *)bm + families[i].at);

		*fam = tt_metrics_family(m, TT_METRIC_GAUGE, families[i].name,
					 families[i].help,
					 families[i].per_budget ? budget_labels : NULL,
					 NULL, 0);
		if (!*fam)
			return -EINVAL;
	}
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
