// SPDX-License-Identifier: MIT
/* user/otlp: allocation events (built, or ledger lines read back) to
 * OTLP/HTTP JSON log records, batches and metrics. The expected JSON is
 * written with ' for " (q() swaps them). */
#include <cjson/cJSON.h>
#include <errno.h>
#include "event_fixture.h"
#include "sample_event.h"
#include "tt_test.h"
#include "otlp/otlp.h"
#include "util/timefmt.h"

static const char sample_record[] =
	"{'timeUnixNano':'1795429566608489000',"
	"'observedTimeUnixNano':'1795000000000000000',"
	"'severityNumber':9,'severityText':'INFO',"
	"'body':{'stringValue':'ai_api_cost_allocation'},"
	"'attributes':[{'key':'gen_ai.provider.name',"
	"'value':{'stringValue':'openai'}},"
	"{'key':'gen_ai.operation.name',"
	"'value':{'stringValue':'chat'}},{'key':'gen_ai.request.model',"
	"'value':{'stringValue':'gpt-4o-mini'}},"
	"{'key':'gen_ai.response.model',"
	"'value':{'stringValue':'gpt-4o-mini-2024-07-18'}},"
	"{'key':'gen_ai.request.stream','value':{'boolValue':true}},"
	"{'key':'gen_ai.response.id',"
	"'value':{'stringValue':'chatcmpl-1xNysSQuxJTkNibjQn6yQkHpjDQVq'}},"
	"{'key':'gen_ai.response.finish_reasons',"
	"'value':{'arrayValue':{'values':[{'stringValue':'stop'}]}}},"
	"{'key':'gen_ai.usage.input_tokens','value':{'intValue':'34'}},"
	"{'key':'gen_ai.usage.output_tokens',"
	"'value':{'intValue':'13'}},"
	"{'key':'gen_ai.usage.cache_read.input_tokens',"
	"'value':{'intValue':'2'}},"
	"{'key':'gen_ai.usage.reasoning.output_tokens',"
	"'value':{'intValue':'0'}},{'key':'server.address',"
	"'value':{'stringValue':'api.openai.com'}},{'key':'url.path',"
	"'value':{'stringValue':'/v1/chat/completions'}},"
	"{'key':'http.response.status_code',"
	"'value':{'intValue':'200'}},{'key':'user_agent.original',"
	"'value':{'stringValue':'OpenAI/JS 6.49.0'}},"
	"{'key':'process.pid','value':{'intValue':'27185'}},"
	"{'key':'tokentap.event_id',"
	"'value':{'stringValue':'00000000-0000-4000-8000-000000000001'}},"
	"{'key':'tokentap.event_version','value':{'intValue':'1'}},"
	"{'key':'tokentap.duration_ms','value':{'doubleValue':0.56}},"
	"{'key':'tokentap.ttfb_ms','value':{'doubleValue':0.445}},"
	"{'key':'tokentap.process.comm',"
	"'value':{'stringValue':'node'}},{'key':'tokentap.cgroup.id',"
	"'value':{'intValue':'0'}},{'key':'tokentap.owner',"
	"'value':{'stringValue':'web'}},{'key':'tokentap.team',"
	"'value':{'stringValue':'frontend'}},"
	"{'key':'tokentap.cost_center',"
	"'value':{'stringValue':'CC-300'}},"
	"{'key':'tokentap.application',"
	"'value':{'stringValue':'storefront'}},"
	"{'key':'tokentap.environment',"
	"'value':{'stringValue':'production'}},{'key':'tokentap.tags',"
	"'value':{'kvlistValue':{'values':[{'key':'tier',"
	"'value':{'stringValue':'gold'}}]}}},"
	"{'key':'tokentap.allocation.status',"
	"'value':{'stringValue':'allocated'}},"
	"{'key':'tokentap.allocation.rule',"
	"'value':{'stringValue':'sdk-node'}},"
	"{'key':'tokentap.allocation.sources',"
	"'value':{'arrayValue':{'values':[{'stringValue':'comm'}]}}},"
	"{'key':'tokentap.allocation.environment_source',"
	"'value':{'stringValue':'rule'}},"
	"{'key':'tokentap.environment_check.mismatch',"
	"'value':{'boolValue':false}},"
	"{'key':'tokentap.environment_check.workload',"
	"'value':{'stringValue':'production'}},"
	"{'key':'tokentap.environment_check.workload_source',"
	"'value':{'stringValue':'rule'}},"
	"{'key':'tokentap.environment_check.declared',"
	"'value':{'stringValue':'production'}},"
	"{'key':'tokentap.environment_check.declared_source',"
	"'value':{'stringValue':'key'}},{'key':'tokentap.outcome',"
	"'value':{'stringValue':'success'}},"
	"{'key':'tokentap.provider_request_id',"
	"'value':{'stringValue':'req_73e45e62248f497a0439c3681645b4d5'}},"
	"{'key':'tokentap.attempt','value':{'intValue':'0'}},"
	"{'key':'tokentap.client.sdk_lang',"
	"'value':{'stringValue':'js'}},"
	"{'key':'tokentap.client.sdk_version',"
	"'value':{'stringValue':'6.49.0'}},"
	"{'key':'tokentap.client.runtime',"
	"'value':{'stringValue':'node'}},"
	"{'key':'tokentap.client.runtime_version',"
	"'value':{'stringValue':'v20.20.2'}},"
	"{'key':'tokentap.usage.total_tokens',"
	"'value':{'intValue':'47'}},{'key':'tokentap.usage_status',"
	"'value':{'stringValue':'reported'}},"
	"{'key':'tokentap.api_key.fingerprint',"
	"'value':{'stringValue':'k_082f20f385b9b9a5'}},"
	"{'key':'tokentap.cost.amount',"
	"'value':{'doubleValue':1.275e-05}},"
	"{'key':'tokentap.cost.currency',"
	"'value':{'stringValue':'USD'}},"
	"{'key':'tokentap.cost.pricing_source',"
	"'value':{'stringValue':'list_price_snapshot'}},"
	"{'key':'tokentap.cost.pricing_version',"
	"'value':{'stringValue':'litellm-00035b69f416+overrides-efc719cf'}},"
	"{'key':'tokentap.cost.pricing_snapshot_date',"
	"'value':{'stringValue':'2026-12-07'}},"
	"{'key':'tokentap.cost.priced_as.model',"
	"'value':{'stringValue':'gpt-4o-mini-2024-07-18'}},"
	"{'key':'tokentap.cost.is_final_invoice_amount',"
	"'value':{'boolValue':false}},{'key':'tokentap.request_bytes',"
	"'value':{'intValue':'137'}},{'key':'tokentap.response_bytes',"
	"'value':{'intValue':'2000'}},"
	"{'key':'tokentap.response_encoding',"
	"'value':{'stringValue':'identity'}},"
	"{'key':'tokentap.usage.audio_input_tokens',"
	"'value':{'intValue':'0'}},"
	"{'key':'tokentap.usage.audio_output_tokens',"
	"'value':{'intValue':'0'}},{'key':'tokentap.api_key.source',"
	"'value':{'stringValue':'api_key'}},"
	"{'key':'tokentap.cost.pricing_sha256',"
	"'value':{'stringValue':'d468eb52d0da14e0982103c1301b1e73579a1f87fa149a14002215eb86ffa1b1'}},"
	"{'key':'tokentap.cost.service_tier',"
	"'value':{'stringValue':'standard'}},"
	"{'key':'tokentap.cost.long_context',"
	"'value':{'boolValue':false}},"
	"{'key':'tokentap.cost.components.input',"
	"'value':{'doubleValue':4.8e-06}},"
	"{'key':'tokentap.cost.components.cached_input',"
	"'value':{'doubleValue':1.5e-07}},"
	"{'key':'tokentap.cost.components.output',"
	"'value':{'doubleValue':7.8e-06}},"
	"{'key':'tokentap.cost.lacked',"
	"'value':{'arrayValue':{'values':[]}}},"
	"{'key':'tokentap.attempt_source',"
	"'value':{'stringValue':'inferred'}}]}";

