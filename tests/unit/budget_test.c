// SPDX-License-Identifier: MIT
/* Tests for user/budget/: budget definitions, UTC calendar periods, the
 * spend per period, ledger lines as facts; and their metric families. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "budget/budget.h"
#include "config/config.h"
#include "metrics/budgetmetrics.h"
#include "tt_test.h"

static struct tt_budget_defs defs;
static struct tt_budgets bud;
static struct tt_config cfg;

/* 2026-12-07T10:00:00Z and friends. */
#define DEC07_10H 1796637600LL
#define DEC07 1796601600LL
#define DEC01 1796083200LL
#define JAN01_2027 1798761600LL

static int parse(const char *json, char *err, size_t errlen)
{
	cJSON *root = cJSON_Parse(json);
	int ret;

	if (!root)
		return -999;
	ret = tt_budget_parse(root, "budgets", &defs, err, errlen);
	cJSON_Delete(root);
	return ret;
}

TT_TEST(periods_are_utc_calendar)
{
	TT_CHECK_EQ_INT(tt_budget_period_start(TT_BUDGET_DAY, DEC07_10H) == DEC07, 1);
	TT_CHECK_EQ_INT(tt_budget_period_start(TT_BUDGET_MONTH, DEC07_10H) == DEC01, 1);
	TT_CHECK_EQ_INT(tt_budget_period_end(TT_BUDGET_DAY, DEC07_10H) == DEC07 + 86400, 1);
	/* December into January of the next year. */
	TT_CHECK_EQ_INT(tt_budget_period_end(TT_BUDGET_MONTH, DEC07_10H) == JAN01_2027, 1);
	/* The last second of a day is still that day. */
	TT_CHECK_EQ_INT(tt_budget_period_start(TT_BUDGET_DAY, DEC07 + 86399) == DEC07, 1);
	/* February of a leap year: 2028-02-01 + 29 days = 2028-03-01. */
	TT_CHECK_EQ_INT(tt_budget_period_end(TT_BUDGET_MONTH, 1833062400LL /* 2028-02-02 */) ==
			1835481600LL /* 2028-03-01 */, 1);
}

TT_TEST(parse_good)
{
	char err[256] = "";

	TT_CHECK_EQ_INT(parse("[{\"name\":\"pay-m\",\"owner\":\"payments\",\"period\":\"month\","
			      "\"limit_usd\":500},"
			      "{\"name\":\"prod-d\",\"environment\":\"PROD\",\"period\":\"day\","
			      "\"limit_usd\":0.5}]", err, sizeof(err)), 0);
	TT_CHECK_EQ_STR(err, "");
	TT_CHECK_EQ_U64(defs.n, 2);
	TT_CHECK_EQ_STR(defs.def[0].name, "pay-m");
	TT_CHECK_EQ_INT(defs.def[0].scope, TT_BUDGET_OWNER);
	TT_CHECK_EQ_INT(defs.def[0].period, TT_BUDGET_MONTH);
	TT_CHECK(defs.def[0].limit_usd == 500);
	/* Environments compare as events write them. */
	TT_CHECK_EQ_STR(defs.def[1].value, "production");
	TT_CHECK_EQ_STR(tt_budget_scope_name(defs.def[1].scope), "environment");
}

