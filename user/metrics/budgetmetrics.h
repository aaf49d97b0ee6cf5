/* SPDX-License-Identifier: MIT */
/*
 * The budget and price-table families (docs/metrics.md, "Budgets and the
 * price table"): for each configured budget its spend in the current
 * UTC period, its limit, their ratio, when the period began and whether
 * the spend covers the whole period; and the price table's snapshot date
 * with the configured maximum age, for the staleness alert. Labels come
 * from the configuration only (budget, scope, value, period), so the
 * series are bounded by TT_BUDGETS_MAX. Pure.
 */
#ifndef TT_BUDGETMETRICS_H
#define TT_BUDGETMETRICS_H

#include "budget/budget.h"
#include "metrics/metrics.h"

struct tt_budget_metrics {
	struct tt_mfam *used, *limit, *ratio, *start, *complete;
	struct tt_mfam *snapshot, *max_age;
};

/* Creates the families in m. 0 or -EINVAL (registry full, out of memory). */
int tt_budget_metrics_init(struct tt_budget_metrics *bm, struct tt_metrics *m);

/* Every budget's gauges from b (roll b to now first). */
void tt_budget_metrics_set(struct tt_budget_metrics *bm,
			   const struct tt_budgets *b);

/* snapshot_s: Unix time of the table's snapshot_date (0: no table);
 * max_age_s: pricing.max_snapshot_age_days in seconds. */
void tt_budget_metrics_prices(struct tt_budget_metrics *bm, double snapshot_s,
			      double max_age_s);

#endif
