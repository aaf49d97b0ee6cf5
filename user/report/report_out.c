// SPDX-License-Identifier: MIT
/*
 * The report's writers: a fixed-width table for people, CSV and JSON
 * lines for programs, and the skipped-line summary. Output goes through
 * the caller's sink; nothing here touches a file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/jsonw.h"
#include "util/utf8.h"
#include "report/report.h"
#include "report/report_impl.h"

/* ---- output buffer ---- */

void tt_rout_init(struct tt_rout *o, tt_report_sink sink, void *ctx)
{
	o->sink = sink;
	o->ctx = ctx;
	o->err = 0;
	o->len = 0;
}

static void flush(struct tt_rout *o)
{
	if (!o->err && o->len)
		o->err = o->sink(o->ctx, o->buf, o->len);
	if (o->err > 0)
		o->err = -EIO;
	o->len = 0;
}

void tt_rout_put(struct tt_rout *o, const char *s, size_t n)
{
	while (n && !o->err) {
		size_t room = sizeof(o->buf) - o->len;
		size_t k = n < room ? n : room;

		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
		if (o->len == sizeof(o->buf))
			flush(o);
	}
}

void tt_rout_str(struct tt_rout *o, const char *s)
{
	tt_rout_put(o, s, strlen(s));
}

void tt_rout_fmt(struct tt_rout *o, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		tt_rout_put(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n :
							     sizeof(tmp) - 1);
}

int tt_rout_end(struct tt_rout *o)
{
	flush(o);
	return o->err;
}

/* ---- text ---- */

size_t tt_rtext_clean(const char *in, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t len = 0;

	while (*s && cap && len < cap - 1) {
		size_t n = tt_utf8_len(s, TT_UTF8_NUL_TERMINATED);

		/* A control character (or a C1 one, U+0080..U+009F, which
		 * some terminals obey) must not reach a terminal. */
		if (!n || *s < 0x20 || *s == 0x7f ||
		    (n == 2 && s[0] == 0xc2 && s[1] < 0xa0)) {
			out[len++] = '?';
			s += n ? n : 1;
			continue;
		}
		if (len + n > cap - 1)
			break;
		memcpy(out + len, s, n);
		len += n;
		s += n;
	}
	if (cap)
		out[len] = '\0';
	return len;
}

/* Cleaned text (as tt_rtext_clean, unbounded), '"' doubled when asked. */
static void text_put(struct tt_rout *o, const char *v, int csv)
{
	const unsigned char *s = (const unsigned char *)v;

	while (*s) {
		size_t n = tt_utf8_len(s, TT_UTF8_NUL_TERMINATED);

		if (!n || *s < 0x20 || *s == 0x7f ||
		    (n == 2 && s[0] == 0xc2 && s[1] < 0xa0)) {
			tt_rout_put(o, "?", 1);
			s += n ? n : 1;
			continue;
		}
		if (csv && *s == '"')
			tt_rout_put(o, "\"", 1);
		tt_rout_put(o, (const char *)s, n);
		s += n;
	}
}

void tt_rout_csv(struct tt_rout *o, const char *v)
{
	size_t n;
	int quote;

	if (!v)
		return;
	n = strlen(v);
	quote = strpbrk(v, ",\"\r\n") != NULL ||
		(n && (v[0] == ' ' || v[n - 1] == ' '));
	if (quote)
		tt_rout_put(o, "\"", 1);
	/* Values come from the wire: "=HYPERLINK(...)" as a model name
	 * must stay text in a spreadsheet (OWASP CSV injection). */
	if (v[0] && strchr("=+-@", v[0]))
		tt_rout_put(o, "'", 1);
	text_put(o, v, 1);
	if (quote)
		tt_rout_put(o, "\"", 1);
}

void tt_rfmt_decimal(double v, char *out)
{
	char e[48], *p;
	int exp, dec;

	if (v != v || v - v != 0) {
		out[0] = '\0';
		return;
	}
	snprintf(e, sizeof(e), "%.11e", v);
	p = strchr(e, 'e');
	exp = p ? atoi(p + 1) : 0;
	dec = 11 - exp;
	dec = dec < 0 ? 0 : dec > 40 ? 40 : dec;
	snprintf(out, 64, "%.*f", dec, v);
	if (strchr(out, '.')) {
		size_t n = strlen(out);

		while (out[n - 1] == '0')
			out[--n] = '\0';
		if (out[n - 1] == '.')
			out[--n] = '\0';
	}
	if (!strcmp(out, "-0"))
		strcpy(out, "0");
}

