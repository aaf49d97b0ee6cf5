// SPDX-License-Identifier: MIT
/*
 * Tests for user/reconcile: format detection, each export format's
 * reading (numbers, units, skipped rows, errors), the FOCUS CSV reader's
 * quoting, and the variance of a key against a ledger fed through the
 * report core, with the flags at the threshold's edge.
 */
#include "report_harness.h"
#include "reconcile/recon.h"

#define DAY_2025_11_23 20415 /* days since 1970-01-01 */
#define DAY_2026_11_23 20780

static const char openai_usage[] =
	"{\"object\":\"page\",\"has_more\":true,\"data\":[{\"object\":\"bucket\","
	"\"start_time\":1763856000,\"end_time\":1763942400,\"result\":["
	"{\"object\":\"organization.usage.completions.result\","
	"\"input_tokens\":1000,\"output_tokens\":200,\"input_cached_tokens\":"
	"300,\"num_model_requests\":4,\"project_id\":\"proj_a\",\"model\":"
	"\"gpt-4o-2024-08-06\"},"
	"{\"object\":\"organization.usage.completions.result\","
	"\"input_tokens\":-1,\"output_tokens\":2,\"model\":\"bad\"},"
	"{\"object\":\"organization.usage.completions.result\","
	"\"input_tokens\":1,\"output_tokens\":2.5,\"model\":\"bad\"}]}]}";

static const char anthropic_cost[] =
	"{\"has_more\":false,\"next_page\":null,\"data\":[{\"starting_at\":"
	"\"2025-11-23T00:00:00Z\",\"ending_at\":\"2025-11-24T00:00:00Z\","
	"\"results\":[{\"currency\":\"USD\",\"amount\":\"123.45\",\"model\":"
	"\"claude-sonnet-4-5\",\"cost_type\":\"tokens\",\"workspace_id\":null},"
	"{\"currency\":\"USD\",\"amount\":\"50\",\"model\":null,\"cost_type\":"
	"\"web_search\",\"workspace_id\":null},"
	"{\"currency\":\"USD\",\"amount\":\"-3\",\"model\":\"x\"}]}]}";

static const char focus[] =
	"\xef\xbb\xbf" "BilledCost,BillingCurrency,ChargeCategory,ChargeClass,"
	"ChargePeriodStart,ChargePeriodEnd,ConsumedQuantity,ConsumedUnit,"
	"ProviderName,ResourceId,ServiceName,Tags\r\n"
	"0.5,USD,Usage,,2025-11-23T00:00:00Z,2025-11-24T00:00:00Z,1.5,"
	"1K Tokens,Microsoft,/subscriptions/s/accounts/a,Azure OpenAI,"
	"\"{\"\"a\"\":\"\"x, y\"\"}\"\r\n"
	"0.25,USD,Usage,,2025-11-23T00:00:00Z,2025-12-01T00:00:00Z,300,Tokens,"
	"AWS,\"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-"
	"3-5-haiku-20241022-v1:0\",Amazon Bedrock,\"line\nbreak\"\r\n"
	"9,USD,Tax,,2025-11-23,2025-11-24,,,AWS,,Amazon Bedrock,\r\n"
	"9,USD,Usage,,2025-11-23,2025-11-24,3,Hours,AWS,i-1,Amazon EC2,\r\n"
	"9,USD,Usage,Correction,2025-11-23,2025-11-24,3,Tokens,AWS,,"
	"Amazon Bedrock,\r\n"
	"x,USD,Usage,,2025-11-23,2025-11-24,3,Tokens,AWS,,Amazon Bedrock,\r\n"
	"\r\n";

static int add(struct tt_recon *rc, const char *doc, struct tt_recon_file *f)
{
	char err[256];

	return tt_recon_add_export(rc, doc, strlen(doc), f, err, sizeof(err));
}

TT_TEST(detect)
{
	TT_CHECK_EQ_INT(tt_recon_detect(openai_usage, strlen(openai_usage)),
			TT_RECON_OPENAI_USAGE);
	TT_CHECK_EQ_INT(tt_recon_detect(anthropic_cost, strlen(anthropic_cost)),
			TT_RECON_ANTHROPIC_COSTS);
	TT_CHECK_EQ_INT(tt_recon_detect(focus, strlen(focus)), TT_RECON_FOCUS);
	TT_CHECK_EQ_INT(tt_recon_detect("{\"data\":[]}", 11),
			TT_RECON_UNKNOWN);
	TT_CHECK_EQ_INT(tt_recon_detect("a,b\n1,2\n", 8), TT_RECON_UNKNOWN);
	TT_CHECK_EQ_INT(tt_recon_detect("", 0), TT_RECON_UNKNOWN);
}

