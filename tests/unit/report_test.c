// SPDX-License-Identifier: MIT
/*
 * Tests for user/report's aggregation: the scorecard from hand-written
 * ledger lines, every derived number checked exactly, grouping and its
 * caps, bad lines by class, currencies, versions and the time window.
 */
#include "report_harness.h"

TT_TEST(derived_numbers)
{
	struct tt_report r;
	const struct tt_report_group *g;
	struct tt_report_derived d;
	char t[32];

	init_keys(&r, "provider");
	feed_three(&r);
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	TT_CHECK_EQ_INT(r.ngroups, 1);
	g = tt_report_group_at(&r, 0);
	TT_CHECK(g != NULL);
	if (!g)
		goto out;
	TT_CHECK_EQ_STR(g->val[0], "openai");
	TT_CHECK_EQ_STR(g->currency, "USD");
	TT_CHECK_EQ_U64(g->st.calls, 3);
	TT_CHECK_EQ_U64(g->st.successes, 2);
	TT_CHECK_EQ_U64(g->st.failures, 1);
	TT_CHECK_EQ_U64(g->st.retries, 1);
	TT_CHECK_EQ_U64(g->st.attempt_known, 3);
	TT_CHECK_EQ_U64(g->st.priced, 2);
	TT_CHECK_EQ_U64(g->st.unpriced, 1);
	TT_CHECK_EQ_U64(g->st.unpriced_by[TT_RREASON_NO_USAGE], 1);
	TT_CHECK_EQ_U64(g->st.unpriced_by[TT_RREASON_UNKNOWN_MODEL], 0);
	TT_CHECK_EQ_U64(g->st.allocated, 2);
	TT_CHECK_EQ_U64(g->st.mismatches, 1);
	TT_CHECK_EQ_U64(g->st.tokens[TT_RTOK_INPUT], 1500);
	TT_CHECK_EQ_U64(g->st.tokens[TT_RTOK_OUTPUT], 150);
	TT_CHECK_EQ_U64(g->st.tokens[TT_RTOK_CACHE_READ], 200);
	TT_CHECK_EQ_U64(g->st.tokens[TT_RTOK_CACHE_WRITE], 30);
	TT_CHECK_EQ_U64(g->st.tokens[TT_RTOK_REASONING], 40);
	CHECK_DBL(tt_report_sum_value(&g->st.failed_cost), 0);
	CHECK_DBL(tt_report_sum_value(&g->st.allocated_cost), 0.25);
	tt_report_derive(&g->st, &d);
	CHECK_DBL(d.cost, 0.375);
	CHECK_DBL(d.cost_per_call, 0.125);         /* 0.375 / 3 */
	CHECK_DBL(d.cost_per_success, 0.1875);     /* 0.375 / 2 */
	CHECK_DBL(d.retry_inflation, 0.5);         /* 1 retry / 2 first */
	CHECK_DBL(d.alloc_cost_coverage, 0.25 / 0.375);
	CHECK_DBL(d.alloc_call_coverage, 2.0 / 3.0);
	tt_report_format_time(g->st.first_us, t);
	TT_CHECK_EQ_STR(t, "2026-11-23T10:00:00.000000Z");
	tt_report_format_time(g->st.last_us, t);
	TT_CHECK_EQ_STR(t, "2026-11-23T10:00:03.250000Z");
	TT_CHECK_EQ_STR(tt_report_version(&r, g->st.version), "2025-11-01.1");
	TT_CHECK_EQ_INT(r.ntotals, 1);
	TT_CHECK_EQ_U64(r.totals[0].st.calls, 3);
	CHECK_DBL(tt_report_sum_value(&r.totals[0].st.cost), 0.375);
	TT_CHECK_EQ_U64(r.lines[TT_RLINE_EVENT], 3);
	TT_CHECK_EQ_U64(r.lines_total, 3);
out:
	tt_report_free(&r);
}

