// SPDX-License-Identifier: MIT
/*
 * The honest ratios, the unknown-cost mark, the CI thresholds and the
 * environment_source key of user/report (docs/report.md#honest-ratios),
 * on a hand-built ledger whose every number is worked out by hand in the
 * comments.
 */
#include "report_harness.h"

/*
 * Group "web" (allocated), 11 calls:
 *   4 priced successes        0.10 + 0.20 + 0.30 + 0.40 = 1.00
 *   1 priced cut stream       incomplete, partial usage, 0.50
 *   2 rate-limited            no usage (usage_status none): unbilled, 0
 *   3 unpriced successes      unknown_model, usage reported: unknown
 *   1 cut stream, no usage    incomplete, usage_status none: unknown
 * cost 1.50; known 5 + 2 = 7; unknown 4 (4/11 = 36.4%, marked);
 * cost/call 1.50 / 7; cost/ok 1.50 / 4 (the 3 unpriced successes are
 * left out of the denominator as their cost is out of the numerator).
 * The old ratios would have been 1.50 / 11 and 1.50 / 7.
 *
 * Group "unallocated": 1 priced success 0.60, 1 dark connection.
 * Totals: cost 2.10, allocated 1.50, unallocated share 0.60 / 2.10;
 * calls 12, unknown 4 (1/3); dark 1 / (12 + 1).
 */
static void feed_hand_ledger(struct tt_report *r)
{
	static const double ok_amounts[] = { 0.10, 0.20, 0.30, 0.40 };
	struct ev e;

	for (int i = 0; i < 4; i++) {
		e = base();
		e.owner = "web";
		e.amount = ok_amounts[i];
		feed_ev(r, &e);
	}
	e = base();
	e.owner = "web";
	e.outcome = "incomplete";
	e.usage_status = "partial";
	e.amount = 0.50;
	feed_ev(r, &e);
	for (int i = 0; i < 2; i++) {
		e = base();
		e.owner = "web";
		e.outcome = "rate_limited";
		e.priced = 0;
		e.reason = "no_usage";
		e.in = e.out = e.cache_read = -1;
		feed_ev(r, &e);
	}
	for (int i = 0; i < 3; i++) {
		e = base();
		e.owner = "web";
		e.priced = 0;
		e.reason = "unknown_model";
		feed_ev(r, &e);
	}
	e = base();
	e.owner = "web";
	e.outcome = "incomplete";
	e.priced = 0;
	e.reason = "no_usage";
	e.in = e.out = e.cache_read = -1;
	feed_ev(r, &e);
	e = base();
	e.status = "unallocated";
	e.amount = 0.60;
	feed_ev(r, &e);
	e = dark_ev(100, 200);
	e.status = "unallocated";
	feed_ev(r, &e);
}

TT_TEST(ratios_over_known_cost)
{
	struct tt_report r;
	const struct tt_report_group *g;
	struct tt_report_derived d;

	init_keys(&r, "owner");
	feed_hand_ledger(&r);
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	g = group_named(&r, "web");
	TT_CHECK(g != NULL);
	if (!g)
		goto out;
	TT_CHECK_EQ_U64(g->st.calls, 11);
	TT_CHECK_EQ_U64(g->st.successes, 7);
	TT_CHECK_EQ_U64(g->st.priced, 5);
	TT_CHECK_EQ_U64(g->st.unpriced, 6);
	TT_CHECK_EQ_U64(g->st.unbilled_errors, 2);
	TT_CHECK_EQ_U64(g->st.priced_successes, 4);
	tt_report_derive(&g->st, &d);
	TT_CHECK(fabs(d.cost - 1.5) < 1e-15);
	TT_CHECK_EQ_U64(d.known_calls, 7);
	TT_CHECK_EQ_U64(d.unknown_calls, 4);
	CHECK_DBL(d.unknown_share, 4.0 / 11.0);
	CHECK_DBL(d.cost_per_call, d.cost / 7);
	CHECK_DBL(d.cost_per_success, d.cost / 4);
	TT_CHECK(fabs(d.cost_per_call - 0.2142857142857143) < 1e-15);
	TT_CHECK(fabs(d.cost_per_success - 0.375) < 1e-15);
	g = group_named(&r, "unallocated");
	TT_CHECK(g != NULL);
	if (!g)
		goto out;
	tt_report_derive(&g->st, &d);
	TT_CHECK_EQ_U64(g->st.calls, 1);
	TT_CHECK_EQ_U64(g->st.dark, 1);
	CHECK_DBL(d.unknown_share, 0);
	CHECK_DBL(d.cost_per_success, 0.6);
	tt_report_derive(&r.totals[0].st, &d);
	TT_CHECK_EQ_U64(d.known_calls, 8);
	TT_CHECK(fabs(d.cost_per_call - 2.1 / 8) < 1e-15);
	TT_CHECK(fabs(d.cost_per_success - 2.1 / 5) < 1e-15);
out:
	tt_report_free(&r);
}

