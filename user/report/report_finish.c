// SPDX-License-Identifier: MIT
/* The report's results: groups ranked, cells by day, totals per currency. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "report/report.h"
#include "report/report_impl.h"

static int key_cmp(const struct tt_report *r, const struct tt_report_group *a,
		   const struct tt_report_group *b)
{
	for (size_t i = 0; i < r->opts.nkeys; i++) {
		int c;

		if (!a->val[i] || !b->val[i]) {
			c = !!a->val[i] - !!b->val[i];
			if (c)
				return c;
			continue;
		}
		c = strcmp(a->val[i], b->val[i]);
		if (c)
			return c;
	}
	if (a->other != b->other)
		return a->other - b->other;
	return strcmp(a->currency, b->currency);
}

static int by_cost(const void *x, const void *y, void *ctx)
{
	const struct tt_report *r = ctx;
	const struct tt_report_group *a = &r->groups[*(const uint32_t *)x];
	const struct tt_report_group *b = &r->groups[*(const uint32_t *)y];
	double ca = tt_report_sum_value(&a->st.cost);
	double cb = tt_report_sum_value(&b->st.cost);

	if (ca != cb)
		return ca < cb ? 1 : -1;
	return key_cmp(r, a, b);
}

static int by_day(const void *x, const void *y, void *ctx)
{
	const struct tt_report *r = ctx;
	const struct tt_report_cell *a = &r->cells[*(const uint32_t *)x];
	const struct tt_report_cell *b = &r->cells[*(const uint32_t *)y];

	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	return (r->rank[a->group] > r->rank[b->group]) -
	       (r->rank[a->group] < r->rank[b->group]);
}

/* Same key tuple, currency last: the blob without its last 4 bytes. */
static int by_key_blob(const void *x, const void *y, void *ctx)
{
	const struct tt_report *r = ctx;
	const struct tt_report_group *a = &r->groups[*(const uint32_t *)x];
	const struct tt_report_group *b = &r->groups[*(const uint32_t *)y];
	size_t n = a->blob_len < b->blob_len ? a->blob_len : b->blob_len;
	int c = memcmp(a->blob, b->blob, n);

	if (c)
		return c;
	return (a->blob_len > b->blob_len) - (a->blob_len < b->blob_len);
}

static int by_currency(const void *x, const void *y, void *ctx)
{
	const struct tt_report *r = ctx;

	return strcmp(r->groups[*(const uint32_t *)x].currency,
		      r->groups[*(const uint32_t *)y].currency);
}

static int total_cmp(const void *x, const void *y)
{
	const struct tt_report_total *a = x, *b = y;
	double ca = tt_report_sum_value(&a->st.cost);
	double cb = tt_report_sum_value(&b->st.cost);

	if (ca != cb)
		return ca < cb ? 1 : -1;
	return strcmp(a->currency, b->currency);
}

static void sum_merge(struct tt_report_sum *d, const struct tt_report_sum *s)
{
	tt_rsum_add(d, s->sum);
	tt_rsum_add(d, s->comp);
}

static void stats_merge(struct tt_report_stats *d,
			const struct tt_report_stats *s)
{
	d->calls += s->calls;
	d->successes += s->successes;
	d->failures += s->failures;
	d->retries += s->retries;
	d->attempt_known += s->attempt_known;
	d->fallbacks += s->fallbacks;
	/* units and units_unknown_cost are distinct counts: never added up
	 * (a unit in two groups is one unit); tt_runits_merge() counts them
	 * over the union. */
	d->units_uncounted += s->units_uncounted;
	for (int i = 0; i < TT_RTOK__COUNT; i++)
		tt_rsat_add(&d->tokens[i], s->tokens[i]);
	d->priced += s->priced;
	d->unpriced += s->unpriced;
	d->unbilled_errors += s->unbilled_errors;
	d->priced_successes += s->priced_successes;
	for (int i = 0; i < TT_RREASON__COUNT; i++)
		d->unpriced_by[i] += s->unpriced_by[i];
	d->allocated += s->allocated;
	d->mismatches += s->mismatches;
	d->dark += s->dark;
	tt_rsat_add(&d->dark_sent, s->dark_sent);
	tt_rsat_add(&d->dark_received, s->dark_received);
	sum_merge(&d->cost, &s->cost);
	sum_merge(&d->failed_cost, &s->failed_cost);
	sum_merge(&d->allocated_cost, &s->allocated_cost);
	sum_merge(&d->new_cost, &s->new_cost);
	d->new_priced += s->new_priced;
	d->new_unpriced += s->new_unpriced;
	if (s->first_us < d->first_us)
		d->first_us = s->first_us;
	if (s->last_us > d->last_us)
		d->last_us = s->last_us;
	d->version = tt_rversion_merge(d->version, s->version);
}

