// SPDX-License-Identifier: MIT
/*
 * Tests for user/report's writers: the table, CSV and JSON lines of a
 * known scorecard, hostile values kept harmless, sink errors, and FOCUS
 * rows at day and month boundaries.
 */
#include "report_harness.h"

TT_TEST(focus_rows_per_day)
{
	struct tt_report r;
	struct ev e = base();
	struct text *t = calloc(1, sizeof(*t));

	init_keys(&r, "owner,provider,model");
	e.ts = "2026-11-30T23:59:59.999999Z";
	e.amount = 0.5;
	e.in = 100, e.out = 20, e.cache_read = 30, e.reasoning = 5;
	feed_ev(&r, &e);
	e.ts = "2026-12-01T00:00:00.000000Z";
	e.amount = 0.25;
	feed_ev(&r, &e);
	e.ts = "2026-12-01T08:00:00.000000Z";
	e.outcome = "rate_limited";
	e.priced = 0;
	e.reason = "no_usage";
	e.in = e.out = e.cache_read = e.reasoning = -1;
	feed_ev(&r, &e);
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	TT_CHECK_EQ_INT(tt_report_write_focus(&r, to_text, t), 0);
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "ChargePeriodStart"),
			"2026-11-30T00:00:00Z");
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "ChargePeriodEnd"),
			"2026-12-01T00:00:00Z");
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "BillingPeriodStart"),
			"2026-11-01T00:00:00Z");
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "BillingPeriodEnd"),
			"2026-12-01T00:00:00Z");
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "BilledCost"), "0");
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "ListCost"), "0.5");
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "EffectiveCost"), "0.5");
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "ConsumedQuantity"), "120");
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "ConsumedUnit"), "Tokens");
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "BillingCurrency"), "USD");
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "ProviderName"), "OpenAI");
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "ServiceCategory"),
			"AI and Machine Learning");
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "ResourceId"), "gpt-4o-2024-08-06");
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "Tags"), "{\"owner\":\"payments\"}");
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "x_CacheReadInputTokens"), "30");
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "x_EstimateSource"),
			"tokentap list_price_snapshot 2025-11-01.1");
	/* The next day, next billing month: one priced call, one 429. */
	TT_CHECK_EQ_STR(csv_get(t->buf, 2, "ChargePeriodStart"),
			"2026-12-01T00:00:00Z");
	TT_CHECK_EQ_STR(csv_get(t->buf, 2, "BillingPeriodEnd"),
			"2027-01-01T00:00:00Z");
	TT_CHECK_EQ_STR(csv_get(t->buf, 2, "ListCost"), "0.25");
	TT_CHECK_EQ_STR(csv_get(t->buf, 2, "x_Calls"), "2");
	TT_CHECK_EQ_STR(csv_get(t->buf, 2, "x_FailedCalls"), "1");
	TT_CHECK_EQ_STR(csv_get(t->buf, 2, "x_UnpricedCalls"), "1");
	TT_CHECK(csv_get(t->buf, 3, "ListCost") == NULL);
	/* FOCUS needs provider and model among the keys. */
	tt_report_free(&r);
	init_keys(&r, "owner");
	feed_ev(&r, &e);
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	TT_CHECK_EQ_INT(tt_report_write_focus(&r, to_text, t), -EINVAL);
	tt_report_free(&r);
	free(t);
}

TT_TEST(focus_publisher_and_tags)
{
	struct tt_report r;
	struct ev e = base();
	struct text *t = calloc(1, sizeof(*t));

	init_keys(&r, "provider,model,team,workload");
	e.provider = "aws.bedrock";
	e.resp_model = "us.anthropic.claude-3-5-haiku-20241022-v1:0";
	feed_ev(&r, &e);
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);
	TT_CHECK_EQ_INT(tt_report_write_focus(&r, to_text, t), 0);
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "ProviderName"), "AWS");
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "InvoiceIssuerName"), "AWS");
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "PublisherName"), "Anthropic");
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "ServiceName"), "Amazon Bedrock");
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "Tags"),
			"{\"team\":\"pay-core\",\"tokentap/workload\":"
			"\"python3.11\"}");
	tt_report_free(&r);
	free(t);
}

