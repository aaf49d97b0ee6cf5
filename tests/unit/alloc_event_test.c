// SPDX-License-Identifier: MIT
/* Tests for user/alloc/event.c: owner, environment check, declared
 * headers, cost and the JSON of one allocation event. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include "alloc/event.h"
#include "event_fixture.h"
#include "tt_test.h"

static const char prices_json[] =
	"{\"version\":\"t1\",\"currency\":\"USD\",\"source\":\"https://x\","
	"\"snapshot_date\":\"2025-11-01\",\"note\":\"test\",\"models\":["
	"{\"provider\":\"openai\",\"model\":\"gpt-4o-mini\","
	" \"aliases\":[\"gpt-4o-mini-2024-07-18\"],"
	" \"per_million\":{\"input\":0.15,\"cached_input\":0.075,\"output\":0.6}}]}";

static const char owners_json[] =
	"[{\"name\":\"staging-pay\",\"match\":{\"cgroup\":\"/kubepods*/*pod1234*\"},"
	"  \"set\":{\"owner\":\"payments\",\"team\":\"pay-core\","
	"   \"cost_center\":\"CC-100\",\"application\":\"checkout\","
	"   \"environment\":\"stg\",\"tags\":{\"tier\":\"gold\"}}},"
	" {\"name\":\"by-header\",\"match\":{\"header\":\"X-Team=search\"},"
	"  \"set\":{\"owner\":\"search\",\"environment\":\"production\"}}]";

struct fixture {
	struct tt_owner_rules rules;
	struct tt_pricing prices;
	struct tt_config cfg; /* declared header names */
	struct tt_alloc a;
	struct tt_call call;
	struct tt_hdrs hdrs;
	struct tt_xrec rec;
	struct tt_workload wl;
	struct tt_proc_facts pf;
	char line[TT_EVENT_MAX];
};

static struct fixture fx;

static void setup(int with_prices)
{
	cJSON *o = cJSON_Parse(owners_json);
	char err[256];

	memset(&fx, 0, sizeof(fx));
	tt_config_defaults(&fx.cfg);
	TT_CHECK_EQ_INT(tt_rules_parse_owners(o, "owners", &fx.rules, err,
					      sizeof(err)), 0);
	cJSON_Delete(o);
	if (with_prices)
		TT_CHECK_EQ_INT(tt_pricing_parse(prices_json, strlen(prices_json),
						 &fx.prices, err, sizeof(err)), 0);
	fx.a.host = "node-1";
	fx.a.rules = &fx.rules;
	fx.a.prices = with_prices ? &fx.prices : NULL;
	fx.a.prices_path = "/etc/tokentap/prices.json";
	tt_alloc_use_config(&fx.a, &fx.cfg);

	snprintf(fx.call.provider, sizeof(fx.call.provider), "openai");
	snprintf(fx.call.operation, sizeof(fx.call.operation), "chat");
	snprintf(fx.call.endpoint, sizeof(fx.call.endpoint), "/v1/chat/completions");
	snprintf(fx.call.request_model, sizeof(fx.call.request_model), "gpt-4o-mini");
	snprintf(fx.call.response_model, sizeof(fx.call.response_model),
		 "gpt-4o-mini-2024-07-18");
	fx.call.status = 200;
	fx.call.attempt = -1;
	tt_usage_reset(&fx.call.usage);
	fx.call.usage.input_tokens = 1000;
	fx.call.usage.output_tokens = 200;
	fx.call.usage.cache_read_input_tokens = 400;
	fx.call.usage.cache_creation_input_tokens = 0;
	fx.call.usage.total_tokens = 1200;
	fx.call.usage_status = TT_USAGE_REPORTED;
	fx.rec.call = &fx.call;
	fx.rec.host = "api.openai.com";
	fx.rec.req_hdrs = &fx.hdrs;
	fx.rec.start_ns = 1763000000123456789ull;
	fx.rec.end_ns = fx.rec.start_ns + 250000000ull;
	fx.rec.ttfb_ns = -1;
	snprintf(fx.rec.key.id, sizeof(fx.rec.key.id), "k_0123456789abcdef");
	snprintf(fx.rec.key.hint, sizeof(fx.rec.key.hint), "sk-...abcd");

	fx.pf.pid = 4242;
	fx.pf.comm = "python3";
	fx.pf.exe = "/usr/bin/python3.11";
	fx.pf.cgroup_id = 777;
}