/* Totals per currency and the count of key tuples in several. */
static int totals(struct tt_report *r, uint32_t *tmp)
{
	size_t n = r->ngroups;

	for (size_t i = 0; i < n; i++)
		tmp[i] = (uint32_t)i;
	qsort_r(tmp, n, sizeof(*tmp), by_key_blob, r);
	r->mixed_currency_keys = 0;
	for (size_t i = 1, run = 0; i < n; i++) {
		const struct tt_report_group *a = &r->groups[tmp[i - 1]];
		const struct tt_report_group *b = &r->groups[tmp[i]];

		if (a->blob_len == b->blob_len &&
		    !memcmp(a->blob, b->blob, a->blob_len - 4)) {
			if (!run++)
				r->mixed_currency_keys++;
		} else {
			run = 0;
		}
	}
	qsort_r(tmp, n, sizeof(*tmp), by_currency, r);
	r->totals = calloc(n ? n : 1, sizeof(*r->totals));
	if (!r->totals)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct tt_report_group *g = &r->groups[tmp[i]];
		struct tt_report_total *t = r->ntotals ?
			&r->totals[r->ntotals - 1] : NULL;

		if (!t || strcmp(t->currency, g->currency)) {
			t = &r->totals[r->ntotals++];
			memcpy(t->currency, g->currency, 4);
			t->st.first_us = INT64_MAX;
			t->st.last_us = INT64_MIN;
			t->st.version = TT_REPORT_NO_VERSION;
		}
		t->groups++;
		stats_merge(&t->st, &g->st);
		tt_runits_merge(r, &t->units, &t->st, &g->units);
	}
	qsort(r->totals, r->ntotals, sizeof(*r->totals), total_cmp);
	return 0;
}

int tt_report_finish(struct tt_report *r)
{
	size_t n = r->ngroups ? r->ngroups : 1;
	uint32_t *tmp = NULL;
	int ret = -ENOMEM;

	tt_rresults_free(r);
	r->order = malloc(n * sizeof(*r->order));
	r->rank = malloc(n * sizeof(*r->rank));
	r->cell_order = malloc((r->ncells ? r->ncells : 1) *
			       sizeof(*r->cell_order));
	tmp = malloc(n * sizeof(*tmp));
	if (!r->order || !r->rank || !r->cell_order || !tmp)
		goto out;
	for (size_t i = 0; i < r->ngroups; i++)
		r->order[i] = (uint32_t)i;
	qsort_r(r->order, r->ngroups, sizeof(*r->order), by_cost, r);
	for (size_t i = 0; i < r->ngroups; i++)
		r->rank[r->order[i]] = (uint32_t)i;
	for (size_t i = 0; i < r->ncells; i++)
		r->cell_order[i] = (uint32_t)i;
	qsort_r(r->cell_order, r->ncells, sizeof(*r->cell_order), by_day, r);
	ret = totals(r, tmp);
out:
	free(tmp);
	if (ret)
		tt_rresults_free(r);
	else
		r->finished = 1;
	return ret;
}

const struct tt_report_group *tt_report_group_at(const struct tt_report *r,
						 size_t rank)
{
	if (!r->finished || rank >= r->ngroups)
		return NULL;
	return &r->groups[r->order[rank]];
}

const char *tt_report_version(const struct tt_report *r, uint16_t id)
{
	return id < r->nversions ? r->versions[id] : NULL;
}