/* ---- the fields of one stats block ---- */

static const char *const unpriced_names[TT_RREASON__COUNT] = {
	"unpriced_no_price_table", "unpriced_unknown_model",
	"unpriced_no_usage", "unpriced_missing_rate_input",
	"unpriced_missing_rate_cached_input",
	"unpriced_missing_rate_cache_write",
	"unpriced_missing_rate_cache_write_1h",
	"unpriced_missing_rate_output", "unpriced_missing_rate_reasoning",
	"unpriced_invalid_usage", "unpriced_no_price_at_date",
	"unpriced_other",
};

static const char *version_str(const struct tt_report *r, uint16_t v)
{
	return v == TT_REPORT_MIXED_VERSION ? "mixed" : tt_report_version(r, v);
}

size_t tt_rstats_fields(const struct tt_report *r,
			const struct tt_report_stats *s, struct tt_rfield *f)
{
	struct tt_report_derived d;
	size_t n = 0;

#define U(nm, v) \
	f[n++] = (struct tt_rfield){ .name = nm, .kind = TT_RF_U64, .u = v }
#define D(nm, v) \
	f[n++] = (struct tt_rfield){ .name = nm, .kind = TT_RF_DEC, .d = v }
	tt_report_derive(s, &d);
	U("calls", s->calls);
	U("successful", s->successes);
	U("failed", s->failures);
	U("retries", s->retries);
	U("first_attempts", s->attempt_known - s->retries);
	U("attempt_known", s->attempt_known);
	U("fallbacks", s->fallbacks);
	U("input_tokens", s->tokens[TT_RTOK_INPUT]);
	U("output_tokens", s->tokens[TT_RTOK_OUTPUT]);
	U("cache_read_input_tokens", s->tokens[TT_RTOK_CACHE_READ]);
	U("cache_creation_input_tokens", s->tokens[TT_RTOK_CACHE_WRITE]);
	U("reasoning_tokens", s->tokens[TT_RTOK_REASONING]);
	D("cost", d.cost);
	D("failed_cost", tt_report_sum_value(&s->failed_cost));
	D("allocated_cost", tt_report_sum_value(&s->allocated_cost));
	U("allocated_calls", s->allocated);
	D("cost_per_call", d.cost_per_call);
	D("cost_per_successful_call", d.cost_per_success);
	D("retry_inflation", d.retry_inflation);
	D("allocation_coverage_cost", d.alloc_cost_coverage);
	D("allocation_coverage_calls", d.alloc_call_coverage);
	U("priced_calls", s->priced);
	U("unpriced_calls", s->unpriced);
	/* The honest ratios' parts (docs/report.md#honest-ratios). */
	U("unbilled_error_calls", s->unbilled_errors);
	U("known_cost_calls", d.known_calls);
	U("known_cost_successful", s->priced_successes);
	U("unknown_cost_calls", d.unknown_calls);
	D("unknown_cost_share", d.unknown_share);
	f[n++] = (struct tt_rfield){ .name = "unknown_cost_marked",
				     .kind = TT_RF_BOOL,
				     .u = d.unknown_share >
					  r->opts.unknown_mark };
	/* Business units (docs/report.md#cost-per-unit). */
	U("units", s->units);
	U("units_unknown_cost", s->units_unknown_cost);
	U("units_uncounted", s->units_uncounted);
	f[n++] = (struct tt_rfield){ .name = "units_capped",
				     .kind = TT_RF_BOOL,
				     .u = s->units_uncounted != 0 };
	D("cost_per_unit", d.cost_per_unit);
	for (int i = 0; i < TT_RREASON__COUNT; i++)
		U(unpriced_names[i], s->unpriced_by[i]);
	U("environment_mismatches", s->mismatches);
	U("dark_connections", s->dark);
	U("dark_bytes_sent", s->dark_sent);
	U("dark_bytes_received", s->dark_received);
	if (r->opts.reprice) {
		double now = tt_report_sum_value(&s->new_cost);

		D("new_cost", now);
		D("cost_change", now - d.cost);
		U("new_priced_calls", s->new_priced);
		U("new_unpriced_calls", s->new_unpriced);
	}
	f[n++] = (struct tt_rfield){ .name = "first_timestamp",
				     .kind = TT_RF_TIME, .t = s->first_us };
	f[n++] = (struct tt_rfield){ .name = "last_timestamp",
				     .kind = TT_RF_TIME, .t = s->last_us };
	f[n++] = (struct tt_rfield){ .name = "pricing_version",
				     .kind = TT_RF_STR,
				     .s = version_str(r, s->version) };
#undef U
#undef D
	return n;
}