static void teardown(void)
{
	tt_rules_free(&fx.rules);
	tt_pricing_free(&fx.prices);
	tt_config_free(&fx.cfg);
}

static void add_hdr(const char *name, const char *value)
{
	tt_test_hdr_add(&fx.hdrs, name, value);
}

static cJSON *event(void)
{
	long n = tt_alloc_event(&fx.a, &fx.rec, &fx.pf,
				"0f8fad5b-d9cb-469f-a165-70867728950e",
				fx.line, sizeof(fx.line));
	cJSON *o;

	TT_CHECK(n > 0);
	o = n > 0 ? cJSON_Parse(fx.line) : NULL;
	TT_CHECK(o != NULL);
	return o;
}

static const char *str_at(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);

	if (b)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	return cJSON_IsString(v) ? v->valuestring : cJSON_IsNull(v) ? "(null)" : "(absent)";
}

static double num_at(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);

	if (b)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

TT_TEST(kubepods_rule_cost_and_mismatch)
{
	static const char path[] =
		"/kubepods.slice/kubepods-burstable.slice/"
		"kubepods-burstable-pod12345678_1234_1234_1234_123456789abc.slice/"
		"cri-containerd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope";
	struct tt_pod_ref pod = { "shop", "checkout-7d9f", "12345678-1234-1234-1234-123456789abc" };
	struct tt_kv labels[] = { { "app", "checkout" } };
	cJSON *o;

	setup(1);
	TT_CHECK_EQ_INT(tt_workload_from_cgroup(path, strlen(path), &fx.wl), 0);
	fx.pf.cgroup_path = path;
	fx.pf.workload = &fx.wl;
	fx.pf.pod = &pod;
	fx.pf.container_labels = labels;
	fx.pf.n_container_labels = 1;
	add_hdr("x-environment", "production");
	add_hdr("x-cost-center", "CC-claimed");
	add_hdr("openai-project", "proj_abc");
	o = event();
	TT_CHECK_EQ_STR(str_at(o, "event_type", NULL), "ai_api_cost_allocation");
	TT_CHECK_EQ_INT((int)num_at(o, "event_version", NULL), 1);
	TT_CHECK_EQ_STR(str_at(o, "timestamp_utc", NULL), "2025-11-13T02:13:20.123456Z");
	TT_CHECK(num_at(o, "duration_ms", NULL) == 250);
	TT_CHECK_EQ_STR(str_at(o, "host", NULL), "node-1");
	TT_CHECK_EQ_INT((int)num_at(o, "process", "pid"), 4242);
	TT_CHECK_EQ_STR(str_at(o, "process", "exe"), "/usr/bin/python3.11");
	TT_CHECK_EQ_STR(str_at(o, "cgroup", "path"), path);
	TT_CHECK_EQ_STR(str_at(o, "container", "runtime"), "containerd");
	TT_CHECK_EQ_STR(str_at(o, "pod", "namespace"), "shop");
	TT_CHECK_EQ_STR(str_at(o, "pod", "name"), "checkout-7d9f");
	TT_CHECK_EQ_STR(str_at(o, "pod", "qos"), "burstable");
	TT_CHECK_EQ_STR(str_at(o, "owner", NULL), "payments");
	TT_CHECK_EQ_STR(str_at(o, "team", NULL), "pay-core");
	TT_CHECK_EQ_STR(str_at(o, "cost_center", NULL), "CC-100");
	TT_CHECK_EQ_STR(str_at(o, "application", NULL), "checkout");
	/* Booked under the canonical name of the rule's "stg". */
	TT_CHECK_EQ_STR(str_at(o, "environment", NULL), "staging");
	TT_CHECK_EQ_STR(str_at(o, "tags", "tier"), "gold");
	TT_CHECK_EQ_STR(str_at(o, "allocation", "status"), "allocated");
	TT_CHECK_EQ_STR(str_at(o, "allocation", "rule"), "staging-pay");
	TT_CHECK_EQ_STR(str_at(o, "allocation", "environment_source"), "rule");
	TT_CHECK(cJSON_IsTrue(cJSON_GetObjectItem(
		cJSON_GetObjectItem(o, "environment_check"), "mismatch")));
	TT_CHECK_EQ_STR(str_at(o, "environment_check", "declared"), "production");
	TT_CHECK_EQ_STR(str_at(o, "environment_check", "declared_source"), "header");
	TT_CHECK_EQ_STR(str_at(o, "environment_check", "workload"), "stg");
	TT_CHECK_EQ_STR(str_at(o, "declared", "environment"), "production");
	TT_CHECK_EQ_STR(str_at(o, "declared", "cost_center"), "CC-claimed");
	TT_CHECK_EQ_STR(str_at(o, "declared", "team"), "(null)");
	TT_CHECK_EQ_STR(str_at(o, "declared", "provider_project"), "proj_abc");
	TT_CHECK_EQ_STR(str_at(o, "api_key", "fingerprint"), "k_0123456789abcdef");
	TT_CHECK_EQ_STR(str_at(o, "status_code", NULL), "(absent)");
	TT_CHECK_EQ_INT((int)num_at(o, "status_code", NULL), 200);
	/* 600 uncached input at 0.15, 400 cached at 0.075, 200 output at
	 * 0.6, per million: 0.00009 + 0.00003 + 0.00012. */
	TT_CHECK(fabs(num_at(o, "cost", "amount") - 0.00024) < 1e-12);
	TT_CHECK_EQ_STR(str_at(o, "cost", "currency"), "USD");
	TT_CHECK_EQ_STR(str_at(o, "cost", "pricing_version"), "t1");
	TT_CHECK_EQ_STR(str_at(o, "cost", "pricing_table"), "/etc/tokentap/prices.json");
	TT_CHECK_EQ_STR(str_at(o, "cost", "reason"), "(null)");
	TT_CHECK_EQ_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "cost"), "priced_as")
				? str_at(cJSON_GetObjectItem(o, "cost"), "priced_as", "match")
				: "", "alias");
	TT_CHECK(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "cost"),
						   "is_final_invoice_amount")));
	TT_CHECK_EQ_U64(fx.a.st.allocated, 1);
	TT_CHECK_EQ_U64(fx.a.st.env_mismatch, 1);
	cJSON_Delete(o);
	teardown();
}

