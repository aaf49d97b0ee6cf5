// SPDX-License-Identifier: MIT
/*
 * `tokentap reconcile`: the ledger's estimates against the providers' own
 * usage and cost exports (docs/finops.md#reconciliation). Reads the export
 * files (capped), then the ledger through the report core (grouped by
 * provider and model per UTC day, within the exports' days) into the
 * reconcile core (user/reconcile), and prints the variance per day,
 * provider and model. All the arithmetic is in the cores.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report/report.h"
#include "reconcile/recon.h"
#include "util/sha256.h"
#include "agent/cli.h"
#include "agent/ledger_read.h"
#include "agent/reconcile_cmd.h"

#define LEDGERS_MAX 256

static const char usage_text[] =
	"usage: tokentap reconcile --ledger FILE [--ledger FILE...]\n"
	"                          [--threshold PCT] [--format text|json]\n"
	"                          [--by-project] [--focus-model-column COL]\n"
	"                          [--focus-cost-column COL]\n"
	"                          [--focus-service NAME=PROVIDER] EXPORT...\n"
	"  --ledger FILE  a ledger file (repeat for rotated ones; - for stdin)\n"
	"  --threshold PCT\n"
	"                 flag a day, provider and model whose tokens or cost\n"
	"                 differ from the export by more than PCT (default 5%)\n"
	"  --format FMT   text (default) or json (JSON lines)\n"
	"  --by-project   also key by project: the export's project_id or\n"
	"                 workspace_id (FOCUS SubAccountId), the ledger's\n"
	"                 declared.provider_project\n"
	"  --focus-model-column COL\n"
	"                 the FOCUS column holding the model (default: from\n"
	"                 ResourceId)\n"
	"  --focus-cost-column COL\n"
	"                 the FOCUS cost compared (default BilledCost)\n"
	"  --focus-service NAME=PROVIDER\n"
	"                 a FOCUS ServiceName and the provider it is\n"
	"                 (\"Cognitive Services=azure.ai.openai\"; up to 16)\n"
	"  EXPORT         OpenAI /v1/organization/usage/completions or\n"
	"                 /v1/organization/costs JSON, Anthropic\n"
	"                 usage_report/messages or cost_report JSON, FOCUS CSV\n"
	"exit: 0 no variance beyond the threshold, 3 some, 1 a file could not\n"
	"be read or is no export, 2 usage\n";

static int bad_usage(const char *msg, const char *arg)
{
	return tt_cli_usage_error("reconcile", usage_text, msg, arg);
}

/* A whole file, at most cap bytes: 0, -E2BIG or -errno. */
static int slurp(const char *path, size_t cap, char **out, size_t *len)
{
	FILE *f = fopen(path, "re");
	size_t n = 0, size = 1 << 16;
	char *buf = NULL;
	int ret = 0;

	*out = NULL;
	if (!f)
		return -errno;
	for (;;) {
		size_t got;

		if (n == size || !buf) {
			char *b;

			if (buf)
				size *= 2;
			if (size > cap + 1)
				size = cap + 1;
			b = realloc(buf, size);
			if (!b) {
				ret = -ENOMEM;
				break;
			}
			buf = b;
		}
		got = fread(buf + n, 1, size - n, f);
		n += got;
		if (n > cap) {
			ret = -E2BIG;
			break;
		}
		if (!got) {
			ret = ferror(f) ? -EIO : 0;
			break;
		}
	}
	fclose(f);
	if (ret) {
		free(buf);
		return ret;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* An export given twice (a glob and an explicit path) would count its
 * usage twice: the same bytes are an error, naming both files. */
static int same_as_earlier(char (*digest)[TT_SHA256_HEX], char **paths,
			   int i, const char *buf, size_t len)
{
	if (tt_sha256_hex("", buf, len, digest[i]))
		return 0;
	for (int j = 0; j < i; j++)
		if (!strcmp(digest[j], digest[i])) {
			fprintf(stderr, "tokentap reconcile: %s: the same "
				"content as %s: give each export once\n",
				paths[i], paths[j]);
			return 1;
		}
	return 0;
}

static int read_exports(struct tt_recon *rc, char **paths, int n,
			struct tt_recon_file *files)
{
	char (*digest)[TT_SHA256_HEX] = calloc((size_t)n, sizeof(*digest));
	int ret = digest ? 0 : 1;

	for (int i = 0; i < n && !ret; i++) {
		char err[256], *buf;
		size_t len = 0;

		ret = slurp(paths[i], TT_RECON_FILE_MAX, &buf, &len);
		if (ret) {
			fprintf(stderr, "tokentap reconcile: %s: %s\n", paths[i],
				ret == -E2BIG ? "over the 256 MiB export cap" :
				strerror(-ret));
			ret = 1;
			break;
		}
		ret = same_as_earlier(digest, paths, i, buf, len);
		if (!ret)
			ret = tt_recon_add_export(rc, buf, len, &files[i], err,
						  sizeof(err));
		free(buf);
		if (ret < 0)
			fprintf(stderr, "tokentap reconcile: %s: %s\n", paths[i],
				ret == -ENOMEM ? "out of memory" : err);
		ret = ret ? 1 : 0;
	}
	free(digest);
	return ret;
}

/* The ledger through the report core, within the exports' days. */
static int read_ledger(struct tt_recon *rc, char **ledgers, int n)
{
	struct tt_report_opts o = { 0 };
	struct tt_report r;
	int ret;

	o.keys[o.nkeys++] = TT_RKEY_PROVIDER;
	o.keys[o.nkeys++] = TT_RKEY_MODEL;
	if (rc->opts.by_project)
		o.keys[o.nkeys++] = TT_RKEY_PROVIDER_PROJECT;
	if (rc->has_window) {
		o.has_since = o.has_until = 1;
		o.since_us = (int64_t)rc->first_day * 86400 * 1000000;
		o.until_us = (int64_t)rc->end_day * 86400 * 1000000;
	}
	if (tt_report_init(&r, &o))
		return 1;
	ret = tt_ledger_read_report(&r, ledgers, n, "reconcile");
	if (!ret && (tt_report_finish(&r) || tt_recon_add_ledger(rc, &r))) {
		fprintf(stderr, "tokentap reconcile: out of memory\n");
		ret = 1;
	}
	if (!ret)
		tt_report_write_summary(&r, tt_cli_to_file, stderr);
	tt_report_free(&r);
	return ret;
}

struct args {
	struct tt_recon_opts o;
	char *ledgers[LEDGERS_MAX];
	int nledgers, json;
};

/* "NAME=PROVIDER" split in place. 0 or -1. */
static int add_service(struct tt_recon_opts *o, char *arg)
{
	char *eq = strrchr(arg, '=');

	if (!eq || eq == arg || !eq[1] || o->nservices == TT_RECON_SERVICES_MAX)
		return -1;
	*eq = '\0';
	o->service_name[o->nservices] = arg;
	o->service_provider[o->nservices++] = eq + 1;
	return 0;
}

/* The options into *a: -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option lopts[] = {
		{ "ledger", required_argument, NULL, 'l' },
		{ "threshold", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "by-project", no_argument, NULL, 'p' },
		{ "focus-model-column", required_argument, NULL, 'm' },
		{ "focus-cost-column", required_argument, NULL, 'c' },
		{ "focus-service", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	a->o.threshold = 0.05;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (a->nledgers == LEDGERS_MAX)
				return bad_usage("more than 256 --ledger", NULL);
			a->ledgers[a->nledgers++] = optarg;
			break;
		case 't':
			if (tt_report_parse_percent(optarg, &a->o.threshold))
				return bad_usage("--threshold: not a "
						 "percentage (5%, 0.5): ",
						 optarg);
			break;
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "json"))
				return bad_usage("--format: text or json, not ",
						 optarg);
			a->json = !strcmp(optarg, "json");
			break;
		case 'p':
			a->o.by_project = 1;
			break;
		case 'm':
			a->o.focus_model_column = optarg;
			break;
		case 'c':
			a->o.focus_cost_column = optarg;
			break;
		case 's':
			if (add_service(&a->o, optarg))
				return bad_usage("--focus-service: NAME=PROVIDER "
						 "(at most 16), not ", optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (!a->nledgers)
		return bad_usage("no --ledger FILE", NULL);
	if (optind >= argc)
		return bad_usage("no EXPORT given", NULL);
	return -1;
}

int tt_reconcile_main(int argc, char **argv)
{
	static struct args a;
	struct tt_recon_file *files = NULL;
	struct tt_recon rc;
	int ret = parse_args(argc, argv, &a), nexports;

	if (ret >= 0)
		return ret;
	nexports = argc - optind;
	if (tt_recon_init(&rc, &a.o))
		return bad_usage("bad options", NULL);
	files = calloc((size_t)nexports, sizeof(*files));
	ret = files ? read_exports(&rc, argv + optind, nexports, files) : 1;
	if (!ret)
		ret = read_ledger(&rc, a.ledgers, a.nledgers);
	if (!ret && tt_recon_finish(&rc)) {
		fprintf(stderr, "tokentap reconcile: out of memory\n");
		ret = 1;
	}
	if (!ret) {
		const char *const *names = (const char *const *)argv + optind;

		ret = a.json ? tt_recon_write_json(&rc, files, names,
						   (size_t)nexports, tt_cli_to_file,
						   stdout) :
			       tt_recon_write_text(&rc, files, names,
						   (size_t)nexports, tt_cli_to_file,
						   stdout);
		if (ret || fflush(stdout)) {
			fprintf(stderr, "tokentap reconcile: writing failed\n");
			ret = 1;
		} else if (rc.nflagged) {
			ret = 3; /* variance beyond the threshold */
		}
	}
	tt_recon_free(&rc);
	free(files);
	return ret;
}
