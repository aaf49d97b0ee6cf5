// SPDX-License-Identifier: MIT
/* Tests for user/metrics/: the registry, the text exposition, the cap,
 * label sanitizing and escaping, the listen address, the per-call
 * families, and the agent's health families (agent/counters.c). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "metrics/callmetrics.h"
#include "agent/counters.h"
#include "config/listen.h"
#include "metrics/metrics.h"
#include "tt_test.h"

static char text[1 << 20];

static const char *render(const struct tt_metrics *m)
{
	long n = tt_metrics_write(m, text, sizeof(text));

	TT_CHECK(n >= 0);
	TT_CHECK_EQ_U64(strlen(text), (uint64_t)n);
	return text;
}

static const char *const l_pm[] = { "provider", "model", NULL };
static const double small_buckets[] = { 0.5, 1, 2.5 };

TT_TEST(exact_exposition_of_a_small_registry)
{
	struct tt_metrics *m = tt_metrics_new(0);
	struct tt_mfam *req, *up, *dur;
	const char *a[] = { "openai", "gpt-4o" }, *b[] = { "anthropic", "claude" };

	TT_CHECK(m != NULL);
	req = tt_metrics_family(m, TT_METRIC_COUNTER, "t_requests_total",
				"Calls seen.", l_pm, NULL, 0);
	up = tt_metrics_family(m, TT_METRIC_GAUGE, "t_up", "Line one\\two\nthree.",
			       NULL, NULL, 0);
	dur = tt_metrics_family(m, TT_METRIC_HISTOGRAM, "t_seconds", "Time.",
				l_pm, small_buckets, 3);
	TT_CHECK(req && up && dur);
	TT_CHECK_EQ_INT(tt_mfam_add(req, a, 1), 0);
	TT_CHECK_EQ_INT(tt_mfam_add(req, b, 2), 0);
	TT_CHECK_EQ_INT(tt_mfam_add(req, a, 1), 0);
	TT_CHECK_EQ_INT(tt_mfam_set(up, NULL, 1.25), 0);
	/* On a boundary counts in that bucket; past the last only in +Inf. */
	TT_CHECK_EQ_INT(tt_mfam_observe(dur, a, 0.5), 0);
	TT_CHECK_EQ_INT(tt_mfam_observe(dur, a, 2), 0);
	TT_CHECK_EQ_INT(tt_mfam_observe(dur, a, 7.5), 0);
	TT_CHECK_EQ_STR(render(m),
		"# HELP t_requests_total Calls seen.\n"
		"# TYPE t_requests_total counter\n"
		"t_requests_total{provider=\"openai\",model=\"gpt-4o\"} 2\n"
		"t_requests_total{provider=\"anthropic\",model=\"claude\"} 2\n"
		"# HELP t_up Line one\\\\two\\nthree.\n"
		"# TYPE t_up gauge\n"
		"t_up 1.25\n"
		"# HELP t_seconds Time.\n"
		"# TYPE t_seconds histogram\n"
		"t_seconds_bucket{provider=\"openai\",model=\"gpt-4o\",le=\"0.5\"} 1\n"
		"t_seconds_bucket{provider=\"openai\",model=\"gpt-4o\",le=\"1\"} 1\n"
		"t_seconds_bucket{provider=\"openai\",model=\"gpt-4o\",le=\"2.5\"} 2\n"
		"t_seconds_bucket{provider=\"openai\",model=\"gpt-4o\",le=\"+Inf\"} 3\n"
		"t_seconds_sum{provider=\"openai\",model=\"gpt-4o\"} 10\n"
		"t_seconds_count{provider=\"openai\",model=\"gpt-4o\"} 3\n"
		"# HELP tokentap_metrics_series_dropped_total Updates folded into a "
		"family's \"_other\" series because its label sets were at the cap.\n"
		"# TYPE tokentap_metrics_series_dropped_total counter\n"
		"tokentap_metrics_series_dropped_total{family=\"t_requests_total\"} 0\n"
		"tokentap_metrics_series_dropped_total{family=\"t_seconds\"} 0\n");
	TT_CHECK_EQ_INT((int)tt_mfam_get(req, b), 2);
	TT_CHECK(isnan(tt_mfam_get(req, (const char *[]){ "x", "y" })));
	tt_metrics_free(m);
}