TT_TEST(header_rule_and_unallocated)
{
	cJSON *o;

	setup(0);
	add_hdr("X-Team", "search");
	o = event();
	TT_CHECK_EQ_STR(str_at(o, "owner", NULL), "search");
	TT_CHECK_EQ_STR(cJSON_GetArrayItem(cJSON_GetObjectItem(
		cJSON_GetObjectItem(o, "allocation"), "sources"), 0)->valuestring,
		"header:X-Team");
	TT_CHECK_EQ_STR(str_at(o, "container", NULL), "(null)");
	TT_CHECK_EQ_STR(str_at(o, "pod", NULL), "(null)");
	/* No table: no amount, a reason, never a zero. */
	TT_CHECK_EQ_STR(str_at(o, "cost", "amount"), "(null)");
	TT_CHECK_EQ_STR(str_at(o, "cost", "reason"), "no_price_table");
	cJSON_Delete(o);

	/* Nothing matches: the explicit bucket, not a dropped event. */
	fx.hdrs.n = 0;
	o = event();
	TT_CHECK_EQ_STR(str_at(o, "owner", NULL), "unallocated");
	TT_CHECK_EQ_STR(str_at(o, "allocation", "status"), "unallocated");
	TT_CHECK_EQ_STR(str_at(o, "allocation", "rule"), "(null)");
	TT_CHECK_EQ_STR(str_at(o, "environment", NULL), "(null)");
	TT_CHECK(cJSON_IsFalse(cJSON_GetObjectItem(
		cJSON_GetObjectItem(o, "environment_check"), "mismatch")));
	TT_CHECK_EQ_U64(fx.a.st.unallocated, 1);
	TT_CHECK_EQ_U64(fx.a.st.no_price_table, 2);
	cJSON_Delete(o);
	teardown();
}