TT_TEST(openai_usage_rows)
{
	struct tt_recon rc;
	struct tt_recon_opts o = { .threshold = 0.05, .by_project = 1 };
	struct tt_recon_file f;
	const struct tt_recon_entry *e;

	TT_CHECK_EQ_INT(tt_recon_init(&rc, &o), 0);
	TT_CHECK_EQ_INT(add(&rc, openai_usage, &f), 0);
	TT_CHECK_EQ_INT(f.format, TT_RECON_OPENAI_USAGE);
	TT_CHECK_EQ_U64(f.rows, 1);
	TT_CHECK_EQ_U64(f.skipped[TT_RSKIP_BAD_ROW], 2); /* -1, 2.5 */
	TT_CHECK_EQ_INT(f.more_pages, 1);
	TT_CHECK_EQ_INT(tt_recon_finish(&rc), 0);
	e = tt_recon_at(&rc, 0);
	TT_CHECK(e != NULL);
	if (!e)
		goto out;
	TT_CHECK_EQ_INT(e->day, DAY_2025_11_23);
	TT_CHECK_EQ_STR(e->provider, "openai");
	TT_CHECK_EQ_STR(e->model, "gpt-4o-2024-08-06");
	TT_CHECK_EQ_STR(e->project, "proj_a");
	TT_CHECK_EQ_U64(e->exp.input, 1000); /* cached ones included */
	TT_CHECK_EQ_U64(e->exp.output, 200);
	TT_CHECK_EQ_U64(e->exp.requests, 4);
	/* No ledger calls: export only. */
	TT_CHECK_EQ_INT(e->flags, TT_RFLAG_EXPORT_ONLY);
out:
	tt_recon_free(&rc);
}

TT_TEST(anthropic_cost_rows)
{
	struct tt_recon rc;
	struct tt_recon_opts o = { .threshold = 0.05 };
	struct tt_recon_file f;
	const struct tt_recon_entry *e;

	TT_CHECK_EQ_INT(tt_recon_init(&rc, &o), 0);
	TT_CHECK_EQ_INT(add(&rc, anthropic_cost, &f), 0);
	TT_CHECK_EQ_U64(f.rows, 2);
	TT_CHECK_EQ_U64(f.skipped[TT_RSKIP_BAD_ROW], 1); /* "-3" */
	TT_CHECK_EQ_INT(tt_recon_finish(&rc), 0);
	TT_CHECK_EQ_INT(rc.nentries_shown, 2);
	e = tt_recon_at(&rc, 0);
	TT_CHECK_EQ_STR(e->model, "claude-sonnet-4-5");
	/* Cents: "123.45" is $1.2345. */
	CHECK_DBL(tt_report_sum_value(&e->exp.cost), 1.2345);
	TT_CHECK_EQ_STR(rc.currency, "USD");
	e = tt_recon_at(&rc, 1);
	TT_CHECK_EQ_STR(e->model, "web_search"); /* its own key */
	CHECK_DBL(tt_report_sum_value(&e->exp.cost), 0.5);
	tt_recon_free(&rc);
}

TT_TEST(focus_rows)
{
	struct tt_recon rc;
	struct tt_recon_opts o = { .threshold = 0.05 };
	struct tt_recon_file f;
	const struct tt_recon_entry *e;

	TT_CHECK_EQ_INT(tt_recon_init(&rc, &o), 0);
	TT_CHECK_EQ_INT(add(&rc, focus, &f), 0);
	TT_CHECK_EQ_INT(f.format, TT_RECON_FOCUS);
	TT_CHECK_EQ_U64(f.rows, 2);
	TT_CHECK_EQ_U64(f.skipped[TT_RSKIP_NOT_USAGE], 2); /* tax, correction */
	TT_CHECK_EQ_U64(f.skipped[TT_RSKIP_NOT_AI], 1);    /* EC2 */
	TT_CHECK_EQ_U64(f.skipped[TT_RSKIP_BAD_ROW], 1);   /* cost "x" */
	TT_CHECK_EQ_U64(f.misaligned, 1);                  /* a week */
	TT_CHECK_EQ_INT(tt_recon_finish(&rc), 0);
	TT_CHECK_EQ_INT(rc.nentries_shown, 2);
	e = tt_recon_at(&rc, 0);
	TT_CHECK_EQ_STR(e->provider, "aws.bedrock");
	TT_CHECK_EQ_STR(e->model, "anthropic.claude-3-5-haiku-20241022-v1:0");
	TT_CHECK_EQ_U64(e->exp.total, 300);
	TT_CHECK_EQ_INT(e->exp.has_split, 0); /* FOCUS: totals only */
	e = tt_recon_at(&rc, 1);
	TT_CHECK_EQ_STR(e->provider, "azure.ai.openai");
	TT_CHECK_EQ_STR(e->model, NULL);      /* no model: all models */
	TT_CHECK_EQ_U64(e->exp.total, 1500);  /* 1.5 x 1K */
	CHECK_DBL(tt_report_sum_value(&e->exp.cost), 0.5);
	/* The window: the exports' days, the week-long row included. */
	TT_CHECK_EQ_INT(rc.first_day, DAY_2025_11_23);
	TT_CHECK_EQ_INT(rc.end_day, DAY_2025_11_23 + 8);
	tt_recon_free(&rc);
}

