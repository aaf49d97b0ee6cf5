/* SPDX-License-Identifier: MIT */
/*
 * Shared by the report core's tests: hand-written ledger events (every key
 * of docs/events.schema.json present), feeding helpers, a text sink and a
 * small CSV reader.
 */
#ifndef TT_REPORT_HARNESS_H
#define TT_REPORT_HARNESS_H

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "util/jsonw.h"
#include "report/report.h"
#include "tt_test.h"

/* Exact comparison of doubles: both sides computed the same way. */
#define CHECK_DBL(a, b)                                                      \
	do {                                                                 \
		double tt_a_ = (a), tt_b_ = (b);                             \
		if (!(tt_a_ == tt_b_ || (isnan(tt_a_) && isnan(tt_b_))))     \
			tt_fail_(__FILE__, __LINE__,                         \
				 "%s == %s: got %.17g, want %.17g", #a, #b,  \
				 tt_a_, tt_b_);                              \
	} while (0)

/* One event; NULL strings are null, -1 counts are null. */
struct ev {
	const char *ts, *owner, *team, *env, *provider, *operation;
	const char *req_model, *resp_model, *outcome, *status, *fp;
	const char *container, *pod_ns, *pod_name, *unit, *exe, *comm;
	const char *currency, *reason, *version;
	const char *env_source;           /* allocation.environment_source */
	const char *usage_status;         /* NULL: "none" without usage */
	const char *unit_id, *unit_outcome; /* declared.unit_id, .unit_outcome */
	const char *fallback_of;          /* the failed call's event_id */
	int attempt, mismatch, priced;
	double amount;
	long long in, out, cache_read, cache_write, reasoning;
	int dark;                         /* a dark connection: "connection" */
	long long dark_sent, dark_received;
};

/* A successful, allocated, priced call; tests change what they need. */
__attribute__((unused))
static struct ev base(void)
{
	return (struct ev){
		.ts = "2026-11-23T10:00:00.000000Z", .owner = "payments",
		.team = "pay-core", .env = "production", .provider = "openai",
		.operation = "chat", .req_model = "gpt-4o",
		.resp_model = "gpt-4o-2024-08-06", .outcome = "success",
		.status = "allocated", .fp = "k_0123456789abcdef",
		.comm = "python3", .exe = "/usr/bin/python3.11",
		.currency = "USD", .version = "2025-11-01.1", .attempt = 0,
		.priced = 1, .amount = 0.25, .in = 100, .out = 10,
		.cache_read = 0, .cache_write = -1, .reasoning = -1,
	};
}

static char linebuf[16384];