TT_TEST(label_less_counter_reads_zero_from_the_start)
{
	struct tt_metrics *m = tt_metrics_new(0);

	TT_CHECK(tt_metrics_family(m, TT_METRIC_COUNTER, "t_total", "T.", NULL,
				   NULL, 0) != NULL);
	TT_CHECK_EQ_STR(render(m), "# HELP t_total T.\n# TYPE t_total counter\n"
				   "t_total 0\n");
	tt_metrics_free(m);
}

TT_TEST(label_values_escaped_and_sanitized)
{
	struct tt_metrics *m = tt_metrics_new(0);
	struct tt_mfam *f = tt_metrics_family(m, TT_METRIC_COUNTER, "t_total",
					      "T.", l_pm, NULL, 0);
	/* Backslash and quote escaped; newline, tab, DEL and invalid UTF-8
	 * (a lone continuation byte, an overlong '/', a surrogate) replaced;
	 * valid multi-byte characters kept. */
	const char *v[] = { "a\\b\"c", "x\ny\tz\x7f|\x80|\xc0\xaf|\xed\xa0\x80|\xc3\xa9\xe2\x82\xac" };

	TT_CHECK_EQ_INT(tt_mfam_add(f, v, 1), 0);
	TT_CHECK(strstr(render(m),
		"t_total{provider=\"a\\\\b\\\"c\",model=\"x_y_z_|_|__|___|\xc3\xa9\xe2\x82\xac\"} 1\n")
		!= NULL);
	/* Values that sanitize alike are one series. */
	TT_CHECK_EQ_INT(tt_mfam_add(f, (const char *[]){ "a\\b\"c", "x\ty\nz\x01|\xff|__|___|\xc3\xa9\xe2\x82\xac" }, 1), 0);
	TT_CHECK(strstr(render(m), "} 2\n") != NULL);
	/* NULL values read as "". */
	TT_CHECK_EQ_INT(tt_mfam_add(f, (const char *[]){ NULL, NULL }, 1), 0);
	TT_CHECK(strstr(render(m), "t_total{provider=\"\",model=\"\"} 1\n") != NULL);
	tt_metrics_free(m);
}

TT_TEST(escape_function)
{
	char out[16];

	TT_CHECK_EQ_INT(tt_metrics_escape("a\"b\\c\nd", out, sizeof(out)), 10);
	TT_CHECK_EQ_STR(out, "a\\\"b\\\\c\\nd");
	TT_CHECK_EQ_INT(tt_metrics_escape("", out, sizeof(out)), 0);
	TT_CHECK_EQ_STR(out, "");
	/* Exactly fits: 15 bytes and the NUL. */
	TT_CHECK_EQ_INT(tt_metrics_escape("\"\"\"\"\"\"\"x", out, sizeof(out)), 15);
	TT_CHECK_EQ_INT(tt_metrics_escape("\"\"\"\"\"\"\"\"", out, sizeof(out)), -E2BIG);
	TT_CHECK(strlen(out) < sizeof(out));
	TT_CHECK_EQ_INT(tt_metrics_escape("a", out, 0), -E2BIG);
}