TT_TEST(bad_exports)
{
	static const char *const bad[] = {
		"{\"data\":[{\"start_time\":1,\"end_time\":0,\"results\":[]}]}",
		"{\"data\":[{\"start_time\":\"a\",\"end_time\":9,"
		"\"results\":[]}]}",
		"{\"object\":\"page\",\"data\":[{",
		"[1,2,3]",
		"hello",
		"ChargePeriodStart,BilledCost\n1,2\n",
		"ChargePeriodStart,ChargePeriodEnd,BilledCost,BillingCurrency,"
		"ServiceName,ProviderName,ChargeCategory\n\"unterminated\n",
	};
	struct tt_recon_opts o = { .threshold = 0.05 };
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tt_recon rc;
		struct tt_recon_file f;

		TT_CHECK_EQ_INT(tt_recon_init(&rc, &o), 0);
		err[0] = '\0';
		TT_CHECK_EQ_INT(tt_recon_add_export(&rc, bad[i], strlen(bad[i]),
						    &f, err, sizeof(err)),
				-EINVAL);
		TT_CHECK(strlen(err) > 5);
		tt_recon_free(&rc);
	}
}

/* The ledger: two calls of gpt-4o on 2026-11-23, (100 in, 10 out, 0.25)
 * and (100, 11, 0.25): 221 tokens, 0.50. */
static void ledger(struct tt_report *r)
{
	struct tt_report_opts o = { 0 };
	struct ev e = base();

	o.keys[o.nkeys++] = TT_RKEY_PROVIDER;
	o.keys[o.nkeys++] = TT_RKEY_MODEL;
	if (tt_report_init(r, &o))
		abort();
	e.resp_model = "gpt-4o-2024-08-06";
	feed_ev(r, &e);
	e.out = 11;
	feed_ev(r, &e);
	if (tt_report_finish(r))
		abort();
}

static unsigned flags_at(double threshold, double export_cost,
			 long long export_out)
{
	char doc[1024];
	struct tt_recon rc;
	struct tt_recon_opts o = { .threshold = threshold };
	struct tt_recon_file f1, f2;
	struct tt_report r;
	unsigned flags = 0xffff;

	snprintf(doc, sizeof(doc),
		 "{\"data\":[{\"start_time\":1795392000,\"end_time\":"
		 "1795478400,\"results\":[{\"object\":\"organization.usage."
		 "completions.result\",\"input_tokens\":200,\"output_tokens\":"
		 "%lld,\"model\":\"gpt-4o-2024-08-06\"}]}]}", export_out);
	ledger(&r);
	if (tt_recon_init(&rc, &o) || add(&rc, doc, &f1))
		goto out;
	snprintf(doc, sizeof(doc),
		 "{\"data\":[{\"start_time\":1795392000,\"end_time\":"
		 "1795478400,\"results\":[{\"object\":\"organization.costs."
		 "result\",\"amount\":{\"value\":%.17g,\"currency\":\"usd\"},"
		 "\"line_item\":\"gpt-4o-2024-08-06, output\"}]}]}",
		 export_cost);
	if (add(&rc, doc, &f2) || tt_recon_add_ledger(&rc, &r) ||
	    tt_recon_finish(&rc) || rc.nentries_shown != 1)
		goto out;
	flags = tt_recon_at(&rc, 0)->flags;
out:
	tt_recon_free(&rc);
	tt_report_free(&r);
	return flags;
}