TT_TEST(failed_cost_and_undefined_ratios)
{
	struct tt_report r;
	struct tt_report_derived d;
	struct ev e = base();
	const struct tt_report_group *g;

	init_keys(&r, "owner");
	/* A stream cut short still used tokens: a failed call with a cost. */
	e.outcome = "incomplete";
	e.amount = 0.5;
	e.attempt = -1;
	feed_ev(&r, &e);
	e.outcome = "server_error";
	e.priced = 0;
	e.reason = "unknown_model";
	feed_ev(&r, &e);
	e.reason = "missing_rate:cache_write_1h";
	feed_ev(&r, &e);
	e.reason = "something_new";
	feed_ev(&r, &e);
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	g = tt_report_group_at(&r, 0);
	TT_CHECK_EQ_U64(g->st.failures, 4);
	TT_CHECK_EQ_U64(g->st.successes, 0);
	TT_CHECK_EQ_U64(g->st.attempt_known, 0);
	TT_CHECK_EQ_U64(g->st.unpriced_by[TT_RREASON_UNKNOWN_MODEL], 1);
	TT_CHECK_EQ_U64(g->st.unpriced_by[TT_RREASON_MISSING_CACHE_WRITE_1H], 1);
	TT_CHECK_EQ_U64(g->st.unpriced_by[TT_RREASON_OTHER], 1);
	CHECK_DBL(tt_report_sum_value(&g->st.failed_cost), 0.5);
	tt_report_derive(&g->st, &d);
	/* The three unpriced calls reported usage: of unknown cost, in
	 * neither part of the ratio (docs/report.md#honest-ratios). */
	TT_CHECK_EQ_U64(d.known_calls, 1);
	CHECK_DBL(d.cost_per_call, 0.5);
	TT_CHECK(isnan(d.cost_per_success)); /* no success */
	TT_CHECK(isnan(d.retry_inflation));  /* no attempt known */
	CHECK_DBL(d.alloc_cost_coverage, 1);
	tt_report_free(&r);
}

TT_TEST(grouping_and_order)
{
	struct tt_report r;
	struct ev e = base();
	const struct tt_report_group *g;

	init_keys(&r, "owner,model");
	e.amount = 0.125;
	feed_ev(&r, &e);                   /* payments / gpt-4o-2024-08-06 */
	e.resp_model = NULL;               /* falls back to request_model */
	e.amount = 1;
	feed_ev(&r, &e);                   /* payments / gpt-4o */
	feed_ev(&r, &e);
	e.owner = "search";
	e.amount = 0.125;
	feed_ev(&r, &e);                   /* search / gpt-4o: ties on cost */
	e.req_model = NULL;
	e.amount = 0.125;
	feed_ev(&r, &e);                   /* search / null model */
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	TT_CHECK_EQ_INT(r.ngroups, 4);
	g = tt_report_group_at(&r, 0);
	TT_CHECK_EQ_STR(g->val[0], "payments");
	TT_CHECK_EQ_STR(g->val[1], "gpt-4o");
	TT_CHECK_EQ_U64(g->st.calls, 2);
	/* Equal cost: by key, owner first, a null value before any. */
	g = tt_report_group_at(&r, 1);
	TT_CHECK_EQ_STR(g->val[1], "gpt-4o-2024-08-06");
	g = tt_report_group_at(&r, 2);
	TT_CHECK_EQ_STR(g->val[0], "search");
	TT_CHECK_EQ_STR(g->val[1], NULL);
	g = tt_report_group_at(&r, 3);
	TT_CHECK_EQ_STR(g->val[1], "gpt-4o");
	TT_CHECK(tt_report_group_at(&r, 4) == NULL);
	tt_report_free(&r);
}

