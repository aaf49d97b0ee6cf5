// SPDX-License-Identifier: MIT
/*
 * The reconciliation as a table for people and as JSON lines: one line
 * per (day, provider, model, project), then what each export gave and
 * what was left out (docs/finops.md#reconciliation).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/jsonw.h"
#include "report/report_impl.h"
#include "reconcile/recon.h"

#define NAME_SHOWN 48           /* bytes of a name in the table */

static const char *const flag_names[] = {
	"tokens", "cost", "ledger_only", "export_only",
};
#define NFLAGS (sizeof(flag_names) / sizeof(flag_names[0]))

static void day_text(int32_t day, char *out)
{
	char t[32];

	tt_report_format_time((int64_t)day * 86400 * 1000000, t);
	memcpy(out, t, 10);
	out[10] = '\0';
}

static void flags_text(unsigned flags, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < NFLAGS; i++)
		if (flags & (1u << i))
			n += (size_t)snprintf(out + n, cap - n, "%s%s",
					      n ? "," : "", flag_names[i]);
	if (!n)
		snprintf(out, cap, "ok");
}

static void name_cell(const char *v, const char *none, char *out)
{
	if (!v)
		snprintf(out, NAME_SHOWN + 1, "%s", none);
	else
		tt_rtext_clean(v, out, NAME_SHOWN + 1);
}

static void pct_text(double v, char *out)
{
	if (v != v)
		strcpy(out, "-");
	else
		snprintf(out, 32, "%+.1f%%", v * 100);
}

static void tokens_text(const struct tt_recon_side *s, char *out)
{
	if (!s->has_tokens)
		strcpy(out, "-");
	else
		snprintf(out, 32, "%llu", (unsigned long long)s->total);
}

static void cost_text(const struct tt_recon_side *s, char *out)
{
	if (!s->has_cost)
		strcpy(out, "-");
	else
		snprintf(out, 32, "%.6f", tt_report_sum_value(&s->cost));
}

static void table_line(struct tt_rout *o, const struct tt_recon_entry *e,
		       const int *w)
{
	char day[16], prov[NAME_SHOWN + 1], model[NAME_SHOWN + 1];
	char proj[NAME_SHOWN + 1], lt[32], et[32], tp[32], lc[32], ec[32];
	char cd[32], cp[32], fl[64];

	if (e->day < 0)
		strcpy(day, "window");  /* a provider's sums over the days */
	else
		day_text(e->day, day);
	name_cell(e->provider, "-", prov);
	name_cell(e->model, e->day < 0 ? "(all)" : "(all models)", model);
	name_cell(e->project, "-", proj);
	tokens_text(&e->ledger, lt);
	tokens_text(&e->exp, et);
	pct_text(e->var.total_pct, tp);
	cost_text(&e->ledger, lc);
	cost_text(&e->exp, ec);
	if (e->var.cost != e->var.cost)
		strcpy(cd, "-");
	else
		snprintf(cd, sizeof(cd), "%+.6f", e->var.cost);
	pct_text(e->var.cost_pct, cp);
	flags_text(e->flags, fl, sizeof(fl));
	tt_rout_fmt(o, "%-10s  %-*s  %-*s  %-*s  %6llu  %8llu  %13s  %13s  "
		    "%8s  %12s  %12s  %13s  %9s  %s\n", day, w[0], prov, w[1],
		    model, w[2], proj, (unsigned long long)e->ledger.calls,
		    (unsigned long long)e->ledger.unpriced, lt, et, tp, lc,
		    ec, cd, cp, fl);
}

static void files_text(struct tt_rout *o, const struct tt_recon_file *files,
		       const char *const *names, size_t nfiles)
{
	for (size_t i = 0; i < nfiles; i++) {
		const struct tt_recon_file *f = &files[i];
		char name[NAME_SHOWN * 2 + 1];

		tt_rtext_clean(names[i], name, sizeof(name));
		tt_rout_fmt(o, "export %s: %s, %llu rows used", name,
			    tt_recon_format_name(f->format),
			    (unsigned long long)f->rows);
		for (int s = 0; s < TT_RSKIP__COUNT; s++)
			if (f->skipped[s])
				tt_rout_fmt(o, ", %llu skipped (%s)",
					    (unsigned long long)f->skipped[s],
					    tt_recon_skip_name(s));
		if (f->misaligned)
			tt_rout_fmt(o, ", %llu periods not within one UTC day "
				    "(booked to their first day)",
				    (unsigned long long)f->misaligned);
		if (f->more_pages)
			tt_rout_str(o, ", has_more: later pages missing");
		tt_rout_str(o, "\n");
	}
}