/* The mark and the policy reach every writer. */
TT_TEST(mark_and_policy_in_writers)
{
	static struct text t;
	struct tt_report r;
	cJSON *summary = NULL, *group;
	const char *last;

	init_keys(&r, "owner");
	feed_hand_ledger(&r);
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	t.len = 0;
	TT_CHECK_EQ_INT(tt_report_write_table(&r, to_text, &t), 0);
	TT_CHECK(strstr(t.buf, "36.4%!") != NULL);   /* web, marked */
	TT_CHECK(strstr(t.buf, "  0.0%  ") != NULL); /* unallocated */
	TT_CHECK(strstr(t.buf, "ratios: cost/call = cost / calls of known "
				"cost") != NULL);
	TT_CHECK(strstr(t.buf, "'!' above 5.0%") != NULL);
	TT_CHECK(strstr(t.buf, "threshold") == NULL); /* none set */

	t.len = 0;
	TT_CHECK_EQ_INT(tt_report_write_json(&r, to_text, &t), 0);
	group = cJSON_Parse(t.buf); /* the first line: web */
	TT_CHECK(cJSON_IsTrue(cJSON_GetObjectItem(group,
						  "unknown_cost_marked")));
	TT_CHECK_EQ_INT(cJSON_GetObjectItem(group, "known_cost_calls")
			->valueint, 7);
	TT_CHECK_EQ_INT(cJSON_GetObjectItem(group, "unbilled_error_calls")
			->valueint, 2);
	cJSON_Delete(group);
	last = t.buf + t.len - 2;
	while (last > t.buf && last[-1] != '\n')
		last--;
	summary = cJSON_Parse(last);
	TT_CHECK(cJSON_GetObjectItem(summary, "ratio_policy") != NULL);
	TT_CHECK_EQ_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(summary,
			"ratio_policy"), "cost_per_call")->valuestring,
			"cost / known_cost_calls");
	TT_CHECK(cJSON_IsFalse(cJSON_GetObjectItem(summary,
						   "thresholds_exceeded")));
	cJSON_Delete(summary);

	t.len = 0;
	TT_CHECK_EQ_INT(tt_report_write_csv(&r, to_text, &t), 0);
	TT_CHECK_EQ_STR(csv_get(t.buf, 1, "unknown_cost_marked"), "true");
	TT_CHECK_EQ_STR(csv_get(t.buf, 1, "unknown_cost_calls"), "4");
	tt_report_free(&r);
}

static void init_limits(struct tt_report *r, double unalloc, double unpriced,
			double dark)
{
	struct tt_report_opts o = { 0 };

	if (tt_report_parse_keys("owner", &o, NULL))
		abort();
	o.has_fail_unallocated = o.has_fail_unpriced = o.has_fail_dark = 1;
	o.fail_unallocated = unalloc;
	o.fail_unpriced = unpriced;
	o.fail_dark = dark;
	if (tt_report_init(r, &o))
		abort();
	feed_hand_ledger(r);
	if (tt_report_finish(r))
		abort();
}

TT_TEST(thresholds)
{
	struct tt_report_check c[TT_REPORT_CHECKS_MAX];
	static struct text t;
	struct tt_report r;
	size_t n;

	/* Shares: unallocated 0.6 / 2.1 = 28.57%, unknown 4 / 12 = 33.3%,
	 * dark 1 / 13 = 7.69%. Just above each: none fails. */
	init_limits(&r, 0.2858, 0.3334, 0.077);
	TT_CHECK_EQ_INT(tt_report_checks(&r, c, TT_REPORT_CHECKS_MAX, &n), 0);
	TT_CHECK_EQ_INT(n, 3);
	TT_CHECK_EQ_INT(c[0].kind, TT_RCHECK_UNALLOCATED);
	TT_CHECK_EQ_STR(c[0].currency, "USD");
	TT_CHECK(fabs(c[0].share - 0.6 / 2.1) < 1e-12);
	CHECK_DBL(c[1].share, 4.0 / 12.0);
	CHECK_DBL(c[2].share, 1.0 / 13.0);
	tt_report_free(&r);
	/* At the share exactly: "above" is not met. */
	init_limits(&r, 1, 4.0 / 12.0, 1.0 / 13.0);
	TT_CHECK_EQ_INT(tt_report_checks(&r, c, TT_REPORT_CHECKS_MAX, &n), 0);
	tt_report_free(&r);
	/* Just below each: all three fail, and say so. */
	init_limits(&r, 0.2856, 0.3333, 0.0769);
	TT_CHECK_EQ_INT(tt_report_checks(&r, c, TT_REPORT_CHECKS_MAX, &n), 3);
	t.len = 0;
	TT_CHECK_EQ_INT(tt_report_write_checks(&r, to_text, &t), 0);
	TT_CHECK(strstr(t.buf, "threshold FAILED: unallocated_cost_share "
				"(USD) 28.57% > --fail-unallocated-above "
				"28.56%\n") != NULL);
	TT_CHECK(strstr(t.buf, "threshold FAILED: unknown_cost_share 33.33% "
				"> --fail-unpriced-above 33.33%\n") != NULL);
	TT_CHECK(strstr(t.buf, "threshold FAILED: dark_share 7.69% > "
				"--fail-dark-above 7.69%\n") != NULL);
	tt_report_free(&r);
}