#define OBSERVED 1795000000000000000ull

/* The metric observation and error.type of a line read back. */
static struct tt_otlp_obs obs_of(const struct tt_otlp_event *ev)
{
	struct tt_otlp_obs obs;

	tt_otlp_obs_of(&ev->rd.ev, &obs);
	return obs;
}

static const char *error_type_of(const struct tt_otlp_event *ev)
{
	static char err[TT_OTLP_STR_MAX];

	tt_otlp_error_type(&ev->rd.ev, err);
	return err;
}

static int is_json_object(const char *s)
{
	cJSON *j = cJSON_Parse(s);
	int ok = cJSON_IsObject(j);

	cJSON_Delete(j);
	return ok;
}

TT_TEST(parse_time_valid_and_invalid)
{
	static const struct {
		const char *s;
		int ret;
		uint64_t ns;
	} cases[] = {
		{ "1970-01-01T00:00:00Z", 0, 0 },
		{ "2026-11-23T10:26:06.608489Z", 0, 1795429566608489000ull },
		{ "2024-02-29T23:59:59.999999999Z", 0, 1709251199999999999ull },
		{ "2000-03-01T00:00:00.5Z", 0, 951868800500000000ull },
		{ "2023-02-29T00:00:00Z", -EINVAL, 0 },    /* not a leap year */
		{ "1900-02-29T00:00:00Z", -EINVAL, 0 },
		{ "2026-13-01T00:00:00Z", -EINVAL, 0 },
		{ "2026-11-23T24:00:00Z", -EINVAL, 0 },
		{ "2026-11-23T10:26:06.Z", -EINVAL, 0 },
		{ "2026-11-23T10:26:06.1234567891Z", -EINVAL, 0 },
		{ "2026-11-23T10:26:06", -EINVAL, 0 },
		{ "2026-11-23T10:26:06Zx", -EINVAL, 0 },
		{ "2026-11-23 10:26:06Z", -EINVAL, 0 },
		{ "1969-12-31T23:59:59Z", -EINVAL, 0 },
		{ "2501-01-01T00:00:00Z", -EINVAL, 0 },  /* past 64-bit ns */
		{ "+026-11-23T10:26:06Z", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t ns = 0;

		tt_case("%s", cases[i].s);
		TT_CHECK_EQ_INT(tt_record_time_parse(cases[i].s, &ns), cases[i].ret);
		if (!cases[i].ret)
			TT_CHECK_EQ_U64(ns, cases[i].ns);
	}
}

TT_TEST(rejections_are_classified)
{
	static const struct {
		const char *line;
		int reason;
	} cases[] = {
		{ "", TT_OTLP_REJ_NOT_JSON },
		{ "[1]", TT_OTLP_REJ_NOT_JSON },
		{ "{'event_type':", TT_OTLP_REJ_NOT_JSON },
		{ "{} {}", TT_OTLP_REJ_NOT_JSON },
		{ "{}", TT_OTLP_REJ_NOT_EVENT },
		{ "{'type':'agent_stats'}", TT_OTLP_REJ_NOT_EVENT },
		{ "{'event_type':'connection'}", TT_OTLP_REJ_NOT_EVENT },
		{ "{'event_type':'ai_api_cost_allocation'}", TT_OTLP_REJ_NO_ID },
		{ "{'event_type':'ai_api_cost_allocation','event_id':7}",
		  TT_OTLP_REJ_NO_ID },
		{ "{'event_type':'ai_api_cost_allocation','event_id':'a'}",
		  TT_OTLP_REJ_BAD_TIME },
		{ "{'event_type':'ai_api_cost_allocation','event_id':'a',"
		  "'timestamp_utc':'yesterday'}", TT_OTLP_REJ_BAD_TIME },
		{ "{'event_type':'ai_api_cost_allocation','event_id':'a',"
		  "'timestamp_utc':'2026-01-01T00:00:00Z'}", TT_OTLP_OK },
	};
	struct tt_otlp_event ev;
	static char big[TT_OTLP_LINE_MAX + 2];
	static const char nul[] = "{\"a\":1}\0{}";

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *l = q(cases[i].line);

		tt_case("%s", cases[i].line);
		TT_CHECK_EQ_INT(tt_otlp_event_parse(l, strlen(l), &ev),
				cases[i].reason);
		TT_CHECK((ev.root != NULL) == (cases[i].reason == TT_OTLP_OK));
		tt_otlp_event_free(&ev);
	}
	tt_case("limits");
	memset(big, ' ', sizeof(big));
	TT_CHECK_EQ_INT(tt_otlp_event_parse(big, sizeof(big), &ev),
			TT_OTLP_REJ_TOO_BIG);
	TT_CHECK_EQ_INT(tt_otlp_event_parse(nul, sizeof(nul) - 1, &ev),
			TT_OTLP_REJ_NOT_JSON);
	TT_CHECK_EQ_STR(tt_otlp_reject_name(TT_OTLP_REJ_BAD_TIME), "bad_timestamp");
	TT_CHECK_EQ_STR(tt_otlp_reject_name(99), "unknown");
}

