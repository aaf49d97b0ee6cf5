// SPDX-License-Identifier: MIT
/*
 * The Prometheus text exposition format, version 0.0.4: per family a
 * HELP and a TYPE line, then one line per sample; histograms as
 * name_bucket{...,le="..."} (cumulative, ending in le="+Inf"), name_sum
 * and name_count.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "metrics/metrics_impl.h"

struct wb {
	char *p;
	size_t len, cap; /* cap: bytes usable before the NUL */
	int over;
};

static void put(struct wb *w, const char *s, size_t n)
{
	if (w->over || n > w->cap - w->len) {
		w->over = 1;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void puts_(struct wb *w, const char *s)
{
	put(w, s, strlen(s));
}

/* Label value: backslash, double quote and newline escaped. HELP text:
 * backslash and newline only. */
static void put_escaped(struct wb *w, const char *s, int quote)
{
	const char *run = s;

	for (; *s; s++) {
		const char *rep = *s == '\\' ? "\\\\" : *s == '\n' ? "\\n"
				  : quote && *s == '"' ? "\\\"" : NULL;

		if (!rep)
			continue;
		put(w, run, (size_t)(s - run));
		puts_(w, rep);
		run = s + 1;
	}
	put(w, run, (size_t)(s - run));
}

const char *tt_metrics_format_value(double v, char out[32])
{
	if (isnan(v))
		return strcpy(out, "NaN");
	if (isinf(v))
		return strcpy(out, v > 0 ? "+Inf" : "-Inf");
	if (fabs(v) < 1e15 && v == (double)(int64_t)v) {
		snprintf(out, 32, "%lld", (long long)v);
		return out;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, 32, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			break;
	}
	return out;
}

static void put_value(struct wb *w, double v)
{
	char num[32];

	puts_(w, tt_metrics_format_value(v, num));
}

/* {a="x",b="y"[,le="..."]}, nothing when there are no labels at all. */
static void put_labels(struct wb *w, const struct tt_mfam *f,
		       const char *vals, const char *le)
{
	if (!f->nlabels && !le)
		return;
	put(w, "{", 1);
	for (size_t i = 0; i < f->nlabels; i++) {
		if (i)
			put(w, ",", 1);
		puts_(w, f->labels[i]);
		put(w, "=\"", 2);
		put_escaped(w, vals, 1);
		put(w, "\"", 1);
		vals += strlen(vals) + 1;
	}
	if (le) {
		if (f->nlabels)
			put(w, ",", 1);
		put(w, "le=\"", 4);
		puts_(w, le);
		put(w, "\"", 1);
	}
	put(w, "}", 1);
}

static void put_sample(struct wb *w, const struct tt_mfam *f,
		       const char *suffix, const char *vals, const char *le,
		       double v)
{
	puts_(w, f->name);
	puts_(w, suffix);
	put_labels(w, f, vals, le);
	put(w, " ", 1);
	put_value(w, v);
	put(w, "\n", 1);
}

static void put_head(struct wb *w, const char *name, const char *help,
		     const char *type)
{
	puts_(w, "# HELP ");
	puts_(w, name);
	put(w, " ", 1);
	put_escaped(w, help, 0);
	puts_(w, "\n# TYPE ");
	puts_(w, name);
	put(w, " ", 1);
	puts_(w, type);
	put(w, "\n", 1);
}

static void put_histogram(struct wb *w, const struct tt_mfam *f,
			  const struct tt_mseries *s)
{
	uint64_t cum = 0;
	char le[32];

	for (size_t b = 0; b < f->nbuckets; b++) {
		cum += s->bk[b];
		put_sample(w, f, "_bucket", s->vals,
			   tt_metrics_format_value(f->buckets[b], le), (double)cum);
	}
	put_sample(w, f, "_bucket", s->vals, "+Inf", (double)s->count);
	put_sample(w, f, "_sum", s->vals, NULL, s->value);
	put_sample(w, f, "_count", s->vals, NULL, (double)s->count);
}

static const char *const type_names[] = {
	[TT_METRIC_COUNTER] = "counter",
	[TT_METRIC_GAUGE] = "gauge",
	[TT_METRIC_HISTOGRAM] = "histogram",
};

static void put_dropped(struct wb *w, const struct tt_metrics *m)
{
	int head = 0;

	for (size_t i = 0; i < m->n; i++) {
		const struct tt_mfam *f = m->fam[i];
		char num[32];

		if (!f->nlabels)
			continue;
		if (!head++)
			put_head(w, TT_METRICS_DROPPED, TT_METRICS_DROPPED_HELP,
				 "counter");
		puts_(w, TT_METRICS_DROPPED "{family=\"");
		puts_(w, f->name);
		puts_(w, "\"} ");
		puts_(w, tt_metrics_format_value((double)f->dropped, num));
		put(w, "\n", 1);
	}
}

long tt_metrics_write(const struct tt_metrics *m, char *buf, size_t cap)
{
	struct wb w = { .p = buf, .cap = cap ? cap - 1 : 0, .over = !cap };

	for (size_t i = 0; i < m->n; i++) {
		const struct tt_mfam *f = m->fam[i];

		put_head(&w, f->name, f->help, type_names[f->type]);
		for (size_t j = 0; j < f->n; j++) {
			if (f->type == TT_METRIC_HISTOGRAM)
				put_histogram(&w, f, &f->s[j]);
			else
				put_sample(&w, f, "", f->s[j].vals, NULL,
					   f->s[j].value);
		}
	}
	put_dropped(&w, m);
	if (cap)
		buf[w.len] = '\0';
	return w.over ? -E2BIG : (long)w.len;
}
