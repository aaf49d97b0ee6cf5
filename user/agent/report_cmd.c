// SPDX-License-Identifier: MIT
/*
 * `tokentap report`: reads ledger files (rotated ones given explicitly,
 * "-" for stdin) line by line into the report core (user/report) and
 * prints the scorecard. All the arithmetic is in the core.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report/report.h"
#include "agent/cli.h"
#include "agent/ledger_read.h"
#include "agent/report_cmd.h"

#define REPORT_DEFAULT_KEYS "owner,environment,model"

enum format { FMT_TABLE, FMT_CSV, FMT_JSON, FMT_FOCUS };

static const char usage_text[] =
	"usage: tokentap report [--by KEYS] [--format table|csv|json|focus]\n"
	"                       [--since ISO] [--until ISO] [--reprice TABLE]\n"
	"                       [--mark-unpriced-above PCT] [--fail-unallocated-above PCT]\n"
	"                       [--fail-unpriced-above PCT] [--fail-dark-above PCT]\n"
	"                       [--unit-outcome VALUE] FILE...\n"
	"  --by KEYS      comma-separated, from owner, team, cost_center,\n"
	"                 application, environment, provider, model, operation,\n"
	"                 workload, api_key, allocation_status, environment_source,\n"
	"                 provider_project, and what the calls declared: tenant,\n"
	"                 workflow, unit_type, unit_id, unit_outcome, user, trace_id\n"
	"                 (default " REPORT_DEFAULT_KEYS ")\n"
	"  --format FMT   table (default), csv, json (JSON lines), focus\n"
	"                 (FOCUS-style CSV; adds provider and model to KEYS)\n"
	"  --since ISO    events at or after this time (2026-11-01, or\n"
	"                 2026-11-01T08:00:00Z; no zone means UTC)\n"
	"  --until ISO    events before this time\n"
	"  --reprice TABLE\n"
	"                 price every event again with this price table and\n"
	"                 show the new cost beside the old (new_cost, change)\n"
	"  --mark-unpriced-above PCT\n"
	"                 mark groups whose calls of unknown cost are above PCT\n"
	"                 of their calls (default 5%)\n"
	"  --fail-unallocated-above PCT, --fail-unpriced-above PCT,\n"
	"  --fail-dark-above PCT\n"
	"                 exit 3 when the unallocated share of cost, the share\n"
	"                 of calls of unknown cost or the dark connection share\n"
	"                 is above PCT (2%, 0.5%, 10)\n"
	"  --unit-outcome VALUE\n"
	"                 count as units only the declared.unit_id values one\n"
	"                 of whose calls declared this unit_outcome (resolved):\n"
	"                 cost/unit is then the cost per resolved unit\n"
	"  FILE           ledger files (events.jsonl, events.jsonl.1, ...);\n"
	"                 - for standard input\n";

static int bad_usage(const char *msg, const char *arg)
{
	return tt_cli_usage_error("report", usage_text, msg, arg);
}

static int parse_time_opt(const char *opt, const char *arg, int64_t *us)
{
	if (tt_report_parse_time(arg, strlen(arg), us)) {
		fprintf(stderr, "tokentap report: %s: not an ISO 8601 time "
			"(YYYY-MM-DD[Thh:mm[:ss[.frac]]][Z|+hh:mm]): %s\n",
			opt, arg);
		return -1;
	}
	return 0;
}

/* A percentage option into *v; sets *has. 0, or -1 after saying why. */
static int parse_pct_opt(const char *opt, const char *arg, int *has,
			 double *v)
{
	if (tt_report_parse_percent(arg, v)) {
		fprintf(stderr, "tokentap report: %s: not a percentage from 0 "
			"to 100 (2%%, 0.5%%): %s\n", opt, arg);
		return -1;
	}
	*has = 1;
	return 0;
}

/* Percentage options, by the getopt code each has. */
static int pct_option(int c, const char *arg, struct tt_report_opts *o)
{
	switch (c) {
	case 'm':
		return parse_pct_opt("--mark-unpriced-above", arg,
				     &o->has_unknown_mark, &o->unknown_mark);
	case 'A':
		return parse_pct_opt("--fail-unallocated-above", arg,
				     &o->has_fail_unallocated,
				     &o->fail_unallocated);
	case 'P':
		return parse_pct_opt("--fail-unpriced-above", arg,
				     &o->has_fail_unpriced, &o->fail_unpriced);
	default:
		return parse_pct_opt("--fail-dark-above", arg,
				     &o->has_fail_dark, &o->fail_dark);
	}
}

static void add_key(struct tt_report_opts *o, enum tt_report_key k)
{
	for (size_t i = 0; i < o->nkeys; i++)
		if (o->keys[i] == k)
			return;
	o->keys[o->nkeys++] = k;
}