TT_TEST(workload_and_other_keys)
{
	static const struct {
		const char *container, *ns, *pod, *unit, *exe, *want;
	} cases[] = {
		{ "web-1", "shop", "checkout", "x.scope", "/bin/a", "web-1" },
		{ NULL, "shop", "checkout", "x.scope", "/bin/a", "shop/checkout" },
		{ NULL, NULL, "checkout", "x.scope", "/bin/a", "-/checkout" },
		{ NULL, NULL, NULL, "cron.service", "/bin/a", "cron.service" },
		{ NULL, NULL, NULL, NULL, "/usr/bin/node", "node" },
		{ NULL, NULL, NULL, NULL, NULL, "python3" },    /* comm */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tt_report r;
		struct ev e = base();
		const struct tt_report_group *g;

		tt_case("%zu", i);
		init_keys(&r, "workload,api_key,allocation_status,operation,"
			  "team,cost_center,application,environment,provider");
		e.container = cases[i].container;
		e.pod_ns = cases[i].ns;
		e.pod_name = cases[i].pod;
		e.unit = cases[i].unit;
		e.exe = cases[i].exe;
		feed_ev(&r, &e);
		TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
		g = tt_report_group_at(&r, 0);
		TT_CHECK_EQ_STR(g->val[0], cases[i].want);
		TT_CHECK_EQ_STR(g->val[1], "k_0123456789abcdef");
		TT_CHECK_EQ_STR(g->val[2], "allocated");
		TT_CHECK_EQ_STR(g->val[3], "chat");
		TT_CHECK_EQ_STR(g->val[4], "pay-core");
		TT_CHECK_EQ_STR(g->val[5], "CC-100");
		TT_CHECK_EQ_STR(g->val[6], "checkout");
		TT_CHECK_EQ_STR(g->val[7], "production");
		TT_CHECK_EQ_STR(g->val[8], "openai");
		tt_report_free(&r);
	}
}

TT_TEST(key_list)
{
	struct tt_report_opts o;
	struct tt_report r;
	size_t bad = 99;

	TT_CHECK_EQ_INT(tt_report_parse_keys("owner,environment,model", &o,
					     &bad), 0);
	TT_CHECK_EQ_INT(o.nkeys, 3);
	TT_CHECK_EQ_INT(o.keys[2], TT_RKEY_MODEL);
	TT_CHECK_EQ_INT(tt_report_parse_keys("owner,owner", &o, &bad), -EINVAL);
	TT_CHECK_EQ_INT(bad, 6);
	TT_CHECK_EQ_INT(tt_report_parse_keys("owner,bogus", &o, &bad), -EINVAL);
	TT_CHECK_EQ_INT(bad, 6);
	TT_CHECK_EQ_INT(tt_report_parse_keys("", &o, &bad), -EINVAL);
	TT_CHECK_EQ_INT(tt_report_parse_keys("owner,", &o, &bad), -EINVAL);
	TT_CHECK_EQ_INT(tt_report_parse_keys("Owner", &o, &bad), -EINVAL);
	o.nkeys = 0;
	TT_CHECK_EQ_INT(tt_report_init(&r, &o), -EINVAL);
	o.nkeys = 2;
	o.keys[0] = o.keys[1] = TT_RKEY_TEAM;
	TT_CHECK_EQ_INT(tt_report_init(&r, &o), -EINVAL);
}

TT_TEST(group_cap_goes_to_other)
{
	struct tt_report_opts o = { .nkeys = 1, .keys = { TT_RKEY_OWNER },
				    .max_groups = 3 };
	static const char *const owners[] = { "a", "b", "c", "d", "e", "a" };
	struct tt_report r;
	struct ev e = base();
	const struct tt_report_group *g;

	TT_CHECK_EQ_INT(tt_report_init(&r, &o), 0);
	for (size_t i = 0; i < 6; i++) {
		e.owner = owners[i];
		e.amount = i < 3 ? 1 : 0.25;
		TT_CHECK_EQ_INT(feed_ev(&r, &e), TT_RLINE_EVENT);
	}
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	TT_CHECK_EQ_INT(r.ngroups, 4);
	TT_CHECK_EQ_U64(r.other_group_cap, 2);
	/* a: 1 + 0.25 first; then b, c; (other) holds d and e. */
	g = tt_report_group_at(&r, 0);
	TT_CHECK_EQ_STR(g->val[0], "a");
	TT_CHECK_EQ_U64(g->st.calls, 2);
	g = tt_report_group_at(&r, 3);
	TT_CHECK_EQ_INT(g->other, 1);
	TT_CHECK_EQ_STR(g->val[0], "(other)");
	TT_CHECK_EQ_U64(g->st.calls, 2);
	CHECK_DBL(tt_report_sum_value(&g->st.cost), 0.5);
	TT_CHECK_EQ_U64(r.totals[0].st.calls, 6);
	CHECK_DBL(tt_report_sum_value(&r.totals[0].st.cost), 3.75);
	tt_report_free(&r);
}

