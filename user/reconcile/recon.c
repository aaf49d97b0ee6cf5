// SPDX-License-Identifier: MIT
/*
 * The reconciliation table: export rows and the ledger's day cells summed
 * per (UTC day, provider, model, project), then the variance of each key
 * (docs/finops.md#reconciliation).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "report/report_impl.h"
#include "reconcile/recon.h"

int tt_recon_init(struct tt_recon *rc, const struct tt_recon_opts *opts)
{
	memset(rc, 0, sizeof(*rc));
	if (!(opts->threshold >= 0 && opts->threshold <= 1e6))
		return -EINVAL;
	rc->opts = *opts;
	return 0;
}

void tt_recon_free(struct tt_recon *rc)
{
	for (size_t i = 0; i < rc->nentries; i++) {
		free(rc->entries[i].provider);
		free(rc->entries[i].model);
		free(rc->entries[i].project);
	}
	for (size_t i = 0; i < rc->ncovered; i++)
		free(rc->covered[i]);
	free(rc->entries);
	free(rc->index);
	free(rc->order);
	memset(rc, 0, sizeof(*rc));
}

static uint32_t fnv(const char *s, size_t n, uint32_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return (h ^ 0xffu) * 16777619u; /* a separator: "ab","c" != "a","bc" */
}

struct key {
	int32_t day;
	const char *provider, *model, *project; /* model/project may be NULL */
	size_t plen, mlen, jlen;
};

static uint32_t key_hash(const struct key *k)
{
	uint32_t h = 2166136261u ^ (uint32_t)k->day;

	h = fnv(k->provider, k->plen, h);
	h = k->model ? fnv(k->model, k->mlen, h) : h * 31u + 1u;
	h = k->project ? fnv(k->project, k->jlen, h) : h * 31u + 2u;
	return h;
}

static int str_eq(const char *a, const char *b, size_t blen)
{
	if (!a || !b)
		return !a && !b;
	return strlen(a) == blen && !memcmp(a, b, blen);
}

static int key_eq(const struct tt_recon_entry *e, const struct key *k)
{
	return e->day == k->day && str_eq(e->provider, k->provider, k->plen) &&
	       str_eq(e->model, k->model, k->mlen) &&
	       str_eq(e->project, k->project, k->jlen);
}

static int index_grow(struct tt_recon *rc)
{
	size_t cap = rc->index_cap ? rc->index_cap * 2 : 1024;
	uint32_t *ix;

	if (2 * (rc->nentries + 1) <= rc->index_cap)
		return 0;
	ix = calloc(cap, sizeof(*ix));
	if (!ix)
		return -ENOMEM;
	for (size_t i = 0; i < rc->nentries; i++) {
		size_t j = rc->entries[i].hash & (cap - 1);

		while (ix[j])
			j = (j + 1) & (cap - 1);
		ix[j] = (uint32_t)i + 1;
	}
	free(rc->index);
	rc->index = ix;
	rc->index_cap = cap;
	return 0;
}

