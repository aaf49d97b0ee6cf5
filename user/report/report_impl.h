/* SPDX-License-Identifier: MIT */
/* Helpers shared by the report core's files (not part of its API). */
#ifndef TT_REPORT_IMPL_H
#define TT_REPORT_IMPL_H

#include <stdint.h>
#include "report/report.h"

void tt_rsum_add(struct tt_report_sum *s, double v);
/* Saturates at UINT64_MAX instead of wrapping. */
void tt_rsat_add(uint64_t *a, uint64_t b);
/* The version of a set of events: one id, NO_ or MIXED_. */
uint16_t tt_rversion_merge(uint16_t cur, uint16_t v);
/* The event's cost with opts.reprice, rounded as the agent books it:
 * *priced 0 when that table leaves it unpriced (reprice.c). */
struct cJSON;
void tt_rreprice(const struct tt_pricing *t, const struct cJSON *ev,
		 int *priced, double *amount);
/* The open-addressing index of groups and cells (report_index.c): the
 * slot of a key (its ref 0 when absent: the slot to fill), and room for
 * one more of n items at a load of at most 1/2 (0 or -ENOMEM). */
typedef int (*tt_rindex_eq)(const struct tt_report *r, uint32_t idx,
			    const void *key);
struct tt_rslot *tt_rindex_find(const struct tt_rindex *ix, uint32_t hash,
				tt_rindex_eq eq, const struct tt_report *r,
				const void *key);
int tt_rindex_reserve(struct tt_rindex *ix, size_t n);
/* FNV-1a over n bytes from h (2166136261u to start). */
uint32_t tt_rfnv1a(const void *p, size_t n, uint32_t h);

/* Sets of unit ids (report_units.c). Flags of an entry: used; counted
 * (one of its calls declared opts.unit_outcome, or there is none); a call
 * of unknown cost. An id that does not fit a cap (or is over
 * TT_REPORT_VALUE_MAX bytes) counts in st->units_uncounted. */
#define TT_RUNIT_USED 1u
#define TT_RUNIT_COUNTED 2u
#define TT_RUNIT_UNKNOWN 4u
void tt_runits_add(struct tt_report *r, struct tt_runits *set,
		   struct tt_report_stats *st, const char *id,
		   uint8_t flags);
/* Adds src's ids to dst (a currency total's set), counting each once. */
void tt_runits_merge(struct tt_report *r, struct tt_runits *dst,
		     struct tt_report_stats *st, const struct tt_runits *src);
void tt_runits_free(struct tt_runits *set);

/* Frees the results of tt_report_finish() (more lines came). */
void tt_rresults_free(struct tt_report *r);


/* Buffered output to a sink; the first error sticks and stops output. */
struct tt_rout {
	tt_report_sink sink;
	void *ctx;
	int err;
	size_t len;
	char buf[8192];
};

void tt_rout_init(struct tt_rout *o, tt_report_sink sink, void *ctx);
void tt_rout_put(struct tt_rout *o, const char *s, size_t n);
void tt_rout_str(struct tt_rout *o, const char *s);
__attribute__((format(printf, 2, 3)))
void tt_rout_fmt(struct tt_rout *o, const char *fmt, ...);
/* Flushes; 0 or the first error. */
int tt_rout_end(struct tt_rout *o);
/* A finished JSON writer's object and "\n"; a writer that ran out of
 * room sets -E2BIG. */
struct tt_jsonw;
void tt_rout_json_line(struct tt_rout *o, struct tt_jsonw *w);

/* Text from the ledger made safe for a terminal or a spreadsheet: bytes
 * that are not UTF-8 and control characters (C0, DEL, C1) become '?'.
 * At most cap - 1 bytes, cut on a character boundary; returns the
 * length. */
size_t tt_rtext_clean(const char *in, char *out, size_t cap);
/* One CSV field (RFC 4180): cleaned, quoted when needed, and prefixed
 * with ' when it starts like a spreadsheet formula (= + - @). NULL is
 * an empty field. */
void tt_rout_csv(struct tt_rout *o, const char *v);
/* A decimal with 12 significant digits and no exponent ("0.00001275");
 * "" for NaN. out: 64 bytes. */
void tt_rfmt_decimal(double v, char *out);

/* The first day of the calendar month (UTC) holding day, and of the
 * next one; days since 1970-01-01. */
void tt_rmonth_bounds(int32_t day, int32_t *start, int32_t *next);

/* The per-stats fields of the CSV and JSON writers, in their order. */
enum tt_rfield_kind { TT_RF_U64, TT_RF_DEC, TT_RF_TIME, TT_RF_STR, TT_RF_BOOL };

struct tt_rfield {
	const char *name;
	enum tt_rfield_kind kind;
	uint64_t u;
	double d;          /* NaN: null */
	int64_t t;         /* INT64_MAX / INT64_MIN: null */
	const char *s;     /* NULL: null */
};

#define TT_RFIELDS_MAX 64
size_t tt_rstats_fields(const struct tt_report *r,
			const struct tt_report_stats *s,
			struct tt_rfield *f);

#endif
