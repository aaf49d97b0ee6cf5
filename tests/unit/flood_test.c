// SPDX-License-Identifier: MIT
/* user/pipeline/flood.c: rate limits of the events any process can make at
 * will, and the summaries of what they held back. */
#include <cjson/cJSON.h>
#include "pipeline/flood.h"
#include "tt_test.h"

#define SEC 1000000000ull
#define T0 (1700000000ull * SEC)

static const struct tt_rate_limits LIM = {
	.burst = 20, .per_minute = 60, .global_burst = 200,
	.global_per_minute = 600, .summary_interval_s = 60,
};

struct lines {
	int n;
	uint64_t not_written;
	cJSON *last;
};

static void take_line(void *ctx, const char *s, size_t n)
{
	struct lines *l = ctx;
	cJSON *o = cJSON_ParseWithLength(s, n);

	TT_CHECK(o != NULL);
	if (!o)
		return;
	TT_CHECK_EQ_STR(cJSON_GetObjectItem(o, "type")->valuestring,
			"event_summary");
	l->not_written += (uint64_t)cJSON_GetObjectItem(o, "events_not_written")
				  ->valuedouble;
	l->n++;
	cJSON_Delete(l->last);
	l->last = o;
}

/* An event of each kind: answered and recognised, unanswered, unknown. */
static struct tt_call call_ok = { .provider = "openai", .operation = "chat" };
static struct tt_call call_unknown = { .provider = "openai" };
static struct tt_call call_other = { .provider = "openai", .operation = "other" };
static struct tt_call call_other_usage = { .provider = "openai", .operation = "other",
					   .usage_status = TT_USAGE_REPORTED };
static const struct tt_xrec rec_ok = { .call = &call_ok, .host = "api.openai.com" };
static const struct tt_xrec rec_unanswered = { .call = &call_ok,
	.host = "api.openai.com", .problem = "no_response" };
static const struct tt_xrec rec_unknown = { .call = &call_unknown,
	.host = "api.openai.com" };
static const struct tt_xrec rec_dark = { .call = &call_ok, .dark = 1,
	.host = "api.openai.com", .problem = "tls_not_traced" };

TT_TEST(classes)
{
	TT_CHECK_EQ_INT(tt_flood_class_of(&rec_ok), -1);
	TT_CHECK_EQ_INT(tt_flood_class_of(&rec_unanswered), TT_FLOOD_UNANSWERED);
	TT_CHECK_EQ_INT(tt_flood_class_of(&rec_unknown), TT_FLOOD_UNRECOGNISED);
	TT_CHECK_EQ_INT(tt_flood_class_of(&rec_dark), TT_FLOOD_DARK);
	{
		struct tt_xrec other = { .call = &call_other };
		struct tt_xrec billed = { .call = &call_other_usage };

		TT_CHECK_EQ_INT(tt_flood_class_of(&other), TT_FLOOD_UNRECOGNISED);
		TT_CHECK_EQ_INT(tt_flood_class_of(&billed), -1); /* usage: never */
	}
}

/* 100,000 unanswered exchanges in 10 s from one cgroup: the burst and 10
 * s of refill are written, the rest counted into one summary exactly. */
