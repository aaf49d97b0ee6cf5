// SPDX-License-Identifier: MIT
/* Tests for user/report/pricecheck.c, ledger_price.c and reprice.c: a
 * ledger checked against a table and priced again with it. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include "report/ledger_price.h"
#include "report/pricecheck.h"
#include "report/report.h"
#include "report/report_impl.h"
#include "tt_test.h"

static const char table_json[] =
	"{\"version\":\"t\",\"currency\":\"USD\",\"source\":\"s\","
	"\"snapshot_date\":\"2026-01-01\",\"models\":["
	"{\"provider\":\"openai\",\"model\":\"gpt-a\",\"per_million\":"
	" {\"input\":1,\"output\":2,\"audio_input\":10}},"
	"{\"provider\":\"openai\",\"model\":\"gpt-b\",\"per_million\":{\"input\":1},"
	" \"effective_from\":\"2027-01-01\"}]}";

/* A ledger event with the fields pricing reads. */
static void line(char *out, size_t cap, const char *provider, const char *req,
		 const char *resp, const char *day, const char *usage)
{
	snprintf(out, cap,
		 "{\"event_type\":\"ai_api_cost_allocation\",\"timestamp_utc\":"
		 "\"%sT10:00:00.000000Z\",\"provider\":\"%s\",\"request_model\":%s%s%s,"
		 "\"response_model\":%s%s%s,\"service_tier\":null,"
		 "\"usage_problem\":null,\"usage\":%s}",
		 day, provider, req ? "\"" : "", req ? req : "null", req ? "\"" : "",
		 resp ? "\"" : "", resp ? resp : "null", resp ? "\"" : "", usage);
}

static int load(struct tt_pricing *t)
{
	char err[256];

	return tt_pricing_parse(table_json, strlen(table_json), t, err, sizeof(err));
}

TT_TEST(lists_the_models_the_table_lacks)
{
	static const char *const rows[][5] = {
		{ "openai", "gpt-a", "gpt-a-2026-01-01", "2026-06-01",
		  "{\"input_tokens\":10,\"output_tokens\":5}" },
		{ "openai", "gpt-x", "gpt-x-1", "2026-06-01",
		  "{\"input_tokens\":10,\"output_tokens\":5}" },
		{ "openai", "gpt-x", "gpt-x-1", "2026-06-02",
		  "{\"input_tokens\":20,\"output_tokens\":null}" },
		{ "groq", "gpt-a", NULL, "2026-06-01", "{\"input_tokens\":1}" },
		/* Priced from a later day only. */
		{ "openai", "gpt-b", NULL, "2026-06-01", "{\"input_tokens\":1}" },
		{ "openai", NULL, NULL, "2026-06-01", "{}" },
	};
	struct tt_pricing t;
	struct tt_pcheck c;
	char buf[1024];

	TT_CHECK_EQ_INT(load(&t), 0);
	tt_pcheck_init(&c, &t);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		line(buf, sizeof(buf), rows[i][0], rows[i][1], rows[i][2],
		     rows[i][3], rows[i][4]);
		TT_CHECK_EQ_INT(tt_pcheck_feed(&c, buf, strlen(buf)), 0);
	}
	TT_CHECK_EQ_INT(tt_pcheck_feed(&c, "{\"record\":\"agent_stats\"}", 24), 0);
	TT_CHECK_EQ_INT(tt_pcheck_feed(&c, "not json", 8), 0);
	TT_CHECK_EQ_U64(c.events, 6);
	TT_CHECK_EQ_U64(c.priced_events, 1);
	TT_CHECK_EQ_U64(c.lacking_events, 4);
	TT_CHECK_EQ_U64(c.no_model, 1);
	TT_CHECK_EQ_U64(c.not_events, 2);
	TT_CHECK_EQ_INT((int)c.n, 3);
	/* By the response model when there is one. */
	TT_CHECK_EQ_STR(c.m[0].model, "gpt-x-1");
	TT_CHECK_EQ_U64(c.m[0].calls, 2);
	TT_CHECK_EQ_U64(c.m[0].input_tokens, 30);
	TT_CHECK_EQ_U64(c.m[0].output_tokens, 5);
	TT_CHECK_EQ_STR(c.m[1].provider, "groq");
	TT_CHECK_EQ_STR(c.m[2].model, "gpt-b");
	TT_CHECK_EQ_INT(c.m[2].later, 1);
	tt_pcheck_free(&c);
	tt_pricing_free(&t);
}

TT_TEST(ledger_events_price_again)
{
	struct tt_price_query q;
	struct tt_usage u;
	struct tt_pricing t;
	char buf[1024];
	cJSON *ev;
	double amount;
	int priced;

	TT_CHECK_EQ_INT(load(&t), 0);
	line(buf, sizeof(buf), "openai", "gpt-a", NULL, "2026-06-01",
	     "{\"input_tokens\":1000,\"output_tokens\":100,"
	     "\"audio_input_tokens\":400,\"cache_read_input_tokens\":null}");
	ev = cJSON_Parse(buf);
	TT_CHECK_EQ_INT(tt_ledger_price_query(ev, &q, &u), 0);
	TT_CHECK_EQ_STR(q.provider, "openai");
	TT_CHECK_EQ_INT(u.audio_input_tokens, 400);
	/* Fields older ledgers lack read as not reported. */
	TT_CHECK_EQ_INT(u.image_input_tokens, -1);
	TT_CHECK_EQ_INT(u.cache_read_input_tokens, -1);
	TT_CHECK(q.time_ns == 1780308000000000000ull);
	tt_rreprice(&t, ev, &priced, &amount);
	TT_CHECK_EQ_INT(priced, 1);
	TT_CHECK(fabs(amount - (600 * 1.0 + 400 * 10.0 + 100 * 2.0) / 1e6) < 1e-15);
	cJSON_Delete(ev);
	/* Not an event pricing can read: unpriced, not an error. */
	ev = cJSON_Parse("{\"usage\":{\"input_tokens\":\"x\"},"
			 "\"timestamp_utc\":\"2026-06-01T00:00:00Z\"}");
	TT_CHECK_EQ_INT(tt_ledger_price_query(ev, &q, &u), -EINVAL);
	tt_rreprice(&t, ev, &priced, &amount);
	TT_CHECK_EQ_INT(priced, 0);
	cJSON_Delete(ev);
	tt_pricing_free(&t);
}
