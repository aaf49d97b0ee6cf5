// SPDX-License-Identifier: MIT
/* tokentap: command-line entry. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/log.h"
#include "agent/run.h"
#include "agent/prices_cmd.h"
#include "agent/report_cmd.h"
#include "agent/reconcile_cmd.h"
#include "agent/smoke_cmd.h"
#include "config/otlp_config.h"
#include "config/listen.h"

#define TT_VERSION "0.1.0"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tokentap <command> [options]\n"
		"\n"
		"commands:\n"
		"  run       run the agent\n"
		"  doctor [-v] [--status-file PATH] [FILE...]\n"
		"            check whether the agent can run here, list TLS libraries\n"
		"            and Go programs found (and FILEs: can they be traced?)\n"
		"  version   print the version\n"
		"  check-config FILE\n"
		"            validate a configuration and the price table it names\n"
		"            (warns when the table is older than\n"
		"            pricing.max_snapshot_age_days)\n"
		"  replay [--config PATH] [--events PATH] [--events-max-bytes N] FILE\n"
		"            decode a recorded capture stream (FILE or -), print records\n"
		"  report [--by owner,environment,model] [--format table|csv|json|focus]\n"
		"         [--since ISO] [--until ISO] FILE...\n"
		"            unit-cost scorecard of ledger files (- for stdin)\n"
		"  reconcile --ledger FILE... [--threshold PCT] [--format text|json]\n"
		"         EXPORT...\n"
		"            ledger estimates against the providers' usage and cost\n"
		"            exports (OpenAI, Anthropic, FOCUS CSV): variance per day\n"
		"  prices import litellm FILE [--providers LIST] [--overrides FILE]\n"
		"         --date YYYY-MM-DD\n"
		"            LiteLLM's price table as a tokentap price table\n"
		"  prices check [--table FILE] [--config FILE] LEDGER...\n"
		"            the models of ledger files that the price table lacks\n"
		"  smoke --workload RULE|CGROUP [--happy CMD] [--error CMD]\n"
		"        [--ledger FILE] [--max-error-attempts N] [--record PREFIX]\n"
		"            check a workload's happy-path and error-path calls in a\n"
		"            running agent's ledger; write the handoff record\n"
		"  probe-floor BINARY SYMBOL [SECONDS [READY]]\n"
		"            attach an empty uprobe (benchmark floor)\n"
		"\n"
		"run options:\n"
		"  --config PATH        configuration (default " TT_DEFAULT_CONFIG
		" if present)\n"
		"  --events PATH|-      the ledger: allocation events (default " TT_DEFAULT_EVENTS ")\n"
		"  --ready-file PATH    written once start-up probes are attached\n"
		"  --duration SECONDS   stop by itself after this long\n"
		"  --ringbuf-size BYTES capture ring buffer (power of two, >= 4096)\n"
		"  --connection-records also write a \"connection\" record per AI connection\n"
		"  --stream-digest      connection records with the SHA-256 of each direction\n"
		"  --events-max-bytes N rotate the events file at N bytes (default 100 MiB, 0: never)\n"
		"  --events-keep N      rotated events files kept (default 5)\n"
		"  --metrics-listen ADDR:PORT|off\n"
		"                       Prometheus endpoint (default " TT_METRICS_LISTEN_DEFAULT ")\n"
		"  --otlp-endpoint URL  OTLP/HTTP export of the events and metrics\n"
		"                       (e.g. http://127.0.0.1:4318; config otlp.*)\n"
		"  --status-file PATH|off\n"
		"                       what the capture does now, for `tokentap doctor`\n"
		"                       (default " TT_STATUS_FILE ")\n"
		"  --log-level LEVEL    error, warn, info (default), debug\n");
}

/* The options run and replay share, first in both option tables. */
#define COMMON_LOPTS                                                           \
	{ "config", required_argument, NULL, 'c' },                            \
	{ "events", required_argument, NULL, 'e' },                            \
	{ "events-max-bytes", required_argument, NULL, 'm' },                  \
	{ "events-keep", required_argument, NULL, 'k' },                       \
	{ "log-level", required_argument, NULL, 'l' }

struct common_opts {
	const char *config, *events;
	uint64_t max_bytes;
	unsigned keep;
};

/* Takes option c if it is one of COMMON_LOPTS. Returns 1 when taken, 0
 * when c is another option, -1 on a bad value (said on stderr). */
static int common_opt(int c, const char *arg, struct common_opts *o)
{
	enum tt_log_level lvl;
	unsigned long long v;
	char *end;

	switch (c) {
	case 'c': o->config = arg; return 1;
	case 'e': o->events = arg; return 1;
	case 'l':
		if (tt_log_level_parse(arg, &lvl)) {
			fprintf(stderr, "tokentap: --log-level: unknown level %s\n", arg);
			return -1;
		}
		tt_log_set_level(lvl);
		return 1;
	case 'm':
	case 'k':
		v = strtoull(arg, &end, 0);
		if (*end || arg[0] == '-' || (c == 'k' && (v < 1 || v > 1000))) {
			fprintf(stderr, "tokentap: --events-%s: bad value %s\n",
				c == 'm' ? "max-bytes" : "keep", arg);
			return -1;
		}
		if (c == 'm')
			o->max_bytes = v;
		else
			o->keep = (unsigned)v;
		return 1;
	}
	return 0;
}