TT_TEST(group_cap_default_10000)
{
	struct tt_report r;
	struct ev e = base();
	char owner[32];
	const struct tt_report_group *g;

	init_keys(&r, "owner");
	e.amount = 0.125;
	for (int i = 0; i < TT_REPORT_GROUPS_MAX + 5; i++) {
		snprintf(owner, sizeof(owner), "team-%05d", i);
		e.owner = owner;
		feed_ev(&r, &e);
	}
	/* A real owner that a real "(other)" value must not join. */
	e.owner = "(other)";
	feed_ev(&r, &e);
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	TT_CHECK_EQ_INT(r.ngroups, TT_REPORT_GROUPS_MAX + 1);
	TT_CHECK_EQ_U64(r.other_group_cap, 6);
	TT_CHECK_EQ_U64(r.lines[TT_RLINE_EVENT], TT_REPORT_GROUPS_MAX + 6);
	g = tt_report_group_at(&r, 0);
	TT_CHECK_EQ_INT(g->other, 1);
	TT_CHECK_EQ_U64(g->st.calls, 6);
	TT_CHECK_EQ_U64(r.totals[0].st.calls, TT_REPORT_GROUPS_MAX + 6);
	tt_report_free(&r);
}

TT_TEST(cell_cap_goes_to_other)
{
	struct tt_report_opts o = { .nkeys = 1, .keys = { TT_RKEY_OWNER },
				    .max_cells = 2 };
	struct tt_report r;
	struct ev e = base();

	TT_CHECK_EQ_INT(tt_report_init(&r, &o), 0);
	e.ts = "2026-11-01T00:00:00.000000Z";
	feed_ev(&r, &e);
	e.ts = "2026-11-02T00:00:00.000000Z";
	feed_ev(&r, &e);
	e.ts = "2026-11-02T12:00:00.000000Z"; /* same cell */
	feed_ev(&r, &e);
	e.ts = "2026-11-03T00:00:00.000000Z"; /* a third day: (other) */
	feed_ev(&r, &e);
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	TT_CHECK_EQ_U64(r.other_cell_cap, 1);
	TT_CHECK_EQ_INT(r.ngroups, 2);
	TT_CHECK_EQ_INT(r.ncells, 3);
	TT_CHECK_EQ_U64(tt_report_group_at(&r, 0)->st.calls, 3);
	TT_CHECK_EQ_INT(tt_report_group_at(&r, 1)->other, 1);
	TT_CHECK_EQ_U64(tt_report_group_at(&r, 1)->st.calls, 1);
	tt_report_free(&r);
}

TT_TEST(bad_lines_classified)
{
	static const struct {
		const char *line;
		enum tt_report_line cls;
	} cases[] = {
		{ "", TT_RLINE_BLANK },
		{ "  \t\r\n", TT_RLINE_BLANK },
		{ "garbage", TT_RLINE_NOT_JSON },
		{ "{\"event_type\":", TT_RLINE_NOT_JSON },
		{ "{\"a\":1} trailing", TT_RLINE_NOT_JSON },
		{ "{\"type\":\"agent_stats\",\"allocation\":{}}", TT_RLINE_NOT_EVENT },
		{ "[1,2]", TT_RLINE_NOT_EVENT },
		{ "\"ai_api_cost_allocation\"", TT_RLINE_NOT_EVENT },
		{ "{\"event_type\":\"other\"}", TT_RLINE_NOT_EVENT },
		{ "{\"event_type\":\"ai_api_cost_allocation\",\"event_version\":2}",
		  TT_RLINE_BAD_VERSION },
		{ "{\"event_type\":\"ai_api_cost_allocation\"}", TT_RLINE_BAD_VERSION },
		{ "{\"event_type\":\"ai_api_cost_allocation\",\"event_version\":1}",
		  TT_RLINE_BAD_FIELD },
	};
	struct tt_report r;

	init_keys(&r, "owner");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tt_case("%zu %s", i, cases[i].line);
		TT_CHECK_EQ_INT(feed_str(&r, cases[i].line), cases[i].cls);
	}
	tt_case("counts");
	TT_CHECK_EQ_U64(r.lines[TT_RLINE_BLANK], 2);
	TT_CHECK_EQ_U64(r.lines[TT_RLINE_NOT_JSON], 3);
	TT_CHECK_EQ_U64(r.lines[TT_RLINE_NOT_EVENT], 4);
	TT_CHECK_EQ_U64(r.lines[TT_RLINE_BAD_VERSION], 2);
	TT_CHECK_EQ_U64(r.lines[TT_RLINE_BAD_FIELD], 1);
	TT_CHECK_EQ_U64(r.lines_total, 12);
	TT_CHECK_EQ_INT(r.ngroups, 0);
	tt_report_free(&r);
}

