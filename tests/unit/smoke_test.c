// SPDX-License-Identifier: MIT
/* Tests for user/smoke/: the smoke checks on ledger events and the
 * handoff record. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "smoke/smoke.h"
#include "tt_test.h"

#define SHA "d468eb52d0da14e0982103c1301b1e73579a1f87fa149a14002215eb86ffa1b1"

static struct tt_smoke_window happy_w, error_w;
static struct tt_smoke_result res;

/* An event of the workload in cgroup /svc/checkout, booked by rule
 * "checkout" unless unallocated. */
static cJSON *event(int pid, const char *outcome, int status, int priced,
		    int allocated)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "{\"event_type\":\"ai_api_cost_allocation\",\"event_id\":\"id-%d-%d\","
		 "\"timestamp_utc\":\"2026-12-07T10:00:00Z\","
		 "\"process\":{\"pid\":%d},\"cgroup\":{\"path\":\"/svc/checkout/app\"},"
		 "\"owner\":\"%s\",\"environment\":\"staging\","
		 "\"allocation\":{\"status\":\"%s\",\"rule\":%s},"
		 "\"provider\":\"openai\",\"request_model\":\"gpt-4o-mini\","
		 "\"response_model\":\"gpt-4o-mini-2024-07-18\",\"status_code\":%d,"
		 "\"outcome\":\"%s\",\"usage_status\":\"%s\","
		 "\"usage\":{\"input_tokens\":12,\"output_tokens\":3},"
		 "\"cost\":{\"amount\":%s,\"currency\":\"USD\",\"reason\":%s,"
		 "\"pricing_table\":\"/t/prices.json\",\"pricing_sha256\":\"" SHA "\","
		 "\"priced_as\":{\"provider\":\"openai\",\"model\":\"gpt-4o-mini-2024-07-18\","
		 "\"match\":\"exact\",\"effective_from\":null}}}",
		 pid, status, pid, allocated ? "checkout" : "unallocated",
		 allocated ? "allocated" : "unallocated",
		 allocated ? "\"checkout\"" : "null", status, outcome,
		 status == 200 ? "reported" : "none", priced ? "0.0001" : "null",
		 priced ? "null" : "\"unknown_model\"");
	return cJSON_Parse(text);
}

static void add(struct tt_smoke_window *w, cJSON *ev)
{
	TT_CHECK(ev != NULL);
	w->ev[w->n++] = ev;
}

static void clear(void)
{
	for (size_t i = 0; i < happy_w.n; i++)
		cJSON_Delete((cJSON *)happy_w.ev[i]);
	for (size_t i = 0; i < error_w.n; i++)
		cJSON_Delete((cJSON *)error_w.ev[i]);
	memset(&happy_w, 0, sizeof(happy_w));
	memset(&error_w, 0, sizeof(error_w));
}

static int has_reason(const char *want)
{
	for (unsigned i = 0; i < res.nreasons; i++)
		if (strstr(res.reasons[i], want))
			return 1;
	TT_NOTE("no reason with \"%s\" among %u", want, res.nreasons);
	for (unsigned i = 0; i < res.nreasons; i++)
		TT_NOTE("  %s", res.reasons[i]);
	return 0;
}

static const struct tt_smoke_spec spec = {
	.workload = "/svc/checkout", .max_error_attempts = 1,
	.happy_pid = 100, .error_pid = 200,
};

TT_TEST(workload_by_cgroup_or_rule)
{
	cJSON *ev = event(1, "success", 200, 1, 1);

	TT_CHECK(tt_smoke_is_workload(ev, "/svc/checkout"));
	TT_CHECK(tt_smoke_is_workload(ev, "/svc/checkout/"));
	TT_CHECK(tt_smoke_is_workload(ev, "/svc/checkout/app"));
	TT_CHECK(!tt_smoke_is_workload(ev, "/svc/check"));
	TT_CHECK(tt_smoke_is_workload(ev, "checkout"));
	TT_CHECK(!tt_smoke_is_workload(ev, "search"));
	cJSON_Delete(ev);
}

TT_TEST(mapped_workload_passes)
{
	add(&happy_w, event(100, "success", 200, 1, 1));
	add(&error_w, event(200, "auth_error", 401, 0, 1));
	tt_smoke_check(&spec, &happy_w, &error_w, &res);
	TT_CHECK_EQ_INT(res.happy_pass, 1);
	TT_CHECK_EQ_INT(res.error_pass, 1);
	TT_CHECK_EQ_INT(res.nreasons, 0);
	TT_CHECK_EQ_STR(res.owner, "checkout");
	TT_CHECK_EQ_STR(res.environment, "staging");
	TT_CHECK_EQ_INT(res.auth_failures, 1);
	clear();
}