TT_TEST(sanitize_cuts_at_a_character_boundary)
{
	char in[300], out[TT_METRICS_VALUE_MAX + 1];
	size_t n;

	/* 127 ASCII bytes then a 2-byte character: it would end at 129. */
	memset(in, 'a', 127);
	strcpy(in + 127, "\xc3\xa9tail");
	n = tt_metrics_sanitize(in, out);
	TT_CHECK_EQ_U64(n, 127);
	TT_CHECK_EQ_U64(strlen(out), 127);
	memset(in, 'b', 200);
	in[200] = '\0';
	TT_CHECK_EQ_U64(tt_metrics_sanitize(in, out), TT_METRICS_VALUE_MAX);
	/* A truncated sequence at the end is invalid: one '_' per byte. */
	TT_CHECK_EQ_U64(tt_metrics_sanitize("ok\xe2\x82", out), 4);
	TT_CHECK_EQ_STR(out, "ok__");
	TT_CHECK_EQ_U64(tt_metrics_sanitize("\xf4\x90\x80\x80", out), 4); /* > U+10FFFF */
	TT_CHECK_EQ_STR(out, "____");
	TT_CHECK_EQ_U64(tt_metrics_sanitize("\xf0\x9f\x98\x80", out), 4);
	TT_CHECK_EQ_STR(out, "\xf0\x9f\x98\x80");
	TT_CHECK_EQ_U64(tt_metrics_sanitize(NULL, out), 0);
}

TT_TEST(values_format)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{ 0, "0" }, { 1, "1" }, { -3, "-3" }, { 123456789012345, "123456789012345" },
		{ 0.1, "0.1" }, { 0.25, "0.25" }, { 1e15, "1e+15" }, { 1e20, "1e+20" },
		{ 0.00012465, "0.00012465" }, { 1.0 / 3, "0.3333333333333333" },
		{ INFINITY, "+Inf" }, { -INFINITY, "-Inf" }, { NAN, "NaN" },
	};
	char out[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tt_case("%s", cases[i].want);
		TT_CHECK_EQ_STR(tt_metrics_format_value(cases[i].v, out), cases[i].want);
	}
}

TT_TEST(series_cap_folds_into_other)
{
	struct tt_metrics *m = tt_metrics_new(3);
	struct tt_mfam *f = tt_metrics_family(m, TT_METRIC_COUNTER, "t_total",
					      "T.", l_pm, NULL, 0);
	struct tt_mfam *h = tt_metrics_family(m, TT_METRIC_HISTOGRAM, "t_seconds",
					      "T.", l_pm, small_buckets, 3);
	struct tt_metrics_stats st;
	char model[16];

	for (int i = 0; i < 6; i++) {
		snprintf(model, sizeof(model), "m%d", i);
		TT_CHECK_EQ_INT(tt_mfam_add(f, (const char *[]){ "p", model }, 1), 0);
		TT_CHECK_EQ_INT(tt_mfam_observe(h, (const char *[]){ "p", model }, 2), 0);
	}
	/* A series made before the cap keeps counting on its own. */
	TT_CHECK_EQ_INT(tt_mfam_add(f, (const char *[]){ "p", "m1" }, 5), 0);
	render(m);
	TT_CHECK(strstr(text, "t_total{provider=\"p\",model=\"m0\"} 1\n") != NULL);
	TT_CHECK(strstr(text, "t_total{provider=\"p\",model=\"m1\"} 6\n") != NULL);
	TT_CHECK(strstr(text, "t_total{provider=\"p\",model=\"m2\"} 1\n") != NULL);
	TT_CHECK(strstr(text, "model=\"m3\"") == NULL);
	TT_CHECK(strstr(text, "t_total{provider=\"_other\",model=\"_other\"} 3\n") != NULL);
	TT_CHECK(strstr(text, "t_seconds_count{provider=\"_other\",model=\"_other\"} 3\n") != NULL);
	TT_CHECK(strstr(text, "t_seconds_bucket{provider=\"_other\",model=\"_other\",le=\"2.5\"} 3\n") != NULL);
	TT_CHECK(strstr(text, "tokentap_metrics_series_dropped_total{family=\"t_total\"} 3\n") != NULL);
	TT_CHECK(strstr(text, "tokentap_metrics_series_dropped_total{family=\"t_seconds\"} 3\n") != NULL);
	tt_metrics_get_stats(m, &st);
	TT_CHECK_EQ_U64(st.series, 8); /* 3 + "_other", twice */
	TT_CHECK_EQ_U64(st.series_dropped, 6);
	tt_metrics_free(m);
}

