// SPDX-License-Identifier: MIT
/*
 * The GenAI client metrics (gen_ai.client.token.usage and
 * gen_ai.client.operation.duration, explicit-bucket histograms with the
 * convention's boundaries) and tokentap.* sums, cumulative since the
 * exporter started, aggregated from the events it exports.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "otlp/otlp.h"
#include "otlp/otlp_impl.h"

#define NB 14 /* boundaries per histogram; NB + 1 buckets */

/* gen_ai.client.token.usage: 1, 4, 16 ... 67108864 (x4). */
static const double token_bounds[NB] = {
	1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576,
	4194304, 16777216, 67108864,
};
/* gen_ai.client.operation.duration: 0.01 ... 81.92 s (x2). */
static const double dur_bounds[NB] = {
	0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24,
	20.48, 40.96, 81.92,
};

#define NKEYS TT_OTLP_KEYS

struct hist {
	uint64_t count;
	double sum, min, max;
	uint64_t buckets[NB + 1];
};

/* Token series: h[0] input, h[1] output, no error.type. Duration
 * series: h[0], with error.type. */
struct series {
	char key[NKEYS][TT_OTLP_STR_MAX];
	struct hist h[2];
};

struct table {
	struct series *s;
	unsigned n, cap, nkeys;
	struct series overflow;
	int overflow_used;
};

struct tt_otlp_metrics {
	struct table tok, dur;
	uint64_t start_ns;
	uint64_t counters[TT_OTLP_C_MAX];
	struct tt_otlp_metrics_stats st;
	const char *key_names[NKEYS]; /* the log record's attribute names */
};

#define MAX_SERIES_CAP 1024
/* Bound of one data point: 7 attributes of at most 36 + 40 + 255 bytes,
 * 15 bucket counts, 14 boundaries, times, count, sum, min, max. */
#define DP_MAX 4096
#define FIXED_MAX 8192 /* resource, scope, metric heads, the sums */

size_t tt_otlp_metrics_payload_max(unsigned max_series)
{
	size_t s = (max_series > MAX_SERIES_CAP ? MAX_SERIES_CAP : max_series) + 1;

	return FIXED_MAX + 3 * s * DP_MAX;
}

struct tt_otlp_metrics *tt_otlp_metrics_new(unsigned max_series,
					    uint64_t start_ns)
{
	struct tt_otlp_metrics *m = calloc(1, sizeof(*m));

	if (max_series > MAX_SERIES_CAP)
		max_series = MAX_SERIES_CAP;
	if (!m)
		return NULL;
	m->tok.s = calloc(max_series ? max_series : 1, sizeof(struct series));
	m->dur.s = calloc(max_series ? max_series : 1, sizeof(struct series));
	if (!m->tok.s || !m->dur.s) {
		tt_otlp_metrics_free(m);
		return NULL;
	}
	m->tok.cap = m->dur.cap = max_series;
	m->tok.nkeys = NKEYS - 1;
	m->dur.nkeys = NKEYS;
	for (unsigned k = 0; k < NKEYS; k++)
		m->key_names[k] = tt_otlp_key_attr(k);
	m->start_ns = start_ns;
	return m;
}

void tt_otlp_metrics_free(struct tt_otlp_metrics *m)
{
	if (!m)
		return;
	free(m->tok.s);
	free(m->dur.s);
	free(m);
}

/* keys: plain already (struct tt_otlp_obs). */
static struct series *series_get(struct tt_otlp_metrics *m, struct table *t,
				 const char (*keys)[TT_OTLP_STR_MAX])
{
	for (unsigned i = 0; i < t->n; i++) {
		unsigned k = 0;

		while (k < t->nkeys && !strcmp(t->s[i].key[k], keys[k]))
			k++;
		if (k == t->nkeys)
			return &t->s[i];
	}
	if (t->n < t->cap) {
		struct series *s = &t->s[t->n++];

		for (unsigned k = 0; k < NKEYS; k++)
			memcpy(s->key[k], keys[k], k < t->nkeys
				       ? strlen(keys[k]) + 1 : 1);
		return s;
	}
	m->st.series_overflow++;
	t->overflow_used = 1;
	return &t->overflow;
}