TT_TEST(unmapped_unpriced_and_more_than_one_event)
{
	add(&happy_w, event(100, "success", 200, 0, 0));
	add(&happy_w, event(100, "success", 200, 0, 0));
	add(&error_w, event(200, "auth_error", 401, 0, 0));
	tt_smoke_check(&spec, &happy_w, &error_w, &res);
	TT_CHECK_EQ_INT(res.happy_pass, 0);
	TT_CHECK_EQ_INT(res.error_pass, 1);
	TT_CHECK(has_reason("2 events of workload /svc/checkout, want exactly the call's one"));
	TT_CHECK(has_reason("unmapped workload: the call (pid 100) was booked to \"unallocated\""));
	TT_CHECK(has_reason("unpriced (cost.reason unknown_model): model gpt-4o-mini-2024-07-18"));
	clear();
}

TT_TEST(error_path_retry_storm_and_wrong_outcome)
{
	struct tt_smoke_spec two = spec;

	add(&happy_w, event(100, "success", 200, 1, 1));
	for (int i = 0; i < 3; i++)
		add(&error_w, event(200, "auth_error", 401, 0, 1));
	two.max_error_attempts = 2;
	tt_smoke_check(&two, &happy_w, &error_w, &res);
	TT_CHECK_EQ_INT(res.happy_pass, 1);
	TT_CHECK_EQ_INT(res.error_pass, 0);
	TT_CHECK(has_reason("retried: 3 attempts, more than --max-error-attempts 2"));
	two.max_error_attempts = 3; /* at the limit */
	tt_smoke_check(&two, &happy_w, &error_w, &res);
	TT_CHECK_EQ_INT(res.error_pass, 1);
	clear();
	add(&happy_w, event(100, "server_error", 503, 0, 1));
	add(&error_w, event(200, "success", 200, 1, 1));
	tt_smoke_check(&spec, &happy_w, &error_w, &res);
	TT_CHECK(has_reason("status category server_error (HTTP 503), want success"));
	TT_CHECK(has_reason("want an auth failure (401)"));
	clear();
}

TT_TEST(the_commands_events_when_the_workload_has_other_traffic)
{
	/* A live service in the same cgroup (pid 55) calls meanwhile. */
	add(&happy_w, event(55, "success", 200, 0, 1));
	add(&happy_w, event(100, "success", 200, 1, 1));
	add(&happy_w, event(55, "server_error", 503, 0, 1));
	add(&error_w, event(55, "success", 200, 1, 1));
	add(&error_w, event(200, "auth_error", 401, 0, 1));
	tt_smoke_check(&spec, &happy_w, &error_w, &res);
	TT_CHECK_EQ_INT(res.happy_pass, 1);
	TT_CHECK_EQ_INT(res.error_pass, 1);
	TT_CHECK_EQ_INT(res.happy_events, 1);
	TT_CHECK_EQ_INT(res.error_events, 1);
	clear();
	/* Not one event of the command's pid (it forked): all of them. */
	add(&happy_w, event(101, "success", 200, 1, 1));
	add(&happy_w, event(102, "success", 200, 1, 1));
	add(&error_w, event(201, "auth_error", 401, 0, 1));
	tt_smoke_check(&spec, &happy_w, &error_w, &res);
	TT_CHECK(has_reason("2 events of workload /svc/checkout"));
	clear();
}

TT_TEST(booked_elsewhere_and_nothing_seen)
{
	struct tt_smoke_spec other = spec;
	cJSON *ev = event(100, "success", 200, 1, 1);

	other.workload = "search";
	add(&happy_w, ev);
	tt_smoke_check(&other, &happy_w, &error_w, &res);
	TT_CHECK(has_reason("the call (pid 100) was booked to owner checkout (rule checkout), "
			    "not to workload search"));
	TT_CHECK(has_reason("error path: no event of workload search"));
	clear();
}

TT_TEST(watched_takes_the_first_of_each_kind)
{
	struct tt_smoke_spec w = spec;

	w.happy_watched = w.error_watched = 1;
	add(&happy_w, event(7, "auth_error", 401, 0, 1));
	add(&happy_w, event(8, "success", 200, 1, 1));
	add(&happy_w, event(9, "success", 200, 1, 1));
	tt_smoke_check(&w, &happy_w, &happy_w, &res);
	TT_CHECK_EQ_INT(res.happy_pass, 1);
	TT_CHECK_EQ_INT(res.error_pass, 1);
	TT_CHECK_EQ_INT(res.happy_events, 1);
	TT_CHECK_EQ_INT(res.error_events, 1);
	clear();
}