TT_TEST(many_series_grow_and_stay_findable)
{
	struct tt_metrics *m = tt_metrics_new(TT_METRICS_SERIES_DEFAULT);
	struct tt_mfam *f = tt_metrics_family(m, TT_METRIC_COUNTER, "t_total",
					      "T.", l_pm, NULL, 0);
	char model[16];
	int bad = 0;

	for (int round = 0; round < 2; round++)
		for (int i = 0; i < TT_METRICS_SERIES_DEFAULT; i++) {
			snprintf(model, sizeof(model), "m%d", i);
			tt_mfam_add(f, (const char *[]){ "p", model }, 1);
		}
	for (int i = 0; i < TT_METRICS_SERIES_DEFAULT; i++) {
		snprintf(model, sizeof(model), "m%d", i);
		bad += tt_mfam_get(f, (const char *[]){ "p", model }) != 2;
	}
	TT_CHECK_EQ_INT(bad, 0);
	TT_CHECK(isnan(tt_mfam_get(f, (const char *[]){ "_other", "_other" })));
	tt_metrics_free(m);
}

TT_TEST(bad_families_refused)
{
	static const char *const le[] = { "le", NULL };
	static const char *const dup[] = { "a", "a", NULL };
	static const char *const reserved[] = { "__name", NULL };
	static const char *const digit[] = { "1a", NULL };
	static const char *const nine[] = { "a", "b", "c", "d", "e", "f", "g",
					    "h", "i", NULL };
	static const double down[] = { 1, 0.5 };
	static const double inf[] = { 1, INFINITY };
	struct tt_metrics *m = tt_metrics_new(0);

	TT_CHECK(tt_metrics_family(m, TT_METRIC_COUNTER, "ok_total", "T.", NULL, NULL, 0));
	TT_CHECK(!tt_metrics_family(m, TT_METRIC_COUNTER, "ok_total", "T.", NULL, NULL, 0));
	TT_CHECK(!tt_metrics_family(m, TT_METRIC_COUNTER, TT_METRICS_DROPPED, "T.", NULL, NULL, 0));
	TT_CHECK(!tt_metrics_family(m, TT_METRIC_COUNTER, "1abc", "T.", NULL, NULL, 0));
	TT_CHECK(!tt_metrics_family(m, TT_METRIC_COUNTER, "a-b", "T.", NULL, NULL, 0));
	TT_CHECK(!tt_metrics_family(m, TT_METRIC_COUNTER, "", "T.", NULL, NULL, 0));
	TT_CHECK(!tt_metrics_family(m, TT_METRIC_COUNTER, "x", NULL, NULL, NULL, 0));
	TT_CHECK(!tt_metrics_family(m, 7, "x", "T.", NULL, NULL, 0));
	TT_CHECK(!tt_metrics_family(m, TT_METRIC_HISTOGRAM, "x", "T.", le, small_buckets, 3));
	TT_CHECK(!tt_metrics_family(m, TT_METRIC_COUNTER, "x", "T.", dup, NULL, 0));
	TT_CHECK(!tt_metrics_family(m, TT_METRIC_COUNTER, "x", "T.", reserved, NULL, 0));
	TT_CHECK(!tt_metrics_family(m, TT_METRIC_COUNTER, "x", "T.", digit, NULL, 0));
	TT_CHECK(!tt_metrics_family(m, TT_METRIC_COUNTER, "x", "T.", nine, NULL, 0));
	TT_CHECK(!tt_metrics_family(m, TT_METRIC_HISTOGRAM, "x", "T.", NULL, down, 2));
	TT_CHECK(!tt_metrics_family(m, TT_METRIC_HISTOGRAM, "x", "T.", NULL, inf, 2));
	TT_CHECK(!tt_metrics_family(m, TT_METRIC_HISTOGRAM, "x", "T.", NULL, NULL, 0));
	TT_CHECK(!tt_metrics_family(m, TT_METRIC_COUNTER, "x", "T.", NULL, small_buckets, 3));
	TT_CHECK(tt_metrics_family(m, TT_METRIC_GAUGE, "ns:x", "T.", NULL, NULL, 0));
	tt_metrics_free(m);
}