/* Each field of a good event made the wrong type, one at a time. */
TT_TEST(bad_fields)
{
	static const struct {
		const char *from, *to;
	} edits[] = {
		{ "\"attempt\":0", "\"attempt\":-1" },
		{ "\"attempt\":0", "\"attempt\":0.5" },
		{ "\"attempt\":0", "\"attempt\":\"0\"" },
		{ "\"input_tokens\":100", "\"input_tokens\":\"100\"" },
		{ "\"input_tokens\":100", "\"input_tokens\":1e300" },
		{ "\"amount\":0.25", "\"amount\":\"0.25\"" },
		{ "\"amount\":0.25", "\"amount\":-0.25" },
		{ "\"amount\":0.25", "\"amount\":1e13" },
		{ "\"currency\":\"USD\"", "\"currency\":\"usd\"" },
		{ "\"currency\":\"USD\"", "\"currency\":\"USDX\"" },
		{ "\"timestamp_utc\":\"2026-11-23T10:00:00.000000Z\"",
		  "\"timestamp_utc\":\"2026-11-31T10:00:00.000000Z\"" },
		{ "\"timestamp_utc\":\"2026-11-23T10:00:00.000000Z\"",
		  "\"timestamp_utc\":null" },
		{ "\"owner\":\"payments\"", "\"owner\":7" },
		{ "\"owner\":\"payments\",", "" },
		{ "\"status\":\"allocated\"", "\"status\":\"maybe\"" },
		{ "\"mismatch\":false", "\"mismatch\":0" },
		{ "\"outcome\":\"success\"", "\"outcome\":null" },
		{ "\"usage\":{", "\"usage\":null,\"x\":{" },
		{ "\"api_key\":{\"fingerprint\":\"k_0123456789abcdef\"",
		  "\"api_key\":{\"fingerprint\":[]" },
		{ "\"process\":{", "\"process\":null,\"x\":{" },
	};
	struct tt_report r;
	struct ev e = base();
	char line[16384];

	init_keys(&r, "owner");
	line_of(&e);
	TT_CHECK_EQ_INT(feed_str(&r, linebuf), TT_RLINE_EVENT);
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		char *at;
		size_t n;

		tt_case("%zu %s", i, edits[i].to);
		line_of(&e);
		at = strstr(linebuf, edits[i].from);
		TT_CHECK(at != NULL);
		if (!at)
			continue;
		n = (size_t)(at - linebuf);
		memcpy(line, linebuf, n);
		snprintf(line + n, sizeof(line) - n, "%s%s", edits[i].to,
			 at + strlen(edits[i].from));
		TT_CHECK_EQ_INT(feed_str(&r, line), TT_RLINE_BAD_FIELD);
	}
	TT_CHECK_EQ_U64(r.lines[TT_RLINE_EVENT], 1);
	TT_CHECK_EQ_U64(r.lines[TT_RLINE_BAD_FIELD],
			sizeof(edits) / sizeof(edits[0]));
	tt_report_free(&r);
}