static int cmd_replay(int argc, char **argv)
{
	static const struct option lopts[] = { COMMON_LOPTS, { 0 } };
	/* Replay output is not rotated unless asked. */
	struct common_opts o = { .keep = TT_EVENTS_KEEP_DEFAULT };
	int c, taken;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		taken = common_opt(c, optarg, &o);
		if (taken <= 0)
			return 2;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: tokentap replay [--config PATH] [--events PATH] FILE\n");
		return 2;
	}
	return tt_replay(argv[optind], o.config, o.events, o.max_bytes, o.keep) ? 1 : 0;
}

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	if (*end || v < 4096 || v > (1ULL << 30) || (v & (v - 1)))
		return -EINVAL;
	*out = (size_t)v;
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option lopts[] = {
		COMMON_LOPTS,
		{ "ready-file", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'd' },
		{ "ringbuf-size", required_argument, NULL, 'b' },
		{ "stream-digest", no_argument, NULL, 's' },
		{ "connection-records", no_argument, NULL, 'C' },
		{ "metrics-listen", required_argument, NULL, 'M' },
		{ "otlp-endpoint", required_argument, NULL, 'O' },
		{ "status-file", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static char otlp_endpoint[TT_OTLP_ENDPOINT_MAX];
	struct tt_run_opts o = { .status_file = TT_STATUS_FILE };
	struct common_opts co = { .events = TT_DEFAULT_EVENTS,
				  .max_bytes = TT_EVENTS_MAX_BYTES_DEFAULT,
				  .keep = TT_EVENTS_KEEP_DEFAULT };
	struct tt_listen laddr;
	char *end;
	int c, taken;

	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		taken = common_opt(c, optarg, &co);
		if (taken < 0)
			return 2;
		if (taken)
			continue;
		switch (c) {
		case 'r': o.ready_file = optarg; break;
		case 'd':
			o.duration = strtod(optarg, &end);
			if (*end || o.duration < 0) {
				fprintf(stderr, "tokentap: --duration: not a number of seconds: %s\n", optarg);
				return 2;
			}
			break;
		case 'b':
			if (parse_size(optarg, &o.ringbuf_bytes)) {
				fprintf(stderr, "tokentap: --ringbuf-size: need a power of two from 4096 to 1 GiB: %s\n", optarg);
				return 2;
			}
			break;
		case 'M':
			if (tt_listen_parse(optarg, &laddr)) {
				fprintf(stderr, "tokentap: --metrics-listen: need ADDR:PORT, [ADDR6]:PORT (numeric) or off: %s\n", optarg);
				return 2;
			}
			o.metrics_listen = optarg;
			break;
		case 'O':
			if (tt_otlp_endpoint_check(optarg, otlp_endpoint)) {
				fprintf(stderr, "tokentap: --otlp-endpoint: need an http:// or https:// base URL without user, query or fragment: %s\n", optarg);
				return 2;
			}
			o.otlp_endpoint = otlp_endpoint;
			break;
		case 'S':
			o.status_file = strcmp(optarg, "off") ? optarg : NULL;
			break;
		case 's': o.stream_digest = o.connection_records = 1; break;
		case 'C': o.connection_records = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tokentap run: unexpected argument %s\n", argv[optind]);
		return 2;
	}
	o.config_path = co.config;
	o.events_path = co.events;
	o.events_max_bytes = co.max_bytes;
	o.events_keep = co.keep;
	return tt_run(&o) ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "doctor")) {
		const char *status = TT_STATUS_FILE;
		int verbose = 0, nfiles = 0;

		/* Options first, then files; the files are packed in place. */
		for (int i = 2; i < argc; i++) {
			if (!strcmp(argv[i], "-v")) {
				verbose = 1;
			} else if (!strcmp(argv[i], "--status-file")) {
				if (i + 1 == argc) {
					fprintf(stderr, "tokentap doctor: --status-file needs a path\n");
					return 2;
				}
				status = argv[++i];
			} else {
				argv[2 + nfiles++] = argv[i];
			}
		}
		tt_log_set_level(TT_LOG_ERROR);
		return tt_doctor(verbose, status, argv + 2, nfiles);
	}
	if (!strcmp(argv[1], "check-config")) {
		if (argc != 3) {
			fprintf(stderr, "usage: tokentap check-config FILE\n");
			return 2;
		}
		return tt_check_config(argv[2]) ? 1 : 0;
	}
	if (!strcmp(argv[1], "replay"))
		return cmd_replay(argc - 1, argv + 1);
	if (!strcmp(argv[1], "report"))
		return tt_report_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "reconcile"))
		return tt_reconcile_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "prices"))
		return tt_prices_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "smoke"))
		return tt_smoke_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "probe-floor")) {
		if (argc < 4) {
			fprintf(stderr, "usage: tokentap probe-floor BINARY SYMBOL [SECONDS [READY_FILE]]\n");
			return 2;
		}
		return tt_probe_floor(argv[2], argv[3], argc > 4 ? atof(argv[4]) : 60,
				      argc > 5 ? argv[5] : NULL) ? 1 : 0;
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("tokentap %s\n", TT_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "tokentap: unknown command %s\n", argv[1]);
	usage(stderr);
	return 2;
}