__attribute__((unused))
static const char *line_of(const struct ev *e)
{
	struct tt_jsonw w;
	int unalloc = e->status && !strcmp(e->status, "unallocated");

	tt_jsonw_init(&w, linebuf, sizeof(linebuf));
	tt_jsonw_open(&w, NULL);
	tt_jsonw_str(&w, "event_type", "ai_api_cost_allocation");
	tt_jsonw_int(&w, "event_version", 1);
	tt_jsonw_str(&w, "event_id", "00000000-0000-4000-8000-000000000001");
	tt_jsonw_str(&w, "timestamp_utc", e->ts);
	tt_jsonw_double(&w, "duration_ms", 12.5);
	tt_jsonw_null(&w, "ttfb_ms");
	tt_jsonw_null(&w, "host");
	tt_jsonw_open(&w, "process");
	tt_jsonw_int(&w, "pid", 4242);
	tt_jsonw_str(&w, "comm", e->comm);
	tt_jsonw_str(&w, "exe", e->exe);
	tt_jsonw_close(&w);
	tt_jsonw_open(&w, "cgroup");
	tt_jsonw_int(&w, "id", 0);
	tt_jsonw_null(&w, "path");
	tt_jsonw_close(&w);
	if (e->container) {
		tt_jsonw_open(&w, "container");
		tt_jsonw_str(&w, "runtime", "docker");
		tt_jsonw_null(&w, "id");
		tt_jsonw_str(&w, "name", e->container);
		tt_jsonw_raw(&w, "labels", "{}");
		tt_jsonw_close(&w);
	} else {
		tt_jsonw_null(&w, "container");
	}
	if (e->pod_ns || e->pod_name) {
		tt_jsonw_open(&w, "pod");
		tt_jsonw_str(&w, "uid", "5b0d1f3e-8c2a-4e6b-9f7d-1a2b3c4d5e6f");
		tt_jsonw_str(&w, "namespace", e->pod_ns);
		tt_jsonw_str(&w, "name", e->pod_name);
		tt_jsonw_null(&w, "qos");
		tt_jsonw_close(&w);
	} else {
		tt_jsonw_null(&w, "pod");
	}
	tt_jsonw_str(&w, "unit", e->unit);
	tt_jsonw_null(&w, "slice");
	tt_jsonw_str(&w, "owner", unalloc ? "unallocated" : e->owner);
	tt_jsonw_str(&w, "team", unalloc ? NULL : e->team);
	tt_jsonw_str(&w, "cost_center", unalloc ? NULL : "CC-100");
	tt_jsonw_str(&w, "application", unalloc ? NULL : "checkout");
	tt_jsonw_str(&w, "environment", e->env);
	tt_jsonw_raw(&w, "tags", "{}");
	tt_jsonw_open(&w, "allocation");
	tt_jsonw_str(&w, "status", e->status);
	tt_jsonw_str(&w, "rule", unalloc ? NULL : "r1");
	tt_jsonw_raw(&w, "sources", "[]");
	tt_jsonw_str(&w, "environment_source", e->env_source);
	tt_jsonw_close(&w);
	tt_jsonw_open(&w, "environment_check");
	tt_jsonw_bool(&w, "mismatch", e->mismatch);
	tt_jsonw_str(&w, "workload", e->mismatch ? "staging" : NULL);
	tt_jsonw_null(&w, "workload_source");
	tt_jsonw_str(&w, "declared", e->mismatch ? "production" : NULL);
	tt_jsonw_null(&w, "declared_source");
	tt_jsonw_close(&w);
	tt_jsonw_str(&w, "provider", e->provider);
	tt_jsonw_str(&w, "operation", e->operation);
	tt_jsonw_str(&w, "server_address", "api.openai.com");
	tt_jsonw_str(&w, "endpoint", "/v1/chat/completions");
	tt_jsonw_str(&w, "request_model", e->req_model);
	tt_jsonw_str(&w, "response_model", e->resp_model);
	tt_jsonw_bool(&w, "stream", 0);
	tt_jsonw_int(&w, "status_code",
		     strcmp(e->outcome, "success") ? 429 : 200);
	tt_jsonw_str(&w, "outcome", e->outcome);
	tt_jsonw_null(&w, "error_type");
	tt_jsonw_null(&w, "provider_request_id");
	tt_jsonw_null(&w, "response_id");
	tt_jsonw_null(&w, "finish_reason");
	tt_jsonw_null(&w, "service_tier");
	tt_jsonw_count(&w, "attempt", e->attempt);
	tt_jsonw_str(&w, "fallback_of", e->fallback_of);
	tt_jsonw_raw(&w, "client", "{\"user_agent\":null,\"sdk_lang\":null,"
		     "\"sdk_version\":null,\"runtime\":null,"
		     "\"runtime_version\":null}");
	tt_jsonw_open(&w, "usage");
	tt_jsonw_count(&w, "input_tokens", e->in);
	tt_jsonw_count(&w, "output_tokens", e->out);
	tt_jsonw_count(&w, "cache_read_input_tokens", e->cache_read);
	tt_jsonw_count(&w, "cache_creation_input_tokens", e->cache_write);
	tt_jsonw_count(&w, "reasoning_tokens", e->reasoning);
	tt_jsonw_count(&w, "total_tokens", e->in < 0 ? -1 : e->in + e->out);
	tt_jsonw_close(&w);
	tt_jsonw_null(&w, "usage_raw");
	tt_jsonw_str(&w, "usage_status", e->usage_status ? e->usage_status :
		     e->in < 0 ? "none" : "reported");
	if (e->fp) {
		tt_jsonw_open(&w, "api_key");
		tt_jsonw_str(&w, "fingerprint", e->fp);
		tt_jsonw_null(&w, "hint");
		tt_jsonw_close(&w);
	} else {
		tt_jsonw_null(&w, "api_key");
	}
	tt_jsonw_open(&w, "declared");
	tt_jsonw_null(&w, "cost_center");
	tt_jsonw_null(&w, "environment");
	tt_jsonw_null(&w, "project_id");
	tt_jsonw_null(&w, "team");
	tt_jsonw_null(&w, "provider_organization");
	tt_jsonw_null(&w, "provider_project");
	tt_jsonw_str(&w, "unit_id", e->unit_id);
	tt_jsonw_str(&w, "unit_outcome", e->unit_outcome);
	tt_jsonw_close(&w);
	tt_jsonw_open(&w, "cost");
	if (e->priced)
		tt_jsonw_double(&w, "amount", e->amount);
	else
		tt_jsonw_null(&w, "amount");
	tt_jsonw_str(&w, "currency", e->currency);
	tt_jsonw_str(&w, "pricing_source", "list_price_snapshot");
	tt_jsonw_str(&w, "pricing_table", "prices.json");
	tt_jsonw_str(&w, "pricing_version", e->version);
	tt_jsonw_str(&w, "pricing_snapshot_date", "2025-11-01");
	tt_jsonw_null(&w, "priced_as");
	tt_jsonw_str(&w, "reason", e->priced ? NULL : e->reason);
	tt_jsonw_bool(&w, "is_final_invoice_amount", 0);
	tt_jsonw_close(&w);
	tt_jsonw_int(&w, "request_bytes", 10);
	tt_jsonw_int(&w, "response_bytes", 20);
	tt_jsonw_str(&w, "response_encoding", "identity");
	tt_jsonw_str(&w, "problem", e->dark ? e->reason : NULL);
	if (e->dark) {
		tt_jsonw_open(&w, "connection");
		tt_jsonw_str(&w, "server_name", "api.openai.com");
		tt_jsonw_str(&w, "name_source", "client_hello");
		tt_jsonw_str(&w, "peer_address", "127.0.0.1");
		tt_jsonw_int(&w, "peer_port", 443);
		tt_jsonw_int(&w, "bytes_sent", e->dark_sent);
		tt_jsonw_int(&w, "bytes_received", e->dark_received);
		tt_jsonw_close(&w);
	} else {
		tt_jsonw_null(&w, "connection");
	}
	tt_jsonw_close(&w);
	if (tt_jsonw_finish(&w) < 0)
		abort();
	return linebuf;
}