TT_TEST(line_endings_and_too_long)
{
	struct tt_report r;
	struct ev e = base();
	char *big;
	size_t n;

	init_keys(&r, "owner");
	n = strlen(line_of(&e));
	memcpy(linebuf + n, "\r\n", 3);
	TT_CHECK_EQ_INT(feed_str(&r, linebuf), TT_RLINE_EVENT);
	/* A line just over the cap: refused by its length alone. */
	big = malloc(TT_REPORT_LINE_MAX + 2);
	memset(big, ' ', TT_REPORT_LINE_MAX + 1);
	memcpy(big, linebuf, n);
	TT_CHECK_EQ_INT(tt_report_feed(&r, big, TT_REPORT_LINE_MAX, NULL), 0);
	TT_CHECK_EQ_U64(r.lines[TT_RLINE_EVENT], 2);
	big[TT_REPORT_LINE_MAX] = 'x';
	TT_CHECK_EQ_INT(tt_report_feed(&r, big, TT_REPORT_LINE_MAX + 1, NULL), 0);
	TT_CHECK_EQ_U64(r.lines[TT_RLINE_TOO_LONG], 1);
	tt_report_too_long(&r);
	TT_CHECK_EQ_U64(r.lines[TT_RLINE_TOO_LONG], 2);
	TT_CHECK_EQ_U64(r.lines_total, 4);
	free(big);
	tt_report_free(&r);
}

TT_TEST(currencies_kept_apart)
{
	struct tt_report r;
	struct ev e = base();
	const struct tt_report_group *g;

	init_keys(&r, "owner");
	e.amount = 0.5;
	feed_ev(&r, &e);
	e.currency = "EUR";
	e.amount = 2;
	feed_ev(&r, &e);
	feed_ev(&r, &e);
	e.owner = "search";
	e.currency = NULL;   /* an agent without a price table */
	e.priced = 0;
	e.reason = "no_price_table";
	e.version = NULL;
	feed_ev(&r, &e);
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	TT_CHECK_EQ_INT(r.ngroups, 3);
	TT_CHECK_EQ_U64(r.mixed_currency_keys, 1);
	g = tt_report_group_at(&r, 0);
	TT_CHECK_EQ_STR(g->currency, "EUR");
	CHECK_DBL(tt_report_sum_value(&g->st.cost), 4);
	g = tt_report_group_at(&r, 1);
	TT_CHECK_EQ_STR(g->currency, "USD");
	CHECK_DBL(tt_report_sum_value(&g->st.cost), 0.5);
	g = tt_report_group_at(&r, 2);
	TT_CHECK_EQ_STR(g->currency, "");
	TT_CHECK_EQ_U64(g->st.unpriced_by[TT_RREASON_NO_PRICE_TABLE], 1);
	TT_CHECK_EQ_INT(g->st.version, TT_REPORT_NO_VERSION);
	/* One total per currency, never a sum across them. */
	TT_CHECK_EQ_INT(r.ntotals, 3);
	TT_CHECK_EQ_STR(r.totals[0].currency, "EUR");
	TT_CHECK_EQ_U64(r.totals[0].st.calls, 2);
	TT_CHECK_EQ_STR(r.totals[1].currency, "USD");
	TT_CHECK_EQ_STR(r.totals[2].currency, "");
	TT_CHECK_EQ_U64(r.totals[2].groups, 1);
	tt_report_free(&r);
}

TT_TEST(pricing_versions)
{
	struct tt_report r;
	struct ev e = base();
	const struct tt_report_group *g;

	init_keys(&r, "owner");
	feed_ev(&r, &e);
	e.version = "2026-01-01.1";
	feed_ev(&r, &e);
	e.owner = "other-team";
	feed_ev(&r, &e);
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	g = tt_report_group_at(&r, 0);
	TT_CHECK_EQ_STR(g->val[0], "payments");
	TT_CHECK_EQ_INT(g->st.version, TT_REPORT_MIXED_VERSION);
	g = tt_report_group_at(&r, 1);
	TT_CHECK_EQ_STR(tt_report_version(&r, g->st.version), "2026-01-01.1");
	tt_report_free(&r);
}