static void hist_add(struct hist *h, const double *bounds, double v)
{
	int b = 0;

	while (b < NB && v > bounds[b]) /* upper bounds are inclusive */
		b++;
	h->buckets[b]++;
	if (!h->count || v < h->min)
		h->min = v;
	if (!h->count || v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
}

void tt_otlp_metrics_record(struct tt_otlp_metrics *m,
			    const struct tt_otlp_obs *obs)
{
	struct series *s;

	m->st.recorded++;
	m->counters[TT_OTLP_C_EVENTS]++;
	if (obs->unallocated)
		m->counters[TT_OTLP_C_UNALLOCATED]++;
	if (obs->input_tokens >= 0 || obs->output_tokens >= 0) {
		s = series_get(m, &m->tok, obs->key);
		if (obs->input_tokens >= 0)
			hist_add(&s->h[0], token_bounds, (double)obs->input_tokens);
		if (obs->output_tokens >= 0)
			hist_add(&s->h[1], token_bounds,
				 (double)obs->output_tokens);
	}
	if (obs->duration_s >= 0) {
		s = series_get(m, &m->dur, obs->key);
		hist_add(&s->h[0], dur_bounds, obs->duration_s);
	}
}

void tt_otlp_metrics_set(struct tt_otlp_metrics *m, enum tt_otlp_counter c,
			 uint64_t value)
{
	if (c >= 0 && c < TT_OTLP_C_MAX)
		m->counters[c] = value;
}

const struct tt_otlp_metrics_stats *
tt_otlp_metrics_stats(const struct tt_otlp_metrics *m)
{
	return &m->st;
}

static void times(struct tt_jsonw *w, const struct tt_otlp_metrics *m,
		  uint64_t now_ns)
{
	tt_otlp_u64(w, "startTimeUnixNano", m->start_ns);
	tt_otlp_u64(w, "timeUnixNano", now_ns);
}

static void hist_point(struct tt_jsonw *w, const struct tt_otlp_metrics *m,
		       const struct table *t, const struct series *s,
		       const char *token_type, const struct hist *h,
		       const double *bounds, uint64_t now_ns)
{
	tt_jsonw_open(w, NULL);
	tt_jsonw_open_array(w, "attributes");
	if (token_type)
		tt_otlp_attr_str(w, "gen_ai.token.type", token_type);
	if (s == &t->overflow) {
		/* The SDKs' cardinality limit marker. */
		tt_jsonw_open(w, NULL);
		tt_jsonw_str(w, "key", "otel.metric.overflow");
		tt_jsonw_open(w, "value");
		tt_jsonw_bool(w, "boolValue", 1);
		tt_jsonw_close(w);
		tt_jsonw_close(w);
	}
	for (unsigned k = 0; k < t->nkeys && s != &t->overflow; k++)
		if (s->key[k][0])
			tt_otlp_attr_str(w, m->key_names[k], s->key[k]);
	tt_jsonw_close_array(w);
	times(w, m, now_ns);
	tt_otlp_u64(w, "count", h->count);
	tt_jsonw_double(w, "sum", h->sum);
	tt_jsonw_open_array(w, "bucketCounts");
	for (int b = 0; b <= NB; b++)
		tt_otlp_u64(w, NULL, h->buckets[b]);
	tt_jsonw_close_array(w);
	tt_jsonw_open_array(w, "explicitBounds");
	for (int b = 0; b < NB; b++)
		tt_jsonw_double(w, NULL, bounds[b]);
	tt_jsonw_close_array(w);
	tt_jsonw_double(w, "min", h->min);
	tt_jsonw_double(w, "max", h->max);
	tt_jsonw_close(w);
}

static void metric_head(struct tt_jsonw *w, const char *name, const char *desc,
			const char *unit, const char *kind)
{
	tt_jsonw_open(w, NULL);
	tt_jsonw_str(w, "name", name);
	tt_jsonw_str(w, "description", desc);
	tt_jsonw_str(w, "unit", unit);
	tt_jsonw_open(w, kind);
	tt_jsonw_open_array(w, "dataPoints");
}

/* Closes dataPoints and the kind with cumulative temporality (2). */
static void metric_tail(struct tt_jsonw *w, int monotonic)
{
	tt_jsonw_close_array(w);
	tt_jsonw_int(w, "aggregationTemporality", 2);
	if (monotonic)
		tt_jsonw_bool(w, "isMonotonic", 1);
	tt_jsonw_close(w);
	tt_jsonw_close(w);
}

static void table_points(struct tt_jsonw *w, const struct tt_otlp_metrics *m,
			 const struct table *t, int tokens, uint64_t now_ns)
{
	for (unsigned i = 0; i <= t->n; i++) {
		const struct series *s = i < t->n ? &t->s[i] : &t->overflow;

		if (i == t->n && !t->overflow_used)
			break;
		for (int h = 0; h < (tokens ? 2 : 1); h++)
			if (s->h[h].count)
				hist_point(w, m, t, s,
					   tokens ? (h ? "output" : "input") : NULL,
					   &s->h[h], tokens ? token_bounds : dur_bounds,
					   now_ns);
	}
}

static const struct {
	const char *name, *desc, *unit;
} sums[TT_OTLP_C_MAX] = {
	[TT_OTLP_C_EVENTS] = { "tokentap.events",
			       "Allocation events exported", "{event}" },
	[TT_OTLP_C_UNALLOCATED] = { "tokentap.events.unallocated",
				    "Allocation events no owner rule matched",
				    "{event}" },
	[TT_OTLP_C_CAPTURE_LOST] = { "tokentap.capture.lost",
				     "Capture events lost (ring buffer full)",
				     "{event}" },
	[TT_OTLP_C_EXPORT_DROPPED] = { "tokentap.otlp.dropped",
				       "Log records the exporter dropped",
				       "{record}" },
};

long tt_otlp_metrics_payload(struct tt_otlp_metrics *m,
			     const struct tt_otlp_resource *res,
			     uint64_t now_ns, char *out, size_t cap)
{
	struct tt_jsonw w;
	long n;

	tt_jsonw_init(&w, out, cap);
	tt_otlp_payload_open(&w, res, "resourceMetrics", "scopeMetrics",
			     "metrics");
	if (m->tok.n || m->tok.overflow_used) {
		metric_head(&w, "gen_ai.client.token.usage",
			    "Number of input and output tokens used", "{token}",
			    "histogram");
		table_points(&w, m, &m->tok, 1, now_ns);
		metric_tail(&w, 0);
	}
	if (m->dur.n || m->dur.overflow_used) {
		metric_head(&w, "gen_ai.client.operation.duration",
			    "GenAI operation duration", "s", "histogram");
		table_points(&w, m, &m->dur, 0, now_ns);
		metric_tail(&w, 0);
	}
	for (int c = 0; c < TT_OTLP_C_MAX; c++) {
		metric_head(&w, sums[c].name, sums[c].desc, sums[c].unit, "sum");
		tt_jsonw_open(&w, NULL);
		times(&w, m, now_ns);
		tt_otlp_u64(&w, "asInt", m->counters[c]);
		tt_jsonw_close(&w);
		metric_tail(&w, 1);
	}
	tt_jsonw_close_array(&w);
	tt_jsonw_close(&w);
	tt_jsonw_close_array(&w);
	tt_jsonw_close(&w);
	tt_jsonw_close_array(&w);
	tt_jsonw_close(&w);
	n = tt_jsonw_finish(&w);
	if (n < 0)
		m->st.payload_too_big++;
	return n;
}