__attribute__((unused))
static enum tt_report_line feed_ev(struct tt_report *r, const struct ev *e)
{
	enum tt_report_line cls = TT_RLINE__COUNT;
	const char *l = line_of(e);

	TT_CHECK_EQ_INT(tt_report_feed(r, l, strlen(l), &cls), 0);
	return cls;
}

__attribute__((unused))
static enum tt_report_line feed_str(struct tt_report *r, const char *l)
{
	enum tt_report_line cls = TT_RLINE__COUNT;

	TT_CHECK_EQ_INT(tt_report_feed(r, l, strlen(l), &cls), 0);
	return cls;
}

__attribute__((unused))
static void init_keys(struct tt_report *r, const char *keys)
{
	struct tt_report_opts o = { 0 };

	if (tt_report_parse_keys(keys, &o, NULL) || tt_report_init(r, &o))
		abort();
}

/* The group whose first key value is name (after finish), or NULL. */
__attribute__((unused))
static const struct tt_report_group *group_named(const struct tt_report *r,
						 const char *name)
{
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct tt_report_group *g = tt_report_group_at(r, i);

		if (g->val[0] && !strcmp(g->val[0], name))
			return g;
	}
	return NULL;
}

/* A dark connection as the agent writes it: no model, no usage, no
 * cost; the reason it is dark is the cost's reason. */
