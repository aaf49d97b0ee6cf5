// SPDX-License-Identifier: MIT
/* The scorecard as a fixed-width table for people (docs/report.md). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "report/report.h"
#include "report/report_impl.h"

#define KEY_WIDTH_MAX 32        /* characters of a key value shown */
#define CELL_MAX (KEY_WIDTH_MAX * 4 + 8)

static const char *const num_heads[] = {
	"calls", "ok", "failed", "retries", "fallbacks", "in_tokens",
	"out_tokens", "cost", "cost/call", "cost/ok",
	/* When calls declared a unit, or with --unit-outcome. */
	"units", "cost/unit",
	"failed_cost", "retry_infl", "alloc_cost%", "unpriced", "unknown%",
	"env_mismatch", "dark_conns", "dark_bytes",
	/* With --reprice only. */
	"new_cost", "change", "new_unpriced",
};
#define NUM_COLS (sizeof(num_heads) / sizeof(num_heads[0]))
#define UNIT_COL 10             /* "units", then "cost/unit" */
#define REPRICE_COL (NUM_COLS - 3)
#define COLS_MAX (TT_RKEY__COUNT + 1 + NUM_COLS)

struct row {
	char cell[COLS_MAX][CELL_MAX];
};

/* Characters, not bytes: the text is valid UTF-8 once cleaned. */
static size_t width_of(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* A key value, cleaned and cut to KEY_WIDTH_MAX characters ('~' marks
 * the cut). */
static void key_cell(char *out, const char *v)
{
	size_t w = 0;

	if (!v) {
		strcpy(out, "-");
		return;
	}
	tt_rtext_clean(v, out, CELL_MAX - 2);
	if (width_of(out) <= KEY_WIDTH_MAX)
		return;
	for (size_t i = 0; out[i]; i++) {
		if (((unsigned char)out[i] & 0xc0) == 0x80)
			continue;
		if (++w == KEY_WIDTH_MAX) {
			out[i] = '~';
			out[i + 1] = '\0';
			return;
		}
	}
}

static void money(char *out, double v)
{
	if (v != v)
		strcpy(out, "-");
	else
		snprintf(out, CELL_MAX, "%.8f", v);
}

static void percent(char *out, double v)
{
	if (v != v)
		strcpy(out, "-");
	else
		snprintf(out, CELL_MAX, "%.1f%%", v * 100);
}

static void count(char *out, uint64_t v)
{
	snprintf(out, CELL_MAX, "%llu", (unsigned long long)v);
}

static void fill_row(const struct tt_report *r, struct row *row,
		     const char *const *keys, const char *currency,
		     const struct tt_report_stats *s)
{
	struct tt_report_derived d;
	uint64_t dark_bytes;
	size_t c = 0;

	tt_report_derive(s, &d);
	for (size_t i = 0; i < r->opts.nkeys; i++)
		key_cell(row->cell[c++], keys ? keys[i] : "");
	key_cell(row->cell[c++], currency[0] ? currency : NULL);
	count(row->cell[c++], s->calls);
	count(row->cell[c++], s->successes);
	count(row->cell[c++], s->failures);
	count(row->cell[c++], s->retries);
	count(row->cell[c++], s->fallbacks);
	count(row->cell[c++], s->tokens[TT_RTOK_INPUT]);
	count(row->cell[c++], s->tokens[TT_RTOK_OUTPUT]);
	money(row->cell[c++], d.cost);
	money(row->cell[c++], d.cost_per_call);
	money(row->cell[c++], d.cost_per_success);
	/* "N+": an id did not fit the caps, N is a lower bound. */
	count(row->cell[c], s->units);
	if (s->units_uncounted)
		strcat(row->cell[c], "+");
	c++;
	money(row->cell[c++], d.cost_per_unit);
	money(row->cell[c++], tt_report_sum_value(&s->failed_cost));
	percent(row->cell[c++], d.retry_inflation);
	percent(row->cell[c++], d.alloc_cost_coverage);
	count(row->cell[c++], s->unpriced);
	/* '!': the cost and its ratios miss more than the mark. */
	percent(row->cell[c], d.unknown_share);
	if (d.unknown_share > r->opts.unknown_mark)
		strcat(row->cell[c], "!");
	c++;
	count(row->cell[c++], s->mismatches);
	/* Spend that happened and could not be measured. */
	count(row->cell[c++], s->dark);
	dark_bytes = s->dark_sent;
	tt_rsat_add(&dark_bytes, s->dark_received);
	count(row->cell[c++], dark_bytes);
	money(row->cell[c++], tt_report_sum_value(&s->new_cost));
	money(row->cell[c++], tt_report_sum_value(&s->new_cost) - d.cost);
	count(row->cell[c++], s->new_unpriced);
}

/* The cells shown, as indexes into a full row: the keys, the currency,
 * then the numbers but units without unit ids and new_ without
 * --reprice. Returns how many. */
static size_t shown_cols(const struct tt_report *r, size_t *src)
{
	size_t nleft = r->opts.nkeys + 1, n = 0;
	int units = r->unit_calls || r->opts.unit_outcome;

	for (size_t c = 0; c < nleft + NUM_COLS; c++) {
		size_t num = c - nleft;

		if (c >= nleft && !units &&
		    (num == UNIT_COL || num == UNIT_COL + 1))
			continue;
		if (c >= nleft && !r->opts.reprice && num >= REPRICE_COL)
			continue;
		src[n++] = c;
	}
	return n;
}

/* Row i: groups by rank, then the totals. */
static void row_at(const struct tt_report *r, size_t i, struct row *row)
{
	static const char *const total[TT_RKEY__COUNT] = { "TOTAL" };

	if (i < r->ngroups) {
		const struct tt_report_group *g = tt_report_group_at(r, i);

		fill_row(r, row, g->val, g->currency, &g->st);
	} else {
		const struct tt_report_total *t = &r->totals[i - r->ngroups];

		fill_row(r, row, total, t->currency, &t->st);
		/* "TOTAL" then empty key cells, not "-". */
		for (size_t k = 1; k < r->opts.nkeys; k++)
			row->cell[k][0] = '\0';
	}
}

static void put_cell(struct tt_rout *o, const char *s, size_t width,
		     int right, int last)
{
	size_t w = width_of(s);

	for (; right && w < width; w++)
		tt_rout_put(o, " ", 1);
	tt_rout_str(o, s);
	for (; !right && !last && w < width; w++)
		tt_rout_put(o, " ", 1);
	if (!last)
		tt_rout_put(o, "  ", 2);
}

static void put_line(struct tt_rout *o, const struct row *row,
		     const size_t *src, const size_t *width, size_t ncols,
		     size_t nleft)
{
	for (size_t c = 0; c < ncols; c++)
		put_cell(o, row->cell[src[c]], width[c], c >= nleft,
			 c == ncols - 1);
	tt_rout_put(o, "\n", 1);
}

/* The heading of full-row column c. */
static const char *head_of(const struct tt_report *r, size_t c)
{
	size_t nleft = r->opts.nkeys + 1;

	return c < r->opts.nkeys ? tt_report_key_name(r->opts.keys[c]) :
	       c == r->opts.nkeys ? "currency" : num_heads[c - nleft];
}

int tt_report_write_table(const struct tt_report *r, tt_report_sink sink,
			  void *ctx)
{
	size_t nleft = r->opts.nkeys + 1, src[COLS_MAX], ncols;
	size_t nrows = r->ngroups + r->ntotals, width[COLS_MAX], total = 0;
	struct row row;
	struct tt_rout o;
	int ret;

	if (!r->finished)
		return -EINVAL;
	ncols = shown_cols(r, src);
	for (size_t c = 0; c < ncols; c++)
		width[c] = width_of(head_of(r, src[c]));
	/* Two passes: the widths, then the lines. */
	for (size_t i = 0; i < nrows; i++) {
		row_at(r, i, &row);
		for (size_t c = 0; c < ncols; c++)
			if (width_of(row.cell[src[c]]) > width[c])
				width[c] = width_of(row.cell[src[c]]);
	}
	tt_rout_init(&o, sink, ctx);
	for (size_t c = 0; c < ncols; c++) {
		put_cell(&o, head_of(r, src[c]), width[c], c >= nleft,
			 c == ncols - 1);
		total += width[c] + (c < ncols - 1 ? 2 : 0);
	}
	tt_rout_put(&o, "\n", 1);
	for (size_t i = 0; i < nrows; i++) {
		if (i == r->ngroups)
			for (size_t k = 0; k <= total; k++)
				tt_rout_put(&o, k < total ? "-" : "\n", 1);
		row_at(r, i, &row);
		put_line(&o, &row, src, width, ncols, nleft);
	}
	tt_rout_put(&o, "\n", 1);
	tt_rout_str(&o, "cost: list-price estimates (cost.amount of priced "
		    "calls), not invoice amounts; unpriced calls add nothing\n");
	if (r->opts.reprice)
		tt_rout_fmt(&o, "new_cost: the same calls priced with table %s "
			    "(sha256 %.12s...)\n", r->opts.reprice->version,
			    r->opts.reprice->sha256);
	ret = tt_rout_end(&o);
	if (!ret)
		ret = tt_report_write_policy(r, sink, ctx);
	if (!ret)
		ret = tt_report_write_checks(r, sink, ctx);
	return ret ? ret : tt_report_write_summary(r, sink, ctx);
}