TT_TEST(sample_event_gives_exact_log_record)
{
	static char out[TT_OTLP_RECORD_MAX];
	struct tt_otlp_event ev;
	long n;

	TT_CHECK_EQ_INT(tt_otlp_event_parse(q(sample_line), strlen(sample_line), &ev),
			TT_OTLP_OK);
	n = tt_otlp_log_record(&ev.rd.ev, OBSERVED, out, sizeof(out));
	TT_CHECK_EQ_INT(n, (long)strlen(sample_record));
	TT_CHECK_EQ_STR(out, q(sample_record));
	/* The facts the metrics use. */
	TT_CHECK_EQ_STR(ev.rd.ev.event_id, "00000000-0000-4000-8000-000000000001");
	TT_CHECK_EQ_STR(ev.rd.ev.response_model, "gpt-4o-mini-2024-07-18");
	TT_CHECK_EQ_INT(obs_of(&ev).input_tokens, 34);
	TT_CHECK_EQ_INT(obs_of(&ev).output_tokens, 13);
	TT_CHECK(obs_of(&ev).duration_s > 0.000559 &&
		 obs_of(&ev).duration_s < 0.000561);
	TT_CHECK_EQ_STR(error_type_of(&ev), "");
	TT_CHECK_EQ_INT(obs_of(&ev).unallocated, 0);
	/* One byte short of the record and its NUL: refused, not cut. */
	TT_CHECK_EQ_INT(tt_otlp_log_record(&ev.rd.ev, OBSERVED, out, (size_t)n),
			-E2BIG);
	tt_otlp_event_free(&ev);
}