int tt_recon_write_text(const struct tt_recon *rc,
			const struct tt_recon_file *files,
			const char *const *names, size_t nfiles,
			tt_report_sink sink, void *ctx)
{
	int w[3] = { 8, 5, 7 }; /* provider, model, project headings */
	char a[16], b[16];
	struct tt_rout o;

	if (!rc->finished)
		return -EINVAL;
	for (size_t i = 0; i < rc->nentries_shown; i++) {
		const struct tt_recon_entry *e = tt_recon_at(rc, i);
		char cell[NAME_SHOWN + 1];
		const char *v[3] = { e->provider, e->model, e->project };

		for (int k = 0; k < 3; k++) {
			int n;

			name_cell(v[k], k == 1 ? "(all models)" : "-", cell);
			n = (int)strlen(cell);
			w[k] = n > w[k] ? n : w[k];
		}
	}
	tt_rout_init(&o, sink, ctx);
	tt_rout_fmt(&o, "%-10s  %-*s  %-*s  %-*s  %6s  %8s  %13s  %13s  %8s  "
		    "%12s  %12s  %13s  %9s  %s\n", "day", w[0], "provider",
		    w[1], "model", w[2], "project", "calls", "unpriced",
		    "ledger_tokens", "export_tokens", "tokens%", "ledger_cost",
		    "export_cost", "cost_var", "cost_var%", "flags");
	for (size_t i = 0; i < rc->nentries_shown; i++)
		table_line(&o, tt_recon_at(rc, i), w);
	for (size_t i = 0; i < rc->ntotals; i++)
		table_line(&o, &rc->totals[i], w);
	tt_rout_str(&o, "\n");
	if (rc->has_window) {
		day_text(rc->first_day, a);
		day_text(rc->end_day - 1, b);
		tt_rout_fmt(&o, "window: UTC days %s to %s (the exports' "
			    "periods); variance = ledger - export, %% of the "
			    "export; threshold %.1f%%; window rows: each "
			    "provider's sums over the days (their flags do not "
			    "set the exit status)\n",
			    a, b,
			    rc->opts.threshold * 100);
	}
	tt_rout_str(&o, "ledger: list-price estimates (cost.amount), tokens "
		    "input + output; unpriced calls add no cost\n");
	files_text(&o, files, names, nfiles);
	if (rc->ledger_not_covered_calls || rc->ledger_currency_skipped)
		tt_rout_fmt(&o, "not compared: %llu ledger calls of providers "
			    "no export covers (%.6f), %llu in another "
			    "currency\n",
			    (unsigned long long)rc->ledger_not_covered_calls,
			    tt_report_sum_value(&rc->ledger_not_covered_cost),
			    (unsigned long long)rc->ledger_currency_skipped);
	tt_rout_fmt(&o, "%s: %zu of %zu keys beyond %.1f%%\n",
		    rc->nflagged ? "FLAGGED" : "ok", rc->nflagged,
		    rc->nentries_shown, rc->opts.threshold * 100);
	return tt_rout_end(&o);
}

static void side_json(struct tt_jsonw *w, const char *key,
		      const struct tt_recon_side *s, int ledger)
{
	tt_jsonw_open(w, key);
	if (ledger) {
		tt_jsonw_int(w, "calls", (int64_t)s->calls);
		tt_jsonw_int(w, "unpriced_calls", (int64_t)s->unpriced);
	} else {
		tt_jsonw_open_array(w, "sources");
		for (int f = 1; f < TT_RECON__FORMATS; f++)
			if (s->sources & (1u << f))
				tt_jsonw_str(w, NULL, tt_recon_format_name(f));
		tt_jsonw_close_array(w);
	}
	tt_jsonw_count(w, "input_tokens", s->has_split ?
		       (int64_t)s->input : -1);
	tt_jsonw_count(w, "output_tokens", s->has_split ?
		       (int64_t)s->output : -1);
	tt_jsonw_count(w, "total_tokens", s->has_tokens ?
		       (int64_t)s->total : -1);
	tt_jsonw_double_sig(w, "cost", s->has_cost ?
			    tt_report_sum_value(&s->cost) : NAN, 12);
	tt_jsonw_close(w);
}