TT_TEST(bad_updates_counted)
{
	struct tt_metrics *m = tt_metrics_new(0);
	struct tt_mfam *c = tt_metrics_family(m, TT_METRIC_COUNTER, "c_total", "T.",
					      NULL, NULL, 0);
	struct tt_mfam *g = tt_metrics_family(m, TT_METRIC_GAUGE, "g", "T.", NULL,
					      NULL, 0);
	struct tt_mfam *h = tt_metrics_family(m, TT_METRIC_HISTOGRAM, "h", "T.",
					      NULL, small_buckets, 3);
	struct tt_metrics_stats st;

	TT_CHECK_EQ_INT(tt_mfam_add(c, NULL, -1), -EINVAL);
	TT_CHECK_EQ_INT(tt_mfam_add(c, NULL, NAN), -EINVAL);
	TT_CHECK_EQ_INT(tt_mfam_observe(c, NULL, 1), -EINVAL);
	TT_CHECK_EQ_INT(tt_mfam_add(h, NULL, 1), -EINVAL);
	TT_CHECK_EQ_INT(tt_mfam_set(h, NULL, 1), -EINVAL);
	TT_CHECK_EQ_INT(tt_mfam_add(g, NULL, -2.5), 0); /* gauges go down */
	TT_CHECK_EQ_INT(tt_mfam_set(c, NULL, 42), 0);   /* a mirrored total */
	tt_metrics_get_stats(m, &st);
	TT_CHECK_EQ_U64(st.bad_updates, 5);
	TT_CHECK_EQ_INT((int)tt_mfam_get(c, NULL), 42);
	TT_CHECK(tt_mfam_get(g, NULL) == -2.5);
	tt_metrics_free(m);
}

TT_TEST(small_buffer_is_e2big_and_terminated)
{
	struct tt_metrics *m = tt_metrics_new(0);
	char small[40];
	long full;

	tt_metrics_family(m, TT_METRIC_COUNTER, "t_total", "Some help text.",
			  NULL, NULL, 0);
	full = tt_metrics_write(m, text, sizeof(text));
	TT_CHECK(full > 0);
	memset(small, 'x', sizeof(small));
	TT_CHECK_EQ_INT(tt_metrics_write(m, small, sizeof(small)), -E2BIG);
	TT_CHECK(memchr(small, '\0', sizeof(small)) != NULL);
	/* Exactly the length plus the NUL fits. */
	TT_CHECK_EQ_INT(tt_metrics_write(m, text, (size_t)full + 1), full);
	TT_CHECK_EQ_INT(tt_metrics_write(m, text, (size_t)full), -E2BIG);
	TT_CHECK_EQ_INT(tt_metrics_write(m, text, 0), -E2BIG);
	tt_metrics_free(m);
}

TT_TEST(listen_addresses)
{
	static const char *const bad[] = {
		"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
		"localhost:9464", ":9464", "1.2.3:80", "::1:9464", "[::1]9464",
		"[::1]:", "[zz]:80", "127.0.0.1:+80", "127.0.0.1:80x", "OFF",
		"127.0.0.1:999999", "[::1:80",
		"[0000:0000:0000:0000:0000:0000:0000:0001]:9464-and-a-long-tail-xx",
	};
	struct tt_listen l;

	TT_CHECK_EQ_INT(tt_listen_parse(TT_METRICS_LISTEN_DEFAULT, &l), 0);
	TT_CHECK_EQ_INT(l.family, AF_INET);
	TT_CHECK_EQ_INT(l.port, 9464);
	TT_CHECK(l.addr[0] == 127 && l.addr[3] == 1 && !l.off);
	TT_CHECK_EQ_INT(tt_listen_parse("0.0.0.0:65535", &l), 0);
	TT_CHECK_EQ_INT(l.port, 65535);
	TT_CHECK_EQ_INT(tt_listen_parse("[::1]:1", &l), 0);
	TT_CHECK_EQ_INT(l.family, AF_INET6);
	TT_CHECK(l.addr[15] == 1 && l.port == 1);
	TT_CHECK_EQ_INT(tt_listen_parse("off", &l), 0);
	TT_CHECK(l.off);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tt_case("%s", bad[i]);
		TT_CHECK_EQ_INT(tt_listen_parse(bad[i], &l), -EINVAL);
	}
	TT_CHECK_EQ_INT(tt_listen_parse(NULL, &l), -EINVAL);
}