TT_TEST(variance_and_flags)
{
	struct tt_recon rc;
	struct tt_recon_opts o = { .threshold = 0.05 };
	struct tt_recon_file f;
	struct tt_report r;
	const struct tt_recon_entry *e;
	char doc[512];

	/* Ledger 221 tokens, 0.50. Export 220 tokens (200 + 20), 0.40:
	 * tokens +1/220, output +1/20 = 5% exactly: not above 5%; cost
	 * +0.10/0.40 = 25%. */
	snprintf(doc, sizeof(doc), "{\"data\":[{\"start_time\":1795392000,"
		 "\"end_time\":1795478400,\"results\":[{\"object\":"
		 "\"organization.usage.completions.result\",\"input_tokens\":"
		 "200,\"output_tokens\":20,\"model\":\"gpt-4o-2024-08-06\"}]}]}");
	ledger(&r);
	TT_CHECK_EQ_INT(tt_recon_init(&rc, &o), 0);
	TT_CHECK_EQ_INT(add(&rc, doc, &f), 0);
	TT_CHECK_EQ_INT(tt_recon_add_ledger(&rc, &r), 0);
	TT_CHECK_EQ_INT(tt_recon_finish(&rc), 0);
	e = tt_recon_at(&rc, 0);
	TT_CHECK(e && rc.nentries_shown == 1);
	if (!e)
		goto out;
	TT_CHECK_EQ_INT(e->day, DAY_2026_11_23);
	TT_CHECK_EQ_U64(e->ledger.calls, 2);
	TT_CHECK_EQ_U64(e->ledger.total, 221);
	CHECK_DBL(e->var.total, 1);
	CHECK_DBL(e->var.total_pct, 1.0 / 220);
	CHECK_DBL(e->var.output_pct, 1.0 / 20);
	TT_CHECK(isnan(e->var.cost)); /* no cost in a usage export */
	TT_CHECK_EQ_INT(e->flags, 0);
out:
	tt_recon_free(&rc);
	tt_report_free(&r);
	/* With the costs page: 0.50 against 0.40 is +25%. */
	TT_CHECK_EQ_INT(flags_at(0.05, 0.40, 20), TT_RFLAG_COST);
	TT_CHECK_EQ_INT(flags_at(0.25, 0.40, 20), 0);
	TT_CHECK_EQ_INT(flags_at(0.2499, 0.40, 20), TT_RFLAG_COST);
	/* 11 against 19 output tokens: +10.5%. */
	TT_CHECK_EQ_INT(flags_at(0.05, 0.50, 19), TT_RFLAG_TOKENS);
	/* The export says 0 cost, the ledger 0.50: beyond any threshold. */
	TT_CHECK_EQ_INT(flags_at(1000, 0, 20), TT_RFLAG_COST);
}

/* The embeddings usage page: input tokens only. */
TT_TEST(openai_embeddings_rows)
{
	static const char doc[] =
		"{\"object\":\"page\",\"data\":[{\"object\":\"bucket\","
		"\"start_time\":1795392000,\"end_time\":1795478400,\"results\":"
		"[{\"object\":\"organization.usage.embeddings.result\","
		"\"input_tokens\":32,\"num_model_requests\":1,\"model\":"
		"\"text-embedding-3-small\"},{\"object\":\"organization.usage."
		"completions.result\",\"input_tokens\":5,\"model\":\"m\"}]}]}";
	struct tt_recon_opts o = { .threshold = 0.05 };
	struct tt_recon_file f;
	struct tt_recon rc;

	TT_CHECK_EQ_INT(tt_recon_init(&rc, &o), 0);
	TT_CHECK_EQ_INT(add(&rc, doc, &f), 0);
	TT_CHECK_EQ_U64(f.rows, 1);
	TT_CHECK_EQ_U64(f.skipped[TT_RSKIP_BAD_ROW], 1); /* no output */
	TT_CHECK_EQ_INT(tt_recon_finish(&rc), 0);
	TT_CHECK_EQ_U64(tt_recon_at(&rc, 0)->exp.total, 32);
	tt_recon_free(&rc);
}

/* Another currency in a later export: its rows are skipped, counted. */
TT_TEST(one_currency)
{
	static const char eur[] =
		"{\"data\":[{\"start_time\":1795392000,\"end_time\":1795478400,"
		"\"results\":[{\"object\":\"organization.costs.result\","
		"\"amount\":{\"value\":1,\"currency\":\"eur\"},\"line_item\":"
		"\"m, input\"}]}]}";
	static const char usd[] =
		"{\"data\":[{\"start_time\":1795392000,\"end_time\":1795478400,"
		"\"results\":[{\"object\":\"organization.costs.result\","
		"\"amount\":{\"value\":1,\"currency\":\"usd\"},\"line_item\":"
		"\"m, input\"}]}]}";
	struct tt_recon_opts o = { .threshold = 0.05 };
	struct tt_recon_file f;
	struct tt_recon rc;

	TT_CHECK_EQ_INT(tt_recon_init(&rc, &o), 0);
	TT_CHECK_EQ_INT(add(&rc, usd, &f), 0);
	TT_CHECK_EQ_INT(add(&rc, eur, &f), 0);
	TT_CHECK_EQ_U64(f.skipped[TT_RSKIP_CURRENCY], 1);
	TT_CHECK_EQ_STR(rc.currency, "USD");
	tt_recon_free(&rc);
}