TT_TEST(environment_from_variables)
{
	struct tt_environ_allow allow;
	struct tt_environ env;
	static const char environ_text[] = "HOME=/root\0APP_ENV=Prod\0SECRET=x\0";
	cJSON *o;

	setup(1);
	tt_environ_allow_default(&allow);
	tt_environ_parse(environ_text, sizeof(environ_text), &allow, &env);
	fx.pf.env = &env;
	o = event();
	TT_CHECK_EQ_STR(str_at(o, "environment", NULL), "production");
	TT_CHECK_EQ_STR(str_at(o, "allocation", "environment_source"), "APP_ENV");
	TT_CHECK(strstr(fx.line, "SECRET") == NULL);
	cJSON_Delete(o);
	teardown();
}

TT_TEST(unknown_model_has_a_reason)
{
	cJSON *o;

	setup(1);
	snprintf(fx.call.request_model, sizeof(fx.call.request_model), "mystery-1");
	snprintf(fx.call.response_model, sizeof(fx.call.response_model), "mystery-1");
	o = event();
	TT_CHECK_EQ_STR(str_at(o, "cost", "amount"), "(null)");
	TT_CHECK_EQ_STR(str_at(o, "cost", "reason"), "unknown_model");
	TT_CHECK_EQ_STR(str_at(o, "cost", "priced_as"), "(null)");
	TT_CHECK_EQ_U64(fx.a.st.pricing.unknown_model, 1);
	cJSON_Delete(o);
	teardown();
}

