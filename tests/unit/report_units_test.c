// SPDX-License-Identifier: MIT
/*
 * Cost per business unit and the fallback count of user/report
 * (docs/report.md#cost-per-unit), on a hand-built ledger whose every
 * number is worked out by hand in the comments. The distinct counting is
 * checked against the naive counts it must not give (calls with a unit
 * id, a sum over groups).
 */
#include "report_harness.h"

/*
 * Group "support", 8 calls:
 *   1  case-1  success 0.10  outcome resolved
 *   2  case-1  success 0.20  outcome null            (same unit as 1)
 *   3  case-2  success ?     unknown_model, escalated (unknown cost)
 *   4  case-2  success 0.30  escalated, fallback_of call 3
 *   5  case-3  429 no usage  resolved                 (unbilled: 0)
 *   6  case-3  success 0.40  resolved, attempt 1      (the retry)
 *   7  -       success 0.50  no unit declared
 *   8  case-4  success ?     unknown_model, resolved  (unknown cost)
 * cost 0.10 + 0.20 + 0.30 + 0.40 + 0.50 = 1.50 (call 7 too: all the
 * group's spend). Units {case-1..case-4} = 4 (7 calls carry a unit id:
 * counting calls would give 7); cost/unit 1.50 / 4 = 0.375. Units with a
 * call of unknown cost: case-2, case-4 = 2 (case-3's 429 is of known
 * cost). Resolved units {case-1, case-3, case-4} = 3 (4 resolved calls:
 * 1, 5, 6, 8); cost per resolved unit 1.50 / 3 = 0.5, of them with
 * unknown cost: case-4 = 1. Fallbacks 1, retries 1.
 *
 * Group "billing", 2 calls: case-1 success 0.60 resolved; case-5 success
 * 0.70, no outcome. Cost 1.30, units 2, cost/unit 0.65; resolved 1
 * (case-1), 1.30 / 1 = 1.30.
 *
 * Total: cost 2.80. Units: the union {case-1..case-5} = 5, not 4 + 2 = 6
 * (case-1 is in both groups); cost/unit 2.80 / 5 = 0.56. Resolved: the
 * union {case-1, case-3, case-4} = 3, not 3 + 1 = 4; 2.80 / 3. Unknown:
 * case-2, case-4 = 2 (resolved: case-4 = 1).
 */
