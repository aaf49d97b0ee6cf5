// SPDX-License-Identifier: MIT
/*
 * `tokentap prices`: import LiteLLM's table into ours, and check which
 * models of a ledger a table lacks. Files in, text out; the conversion is
 * the core's (pricing/litellm.c), the check the report core's
 * (report/pricecheck.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pricing/litellm.h"
#include "pricing/pricing.h"
#include "report/pricecheck.h"
#include "agent/cli.h"
#include "agent/ledger_read.h"
#include "agent/prices_cmd.h"
#include "agent/run.h"

static const char usage_text[] =
	"usage: tokentap prices import litellm FILE [--providers LIST]\n"
	"                     [--overrides FILE] [--date YYYY-MM-DD]\n"
	"                     [--commit SHA] [--output FILE]\n"
	"       tokentap prices check [--table FILE] [--config FILE] LEDGER...\n"
	"  import   LiteLLM's model_prices_and_context_window.json (the full\n"
	"           upstream file, or an extract) as a tokentap price table on\n"
	"           standard output (or --output); --providers keeps only those\n"
	"           (tokentap or LiteLLM names, comma-separated); --overrides\n"
	"           merges hand-kept prices, each with its source URL; --date is\n"
	"           when the input was taken (required)\n"
	"  check    the models of ledger files (rotated ones too, - for stdin)\n"
	"           that the table lacks, with their calls and tokens; exit 1\n"
	"           when there are any. --table (default: the config's, else\n"
	"           the shipped one)\n";

static int bad_usage(const char *msg, const char *arg)
{
	return tt_cli_usage_error("prices", usage_text, msg, arg);
}

/* The whole file (cap bytes at most) into *text. 0 or -errno. */
static int slurp(const char *path, size_t cap, char **text, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *p = NULL;
	size_t n;
	int ret = 0;

	*text = NULL;
	if (!f)
		return -errno;
	p = malloc(cap + 1);
	if (!p) {
		ret = -ENOMEM;
		goto out;
	}
	n = fread(p, 1, cap + 1, f);
	if (ferror(f))
		ret = -EIO;
	else if (n > cap)
		ret = -E2BIG;
	if (ret)
		goto out;
	p[n] = '\0';
	*text = p;
	*len = n;
	p = NULL;
out:
	free(p);
	fclose(f);
	return ret;
}

static void import_summary(const struct tt_litellm_stats *st)
{
	fprintf(stderr,
		"tokentap prices: %llu models in the input: %llu imported, "
		"%llu of other providers, %llu not priced per token, "
		"%llu duplicate names, %llu bad prices dropped; overrides: "
		"%llu merged, %llu added\n",
		(unsigned long long)st->entries, (unsigned long long)st->imported,
		(unsigned long long)st->other_provider,
		(unsigned long long)st->no_token_price,
		(unsigned long long)st->duplicates,
		(unsigned long long)st->bad_rates,
		(unsigned long long)st->overrides_merged,
		(unsigned long long)st->overrides_added);
}

/* Writes text to path (or stdout), refusing a table the agent would
 * refuse. 0 or 1. */
static int emit_table(const char *text, size_t len, const char *path)
{
	struct tt_pricing t;
	char err[512];
	FILE *f;
	int ret = tt_pricing_parse(text, len, &t, err, sizeof(err));

	tt_pricing_free(&t);
	if (ret) {
		fprintf(stderr, "tokentap prices: the table made is not valid: %s\n",
			err);
		return 1;
	}
	f = path ? fopen(path, "we") : stdout;
	if (!f || fwrite(text, 1, len, f) != len || fflush(f)) {
		fprintf(stderr, "tokentap prices: %s: %s\n", path ? path : "stdout",
			strerror(errno));
		ret = 1;
	}
	if (f && path && fclose(f) && !ret) {
		fprintf(stderr, "tokentap prices: %s: %s\n", path, strerror(errno));
		ret = 1;
	}
	return ret;
}

