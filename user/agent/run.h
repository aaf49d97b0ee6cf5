/* SPDX-License-Identifier: MIT */
#ifndef TT_RUN_H
#define TT_RUN_H

#include <stddef.h>
#include <stdint.h>
#include "config/config.h"
#include "pricing/pricing.h"
#include "alloc/event.h"
#include "util/siphash.h"

#include <stddef.h>

#define TT_DEFAULT_CONFIG "/etc/tokentap/config.json"
#define TT_DEFAULT_EVENTS "/var/lib/tokentap/events.jsonl"
/* What a running agent says about its capture (`tokentap doctor`). */
#define TT_STATUS_FILE "/run/tokentap/status.json"

struct tt_run_opts {
	const char *config_path;  /* NULL: TT_DEFAULT_CONFIG if present */
	const char *events_path;  /* "-" for stdout */
	const char *ready_file;   /* written once start-up probes are attached */
	double duration;          /* seconds; 0 runs until a signal */
	size_t ringbuf_bytes;     /* 0: from config */
	int stream_digest;        /* SHA-256 per stream direction in records */
	int connection_records;   /* a "connection" record per AI connection */
	uint64_t events_max_bytes; /* rotate the events file at this size */
	unsigned events_keep;      /* rotated files kept */
	const char *metrics_listen; /* --metrics-listen; NULL: from config */
	const char *otlp_endpoint;  /* --otlp-endpoint; NULL: from config */
	const char *status_file;    /* --status-file; NULL: none */
};

#define TT_EVENTS_MAX_BYTES_DEFAULT (100ull << 20)
#define TT_EVENTS_KEEP_DEFAULT 5

/* Runs the agent until a signal or the duration. 0 or a negative errno. */
int tt_run(const struct tt_run_opts *opts);
/* `tokentap replay`: records of a capture file (docs/decode.md). */
int tt_replay(const char *path, const char *config_path, const char *events,
	      uint64_t events_max_bytes, unsigned events_keep);

/* `tokentap probe-floor`: attaches an empty uprobe to binary:symbol for
 * seconds, the floor the benchmark compares the capture against. */
int tt_probe_floor(const char *binary, const char *symbol, double seconds,
		   const char *ready_file);

/* The config file (path NULL: none, defaults only), then the price table
 * it names or, when it names none, the shipped default table if found:
 * 0, or an error with a message naming the file and field in err. cfg
 * must hold the defaults. */
/* The retry table of a (config "retries") and a fresh random body hash
 * key; then tt_alloc_use_config(). 0, -EIO (no randomness), -ENOMEM. */
int tt_alloc_retry_setup(struct tt_alloc *a, const struct tt_config *cfg,
			 uint8_t key[TT_SIPHASH_KEY]);

int tt_settings_load(const char *path, struct tt_config *cfg,
		     struct tt_pricing *prices, char *err, size_t errlen);
/* Days from the table's snapshot_date to now_s (Unix seconds): 0, or
 * -ENOENT when the table has no readable date. */
int tt_settings_snapshot_age(const struct tt_pricing *prices, int64_t now_s,
			     int *age_days);
/* `tokentap check-config FILE`: 0 when the agent would accept it. */
int tt_check_config(const char *path);

/* `tokentap doctor [-v] [FILE...]`: 0 when the agent can run here; FILEs
 * (executables, libraries) are checked and listed like running ones. */
int tt_doctor(int verbose, const char *status_file, char *const *files,
	      int nfiles);

#endif