static void feed_units(struct tt_report *r)
{
	static const struct {
		const char *owner, *unit, *outcome, *call_outcome, *reason;
		double amount;          /* < 0: unpriced */
		int attempt, fallback;
	} calls[] = {
		{ "support", "case-1", "resolved", "success", NULL, 0.10, 0, 0 },
		{ "support", "case-1", NULL, "success", NULL, 0.20, 0, 0 },
		{ "support", "case-2", "escalated", "success", "unknown_model",
		  -1, 0, 0 },
		{ "support", "case-2", "escalated", "success", NULL, 0.30, 0,
		  1 },
		{ "support", "case-3", "resolved", "rate_limited", "no_usage",
		  -1, 0, 0 },
		{ "support", "case-3", "resolved", "success", NULL, 0.40, 1, 0 },
		{ "support", NULL, NULL, "success", NULL, 0.50, 0, 0 },
		{ "support", "case-4", "resolved", "success", "unknown_model",
		  -1, 0, 0 },
		{ "billing", "case-1", "resolved", "success", NULL, 0.60, 0, 0 },
		{ "billing", "case-5", NULL, "success", NULL, 0.70, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		struct ev e = base();

		e.owner = calls[i].owner;
		e.unit_id = calls[i].unit;
		e.unit_outcome = calls[i].outcome;
		e.outcome = calls[i].call_outcome;
		e.attempt = calls[i].attempt;
		e.fallback_of = calls[i].fallback ?
			"00000000-0000-4000-8000-000000000003" : NULL;
		if (calls[i].amount < 0) {
			e.priced = 0;
			e.reason = calls[i].reason;
			if (!strcmp(calls[i].reason, "no_usage"))
				e.in = e.out = e.cache_read = -1;
		} else {
			e.amount = calls[i].amount;
		}
		TT_CHECK_EQ_INT(feed_ev(r, &e), TT_RLINE_EVENT);
	}
	/* A dark connection has no unit: it must not add one. */
	{
		struct ev d = dark_ev(10, 20);

		d.owner = "support";
		d.unit_id = "case-9";
		TT_CHECK_EQ_INT(feed_ev(r, &d), TT_RLINE_EVENT);
	}
}

static void init_units(struct tt_report *r, const char *outcome,
		       size_t max_units)
{
	struct tt_report_opts o = { 0 };

	if (tt_report_parse_keys("owner", &o, NULL))
		abort();
	o.unit_outcome = outcome;
	o.max_units = max_units;
	if (tt_report_init(r, &o))
		abort();
}

TT_TEST(distinct_units_per_group_and_total)
{
	struct tt_report r;
	const struct tt_report_group *g;
	struct tt_report_derived d;

	init_units(&r, NULL, 0);
	feed_units(&r);
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	TT_CHECK_EQ_U64(r.unit_calls, 9);
	g = group_named(&r, "support");
	TT_CHECK(g != NULL);
	if (!g)
		goto out;
	tt_report_derive(&g->st, &d);
	TT_CHECK_EQ_U64(g->st.calls, 8);
	TT_CHECK_EQ_U64(g->st.units, 4);        /* not the 7 calls */
	TT_CHECK_EQ_U64(g->st.units_unknown_cost, 2);
	TT_CHECK_EQ_U64(g->st.units_uncounted, 0);
	TT_CHECK_EQ_U64(g->st.fallbacks, 1);
	TT_CHECK_EQ_U64(g->st.retries, 1);
	TT_CHECK(fabs(d.cost - 1.5) < 1e-15);
	CHECK_DBL(d.cost_per_unit, d.cost / 4);
	TT_CHECK(fabs(d.cost_per_unit - 0.375) < 1e-15);
	g = group_named(&r, "billing");
	TT_CHECK(g != NULL);
	if (!g)
		goto out;
	tt_report_derive(&g->st, &d);
	TT_CHECK_EQ_U64(g->st.units, 2);
	TT_CHECK_EQ_U64(g->st.fallbacks, 0);
	TT_CHECK(fabs(d.cost_per_unit - 0.65) < 1e-15);
	/* The total is the union: case-1 of both groups once. */
	TT_CHECK_EQ_INT(r.ntotals, 1);
	tt_report_derive(&r.totals[0].st, &d);
	TT_CHECK_EQ_U64(r.totals[0].st.units, 5); /* not 4 + 2 */
	TT_CHECK_EQ_U64(r.totals[0].st.units_unknown_cost, 2);
	TT_CHECK_EQ_U64(r.totals[0].st.fallbacks, 1);
	TT_CHECK(fabs(d.cost_per_unit - 2.8 / 5) < 1e-15);
out:
	tt_report_free(&r);
}

TT_TEST(units_with_outcome)
{
	struct tt_report r;
	const struct tt_report_group *g;
	struct tt_report_derived d;

	init_units(&r, "resolved", 0);
	feed_units(&r);
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	g = group_named(&r, "support");
	TT_CHECK(g != NULL);
	if (!g)
		goto out;
	tt_report_derive(&g->st, &d);
	TT_CHECK_EQ_U64(g->st.units, 3);        /* not the 4 resolved calls */
	TT_CHECK_EQ_U64(g->st.units_unknown_cost, 1);
	TT_CHECK(fabs(d.cost_per_unit - 0.5) < 1e-15);
	g = group_named(&r, "billing");
	TT_CHECK(g != NULL);
	if (!g)
		goto out;
	tt_report_derive(&g->st, &d);
	TT_CHECK_EQ_U64(g->st.units, 1);
	TT_CHECK(fabs(d.cost_per_unit - 1.3) < 1e-15);
	tt_report_derive(&r.totals[0].st, &d);
	TT_CHECK_EQ_U64(r.totals[0].st.units, 3); /* not 3 + 1 */
	TT_CHECK_EQ_U64(r.totals[0].st.units_unknown_cost, 1);
	TT_CHECK(fabs(d.cost_per_unit - 2.8 / 3) < 1e-15);
out:
	tt_report_free(&r);
}

/* The order of the calls does not matter: a unit whose resolved call
 * comes last, or whose unknown-cost call comes after a priced one, is
 * counted the same, once. */
TT_TEST(units_order_independent)
{
	static const char *const outcomes[] = { NULL, "escalated", "resolved",
						NULL };
	struct tt_report r;
	const struct tt_report_group *g;

	init_units(&r, "resolved", 0);
	for (int i = 0; i < 4; i++) {
		struct ev e = base();

		e.unit_id = "case-7";
		e.unit_outcome = outcomes[i];
		if (i == 3) {
			e.priced = 0;
			e.reason = "unknown_model";
		}
		TT_CHECK_EQ_INT(feed_ev(&r, &e), TT_RLINE_EVENT);
	}
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	g = tt_report_group_at(&r, 0);
	TT_CHECK_EQ_U64(g->st.units, 1);
	TT_CHECK_EQ_U64(g->st.units_unknown_cost, 1);
	/* More lines after finish: the totals are made again, not added. */
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	TT_CHECK_EQ_U64(r.totals[0].st.units, 1);
	tt_report_free(&r);
}

/* Past the cap an id is not counted but counted as such: units is a
 * lower bound ("N+"), no cost per unit, flagged in every format. */
TT_TEST(units_cap_flagged)
{
	static struct text t;
	static const char *const ids[] = { "a", "b", "c", "a", "d", "e", "d" };
	struct tt_report r;
	const struct tt_report_group *g;
	struct tt_report_derived d;
	cJSON *group;

	init_units(&r, NULL, 3);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct ev e = base();

		e.unit_id = ids[i];
		TT_CHECK_EQ_INT(feed_ev(&r, &e), TT_RLINE_EVENT);
	}
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	g = tt_report_group_at(&r, 0);
	tt_report_derive(&g->st, &d);
	TT_CHECK_EQ_U64(g->st.units, 3);           /* a, b, c */
	TT_CHECK_EQ_U64(g->st.units_uncounted, 3); /* d, e, d */
	TT_CHECK(isnan(d.cost_per_unit));
	TT_CHECK_EQ_U64(r.totals[0].st.units_uncounted, 3);
	t.len = 0;
	TT_CHECK_EQ_INT(tt_report_write_table(&r, to_text, &t), 0);
	TT_CHECK(strstr(t.buf, " 3+ ") != NULL);
	TT_CHECK(strstr(t.buf, "'N+': ids past the caps") != NULL);
	t.len = 0;
	TT_CHECK_EQ_INT(tt_report_write_json(&r, to_text, &t), 0);
	group = cJSON_Parse(t.buf);
	TT_CHECK(cJSON_IsTrue(cJSON_GetObjectItem(group, "units_capped")));
	TT_CHECK(cJSON_IsNull(cJSON_GetObjectItem(group, "cost_per_unit")));
	cJSON_Delete(group);
	t.len = 0;
	TT_CHECK_EQ_INT(tt_report_write_csv(&r, to_text, &t), 0);
	TT_CHECK_EQ_STR(csv_get(t.buf, 1, "units_capped"), "true");
	TT_CHECK_EQ_STR(csv_get(t.buf, 1, "cost_per_unit"), "");
	tt_report_free(&r);
}