static char *dup_n(const char *s, size_t n)
{
	char *d;

	if (!s)
		return NULL;
	d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* The entry of a key, made when new. NULL: -ENOMEM or the key cap (*err
 * says which). */
static struct tt_recon_entry *entry_of(struct tt_recon *rc,
				       const struct key *k, int *err)
{
	uint32_t h = key_hash(k);
	struct tt_recon_entry *e;
	size_t j;

	*err = -ENOMEM;
	if (index_grow(rc))
		return NULL;
	for (j = h & (rc->index_cap - 1); rc->index[j];
	     j = (j + 1) & (rc->index_cap - 1)) {
		e = &rc->entries[rc->index[j] - 1];
		if (e->hash == h && key_eq(e, k))
			return e;
	}
	if (rc->nentries >= TT_RECON_KEYS_MAX) {
		*err = -E2BIG;
		return NULL;
	}
	if (rc->nentries == rc->cap) {
		size_t cap = rc->cap ? rc->cap * 2 : 256;
		void *n = realloc(rc->entries, cap * sizeof(*rc->entries));

		if (!n)
			return NULL;
		rc->entries = n;
		rc->cap = cap;
	}
	e = &rc->entries[rc->nentries];
	memset(e, 0, sizeof(*e));
	e->hash = h;
	e->day = k->day;
	e->provider = dup_n(k->provider, k->plen);
	e->model = dup_n(k->model, k->mlen);
	e->project = dup_n(k->project, k->jlen);
	if (!e->provider || (k->model && !e->model) ||
	    (k->project && !e->project)) {
		free(e->provider);
		free(e->model);
		free(e->project);
		return NULL;
	}
	rc->index[j] = (uint32_t)rc->nentries + 1;
	rc->nentries++;
	return e;
}

static int covered_at(const struct tt_recon *rc, const char *p, size_t n)
{
	for (size_t i = 0; i < rc->ncovered; i++)
		if (str_eq(rc->covered[i], p, n))
			return (int)i;
	return -1;
}

void tt_recon_cover(struct tt_recon *rc, const char *provider,
		    enum tt_recon_format f)
{
	size_t n = strlen(provider);
	int i = covered_at(rc, provider, n);

	if (i < 0 && rc->ncovered < sizeof(rc->covered) / sizeof(rc->covered[0])) {
		rc->covered[rc->ncovered] = dup_n(provider, n);
		if (!rc->covered[rc->ncovered]) {
			rc->nomem++;
			return;
		}
		i = (int)rc->ncovered++;
	}
	if (i >= 0)
		rc->covered_formats[i] |= 1u << f;
}

void tt_recon_window(struct tt_recon *rc, int64_t start_us, int64_t end_us)
{
	int32_t first = tt_report_day(start_us);
	/* end is exclusive: a bucket ending at midnight ends that day. */
	int32_t end = tt_report_day(end_us - 1) + 1;

	if (end <= first)
		end = first + 1;
	if (!rc->has_window || first < rc->first_day)
		rc->first_day = first;
	if (!rc->has_window || end > rc->end_day)
		rc->end_day = end;
	rc->has_window = 1;
}

static void skip(struct tt_recon *rc, struct tt_recon_file *file,
		 enum tt_recon_skip why)
{
	rc->skipped[why]++;
	file->skipped[why]++;
}

int tt_recon_add_row(struct tt_recon *rc, const struct tt_recon_row *row,
		     struct tt_recon_file *file)
{
	struct key k = {
		.day = row->day, .provider = row->provider,
		.plen = row->provider_len, .model = row->model,
		.mlen = row->model_len,
		.project = rc->opts.by_project ? row->project : NULL,
		.jlen = row->project_len,
	};
	struct tt_recon_entry *e;
	char cur[4] = "";
	int err, ci;

	if (rc->rows >= TT_RECON_ROWS_MAX) {
		skip(rc, file, TT_RSKIP_ROW_CAP);
		return 0;
	}
	if (row->provider_len > TT_RECON_VALUE_MAX ||
	    (row->model && row->model_len > TT_RECON_VALUE_MAX) ||
	    (row->project && row->project_len > TT_RECON_VALUE_MAX)) {
		skip(rc, file, TT_RSKIP_LONG_VALUE);
		return 0;
	}
	if (row->has_cost && row->currency) {
		for (int i = 0; i < 3; i++) {
			char ch = (char)(row->currency[i] & ~0x20);

			if (ch < 'A' || ch > 'Z') {
				skip(rc, file, TT_RSKIP_BAD_ROW);
				return 0;
			}
			cur[i] = ch;
		}
		if (!rc->currency[0])
			memcpy(rc->currency, cur, 4);
		if (strcmp(rc->currency, cur)) {
			skip(rc, file, TT_RSKIP_CURRENCY);
			return 0;
		}
	}
	e = entry_of(rc, &k, &err);
	if (!e) {
		if (err == -ENOMEM)
			return -ENOMEM;
		skip(rc, file, TT_RSKIP_KEY_CAP);
		return 0;
	}
	ci = covered_at(rc, row->provider, row->provider_len);
	if (ci >= 0 && !row->model)
		rc->model_less[ci] = 1;
	e->exp.sources |= 1u << row->format;
	if (row->has_tokens) {
		/* A key whose tokens come from a source without the split
		 * loses it: only totals compare then. */
		e->exp.has_split = (e->exp.has_tokens ? e->exp.has_split : 1) &&
				   row->has_split;
		e->exp.has_tokens = 1;
		tt_rsat_add(&e->exp.input, row->input);
		tt_rsat_add(&e->exp.output, row->output);
		tt_rsat_add(&e->exp.total, row->input);
		tt_rsat_add(&e->exp.total, row->output);
		tt_rsat_add(&e->exp.requests, row->requests);
	}
	if (row->has_cost) {
		e->exp.has_cost = 1;
		tt_rsum_add(&e->exp.cost, row->cost);
	}
	rc->rows++;
	file->rows++;
	return 0;
}

/* The report's groups are keyed provider, model[, provider_project]. */
static int ledger_cell(struct tt_recon *rc, const struct tt_report *r,
		       const struct tt_report_cell *c)
{
	const struct tt_report_group *g = &r->groups[c->group];
	const char *provider = g->val[0], *model = g->val[1];
	const char *project = rc->opts.by_project ? g->val[2] : NULL;
	struct key k = { .day = c->day };
	struct tt_recon_entry *e;
	int err;

	if (g->currency[0] && rc->currency[0] &&
	    strcmp(g->currency, rc->currency)) {
		rc->ledger_currency_skipped += c->calls;
		return 0;
	}
	if (g->other || !provider ||
	    covered_at(rc, provider, strlen(provider)) < 0) {
		/* No export covers it: nothing to compare, counted. */
		rc->ledger_not_covered_calls += c->calls;
		tt_rsum_add(&rc->ledger_not_covered_cost,
			    tt_report_sum_value(&c->cost));
		return 0;
	}
	k.provider = provider;
	k.plen = strlen(provider);
	/* A call without a model name is its own key, not "all models". */
	k.model = model ? model : "(none)";
	k.mlen = strlen(k.model);
	k.project = project;
	k.jlen = project ? strlen(project) : 0;
	e = entry_of(rc, &k, &err);
	if (!e)
		return err == -ENOMEM ? -ENOMEM : 0;
	e->ledger.has_tokens = e->ledger.has_split = 1;
	e->ledger.calls += c->calls;
	e->ledger.unpriced += c->unpriced;
	tt_rsat_add(&e->ledger.input, c->tokens[TT_RTOK_INPUT]);
	tt_rsat_add(&e->ledger.output, c->tokens[TT_RTOK_OUTPUT]);
	tt_rsat_add(&e->ledger.total, c->tokens[TT_RTOK_INPUT]);
	tt_rsat_add(&e->ledger.total, c->tokens[TT_RTOK_OUTPUT]);
	e->ledger.has_cost = 1;
	tt_rsum_add(&e->ledger.cost, tt_report_sum_value(&c->cost));
	return 0;
}

int tt_recon_add_ledger(struct tt_recon *rc, const struct tt_report *r)
{
	for (size_t i = 0; i < r->ncells; i++) {
		const struct tt_report_cell *c = &r->cells[i];
		int ret;

		if (!c->calls)
			continue; /* a day of dark connections only */
		if (rc->has_window &&
		    (c->day < rc->first_day || c->day >= rc->end_day))
			continue; /* the report's window already drops these */
		ret = ledger_cell(rc, r, c);
		if (ret)
			return ret;
	}
	return 0;
}

static void side_merge(struct tt_recon_side *d, const struct tt_recon_side *s)
{
	if (s->has_tokens) {
		d->has_split = (d->has_tokens ? d->has_split : 1) &&
			       s->has_split;
		d->has_tokens = 1;
	}
	d->has_cost |= s->has_cost;
	tt_rsat_add(&d->input, s->input);
	tt_rsat_add(&d->output, s->output);
	tt_rsat_add(&d->total, s->total);
	tt_rsum_add(&d->cost, tt_report_sum_value(&s->cost));
	d->calls += s->calls;
	d->unpriced += s->unpriced;
	d->requests += s->requests;
	d->sources |= s->sources;
}

/* A provider an export named no model for: every key of it becomes the
 * all-models key of its day and project (the only level both sides
 * share). */
static int merge_model_less(struct tt_recon *rc)
{
	size_t n = rc->nentries;

	for (size_t i = 0; i < n; i++) {
		struct tt_recon_entry *e = &rc->entries[i], *to, copy;
		struct key k;
		int ci = covered_at(rc, e->provider, strlen(e->provider)), err;

		if (ci < 0 || !rc->model_less[ci] || !e->model)
			continue;
		k = (struct key){ .day = e->day, .provider = e->provider,
				  .plen = strlen(e->provider),
				  .project = e->project,
				  .jlen = e->project ? strlen(e->project) : 0 };
		copy = *e;
		to = entry_of(rc, &k, &err); /* may move the entries */
		if (!to)
			return err == -ENOMEM ? -ENOMEM : 0;
		side_merge(&to->ledger, &copy.ledger);
		side_merge(&to->exp, &copy.exp);
		e = &rc->entries[i];
		memset(&e->ledger, 0, sizeof(e->ledger));
		memset(&e->exp, 0, sizeof(e->exp));
	}
	return 0;
}

/* (a - b), and over b; NaN when b is 0 and a is not (infinite), 0 when
 * both are. */
static void var_of(double a, double b, double *abs_out, double *pct)
{
	*abs_out = a - b;
	*pct = b != 0 ? (a - b) / b : a == 0 ? 0 : NAN;
}

/* Beyond the threshold: a share above it, or anything on a 0 base. */
static int beyond(double diff, double pct, double threshold)
{
	if (pct != pct)
		return diff != 0;
	return pct > threshold || -pct > threshold;
}

static void variance(struct tt_recon *rc, struct tt_recon_entry *e)
{
	struct tt_recon_variance *v = &e->var;
	double t = rc->opts.threshold;

	v->total = v->total_pct = v->input = v->input_pct = NAN;
	v->output = v->output_pct = v->cost = v->cost_pct = NAN;
	if (!e->ledger.calls && !e->exp.sources)
		return; /* merged away */
	/* One side only: flagged when the other side has something to
	 * show (calls that used no tokens and cost nothing, such as 429s,
	 * are in no export). */
	if (!e->ledger.calls && (e->exp.total ||
				 tt_report_sum_value(&e->exp.cost) != 0))
		e->flags |= TT_RFLAG_EXPORT_ONLY;
	if (!e->exp.sources && (e->ledger.total ||
				tt_report_sum_value(&e->ledger.cost) != 0))
		e->flags |= TT_RFLAG_LEDGER_ONLY;
	if (e->ledger.has_tokens && e->exp.has_tokens) {
		var_of((double)e->ledger.total, (double)e->exp.total,
		       &v->total, &v->total_pct);
		if (beyond(v->total, v->total_pct, t))
			e->flags |= TT_RFLAG_TOKENS;
		if (e->exp.has_split) {
			var_of((double)e->ledger.input, (double)e->exp.input,
			       &v->input, &v->input_pct);
			var_of((double)e->ledger.output,
			       (double)e->exp.output, &v->output,
			       &v->output_pct);
			if (beyond(v->input, v->input_pct, t) ||
			    beyond(v->output, v->output_pct, t))
				e->flags |= TT_RFLAG_TOKENS;
		}
	}
	if (e->exp.has_cost) {
		var_of(tt_report_sum_value(&e->ledger.cost),
		       tt_report_sum_value(&e->exp.cost), &v->cost,
		       &v->cost_pct);
		if (beyond(v->cost, v->cost_pct, t))
			e->flags |= TT_RFLAG_COST;
	}
}

static int opt_cmp(const char *a, const char *b)
{
	if (!a || !b)
		return !!a - !!b; /* NULL (all models, no project) first */
	return strcmp(a, b);
}

static int by_key(const void *x, const void *y, void *ctx)
{
	const struct tt_recon *rc = ctx;
	const struct tt_recon_entry *a = &rc->entries[*(const uint32_t *)x];
	const struct tt_recon_entry *b = &rc->entries[*(const uint32_t *)y];
	int c;

	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	c = strcmp(a->provider, b->provider);
	if (!c)
		c = opt_cmp(a->model, b->model);
	return c ? c : opt_cmp(a->project, b->project);
}

/* The window's sums per covered provider, in the order covered. */
static void provider_totals(struct tt_recon *rc)
{
	rc->ntotals = 0;
	for (size_t c = 0; c < rc->ncovered; c++) {
		struct tt_recon_entry *t = &rc->totals[rc->ntotals];

		memset(t, 0, sizeof(*t));
		t->day = -1;
		t->provider = rc->covered[c];
		for (size_t i = 0; i < rc->nentries_shown; i++) {
			const struct tt_recon_entry *e =
				&rc->entries[rc->order[i]];

			if (strcmp(e->provider, t->provider))
				continue;
			side_merge(&t->ledger, &e->ledger);
			side_merge(&t->exp, &e->exp);
		}
		/* A side with no key at all has no numbers to compare. */
		if (t->ledger.calls) {
			t->ledger.has_tokens = t->ledger.has_cost = 1;
		}
		variance(rc, t);
		rc->ntotals++;
	}
}

int tt_recon_finish(struct tt_recon *rc)
{
	size_t n = 0;
	int ret = merge_model_less(rc);

	if (ret)
		return ret;
	free(rc->order);
	rc->order = malloc((rc->nentries ? rc->nentries : 1) *
			   sizeof(*rc->order));
	if (!rc->order)
		return -ENOMEM;
	rc->nflagged = 0;
	for (size_t i = 0; i < rc->nentries; i++) {
		struct tt_recon_entry *e = &rc->entries[i];

		e->flags = 0;
		variance(rc, e);
		if (!e->ledger.calls && !e->exp.sources)
			continue;
		rc->nflagged += e->flags != 0; /* keys only, not totals */
		rc->order[n++] = (uint32_t)i;
	}
	qsort_r(rc->order, n, sizeof(*rc->order), by_key, rc);
	rc->nentries_shown = n;
	provider_totals(rc);
	rc->finished = 1;
	return 0;
}

const struct tt_recon_entry *tt_recon_at(const struct tt_recon *rc, size_t i)
{
	if (!rc->finished || i >= rc->nentries_shown)
		return NULL;
	return &rc->entries[rc->order[i]];
}