TT_TEST(price_sources)
{
	cJSON *table = cJSON_Parse(
		"{\"source\":\"https://example.org/table.json\",\"models\":["
		"{\"provider\":\"openai\",\"model\":\"gpt-4o-mini-2024-07-18\","
		"\"source\":\"https://openai.com/api/pricing/\"}]}");
	cJSON *bare = cJSON_Parse("{\"models\":[{\"provider\":\"openai\","
				  "\"model\":\"gpt-4o-mini-2024-07-18\"}]}");

	add(&happy_w, event(100, "success", 200, 1, 1));
	add(&error_w, event(200, "auth_error", 401, 0, 1));
	tt_smoke_check(&spec, &happy_w, &error_w, &res);
	tt_smoke_check_prices(&res, table, SHA, NULL);
	TT_CHECK_EQ_INT(res.happy_pass, 1);
	TT_CHECK_EQ_INT(res.nurls, 2);
	TT_CHECK_EQ_STR(res.urls[0], "https://openai.com/api/pricing/");
	TT_CHECK_EQ_STR(res.urls[1], "https://example.org/table.json");
	tt_smoke_check(&spec, &happy_w, &error_w, &res);
	tt_smoke_check_prices(&res, table, "00" SHA, NULL);
	TT_CHECK(has_reason("is not the one that priced the call"));
	tt_smoke_check(&spec, &happy_w, &error_w, &res);
	tt_smoke_check_prices(&res, bare, SHA, NULL);
	TT_CHECK(has_reason("names no source URL"));
	tt_smoke_check(&spec, &happy_w, &error_w, &res);
	tt_smoke_check_prices(&res, NULL, NULL, "cannot read the price table /t: gone");
	TT_CHECK(has_reason("price sources not checked: cannot read the price table /t: gone"));
	cJSON_Delete(table);
	cJSON_Delete(bare);
	clear();
}

TT_TEST(record_has_every_handoff_field)
{
	static const char *const fields[] = {
		"run_id", "reviewed_at", "operator", "source_urls_checked",
		"workload_tag", "owner_tag", "environment", "happy_path_result",
		"error_path_result", "evidence_captured", "decision",
		"follow_up_owner", NULL,
	};
	struct tt_smoke_record r = {
		.run_id = "0d2b5c1e-1111-4222-8333-444455556666",
		.reviewed_at = "2026-12-07T20:00:00.000000Z", .operator_name = "alice",
		.workload = "/svc/checkout", .follow_up_owner = "checkout",
		.ledger = "/var/lib/tokentap/events.jsonl", .max_error_attempts = 1,
		.happy_exit = 0, .error_exit = 22, .res = &res,
	};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cJSON *json;

	add(&happy_w, event(100, "success", 200, 1, 1));
	add(&error_w, event(200, "auth_error", 401, 0, 1));
	add(&error_w, event(200, "auth_error", 401, 0, 1));
	tt_smoke_check(&spec, &happy_w, &error_w, &res);
	json = tt_smoke_record_json(&r);
	TT_CHECK(json != NULL);
	for (int i = 0; fields[i]; i++) {
		TT_CHECK(cJSON_GetObjectItemCaseSensitive(json, fields[i]) != NULL);
	}
	TT_CHECK_EQ_STR(cJSON_GetObjectItemCaseSensitive(json, "decision")->valuestring, "fail");
	TT_CHECK_EQ_STR(cJSON_GetObjectItemCaseSensitive(json, "happy_path_result")->valuestring,
			"pass");
	TT_CHECK_EQ_STR(cJSON_GetObjectItemCaseSensitive(json, "error_path_result")->valuestring,
			"fail");
	TT_CHECK_EQ_STR(tt_smoke_at(json, "evidence_captured.happy_path.event")
				->child->valuestring, "id-100-200");
	TT_CHECK_EQ_INT(tt_smoke_at(json, "evidence_captured.error_path.auth_failures")
				->valueint, 2);
	TT_CHECK_EQ_INT(tt_smoke_at(json, "evidence_captured.error_path.command_exit")
				->valueint, 22);
	TT_CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(json, "reasons")), 1);
	tt_smoke_record_text(&r, f);
	fclose(f);
	for (int i = 0; fields[i]; i++)
		TT_CHECK(strstr(text, fields[i]) != NULL);
	TT_CHECK(strstr(text, "decision                 fail\n") != NULL);
	free(text);
	cJSON_Delete(json);
	clear();
}
