/* SPDX-License-Identifier: MIT */
/*
 * Spend budgets (docs/finops.md, "Budgets and alerts"): a limit in US
 * dollars per owner, team, cost center or environment, per UTC calendar
 * day or month, from the "budgets" array of the configuration. Pure: the
 * definitions are parsed from JSON, the state is fed facts (a call's
 * owner, team, cost center, environment, time and cost) and a clock.
 *
 * What counts is what tokentap_cost_usd_total counts: the list-price
 * estimate of priced calls whose table is in USD. A call counts in the
 * period its timestamp_utc (first request byte) falls in.
 */
#ifndef TT_BUDGET_H
#define TT_BUDGET_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;

#define TT_BUDGETS_MAX 64
#define TT_BUDGET_NAME_MAX 64   /* with the NUL */
#define TT_BUDGET_VALUE_MAX 128 /* with the NUL, as an owner rule's values */

enum tt_budget_scope {
	TT_BUDGET_OWNER = 0,
	TT_BUDGET_TEAM,
	TT_BUDGET_COST_CENTER,
	TT_BUDGET_ENVIRONMENT,
	TT_BUDGET_NSCOPES,
};

enum tt_budget_period {
	TT_BUDGET_DAY = 0,
	TT_BUDGET_MONTH,
};

struct tt_budget_def {
	char name[TT_BUDGET_NAME_MAX];
	int scope;                       /* enum tt_budget_scope */
	char value[TT_BUDGET_VALUE_MAX]; /* environment: canonical name */
	int period;                      /* enum tt_budget_period */
	double limit_usd;                /* > 0 */
};

struct tt_budget_defs {
	struct tt_budget_def def[TT_BUDGETS_MAX];
	size_t n;
};

/* One priced (or unpriced) call, as the agent or a ledger line says. */
struct tt_budget_fact {
	const char *owner, *team, *cost_center, *environment; /* NULL: none */
	int64_t time_s;   /* Unix seconds of timestamp_utc */
	double cost_usd;  /* NaN or < 0: nothing to count */
};

struct tt_budget_state {
	int64_t period_start_s; /* 0 before the first roll */
	double used_usd;
	int complete;           /* used_usd covers the whole period */
};

struct tt_budgets {
	struct tt_budget_defs defs;
	struct tt_budget_state st[TT_BUDGETS_MAX];
};

/* "owner", "team", "cost_center", "environment"; "day", "month". */
const char *tt_budget_scope_name(int scope);
const char *tt_budget_period_name(int period);

/* Parses the "budgets" array (where: its field path for messages) into
 * *out (emptied first). Each item: {"name", one of "owner" | "team" |
 * "cost_center" | "environment", "period": "day"|"month", "limit_usd"}.
 * Names are unique. Returns 0, or -EINVAL with the field named in err. */
int tt_budget_parse(const struct cJSON *arr, const char *where,
		    struct tt_budget_defs *out, char *err, size_t errlen);

/* Start of the UTC calendar day or month holding t (Unix seconds). */
int64_t tt_budget_period_start(int period, int64_t t_s);
/* Start of the next one. */
int64_t tt_budget_period_end(int period, int64_t t_s);

/* Takes defs, every budget at 0 in the period of now_s, complete. */
void tt_budgets_init(struct tt_budgets *b, const struct tt_budget_defs *defs,
		     int64_t now_s);
/* A new period that began by now_s starts at 0 (and is complete: the
 * agent sees it all). */
void tt_budgets_roll(struct tt_budgets *b, int64_t now_s);
/* Adds a fact to every budget whose scope it matches and whose current
 * period holds its time (a call from an earlier period is not counted;
 * one from a later period rolls the budget first). Returns how many
 * budgets it counted in. */
int tt_budgets_add(struct tt_budgets *b, const struct tt_budget_fact *f);
/* A reload: takes the limits of next's budgets that are defined alike
 * (name, scope, value, period), keeping their spend. Returns how many
 * budgets of either list have no such twin (they need a restart). */
int tt_budgets_update_limits(struct tt_budgets *b,
			     const struct tt_budget_defs *next);
/* used / limit. */
double tt_budget_ratio(const struct tt_budgets *b, size_t i);

/* The earliest current period start of any budget (for a ledger read:
 * nothing older matters); 0 when there are no budgets. */
int64_t tt_budgets_earliest_start(const struct tt_budgets *b);

/* A ledger line's allocation event as a fact: 0, or -ENOENT when the
 * object is not an allocation event or has no usable timestamp. Strings
 * point into root. */
int tt_budget_fact_from_json(const struct cJSON *root,
			     struct tt_budget_fact *f);

#endif