/* Units and fallbacks reach every writer, with the policy line. */
TT_TEST(units_in_writers)
{
	static struct text t;
	struct tt_report r;
	cJSON *group, *summary, *policy;
	const char *last;

	init_units(&r, "resolved", 0);
	feed_units(&r);
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	t.len = 0;
	TT_CHECK_EQ_INT(tt_report_write_table(&r, to_text, &t), 0);
	TT_CHECK(strstr(t.buf, "fallbacks") != NULL);
	TT_CHECK(strstr(t.buf, "cost/unit") != NULL);
	TT_CHECK(strstr(t.buf, "0.50000000") != NULL); /* support */
	TT_CHECK(strstr(t.buf, "units: distinct declared.unit_id per group, "
				"only units one of whose calls declared "
				"unit_outcome \"resolved\"") != NULL);
	t.len = 0;
	TT_CHECK_EQ_INT(tt_report_write_json(&r, to_text, &t), 0);
	group = cJSON_Parse(t.buf); /* support: the most cost */
	TT_CHECK_EQ_INT(cJSON_GetObjectItem(group, "units")->valueint, 3);
	TT_CHECK_EQ_INT(cJSON_GetObjectItem(group, "fallbacks")->valueint, 1);
	TT_CHECK(fabs(cJSON_GetObjectItem(group, "cost_per_unit")->valuedouble -
		      0.5) < 1e-12);
	cJSON_Delete(group);
	last = t.buf + t.len - 2;
	while (last > t.buf && last[-1] != '\n')
		last--;
	summary = cJSON_Parse(last);
	policy = cJSON_GetObjectItem(summary, "ratio_policy");
	TT_CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(policy,
			"unit_outcome")), "resolved");
	TT_CHECK_EQ_INT(cJSON_GetObjectItem(summary, "unit_calls")->valueint,
			9);
	cJSON_Delete(summary);
	t.len = 0;
	TT_CHECK_EQ_INT(tt_report_write_csv(&r, to_text, &t), 0);
	TT_CHECK_EQ_STR(csv_get(t.buf, 1, "units"), "3");
	TT_CHECK_EQ_STR(csv_get(t.buf, 1, "cost_per_unit"), "0.5");
	TT_CHECK_EQ_STR(csv_get(t.buf, 3, "units"), "3"); /* the total */
	tt_report_free(&r);
}