static void fake_call(struct tt_call *c, struct tt_xrec *rec)
{
	memset(c, 0, sizeof(*c));
	memset(rec, 0, sizeof(*rec));
	strcpy(c->provider, "openai");
	strcpy(c->request_model, "gpt-4o-mini");
	strcpy(c->response_model, "gpt-4o-mini-2024-07-18");
	c->outcome = TT_OUT_SUCCESS;
	c->usage = (struct tt_usage){ .input_tokens = 100, .output_tokens = 20,
				      .cache_read_input_tokens = 40,
				      .cache_creation_input_tokens = 0,
				      .reasoning_tokens = -1, .total_tokens = 120 };
	rec->call = c;
	rec->start_ns = 1000000000;
	rec->end_ns = 1750000000; /* 0.75 s */
}

/* What the event of rec booked: the call's facts resolved by the real
 * builder (no rules, no prices), then the owner and cost set. */
struct booked {
	int allocated, env_mismatch, priced;
	double cost;
	const char *currency, *owner, *environment;
};

static void event_of(const struct tt_xrec *rec, const struct booked *b,
		     struct tt_event *ev)
{
	struct tt_alloc a = { .host = "h" };
	struct tt_proc_facts pf = { .pid = 1 };

	tt_alloc_build(&a, rec, &pf, "id", ev);
	ev->alloc_status = b->allocated ? TT_OWNER_ALLOCATED_NAME
					: TT_OWNER_UNALLOCATED_NAME;
	ev->env_mismatch = b->env_mismatch;
	ev->cost_amount = b->priced ? b->cost : NAN;
	ev->currency = b->currency;
	ev->owner = b->owner;
	ev->environment = b->environment;
}

TT_TEST(call_metrics_from_one_event)
{
	struct tt_metrics *m = tt_metrics_new(0);
	struct tt_call_metrics cm;
	struct tt_call c;
	struct tt_xrec rec;
	struct booked res = { .allocated = 1, .priced = 1, .cost = 0.25,
			      .currency = "USD", .owner = "payments",
			      .environment = "production" };
	struct tt_event ev;
	const char *k[] = { "openai", "gpt-4o-mini-2024-07-18", "payments",
			    "production", "success", NULL };

	TT_CHECK_EQ_INT(tt_call_metrics_init(&cm, m), 0);
	fake_call(&c, &rec);
	event_of(&rec, &res, &ev);
	tt_call_metrics_observe(&cm, &ev);
	tt_call_metrics_observe(&cm, &ev);
	TT_CHECK_EQ_INT((int)tt_mfam_get(cm.requests, k), 2);
	TT_CHECK(tt_mfam_get(cm.cost, k) == 0.5);
	TT_CHECK(tt_mfam_get(cm.duration, k) == 1.5);
	k[5] = "input";
	TT_CHECK_EQ_INT((int)tt_mfam_get(cm.tokens, k), 200);
	k[5] = "output";
	TT_CHECK_EQ_INT((int)tt_mfam_get(cm.tokens, k), 40);
	k[5] = "cache_read";
	TT_CHECK_EQ_INT((int)tt_mfam_get(cm.tokens, k), 80);
	/* Zero and unreported counts make no series. */
	k[5] = "cache_creation";
	TT_CHECK(isnan(tt_mfam_get(cm.tokens, k)));
	k[5] = "reasoning";
	TT_CHECK(isnan(tt_mfam_get(cm.tokens, k)));
	TT_CHECK(isnan(tt_mfam_get(cm.unallocated, k)));
	TT_CHECK(isnan(tt_mfam_get(cm.mismatches, k)));
	render(m);
	TT_CHECK(strstr(text, "tokentap_request_duration_seconds_bucket{provider=\"openai\","
			"model=\"gpt-4o-mini-2024-07-18\",owner=\"payments\","
			"environment=\"production\",outcome=\"success\",le=\"0.5\"} 0\n") != NULL);
	TT_CHECK(strstr(text, "le=\"1\"} 2\n") != NULL);
	TT_CHECK(strstr(text, "# TYPE tokentap_request_duration_seconds histogram\n") != NULL);
	tt_metrics_free(m);
}