static int cmd_import(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "providers", required_argument, NULL, 'p' },
		{ "overrides", required_argument, NULL, 'o' },
		{ "date", required_argument, NULL, 'd' },
		{ "commit", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'O' },
		{ 0 },
	};
	struct tt_litellm_opts o = { 0 };
	struct tt_litellm_stats st;
	const char *ovpath = NULL, *outpath = NULL;
	char *text = NULL, *ov = NULL, *out = NULL, err[512];
	size_t len = 0, ovlen = 0, outlen = 0;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		if (c == 'p')
			o.providers = optarg;
		else if (c == 'o')
			ovpath = optarg;
		else if (c == 'd')
			o.snapshot_date = optarg;
		else if (c == 'c')
			o.commit = optarg;
		else if (c == 'O')
			outpath = optarg;
		else
			return bad_usage("import: bad option", NULL);
	}
	if (argc - optind != 2 || strcmp(argv[optind], "litellm"))
		return bad_usage("import: want `import litellm FILE`", NULL);
	if (!o.snapshot_date)
		return bad_usage("import: --date YYYY-MM-DD is required (when the "
				 "input was taken)", NULL);
	ret = slurp(argv[optind + 1], TT_LITELLM_TEXT_MAX, &text, &len);
	if (ret) {
		fprintf(stderr, "tokentap prices: %s: %s\n", argv[optind + 1],
			strerror(-ret));
		return 1;
	}
	if (ovpath && (ret = slurp(ovpath, 1u << 20, &ov, &ovlen))) {
		fprintf(stderr, "tokentap prices: %s: %s\n", ovpath, strerror(-ret));
		free(text);
		return 1;
	}
	o.overrides = ov;
	o.overrides_len = ovlen;
	o.overrides_name = ovpath;
	ret = tt_litellm_import(text, len, &o, &out, &outlen, &st, err,
				sizeof(err));
	if (ret)
		fprintf(stderr, "tokentap prices: %s\n", err);
	else
		import_summary(&st);
	ret = ret ? 1 : emit_table(out, outlen, outpath);
	free(text);
	free(ov);
	free(out);
	return ret;
}

static int check_line(void *ctx, const char *line, size_t len)
{
	return tt_pcheck_feed(ctx, line, len);
}

static void check_too_long(void *ctx)
{
	tt_pcheck_too_long(ctx);
}

/* The table to check against: --table, else the config's, else the
 * shipped one. 0, or 1 after saying why. */
static int load_table(const char *table, const char *config,
		      struct tt_pricing *t)
{
	struct tt_config cfg;
	char err[512];
	int ret;

	if (table) {
		ret = tt_pricing_load(table, t, err, sizeof(err));
		if (ret)
			fprintf(stderr, "tokentap prices: %s\n", err);
		return ret ? 1 : 0;
	}
	tt_config_defaults(&cfg);
	ret = tt_settings_load(config, &cfg, t, err, sizeof(err));
	if (ret)
		fprintf(stderr, "tokentap prices: %s: %s\n",
			config ? config : "(defaults)", err);
	else if (!cfg.prices_path[0])
		fprintf(stderr, "tokentap prices: no price table found (--table)\n");
	tt_config_free(&cfg);
	return ret || !t->nmodels ? 1 : 0;
}

int tt_prices_check_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "table", required_argument, NULL, 't' },
		{ "config", required_argument, NULL, 'c' },
		{ 0 },
	};
	const char *table = NULL, *config = NULL;
	struct tt_pricing t = { 0 };
	struct tt_pcheck chk;
	struct tt_ledger_reader rd = {
		.line = check_line, .too_long = check_too_long, .ctx = &chk,
		.max_line = TT_REPORT_LINE_MAX, .cmd = "prices check",
	};
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		if (c == 't')
			table = optarg;
		else if (c == 'c')
			config = optarg;
		else
			return bad_usage("check: bad option", NULL);
	}
	if (optind >= argc)
		return bad_usage("check: no LEDGER given (- for standard input)",
				 NULL);
	if (load_table(table, config, &t)) {
		tt_pricing_free(&t);
		return 1;
	}
	tt_pcheck_init(&chk, &t);
	ret = tt_ledger_read_files(&rd, argv + optind, argc - optind);
	if (!ret && tt_pcheck_write(&chk, tt_cli_to_file, stdout))
		ret = 1;
	if (!ret)
		ret = chk.n || chk.overflow ? 1 : 0;
	tt_pcheck_free(&chk);
	tt_pricing_free(&t);
	return ret;
}

int tt_prices_main(int argc, char **argv)
{
	if (argc < 2)
		return bad_usage("a command is needed: import or check", NULL);
	if (!strcmp(argv[1], "import"))
		return cmd_import(argc - 1, argv + 1);
	if (!strcmp(argv[1], "check"))
		return tt_prices_check_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage_text, stdout);
		return 0;
	}
	return bad_usage("unknown command ", argv[1]);
}