/* No unit declared: the table keeps its columns (no units), the policy
 * line is not printed, and the JSON says 0 and null. */
TT_TEST(no_units_no_columns)
{
	static struct text t;
	struct tt_report r;

	init_units(&r, NULL, 0);
	feed_three(&r);
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	t.len = 0;
	TT_CHECK_EQ_INT(tt_report_write_table(&r, to_text, &t), 0);
	TT_CHECK(strstr(t.buf, "cost/unit") == NULL);
	TT_CHECK(strstr(t.buf, "units:") == NULL);
	t.len = 0;
	TT_CHECK_EQ_INT(tt_report_write_csv(&r, to_text, &t), 0);
	TT_CHECK_EQ_STR(csv_get(t.buf, 1, "units"), "0");
	TT_CHECK_EQ_STR(csv_get(t.buf, 1, "cost_per_unit"), "");
	tt_report_free(&r);
}

/* fallback_of of the wrong type is a bad field; absent (older ledgers)
 * is no fallback. */
TT_TEST(fallback_of_types)
{
	struct tt_report r;
	struct ev e = base();
	char line[16384], *p;

	init_units(&r, NULL, 0);
	snprintf(line, sizeof(line), "%s", line_of(&e));
	p = strstr(line, "\"fallback_of\":null");
	TT_CHECK(p != NULL);
	if (!p)
		goto out;
	memcpy(p, "\"fallback_of\":1234", 18);
	TT_CHECK_EQ_INT(feed_str(&r, line), TT_RLINE_BAD_FIELD);
	memcpy(p, "\"fallback_oX\":null", 18);
	TT_CHECK_EQ_INT(feed_str(&r, line), TT_RLINE_EVENT);
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	TT_CHECK_EQ_U64(tt_report_group_at(&r, 0)->st.fallbacks, 0);
out:
	tt_report_free(&r);
}