__attribute__((unused))
static struct ev dark_ev(long long sent, long long received)
{
	struct ev e = base();

	e.dark = 1;
	e.dark_sent = sent;
	e.dark_received = received;
	e.req_model = e.resp_model = NULL;
	e.outcome = "unknown";
	e.attempt = -1;
	e.in = e.out = e.cache_read = e.cache_write = e.reasoning = -1;
	e.priced = 0;
	e.reason = "tls_not_traced";
	return e;
}

/* Collects writer output. */
struct text {
	char buf[1 << 16];
	size_t len;
	int fail_after; /* sink calls before it fails; 0 never */
	int calls;
};

__attribute__((unused))
static int to_text(void *ctx, const char *buf, size_t len)
{
	struct text *t = ctx;

	if (t->fail_after && ++t->calls >= t->fail_after)
		return -EPIPE;
	if (len > sizeof(t->buf) - 1 - t->len)
		return -ENOSPC;
	memcpy(t->buf + t->len, buf, len);
	t->len += len;
	t->buf[t->len] = '\0';
	return 0;
}

/* Three calls: one failed 429 with no cost (reason no_usage), one retry
 * (attempt 1) that is unallocated. */
__attribute__((unused))
static void feed_three(struct tt_report *r)
{
	struct ev a = base(), b = base(), c = base();

	a.ts = "2026-11-23T10:00:00.000000Z";
	a.amount = 0.25;
	a.in = 1000, a.out = 100, a.cache_read = 200, a.reasoning = 40;
	b.ts = "2026-11-23T10:00:01.500000Z";
	b.outcome = "rate_limited";
	b.priced = 0, b.reason = "no_usage";
	b.in = b.out = b.cache_read = -1;
	c.ts = "2026-11-23T10:00:03.250000Z";
	c.attempt = 1;
	c.status = "unallocated";
	c.mismatch = 1;
	c.amount = 0.125;
	c.in = 500, c.out = 50, c.cache_write = 30;
	TT_CHECK_EQ_INT(feed_ev(r, &a), TT_RLINE_EVENT);
	TT_CHECK_EQ_INT(feed_ev(r, &b), TT_RLINE_EVENT);
	TT_CHECK_EQ_INT(feed_ev(r, &c), TT_RLINE_EVENT);
}

/* Splits one CSV record (RFC 4180 quoting) into fields, in place. */
__attribute__((unused))
static size_t csv_split(char *line, char **field, size_t max)
{
	size_t n = 0;
	char *w = line, *p = line;

	while (n < max) {
		int quoted = *p == '"';

		field[n++] = w;
		if (quoted)
			p++;
		for (;;) {
			if (quoted && p[0] == '"' && p[1] == '"') {
				*w++ = '"';
				p += 2;
			} else if (quoted && p[0] == '"') {
				quoted = 0;
				p++;
			} else if (!quoted && (*p == ',' || !*p || *p == '\n')) {
				break;
			} else {
				*w++ = *p++;
			}
		}
		if (*p != ',') {
			*w = '\0';
			break;
		}
		*w++ = '\0';
		p++;
	}
	return n;
}

/* The value of a named column of CSV output: row 1 is the first data row. */
__attribute__((unused))
static const char *csv_get(const char *text, size_t row, const char *col)
{
	static char head[8192], line[8192];
	char *hf[64], *lf[64];
	const char *p = text, *nl;
	size_t nh, nv, i;

	nl = strchr(p, '\n');
	snprintf(head, sizeof(head), "%.*s", (int)(nl - p), p);
	for (i = 0; i < row && nl; i++) {
		p = nl + 1;
		nl = strchr(p, '\n');
	}
	if (!nl)
		return NULL;
	snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
	nh = csv_split(head, hf, 64);
	nv = csv_split(line, lf, 64);
	for (i = 0; i < nh && i < nv; i++)
		if (!strcmp(hf[i], col))
			return lf[i];
	return NULL;
}

#endif