TT_TEST(declared_values_are_capped_and_made_json)
{
	char big[400];
	cJSON *o;

	setup(1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	add_hdr("X-Cost-Center", big);
	add_hdr("X-Team", "t\xff\"x");
	o = event();
	TT_CHECK_EQ_INT((int)strlen(str_at(o, "declared", "cost_center")),
			TT_DECLARED_VALUE_MAX - 1);
	TT_CHECK_EQ_STR(str_at(o, "declared", "team"), "t\xef\xbf\xbd\"x");
	TT_CHECK_EQ_U64(fx.a.st.declared_truncated, 1);
	cJSON_Delete(o);
	teardown();
}

TT_TEST(configured_header_names)
{
	cJSON *o;

	setup(1);
	snprintf(fx.cfg.declared[TT_DECL_TEAM], TT_RULE_KEY_MAX, "X-Squad");
	fx.cfg.declared[TT_DECL_COST_CENTER][0] = '\0';
	add_hdr("x-squad", "search");      /* matches the "X-Team" rule? no: */
	add_hdr("x-cost-center", "CC-9"); /* turned off: not read */
	o = event();
	TT_CHECK_EQ_STR(str_at(o, "declared", "team"), "search");
	TT_CHECK_EQ_STR(str_at(o, "declared", "cost_center"), "(null)");
	/* The rule names the header X-Team, which this config renamed. */
	TT_CHECK_EQ_STR(str_at(o, "owner", NULL), "unallocated");
	cJSON_Delete(o);
	teardown();
}

TT_TEST(too_small_is_counted)
{
	char small[256];

	setup(1);
	TT_CHECK_EQ_INT((int)tt_alloc_event(&fx.a, &fx.rec, &fx.pf, "id", small,
					    sizeof(small)), -E2BIG);
	TT_CHECK_EQ_U64(fx.a.st.too_big, 1);
	TT_CHECK_EQ_U64(fx.a.st.events, 0);
	teardown();
}

TT_TEST(uuid_and_keep_headers)
{
	uint8_t b[16];
	char id[37];
	const char *keep[TT_ALLOC_KEEP_MAX];
	struct tt_config cfg;
	struct tt_alloc a = { 0 };

	memset(b, 0xff, sizeof(b));
	tt_alloc_uuid(b, id);
	TT_CHECK_EQ_STR(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
	memset(b, 0, sizeof(b));
	tt_alloc_uuid(b, id);
	TT_CHECK_EQ_STR(id, "00000000-0000-4000-8000-000000000000");
	tt_config_defaults(&cfg);
	cfg.declared[TT_DECL_PROJECT][0] = '\0';
	tt_alloc_use_config(&a, &cfg);
	tt_alloc_keep_headers(&a, keep);
	TT_CHECK_EQ_STR(keep[0], "X-Cost-Center");
	TT_CHECK_EQ_STR(keep[1], "X-Environment");
	TT_CHECK_EQ_STR(keep[2], "X-Team");
	TT_CHECK_EQ_STR(keep[3], "traceparent");
	TT_CHECK(keep[4] == NULL);
	/* Business headers and baggage keys once named. */
	snprintf(cfg.declared[TT_DECL_TENANT], TT_RULE_KEY_MAX, "X-Tenant-ID");
	snprintf(cfg.baggage[0], TT_BAGGAGE_KEY_MAX, "workflow");
	cfg.n_baggage = 1;
	tt_alloc_use_config(&a, &cfg);
	tt_alloc_keep_headers(&a, keep);
	TT_CHECK_EQ_STR(keep[3], "X-Tenant-ID");
	TT_CHECK_EQ_STR(keep[4], "traceparent");
	TT_CHECK_EQ_STR(keep[5], "baggage");
	TT_CHECK(keep[6] == NULL);
	tt_config_free(&cfg);
}

/* Business facts, trace context and baggage: recorded when allow-listed,
 * usable in rules, missing ones flagged for the metrics; a header that
 * is not allow-listed is never read. */
TT_TEST(declared_business_trace_and_baggage)
{
	static const char rule[] =
		"[{\"name\":\"acme\",\"match\":{\"header\":[\"X-Tenant-ID=acme\","
		"\"baggage:tier=gold\"]},\"set\":{\"owner\":\"support\"}}]";
	struct tt_event ev;
	cJSON *o, *r = cJSON_Parse(rule);
	char err[128];

	setup(1);
	tt_rules_free(&fx.rules);
	TT_CHECK_EQ_INT(tt_rules_parse_owners(r, "owners", &fx.rules, err,
					      sizeof(err)), 0);
	cJSON_Delete(r);
	snprintf(fx.cfg.declared[TT_DECL_TENANT], TT_RULE_KEY_MAX, "X-Tenant-ID");
	snprintf(fx.cfg.declared[TT_DECL_UNIT_ID], TT_RULE_KEY_MAX, "X-Unit-ID");
	snprintf(fx.cfg.declared[TT_DECL_WORKFLOW], TT_RULE_KEY_MAX, "X-Workflow");
	snprintf(fx.cfg.baggage[0], TT_BAGGAGE_KEY_MAX, "tier");
	fx.cfg.n_baggage = 1;
	tt_alloc_use_config(&fx.a, &fx.cfg);
	add_hdr("X-Tenant-ID", "acme");
	add_hdr("X-Unit-ID", "case\x01-7");
	add_hdr("X-User-ID", "not-allow-listed");
	add_hdr("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
	add_hdr("baggage", "secret=s3,tier=gold");
	o = event();
	TT_CHECK_EQ_STR(str_at(o, "declared", "tenant"), "acme");
	TT_CHECK_EQ_STR(str_at(o, "declared", "unit_id"), "case_-7");
	TT_CHECK_EQ_STR(str_at(o, "declared", "user"), "(null)");
	TT_CHECK_EQ_STR(str_at(o, "declared", "workflow"), "(null)");
	TT_CHECK_EQ_STR(str_at(o, "declared", "trace_id"),
			"4bf92f3577b34da6a3ce929d0e0e4736");
	TT_CHECK_EQ_STR(str_at(o, "declared", "span_id"), "00f067aa0ba902b7");
	TT_CHECK_EQ_STR(str_at(cJSON_GetObjectItem(o, "declared"), "baggage", "tier"),
			"gold");
	TT_CHECK(strstr(fx.line, "s3") == NULL);
	TT_CHECK(strstr(fx.line, "not-allow-listed") == NULL);
	TT_CHECK_EQ_STR(str_at(o, "owner", NULL), "support");
	TT_CHECK_EQ_U64(fx.a.st.declared_replaced, 1);
	cJSON_Delete(o);
	/* Missing: the configured roles not sent; an invalid traceparent. */
	fx.hdrs.n = 0;
	add_hdr("traceparent", "00-zz");
	tt_alloc_build(&fx.a, &fx.rec, &fx.pf, "id", &ev);
	TT_CHECK(ev.declared_missing & (1u << TT_DECL_TENANT));
	TT_CHECK(ev.declared_missing & (1u << TT_DECL_WORKFLOW));
	TT_CHECK(ev.declared_missing & (1u << TT_DECL_TRACEPARENT));
	TT_CHECK(!(ev.declared_missing & (1u << TT_DECL_USER))); /* off */
	TT_CHECK_EQ_U64(fx.a.st.traceparent_invalid, 1);
	teardown();
}