TT_TEST(call_metrics_unallocated_unpriced_unknown)
{
	struct tt_metrics *m = tt_metrics_new(0);
	struct tt_call_metrics cm;
	struct tt_call c;
	struct tt_xrec rec;
	struct booked res = { .allocated = 0, .env_mismatch = 1,
			      .priced = 1, .cost = 3, .currency = "EUR",
			      .owner = "unallocated" };
	struct tt_event ev;
	const char *k[] = { "unknown", "gpt-4o-mini", "unallocated", "unknown",
			    "rate_limited", NULL };

	TT_CHECK_EQ_INT(tt_call_metrics_init(&cm, m), 0);
	fake_call(&c, &rec);
	c.provider[0] = '\0';
	c.response_model[0] = '\0'; /* falls back to the requested model */
	c.outcome = TT_OUT_RATE_LIMITED;
	tt_usage_reset(&c.usage);
	rec.end_ns = rec.start_ns; /* no duration */
	event_of(&rec, &res, &ev);
	tt_call_metrics_observe(&cm, &ev);
	TT_CHECK_EQ_INT((int)tt_mfam_get(cm.requests, k), 1);
	TT_CHECK_EQ_INT((int)tt_mfam_get(cm.unallocated, k), 1);
	TT_CHECK_EQ_INT((int)tt_mfam_get(cm.mismatches, k), 1);
	TT_CHECK(isnan(tt_mfam_get(cm.cost, k))); /* not a USD table */
	TT_CHECK(tt_mfam_get(cm.duration, k) == 0);
	k[5] = "input";
	TT_CHECK(isnan(tt_mfam_get(cm.tokens, k)));
	k[5] = "unknown_model";
	TT_CHECK(isnan(tt_mfam_get(cm.unpriced, k))); /* it was priced */
	/* Priced in USD but not priced: no cost series either, one
	 * unpriced call by its reason. */
	res.currency = "USD";
	res.priced = 0;
	event_of(&rec, &res, &ev);
	ev.cost_reason = "unknown_model";
	tt_call_metrics_observe(&cm, &ev);
	k[5] = NULL;
	TT_CHECK(isnan(tt_mfam_get(cm.cost, k)));
	k[5] = "unknown_model";
	TT_CHECK_EQ_INT((int)tt_mfam_get(cm.unpriced, k), 1);
	tt_metrics_free(m);
}