static int write_out(const struct tt_report *r, enum format fmt)
{
	int ret;

	switch (fmt) {
	case FMT_CSV:
		ret = tt_report_write_csv(r, tt_cli_to_file, stdout);
		break;
	case FMT_JSON:
		ret = tt_report_write_json(r, tt_cli_to_file, stdout);
		break;
	case FMT_FOCUS:
		ret = tt_report_write_focus(r, tt_cli_to_file, stdout);
		break;
	default:
		ret = tt_report_write_table(r, tt_cli_to_file, stdout);
		break;
	}
	/* Machine formats keep the line counts out of their stream; the
	 * policy and the thresholds go with them (JSON has both in its
	 * summary record too). */
	if (!ret && fmt != FMT_TABLE)
		ret = tt_report_write_checks(r, tt_cli_to_file, stderr);
	if (!ret && (fmt == FMT_CSV || fmt == FMT_FOCUS))
		ret = tt_report_write_policy(r, tt_cli_to_file, stderr);
	if (!ret && (fmt == FMT_CSV || fmt == FMT_FOCUS))
		ret = tt_report_write_summary(r, tt_cli_to_file, stderr);
	if (!ret && fflush(stdout))
		ret = -EIO;
	return ret;
}

static int thresholds_failed(const struct tt_report *r)
{
	struct tt_report_check c[TT_REPORT_CHECKS_MAX];
	size_t n;

	return tt_report_checks(r, c, TT_REPORT_CHECKS_MAX, &n) > 0;
}

int tt_report_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "by", required_argument, NULL, 'b' },
		{ "format", required_argument, NULL, 'f' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "reprice", required_argument, NULL, 'r' },
		{ "mark-unpriced-above", required_argument, NULL, 'm' },
		{ "fail-unallocated-above", required_argument, NULL, 'A' },
		{ "fail-unpriced-above", required_argument, NULL, 'P' },
		{ "fail-dark-above", required_argument, NULL, 'D' },
		{ "unit-outcome", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char *const formats[] = { "table", "csv", "json", "focus" };
	struct tt_report_opts o = { 0 };
	const char *by = REPORT_DEFAULT_KEYS, *reprice = NULL;
	struct tt_pricing table = { 0 };
	enum format fmt = FMT_TABLE;
	struct tt_report r;
	size_t bad = 0;
	int c, ret;

	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			by = optarg;
			break;
		case 'f':
			for (c = 0; c < 4 && strcmp(optarg, formats[c]); c++)
				;
			if (c == 4)
				return bad_usage("--format: use table, csv, "
						 "json or focus, not ", optarg);
			fmt = (enum format)c;
			break;
		case 's':
			if (parse_time_opt("--since", optarg, &o.since_us))
				return 2;
			o.has_since = 1;
			break;
		case 'u':
			if (parse_time_opt("--until", optarg, &o.until_us))
				return 2;
			o.has_until = 1;
			break;
		case 'r':
			reprice = optarg;
			break;
		case 'o':
			/* An event's empty string reads as null: no match. */
			if (!optarg[0])
				return bad_usage("--unit-outcome: empty value",
						 NULL);
			o.unit_outcome = optarg;
			break;
		case 'm':
		case 'A':
		case 'P':
		case 'D':
			if (pct_option(c, optarg, &o))
				return 2;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (tt_report_parse_keys(by, &o, &bad)) {
		fprintf(stderr, "tokentap report: --by: unknown or repeated "
			"key at \"%s\"\n%s", by + bad, usage_text);
		return 2;
	}
	if (o.has_since && o.has_until && o.since_us >= o.until_us)
		return bad_usage("--since must be before --until", NULL);
	if (optind >= argc)
		return bad_usage("no FILE given (- for standard input)",
				 NULL);
	if (fmt == FMT_FOCUS) {
		add_key(&o, TT_RKEY_PROVIDER);
		add_key(&o, TT_RKEY_MODEL);
	}
	if (reprice) {
		char err[512];

		if (tt_pricing_load(reprice, &table, err, sizeof(err))) {
			fprintf(stderr, "tokentap report: --reprice: %s\n", err);
			return 1;
		}
		o.reprice = &table;
	}
	if (tt_report_init(&r, &o)) {
		tt_pricing_free(&table);
		return bad_usage("--by: bad key list ", by);
	}
	ret = tt_ledger_read_report(&r, argv + optind, argc - optind,
				    "report");
	if (!ret && tt_report_finish(&r)) {
		fprintf(stderr, "tokentap report: out of memory\n");
		ret = 1;
	}
	if (!ret && write_out(&r, fmt)) {
		fprintf(stderr, "tokentap report: writing the report failed\n");
		ret = 1;
	}
	/* A threshold exceeded: 3, apart from 1 (could not report) and 2
	 * (usage), so that CI can tell them apart. */
	if (!ret && thresholds_failed(&r))
		ret = 3;
	tt_report_free(&r);
	tt_pricing_free(&table);
	return ret;
}