TT_TEST(parse_errors_name_the_field)
{
	static const struct {
		const char *json, *want;
	} cases[] = {
		{ "{}", "budgets: must be an array" },
		{ "[{\"name\":\"a\",\"period\":\"day\",\"limit_usd\":1}]",
		  "budgets[0]: needs one of owner" },
		{ "[{\"name\":\"a\",\"owner\":\"x\",\"team\":\"y\",\"period\":\"day\",\"limit_usd\":1}]",
		  "not two" },
		{ "[{\"name\":\"a\",\"owner\":\"x\",\"period\":\"week\",\"limit_usd\":1}]",
		  "budgets[0].period" },
		{ "[{\"name\":\"a\",\"owner\":\"x\",\"period\":\"day\",\"limit_usd\":0}]",
		  "budgets[0].limit_usd" },
		{ "[{\"name\":\"a\",\"owner\":\"x\",\"period\":\"day\",\"limit_usd\":\"5\"}]",
		  "budgets[0].limit_usd" },
		{ "[{\"name\":\"a b\",\"owner\":\"x\",\"period\":\"day\",\"limit_usd\":1}]",
		  "budgets[0].name" },
		{ "[{\"name\":\"a\",\"owner\":\"x\",\"period\":\"day\",\"limit_usd\":1},"
		  "{\"name\":\"a\",\"team\":\"y\",\"period\":\"day\",\"limit_usd\":1}]",
		  "budgets[1].name: \"a\" given twice" },
		{ "[{\"name\":\"a\",\"owner\":\"x\",\"period\":\"day\",\"limit_usd\":1,\"limit\":2}]",
		  "limit: unknown key" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[256] = "";

		TT_CHECK_EQ_INT(parse(cases[i].json, err, sizeof(err)), -EINVAL);
		if (!strstr(err, cases[i].want))
			TT_NOTE("case %zu: %s", i, err);
		TT_CHECK(strstr(err, cases[i].want) != NULL);
	}
}

static void setup_two(void)
{
	char err[256];

	TT_CHECK_EQ_INT(parse("[{\"name\":\"pay-m\",\"owner\":\"payments\",\"period\":\"month\","
			      "\"limit_usd\":10},"
			      "{\"name\":\"cc-d\",\"cost_center\":\"CC-1\",\"period\":\"day\","
			      "\"limit_usd\":4}]", err, sizeof(err)), 0);
	tt_budgets_init(&bud, &defs, DEC07_10H);
}

TT_TEST(spend_counts_in_its_period)
{
	struct tt_budget_fact f = { .owner = "payments", .cost_center = "CC-1",
				    .time_s = DEC07_10H, .cost_usd = 1.5 };

	setup_two();
	TT_CHECK_EQ_INT(tt_budgets_add(&bud, &f), 2);
	f.owner = "search"; /* cost center only */
	TT_CHECK_EQ_INT(tt_budgets_add(&bud, &f), 1);
	f.cost_usd = NAN;   /* unpriced: nothing */
	TT_CHECK_EQ_INT(tt_budgets_add(&bud, &f), 0);
	f.cost_usd = 1;
	f.time_s = DEC07 - 10; /* yesterday: the month, not the day */
	f.owner = "payments";
	TT_CHECK_EQ_INT(tt_budgets_add(&bud, &f), 1);
	TT_CHECK(bud.st[0].used_usd == 2.5);
	TT_CHECK(bud.st[1].used_usd == 3.0);
	TT_CHECK(tt_budget_ratio(&bud, 0) == 0.25);
	TT_CHECK(tt_budget_ratio(&bud, 1) == 0.75);
	TT_CHECK_EQ_INT(tt_budgets_earliest_start(&bud) == DEC01, 1);
	/* Midnight UTC resets the day, not the month. */
	tt_budgets_roll(&bud, DEC07 + 86400);
	TT_CHECK(bud.st[0].used_usd == 2.5);
	TT_CHECK(bud.st[1].used_usd == 0);
	TT_CHECK_EQ_INT(bud.st[1].period_start_s == DEC07 + 86400, 1);
	/* A call of a later period rolls first; the new year resets both. */
	f.time_s = JAN01_2027 + 5;
	f.cost_usd = 0.5;
	TT_CHECK_EQ_INT(tt_budgets_add(&bud, &f), 2);
	TT_CHECK(bud.st[0].used_usd == 0.5);
	TT_CHECK_EQ_INT(bud.st[0].period_start_s == JAN01_2027, 1);
}

TT_TEST(reload_keeps_spend_of_the_same_budget)
{
	struct tt_budget_fact f = { .owner = "payments", .cost_center = "CC-1",
				    .time_s = DEC07_10H, .cost_usd = 2 };
	struct tt_budget_defs next;
	char err[256];

	setup_two();
	tt_budgets_add(&bud, &f);
	next = defs;
	next.def[0].limit_usd = 4; /* same budget, new limit */
	snprintf(next.def[1].value, sizeof(next.def[1].value), "CC-2");
	TT_CHECK_EQ_INT(tt_budgets_update_limits(&bud, &next), 2);
	TT_CHECK(bud.defs.def[0].limit_usd == 4);
	TT_CHECK(bud.st[0].used_usd == 2);
	TT_CHECK(tt_budget_ratio(&bud, 0) == 0.5);
	TT_CHECK_EQ_STR(bud.defs.def[1].value, "CC-1"); /* at the next start */
	(void)err;
}

TT_TEST(ledger_line_as_fact)
{
	cJSON *root = cJSON_Parse(
		"{\"event_type\":\"ai_api_cost_allocation\",\"timestamp_utc\":"
		"\"2026-12-07T10:00:00.250000Z\",\"owner\":\"payments\",\"team\":null,"
		"\"cost_center\":\"CC-1\",\"environment\":\"production\","
		"\"cost\":{\"amount\":0.25,\"currency\":\"USD\"}}");
	cJSON *other = cJSON_Parse("{\"type\":\"agent_stats\"}");
	cJSON *eur = cJSON_Parse(
		"{\"event_type\":\"ai_api_cost_allocation\",\"timestamp_utc\":"
		"\"2026-12-07T10:00:00Z\",\"cost\":{\"amount\":1,\"currency\":\"EUR\"}}");
	struct tt_budget_fact f;

	TT_CHECK_EQ_INT(tt_budget_fact_from_json(root, &f), 0);
	TT_CHECK_EQ_STR(f.owner, "payments");
	TT_CHECK(f.team == NULL);
	TT_CHECK_EQ_STR(f.environment, "production");
	TT_CHECK_EQ_INT(f.time_s == DEC07_10H, 1);
	TT_CHECK(f.cost_usd == 0.25);
	TT_CHECK_EQ_INT(tt_budget_fact_from_json(other, &f), -ENOENT);
	/* Not USD: not counted (as tokentap_cost_usd_total). */
	TT_CHECK_EQ_INT(tt_budget_fact_from_json(eur, &f), 0);
	TT_CHECK(isnan(f.cost_usd));
	cJSON_Delete(root);
	cJSON_Delete(other);
	cJSON_Delete(eur);
}

TT_TEST(config_keys)
{
	char err[256] = "";

	tt_config_defaults(&cfg);
	TT_CHECK_EQ_INT(cfg.price_max_age_days, 90);
	TT_CHECK_EQ_INT(tt_config_parse(
		"{\"pricing\":{\"max_snapshot_age_days\":30},\"budgets\":[{\"name\":\"t\","
		"\"team\":\"ml\",\"period\":\"day\",\"limit_usd\":3}]}", &cfg, err,
		sizeof(err)), 0);
	TT_CHECK_EQ_INT(cfg.price_max_age_days, 30);
	TT_CHECK_EQ_U64(cfg.budgets.n, 1);
	tt_config_free(&cfg);
	tt_config_defaults(&cfg);
	TT_CHECK_EQ_INT(tt_config_parse("{\"pricing\":{\"max_snapshot_age_days\":0.5}}",
					&cfg, err, sizeof(err)), -EINVAL);
	TT_CHECK(strstr(err, "pricing.max_snapshot_age_days") != NULL);
	TT_CHECK_EQ_INT(tt_config_parse("{\"budgets\":[{\"name\":\"t\"}]}", &cfg, err,
					sizeof(err)), -EINVAL);
	TT_CHECK(strstr(err, "budgets[0]") != NULL);
	tt_config_free(&cfg);
}

TT_TEST(metric_families)
{
	struct tt_metrics *m = tt_metrics_new(0);
	struct tt_budget_metrics bm;
	struct tt_budget_fact f = { .owner = "payments", .cost_center = "CC-1",
				    .time_s = DEC07_10H, .cost_usd = 5 };
	static char text[1 << 16];

	TT_CHECK(m != NULL);
	TT_CHECK_EQ_INT(tt_budget_metrics_init(&bm, m), 0);
	setup_two();
	tt_budgets_add(&bud, &f);
	tt_budget_metrics_set(&bm, &bud);
	tt_budget_metrics_prices(&bm, (double)DEC01, 90 * 86400.0);
	TT_CHECK(tt_metrics_write(m, text, sizeof(text)) > 0);
	TT_CHECK(strstr(text, "tokentap_budget_used_usd{budget=\"pay-m\",scope=\"owner\","
			      "value=\"payments\",period=\"month\"} 5\n") != NULL);
	TT_CHECK(strstr(text, "tokentap_budget_limit_usd{budget=\"cc-d\",scope=\"cost_center\","
			      "value=\"CC-1\",period=\"day\"} 4\n") != NULL);
	TT_CHECK(strstr(text, "tokentap_budget_used_ratio{budget=\"cc-d\",scope=\"cost_center\","
			      "value=\"CC-1\",period=\"day\"} 1.25\n") != NULL);
	TT_CHECK(strstr(text, "tokentap_budget_period_start_seconds{budget=\"pay-m\","
			      "scope=\"owner\",value=\"payments\",period=\"month\"} 1796083200\n") != NULL);
	TT_CHECK(strstr(text, "tokentap_budget_complete{budget=\"pay-m\",scope=\"owner\","
			      "value=\"payments\",period=\"month\"} 1\n") != NULL);
	TT_CHECK(strstr(text, "tokentap_price_table_snapshot_timestamp_seconds 1796083200\n") != NULL);
	TT_CHECK(strstr(text, "tokentap_price_table_max_age_seconds 7776000\n") != NULL);
	tt_metrics_free(m);
}