/* Configured declared headers a call did not send, per workload. */
TT_TEST(call_metrics_declared_missing)
{
	struct tt_metrics *m = tt_metrics_new(0);
	struct tt_call_metrics cm;
	struct tt_call c;
	struct tt_xrec rec;
	struct booked res = { .allocated = 1, .owner = "payments" };
	struct tt_event ev;
	const char *k[] = { "payments", "unknown", "tenant", NULL };

	TT_CHECK_EQ_INT(tt_call_metrics_init(&cm, m), 0);
	fake_call(&c, &rec);
	event_of(&rec, &res, &ev);
	ev.declared_missing = 1u << TT_DECL_TENANT | 1u << TT_DECL_TRACEPARENT;
	tt_call_metrics_observe(&cm, &ev);
	tt_call_metrics_observe(&cm, &ev);
	TT_CHECK_EQ_INT((int)tt_mfam_get(cm.declared_missing, k), 2);
	k[2] = "traceparent";
	TT_CHECK_EQ_INT((int)tt_mfam_get(cm.declared_missing, k), 2);
	k[2] = "user"; /* not missing (off, or sent): no series */
	TT_CHECK(isnan(tt_mfam_get(cm.declared_missing, k)));
	render(m);
	TT_CHECK(strstr(text, "tokentap_declared_missing_total{owner=\"payments\","
			"application=\"unknown\",field=\"tenant\"} 2\n") != NULL);
	tt_metrics_free(m);
}

TT_TEST(health_metrics_mirror_the_counters)
{
	struct tt_metrics *m = tt_metrics_new(0);
	struct tt_health_metrics hm;
	struct tt_agent_counters c = { 0 };

	TT_CHECK_EQ_INT(tt_counters_health_init(&hm, m), 0);
	render(m);
	/* Every reason exists from the start, at 0. */
	TT_CHECK(strstr(text, "tokentap_decode_problems_total{reason=\"decompression_bomb\"} 0\n") != NULL);
	TT_CHECK(strstr(text, "tokentap_config_reloads_total{result=\"error\"} 0\n") != NULL);
	TT_CHECK(strstr(text, "tokentap_ringbuf_lost_events_total 0\n") != NULL);
	c.bpf[TT_C_RB_LOST_EVENTS] = 7;
	c.bpf[TT_C_CAPTURED_BYTES] = 123456;
	c.bpf[TT_C_SNI_FILTERED] = 3;
	c.targets = 5;
	c.pipe.conns_captured = 9;
	c.pipe.x.decompression_bombs = 2;
	c.alloc.pricing.unknown_model = 4;
	c.alloc.no_price_table = 1;
	c.loop.reloads_ok = 2;
	c.loop.reloads_failed = 1;
	c.prom.start_time_s = 1700000000;
	tt_counters_health_set(&hm, &c);
	render(m);
	TT_CHECK(strstr(text, "tokentap_ringbuf_lost_events_total 7\n") != NULL);
	TT_CHECK(strstr(text, "tokentap_captured_bytes_total 123456\n") != NULL);
	TT_CHECK(strstr(text, "tokentap_kernel_filtered_connections_total{reason=\"server_name\"} 3\n") != NULL);
	TT_CHECK(strstr(text, "tokentap_attached_targets 5\n") != NULL);
	TT_CHECK(strstr(text, "tokentap_connections_total{verdict=\"captured\"} 9\n") != NULL);
	TT_CHECK(strstr(text, "tokentap_decode_problems_total{reason=\"decompression_bomb\"} 2\n") != NULL);
	TT_CHECK(strstr(text, "tokentap_unpriced_requests_total{reason=\"unknown_model\"} 4\n") != NULL);
	TT_CHECK(strstr(text, "tokentap_unpriced_requests_total{reason=\"no_price_table\"} 1\n") != NULL);
	TT_CHECK(strstr(text, "tokentap_config_reloads_total{result=\"ok\"} 2\n") != NULL);
	TT_CHECK(strstr(text, "tokentap_config_reloads_total{result=\"error\"} 1\n") != NULL);
	TT_CHECK(strstr(text, "tokentap_start_time_seconds 1700000000\n") != NULL);
	TT_CHECK(strstr(text, "# TYPE tokentap_attached_targets gauge\n") != NULL);
	/* Mirrored, not added: the same totals again change nothing. */
	tt_counters_health_set(&hm, &c);
	render(m);
	TT_CHECK(strstr(text, "tokentap_ringbuf_lost_events_total 7\n") != NULL);
	tt_metrics_free(m);
}