static long record_of(const char *line, char *out, size_t cap,
		      struct tt_otlp_event *ev)
{
	const char *l = q(line);
	long n;

	if (tt_otlp_event_parse(l, strlen(l), ev))
		return -1;
	n = tt_otlp_log_record(&ev->rd.ev, 5, out, cap);
	return n;
}

#define HEAD "{'event_type':'ai_api_cost_allocation','event_id':'e1'," \
	     "'timestamp_utc':'1970-01-01T00:00:01Z',"

TT_TEST(error_type_and_nulls)
{
	static const struct {
		const char *tail, *error_type, *severity;
	} cases[] = {
		{ "'outcome':'rate_limited','status_code':429,"
		  "'error_type':'rate_limit_error'}", "rate_limit_error", "WARN" },
		{ "'outcome':'server_error','status_code':500,'error_type':null}",
		  "500", "WARN" },
		{ "'outcome':'incomplete','status_code':null}", "incomplete",
		  "WARN" },
		{ "'outcome':'success','status_code':200}", "", "INFO" },
	};
	static char out[8192];
	struct tt_otlp_event ev;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char line[512];

		snprintf(line, sizeof(line), "%s%s", HEAD, cases[i].tail);
		tt_case("%s", cases[i].tail);
		TT_CHECK(record_of(line, out, sizeof(out), &ev) > 0);
		TT_CHECK_EQ_STR(error_type_of(&ev), cases[i].error_type);
		TT_CHECK(strstr(out, cases[i].severity) != NULL);
		TT_CHECK((strstr(out, "\"error.type\"") != NULL) ==
			 (cases[i].error_type[0] != '\0'));
		TT_CHECK(is_json_object(out));
		tt_otlp_event_free(&ev);
	}
	/* Nulls, wrong types and empty strings give no attribute at all. */
	tt_case("nulls");
	TT_CHECK(record_of(HEAD "'provider':null,'operation':'','stream':1,"
			   "'usage':{'input_tokens':1.5,'output_tokens':'7'},"
			   "'tags':{'a':null,'b':2},'allocation':{'sources':[1]},"
			   "'cost':{'amount':null},'owner':'unallocated',"
			   "'process':{'pid':-3}}", out, sizeof(out), &ev) > 0);
	TT_CHECK_EQ_STR(out, q("{'timeUnixNano':'1000000000',"
			       "'observedTimeUnixNano':'5','severityNumber':13,"
			       "'severityText':'WARN','body':{"
			       "'stringValue':'ai_api_cost_allocation'},"
			       "'attributes':[{'key':'process.pid','value':{"
			       "'intValue':'-3'}},{'key':'tokentap.event_id',"
			       "'value':{'stringValue':'e1'}},"
			       "{'key':'tokentap.owner','value':{"
			       "'stringValue':'unallocated'}},"
			       "{'key':'tokentap.tags','value':{'kvlistValue':{"
			       "'values':[]}}},{'key':'tokentap.allocation.sources',"
			       "'value':{'arrayValue':{'values':[]}}}]}"));
	TT_CHECK_EQ_INT(obs_of(&ev).input_tokens, -1);
	TT_CHECK_EQ_INT(obs_of(&ev).output_tokens, -1);
	TT_CHECK(obs_of(&ev).duration_s < 0);
	tt_otlp_event_free(&ev);
	tt_case("unallocated");
	TT_CHECK(record_of(HEAD "'allocation':{'status':'unallocated'}}", out,
			   sizeof(out), &ev) > 0);
	TT_CHECK_EQ_INT(obs_of(&ev).unallocated, 1);
	tt_otlp_event_free(&ev);
}

/* A declared traceparent puts the record into the caller's trace; ids
 * that are not W3C ids (wrong length, upper case, all zero) are left out,
 * the span without its trace too. */