static void entry_json(struct tt_jsonw *w, const struct tt_recon *rc,
		       const struct tt_recon_entry *e)
{
	const struct tt_recon_variance *v = &e->var;
	char day[16];

	tt_jsonw_open(w, NULL);
	if (e->day < 0) {
		tt_jsonw_str(w, "record", "total");
		tt_jsonw_null(w, "day");
	} else {
		day_text(e->day, day);
		tt_jsonw_str(w, "record", "variance");
		tt_jsonw_str(w, "day", day);
	}
	tt_jsonw_str(w, "provider", e->provider);
	tt_jsonw_str(w, "model", e->model);
	tt_jsonw_bool(w, "all_models", !e->model);
	tt_jsonw_str(w, "project", e->project);
	tt_jsonw_str(w, "currency", rc->currency);
	side_json(w, "ledger", &e->ledger, 1);
	side_json(w, "export", &e->exp, 0);
	tt_jsonw_open(w, "variance");
	tt_jsonw_double_sig(w, "total_tokens", v->total, 12);
	tt_jsonw_double_sig(w, "total_tokens_pct", v->total_pct, 12);
	tt_jsonw_double_sig(w, "input_tokens", v->input, 12);
	tt_jsonw_double_sig(w, "input_tokens_pct", v->input_pct, 12);
	tt_jsonw_double_sig(w, "output_tokens", v->output, 12);
	tt_jsonw_double_sig(w, "output_tokens_pct", v->output_pct, 12);
	tt_jsonw_double_sig(w, "cost", v->cost, 12);
	tt_jsonw_double_sig(w, "cost_pct", v->cost_pct, 12);
	tt_jsonw_close(w);
	tt_jsonw_bool(w, "flagged", e->flags != 0);
	tt_jsonw_open_array(w, "flags");
	for (size_t i = 0; i < NFLAGS; i++)
		if (e->flags & (1u << i))
			tt_jsonw_str(w, NULL, flag_names[i]);
	tt_jsonw_close_array(w);
	tt_jsonw_close(w);
}

static void summary_json(struct tt_jsonw *w, const struct tt_recon *rc,
			 const struct tt_recon_file *files,
			 const char *const *names, size_t nfiles)
{
	char a[16], b[16];

	tt_jsonw_open(w, NULL);
	tt_jsonw_str(w, "record", "summary");
	tt_jsonw_double_sig(w, "threshold", rc->opts.threshold, 12);
	if (rc->has_window) {
		day_text(rc->first_day, a);
		day_text(rc->end_day - 1, b);
	}
	tt_jsonw_str(w, "first_day", rc->has_window ? a : NULL);
	tt_jsonw_str(w, "last_day", rc->has_window ? b : NULL);
	tt_jsonw_int(w, "keys", (int64_t)rc->nentries_shown);
	tt_jsonw_int(w, "flagged", (int64_t)rc->nflagged);
	tt_jsonw_open_array(w, "exports");
	for (size_t i = 0; i < nfiles; i++) {
		tt_jsonw_open(w, NULL);
		tt_jsonw_str(w, "file", names[i]);
		tt_jsonw_str(w, "format", tt_recon_format_name(files[i].format));
		tt_jsonw_int(w, "rows", (int64_t)files[i].rows);
		tt_jsonw_open(w, "skipped");
		for (int s = 0; s < TT_RSKIP__COUNT; s++)
			tt_jsonw_int(w, tt_recon_skip_name(s),
				     (int64_t)files[i].skipped[s]);
		tt_jsonw_close(w);
		tt_jsonw_int(w, "misaligned_periods",
			     (int64_t)files[i].misaligned);
		tt_jsonw_bool(w, "more_pages", files[i].more_pages);
		tt_jsonw_close(w);
	}
	tt_jsonw_close_array(w);
	tt_jsonw_int(w, "ledger_calls_not_covered",
		     (int64_t)rc->ledger_not_covered_calls);
	tt_jsonw_double_sig(w, "ledger_cost_not_covered",
			    tt_report_sum_value(&rc->ledger_not_covered_cost),
			    12);
	tt_jsonw_int(w, "ledger_calls_other_currency",
		     (int64_t)rc->ledger_currency_skipped);
	tt_jsonw_str(w, "ledger_cost_basis", "list_price_estimate");
	tt_jsonw_close(w);
}

/* A line: 3 names of 256 bytes escaped at most 6 bytes a byte, numbers;
 * the summary: file names (PATH_MAX-ish each). */
#define LINE_MAX_BYTES (64 * 1024)

int tt_recon_write_json(const struct tt_recon *rc,
			const struct tt_recon_file *files,
			const char *const *names, size_t nfiles,
			tt_report_sink sink, void *ctx)
{
	struct tt_jsonw w;
	struct tt_rout o;
	char *buf;

	if (!rc->finished)
		return -EINVAL;
	buf = malloc(LINE_MAX_BYTES + nfiles * 32768);
	if (!buf)
		return -ENOMEM;
	tt_rout_init(&o, sink, ctx);
	for (size_t i = 0; i < rc->nentries_shown + rc->ntotals; i++) {
		tt_jsonw_init(&w, buf, LINE_MAX_BYTES);
		entry_json(&w, rc, i < rc->nentries_shown ? tt_recon_at(rc, i) :
				   &rc->totals[i - rc->nentries_shown]);
		tt_rout_json_line(&o, &w);
	}
	tt_jsonw_init(&w, buf, LINE_MAX_BYTES + nfiles * 32768);
	summary_json(&w, rc, files, names, nfiles);
	tt_rout_json_line(&o, &w);
	free(buf);
	return tt_rout_end(&o);
}
