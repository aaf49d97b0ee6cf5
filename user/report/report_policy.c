// SPDX-License-Identifier: MIT
/*
 * The report's ratio policy, said in words with every report, and the
 * CI thresholds (docs/report.md#honest-ratios, #thresholds-for-ci): which
 * shares are checked, over what, and the lines that say so.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "report/report.h"
#include "report/report_impl.h"

const char *tt_report_check_name(enum tt_report_check_kind k)
{
	switch (k) {
	case TT_RCHECK_UNALLOCATED:
		return "unallocated_cost_share";
	case TT_RCHECK_UNPRICED:
		return "unknown_cost_share";
	case TT_RCHECK_DARK:
		return "dark_share";
	}
	return NULL;
}

const char *tt_report_check_option(enum tt_report_check_kind k)
{
	switch (k) {
	case TT_RCHECK_UNALLOCATED:
		return "--fail-unallocated-above";
	case TT_RCHECK_UNPRICED:
		return "--fail-unpriced-above";
	case TT_RCHECK_DARK:
		return "--fail-dark-above";
	}
	return NULL;
}

int tt_report_parse_percent(const char *s, double *fraction)
{
	char *end = NULL;
	double v;

	if (!s || !*s || strchr(" \t+-", s[0]))
		return -EINVAL;
	v = strtod(s, &end);
	if (end == s || (*end == '%' ? end[1] != '\0' : *end != '\0'))
		return -EINVAL;
	if (!(v >= 0 && v <= 100))   /* also NaN, inf */
		return -EINVAL;
	*fraction = v / 100;
	return 0;
}

static void add_check(struct tt_report_check *out, size_t max, size_t *n,
		      int *exceeded, const struct tt_report_check *c)
{
	/* Above the limit, not at it: "--fail-unallocated-above 2%" lets
	 * exactly 2% pass. Undefined (NaN) is never above. */
	int over = c->share > c->limit;

	if (*n < max) {
		out[*n] = *c;
		out[*n].exceeded = over;
	}
	(*n)++;
	*exceeded += over;
}

int tt_report_checks(const struct tt_report *r, struct tt_report_check *out,
		     size_t max, size_t *n)
{
	const struct tt_report_opts *o = &r->opts;
	uint64_t calls = 0, unknown = 0, dark = 0;
	int exceeded = 0;

	*n = 0;
	if (!r->finished)
		return -EINVAL;
	for (size_t i = 0; i < r->ntotals; i++) {
		const struct tt_report_stats *s = &r->totals[i].st;
		struct tt_report_derived d;

		tt_report_derive(s, &d);
		calls += s->calls;
		unknown += d.unknown_calls;
		dark += s->dark;
		if (o->has_fail_unallocated) {
			struct tt_report_check c = {
				.kind = TT_RCHECK_UNALLOCATED,
				.share = d.cost > 0 ? 1 - d.alloc_cost_coverage :
						      NAN,
				.limit = o->fail_unallocated,
			};

			memcpy(c.currency, r->totals[i].currency, 4);
			add_check(out, max, n, &exceeded, &c);
		}
	}
	if (o->has_fail_unpriced) {
		struct tt_report_check c = {
			.kind = TT_RCHECK_UNPRICED,
			.share = calls ? (double)unknown / (double)calls : NAN,
			.limit = o->fail_unpriced,
		};

		add_check(out, max, n, &exceeded, &c);
	}
	if (o->has_fail_dark) {
		struct tt_report_check c = {
			.kind = TT_RCHECK_DARK,
			.share = calls + dark ?
				 (double)dark / (double)(calls + dark) : NAN,
			.limit = o->fail_dark,
		};

		add_check(out, max, n, &exceeded, &c);
	}
	return exceeded;
}

/* What units and cost/unit count (docs/report.md#cost-per-unit). */
static void unit_policy(const struct tt_report *r, struct tt_rout *o)
{
	char outcome[TT_REPORT_VALUE_MAX + 1];

	tt_rout_str(o, "units: distinct declared.unit_id per group");
	if (r->opts.unit_outcome) {
		tt_rtext_clean(r->opts.unit_outcome, outcome, sizeof(outcome));
		tt_rout_fmt(o, ", only units one of whose calls declared "
			    "unit_outcome \"%s\"", outcome);
	}
	tt_rout_str(o, " (a unit over several calls or groups counts once); "
		    "cost/unit = cost / units: the cost of all the group's "
		    "calls, failed, retried and other-outcome ones included, "
		    "unpriced ones adding nothing (a lower bound where a unit "
		    "has a call of unknown cost: units_unknown_cost in "
		    "JSON/CSV); 'N+': ids past the caps, N a lower bound, no "
		    "cost/unit\n");
}

int tt_report_write_policy(const struct tt_report *r, tt_report_sink sink,
			   void *ctx)
{
	struct tt_rout o;

	tt_rout_init(&o, sink, ctx);
	tt_rout_str(&o, "ratios: cost/call = cost / calls of known cost; "
		    "cost/ok = cost / successful calls of known cost. Known "
		    "cost: priced (cost.amount), or failed with no usage "
		    "reported (a rejected request, not billed: 0).\n");
	tt_rout_fmt(&o, "unknown%%: calls of unknown cost (unpriced less "
		    "unbilled errors) / calls, in neither part of a ratio; "
		    "'!' above %.1f%%: the ratios and cost are lower bounds "
		    "there\n", r->opts.unknown_mark * 100);
	if (r->unit_calls || r->opts.unit_outcome)
		unit_policy(r, &o);
	return tt_rout_end(&o);
}

int tt_report_write_checks(const struct tt_report *r, tt_report_sink sink,
			   void *ctx)
{
	struct tt_report_check c[TT_REPORT_CHECKS_MAX];
	struct tt_rout o;
	size_t n = 0;
	int failed = tt_report_checks(r, c, TT_REPORT_CHECKS_MAX, &n);

	if (failed < 0)
		return failed;
	tt_rout_init(&o, sink, ctx);
	for (size_t i = 0; i < n && i < TT_REPORT_CHECKS_MAX; i++) {
		tt_rout_fmt(&o, "threshold %s: %s", c[i].exceeded ? "FAILED" :
			    "ok", tt_report_check_name(c[i].kind));
		if (c[i].currency[0])
			tt_rout_fmt(&o, " (%s)", c[i].currency);
		if (c[i].share != c[i].share)
			tt_rout_str(&o, " undefined (nothing to divide)");
		else
			tt_rout_fmt(&o, " %.2f%%", c[i].share * 100);
		tt_rout_fmt(&o, " %s %s %.2f%%\n", c[i].exceeded ? ">" : "<=",
			    tt_report_check_option(c[i].kind),
			    c[i].limit * 100);
	}
	return tt_rout_end(&o);
}