TT_TEST(writers)
{
	struct tt_report r;
	struct ev e = base();
	struct text *t = calloc(1, sizeof(*t));
	cJSON *j;
	char *nl;

	init_keys(&r, "owner,model");
	feed_three(&r);
	feed_str(&r, "{\"type\":\"agent_stats\"}");
	/* A hostile model name: a formula and a terminal escape. */
	e.resp_model = "=cmd|'/c calc'!A1\x1b[2J";
	e.amount = 0.0625;
	feed_ev(&r, &e);
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);

	TT_CHECK_EQ_INT(tt_report_write_json(&r, to_text, t), 0);
	nl = strchr(t->buf, '\n');
	*nl = '\0';
	j = cJSON_Parse(t->buf);
	TT_CHECK(j != NULL);
	TT_CHECK_EQ_STR(cJSON_GetObjectItem(j, "record")->valuestring, "group");
	TT_CHECK_EQ_INT(cJSON_GetObjectItem(j, "calls")->valuedouble, 2);
	TT_CHECK_EQ_INT(cJSON_GetObjectItem(j, "first_attempts")->valuedouble, 2);
	CHECK_DBL(cJSON_GetObjectItem(j, "cost")->valuedouble, 0.25);
	CHECK_DBL(cJSON_GetObjectItem(j, "retry_inflation")->valuedouble, 0);
	cJSON_Delete(j);
	/* The last line: the summary with the skipped line. */
	nl = strstr(nl + 1, "{\"record\":\"summary\"");
	TT_CHECK(nl != NULL);
	TT_CHECK(nl && strstr(nl, "\"not_event\":1") != NULL);

	t->len = 0;
	TT_CHECK_EQ_INT(tt_report_write_csv(&r, to_text, t), 0);
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "row_type"), "group");
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "retry_inflation"), "0");
	TT_CHECK_EQ_STR(csv_get(t->buf, 2, "cost_per_successful_call"), "0.125");
	TT_CHECK_EQ_STR(csv_get(t->buf, 2, "retry_inflation"), "");
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "unpriced_no_usage"), "1");
	TT_CHECK_EQ_STR(csv_get(t->buf, 2, "unpriced_no_usage"), "0");
	TT_CHECK_EQ_STR(csv_get(t->buf, 4, "row_type"), "total");
	TT_CHECK_EQ_STR(csv_get(t->buf, 4, "cost"), "0.4375");
	TT_CHECK_EQ_STR(csv_get(t->buf, 4, "retry_inflation"), "0.333333333333");
	TT_CHECK_EQ_STR(csv_get(t->buf, 3, "model"), "'=cmd|'/c calc'!A1?[2J");

	t->len = 0;
	TT_CHECK_EQ_INT(tt_report_write_table(&r, to_text, t), 0);
	/* "unallocated" sets the owner column's width. */
	TT_CHECK(!strncmp(t->buf, "owner        model", 18));
	TT_CHECK(strstr(t->buf, "=cmd|'/c calc'!A1?[2J") != NULL);
	TT_CHECK(strchr(t->buf, '\x1b') == NULL);
	TT_CHECK(strstr(t->buf, "TOTAL") != NULL);
	TT_CHECK(strstr(t->buf, "0.43750000") != NULL);
	TT_CHECK(strstr(t->buf, "1 not_event") != NULL);

	/* A sink error stops the writer and comes back. */
	t->len = 0;
	t->fail_after = 1;
	TT_CHECK_EQ_INT(tt_report_write_csv(&r, to_text, t), -EPIPE);
	tt_report_free(&r);
	/* Not finished: nothing to write. */
	init_keys(&r, "owner");
	TT_CHECK_EQ_INT(tt_report_write_json(&r, to_text, t), -EINVAL);
	tt_report_free(&r);
	free(t);
}

/* Dark connections in every writer: JSON and CSV fields, the table's
 * columns (connections, bytes both ways), and no FOCUS row (no cost). */
TT_TEST(dark_columns_in_writers)
{
	struct tt_report r;
	struct ev e = base(), d1 = dark_ev(1000, 5000), d2 = dark_ev(24, 76);
	struct text *t = calloc(1, sizeof(*t));
	char *nl, *last;
	cJSON *j;

	init_keys(&r, "owner,provider,model");
	feed_ev(&r, &e);
	d1.ts = d2.ts = "2026-11-24T09:00:00.000000Z";
	feed_ev(&r, &d1);
	feed_ev(&r, &d2);
	TT_CHECK_EQ_INT(tt_report_finish(&r), 0);

	TT_CHECK_EQ_INT(tt_report_write_json(&r, to_text, t), 0);
	nl = strchr(t->buf, '\n');
	nl = nl ? strchr(nl + 1, '\n') : NULL; /* the second group: the dark one */
	TT_CHECK(nl != NULL);
	if (nl) {
		*nl = '\0';
		j = cJSON_Parse(strchr(t->buf, '\n') + 1);
		TT_CHECK(j != NULL);
		TT_CHECK(cJSON_IsNull(cJSON_GetObjectItem(
			cJSON_GetObjectItem(j, "key"), "model")));
		TT_CHECK_EQ_INT(cJSON_GetObjectItem(j, "calls")->valuedouble, 0);
		TT_CHECK_EQ_INT(cJSON_GetObjectItem(j, "dark_connections")->valuedouble, 2);
		TT_CHECK_EQ_INT(cJSON_GetObjectItem(j, "dark_bytes_sent")->valuedouble, 1024);
		TT_CHECK_EQ_INT(cJSON_GetObjectItem(j, "dark_bytes_received")->valuedouble,
				5076);
		cJSON_Delete(j);
	}

	t->len = 0;
	TT_CHECK_EQ_INT(tt_report_write_csv(&r, to_text, t), 0);
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "dark_connections"), "0");
	TT_CHECK_EQ_STR(csv_get(t->buf, 2, "dark_connections"), "2");
	TT_CHECK_EQ_STR(csv_get(t->buf, 3, "row_type"), "total");
	TT_CHECK_EQ_STR(csv_get(t->buf, 3, "dark_bytes_received"), "5076");

	t->len = 0;
	TT_CHECK_EQ_INT(tt_report_write_table(&r, to_text, t), 0);
	TT_CHECK(strstr(t->buf, "env_mismatch  dark_conns  dark_bytes\n") != NULL);
	last = strstr(t->buf, "TOTAL");
	nl = last ? strchr(last, '\n') : NULL;
	/* Right-aligned under their heads: 2 connections, 6100 bytes. */
	TT_CHECK(nl && nl - last > 22 &&
		 !strncmp(nl - 22, "         2        6100", 22));

	t->len = 0;
	TT_CHECK_EQ_INT(tt_report_write_focus(&r, to_text, t), 0);
	TT_CHECK(csv_get(t->buf, 1, "x_Calls") != NULL);
	TT_CHECK_EQ_STR(csv_get(t->buf, 1, "x_Calls"), "1");
	TT_CHECK(csv_get(t->buf, 2, "x_Calls") == NULL);
	tt_report_free(&r);
	free(t);
}