TT_TEST(time_parse_and_window)
{
	static const struct {
		const char *s;
		long long us; /* -1: invalid */
	} cases[] = {
		{ "1970-01-01", 0 },
		{ "2026-11-23", 1795392000000000LL },
		{ "2026-11-23T10:26:06.608489Z", 1795429566608489LL },
		{ "2026-11-23T10:26", 1795429560000000LL },
		{ "2026-11-23 10:26:06", 1795429566000000LL },
		{ "2026-11-23T12:26:06+02:00", 1795429566000000LL },
		{ "2026-11-23T05:26:06-0500", 1795429566000000LL },
		{ "2026-11-23T10:26:06.1234567Z", 1795429566123456LL },
		{ "1969-12-31T23:59:59.5Z", -500000 },
		{ "2024-02-29", 1709164800000000LL },
		{ "2023-02-29", -1 },
		{ "2026-13-01", -1 },
		{ "2026-11-23T24:00", -1 },
		{ "2026-11-23T10", -1 },
		{ "2026-11-23T10:26:06.", -1 },
		{ "2026-11-23Z", -1 },
		{ "26-11-23", -1 },
		{ "0000-01-01T00:00:00+01:00", -1 },
		{ "0000-01-01T00:00:00-01:00", -62167215600000000LL },
		{ "", -1 },
	};
	struct tt_report_opts o = { .nkeys = 1, .keys = { TT_RKEY_OWNER },
				    .has_since = 1, .has_until = 1 };
	struct tt_report r;
	struct ev e = base();
	char t[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t us = 42;
		int ret = tt_report_parse_time(cases[i].s, strlen(cases[i].s),
					       &us);

		tt_case("%s", cases[i].s);
		TT_CHECK_EQ_INT(ret, cases[i].us == -1 ? -EINVAL : 0);
		if (!ret)
			TT_CHECK_EQ_INT(us, cases[i].us);
	}
	tt_case("format");
	tt_report_format_time(-500000, t);
	TT_CHECK_EQ_STR(t, "1969-12-31T23:59:59.500000Z");
	TT_CHECK_EQ_INT(tt_report_day(-1), -1);
	TT_CHECK_EQ_INT(tt_report_day(0), 0);
	TT_CHECK_EQ_INT(tt_report_day(86400000000LL - 1), 0);

	/* since inclusive, until exclusive */
	tt_report_parse_time("2026-11-23T10:00:00Z", 20, &o.since_us);
	tt_report_parse_time("2026-11-23T11:00:00Z", 20, &o.until_us);
	TT_CHECK_EQ_INT(tt_report_init(&r, &o), 0);
	e.ts = "2026-11-23T09:59:59.999999Z";
	TT_CHECK_EQ_INT(feed_ev(&r, &e), TT_RLINE_OUT_OF_RANGE);
	e.ts = "2026-11-23T10:00:00.000000Z";
	TT_CHECK_EQ_INT(feed_ev(&r, &e), TT_RLINE_EVENT);
	e.ts = "2026-11-23T10:59:59.999999Z";
	TT_CHECK_EQ_INT(feed_ev(&r, &e), TT_RLINE_EVENT);
	e.ts = "2026-11-23T11:00:00.000000Z";
	TT_CHECK_EQ_INT(feed_ev(&r, &e), TT_RLINE_OUT_OF_RANGE);
	TT_CHECK_EQ_U64(r.lines[TT_RLINE_OUT_OF_RANGE], 2);
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	TT_CHECK_EQ_U64(tt_report_group_at(&r, 0)->st.calls, 2);
	tt_report_free(&r);
}

TT_TEST(compensated_sum)
{
	struct tt_report r;
	struct ev e = base();

	init_keys(&r, "owner");
	e.amount = 0.1;
	for (int i = 0; i < 10; i++)
		feed_ev(&r, &e);
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	/* A plain loop of += gives 0.9999999999999999. */
	CHECK_DBL(tt_report_sum_value(&tt_report_group_at(&r, 0)->st.cost), 1);
	tt_report_free(&r);
}

TT_TEST(long_values_cut)
{
	struct tt_report r;
	struct ev e = base();
	char owner[1 + 2 * 200 + 1];
	const struct tt_report_group *g;

	init_keys(&r, "owner");
	/* "x" then 2-byte characters: byte 320 is the middle of one, so the
	 * cut goes back to 319. */
	owner[0] = 'x';
	for (int i = 0; i < 200; i++)
		memcpy(owner + 1 + 2 * i, "\xc3\xa9", 2);
	owner[sizeof(owner) - 1] = '\0';
	e.owner = owner;
	feed_ev(&r, &e);
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	g = tt_report_group_at(&r, 0);
	TT_CHECK_EQ_INT(strlen(g->val[0]), TT_REPORT_VALUE_MAX - 1);
	TT_CHECK_EQ_U64(r.values_truncated, 1);
	tt_report_free(&r);
}