TT_TEST(declared_traceparent_sets_trace_and_span)
{
	static const struct {
		const char *declared, *trace, *span;
	} cases[] = {
		{ "'trace_id':'4bf92f3577b34da6a3ce929d0e0e4736',"
		  "'span_id':'00f067aa0ba902b7'",
		  "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7" },
		{ "'trace_id':'4bf92f3577b34da6a3ce929d0e0e4736','span_id':null",
		  "4bf92f3577b34da6a3ce929d0e0e4736", NULL },
		{ "'trace_id':'4BF92F3577B34DA6A3CE929D0E0E4736',"
		  "'span_id':'00f067aa0ba902b7'", NULL, NULL },
		{ "'trace_id':'00000000000000000000000000000000',"
		  "'span_id':'00f067aa0ba902b7'", NULL, NULL },
		{ "'trace_id':'4bf92f3577b34da6a3ce929d0e0e473',"
		  "'span_id':'00f067aa0ba902b7'", NULL, NULL },
		{ "'trace_id':null,'span_id':'00f067aa0ba902b7'", NULL, NULL },
	};
	static char out[8192];
	struct tt_otlp_event ev;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char line[512], want[64];
		cJSON *rec;

		snprintf(line, sizeof(line), "%s'outcome':'success',"
			 "'declared':{%s}}", HEAD, cases[i].declared);
		tt_case("%s", cases[i].declared);
		TT_CHECK(record_of(line, out, sizeof(out), &ev) > 0);
		rec = cJSON_Parse(out);
		TT_CHECK(rec != NULL);
		if (cases[i].trace) {
			snprintf(want, sizeof(want), "%s", cases[i].trace);
			TT_CHECK_EQ_STR(cJSON_GetStringValue(
				cJSON_GetObjectItem(rec, "traceId")), want);
		} else {
			TT_CHECK(!cJSON_GetObjectItem(rec, "traceId"));
		}
		if (cases[i].span)
			TT_CHECK_EQ_STR(cJSON_GetStringValue(
				cJSON_GetObjectItem(rec, "spanId")), cases[i].span);
		else
			TT_CHECK(!cJSON_GetObjectItem(rec, "spanId"));
		cJSON_Delete(rec);
		tt_otlp_event_free(&ev);
	}
}

TT_TEST(strings_are_reescaped)
{
	static char out[8192];
	struct tt_otlp_event ev;
	static const char line[] =
		"{\"event_type\":\"ai_api_cost_allocation\",\"event_id\":\"e\","
		"\"timestamp_utc\":\"2026-01-01T00:00:00Z\","
		"\"request_model\":\"a\\\"b\\\\c\\u0001\xff\"}";

	TT_CHECK_EQ_INT(tt_otlp_event_parse(line, strlen(line), &ev), TT_OTLP_OK);
	TT_CHECK(tt_otlp_log_record(&ev.rd.ev, 1, out, sizeof(out)) > 0);
	TT_CHECK(strstr(out, "{\"stringValue\":\"a\\\"b\\\\c\\u0001\\ufffd\"}") !=
		 NULL);
	TT_CHECK(is_json_object(out));
	tt_otlp_event_free(&ev);
}

TT_TEST(batch_wraps_records)
{
	struct tt_otlp_batch b;
	struct tt_otlp_resource res = { "node-7", "0.1.0" };
	static char big[8192];

	TT_CHECK_EQ_INT(tt_otlp_batch_init(&b, 100, 2), -EINVAL);
	TT_CHECK_EQ_INT(tt_otlp_batch_init(&b, 4096, 0), -EINVAL);
	TT_CHECK_EQ_INT(tt_otlp_batch_init(&b, 4096, 2), 0);
	tt_otlp_batch_begin(&b, &res);
	TT_CHECK_EQ_INT(tt_otlp_batch_add(&b, "{\"a\":1}", 7), 0);
	TT_CHECK_EQ_INT(tt_otlp_batch_add(&b, "{\"b\":2}", 7), 0);
	TT_CHECK_EQ_INT(tt_otlp_batch_add(&b, "{\"c\":3}", 7), -ENOSPC);
	TT_CHECK_EQ_U64(tt_otlp_batch_finish(&b), strlen(b.buf));
	TT_CHECK_EQ_STR(b.buf, q(
		"{'resourceLogs':[{'resource':{'attributes':["
		"{'key':'service.name','value':{'stringValue':'tokentap'}},"
		"{'key':'service.version','value':{'stringValue':'0.1.0'}},"
		"{'key':'host.name','value':{'stringValue':'node-7'}}]},"
		"'scopeLogs':[{'scope':{'name':'tokentap','version':'0.1.0'},"
		"'logRecords':[{'a':1},{'b':2}]}]}]}"));
	/* Bytes: a record that can never fit, then one that fills it. */
	tt_otlp_batch_begin(&b, NULL);
	memset(big, 'x', sizeof(big));
	TT_CHECK_EQ_INT(tt_otlp_batch_add(&b, big, 4096), -E2BIG);
	TT_CHECK_EQ_INT(b.records, 0);
	TT_CHECK_EQ_INT(tt_otlp_batch_add(&b, big, 4096 - b.head_len - 6), 0);
	tt_otlp_batch_finish(&b);
	TT_CHECK_EQ_U64(b.len, 4096);
	TT_CHECK_EQ_INT(b.buf[4096], '\0');
	tt_otlp_batch_free(&b);
}