/* No cost at all: the unallocated share is undefined, never exceeded. */
TT_TEST(threshold_undefined)
{
	struct tt_report_check c[4];
	struct tt_report_opts o = { 0 };
	struct tt_report r;
	struct ev e = base();
	size_t n;

	TT_CHECK_EQ_INT(tt_report_parse_keys("owner", &o, NULL), 0);
	o.has_fail_unallocated = 1;
	TT_CHECK_EQ_INT(tt_report_init(&r, &o), 0);
	e.status = "unallocated";
	e.priced = 0;
	e.reason = "unknown_model";
	feed_ev(&r, &e);
	TT_CHECK_EQ_INT(tt_report_checks(&r, c, 4, &n), -EINVAL);
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	TT_CHECK_EQ_INT(tt_report_checks(&r, c, 4, &n), 0);
	TT_CHECK_EQ_INT(n, 1);
	TT_CHECK(isnan(c[0].share));
	TT_CHECK_EQ_INT(c[0].exceeded, 0);
	tt_report_free(&r);
}

TT_TEST(parse_percent)
{
	double v = -1;

	TT_CHECK_EQ_INT(tt_report_parse_percent("2%", &v), 0);
	CHECK_DBL(v, 0.02);
	TT_CHECK_EQ_INT(tt_report_parse_percent("0.5", &v), 0);
	CHECK_DBL(v, 0.005);
	TT_CHECK_EQ_INT(tt_report_parse_percent("100%", &v), 0);
	CHECK_DBL(v, 1);
	TT_CHECK_EQ_INT(tt_report_parse_percent("0", &v), 0);
	CHECK_DBL(v, 0);
	TT_CHECK_EQ_INT(tt_report_parse_percent("101%", &v), -EINVAL);
	TT_CHECK_EQ_INT(tt_report_parse_percent("-1%", &v), -EINVAL);
	TT_CHECK_EQ_INT(tt_report_parse_percent("2%%", &v), -EINVAL);
	TT_CHECK_EQ_INT(tt_report_parse_percent("nan", &v), -EINVAL);
	TT_CHECK_EQ_INT(tt_report_parse_percent("", &v), -EINVAL);
	TT_CHECK_EQ_INT(tt_report_parse_percent(" 2", &v), -EINVAL);
	TT_CHECK_EQ_INT(tt_report_parse_percent("2 %", &v), -EINVAL);
}

/* Calls booked to an environment only from a key or a header can be told
 * apart from those whose workload said it. */
TT_TEST(environment_source_key)
{
	static const char *const sources[] = { "rule", "key", "header", NULL,
					       "key" };
	struct tt_report r;
	struct ev e = base();
	const struct tt_report_group *g;

	init_keys(&r, "environment_source");
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		e.env_source = sources[i];
		e.amount = 0.125 * (double)(i + 1);
		TT_CHECK_EQ_INT(feed_ev(&r, &e), TT_RLINE_EVENT);
	}
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	TT_CHECK_EQ_INT(r.ngroups, 4);
	g = tt_report_group_at(&r, 0);  /* key: 0.25 + 0.625 */
	TT_CHECK_EQ_STR(g->val[0], "key");
	TT_CHECK_EQ_U64(g->st.calls, 2);
	g = tt_report_group_at(&r, 1);  /* null: 0.5 */
	TT_CHECK_EQ_STR(g->val[0], NULL);
	g = tt_report_group_at(&r, 2);  /* header: 0.375 */
	TT_CHECK_EQ_STR(g->val[0], "header");
	g = tt_report_group_at(&r, 3);
	TT_CHECK_EQ_STR(g->val[0], "rule");
	tt_report_free(&r);
}