/* Dark connections are no calls: their own columns (connections, bytes
 * each way), nothing in the call numbers; totals add them up. */
TT_TEST(dark_connections_own_column)
{
	struct tt_report r;
	struct ev d1 = dark_ev(1000, 5000), d2 = dark_ev(24, 76);
	const struct tt_report_group *g;
	char t[32];

	init_keys(&r, "owner,provider");
	feed_three(&r); /* payments: 2 calls, unallocated: 1 */
	d2.ts = "2026-11-23T11:00:00.000000Z";
	TT_CHECK_EQ_INT(feed_ev(&r, &d1), TT_RLINE_EVENT);
	TT_CHECK_EQ_INT(feed_ev(&r, &d2), TT_RLINE_EVENT);
	d1.owner = "search";
	TT_CHECK_EQ_INT(feed_ev(&r, &d1), TT_RLINE_EVENT);
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	TT_CHECK_EQ_INT(r.ngroups, 3);
	g = tt_report_group_at(&r, 0);
	TT_CHECK_EQ_STR(g->val[0], "payments");
	TT_CHECK_EQ_U64(g->st.calls, 2);
	TT_CHECK_EQ_U64(g->st.failures, 1);
	TT_CHECK_EQ_U64(g->st.unpriced, 1);
	TT_CHECK_EQ_U64(g->st.unpriced_by[TT_RREASON_OTHER], 0);
	TT_CHECK_EQ_U64(g->st.allocated, 2);
	TT_CHECK_EQ_U64(g->st.attempt_known, 2);
	TT_CHECK_EQ_U64(g->st.dark, 2);
	TT_CHECK_EQ_U64(g->st.dark_sent, 1024);
	TT_CHECK_EQ_U64(g->st.dark_received, 5076);
	tt_report_format_time(g->st.last_us, t);
	TT_CHECK_EQ_STR(t, "2026-11-23T11:00:00.000000Z");
	g = tt_report_group_at(&r, 2);
	TT_CHECK_EQ_STR(g->val[0], "search");
	TT_CHECK_EQ_U64(g->st.calls, 0);
	TT_CHECK_EQ_U64(g->st.dark, 1);
	TT_CHECK_EQ_U64(g->st.dark_sent, 1000);
	TT_CHECK_EQ_U64(r.totals[0].st.calls, 3);
	TT_CHECK_EQ_U64(r.totals[0].st.dark, 3);
	TT_CHECK_EQ_U64(r.totals[0].st.dark_sent, 2024);
	TT_CHECK_EQ_U64(r.totals[0].st.dark_received, 10076);
	TT_CHECK_EQ_U64(r.lines[TT_RLINE_EVENT], 6);
	tt_report_free(&r);
}

/* "connection": null or, in ledgers older than it, absent for a call; an
 * object with byte counts for a dark connection; anything else is a bad
 * field. */
TT_TEST(connection_field)
{
	static const char field[] = ",\"connection\":null";
	struct tt_report r;
	struct ev e = base(), d = dark_ev(-5, 2);
	char line[16384], *at;

	init_keys(&r, "owner");
	snprintf(line, sizeof(line), "%s", line_of(&e));
	at = strstr(line, field);
	TT_CHECK(at != NULL);
	if (at)
		memmove(at, at + strlen(field), strlen(at + strlen(field)) + 1);
	TT_CHECK_EQ_INT(feed_str(&r, line), TT_RLINE_EVENT);
	TT_CHECK_EQ_INT(feed_ev(&r, &e), TT_RLINE_EVENT);
	TT_CHECK_EQ_INT(feed_ev(&r, &d), TT_RLINE_BAD_FIELD);
	snprintf(line, sizeof(line), "%s", line_of(&e));
	at = strstr(line, field);
	TT_CHECK(at != NULL);
	if (at)
		memcpy(at, ",\"connection\":true", strlen(field));
	TT_CHECK_EQ_INT(feed_str(&r, line), TT_RLINE_BAD_FIELD);
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	TT_CHECK_EQ_U64(tt_report_group_at(&r, 0)->st.calls, 2);
	TT_CHECK_EQ_U64(tt_report_group_at(&r, 0)->st.dark, 0);
	tt_report_free(&r);
}