TT_TEST(batch_of_real_records_is_json)
{
	struct tt_otlp_batch b;
	static char out[TT_OTLP_RECORD_MAX];
	struct tt_otlp_event ev;
	long n;
	int added = 0, ret;

	TT_CHECK_EQ_INT(tt_otlp_batch_init(&b, 16384, 512), 0);
	tt_otlp_batch_begin(&b, NULL);
	TT_CHECK_EQ_INT(tt_otlp_event_parse(q(sample_line), strlen(sample_line), &ev),
			TT_OTLP_OK);
	n = tt_otlp_log_record(&ev.rd.ev, OBSERVED, out, sizeof(out));
	while ((ret = tt_otlp_batch_add(&b, out, (size_t)n)) == 0)
		added++;
	TT_CHECK_EQ_INT(ret, -ENOSPC);
	TT_CHECK_EQ_INT(added, 3); /* 5 KiB each */
	tt_otlp_batch_finish(&b);
	TT_CHECK(is_json_object(b.buf));
	tt_otlp_event_free(&ev);
	tt_otlp_batch_free(&b);
}

static void record_line(struct tt_otlp_metrics *m, const char *line)
{
	struct tt_otlp_event ev;
	const char *l = q(line);

	TT_CHECK_EQ_INT(tt_otlp_event_parse(l, strlen(l), &ev), TT_OTLP_OK);
	tt_otlp_metrics_record(m, (struct tt_otlp_obs[]){ obs_of(&ev) });
	tt_otlp_event_free(&ev);
}

TT_TEST(metrics_exact_payload)
{
	struct tt_otlp_metrics *m = tt_otlp_metrics_new(4, 1000);
	struct tt_otlp_resource res = { "h", NULL };
	static char out[65536];

	/* 4 tokens fall in the (1, 4] bucket: bounds are inclusive. */
	record_line(m, HEAD "'provider':'openai','request_model':'m',"
		    "'usage':{'input_tokens':4,'output_tokens':null},"
		    "'duration_ms':20,'outcome':'success'}");
	record_line(m, HEAD "'provider':'openai','request_model':'m',"
		    "'usage':{'input_tokens':100,'output_tokens':null},"
		    "'duration_ms':null,'outcome':'success',"
		    "'allocation':{'status':'unallocated'}}");
	tt_otlp_metrics_set(m, TT_OTLP_C_CAPTURE_LOST, 9);
	TT_CHECK(tt_otlp_metrics_payload(m, &res, 2000, out, sizeof(out)) > 0);
	TT_CHECK_EQ_STR(out, q(
		"{'resourceMetrics':[{'resource':{'attributes':["
		"{'key':'service.name','value':{'stringValue':'tokentap'}},"
		"{'key':'host.name','value':{'stringValue':'h'}}]},"
		"'scopeMetrics':[{'scope':{'name':'tokentap'},'metrics':["
		"{'name':'gen_ai.client.token.usage',"
		"'description':'Number of input and output tokens used',"
		"'unit':'{token}','histogram':{'dataPoints':[{'attributes':["
		"{'key':'gen_ai.token.type','value':{'stringValue':'input'}},"
		"{'key':'gen_ai.provider.name','value':{'stringValue':'openai'}},"
		"{'key':'gen_ai.request.model','value':{'stringValue':'m'}}],"
		"'startTimeUnixNano':'1000','timeUnixNano':'2000','count':'2',"
		"'sum':104,'bucketCounts':['0','1','0','0','1','0','0','0','0',"
		"'0','0','0','0','0','0'],'explicitBounds':[1,4,16,64,256,1024,"
		"4096,16384,65536,262144,1048576,4194304,16777216,67108864],"
		"'min':4,'max':100}],'aggregationTemporality':2}},"
		"{'name':'gen_ai.client.operation.duration',"
		"'description':'GenAI operation duration','unit':'s',"
		"'histogram':{'dataPoints':[{'attributes':["
		"{'key':'gen_ai.provider.name','value':{'stringValue':'openai'}},"
		"{'key':'gen_ai.request.model','value':{'stringValue':'m'}}],"
		"'startTimeUnixNano':'1000','timeUnixNano':'2000','count':'1',"
		"'sum':0.02,'bucketCounts':['0','1','0','0','0','0','0','0','0',"
		"'0','0','0','0','0','0'],'explicitBounds':[0.01,0.02,0.04,0.08,"
		"0.16,0.32,0.64,1.28,2.56,5.12,10.24,20.48,40.96,81.92],"
		"'min':0.02,'max':0.02}],'aggregationTemporality':2}},"
		"{'name':'tokentap.events','description':'Allocation events "
		"exported','unit':'{event}','sum':{'dataPoints':[{"
		"'startTimeUnixNano':'1000','timeUnixNano':'2000','asInt':'2'}],"
		"'aggregationTemporality':2,'isMonotonic':true}},"
		"{'name':'tokentap.events.unallocated','description':'Allocation "
		"events no owner rule matched','unit':'{event}','sum':{"
		"'dataPoints':[{'startTimeUnixNano':'1000','timeUnixNano':'2000',"
		"'asInt':'1'}],'aggregationTemporality':2,'isMonotonic':true}},"
		"{'name':'tokentap.capture.lost','description':'Capture events "
		"lost (ring buffer full)','unit':'{event}','sum':{'dataPoints':[{"
		"'startTimeUnixNano':'1000','timeUnixNano':'2000','asInt':'9'}],"
		"'aggregationTemporality':2,'isMonotonic':true}},"
		"{'name':'tokentap.otlp.dropped','description':'Log records the "
		"exporter dropped','unit':'{record}','sum':{'dataPoints':[{"
		"'startTimeUnixNano':'1000','timeUnixNano':'2000','asInt':'0'}],"
		"'aggregationTemporality':2,'isMonotonic':true}}]}]}]}"));
	tt_otlp_metrics_free(m);
}