static int time_null(int64_t t)
{
	return t == INT64_MAX || t == INT64_MIN;
}

/* ---- CSV ---- */

static void csv_fields(struct tt_rout *o, const struct tt_rfield *f, size_t n)
{
	char tmp[64];

	for (size_t i = 0; i < n; i++) {
		tt_rout_put(o, ",", 1);
		switch (f[i].kind) {
		case TT_RF_U64:
			tt_rout_fmt(o, "%llu", (unsigned long long)f[i].u);
			break;
		case TT_RF_DEC:
			tt_rfmt_decimal(f[i].d, tmp);
			tt_rout_str(o, tmp);
			break;
		case TT_RF_TIME:
			if (!time_null(f[i].t)) {
				tt_report_format_time(f[i].t, tmp);
				tt_rout_str(o, tmp);
			}
			break;
		case TT_RF_STR:
			tt_rout_csv(o, f[i].s);
			break;
		case TT_RF_BOOL:
			tt_rout_str(o, f[i].u ? "true" : "false");
			break;
		}
	}
	tt_rout_put(o, "\n", 1);
}

int tt_report_write_csv(const struct tt_report *r, tt_report_sink sink,
			void *ctx)
{
	struct tt_rfield f[TT_RFIELDS_MAX];
	struct tt_report_stats zero = { .first_us = INT64_MAX };
	struct tt_rout o;
	size_t n;

	if (!r->finished)
		return -EINVAL;
	tt_rout_init(&o, sink, ctx);
	tt_rout_str(&o, "row_type");
	for (size_t i = 0; i < r->opts.nkeys; i++) {
		tt_rout_put(&o, ",", 1);
		tt_rout_str(&o, tt_report_key_name(r->opts.keys[i]));
	}
	tt_rout_str(&o, ",currency");
	n = tt_rstats_fields(r, &zero, f);
	for (size_t i = 0; i < n; i++) {
		tt_rout_put(&o, ",", 1);
		tt_rout_str(&o, f[i].name);
	}
	tt_rout_put(&o, "\n", 1);
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct tt_report_group *g = tt_report_group_at(r, i);

		tt_rout_str(&o, g->other ? "other" : "group");
		for (size_t k = 0; k < r->opts.nkeys; k++) {
			tt_rout_put(&o, ",", 1);
			tt_rout_csv(&o, g->val[k]);
		}
		tt_rout_put(&o, ",", 1);
		tt_rout_str(&o, g->currency);
		csv_fields(&o, f, tt_rstats_fields(r, &g->st, f));
	}
	for (size_t i = 0; i < r->ntotals; i++) {
		tt_rout_str(&o, "total");
		for (size_t k = 0; k < r->opts.nkeys; k++)
			tt_rout_put(&o, ",", 1);
		tt_rout_put(&o, ",", 1);
		tt_rout_str(&o, r->totals[i].currency);
		csv_fields(&o, f, tt_rstats_fields(r, &r->totals[i].st, f));
	}
	return tt_rout_end(&o);
}

/* ---- JSON lines ---- */

static void json_fields(struct tt_jsonw *w, const struct tt_rfield *f,
			size_t n)
{
	char tmp[32];

	for (size_t i = 0; i < n; i++) {
		switch (f[i].kind) {
		case TT_RF_U64:
			/* Saturated sums stay within int64 for the writer. */
			tt_jsonw_int(w, f[i].name, f[i].u > INT64_MAX ?
				     INT64_MAX : (int64_t)f[i].u);
			break;
		case TT_RF_DEC:
			tt_jsonw_double_sig(w, f[i].name, f[i].d, 12);
			break;
		case TT_RF_TIME:
			if (time_null(f[i].t)) {
				tt_jsonw_null(w, f[i].name);
			} else {
				tt_report_format_time(f[i].t, tmp);
				tt_jsonw_str(w, f[i].name, tmp);
			}
			break;
		case TT_RF_STR:
			tt_jsonw_str(w, f[i].name, f[i].s);
			break;
		case TT_RF_BOOL:
			tt_jsonw_bool(w, f[i].name, f[i].u != 0);
			break;
		}
	}
}

/* A group line holds at most 11 keys of 320 bytes, each escaped to at
 * most 6 bytes a byte, and the numbers. */
#define JSON_LINE_MAX (TT_RKEY__COUNT * TT_REPORT_VALUE_MAX * 6 + 8192)