TT_TEST(flood_from_one_cgroup_is_counted_not_written)
{
	struct tt_flood *f = tt_flood_new(&LIM);
	struct lines l = { 0 };
	uint64_t written = 0;

	for (uint64_t i = 0; i < 100000; i++)
		written += tt_flood_admit(f, &rec_unanswered, 42, "flood", 7,
					  T0 + i * (10 * SEC / 100000));
	TT_CHECK(written >= 29 && written <= 30);
	TT_CHECK_EQ_U64(tt_flood_get_stats(f)->limited_unanswered, 100000 - written);
	/* Not yet: the interval has not passed. */
	tt_flood_flush(f, T0 + 30 * SEC, 0, take_line, &l);
	TT_CHECK_EQ_INT(l.n, 0);
	tt_flood_flush(f, T0 + 61 * SEC, 0, take_line, &l);
	TT_CHECK_EQ_INT(l.n, 1);
	TT_CHECK_EQ_U64(l.not_written, 100000 - written);
	if (l.last) {
		cJSON *s = cJSON_GetObjectItem(l.last, "sample");

		TT_CHECK_EQ_STR(cJSON_GetObjectItem(l.last, "class")->valuestring,
				"unanswered");
		TT_CHECK_EQ_INT((int)cJSON_GetObjectItem(l.last, "cgroup_id")->valuedouble, 7);
		TT_CHECK_EQ_INT((int)cJSON_GetObjectItem(s, "pid")->valuedouble, 42);
		TT_CHECK_EQ_STR(cJSON_GetObjectItem(s, "server_address")->valuestring,
				"api.openai.com");
	}
	/* Nothing twice. */
	tt_flood_flush(f, T0 + 200 * SEC, 1, take_line, &l);
	TT_CHECK_EQ_INT(l.n, 1);
	cJSON_Delete(l.last);
	tt_flood_free(f);
}

/* Answered calls are never held back, whatever their number; another
 * cgroup's flood does not touch a quiet cgroup's allowance. */
TT_TEST(real_calls_and_other_cgroups_unaffected)
{
	struct tt_flood *f = tt_flood_new(&LIM);
	int ok = 0, quiet = 0;

	for (int i = 0; i < 100000; i++) {
		tt_flood_admit(f, &rec_unanswered, 1, "flood", 7, T0 + (uint64_t)i);
		tt_flood_admit(f, &rec_unknown, 1, "flood", 7, T0 + (uint64_t)i);
		ok += tt_flood_admit(f, &rec_ok, 2, "app", 8, T0 + (uint64_t)i);
	}
	TT_CHECK_EQ_INT(ok, 100000);
	for (int i = 0; i < 5; i++)
		quiet += tt_flood_admit(f, &rec_unanswered, 3, "app", 9, T0 + SEC);
	TT_CHECK_EQ_INT(quiet, 5);
	tt_flood_free(f);
}

/* Thousands of cgroups with one unanswered event each: the global bucket
 * holds the total to its burst; the table full, they share a bucket. */
TT_TEST(many_cgroups_do_not_multiply_the_rate)
{
	struct tt_flood *f = tt_flood_new(&LIM);
	struct lines l = { 0 };
	int written = 0;

	for (uint64_t cg = 1; cg <= 5000; cg++)
		written += tt_flood_admit(f, &rec_dark, (uint32_t)cg, "x", cg, T0);
	TT_CHECK_EQ_INT(written, 200);
	TT_CHECK(tt_flood_get_stats(f)->shared_bucket > 0);
	TT_CHECK_EQ_U64(tt_flood_get_stats(f)->limited_dark, 4800);
	tt_flood_flush(f, T0, 1, take_line, &l);
	TT_CHECK_EQ_U64(l.not_written, 4800);
	TT_CHECK(l.n <= TT_FLOOD_CGROUPS + 1);
	cJSON_Delete(l.last);
	tt_flood_free(f);
}

/* A burst of 0 turns the limits off; the burst comes back with time. */
TT_TEST(off_and_refill)
{
	struct tt_rate_limits off = LIM;
	struct tt_flood *f;
	int written = 0;

	off.burst = 0;
	f = tt_flood_new(&off);
	for (int i = 0; i < 1000; i++)
		written += tt_flood_admit(f, &rec_unanswered, 1, "x", 7, T0);
	TT_CHECK_EQ_INT(written, 1000);
	tt_flood_free(f);
	f = tt_flood_new(&LIM);
	written = 0;
	for (int i = 0; i < 100; i++)
		written += tt_flood_admit(f, &rec_unanswered, 1, "x", 7, T0);
	TT_CHECK_EQ_INT(written, 20);
	written = 0;
	for (int i = 0; i < 100; i++) /* a minute later: full again */
		written += tt_flood_admit(f, &rec_unanswered, 1, "x", 7, T0 + 60 * SEC);
	TT_CHECK_EQ_INT(written, 20);
	tt_flood_free(f);
}