TT_TEST(metrics_series_cap_and_worst_case_size)
{
	const unsigned max = 16;
	struct tt_otlp_metrics *m = tt_otlp_metrics_new(max, 1);
	size_t cap = tt_otlp_metrics_payload_max(max);
	char *out = malloc(cap);
	long n;

	for (unsigned i = 0; i < max + 5; i++) {
		static char esc[2048], line[16384];
		struct tt_otlp_event ev;
		size_t o;

		/* Keys as long and as escape-prone as they come: a control
		 * character, then 300 quotes and backslashes. */
		o = (size_t)snprintf(esc, sizeof(esc), "%06u\\u0001", i);
		for (int k = 0; k < 300; k++, o += 2)
			memcpy(esc + o, k % 2 ? "\\\\" : "\\\"", 2);
		esc[o] = '\0';
		snprintf(line, sizeof(line),
			 "{\"event_type\":\"ai_api_cost_allocation\","
			 "\"event_id\":\"e\",\"timestamp_utc\":"
			 "\"2026-01-01T00:00:00Z\",\"request_model\":\"%s\","
			 "\"response_model\":\"%s\",\"provider\":\"%s\","
			 "\"operation\":\"%s\",\"server_address\":\"%s\","
			 "\"error_type\":\"%s\",\"usage\":{\"input_tokens\":"
			 "9007199254740991,\"output_tokens\":2},"
			 "\"duration_ms\":123456789.123}", esc, esc, esc, esc,
			 esc, esc);
		TT_CHECK_EQ_INT(tt_otlp_event_parse(line, strlen(line), &ev),
				TT_OTLP_OK);
		tt_otlp_metrics_record(m, (struct tt_otlp_obs[]){ obs_of(&ev) });
		tt_otlp_event_free(&ev);
	}
	/* 5 events over the cap, in each of the two tables. */
	TT_CHECK_EQ_U64(tt_otlp_metrics_stats(m)->series_overflow, 2 * 5);
	n = tt_otlp_metrics_payload(m, NULL, 2, out, cap);
	TT_CHECK(n > 0 && (size_t)n < cap);
	TT_CHECK(strstr(out, "otel.metric.overflow") != NULL);
	TT_CHECK(strstr(out, "\\u") == NULL); /* keys were made plain */
	TT_CHECK(is_json_object(out));
	TT_CHECK_EQ_INT(tt_otlp_metrics_payload(m, NULL, 2, out, 1000), -E2BIG);
	TT_CHECK_EQ_U64(tt_otlp_metrics_stats(m)->payload_too_big, 1);
	free(out);
	tt_otlp_metrics_free(m);
}

/* The agent's path (the struct its pipeline built) and the line path
 * (that event's ledger line read back) give the same record and the same
 * metric observation: so the exact sample record above holds for both. */