void tt_rout_json_line(struct tt_rout *o, struct tt_jsonw *w)
{
	long n = tt_jsonw_finish(w);

	if (n < 0) {
		if (!o->err)
			o->err = -E2BIG;
		return;
	}
	tt_rout_put(o, w->buf, (size_t)n);
	tt_rout_put(o, "\n", 1);
}

/* The ratio policy in words and the thresholds, in the summary record. */
static void json_policy(const struct tt_report *r, struct tt_jsonw *w)
{
	struct tt_report_check c[TT_REPORT_CHECKS_MAX];
	size_t n = 0;
	int failed = tt_report_checks(r, c, TT_REPORT_CHECKS_MAX, &n);

	tt_jsonw_open(w, "ratio_policy");
	tt_jsonw_str(w, "cost_per_call", "cost / known_cost_calls");
	tt_jsonw_str(w, "cost_per_successful_call",
		     "cost / known_cost_successful");
	tt_jsonw_str(w, "known_cost_calls",
		     "priced_calls + unbilled_error_calls");
	tt_jsonw_str(w, "unbilled_error_calls", "unpriced failed calls that "
		     "reported no usage (usage_status none, outcome not "
		     "incomplete): rejected requests, not billed, cost 0");
	tt_jsonw_str(w, "known_cost_successful",
		     "successful calls with a cost.amount");
	tt_jsonw_str(w, "unknown_cost_calls", "calls - known_cost_calls: "
		     "in neither numerator nor denominator");
	tt_jsonw_str(w, "unknown_cost_share", "unknown_cost_calls / calls");
	tt_jsonw_double_sig(w, "unknown_cost_mark", r->opts.unknown_mark, 12);
	tt_jsonw_str(w, "units", r->opts.unit_outcome ?
		     "distinct declared.unit_id of the units one of whose "
		     "calls declared unit_outcome" :
		     "distinct declared.unit_id");
	tt_jsonw_str(w, "unit_outcome", r->opts.unit_outcome);
	tt_jsonw_str(w, "cost_per_unit", "cost / units: the cost of all "
		     "the group's calls, unpriced ones adding nothing; a lower "
		     "bound when units_unknown_cost > 0; null when units is 0 "
		     "or units_capped");
	tt_jsonw_close(w);
	tt_jsonw_open_array(w, "thresholds");
	for (size_t i = 0; i < n && i < TT_REPORT_CHECKS_MAX; i++) {
		tt_jsonw_open(w, NULL);
		tt_jsonw_str(w, "name", tt_report_check_name(c[i].kind));
		tt_jsonw_str(w, "option", tt_report_check_option(c[i].kind));
		tt_jsonw_str(w, "currency", c[i].currency);
		tt_jsonw_double_sig(w, "share", c[i].share, 12);
		tt_jsonw_double_sig(w, "limit", c[i].limit, 12);
		tt_jsonw_bool(w, "exceeded", c[i].exceeded);
		tt_jsonw_close(w);
	}
	tt_jsonw_close_array(w);
	tt_jsonw_bool(w, "thresholds_exceeded", failed > 0);
}

static void json_summary(const struct tt_report *r, struct tt_jsonw *w)
{
	char tmp[32];

	tt_jsonw_str(w, "record", "summary");
	tt_jsonw_open_array(w, "by");
	for (size_t i = 0; i < r->opts.nkeys; i++)
		tt_jsonw_str(w, NULL, tt_report_key_name(r->opts.keys[i]));
	tt_jsonw_close_array(w);
	if (r->opts.has_since) {
		tt_report_format_time(r->opts.since_us, tmp);
		tt_jsonw_str(w, "since", tmp);
	} else {
		tt_jsonw_null(w, "since");
	}
	if (r->opts.has_until) {
		tt_report_format_time(r->opts.until_us, tmp);
		tt_jsonw_str(w, "until", tmp);
	} else {
		tt_jsonw_null(w, "until");
	}
	tt_jsonw_open(w, "lines");
	tt_jsonw_int(w, "total", (int64_t)r->lines_total);
	for (int i = 0; i < TT_RLINE__COUNT; i++)
		tt_jsonw_int(w, tt_report_line_name((enum tt_report_line)i),
			     (int64_t)r->lines[i]);
	tt_jsonw_close(w);
	tt_jsonw_int(w, "groups", (int64_t)r->ngroups);
	tt_jsonw_int(w, "other_events_group_cap", (int64_t)r->other_group_cap);
	tt_jsonw_int(w, "other_events_cell_cap", (int64_t)r->other_cell_cap);
	tt_jsonw_int(w, "mixed_currency_keys", (int64_t)r->mixed_currency_keys);
	tt_jsonw_int(w, "values_truncated", (int64_t)r->values_truncated);
	tt_jsonw_int(w, "versions_overflow", (int64_t)r->versions_overflow);
	tt_jsonw_int(w, "events_lost_nomem", (int64_t)r->nomem);
	tt_jsonw_int(w, "unit_calls", (int64_t)r->unit_calls);
	tt_jsonw_bool(w, "is_final_invoice_amount", 0);
	json_policy(r, w);
}

