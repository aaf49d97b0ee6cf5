/* SPDX-License-Identifier: MIT */
/*
 * A small metrics registry and its Prometheus text exposition (format
 * 0.0.4). Pure: values in, text out; no clock, no I/O, no locking (one
 * owner thread; the agent renders a snapshot for its HTTP thread).
 *
 * Families have fixed label names chosen at creation. Each family holds
 * at most series_max label sets; past that, updates go to one series
 * whose every label value is "_other" and are counted in
 * tokentap_metrics_series_dropped_total{family="..."}. Label values are
 * sanitized on the way in (control bytes and invalid UTF-8 become '_',
 * cut to TT_METRICS_VALUE_MAX bytes) and escaped on the way out.
 */
#ifndef TT_METRICS_H
#define TT_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define TT_METRICS_FAMILIES_MAX 128
#define TT_METRICS_LABELS_MAX 8
#define TT_METRICS_BUCKETS_MAX 24
#define TT_METRICS_VALUE_MAX 128      /* bytes of one label value, sanitized */
#define TT_METRICS_SERIES_DEFAULT 2000
#define TT_METRICS_SERIES_CAP 100000  /* the most series_max may be */
#define TT_METRICS_OTHER "_other"
#define TT_METRICS_DROPPED "tokentap_metrics_series_dropped_total"
#define TT_METRICS_DROPPED_HELP "Updates folded into a family's \"_other\" " \
	"series because its label sets were at the cap."

enum tt_metric_type {
	TT_METRIC_COUNTER = 0,
	TT_METRIC_GAUGE,
	TT_METRIC_HISTOGRAM,
};

struct tt_metrics;
struct tt_mfam;

struct tt_metrics_stats {
	uint64_t series;          /* label sets held, all families */
	uint64_t series_dropped;  /* updates folded into an "_other" series */
	uint64_t alloc_failures;  /* updates lost: out of memory */
	uint64_t bad_updates;     /* negative counter steps, NaN, wrong type */
};

/* series_max: label sets per family (0: TT_METRICS_SERIES_DEFAULT).
 * NULL when out of memory. */
struct tt_metrics *tt_metrics_new(size_t series_max);
void tt_metrics_free(struct tt_metrics *m);

/* A family. name: [a-zA-Z_:][a-zA-Z0-9_:]*; help: free text; labels:
 * NULL-terminated names ([a-zA-Z_][a-zA-Z0-9_]*, not "le", not starting
 * "__"), or NULL for none; buckets: strictly increasing finite upper
 * bounds (histograms only; +Inf is implied). name, help, labels and
 * buckets must outlive the registry (static tables). A family without
 * labels has its one series from the start (a counter reads 0). Returns
 * NULL on a bad argument, a duplicate name, too many families or out of
 * memory. */
struct tt_mfam *tt_metrics_family(struct tt_metrics *m, int type,
				  const char *name, const char *help,
				  const char *const *labels,
				  const double *buckets, size_t nbuckets);

/* Updates. values: one per label name, in order (NULL entries read as
 * ""); NULL when the family has none. Return 0, -EINVAL (wrong type,
 * negative step, NaN) or -ENOMEM; every failure is counted. */
int tt_mfam_add(struct tt_mfam *f, const char *const *values, double v);
/* Counters (mirroring a running total kept elsewhere) and gauges. Meant
 * for families with a small fixed set of label values: a set that lands
 * in "_other" overwrites it. */
int tt_mfam_set(struct tt_mfam *f, const char *const *values, double v);
int tt_mfam_observe(struct tt_mfam *f, const char *const *values, double v);

/* The value of one series (a histogram's sum), or NaN when it does not
 * exist. For tests and for callers that read back. */
double tt_mfam_get(const struct tt_mfam *f, const char *const *values);

void tt_metrics_get_stats(const struct tt_metrics *m,
			  struct tt_metrics_stats *out);

/* The whole registry in the text exposition format, families in
 * creation order, series in first-update order, then the registry's own
 * TT_METRICS_DROPPED family (one series per family with labels). Returns
 * the length written (a NUL follows), or -E2BIG when cap is too small
 * (buf then holds a truncated prefix). */
long tt_metrics_write(const struct tt_metrics *m, char *buf, size_t cap);

/* Writes v as an exposition sample value ("+Inf", "NaN", integers
 * without a fraction, else the shortest text that reads back the same).
 * out needs 32 bytes. Returns out. */
const char *tt_metrics_format_value(double v, char out[32]);

/* Sanitizes a label value into out (TT_METRICS_VALUE_MAX + 1 bytes):
 * control bytes and invalid UTF-8 become '_', cut at a character
 * boundary. Returns the length. */
size_t tt_metrics_sanitize(const char *in, char *out);

/* Escapes a sanitized value for a label ("\\" -> "\\\\", '"' -> "\\\"",
 * newline -> "\\n") into out (cap bytes, NUL-terminated). Returns the
 * escaped length, or -E2BIG. */
long tt_metrics_escape(const char *in, char *out, size_t cap);

#endif
