/* SPDX-License-Identifier: MIT */
/* Internals of the metrics registry, shared by metrics.c and expo.c. */
#ifndef TT_METRICS_IMPL_H
#define TT_METRICS_IMPL_H

#include "metrics/metrics.h"

struct tt_mseries {
	char *vals;       /* the sanitized label values, each NUL-terminated */
	double value;     /* counter or gauge; a histogram's sum */
	uint64_t count;   /* histogram observations */
	uint64_t *bk;     /* histogram: observations per bucket (not cumulative) */
};

struct tt_mfam {
	struct tt_metrics *m;
	int type;
	const char *name, *help;
	const char *const *labels;
	size_t nlabels;
	const double *buckets;
	size_t nbuckets;
	struct tt_mseries *s;  /* first-update order */
	size_t n, alloc;
	uint32_t *idx;         /* open addressing: series index + 1, 0 empty */
	size_t idx_cap;        /* power of two */
	long other;            /* the "_other" series, -1 until needed */
	uint64_t dropped;      /* updates folded into it */
};

struct tt_metrics {
	size_t series_max;
	struct tt_mfam *fam[TT_METRICS_FAMILIES_MAX];
	size_t n;
	struct tt_metrics_stats st;
};

#endif