int tt_report_write_json(const struct tt_report *r, tt_report_sink sink,
			 void *ctx)
{
	struct tt_rfield f[TT_RFIELDS_MAX];
	struct tt_jsonw w;
	struct tt_rout o;
	char *buf;

	if (!r->finished)
		return -EINVAL;
	buf = malloc(JSON_LINE_MAX);
	if (!buf)
		return -ENOMEM;
	tt_rout_init(&o, sink, ctx);
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct tt_report_group *g = tt_report_group_at(r, i);

		tt_jsonw_init(&w, buf, JSON_LINE_MAX);
		tt_jsonw_open(&w, NULL);
		tt_jsonw_str(&w, "record", "group");
		tt_jsonw_open(&w, "key");
		for (size_t k = 0; k < r->opts.nkeys; k++)
			tt_jsonw_str(&w, tt_report_key_name(r->opts.keys[k]),
				     g->val[k]);
		tt_jsonw_close(&w);
		tt_jsonw_bool(&w, "other", g->other);
		tt_jsonw_str(&w, "currency", g->currency);
		json_fields(&w, f, tt_rstats_fields(r, &g->st, f));
		tt_jsonw_close(&w);
		tt_rout_json_line(&o, &w);
	}
	for (size_t i = 0; i < r->ntotals; i++) {
		tt_jsonw_init(&w, buf, JSON_LINE_MAX);
		tt_jsonw_open(&w, NULL);
		tt_jsonw_str(&w, "record", "total");
		tt_jsonw_str(&w, "currency", r->totals[i].currency);
		tt_jsonw_int(&w, "groups", (int64_t)r->totals[i].groups);
		json_fields(&w, f, tt_rstats_fields(r, &r->totals[i].st, f));
		tt_jsonw_close(&w);
		tt_rout_json_line(&o, &w);
	}
	tt_jsonw_init(&w, buf, JSON_LINE_MAX);
	tt_jsonw_open(&w, NULL);
	json_summary(r, &w);
	tt_jsonw_close(&w);
	tt_rout_json_line(&o, &w);
	free(buf);
	return tt_rout_end(&o);
}

/* ---- summary of the lines ---- */

int tt_report_write_summary(const struct tt_report *r, tt_report_sink sink,
			    void *ctx)
{
	struct tt_rout o;

	tt_rout_init(&o, sink, ctx);
	tt_rout_fmt(&o, "lines: %llu read", (unsigned long long)r->lines_total);
	for (int i = 0; i < TT_RLINE__COUNT; i++)
		tt_rout_fmt(&o, "%s %llu %s", i ? "," : ":",
			    (unsigned long long)r->lines[i],
			    tt_report_line_name((enum tt_report_line)i));
	tt_rout_put(&o, "\n", 1);
	if (r->other_group_cap || r->other_cell_cap)
		tt_rout_fmt(&o, "(other): %llu events past the %zu-group cap, "
			    "%llu past the %zu day-cell cap\n",
			    (unsigned long long)r->other_group_cap,
			    r->opts.max_groups,
			    (unsigned long long)r->other_cell_cap,
			    r->opts.max_cells);
	if (r->mixed_currency_keys)
		tt_rout_fmt(&o, "currency: %llu key(s) have events in more "
			    "than one currency; each currency is its own row\n",
			    (unsigned long long)r->mixed_currency_keys);
	if (r->values_truncated || r->versions_overflow || r->nomem)
		tt_rout_fmt(&o, "caps: %llu key values cut at %d bytes, %llu "
			    "price table versions not kept, %llu events lost "
			    "(out of memory)\n",
			    (unsigned long long)r->values_truncated,
			    TT_REPORT_VALUE_MAX,
			    (unsigned long long)r->versions_overflow,
			    (unsigned long long)r->nomem);
	return tt_rout_end(&o);
}