TT_TEST(built_event_and_its_line_agree)
{
	static char line[TT_EVENT_MAX], from_struct[TT_OTLP_RECORD_MAX],
		from_line[TT_OTLP_RECORD_MAX];
	struct tt_otlp_obs a, b;
	struct tt_otlp_event ev;
	struct tt_event built;

	for (int rich = 0; rich <= 1; rich++) {
		tt_case("rich %d", rich);
		efx_build(rich, &built);
		TT_CHECK(tt_event_json(&built, line, sizeof(line)) > 0);
		TT_CHECK_EQ_INT(tt_otlp_event_parse(line, strlen(line), &ev),
				TT_OTLP_OK);
		TT_CHECK(tt_otlp_log_record(&built, OBSERVED, from_struct,
					    sizeof(from_struct)) > 0);
		TT_CHECK(tt_otlp_log_record(&ev.rd.ev, OBSERVED, from_line,
					    sizeof(from_line)) > 0);
		TT_CHECK_EQ_STR(from_struct, from_line);
		TT_CHECK(is_json_object(from_struct));
		tt_otlp_obs_of(&built, &a);
		tt_otlp_obs_of(&ev.rd.ev, &b);
		for (int k = 0; k < TT_OTLP_KEYS; k++)
			TT_CHECK_EQ_STR(a.key[k], b.key[k]);
		TT_CHECK_EQ_INT(a.input_tokens, b.input_tokens);
		TT_CHECK_EQ_INT(a.output_tokens, b.output_tokens);
		TT_CHECK(a.duration_s == b.duration_s);
		TT_CHECK_EQ_INT(a.unallocated, b.unallocated);
		tt_otlp_event_free(&ev);
		efx_free();
	}
	/* The rich record has what only a full event has. */
	TT_CHECK(strstr(from_struct, q("{'key':'k8s.pod.uid'")) != NULL);
	TT_CHECK(strstr(from_struct, q("{'key':'container.name','value':{"
				       "'stringValue':'web'}}")) != NULL);
	TT_CHECK(strstr(from_struct, q("{'key':'tokentap.ttfb_ms','value':{"
				       "'doubleValue':120.5}}")) != NULL);
	TT_CHECK(strstr(from_struct, q("{'key':'tokentap.cost.priced_as.model',"
				       "'value':{'stringValue':'gpt-4o-mini'}}")) != NULL);
	/* Labels, the key's hint and the table's path are not exported. */
	TT_CHECK(strstr(from_struct, "labels") == NULL);
	TT_CHECK(strstr(from_struct, "sk-...") == NULL);
	TT_CHECK(strstr(from_struct, "/etc/tokentap") == NULL);
	/* Whole microseconds, as timestamp_utc says. */
	TT_CHECK(strstr(from_struct, q("'timeUnixNano':'1763000000123456000'")) != NULL);
}

TT_TEST(queue_entry_round_trip)
{
	static char entry[TT_OTLP_ENTRY_MAX];
	static const char rec[] = "{\"a\":1}";
	struct tt_otlp_obs obs, back;
	const char *r;
	size_t rlen;
	long n;

	memset(&obs, 0, sizeof(obs));
	snprintf(obs.key[TT_OTLP_KEY_PROVIDER], TT_OTLP_STR_MAX, "openai");
	memset(obs.key[TT_OTLP_KEY_SERVER], 'h', TT_OTLP_STR_MAX - 1);
	obs.input_tokens = 7;
	obs.output_tokens = -1;
	obs.duration_s = 0.25;
	obs.unallocated = 1;
	n = tt_otlp_entry_pack(&obs, rec, sizeof(rec) - 1, entry, sizeof(entry));
	TT_CHECK(n > 0);
	TT_CHECK_EQ_INT(tt_otlp_entry_unpack(entry, (size_t)n, &back, &r, &rlen), 0);
	TT_CHECK_EQ_U64(rlen, sizeof(rec) - 1);
	TT_CHECK(!memcmp(r, rec, rlen));
	for (int k = 0; k < TT_OTLP_KEYS; k++)
		TT_CHECK_EQ_STR(back.key[k], obs.key[k]);
	TT_CHECK_EQ_INT(back.input_tokens, 7);
	TT_CHECK_EQ_INT(back.output_tokens, -1);
	TT_CHECK(back.duration_s == 0.25);
	TT_CHECK_EQ_INT(back.unallocated, 1);
	/* Too small a buffer; an entry cut short. */
	TT_CHECK_EQ_INT(tt_otlp_entry_pack(&obs, rec, sizeof(rec) - 1, entry,
					   (size_t)n - 1), -E2BIG);
	TT_CHECK_EQ_INT(tt_otlp_entry_unpack(entry, 20, &back, &r, &rlen), -EINVAL);
	TT_CHECK_EQ_INT(tt_otlp_entry_unpack(entry, 300, &back, &r, &rlen), -EINVAL);
}
